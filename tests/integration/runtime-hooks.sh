#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# OCI hooks through the sockerless-runtime CLI: every kind runs once, in
# the lifecycle's order, with the state on stdin, exactly its own args and
# env, in the namespaces and filesystem the runtime spec gives it; a
# failing or slow hook has the effect the spec requires.

# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"
rt_init

HOST_LOG=$RT_TMP/hooks.log
# A hook on the host: logs its kind, how many startContainer lines the
# container's log has by then, its state, environment and namespaces.
cat >"$RT_TMP/hook.sh" <<'EOF'
#!/bin/sh
state=$(cat)
seen=$(cat "$HOOK_BUNDLE/rootfs/hooks.log" 2>/dev/null | wc -l)
printf '%s seen=%s argc=%s env=%s pidns=%s mntns=%s host=%s state=%s\n' "$1" "$seen" "$#" \
        "$(env | grep -v '^PWD=' | sort | tr '\n' ' ')" "$(readlink /proc/self/ns/pid)" \
        "$(readlink /proc/self/ns/mnt)" "$(test -e "$HOOK_MARKER" && echo yes || echo no)" "$state" >>"$HOOK_LOG"
EOF
chmod 755 "$RT_TMP/hook.sh"
touch "$RT_TMP/marker"
HOST_PIDNS=$(readlink /proc/self/ns/pid)
HOST_MNTNS=$(readlink /proc/self/ns/mnt)

B=$RT_TMP/hooked
rt_rootfs "$B/rootfs" || exit 99
# startContainer runs after pivot_root, so its path and log are the container's.
cat >"$B/rootfs/hook.sh" <<'EOF'
#!/bin/sh
printf '%s argc=%s env=%s state=%s root=%s\n' "$1" "$#" "$(env | grep -v '^PWD=' | sort | tr '\n' ' ')" "$(cat)" \
        "$(test -e /hook.sh && echo container || echo host)" >>/hooks.log
EOF
chmod 755 "$B/rootfs/hook.sh"

# hook_entry KIND [PATH]: the JSON of a hook logging KIND.
hook_entry() {
        local path=${2:-$RT_TMP/hook.sh}
        printf '{"path": "%s", "args": ["hook", "%s"], "env": ["HOOK_LOG=%s", "HOOK_MARKER=%s", "HOOK_BUNDLE=%s"]}' \
                "$path" "$1" "$HOST_LOG" "$RT_TMP/marker" "$B"
}
all_hooks="{
        'prestart': [json.loads('$(hook_entry prestart)')],
        'createRuntime': [json.loads('$(hook_entry createRuntime)')],
        'createContainer': [json.loads('$(hook_entry createContainer)')],
        'startContainer': [json.loads('$(hook_entry startContainer /hook.sh)')],
        'poststart': [json.loads('$(hook_entry poststart)')],
        'poststop': [json.loads('$(hook_entry poststop)')],
}"
rt_bundle "$B" "d['process']['args'] = ['sleep', '30']" "d['hooks'] = $all_hooks" \
        "d['annotations'] = {'com.example.key': 'value'}"

# lacks HAYSTACK NEEDLE: succeeds when NEEDLE is not in HAYSTACK.
lacks() {
        [[ $1 != *"$2"* ]]
}

# line KIND: the host log's line of that hook.
line() {
        grep "^$1 " "$HOST_LOG"
}

# --- the whole lifecycle through create, start, kill and delete

rt_cli create --bundle "$B" hooked
rt_check_eq "create with hooks succeeds" 0 "$RT_RC"
rt_check_eq "create ran prestart, createRuntime and createContainer in order" \
        "prestart createRuntime createContainer" "$(awk '{print $1}' "$HOST_LOG" | tr '\n' ' ' | sed 's/ $//')"
rt_check_eq "no startContainer hook before start" "" "$(cat "$B/rootfs/hooks.log" 2>/dev/null)"
rt_cli state hooked
pid=$(jq -r .pid <<<"$RT_OUT")

rt_check_contains "prestart gets the state on stdin" "$(line prestart)" \
        "state={\"ociVersion\":\"1.0.2\",\"id\":\"hooked\",\"status\":\"creating\",\"pid\":$pid,\"bundle\":\"$B\",\"annotations\":{\"com.example.key\":\"value\"}}"
