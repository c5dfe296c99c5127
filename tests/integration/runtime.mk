# Integration tests of the runtime module: the sockerless-runtime CLI on
# bundles the scripts build from the host's static busybox, or, in
# runtime-compare.sh, from the busybox and Debian test images. They need
# root and skip (77) without it.
RUNTIME_INTEGRATION_TESTS = \
	tests/integration/runtime-basic.sh \
	tests/integration/runtime-mounts.sh \
	tests/integration/runtime-exec-errors.sh \
	tests/integration/runtime-security.sh \
	tests/integration/runtime-namespaces.sh \
	tests/integration/runtime-cgroup2.sh \
	tests/integration/runtime-userns.sh \
	tests/integration/runtime-runc.sh \
	tests/integration/runtime-compare.sh \
	tests/integration/runtime-hooks.sh \
	tests/integration/runtime-cli.sh \
	tests/integration/runtime-exec.sh

TESTS += $(RUNTIME_INTEGRATION_TESTS)
EXTRA_DIST += $(RUNTIME_INTEGRATION_TESTS) tests/integration/runtime-lib.sh tests/integration/runtime-console.py \
	tests/integration/image-rootfs.py
