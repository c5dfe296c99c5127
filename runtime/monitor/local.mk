# libmonitor.a: the protocol between the daemon and a container's monitor,
# the json-file and local log formats and detach keys; linked by both sides.
noinst_LIBRARIES += libmonitor.a
libmonitor_a_SOURCES = \
	runtime/monitor/detachkeys.c runtime/monitor/detachkeys.h \
	runtime/monitor/jsonlog-format.c runtime/monitor/jsonlog.h \
	runtime/monitor/jsonlog-gzip.c \
	runtime/monitor/jsonlog-reader.c \
	runtime/monitor/jsonlog-writer.c \
	runtime/monitor/locallog-format.c runtime/monitor/locallog.h \
	runtime/monitor/locallog-read.c \
	runtime/monitor/proto.c runtime/monitor/proto.h \
	runtime/monitor/proto-exec.c
libmonitor_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(ZLIB_CFLAGS)

# The monitor program's sources, also linked with a fake runtime by the
# monitor's end-to-end test (tests/unit/monitor.mk).
MONITOR_PROGRAM_SOURCES = \
	runtime/monitor/attach.c \
	runtime/monitor/control.c \
	runtime/monitor/exec.c \
	runtime/monitor/exec-io.c \
	runtime/monitor/lifecycle.c \
	runtime/monitor/loop.c \
	runtime/monitor/main.c \
	runtime/monitor/monitor.h \
	runtime/monitor/stdio.c

# Every monitor costs memory per container. Linked statically (configure's
# default where the static libraries exist), it maps only the code it uses.
# The linker then warns that libnl's getaddrinfo and getprotobyname need
# glibc's shared NSS modules: the monitor never calls the libnl functions
# that use them. Linked dynamically, --as-needed keeps the libraries the
# runtime links but the monitor's code never reaches out of its memory map.
libexec_PROGRAMS += sockerless-monitor
sockerless_monitor_SOURCES = $(MONITOR_PROGRAM_SOURCES)
sockerless_monitor_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
if STATIC_MONITOR
sockerless_monitor_LDFLAGS = $(AM_LDFLAGS) -static
else
sockerless_monitor_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed
endif
sockerless_monitor_LDADD = libmonitor.a $(RUNTIME_LIBS) $(ZLIB_LIBS)
