#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs containers as on a host with only cgroup v2: in a private mount
# namespace, the cgroup2 hierarchy is mounted on /sys/fs/cgroup, where the
# runtime then finds it alone. Checks the container's cgroup2 mount, the
# eBPF device filter, the limits the hierarchy's controllers allow, and
# the cleanup.
#
# A controller bound to a v1 hierarchy of the host stays out of cgroup2.
# So on a hybrid host, a limit whose controller is missing is checked for
# its clear error instead of its file. A hybrid Linux 6.18 host with every
# other controller mounted in v1 offers only hugetlb here. The v2 file
# writes themselves are checked on any host by tests/unit/test-runtime-cgroup.

# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"

if [ "$(id -u)" = 0 ] && [ -z "${RT_CGROUP2_NAMESPACE:-}" ]; then
        exec unshare --mount --propagation private env RT_CGROUP2_NAMESPACE=1 bash "$0" "$@"
fi
rt_init
if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
        mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null || rt_skip_all "cannot mount the cgroup2 hierarchy"
fi

B=$RT_TMP/cgroup2
rt_rootfs "$B/rootfs" || exit 99

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'cat /proc/self/cgroup; grep \" /sys/fs/cgroup \" /proc/self/mountinfo; mknod /tmp/kmsg c 1 11; head -c 1 /tmp/kmsg; head -c 1 /dev/null && echo null-readable']"
rt_run "$B" cgroup2
rt_check_eq "container runs on cgroup v2" 0 "$RT_RC"
rt_check_contains "cgroup namespace root" "$RT_OUT" "0::/"
rt_check_contains "cgroup2 mounted read-only" "$RT_OUT" " /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 "
rt_check_contains "eBPF filter denies a device outside the rules" "$RT_ERR" "/tmp/kmsg: Operation not permitted"
rt_check_contains "eBPF filter allows /dev/null" "$RT_OUT" "null-readable"
rt_check_eq "cgroup removed after exit" "" "$(rt_cgroup_dirs cgroup2)"

if grep -qw pids /sys/fs/cgroup/cgroup.controllers; then
        rt_bundle "$B" "d['process']['args'] = ['cat', '/sys/fs/cgroup/pids.max']" \
                "d['linux']['resources']['pids'] = {'limit': 42}"
        rt_run "$B" cgroup2
        rt_check_eq "pids limit on cgroup v2" 42 "$RT_OUT"
else
        rt_bundle "$B" "d['process']['args'] = ['true']" "d['linux']['resources']['pids'] = {'limit': 42}"
        rt_run "$B" cgroup2
        rt_check_contains "limit without its controller is an error" "$RT_ERR" \
                "the pids cgroup controller is not available on this host"
fi
if grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
        rt_bundle "$B" "d['process']['args'] = ['cat', '/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory.swap.max']" \
                "d['linux']['resources']['memory'] = {'limit': 67108864, 'swap': 134217728}"
        rt_run "$B" cgroup2
        rt_check_eq "memory and swap limits on cgroup v2" "$(printf '67108864\n67108864')" "$RT_OUT"
fi

controllers=$(cat /sys/fs/cgroup/cgroup.controllers)
printf '# cgroup2 controllers of this host: %s\n' "${controllers:-none}"
has_controller() {
        grep -qw "$1" /sys/fs/cgroup/cgroup.controllers
}

# rt_limit NAME CONTROLLER EXPECTED ARGS-JSON RESOURCE-STATEMENT: runs a
# container with the limit and checks its output when the controller is
# there, else the runtime's error for the missing controller.
rt_limit() {
        if has_controller "$2"; then
                rt_bundle "$B" "d['process']['args'] = $4" "$5"
                rt_run "$B" cgroup2
                rt_check_eq "$1" "$3" "$RT_OUT"
        else
                rt_bundle "$B" "d['process']['args'] = ['true']" "$5"
                rt_run "$B" cgroup2
                rt_check_contains "$1 without the $2 controller is an error" "$RT_ERR" \
                        "the $2 cgroup controller is not available on this host"
        fi
}

# Shares 1024 are weight 39 in runc's conversion.
rt_limit "cpu weight and quota on cgroup v2" cpu "$(printf '39\n50000 100000')" \
        "['cat', '/sys/fs/cgroup/cpu.weight', '/sys/fs/cgroup/cpu.max']" \
        "d['linux']['resources']['cpu'] = {'shares': 1024, 'quota': 50000, 'period': 100000}"
rt_limit "memory reservation on cgroup v2" memory 33554432 "['cat', '/sys/fs/cgroup/memory.low']" \
        "d['linux']['resources']['memory'] = {'reservation': 33554432}"
rt_limit "cpuset on cgroup v2" cpuset 0 "['cat', '/sys/fs/cgroup/cpuset.cpus']" \
        "d['linux']['resources']['cpu'] = {'cpus': '0'}"
disk=$(find /sys/block -mindepth 1 -maxdepth 1 ! -name 'loop*' ! -name 'ram*' ! -name 'zram*' -printf '%f\n' | head -n 1)
if [ -n "$disk" ] && [ -b "/dev/$disk" ]; then
        major=$(($(stat -c '0x%t' "/dev/$disk")))
        minor=$(($(stat -c '0x%T' "/dev/$disk")))
        rt_limit "io.max on cgroup v2" io "$major:$minor rbps=1048576 wbps=max riops=max wiops=200" \
                "['sh', '-c', 'grep ^$major:$minor /sys/fs/cgroup/io.max']" \
                "d['linux']['resources']['blockIO'] = {'throttleReadBpsDevice': [{'major': $major, 'minor': $minor, 'rate': 1048576}], 'throttleWriteIOPSDevice': [{'major': $major, 'minor': $minor, 'rate': 200}]}"
fi

# cgroup v2 has no swappiness, no real-time group scheduling and no way to
# disable the OOM killer: each is an error, never dropped.
if has_controller memory; then
        rt_bundle "$B" "d['linux']['resources']['memory'] = {'swappiness': 10}"
        rt_run "$B" cgroup2
        rt_check_contains "swappiness is rejected on cgroup v2" "$RT_ERR" \
                "memory swappiness is not supported with cgroup v2"
        rt_bundle "$B" "d['linux']['resources']['memory'] = {'disableOOMKiller': True}"
        rt_run "$B" cgroup2
        rt_check_contains "disableOOMKiller is rejected on cgroup v2" "$RT_ERR" \
                "disabling the OOM killer is not supported with cgroup v2"
fi
if has_controller cpu; then
        rt_bundle "$B" "d['linux']['resources']['cpu'] = {'realtimeRuntime': 1000, 'realtimePeriod': 100000}"
        rt_run "$B" cgroup2
        rt_check_contains "real-time limits are rejected on cgroup v2" "$RT_ERR" \
                "real-time CPU limits are not supported with cgroup v2"
fi

rt_check_eq "no cgroup left" "" "$(rt_cgroup_dirs cgroup2)"
rt_check_eq "nothing mounted below the test directory" "" "$(rt_host_mounts)"

rt_done
