if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-common
TESTS += tests/unit/test-common
tests_unit_test_common_SOURCES = tests/unit/test-common.c
tests_unit_test_common_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_common_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)

check_PROGRAMS += tests/unit/test-dlutil
TESTS += tests/unit/test-dlutil
tests_unit_test_dlutil_SOURCES = tests/unit/test-dlutil.c
tests_unit_test_dlutil_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(ZLIB_CFLAGS)
tests_unit_test_dlutil_LDADD = libcommon.a $(CMOCKA_LIBS) $(ZLIB_LIBS)
endif
