# Fuzz target of the netns address parser (see tests/fuzz/local.mk). It
# compiles the parser itself, so the fuzzer's instrumentation covers it.
check_PROGRAMS += tests/fuzz/fuzz-netns-addr
if !ENABLE_FUZZING
TESTS += tests/fuzz/fuzz-netns-addr
endif

tests_fuzz_fuzz_netns_addr_SOURCES = tests/fuzz/fuzz-netns-addr.c netns/addr.c $(FUZZ_MAIN)
tests_fuzz_fuzz_netns_addr_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_netns_addr_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_netns_addr_LDADD = libcommon.a
