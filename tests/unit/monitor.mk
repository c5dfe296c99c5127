# Unit tests of the container monitor and libmonitor.a.
EXTRA_DIST += tests/fixtures/dockerd-local-log.bin
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-monitor-proto tests/unit/test-monitor-jsonlog tests/unit/test-monitor-locallog
TESTS += tests/unit/test-monitor-proto tests/unit/test-monitor-jsonlog tests/unit/test-monitor-locallog

tests_unit_test_monitor_proto_SOURCES = tests/unit/test-monitor-proto.c
tests_unit_test_monitor_proto_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_monitor_proto_LDADD = libmonitor.a libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)

tests_unit_test_monitor_jsonlog_SOURCES = tests/unit/test-monitor-jsonlog.c tests/unit/monitor-log-fixture.h
tests_unit_test_monitor_jsonlog_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_monitor_jsonlog_LDADD = libmonitor.a libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS) $(ZLIB_LIBS)

tests_unit_test_monitor_locallog_SOURCES = tests/unit/test-monitor-locallog.c tests/unit/monitor-log-fixture.h
tests_unit_test_monitor_locallog_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_monitor_locallog_LDADD = libmonitor.a libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS) $(ZLIB_LIBS)

# The monitor linked with tests/unit/monitor-fake-runtime.c instead of
# libruntime.a, driven over its control socket by test-monitor-e2e.
check_PROGRAMS += tests/unit/test-monitor-fake tests/unit/test-monitor-e2e
TESTS += tests/unit/test-monitor-e2e

tests_unit_test_monitor_fake_SOURCES = $(MONITOR_PROGRAM_SOURCES) tests/unit/monitor-fake-runtime.c
tests_unit_test_monitor_fake_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_monitor_fake_LDADD = libmonitor.a libcommon.a $(JSONC_LIBS) $(ZLIB_LIBS) -lutil

tests_unit_test_monitor_e2e_SOURCES = tests/unit/test-monitor-e2e.c
tests_unit_test_monitor_e2e_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_monitor_e2e_LDADD = libmonitor.a libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS) $(ZLIB_LIBS)
endif
