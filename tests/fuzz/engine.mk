# Fuzz targets of the engine (see tests/fuzz/local.mk): the create request
# and the single values clients send.
ENGINE_FUZZ_TARGETS = tests/fuzz/fuzz-create-request
check_PROGRAMS += $(ENGINE_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(ENGINE_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_create_request_SOURCES = tests/fuzz/fuzz-create-request.c $(FUZZ_MAIN) \
	src/engine/binds.c src/engine/create-config.c src/engine/create-options.c src/engine/ocispec-options.c \
	src/engine/mounts.c
tests_fuzz_fuzz_create_request_SOURCES += $(SECURITY_OPT_SOURCES) src/engine/restart-policy.c
tests_fuzz_fuzz_create_request_SOURCES += src/engine/portmap.c src/engine/portmap-reserve.c src/engine/portproxy.c \
	src/engine/portproxy-conn.c src/engine/portproxy-udp.c netns/addr.c
nodist_tests_fuzz_fuzz_create_request_SOURCES = src/engine/seccomp-default.c
tests_fuzz_fuzz_create_request_SOURCES += src/engine/create-isolation.c src/engine/devices.c src/engine/signals.c
tests_fuzz_fuzz_create_request_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_create_request_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_create_request_LDADD = libcommon.a $(JSONC_LIBS)

ENGINE_FUZZ_VALUES = tests/fuzz/fuzz-query-values
check_PROGRAMS += $(ENGINE_FUZZ_VALUES)
if !ENABLE_FUZZING
TESTS += $(ENGINE_FUZZ_VALUES)
endif

tests_fuzz_fuzz_query_values_SOURCES = tests/fuzz/fuzz-query-values.c $(FUZZ_MAIN) \
	src/engine/binds.c src/engine/create-options.c src/engine/ocispec-options.c src/engine/names.c \
	src/engine/signals.c src/engine/mounts.c src/engine/volumes-local.c
tests_fuzz_fuzz_query_values_SOURCES += src/engine/create-isolation.c src/engine/devices.c
tests_fuzz_fuzz_query_values_SOURCES += $(SECURITY_OPT_SOURCES) src/engine/restart-policy.c
tests_fuzz_fuzz_query_values_SOURCES += src/engine/portmap.c src/engine/portmap-reserve.c src/engine/portproxy.c \
	src/engine/portproxy-conn.c src/engine/portproxy-udp.c netns/addr.c
nodist_tests_fuzz_fuzz_query_values_SOURCES = src/engine/seccomp-default.c
tests_fuzz_fuzz_query_values_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_query_values_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_query_values_LDADD = libcommon.a $(JSONC_LIBS)

# The body of POST /volumes/create: the name and the driver options.
VOLUME_FUZZ_TARGETS = tests/fuzz/fuzz-volume-create
check_PROGRAMS += $(VOLUME_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(VOLUME_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_volume_create_SOURCES = tests/fuzz/fuzz-volume-create.c $(FUZZ_MAIN) src/engine/volumes-local.c
tests_fuzz_fuzz_volume_create_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_volume_create_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_volume_create_LDADD = libcommon.a $(JSONC_LIBS)

# Docker seccomp profiles, which API clients send in --security-opt.
SECCOMP_FUZZ_TARGETS = tests/fuzz/fuzz-seccomp-profile
check_PROGRAMS += $(SECCOMP_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(SECCOMP_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_seccomp_profile_SOURCES = tests/fuzz/fuzz-seccomp-profile.c $(FUZZ_MAIN) \
	src/engine/seccomp-profile.c src/engine/seccomp-profile-oci.c
tests_fuzz_fuzz_seccomp_profile_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_seccomp_profile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_seccomp_profile_LDADD = libcommon.a $(JSONC_LIBS)

# --device-cgroup-rule values.
DEVICE_FUZZ_TARGETS = tests/fuzz/fuzz-device-rule
check_PROGRAMS += $(DEVICE_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(DEVICE_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_device_rule_SOURCES = tests/fuzz/fuzz-device-rule.c $(FUZZ_MAIN) src/engine/devices.c
tests_fuzz_fuzz_device_rule_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_device_rule_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_device_rule_LDADD = libcommon.a $(JSONC_LIBS)

# /etc/subuid and /etc/subgid for --userns-remap.
USERNS_FUZZ_TARGETS = tests/fuzz/fuzz-subid
check_PROGRAMS += $(USERNS_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(USERNS_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_subid_SOURCES = tests/fuzz/fuzz-subid.c $(FUZZ_MAIN) src/engine/userns.c src/userns-adduser.c
tests_fuzz_fuzz_subid_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_subid_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_subid_LDADD = libcommon.a $(JSONC_LIBS)

# The paths of docker cp (GET, HEAD and PUT /containers/{id}/archive).
COPY_FUZZ_TARGETS = tests/fuzz/fuzz-copy-path
check_PROGRAMS += $(COPY_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(COPY_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_copy_path_SOURCES = tests/fuzz/fuzz-copy-path.c $(FUZZ_MAIN) \
	src/engine/copy-resolve.c src/engine/copy-stat.c
tests_fuzz_fuzz_copy_path_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_copy_path_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_copy_path_LDADD = libcommon.a $(JSONC_LIBS)

# The exec create request.
EXEC_FUZZ_TARGETS = tests/fuzz/fuzz-exec-create
check_PROGRAMS += $(EXEC_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(EXEC_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_exec_create_SOURCES = tests/fuzz/fuzz-exec-create.c $(FUZZ_MAIN) src/engine/exec-config.c
tests_fuzz_fuzz_exec_create_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_exec_create_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_exec_create_LDADD = libcommon.a $(JSONC_LIBS)

# The query of GET /events (since, until, filters) and the output of ps
# that docker top reads, whose command column a container controls.
EVENTS_FUZZ_TARGETS = tests/fuzz/fuzz-events-filter tests/fuzz/fuzz-top-output
check_PROGRAMS += $(EVENTS_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(EVENTS_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_events_filter_SOURCES = tests/fuzz/fuzz-events-filter.c $(FUZZ_MAIN) $(ENGINE_EVENT_SOURCES)
tests_fuzz_fuzz_events_filter_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_events_filter_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_events_filter_LDADD = libhttp.a $(IMAGE_LIBS)

tests_fuzz_fuzz_top_output_SOURCES = tests/fuzz/fuzz-top-output.c $(FUZZ_MAIN) src/engine/top-parse.c
tests_fuzz_fuzz_top_output_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_top_output_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_top_output_LDADD = libcommon.a $(JSONC_LIBS)
