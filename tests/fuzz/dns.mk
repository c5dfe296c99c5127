# Fuzz target of the embedded DNS server's query parser (see
# tests/fuzz/local.mk). It compiles the wire format code itself, so the
# fuzzer's instrumentation covers it.
check_PROGRAMS += tests/fuzz/fuzz-dns-query
if !ENABLE_FUZZING
TESTS += tests/fuzz/fuzz-dns-query
endif

tests_fuzz_fuzz_dns_query_SOURCES = tests/fuzz/fuzz-dns-query.c netns/dns-wire.c $(FUZZ_MAIN)
tests_fuzz_fuzz_dns_query_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) -I$(top_srcdir)/netns
tests_fuzz_fuzz_dns_query_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_dns_query_LDADD = libcommon.a
