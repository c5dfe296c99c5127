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
# `make bench-netns` times the network setup of one container with the
# netns library, in a network namespace of its own (bench/netns-bench.c;
# BENCH_RUNS default 200).
# `make bench-nft` times nft_ruleset_apply for rulesets of growing size,
# in a network namespace of its own (bench/nft-bench.c; BENCH_RUNS
# default 20).
EXTRA_DIST += bench/runtime-bench.sh bench/push-bench.sh bench/engine-bench.sh

noinst_PROGRAMS += bench/netns-bench
bench_netns_bench_SOURCES = bench/netns-bench.c
bench_netns_bench_CFLAGS = $(AM_CFLAGS) $(NL_CFLAGS)
bench_netns_bench_LDADD = libnetns.a libcommon.a $(NL_LIBS)

.PHONY: bench-netns
bench-netns: bench/netns-bench
	unshare --net $(abs_top_builddir)/bench/netns-bench $(BENCH_RUNS)

noinst_PROGRAMS += bench/nft-bench
bench_nft_bench_SOURCES = bench/nft-bench.c
bench_nft_bench_LDADD = libnetns.a libcommon.a $(NFTNL_LIBS) $(MNL_LIBS)

.PHONY: bench-nft
bench-nft: bench/nft-bench
	unshare --net $(abs_top_builddir)/bench/nft-bench $(BENCH_RUNS)

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
