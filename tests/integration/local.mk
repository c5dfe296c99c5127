# Integration tests: shell scripts that drive the docker CLI against a
# private daemon each (tests/integration/lib.sh). SOCKERLESS_TEST_ENGINE
# selects the daemon: the built sockerlessd (default) or dockerd.
# The slowest scripts come first so that make -j spreads them out.
INTEGRATION_TESTS = \
	tests/integration/clients-node.sh \
	tests/integration/daemon.sh \
	tests/integration/daemon-memory.sh \
	tests/integration/live-restore.sh \
	tests/integration/restart.sh \
	tests/integration/network.sh \
	tests/integration/network-restore.sh \
	tests/integration/network-restart.sh \
	tests/integration/network-ports.sh \
	tests/integration/network-dns.sh \
	tests/integration/network-daemon.sh \
	tests/integration/network-crash.sh \
	tests/integration/clients-compose.sh \
	tests/integration/networks-api.sh \
	tests/integration/pull.sh \
	tests/integration/run.sh \
	tests/integration/lifecycle.sh \
	tests/integration/options.sh \
	tests/integration/seccomp.sh \
	tests/integration/isolation.sh \
	tests/integration/resources.sh \
	tests/integration/escapes.sh \
	tests/integration/exec.sh \
	tests/integration/health.sh \
	tests/integration/cp.sh \
	tests/integration/volumes.sh \
	tests/integration/images.sh \
	tests/integration/save.sh \
	tests/integration/commit.sh \
	tests/integration/push.sh \
	tests/integration/logs.sh \
	tests/integration/logdrivers.sh \
	tests/integration/tty.sh \
	tests/integration/ps.sh \
	tests/integration/events.sh \
	tests/integration/observe.sh \
	tests/integration/stats-cgroup2.sh \
	tests/integration/load-malicious.sh \
	tests/integration/fixtures.sh \
	tests/integration/api.sh \
	tests/integration/dockerpy-containers.sh \
	tests/integration/dockerpy-volumes.sh \
	tests/integration/dockerpy-events.sh \
	tests/integration/dockerpy-logs.sh \
	tests/integration/dockerpy-images.sh \
	tests/integration/dockerpy-networks.sh \
	tests/integration/dockerpy-system.sh \
	tests/integration/dockerpy-restore.sh \
	tests/integration/userns.sh \
	tests/integration/registry-fixtures.sh

TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) \
	tests/integration/lib.sh \
	tests/integration/netlib.sh \
	tests/fixtures/dns-fixture.py \
	tests/fixtures/dns-query.py \
	tests/integration/registry-lib.sh \
	tests/integration/restart-lib.sh \
	tests/integration/restart-policy.py \
	tests/integration/dockerpy-lib.sh \
	tests/integration/dockerpy_checks.py \
	tests/integration/dockerpy-containers.py \
	tests/clients/node/package.json \
	tests/clients/node/package-lock.json \
	tests/clients/node/lib.mjs \
	tests/clients/node/reporter.mjs \
	tests/clients/node/testcontainers.test.mjs \
	tests/clients/node/dockerode.test.mjs \
	tests/clients/node/gitlab-ci-local.test.mjs \
	tests/clients/node/devcontainer.test.mjs \
	tests/integration/dockerpy-volumes.py \
	tests/integration/dockerpy-events.py \
	tests/integration/dockerpy-logs.py \
	tests/integration/dockerpy-images.py \
	tests/integration/dockerpy-networks.py \
	tests/integration/dockerpy-system.py \
	tests/clients/compose/docker-compose.yml \
	tests/clients/compose/orphan.yml \
	tests/clients/compose/client.env \
	tests/clients/compose/html/index.html \
	tests/integration/dockerpy-restore.py \
	tests/fixtures/token-server.py \
	tests/fixtures/bad-registry.py \
	tests/fixtures/flaky-proxy.py \
	tests/integration/exec-start.py \
	tests/integration/pty-drive.py \
	tests/integration/seccomp-probe.c \
	tests/fixtures/mkimage.py \
	tests/fixtures/build-images.sh

# Fragments of the runtime and monitor modules.
include tests/integration/runtime.mk
include tests/integration/monitor.mk
include tests/integration/netns-nft.mk
include tests/integration/netns-links.mk
include tests/integration/dns.mk