rt_check_contains "createRuntime gets the state on stdin" "$(line createRuntime)" "\"status\":\"creating\",\"pid\":$pid,"
rt_check_contains "prestart runs in the runtime's PID namespace" "$(line prestart)" "pidns=$HOST_PIDNS "
rt_check_contains "createRuntime runs in the runtime's mount namespace" "$(line createRuntime)" "mntns=$HOST_MNTNS "
rt_check_contains "hook gets exactly its args" "$(line prestart)" "prestart seen=0 argc=1 "
rt_check_contains "hook gets exactly its env" "$(line prestart)" \
        "env=HOOK_BUNDLE=$B HOOK_LOG=$HOST_LOG HOOK_MARKER=$RT_TMP/marker  pidns"
rt_check "createContainer runs in the container's PID namespace" \
        lacks "$(line createContainer)" "pidns=$HOST_PIDNS "
rt_check "createContainer runs in the container's mount namespace" \
        lacks "$(line createContainer)" "mntns=$HOST_MNTNS "
rt_check_contains "createContainer sees the host's files (before pivot_root)" "$(line createContainer)" "host=yes"
rt_check_contains "createContainer state has the pid in the container" "$(line createContainer)" \
        '"status":"creating","pid":1,'

rt_cli start hooked
rt_check_eq "start with hooks succeeds" 0 "$RT_RC"
rt_check_contains "startContainer ran in the container's root" "$(cat "$B/rootfs/hooks.log")" "root=container"
rt_check_contains "startContainer gets the created state" "$(cat "$B/rootfs/hooks.log")" \
        '"id":"hooked","status":"created","pid":1,'
rt_check_contains "startContainer gets exactly its args" "$(cat "$B/rootfs/hooks.log")" "startContainer argc=1 "
rt_check_contains "poststart ran after startContainer" "$(line poststart)" "poststart seen=1 "
rt_check_contains "poststart gets the running state" "$(line poststart)" "\"status\":\"running\",\"pid\":$pid,"
rt_check_eq "no poststop while the container runs" "" "$(line poststop)"

rt_cli kill hooked KILL
for _ in $(seq 50); do
        rt_cli state hooked
        [ "$(jq -r .status <<<"$RT_OUT")" = stopped ] && break
        sleep 0.1
done
rt_cli delete hooked
rt_check_eq "delete with hooks succeeds" 0 "$RT_RC"
rt_check_contains "poststop runs at delete with the stopped state" "$(line poststop)" \
        "\"id\":\"hooked\",\"status\":\"stopped\","
rt_check_eq "host hooks ran once each, in order" "prestart createRuntime createContainer poststart poststop" \
        "$(awk '{print $1}' "$HOST_LOG" | tr '\n' ' ' | sed 's/ $//')"
rt_check_eq "no cgroup left" "" "$(rt_cgroup_dirs hooked)"

# --- env: without an env list a hook gets the runtime's environment

rm -f "$HOST_LOG" "$B/rootfs/hooks.log"
rt_bundle "$B" "d['hooks'] = {'poststart': [{'path': '$RT_TMP/hook.sh', 'args': ['hook', 'inherit', 'x']}]}"
HOOK_LOG=$HOST_LOG RT_HOOK_INHERITED=yes rt_run "$B" hooked
rt_check_eq "run with a poststart hook succeeds" 0 "$RT_RC"
rt_check_contains "hook without env inherits the runtime's" "$(line inherit)" "RT_HOOK_INHERITED=yes"
rt_check_contains "args are passed as given" "$(line inherit)" "inherit seen=0 argc=2 "

# --- failures

# fail_hook KIND CODE: the JSON of a hook that writes to stderr and exits CODE.
fail_hook() {
        printf "{'%s': [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo broken hook >&2; exit %s']}]}" "$1" "$2"
}

rt_bundle "$B" "d['hooks'] = $(fail_hook createRuntime 3)"
rt_cli create --bundle "$B" failing
rt_check "failing createRuntime hook fails create" [ "$RT_RC" != 0 ]
rt_check_contains "error names the hook and its exit status" "$RT_ERR" \
        "error running createRuntime hook #0 (/bin/sh): exit status 3"
