# Integration tests of the runtime module.
