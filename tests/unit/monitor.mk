# Unit tests of the container monitor and libmonitor.a.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-monitor-proto tests/unit/test-monitor-jsonlog
TESTS += tests/unit/test-monitor-proto tests/unit/test-monitor-jsonlog

tests_unit_test_monitor_proto_SOURCES = tests/unit/test-monitor-proto.c
tests_unit_test_monitor_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_monitor_proto_LDADD = libmonitor.a libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)

tests_unit_test_monitor_jsonlog_SOURCES = tests/unit/test-monitor-jsonlog.c
tests_unit_test_monitor_jsonlog_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_monitor_jsonlog_LDADD = libmonitor.a libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif
