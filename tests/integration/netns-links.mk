# Integration test of the netns library's link layer: netns-links.sh drives
# the library through netns-tool inside a private network namespace, as
# root (it skips with 77 otherwise).
check_PROGRAMS += tests/integration/netns-tool
tests_integration_netns_tool_SOURCES = tests/integration/netns-tool.c
tests_integration_netns_tool_CFLAGS = $(AM_CFLAGS) $(NL_CFLAGS)
tests_integration_netns_tool_LDADD = libnetns.a libcommon.a $(NL_LIBS)

TESTS += tests/integration/netns-links.sh
EXTRA_DIST += tests/integration/netns-links.sh
