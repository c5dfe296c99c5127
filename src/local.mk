sbin_PROGRAMS += sockerlessd
sockerlessd_SOURCES = src/main.c
sockerlessd_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
# --as-needed drops a library that nothing of the daemon calls, whose
# relocations would still cost memory at every start.
sockerlessd_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed
sockerlessd_LDADD = libsockerlessd.a libimageapi.a libhttp.a libmonitor.a $(IMAGE_LIBS_LAZY) $(RUNTIME_LIBS) \
	$(NFTNL_LIBS) $(MNL_LIBS) $(SOCKERLESSD_MHD_LIBS) -lpthread
if STATIC_MICROHTTPD
sockerlessd_SOURCES += src/http/gnutls-stubs.c
SOCKERLESSD_MHD_LIBS = $(MHD_STATIC_LIBS)
else
SOCKERLESSD_MHD_LIBS = $(MHD_LIBS)
endif

# Everything of the daemon but main(), so unit tests can link it.
noinst_LIBRARIES += libsockerlessd.a
libsockerlessd_a_SOURCES = \
	src/api/api.h \
	src/api/containers.c \
	src/api/containers-archive.c \
	src/api/containers-commit.c \
	src/api/containers-io.c \
	src/api/containers-json.c \
	src/api/containers-list.c \
	src/api/containers-size.c \
	src/api/containers-state.c \
	src/api/containers-stats.c \
	src/api/containers-update.c \
	src/api/events.c \
	src/api/exec.c \
	src/api/networks.c \
	src/api/system.c \
	src/api/system-df.c \
	src/api/unimplemented.c \
	src/api/volumes.c \
	src/crash-point.c src/crash-point.h \
	src/daemon-config.c src/daemon-config.h src/daemon-config-network.c \
	src/daemon-events.c src/daemon-events.h \
	src/daemon-run.c src/daemon-run.h \
	src/daemon-ulimits.c src/daemon-ulimits.h \
	src/daemon.h \
	src/engine/archive.c src/engine/archive.h \
	src/engine/binds.c src/engine/binds.h \
	src/engine/commit.c src/engine/commit.h \
	src/engine/container.c src/engine/container.h \
	src/engine/container-volumes.c src/engine/container-volumes.h \
	src/engine/container-size.c \
	src/engine/container-trash.c src/engine/container-trash.h \
	src/engine/copy.h src/engine/copy-extract.c src/engine/copy-resolve.c src/engine/copy-stat.c \
	src/engine/copy-tar.c \
	src/engine/create.c \
	src/engine/create-config.c src/engine/create-config.h \
	src/engine/create-isolation.c src/engine/create-isolation.h \
	src/engine/create-options.c src/engine/create-options.h \
	src/engine/devices.c src/engine/devices.h \
	src/engine/engine.c src/engine/engine.h src/engine/engine-internal.h \
	src/engine/engine-events.c $(ENGINE_EVENT_SOURCES) \
	src/engine/etcfiles.c src/engine/etcfiles.h src/engine/etcfiles-internal.h \
	src/engine/etcfiles-links.c src/engine/etcfiles-text.c \
	src/engine/exec.c src/engine/exec.h src/engine/exec-config.c \
	src/engine/health.c src/engine/health.h src/engine/health-probe.c src/engine/health-probe.h \
	src/engine/health-scheduler.c src/engine/health-scheduler.h \
	src/engine/lifecycle.c \
	src/engine/mounts.c src/engine/mounts.h \
	src/engine/names.c src/engine/names.h \
	src/engine/ipam.c src/engine/ipam.h \
	src/engine/network.h src/engine/network-internal.h src/engine/network-ops.c \
	src/engine/network-connect.c src/engine/network-container.c src/engine/network-endpoint.c \
	src/engine/network-links.c \
	src/engine/network-sandbox.c src/engine/network-store.c \
	src/engine/namespace-modes.c src/engine/namespace-modes.h \
	src/engine/ocispec.c src/engine/ocispec.h \
	src/engine/ocispec-isolation.c src/engine/ocispec-isolation.h \
	src/engine/ocispec-options.c src/engine/ocispec-options.h \
	src/engine/ocispec-resources.c src/engine/ocispec-resources.h \
	src/engine/pause.c \
	src/engine/portmap.c src/engine/portmap.h src/engine/portmap-internal.h src/engine/portmap-reserve.c \
	src/engine/portmap-proxy.c src/engine/portproxy.c src/engine/portproxy.h src/engine/portproxy-internal.h \
	src/engine/portproxy-conn.c src/engine/portproxy-udp.c src/engine/network-portproxy.c \
	src/engine/prune.c \
	src/engine/rename.c \
	src/engine/resources.c src/engine/resources.h \
	src/engine/restart.c src/engine/restart.h \
	src/engine/restart-policy.c src/engine/restart-policy.h \
	src/engine/restore.c \
	src/engine/shutdown.c \
	$(SECURITY_OPT_SOURCES) \
	src/engine/signals.c src/engine/signals.h \
	src/engine/stats.c \
	src/engine/top.c src/engine/top.h src/engine/top-parse.c \
	src/engine/userns.c src/engine/userns.h \
	src/engine/volumes.c src/engine/volumes.h src/engine/volumes-internal.h \
	src/engine/volumes-local.c src/engine/volumes-render.c \
	src/engine/update.c \
	src/hostinfo.c src/hostinfo.h \
	src/userns-adduser.c src/userns-adduser.h \
	src/userns-remap.c src/userns-remap.h \
	src/pool/backend.h \
	src/pool/local.c src/pool/local-events.c src/pool/local-freeze.c src/pool/local-internal.h \
	src/pool/local-exec.c src/pool/local-init-layer.c src/pool/local-layers.c src/pool/local-start.c \
	src/pool/local-log.c src/pool/local-log.h \
	src/pool/local-restore.c src/pool/local-rootfs.c src/pool/local-update.c \
	src/pool/local-cgroup.c src/pool/local-stats.c $(POOL_STATS_SOURCES)
