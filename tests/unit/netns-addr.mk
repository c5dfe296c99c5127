# Unit tests of the netns library's address parser and formatter.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-netns-addr
TESTS += tests/unit/test-netns-addr
tests_unit_test_netns_addr_SOURCES = tests/unit/test-netns-addr.c
tests_unit_test_netns_addr_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_netns_addr_LDADD = libnetns.a libcommon.a $(CMOCKA_LIBS)
endif