rt_check_contains "error has the hook's stderr" "$RT_ERR" "stderr: broken hook"
rt_cli state failing
rt_check_contains "failed create leaves no container" "$RT_ERR" "container does not exist"
rt_check_eq "failed create leaves no cgroup" "" "$(rt_cgroup_dirs failing)"

rt_bundle "$B" "d['hooks'] = $(fail_hook prestart 4)"
rt_run "$B" failing
rt_check "failing prestart hook fails run" [ "$RT_RC" != 0 ]
rt_check_contains "prestart failure is reported" "$RT_ERR" "error running prestart hook #0 (/bin/sh): exit status 4"

rt_bundle "$B" "d['hooks'] = $(fail_hook createContainer 5)"
rt_run "$B" failing
rt_check_contains "createContainer failure is reported" "$RT_ERR" \
        "error running createContainer hook #0 (/bin/sh): exit status 5"

rt_bundle "$B" "d['hooks'] = $(fail_hook startContainer 6)" "d['process']['args'] = ['echo', 'must not run']"
rt_run "$B" failing
rt_check_contains "startContainer failure is reported" "$RT_ERR" \
        "error running startContainer hook #0 (/bin/sh): exit status 6"
rt_check_eq "process does not run after a failed startContainer hook" "" "$RT_OUT"
rt_check_eq "no cgroup left after the failed start" "" "$(rt_cgroup_dirs failing)"

rt_bundle "$B" "d['hooks'] = $(fail_hook poststart 7)" "d['process']['args'] = ['echo', 'still runs']"
rt_run "$B" failing
rt_check_eq "failing poststart hook is only a warning" 0 "$RT_RC"
rt_check_eq "container runs despite the poststart failure" "still runs" "$RT_OUT"
rt_check_contains "poststart failure is a warning" "$RT_ERR" "warning: error running poststart hook #0"

rt_bundle "$B" "d['hooks'] = $(fail_hook poststop 8)"
rt_run "$B" failing
rt_check_eq "failing poststop hook is only a warning" 0 "$RT_RC"
rt_check_contains "poststop failure is a warning" "$RT_ERR" "warning: error running poststop hook #0 (/bin/sh): exit status 8"
rt_cli state failing
rt_check_contains "container is deleted despite the poststop failure" "$RT_ERR" "container does not exist"

rt_bundle "$B" "d['hooks'] = {'createRuntime': [{'path': '/bin/sleep', 'args': ['sleep', '37'], 'timeout': 1}]}"
start=$(date +%s)
rt_cli create --bundle "$B" slow
rt_check "hook past its timeout fails create" [ "$RT_RC" != 0 ]
rt_check_contains "timeout is reported" "$RT_ERR" "error running createRuntime hook #0 (/bin/sleep): ran past its timeout of 1 seconds"
rt_check "timeout ends the hook early" [ $(($(date +%s) - start)) -lt 10 ]
rt_check_eq "no sleeping hook left" "" "$(pgrep -f '^sleep 37$' || true)"

# --- invalid hooks are rejected by the parser

rt_bundle "$B" "d['hooks'] = {'prestart': [{'path': 'relative/hook'}]}"
rt_run "$B" invalid
rt_check_contains "relative hook path is rejected" "$RT_ERR" "invalid config.json: hooks.prestart[0].path: must be an absolute path"
rt_bundle "$B" "d['hooks'] = {'poststop': [{'path': '/bin/true', 'timeout': 0}]}"
rt_run "$B" invalid
rt_check_contains "zero timeout is rejected" "$RT_ERR" "invalid config.json: hooks.poststop[0].timeout: must be greater than zero"
rt_bundle "$B" "d['hooks'] = {'poststart': [{'args': ['x']}]}"
rt_run "$B" invalid
rt_check_contains "hook without a path is rejected" "$RT_ERR" "invalid config.json: hooks.poststart[0].path: missing"

rt_check_eq "no cgroup left" "" "$(rt_cgroup_dirs hooked; rt_cgroup_dirs failing; rt_cgroup_dirs slow)"
rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"
rt_done
