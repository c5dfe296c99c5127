#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Checks namespaces given by path: a second container joins the network,
# PID, IPC and UTS namespaces of a first one, and finds its loopback
# address, processes and hostname. Also checks the pty of a terminal
# container and the device nodes of linux.devices.

# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"
rt_init

A=$RT_TMP/first
J=$RT_TMP/joiner
rt_rootfs "$A/rootfs" || exit 99
rt_rootfs "$J/rootfs" || exit 99

rt_bundle "$A" "d['process']['args'] = ['sh', '-c', 'ip addr add 10.99.0.1/32 dev lo; touch /tmp/ready; exec sleep 60']" \
        "d['process']['capabilities']['bounding'].append('CAP_NET_ADMIN')" \
        "d['process']['capabilities']['effective'].append('CAP_NET_ADMIN')" \
        "d['process']['capabilities']['permitted'].append('CAP_NET_ADMIN')" \
        "d['hostname'] = 'first'"
"$RT_RUNTIME" run --bundle "$A" --pid-file "$RT_TMP/first.pid" first </dev/null >/dev/null 2>"$RT_TMP/first.err" &
runner=$!
for _ in $(seq 100); do [ -e "$A/rootfs/tmp/ready" ] && break; sleep 0.1; done
pid=$(cat "$RT_TMP/first.pid")

rt_bundle "$J" "d['process']['args'] = ['sh', '-c', 'ip addr show lo | grep -o 10.99.0.1; hostname; ps -o comm | grep -x sleep; echo \$\$']" \
        "d['hostname'] = ''" \
        "d['linux']['namespaces'] = [{'type': 'mount'}, {'type': 'cgroup'}] + [{'type': t, 'path': '/proc/$pid/ns/' + f} for t, f in (('network', 'net'), ('pid', 'pid'), ('ipc', 'ipc'), ('uts', 'uts'))]" \
        "d['linux']['sysctl'] = {}"
rt_run "$J" joiner
rt_check_eq "joining container runs" 0 "$RT_RC"
rt_check_eq "joined network namespace has the first's address" 10.99.0.1 "$(sed -n 1p <<<"$RT_OUT")"
rt_check_eq "joined UTS namespace has the first's hostname" first "$(sed -n 2p <<<"$RT_OUT")"
rt_check_eq "joined PID namespace shows the first's process" sleep "$(sed -n 3p <<<"$RT_OUT")"
rt_check "joiner is not pid 1 in the joined PID namespace" [ "$(sed -n 4p <<<"$RT_OUT")" != 1 ]

kill -KILL "$pid"
wait "$runner"
rt_check_eq "first container killed" 137 "$?"

# --- terminal and devices

if command -v script >/dev/null; then
        rt_bundle "$J" "d['process']['args'] = ['sh', '-c', 'test -t 0 && test -t 1 && echo tty-ok; stat -c \"%t:%T\" /dev/console; tty']" \
                "d['process']['terminal'] = True"
        RT_OUT=$(script -eqc "$RT_RUNTIME run --bundle $J tty" /dev/null </dev/null 2>&1 | tr -d '\r')
        rt_check_contains "terminal container gets a tty" "$RT_OUT" "tty-ok"
        rt_check_contains "/dev/console is the pty (char 136:N)" "$RT_OUT" "88:0"
        rt_check_contains "the pty is in the container's devpts" "$RT_OUT" "/dev/pts/0"
fi

rt_bundle "$J" "d['process']['args'] = ['stat', '-c', '%n %F %a %u:%g %t:%T', '/dev/fuse', '/dev/sub/dir/null2']" \
        "d['linux']['devices'] = [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229, 'fileMode': 0o600, 'uid': 1000, 'gid': 2000}, {'path': '/dev/sub/dir/null2', 'type': 'c', 'major': 1, 'minor': 3}]" \
        "d['linux']['resources']['devices'].append({'allow': True, 'type': 'c', 'major': 10, 'minor': 229, 'access': 'rwm'})"
rt_run "$J" devices
rt_check_contains "device node from linux.devices" "$RT_OUT" "/dev/fuse character special file 600 1000:2000 a:e5"
rt_check_contains "device node in a new directory" "$RT_OUT" "/dev/sub/dir/null2 character special file 666 0:0 1:3"

rt_check_eq "no cgroup left" "" "$(rt_cgroup_dirs first; rt_cgroup_dirs joiner)"
rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"

rt_done
