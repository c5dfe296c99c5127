# Unit tests of the runtime module.
if HAVE_CMOCKA
RUNTIME_UNIT_TESTS = \
	tests/unit/test-runtime-spec \
	tests/unit/test-runtime-user \
	tests/unit/test-runtime-exec \
	tests/unit/test-runtime-mountopts \
	tests/unit/test-runtime-seccomp \
	tests/unit/test-runtime-container \
	tests/unit/test-runtime-cgroup \
	tests/unit/test-runtime-hooks
check_PROGRAMS += $(RUNTIME_UNIT_TESTS)
TESTS += $(RUNTIME_UNIT_TESTS)

RUNTIME_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
RUNTIME_UNIT_LDADD = $(RUNTIME_LIBS) $(CMOCKA_LIBS)

tests_unit_test_runtime_spec_SOURCES = tests/unit/test-runtime-spec.c
tests_unit_test_runtime_spec_CFLAGS = $(RUNTIME_UNIT_CFLAGS)
tests_unit_test_runtime_spec_LDADD = $(RUNTIME_UNIT_LDADD)

tests_unit_test_runtime_user_SOURCES = tests/unit/test-runtime-user.c
tests_unit_test_runtime_user_CFLAGS = $(RUNTIME_UNIT_CFLAGS)
tests_unit_test_runtime_user_LDADD = $(RUNTIME_UNIT_LDADD)

tests_unit_test_runtime_exec_SOURCES = tests/unit/test-runtime-exec.c
tests_unit_test_runtime_exec_CFLAGS = $(RUNTIME_UNIT_CFLAGS)
tests_unit_test_runtime_exec_LDADD = $(RUNTIME_UNIT_LDADD)

tests_unit_test_runtime_mountopts_SOURCES = tests/unit/test-runtime-mountopts.c
tests_unit_test_runtime_mountopts_CFLAGS = $(RUNTIME_UNIT_CFLAGS)
tests_unit_test_runtime_mountopts_LDADD = $(RUNTIME_UNIT_LDADD)

tests_unit_test_runtime_seccomp_SOURCES = tests/unit/test-runtime-seccomp.c
tests_unit_test_runtime_seccomp_CFLAGS = $(RUNTIME_UNIT_CFLAGS) $(SECCOMP_CFLAGS)
tests_unit_test_runtime_seccomp_LDADD = $(RUNTIME_UNIT_LDADD)

tests_unit_test_runtime_container_SOURCES = tests/unit/test-runtime-container.c
tests_unit_test_runtime_container_CFLAGS = $(RUNTIME_UNIT_CFLAGS)
tests_unit_test_runtime_container_LDADD = $(RUNTIME_UNIT_LDADD)

tests_unit_test_runtime_cgroup_SOURCES = tests/unit/test-runtime-cgroup.c
tests_unit_test_runtime_cgroup_CFLAGS = $(RUNTIME_UNIT_CFLAGS)
tests_unit_test_runtime_cgroup_LDADD = $(RUNTIME_UNIT_LDADD)

tests_unit_test_runtime_hooks_SOURCES = tests/unit/test-runtime-hooks.c
tests_unit_test_runtime_hooks_CFLAGS = $(RUNTIME_UNIT_CFLAGS)
tests_unit_test_runtime_hooks_LDADD = $(RUNTIME_UNIT_LDADD)
endif
