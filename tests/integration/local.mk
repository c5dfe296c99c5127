# Integration tests.
