# Fuzz targets of this module (see tests/fuzz/local.mk). The parsers'
# sources are compiled into each target, so that a libFuzzer build
# instruments them for coverage; libruntime.a is built without it.
RUNTIME_FUZZ_TARGETS = tests/fuzz/fuzz-runtime-spec tests/fuzz/fuzz-runtime-mountopts
check_PROGRAMS += $(RUNTIME_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(RUNTIME_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_runtime_spec_SOURCES = tests/fuzz/fuzz-runtime-spec.c $(FUZZ_MAIN) \
	runtime/spec.c runtime/spec-json.c runtime/spec-linux.c runtime/spec-process.c runtime/spec-resources.c \
	runtime/spec-seccomp.c runtime/spec-hooks.c
tests_fuzz_fuzz_runtime_spec_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS) $(CAP_CFLAGS)
tests_fuzz_fuzz_runtime_spec_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_runtime_spec_LDADD = libcommon.a $(JSONC_LIBS) $(CAP_LIBS)

tests_fuzz_fuzz_runtime_mountopts_SOURCES = tests/fuzz/fuzz-runtime-mountopts.c $(FUZZ_MAIN) runtime/mountopts.c
tests_fuzz_fuzz_runtime_mountopts_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_runtime_mountopts_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_runtime_mountopts_LDADD = libcommon.a
