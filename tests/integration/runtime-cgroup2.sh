#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs containers as on a host with only cgroup v2: in a private mount
# namespace, the cgroup2 hierarchy is mounted on /sys/fs/cgroup, where the
# runtime then finds it alone. Checks the container's cgroup2 mount, the
# eBPF device filter, the limits the hierarchy's controllers allow, and
# the cleanup.

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

rt_check_eq "no cgroup left" "" "$(rt_cgroup_dirs cgroup2)"
rt_check_eq "nothing mounted below the test directory" "" "$(rt_host_mounts)"

rt_done
