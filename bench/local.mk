# Benchmarks, run by hand as root: `make bench-runtime` times the
# lifecycle of a container with sockerless-runtime, runc and crun
# (bench/runtime-bench.sh; BENCH_RUNS sets the runs of each, default 50).
# `make bench-push` times docker push of a Debian-based image with
# sockerlessd, then with dockerd when it is installed
# (bench/push-bench.sh; BENCH_RUNS default 3).
# `make bench` compares sockerlessd with dockerd and podman through the
# docker CLI: container start, concurrency, exec, ps with many containers,
# logs, image load and pull, memory (bench/engine-bench.sh; its header
# lists the BENCH_* settings).
EXTRA_DIST += bench/runtime-bench.sh bench/push-bench.sh bench/engine-bench.sh

.PHONY: bench
bench: sockerlessd sockerless-monitor
	SOCKERLESSD=$(abs_top_builddir)/sockerlessd \
		$(SHELL) $(abs_top_srcdir)/bench/engine-bench.sh $(BENCH_CASES)

.PHONY: bench-runtime
bench-runtime: sockerless-runtime
	SOCKERLESS_RUNTIME=$(abs_top_builddir)/sockerless-runtime \
		$(SHELL) $(abs_top_srcdir)/bench/runtime-bench.sh $(BENCH_RUNS)

.PHONY: bench-push
bench-push: sockerlessd sockerless-monitor
	abs_top_srcdir=$(abs_top_srcdir) abs_top_builddir=$(abs_top_builddir) \
		$(SHELL) $(abs_top_srcdir)/bench/push-bench.sh $(BENCH_RUNS)
	if command -v dockerd >/dev/null; then \
		abs_top_srcdir=$(abs_top_srcdir) abs_top_builddir=$(abs_top_builddir) SOCKERLESS_TEST_ENGINE=dockerd \
			$(SHELL) $(abs_top_srcdir)/bench/push-bench.sh $(BENCH_RUNS); \
	fi
