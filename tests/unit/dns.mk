# Unit tests of the embedded DNS server's wire format code.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-dns
TESTS += tests/unit/test-dns
tests_unit_test_dns_SOURCES = tests/unit/test-dns.c
tests_unit_test_dns_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/netns
tests_unit_test_dns_LDADD = libnetns.a libcommon.a $(CMOCKA_LIBS)
endif
