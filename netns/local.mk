# Network namespace helpers. For now only what the runtime needs to bring
# up the loopback interface of a new network namespace.
noinst_LIBRARIES += libnetns.a
libnetns_a_SOURCES = \
	netns/loopback.c netns/loopback.h
libnetns_a_CFLAGS = $(AM_CFLAGS) $(NL_CFLAGS)
