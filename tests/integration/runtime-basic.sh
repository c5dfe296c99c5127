#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs busybox containers with sockerless-runtime and checks, from inside,
# what the spec requested: hostname, pid 1, credentials, capabilities,
# mounts, cgroups, sysctls, loopback, working directory and exit codes.
# Afterwards nothing may be left on the host.

# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"
rt_init

B=$RT_TMP/basic
rt_rootfs "$B/rootfs" || exit 99

# --- identity and namespaces

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'hostname; echo \$\$; cat /proc/self/status']"
rt_run "$B" basic
rt_check_eq "exit status of a successful run" 0 "$RT_RC"
rt_check_eq "hostname from the spec" rt-test "$(sed -n 1p <<<"$RT_OUT")"
rt_check_eq "process is pid 1" 1 "$(sed -n 2p <<<"$RT_OUT")"
rt_check_contains "root uid" "$RT_OUT" "$(printf 'Uid:\t0\t0\t0\t0')"
rt_check_contains "bounding set is Docker's" "$RT_OUT" "$(printf 'CapBnd:\t00000000a80425fb')"
rt_check_contains "effective set is Docker's" "$RT_OUT" "$(printf 'CapEff:\t00000000a80425fb')"
rt_check_contains "permitted set is Docker's" "$RT_OUT" "$(printf 'CapPrm:\t00000000a80425fb')"
rt_check_contains "inheritable set is empty" "$RT_OUT" "$(printf 'CapInh:\t0000000000000000')"
rt_check_contains "ambient set is empty" "$RT_OUT" "$(printf 'CapAmb:\t0000000000000000')"
rt_check_contains "no_new_privs off by default" "$RT_OUT" "$(printf 'NoNewPrivs:\t0')"

# --- credentials

rt_bundle "$B" "d['process']['args'] = ['grep', '-E', '^(Uid|Gid|Groups)', '/proc/self/status']" \
        "d['process']['user'] = {'uid': 1000, 'gid': 1000, 'additionalGids': [2000, 3000]}"
rt_run "$B" basic
rt_check_contains "numeric uid" "$RT_OUT" "$(printf 'Uid:\t1000\t1000\t1000\t1000')"
rt_check_contains "numeric gid" "$RT_OUT" "$(printf 'Gid:\t1000\t1000\t1000\t1000')"
rt_check_contains "additionalGids are the groups" "$RT_OUT" "$(printf 'Groups:\t2000 3000')"

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'id; echo \$HOME; grep -E \"CapEff|CapBnd\" /proc/self/status']" \
        "d['annotations'] = {'org.sockerless.user': 'app'}"
rt_run "$B" basic
rt_check_eq "user name resolved in the container's passwd" \
        "uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)" "$(sed -n 1p <<<"$RT_OUT")"
rt_check_eq "HOME from passwd" /home/app "$(sed -n 2p <<<"$RT_OUT")"
rt_check_contains "user other than root has no effective capabilities" "$RT_OUT" "$(printf 'CapEff:\t0000000000000000')"
rt_check_contains "user other than root keeps the bounding set" "$RT_OUT" "$(printf 'CapBnd:\t00000000a80425fb')"

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'id; echo \$HOME']" \
        "d['annotations'] = {'org.sockerless.user': '4242:extra'}"
rt_run "$B" basic
rt_check_eq "uid without entry and group by name" "uid=4242 gid=2000(extra) groups=2000(extra)" \
        "$(sed -n 1p <<<"$RT_OUT")"
rt_check_eq "HOME defaults to /" / "$(sed -n 2p <<<"$RT_OUT")"

rt_bundle "$B" "d['annotations'] = {'org.sockerless.user': 'ghost'}"
rt_run "$B" basic
rt_check_contains "unknown user name is an error" "$RT_ERR" \
        "unable to find user ghost: no matching entries in passwd file"
rt_check "unknown user name fails" [ "$RT_RC" != 0 ]

# --- mounts

rt_bundle "$B" "d['process']['args'] = ['cat', '/proc/self/mountinfo']"
rt_run "$B" basic
mounts=$RT_OUT
field() { awk -v mp="$1" '$5 == mp { for (i = 7; $i != "-"; i++); print $(i + 1), $6 }' <<<"$mounts" | tail -1; }
rt_check_eq "proc on /proc" "proc rw,nosuid,nodev,noexec,relatime" "$(field /proc)"
rt_check_eq "sysfs read-only on /sys" "sysfs ro,nosuid,nodev,noexec,relatime" "$(field /sys)"
rt_check_eq "tmpfs on /dev" "tmpfs rw,nosuid" "$(field /dev)"
rt_check_eq "devpts on /dev/pts" "devpts rw,nosuid,noexec,relatime" "$(field /dev/pts)"
rt_check_eq "tmpfs on /dev/shm" "tmpfs rw,nosuid,nodev,noexec,relatime" "$(field /dev/shm)"
rt_check_eq "mqueue on /dev/mqueue" "mqueue rw,nosuid,nodev,noexec,relatime" "$(field /dev/mqueue)"
rt_check_eq "cgroup tmpfs read-only" "tmpfs ro,nosuid,nodev,noexec,relatime" "$(field /sys/fs/cgroup)"
rt_check_eq "/proc/sys read-only" "proc ro,nosuid,nodev,noexec,relatime" "$(field /proc/sys)"
rt_check_eq "/proc/keys masked with /dev/null" "tmpfs rw,nosuid" "$(field /proc/keys)"
rt_check_eq "/sys/firmware masked with a read-only tmpfs" "tmpfs ro,relatime" "$(field /sys/firmware)"
if [ -d /sys/fs/cgroup/memory ]; then
        rt_check_eq "memory hierarchy mounted read-only" "cgroup ro,nosuid,nodev,noexec,relatime" \
                "$(field /sys/fs/cgroup/memory)"
fi

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'for n in null zero full random urandom tty; do stat -c \"%n %F %a %t:%T\" /dev/\$n; done; for l in ptmx fd stdin stdout stderr; do echo /dev/\$l \$(readlink /dev/\$l); done; cat /proc/keys | wc -c; ls /sys/firmware | wc -l; touch /sys/fs/cgroup/x 2>&1']"
rt_run "$B" basic
rt_check_contains "/dev/null is char 1:3" "$RT_OUT" "/dev/null character special file 666 1:3"
rt_check_contains "/dev/zero is char 1:5" "$RT_OUT" "/dev/zero character special file 666 1:5"
rt_check_contains "/dev/urandom is char 1:9" "$RT_OUT" "/dev/urandom character special file 666 1:9"
rt_check_contains "/dev/tty is char 5:0" "$RT_OUT" "/dev/tty character special file 666 5:0"
rt_check_contains "/dev/ptmx links to pts/ptmx" "$RT_OUT" "/dev/ptmx pts/ptmx"
rt_check_contains "/dev/fd links to /proc/self/fd" "$RT_OUT" "/dev/fd /proc/self/fd"
rt_check_contains "/dev/stderr links to fd 2" "$RT_OUT" "/dev/stderr /proc/self/fd/2"
rt_check_contains "masked /proc/keys reads empty" "$RT_OUT" "$(printf '0\n0')"
rt_check_contains "/sys/fs/cgroup rejects writes" "$RT_OUT" "Read-only file system"

# --- cgroups, sysctls, network, working directory

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'cat /proc/self/cgroup; cat /proc/sys/net/ipv4/ip_unprivileged_port_start; ip addr show lo; pwd; sleep 2']" \
        "d['process']['cwd'] = '/work/dir'" \
        "d['linux']['resources']['memory'] = {'limit': 67108864}" \
        "d['linux']['resources']['pids'] = {'limit': 64}"
"$RT_RUNTIME" run --bundle "$B" --pid-file "$RT_TMP/pid" basic >"$RT_TMP/out" 2>"$RT_TMP/stderr" </dev/null &
runner=$!
for _ in $(seq 50); do [ -s "$RT_TMP/pid" ] && break; sleep 0.1; done
pid=$(cat "$RT_TMP/pid" 2>/dev/null)
if [ -d /sys/fs/cgroup/memory ]; then
        rt_check "init is in its memory cgroup" grep -qx "$pid" "/sys/fs/cgroup/memory/$RT_CGROUP_PARENT/basic/cgroup.procs"
        rt_check_eq "memory limit applied" 67108864 \
                "$(cat "/sys/fs/cgroup/memory/$RT_CGROUP_PARENT/basic/memory.limit_in_bytes" 2>&1)"
        rt_check_eq "pids limit applied" 64 "$(cat "/sys/fs/cgroup/pids/$RT_CGROUP_PARENT/basic/pids.max" 2>&1)"
        rt_check "device cgroup denies by default" grep -qx 'c 1:3 rwm' \
                "/sys/fs/cgroup/devices/$RT_CGROUP_PARENT/basic/devices.list"
else
        rt_check "init is in its cgroup" grep -qx "$pid" "/sys/fs/cgroup/$RT_CGROUP_PARENT/basic/cgroup.procs"
fi
wait "$runner"
RT_RC=$?
RT_OUT=$(cat "$RT_TMP/out")
RT_ERR=$(cat "$RT_TMP/stderr")
rt_check_eq "run with a pid file exits 0" 0 "$RT_RC"
rt_check_contains "cgroup namespace shows the container's cgroup as root" "$RT_OUT" "0::/"
rt_check_contains "sysctl from the spec" "$RT_OUT" "$(printf '\n0\n')"
rt_check_contains "loopback is up" "$RT_OUT" "LOOPBACK,UP"
rt_check_contains "loopback has 127.0.0.1" "$RT_OUT" "inet 127.0.0.1/8"
rt_check_eq "missing working directory is created" /work/dir "$(tail -1 <<<"$RT_OUT")"
rt_check_eq "cgroups removed after exit" "" "$(rt_cgroup_dirs basic)"

# Without a cgroup namespace, the container gets its own cgroup directories
# bound in place, as Docker shows them on cgroup v1.
rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'cat /proc/self/cgroup; grep \" /sys/fs/cgroup/\" /proc/self/mountinfo']" \
        "d['linux']['namespaces'] = [n for n in d['linux']['namespaces'] if n['type'] != 'cgroup']"
rt_run "$B" basic
rt_check_contains "cgroup paths without a cgroup namespace" "$RT_OUT" ":/$RT_CGROUP_PARENT/basic"
if [ -d /sys/fs/cgroup/memory ]; then
        rt_check_contains "container's memory cgroup bound read-only" "$RT_OUT" \
                "/$RT_CGROUP_PARENT/basic /sys/fs/cgroup/memory ro,"
fi

# --- exit codes and signals

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'exit 3']"
rt_run "$B" basic
rt_check_eq "exit 3 gives 3" 3 "$RT_RC"

rt_bundle "$B" "d['process']['args'] = ['sleep', '100']"
"$RT_RUNTIME" run --bundle "$B" --pid-file "$RT_TMP/pid2" basic </dev/null &
runner=$!
for _ in $(seq 50); do [ -s "$RT_TMP/pid2" ] && break; sleep 0.1; done
sleep 0.2
kill -KILL "$(cat "$RT_TMP/pid2")"
wait "$runner"
rt_check_eq "killed by SIGKILL gives 137" 137 "$?"

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'trap \"exit 42\" TERM; echo ready; while :; do sleep 0.1; done']"
"$RT_RUNTIME" run --bundle "$B" basic </dev/null >"$RT_TMP/out3" &
runner=$!
for _ in $(seq 50); do grep -q ready "$RT_TMP/out3" && break; sleep 0.1; done
kill -TERM "$runner"
wait "$runner"
rt_check_eq "SIGTERM is forwarded to the container" 42 "$?"

# --- nothing left behind

rt_check_eq "no cgroup left" "" "$(rt_cgroup_dirs basic)"
rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"
rt_check_eq "no process left in the bundle" "" "$(pgrep -f "$B/" || true)"

rt_done
