# Fuzz targets. Each tests/fuzz/fuzz-NAME.c defines LLVMFuzzerTestOneInput
# and has a seed corpus in tests/fuzz/corpus/NAME/. With --enable-fuzzing
# (CC=clang) the targets link libFuzzer; otherwise they link replay.c and
# `make check` replays their corpus. FUZZ_TARGETS lists them; each module's
# fragment adds its targets with their sources and libraries.
if ENABLE_FUZZING
FUZZ_COMPILE_FLAGS = -fsanitize=fuzzer,address,undefined
FUZZ_LINK_FLAGS = -fsanitize=fuzzer,address,undefined
FUZZ_MAIN =
else
FUZZ_COMPILE_FLAGS =
FUZZ_LINK_FLAGS =
FUZZ_MAIN = tests/fuzz/replay.c
endif

include tests/fuzz/http.mk
include tests/fuzz/image.mk
include tests/fuzz/registry.mk
include tests/fuzz/runtime.mk
include tests/fuzz/monitor.mk
include tests/fuzz/engine.mk
include tests/fuzz/netns-addr.mk
include tests/fuzz/dns.mk
EXTRA_DIST += tests/fuzz/corpus

# Example of a module's fragment:
#   check_PROGRAMS += tests/fuzz/fuzz-reference
#   TESTS += tests/fuzz/fuzz-reference   (only when ENABLE_FUZZING is off)
#   tests_fuzz_fuzz_reference_SOURCES = tests/fuzz/fuzz-reference.c $(FUZZ_MAIN)
#   tests_fuzz_fuzz_reference_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) ...
#   tests_fuzz_fuzz_reference_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
#   tests_fuzz_fuzz_reference_LDADD = libimage.a libcommon.a ...
