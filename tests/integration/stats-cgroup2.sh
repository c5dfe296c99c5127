#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker stats, top and pause on a host with only cgroup v2: the script
# runs in a private mount namespace whose /sys/fs/cgroup is the cgroup2
# hierarchy, where the daemon then finds no v1 controller. The stats
# carry dockerd's v2 fields. Which of them the kernel fills depends on
# the controllers the hierarchy offers, so the memory and pids checks
# follow them. A hybrid Linux 6.18 host leaves only hugetlb to cgroup2.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" = 0 ] && [ -z "${SL_CGROUP2_NAMESPACE:-}" ]; then
        exec unshare --mount --propagation private env SL_CGROUP2_NAMESPACE=1 bash "$0" "$@"
fi
# dockerd would need a containerd of its own in this namespace.
sl_engine_is dockerd && sl_skip_all "runs sockerlessd only"
if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
        mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null || sl_skip_all "cannot mount the cgroup2 hierarchy"
fi
sl_setup
sl_image_load busybox
sl_require_tools jq

busybox=sockerless-test/busybox:1.35
has_controller() {
        grep -qw "$1" /sys/fs/cgroup/cgroup.controllers
}
printf '# cgroup2 controllers: %s\n' "$(cat /sys/fs/cgroup/cgroup.controllers)"

# The first loop spends some CPU time in user mode, which the kernel
# accounts by ticks: a container that only sleeps may show none yet.
sl_docker run -d --name sl-v2 "$busybox" sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done
        echo busy >/tmp/count; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done' \
        >/dev/null || sl_bail "docker run failed"
for _ in $(seq 50); do
        [ "$(sl_docker exec sl-v2 cat /tmp/count 2>/dev/null)" != "" ] && break
        sleep 0.1
done

sl_api GET "/containers/sl-v2/stats?stream=false"
stats=$SL_API_BODY
sl_assert_eq "stats status" 200 "$SL_API_STATUS"
sl_assert_eq "v2 CPU usage from cpu.stat" yes \
        "$(jq -r 'if .cpu_stats.cpu_usage.total_usage > 0 then "yes" else "no" end' <<<"$stats")"
sl_assert_eq "v2 user time" yes \
        "$(jq -r 'if .cpu_stats.cpu_usage.usage_in_usermode > 0 then "yes" else "no" end' <<<"$stats")"
sl_assert_eq "v2 has no per-CPU usage" false "$(jq -r '.cpu_stats.cpu_usage | has("percpu_usage")' <<<"$stats")"
sl_assert_eq "v2 throttling data" true "$(jq -r '.cpu_stats.throttling_data | has("throttled_time")' <<<"$stats")"
sl_assert_eq "v2 reports only bytes of block I/O" null "$(jq -r .blkio_stats.io_serviced_recursive <<<"$stats")"
if has_controller memory; then
        sl_assert_eq "v2 memory stats keys" true "$(jq -r '.memory_stats.stats | has("anon")' <<<"$stats")"
        sl_assert_eq "v2 has no max_usage" false "$(jq -r '.memory_stats | has("max_usage")' <<<"$stats")"
else
        sl_assert_eq "no memory stats without the memory controller" "{}" "$(jq -c .memory_stats <<<"$stats")"
fi
if has_controller pids; then
        sl_assert_eq "v2 pids" yes "$(jq -r 'if .pids_stats.current >= 1 then "yes" else "no" end' <<<"$stats")"
else
        sl_assert_eq "no pids stats without the pids controller" "{}" "$(jq -c .pids_stats <<<"$stats")"
fi

sl_run sl_docker top sl-v2 -o pid,comm
sl_assert_match "top on cgroup v2" $'\n[0-9]+ +sh' "$SL_OUT"

pid=$(sl_docker inspect -f '{{.State.Pid}}' sl-v2)
counting() {
        local first
        first=$(cat "/proc/$pid/root/tmp/count" 2>/dev/null)
        sleep 0.5
        [ "$(cat "/proc/$pid/root/tmp/count" 2>/dev/null)" != "$first" ]
}
sl_check "pause with cgroup.freeze" sl_docker pause sl-v2
sl_assert_eq "paused on cgroup v2" no "$(counting && echo yes || echo no)"
sl_check "unpause with cgroup.freeze" sl_docker unpause sl-v2
sl_assert_eq "runs again on cgroup v2" yes "$(sl_wait_for 10 counting && echo yes)"
sl_docker pause sl-v2 >/dev/null
sl_check "rm -f of a paused container on cgroup v2" sl_docker rm -f sl-v2

sl_done
