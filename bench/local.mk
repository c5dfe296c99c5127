# Benchmarks, run by hand as root: `make bench-runtime` times the
# lifecycle of a container with sockerless-runtime, runc and crun
# (bench/runtime-bench.sh; BENCH_RUNS sets the runs of each, default 50).
EXTRA_DIST += bench/runtime-bench.sh

.PHONY: bench-runtime
bench-runtime: sockerless-runtime
	SOCKERLESS_RUNTIME=$(abs_top_builddir)/sockerless-runtime \
		$(SHELL) $(abs_top_srcdir)/bench/runtime-bench.sh $(BENCH_RUNS)
