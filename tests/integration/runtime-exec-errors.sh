#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Checks that a bad command fails at create with runc's message and Docker's
# exit code (127 not found, 126 not executable). An execve failure at start
# must still come back as an error, and a failed container must leave no
# cgroup, process or mount behind.

# shellcheck disable=SC2016 # messages quote $PATH literally
# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"
rt_init

B=$RT_TMP/exec
rt_rootfs "$B/rootfs" || exit 99
mkdir -p "$B/rootfs/usr/local/bin/dircmd" "$B/rootfs/scripts"
printf 'not executable\n' >"$B/rootfs/usr/local/bin/noexec"
printf '\177ELF garbage that is no executable' >"$B/rootfs/usr/local/bin/badelf"
chmod 755 "$B/rootfs/usr/local/bin/badelf"
printf '#!/bin/sh\necho secret\n' >"$B/rootfs/usr/local/bin/secret"
chmod 700 "$B/rootfs/usr/local/bin/secret"
printf '#!/bin/sh\necho script ran\n' >"$B/rootfs/scripts/hello"
chmod 755 "$B/rootfs/scripts/hello"

# check_exec NAME ARGS_JSON EXPECTED_STATUS EXPECTED_MESSAGE [PYTHON...]
check_exec() {
        local name=$1 args=$2 status=$3 message=$4
        shift 4
        rt_bundle "$B" "d['process']['args'] = $args" "$@"
        rt_run "$B" exec
        rt_check_eq "$name: exit status" "$status" "$RT_RC"
        rt_check_contains "$name: message" "$RT_ERR" "$message"
        rt_check_eq "$name: no cgroup left" "" "$(rt_cgroup_dirs exec)"
}

check_exec "name not in PATH" '["nonexist"]' 127 'exec: "nonexist": executable file not found in $PATH'
check_exec "file without execute bit" '["/etc/passwd"]' 126 'exec: "/etc/passwd": permission denied'
check_exec "missing absolute path" '["/nonexist"]' 127 'exec: "/nonexist": stat /nonexist: no such file or directory'
check_exec "directory as path" '["/etc"]' 126 'exec: "/etc": permission denied'
check_exec "directory name in PATH" '["dircmd"]' 127 'exec: "dircmd": executable file not found in $PATH'
check_exec "non-executable file in PATH" '["noexec"]' 127 'exec: "noexec": executable file not found in $PATH'
check_exec "relative missing path" '["./nonexist"]' 127 'exec: "./nonexist": stat ./nonexist: no such file or directory'
check_exec "empty command" '[""]' 127 'exec: "": executable file not found in $PATH'
check_exec "no PATH in the environment" '["ls"]' 127 'exec: "ls": executable file not found in $PATH' \
        "d['process']['env'] = ['HOME=/']"
check_exec "file the user may not run" '["secret"]' 126 'exec /usr/local/bin/secret: permission denied' \
        "d['annotations'] = {'org.sockerless.user': 'app'}"
check_exec "execve fails at start" '["badelf"]' 126 'exec /usr/local/bin/badelf: exec format error'

rt_bundle "$B" "d['process']['args'] = ['bin/sh', '-c', 'echo relative ok']"
rt_run "$B" exec
rt_check_eq "relative path from the working directory" "relative ok" "$RT_OUT"

rt_bundle "$B" "d['process']['args'] = ['hello']" \
        "d['process']['env'] = ['PATH=/nowhere:/scripts', 'PATH=/scripts']"
rt_run "$B" exec
rt_check_eq "the last PATH of the environment is searched" "script ran" "$RT_OUT"

rt_bundle "$B" "d['process']['args'] = ['true']" "d['mounts'].append({'destination': '/data', 'type': 'bind', 'source': '$RT_TMP/nonexistent', 'options': ['rbind']})"
rt_run "$B" exec
rt_check_contains "missing bind source named in the error" "$RT_ERR" "bind source $RT_TMP/nonexistent"
rt_check_eq "failed mount leaves no cgroup" "" "$(rt_cgroup_dirs exec)"

rt_bundle "$B" "d['process']['args'] = ['true']" "d['mounts'].append({'destination': '/t', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['size=lots']})"
rt_run "$B" exec
rt_check_contains "bad filesystem option named in the error" "$RT_ERR" "/t (option size=lots)"

rt_bundle "$B" "d['process']['args'] = 'true'"
rt_run "$B" exec
rt_check_contains "wrong type in config.json named" "$RT_ERR" "process.args must be an array of strings, not a string"

# A cgroup that exists already is reported and left alone, and the ones
# created before the conflict was found are removed.
taken=/sys/fs/cgroup/$RT_CGROUP_PARENT/exec
[ -d /sys/fs/cgroup/pids ] && taken=/sys/fs/cgroup/pids/$RT_CGROUP_PARENT/exec
mkdir -p "$taken"
rt_bundle "$B" "d['process']['args'] = ['true']"
rt_run "$B" exec
rt_check_contains "existing cgroup is reported" "$RT_ERR" "cgroup $taken exists already"
rt_check "existing cgroup is left alone" [ -d "$taken" ]
rmdir "$taken"
rt_check_eq "cgroups created before the conflict are removed" "" "$(rt_cgroup_dirs exec)"

rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"
rt_check_eq "no process left in the bundle" "" "$(pgrep -f "$B/" || true)"

rt_done
