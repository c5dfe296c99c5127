# Unit tests of the daemon's own parsers; they compile the sources they
# test, so they need none of the other modules.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine
TESTS += tests/unit/test-engine
tests_unit_test_engine_SOURCES = tests/unit/test-engine.c \
	src/engine/binds.c src/engine/create-config.c src/engine/create-options.c src/engine/ocispec-options.c src/engine/names.c src/engine/signals.c src/daemon-config.c \
	src/engine/mounts.c
# The port bindings and network settings that create and the daemon flags check.
tests_unit_test_engine_SOURCES += src/engine/portmap.c src/engine/portmap-reserve.c src/engine/portproxy.c \
	src/engine/portproxy-conn.c src/engine/portproxy-udp.c netns/addr.c \
	src/daemon-config-network.c
# --security-opt and the seccomp profiles, for the create checks and --seccomp-profile.
tests_unit_test_engine_SOURCES += $(SECURITY_OPT_SOURCES)
# The restart policy, which create checks.
tests_unit_test_engine_SOURCES += src/engine/restart-policy.c
nodist_tests_unit_test_engine_SOURCES = src/engine/seccomp-default.c
# The create checks of the isolation options and the daemon's default ulimits.
tests_unit_test_engine_SOURCES += src/daemon-ulimits.c src/engine/create-isolation.c src/engine/devices.c
tests_unit_test_engine_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# Volumes and mount points: the -v and --mount parsers, the mount points
# of a create, the volume store on disk.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-volumes
TESTS += tests/unit/test-engine-volumes
tests_unit_test_engine_volumes_SOURCES = tests/unit/test-engine-volumes.c \
	src/engine/binds.c src/engine/mounts.c \
	src/engine/volumes.c src/engine/volumes-local.c src/engine/volumes-render.c
tests_unit_test_engine_volumes_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_volumes_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# Seccomp profiles and --security-opt, with the built-in profile.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-seccomp-profile
TESTS += tests/unit/test-seccomp-profile
tests_unit_test_seccomp_profile_SOURCES = tests/unit/test-seccomp-profile.c $(SECURITY_OPT_SOURCES)
nodist_tests_unit_test_seccomp_profile_SOURCES = src/engine/seccomp-default.c
tests_unit_test_seccomp_profile_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_seccomp_profile_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# The create checks of the isolation options and the daemon's default ulimits.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-isolation
TESTS += tests/unit/test-engine-isolation
tests_unit_test_engine_isolation_SOURCES = tests/unit/test-engine-isolation.c \
	src/daemon-ulimits.c src/engine/create-isolation.c src/engine/devices.c
tests_unit_test_engine_isolation_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_isolation_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# The resource limits: their checks against the host and their OCI form.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-resources
TESTS += tests/unit/test-engine-resources
tests_unit_test_engine_resources_SOURCES = tests/unit/test-engine-resources.c \
	src/engine/resources.c src/engine/ocispec-resources.c
tests_unit_test_engine_resources_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_resources_LDADD = $(RUNTIME_LIBS) $(CMOCKA_LIBS)
endif

# --userns-remap: the setting, /etc/subuid and /etc/subgid, the maps.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-userns
TESTS += tests/unit/test-userns
tests_unit_test_userns_SOURCES = tests/unit/test-userns.c \
	src/engine/userns.c src/userns-adduser.c
tests_unit_test_userns_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_userns_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# The docker cp paths: cleaning, resolution in a root, the stat header.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-copy
TESTS += tests/unit/test-engine-copy
tests_unit_test_engine_copy_SOURCES = tests/unit/test-engine-copy.c src/engine/copy-resolve.c src/engine/copy-stat.c
tests_unit_test_engine_copy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_copy_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# The exec create request and the exec's environment.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-exec
TESTS += tests/unit/test-engine-exec
tests_unit_test_engine_exec_SOURCES = tests/unit/test-engine-exec.c src/engine/exec-config.c
tests_unit_test_engine_exec_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_exec_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# Restart policies: their checks, the restart decision and the backoff.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-restart
TESTS += tests/unit/test-engine-restart
tests_unit_test_engine_restart_SOURCES = tests/unit/test-engine-restart.c src/engine/restart-policy.c
tests_unit_test_engine_restart_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_restart_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# The events of GET /events: their JSON, filters, since and until, the bus.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-events
TESTS += tests/unit/test-engine-events
tests_unit_test_engine_events_SOURCES = tests/unit/test-engine-events.c $(ENGINE_EVENT_SOURCES)
tests_unit_test_engine_events_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_events_LDADD = libhttp.a $(IMAGE_LIBS) $(CMOCKA_LIBS)
endif

# docker top: ps_args and the output of ps.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-top
TESTS += tests/unit/test-engine-top
tests_unit_test_engine_top_SOURCES = tests/unit/test-engine-top.c src/engine/top-parse.c
tests_unit_test_engine_top_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_top_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# docker stats from cgroup v1 and v2 files and /proc.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-pool-stats
TESTS += tests/unit/test-pool-stats
tests_unit_test_pool_stats_SOURCES = tests/unit/test-pool-stats.c $(POOL_STATS_SOURCES)
tests_unit_test_pool_stats_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_pool_stats_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# Health checks: Config.Healthcheck, the status decisions and State.Health.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-health
TESTS += tests/unit/test-engine-health
tests_unit_test_engine_health_SOURCES = tests/unit/test-engine-health.c src/engine/health.c
tests_unit_test_engine_health_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_health_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# Published ports: PortBindings, host port reservation, NetworkSettings.Ports.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-portmap
TESTS += tests/unit/test-engine-portmap
tests_unit_test_engine_portmap_SOURCES = tests/unit/test-engine-portmap.c \
	src/engine/portmap.c src/engine/portmap-reserve.c src/engine/portproxy.c \
	src/engine/portproxy-conn.c src/engine/portproxy-udp.c netns/addr.c
tests_unit_test_engine_portmap_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_portmap_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# The UDP flows of the userland proxy, relayed on loopback.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-portproxy
TESTS += tests/unit/test-engine-portproxy
tests_unit_test_engine_portproxy_SOURCES = tests/unit/test-engine-portproxy.c \
	src/engine/portproxy.c src/engine/portproxy-conn.c src/engine/portproxy-udp.c
tests_unit_test_engine_portproxy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_engine_portproxy_LDADD = libcommon.a $(CMOCKA_LIBS)
endif

# A container's /etc/hosts and resolv.conf for each network mode, link variables.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-etcfiles
TESTS += tests/unit/test-engine-etcfiles
tests_unit_test_engine_etcfiles_SOURCES = tests/unit/test-engine-etcfiles.c \
	src/engine/etcfiles.c src/engine/etcfiles-links.c src/engine/etcfiles-text.c
tests_unit_test_engine_etcfiles_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_etcfiles_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif

# Address pools of networks and the subnets of new networks.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-engine-ipam
TESTS += tests/unit/test-engine-ipam
tests_unit_test_engine_ipam_SOURCES = tests/unit/test-engine-ipam.c src/engine/ipam.c netns/addr.c
tests_unit_test_engine_ipam_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_engine_ipam_LDADD = libcommon.a $(CMOCKA_LIBS) $(JSONC_LIBS)
endif
