# Fuzz targets of the container monitor (see tests/fuzz/local.mk). Each
# compiles the parser it tests itself, so that the fuzzer's instrumentation
# covers it; libmonitor.a then supplies only what is left.
MONITOR_FUZZ_TARGETS = tests/fuzz/fuzz-jsonlog-line tests/fuzz/fuzz-locallog-record tests/fuzz/fuzz-monitor-proto \
	tests/fuzz/fuzz-detach-keys
check_PROGRAMS += $(MONITOR_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(MONITOR_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_jsonlog_line_SOURCES = tests/fuzz/fuzz-jsonlog-line.c runtime/monitor/jsonlog-format.c $(FUZZ_MAIN)
tests_fuzz_fuzz_jsonlog_line_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_jsonlog_line_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_jsonlog_line_LDADD = libmonitor.a libcommon.a $(JSONC_LIBS)

tests_fuzz_fuzz_locallog_record_SOURCES = tests/fuzz/fuzz-locallog-record.c runtime/monitor/locallog-format.c \
	runtime/monitor/locallog-read.c $(FUZZ_MAIN)
tests_fuzz_fuzz_locallog_record_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_locallog_record_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_locallog_record_LDADD = libmonitor.a libcommon.a

tests_fuzz_fuzz_monitor_proto_SOURCES = tests/fuzz/fuzz-monitor-proto.c runtime/monitor/proto.c \
	runtime/monitor/proto-exec.c common/jsonutil.c $(FUZZ_MAIN)
tests_fuzz_fuzz_monitor_proto_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_monitor_proto_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_monitor_proto_LDADD = libmonitor.a libcommon.a $(JSONC_LIBS)

tests_fuzz_fuzz_detach_keys_SOURCES = tests/fuzz/fuzz-detach-keys.c runtime/monitor/detachkeys.c $(FUZZ_MAIN)
tests_fuzz_fuzz_detach_keys_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_detach_keys_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_detach_keys_LDADD = libmonitor.a libcommon.a $(JSONC_LIBS)