nodist_libsockerlessd_a_SOURCES = src/engine/seccomp-default.c
libsockerlessd_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(MHD_CFLAGS)

# Docker's default seccomp profile, built into the daemon as a string so
# that the daemon needs no file at runtime.
src/engine/seccomp-default.c: $(top_srcdir)/contrib/seccomp/default.json
	$(AM_V_GEN)$(MKDIR_P) $(@D) && { \
		echo '/* Generated from contrib/seccomp/default.json by src/local.mk. */'; \
		echo '#include "engine/seccomp-profile.h"'; \
		echo 'const char seccomp_default_json[] ='; \
		od -An -v -tx1 $< | sed -e 's/ \([0-9a-f][0-9a-f]\)/\\x\1/g' -e 's/^/"/' -e 's/$$/"/'; \
		echo ';'; \
		echo 'const size_t seccomp_default_json_size = sizeof(seccomp_default_json) - 1;'; \
	} >$@.tmp && mv $@.tmp $@
CLEANFILES += src/engine/seccomp-default.c

# The event bus and the filters of GET /events, and the readers of
# docker stats; unit and fuzz tests compile them too.
ENGINE_EVENT_SOURCES = src/engine/events.h src/engine/event.c src/engine/event-bus.c src/engine/event-filter.c
POOL_STATS_SOURCES = src/pool/stats.h src/pool/stats-cgroup.c src/pool/stats-proc.c

# --security-opt and Docker seccomp profiles; unit and fuzz tests compile
# them too.
SECURITY_OPT_SOURCES = \
	src/engine/seccomp-profile.c src/engine/seccomp-profile.h src/engine/seccomp-profile-internal.h \
	src/engine/seccomp-profile-oci.c \
	src/engine/security-opt.c src/engine/security-opt.h
