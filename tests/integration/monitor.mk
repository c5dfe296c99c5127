# Integration tests of the container monitor (runtime/monitor/): the
# end-to-end cases of tests/unit/test-monitor-e2e.c on the real monitor and
# runtime, as root.
if HAVE_CMOCKA
TESTS += tests/integration/monitor-busybox.sh
endif
EXTRA_DIST += tests/integration/monitor-busybox.sh
