if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-common
TESTS += tests/unit/test-common
tests_unit_test_common_SOURCES = tests/unit/test-common.c
tests_unit_test_common_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_common_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif
