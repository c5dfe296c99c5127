#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs the same bundles with sockerless-runtime and with runc and compares
# what the container observes: identity, capabilities, mounts, devices, cgroup
# view, limits, exit codes and the message for a missing executable.
#
# Environment: SOCKERLESS_TEST_RUNC, the runc binary (default: runc).

# shellcheck disable=SC2016 # messages quote $PATH literally
# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"
rt_init

RUNC=${SOCKERLESS_TEST_RUNC:-runc}
command -v "$RUNC" >/dev/null || rt_skip_all "runc not found"

B=$RT_TMP/compare
rt_rootfs "$B/rootfs" || exit 99

# run_both ID: runs bundle $B with both runtimes; sets OURS, THEIRS and
# their exit statuses and stderr.
run_both() {
        rt_run "$B" "$1"
        OURS=$RT_OUT
        OURS_RC=$RT_RC
        OURS_ERR=$RT_ERR
        THEIRS=$(timeout 60 "$RUNC" --root "$RT_TMP/runc-state" run --bundle "$B" "$1" </dev/null 2>"$RT_TMP/runc-err")
        THEIRS_RC=$?
        THEIRS_ERR=$(cat "$RT_TMP/runc-err")
        "$RUNC" --root "$RT_TMP/runc-state" delete --force "$1" >/dev/null 2>&1
}

observe='hostname; grep -E "^(Cap|NoNewPrivs|Seccomp|Uid|Gid|Groups)" /proc/self/status; ulimit -n; umask; cat /proc/self/oom_score_adj'
rt_bundle "$B" "d['process']['args'] = ['sh', '-c', '$observe']" \
        "d['process']['user'] = {'uid': 1000, 'gid': 1000, 'additionalGids': [2000]}" \
        "d['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 512, 'hard': 1024}]"
run_both identity
rt_check_eq "identity, capabilities and limits match runc" "$THEIRS" "$OURS"

# The only difference in the mounts: runc leaves the tmpfs on
# /sys/fs/cgroup writable, this runtime makes it read-only like the
# hierarchies in it.
rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'awk \"{print \\\\\$5, \\\\\$6}\" /proc/self/mountinfo | grep -v \"^/sys/fs/cgroup ro\" | grep -v \"^/sys/fs/cgroup rw\" | sort']"
run_both mounts
rt_check_eq "mount points and options match runc" "$THEIRS" "$OURS"

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'for f in /dev/* /dev/pts/*; do stat -c \"%n %F %a %t:%T\" \$f; done; cat /proc/self/cgroup']"
run_both devices
rt_check_eq "devices and cgroup view match runc" "$THEIRS" "$OURS"

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'echo out; echo err >&2; exit 3']"
run_both exitcode
rt_check_eq "exit status matches runc" "$THEIRS_RC" "$OURS_RC"
rt_check_eq "stdout matches runc" "$THEIRS" "$OURS"

rt_bundle "$B" "d['process']['args'] = ['nonexist']"
run_both notfound
rt_check_contains "runc reports the missing executable" "${THEIRS_ERR//\\/}" 'exec: "nonexist": executable file not found in $PATH'
rt_check_contains "same message as runc for a missing executable" "$OURS_ERR" 'exec: "nonexist": executable file not found in $PATH'

rt_check_eq "no cgroup left" "" "$(rt_cgroup_dirs identity; rt_cgroup_dirs mounts; rt_cgroup_dirs devices)"
rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"

rt_done
