# Unit tests of this module.
