# Fuzz targets of this module (see tests/fuzz/local.mk).
