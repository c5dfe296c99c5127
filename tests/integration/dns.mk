# Integration test of the embedded DNS server: dns.sh runs dns-driver in
# network namespaces it creates, with a fake upstream resolver. It needs
# root and skips (77) without it.
check_PROGRAMS += tests/integration/dns-driver
tests_integration_dns_driver_SOURCES = tests/integration/dns-driver.c
tests_integration_dns_driver_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/netns
tests_integration_dns_driver_LDADD = libnetns.a libcommon.a $(NL_LIBS) $(MNL_LIBS) $(NFTNL_LIBS)

TESTS += tests/integration/dns.sh
EXTRA_DIST += tests/integration/dns.sh tests/integration/dns-check.py
