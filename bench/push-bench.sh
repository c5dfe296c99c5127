#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Times docker push of sockerless-test/redis:7.0 from the Debian test
# images (two layers: 121 MB and 14 MB of tar) to docker-registry on
# 127.0.0.1, and prints each run, the median and the minimum. Every run
# goes to a new registry, so that no blob is there or can be mounted:
# every layer is compressed and uploaded.
#
# Usage: bench/push-bench.sh [RUNS]   (as root; RUNS default 3)
# Environment: the integration tests' (tests/integration/lib.sh), above
# all SOCKERLESS_TEST_ENGINE (sockerlessd or dockerd) and
# SOCKERLESS_TEST_IMAGES (the directory with debian-family.tar.gz).

set -u
RUNS=${1:-${BENCH_RUNS:-3}}
HERE=$(cd "$(dirname "$0")" && pwd)

. "$HERE/../tests/integration/lib.sh"
. "$HERE/../tests/integration/registry-lib.sh"
registry_require_tools
sl_setup

sl_image_try_load debian || sl_skip_all "$SL_SKIP_REASON"

times=()
for run in $(seq "$RUNS"); do
        registry_start "bench$run"
        addr_var=$(registry_var "bench$run" ADDR)
        target=${!addr_var}/redis:7
        sl_docker tag sockerless-test/redis:7.0 "$target"

        start=$(date +%s.%N)
        sl_run sl_docker push -q "$target"
        end=$(date +%s.%N)
        [ "$SL_RC" = 0 ] || sl_bail "push failed: $SL_ERR"
        registry_stop "bench$run"

        seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
        times+=("$seconds")
        sl_ok "run $run: $seconds s"
done

sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }' \
        <<<"$sorted")
printf '# %s: push of sockerless-test/redis:7.0, %d runs: median %s s, minimum %s s\n' \
        "$SL_ENGINE" "$RUNS" "$median" "$(head -n 1 <<<"$sorted")"
sl_done
