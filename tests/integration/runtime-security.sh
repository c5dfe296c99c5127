#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Checks the protections the runtime applies from the spec. The cases are
# the seccomp filter (with and without no_new_privs), the runtime's fds,
# which must not reach the container, working directories through
# /proc/self/fd, sysctls outside the container's namespaces, resource limits
# above the host's, and the cgroup tree, which must stay read-only.

# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"
rt_init

B=$RT_TMP/security
rt_rootfs "$B/rootfs" || exit 99

# A filter that allows everything but mkdir, which fails with EPERM, and
# chmod, which fails with ENOSYS (38).
seccomp="d['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64'], 'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO'}, {'names': ['chmod', 'fchmodat', 'fchmodat2'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38}, {'names': ['no_such_syscall_name'], 'action': 'SCMP_ACT_KILL'}]}"
for nnp in False True; do
        rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'grep -E \"^(Seccomp|NoNewPrivs):\" /proc/self/status; mkdir /tmp/x; chmod 600 /etc/passwd; echo done']" \
                "$seccomp" "d['process']['noNewPrivileges'] = $nnp"
        rt_run "$B" security
        rt_check_contains "seccomp filter loaded (no_new_privs $nnp)" "$RT_OUT" "$(printf 'Seccomp:\t2')"
        rt_check_contains "no_new_privs as the spec says ($nnp)" "$RT_OUT" "$(printf 'NoNewPrivs:\t%d' "$([ $nnp = True ] && echo 1 || echo 0)")"
        rt_check_contains "denied syscall fails with EPERM (no_new_privs $nnp)" "$RT_ERR" "can't create directory '/tmp/x': Operation not permitted"
        rt_check_contains "errnoRet is returned (no_new_privs $nnp)" "$RT_ERR" "Function not implemented"
        rt_check_contains "allowed syscalls work (no_new_privs $nnp)" "$RT_OUT" "done"
done

rt_bundle "$B" "d['process']['args'] = ['true']" \
        "d['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_PDP11']}"
rt_run "$B" security
rt_check_contains "unknown seccomp architecture is an error" "$RT_ERR" "unknown architecture SCMP_ARCH_PDP11"

# Without no_new_privs the filter is loaded during setup, so a filter that
# kills on every syscall ends the init before it reports back.
rt_bundle "$B" "d['process']['args'] = ['true']" \
        "d['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_KILL_PROCESS'}"
rt_run "$B" security
rt_check_contains "init killed during setup is reported" "$RT_ERR" \
        "the container's init was killed by signal 31 (Bad system call) during setup"
rt_check_eq "init killed during setup leaves no cgroup" "" "$(rt_cgroup_dirs security)"

# The runtime keeps fds open while it works; none may reach the container.
exec 7</etc/hostname
# Not the last command, so that sh stays pid 1 and ls lists sh's fds.
rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'ls /proc/1/fd; true']"
rt_run "$B" security
exec 7<&-
rt_check_eq "the container gets only fds 0, 1 and 2" "$(printf '0\n1\n2')" "$RT_OUT"

for fd in 3 4 5 8; do
        rt_bundle "$B" "d['process']['args'] = ['pwd']" "d['process']['cwd'] = '/proc/self/fd/$fd'"
        rt_run "$B" security
        rt_check "working directory /proc/self/fd/$fd is rejected" [ "$RT_RC" != 0 ]
done

rt_bundle "$B" "d['process']['args'] = ['true']" "d['linux']['sysctl'] = {'kernel.core_pattern': '|/tmp/x'}"
rt_run "$B" security
rt_check_contains "sysctl of the host is rejected" "$RT_ERR" "sysctl kernel.core_pattern is not in a separate kernel namespace"

rt_bundle "$B" "d['process']['args'] = ['true']" "d['linux']['sysctl'] = {'net.ipv4.../../../kernel/core_pattern': 'x'}"
rt_run "$B" security
rt_check_contains "sysctl name with dot-dot is rejected" "$RT_ERR" "invalid sysctl name"

rt_bundle "$B" "d['process']['args'] = ['true']" \
        "d['linux']['namespaces'] = [n for n in d['linux']['namespaces'] if n['type'] != 'network']"
rt_run "$B" security
rt_check_contains "network sysctl needs a network namespace" "$RT_ERR" \
        "sysctl net.ipv4.ip_unprivileged_port_start is not in a separate kernel namespace"

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ]; then
        rt_bundle "$B" "d['process']['args'] = ['true']" \
                "d['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 1024, 'hard': $((hard * 4))}]"
        # Without CAP_SYS_RESOURCE in the runtime itself, raising a hard
        # limit fails; with it, the kernel allows it and so does this test.
        rt_run "$B" security
        if [ "$RT_RC" != 0 ]; then
                rt_check_contains "hard limit above the host's is explained" "$RT_ERR" "is above the host's hard limit"
        else
                rt_ok "hard limit above the host's is allowed with CAP_SYS_RESOURCE"
        fi
fi

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'unshare -Urm mount -t cgroup -o memory cgroup /mnt 2>&1; mount -o remount,rw /sys/fs/cgroup 2>&1; touch /sys/fs/cgroup/memory/x 2>&1; echo end']"
rt_run "$B" security
rt_check "cgroup v1 cannot be mounted from a new user namespace" grep -qiE "^(unshare|mount): .*(operation not permitted|permission denied)" <<<"$RT_OUT"
rt_check_contains "cgroup tree stays read-only" "$RT_OUT" "Read-only file system"

rt_check_eq "no cgroup left" "" "$(rt_cgroup_dirs security)"
rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"

rt_done
