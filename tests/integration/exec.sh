#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker exec through the real CLI and the raw API: the options (-e, -u,
# -w, --privileged, -t, -i, -d, --detach-keys), the process's namespaces,
# cgroup, capabilities and seccomp filter, the stream format of the
# hijacked start, exec inspect and resize, dockerd's errors and exit
# codes, an exec whose container ends, a container that overwrites the
# runtime's executable (CVE-2019-5736), and, on sockerlessd only, execs
# that run on while the daemon is killed and restarted.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35
json='Content-Type: application/json'

# pty DRIVER-ARGS... -- COMMAND...: run COMMAND on a pty (see pty-drive.py).
pty() {
        sl_run "$SL_PYTHON" "$SL_SRCDIR/pty-drive.py" --timeout 20 "$@"
}

# exec_start ARGS...: POST /exec/ID/start over a raw socket (see exec-start.py).
exec_start() {
        sl_run timeout -k 5 "$SL_TIMEOUT" "$SL_PYTHON" "$SL_SRCDIR/exec-start.py" "$SL_SOCK" "$@"
}

# exec_create CONTAINER BODY: POST /containers/CONTAINER/exec; sets EXEC_ID.
exec_create() {
        sl_api POST "/containers/$1/exec" -H "$json" -d "$2"
        EXEC_ID=$(jq -r '.Id // empty' <<<"$SL_API_BODY")
}

exec_ids() {
        sl_docker inspect -f '{{json .ExecIDs}}' "$1"
}

# in_container CONTAINER COMMAND...: true while the container lists a
# process whose command line contains COMMAND.
in_container() {
        local name=$1
        shift
        sl_docker exec "$name" ps -o args | grep -q -- "$*"
}

sl_docker run -d --name sl-exec "$busybox" sleep 1000 >/dev/null || sl_bail "docker run failed"
cid=$(sl_docker inspect -f '{{.Id}}' sl-exec)

# ---- the command, its output and its exit code
sl_run sl_docker exec sl-exec echo hello
sl_assert_rc "exec succeeds" 0
sl_assert_out "exec prints the command's output" hello
sl_run sl_docker exec sl-exec sh -c 'echo out; echo err >&2; exit 42'
sl_assert_rc "exec returns the command's exit code" 42
sl_assert_out "exec stdout" out
sl_assert_eq "exec stderr apart" err "$SL_ERR"

# ---- environment, user and working directory
sl_run sl_docker exec sl-exec env
sl_assert_contains "default PATH" "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$SL_OUT"
sl_assert_contains "HOSTNAME is the container's" "HOSTNAME=${cid:0:12}" "$SL_OUT"
sl_assert_contains "HOME from passwd" "HOME=/root" "$SL_OUT"
sl_assert_not_contains "no TERM without a tty" "TERM=" "$SL_OUT"
sl_run sl_docker exec -t sl-exec env
sl_assert_contains "TERM with a tty" "TERM=xterm" "$SL_OUT"
sl_run sl_docker exec -e FOO=bar -e HOSTNAME=exec sl-exec sh -c 'echo $FOO $HOSTNAME'
sl_assert_out "-e sets and overrides variables" "bar exec"
sl_run sl_docker exec -u nobody sl-exec id
sl_assert_out "-u name from the container's passwd" "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)"
sl_run sl_docker exec -u 1000:1000 sl-exec id
sl_assert_out "-u uid:gid" "uid=1000 gid=1000 groups=1000"
sl_run sl_docker exec -u nosuchuser sl-exec id
sl_assert_contains "-u unknown user fails" "unable to find user nosuchuser: no matching entries in passwd file" \
        "$SL_OUT$SL_ERR"
sl_assert_ne "-u unknown user exit code" 0 "$SL_RC"
sl_run sl_docker exec -w /tmp sl-exec pwd
sl_assert_out "-w sets the working directory" /tmp
sl_run sl_docker exec sl-exec pwd
sl_assert_out "default working directory is /" /

sl_docker run -d --name sl-exec-cfg -e CENV=from-container -e PATH=/bin -w /etc -u 1000:1000 "$busybox" \
        sleep 1000 >/dev/null
sl_run sl_docker exec sl-exec-cfg sh -c 'echo $CENV $PATH; pwd; id -u; id -g'
sl_assert_out "exec takes the container's env, cwd and user" $'from-container /bin\n/etc\n1000\n1000'
sl_run sl_docker exec -u 0 -w / -e CENV=mine sl-exec-cfg sh -c 'echo $CENV; pwd; id -u'
sl_assert_out "-u, -w and -e override the container's" $'mine\n/\n0'
# The CLI sends "-e NAME" for a variable it does not have; dockerd removes it.
sl_run env -u CENV docker exec -e CENV sl-exec-cfg sh -c 'echo ${CENV-unset}'
sl_assert_out "-e NAME without a value unsets it" unset

# ---- stdin, detached execs
sl_run sh -c "echo piped | timeout 60 docker exec -i sl-exec cat"
sl_assert_out "-i forwards stdin, and its end closes the exec's" piped
sl_run sh -c "echo ignored | timeout 60 docker exec sl-exec sh -c 'cat; echo eof'"
sl_assert_out "without -i the exec's stdin is empty" eof
sl_run sl_docker exec -d sl-exec sh -c 'echo detached >/tmp/detached'
sl_assert_rc "-d returns at once" 0
sl_assert_eq "-d prints nothing" "" "$SL_OUT"
sl_wait_for 10 docker exec sl-exec test -f /tmp/detached
sl_run sl_docker exec sl-exec cat /tmp/detached
sl_assert_out "-d runs the command" detached

# ---- the exec joins the container
sl_run sl_docker exec sl-exec hostname
sl_assert_out "exec in the container's UTS namespace" "${cid:0:12}"
sl_run sl_docker exec sl-exec sh -c 'cat /proc/1/cmdline | tr "\0" " "'
sl_assert_out "exec in the container's PID namespace" "sleep 1000 "
sl_run sl_docker exec sl-exec sh -c '[ "$(cat /proc/1/cgroup)" = "$(cat /proc/self/cgroup)" ] && echo same'
sl_assert_out "exec in the container's cgroup" same
for ns in mnt net ipc uts pid cgroup; do
        sl_run sl_docker exec sl-exec sh -c "[ \$(readlink /proc/1/ns/$ns) = \$(readlink /proc/self/ns/$ns) ] && echo same"
        sl_assert_out "exec in the container's $ns namespace" same
done
sl_run sl_docker exec sl-exec sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t"'
sl_assert_out "exec has the container's capabilities and seccomp filter" \
        $'CapEff:00000000a80425fb\nCapBnd:00000000a80425fb\nNoNewPrivs:0\nSeccomp:2'
sl_docker run -d --name sl-exec-nnp --security-opt no-new-privileges "$busybox" sleep 1000 >/dev/null
sl_run sl_docker exec sl-exec-nnp grep NoNewPrivs /proc/self/status
sl_assert_out "exec keeps the container's no_new_privs" $'NoNewPrivs:\t1'

host_caps=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
sl_run sl_docker exec --privileged sl-exec sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status | tr -d "\t"'
if sl_engine_is dockerd && [[ $SL_OUT$SL_ERR == *"unable to apply caps"* ]]; then
        # dockerd requests every capability it knows, which fails on a
        # host whose bounding set lacks one.
        sl_skip "--privileged gives every capability" "dockerd cannot apply all capabilities on this host"
else
        sl_assert_out "--privileged gives every capability, seccomp stays" $'CapEff:'"$host_caps"$'\nSeccomp:2'
fi

if sl_engine_is sockerlessd; then
        # The exec's parent is the container's monitor, not the daemon.
        monitor_pid=$(cat "$SL_EXEC/containers/$cid/monitor.pid")
        sl_docker exec -d sl-exec sleep 777 >/dev/null
        sleep_pid=
        for _ in $(seq 50); do
                sleep_pid=$(pgrep -f -x 'sleep 777' | head -n 1)
                [ -n "$sleep_pid" ] && break
                sleep 0.1
        done
        sl_assert_eq "the exec's parent is the container's monitor" "$monitor_pid" \
                "$(awk '/^PPid:/ { print $2 }' "/proc/$sleep_pid/status" 2>/dev/null)"
        sl_assert_contains "the monitor runs from a sealed copy of its binary" "/memfd:sockerless-monitor" \
                "$(readlink "/proc/$monitor_pid/exe")"
else
        sl_skip "the exec's parent is the container's monitor" "sockerlessd only"
fi

# ---- errors and exit codes
sl_run sl_docker exec sl-exec nosuch
# dockerd 20.10 gives 126 for any failed exec; Docker Engine 23 and later,
# and Sockerless, give 127 for a command that does not exist.
if sl_engine_is dockerd; then
        sl_assert_rc "missing command exit code (dockerd 20.10)" 126
else
        sl_assert_rc "missing command exits 127" 127
fi
sl_assert_contains "missing command message" 'exec: "nosuch": executable file not found in $PATH' "$SL_OUT$SL_ERR"
sl_run sl_docker exec sl-exec /etc/passwd
sl_assert_rc "command that is not executable exits 126" 126
sl_assert_contains "not executable message" 'exec: "/etc/passwd": permission denied' "$SL_OUT$SL_ERR"
sl_run sl_docker exec -d sl-exec nosuch
sl_assert_rc "-d of a missing command fails" 1
sl_assert_contains "-d of a missing command says why" 'exec: "nosuch": executable file not found in $PATH' "$SL_ERR"
sl_run sl_docker exec -w /nonexistent sl-exec pwd
sl_assert_rc "missing working directory exits 126" 126
sl_assert_contains "missing working directory message" 'chdir to cwd ("/nonexistent") set in config.json failed' \
        "$SL_OUT$SL_ERR"

sl_docker create --name sl-exec-created "$busybox" true >/dev/null
created_id=$(sl_docker inspect -f '{{.Id}}' sl-exec-created)
sl_run sl_docker exec sl-exec-created true
sl_assert_rc "exec into a created container fails" 1
sl_assert_contains "exec into a created container says why" "Container $created_id is not running" "$SL_ERR"
exec_create sl-exec-created '{"Cmd":["true"]}'
sl_assert_eq "exec create in a stopped container is 409" 409 "$SL_API_STATUS"
sl_assert_eq "exec create in a stopped container message" \
        "{\"message\":\"Container $created_id is not running\"}" "$SL_API_BODY"
exec_create sl-exec-cfg '{"Cmd":["true"]}'
paused_exec=$EXEC_ID
sl_run sl_docker pause sl-exec-cfg
if [ "$SL_RC" = 0 ]; then
        cfg_id=$(sl_docker inspect -f '{{.Id}}' sl-exec-cfg)
        exec_create sl-exec-cfg '{"Cmd":["true"]}'
        sl_assert_eq "exec create in a paused container" \
                '409 {"message":"Container sl-exec-cfg is paused, unpause the container before exec"}' \
                "$SL_API_STATUS $SL_API_BODY"
        sl_api POST "/exec/$paused_exec/start" -H "$json" -d '{"Detach":true}'
        sl_assert_eq "exec start in a paused container" \
                "409 {\"message\":\"Container $cfg_id is paused, unpause the container before exec\"}" \
                "$SL_API_STATUS $SL_API_BODY"
        sl_docker unpause sl-exec-cfg >/dev/null
else
        sl_skip "exec in a paused container" "docker pause failed: $SL_ERR"
fi
exec_create sl-exec-nosuch '{"Cmd":["true"]}'
sl_assert_eq "exec create in a missing container is 404" 404 "$SL_API_STATUS"
sl_assert_eq "exec create in a missing container message" '{"message":"No such container: sl-exec-nosuch"}' \
        "$SL_API_BODY"

# ---- create request checks
sl_api POST /containers/sl-exec/exec
sl_assert_eq "empty body is 400" "400 {\"message\":\"got EOF while reading request body\"}" \
        "$SL_API_STATUS $SL_API_BODY"
exec_create sl-exec '{}'
sl_assert_eq "no command is 400" "400 {\"message\":\"No exec command specified\"}" "$SL_API_STATUS $SL_API_BODY"
exec_create sl-exec-nosuch '{"Cmd":[]}'
sl_assert_eq "the body is checked before the container" 400 "$SL_API_STATUS"
exec_create sl-exec '{"Cmd":"ls"}'
sl_assert_eq "Cmd of the wrong type" \
        '400 {"message":"json: cannot unmarshal string into Go struct field ExecConfig.Cmd of type []string"}' \
        "$SL_API_STATUS $SL_API_BODY"
exec_create sl-exec '[]'
sl_assert_eq "a body that is not an object" \
        '400 {"message":"json: cannot unmarshal array into Go value of type types.ExecConfig"}' \
        "$SL_API_STATUS $SL_API_BODY"
exec_create sl-exec '{"Cmd":["true"],"DetachKeys":"ctrl-"}'
sl_assert_eq "invalid detach keys" '500 {"message":"Invalid escape keys (ctrl-) provided"}' \
        "$SL_API_STATUS $SL_API_BODY"

# ---- inspect, ExecIDs, start twice
sl_assert_eq "no ExecIDs when no exec runs" null "$(exec_ids sl-exec-nnp)"
exec_create sl-exec '{"Cmd":["sh","-c","echo out; echo err >&2; exit 3"],"User":"nobody","AttachStdout":true,"AttachStderr":true,"DetachKeys":"ctrl-a"}'
sl_assert_eq "exec create is 201" 201 "$SL_API_STATUS"
sl_assert_match "exec ID is 64 hex characters" '^[0-9a-f]{64}$' "$EXEC_ID"
sl_api GET "/exec/$EXEC_ID/json"
sl_assert_eq "inspect of a created exec" \
        "{\"ID\":\"$EXEC_ID\",\"Running\":false,\"ExitCode\":null,\"ProcessConfig\":{\"tty\":false,\"entrypoint\":\"sh\",\"arguments\":[\"-c\",\"echo out; echo err >&2; exit 3\"],\"privileged\":false,\"user\":\"nobody\"},\"OpenStdin\":false,\"OpenStderr\":true,\"OpenStdout\":true,\"CanRemove\":false,\"ContainerID\":\"$cid\",\"DetachKeys\":\"AQ==\",\"Pid\":0}" \
        "$SL_API_BODY"
sl_assert_contains "ExecIDs lists a created exec" "$EXEC_ID" "$(exec_ids sl-exec)"
sl_api POST "/exec/$EXEC_ID/start"
sl_assert_eq "start without a body is 400" "400 {\"message\":\"got EOF while reading request body\"}" \
        "$SL_API_STATUS $SL_API_BODY"
sl_api POST "/exec/$EXEC_ID/start" -H "$json" -d '{"Detach":"yes"}'
sl_assert_eq "start with Detach of the wrong type" \
        '400 {"message":"json: cannot unmarshal string into Go struct field ExecStartCheck.Detach of type bool"}' \
        "$SL_API_STATUS $SL_API_BODY"
exec_start "$EXEC_ID"
sl_assert_contains "hijacked start switches protocols" "HTTP/1.1 101" "$SL_OUT"
sl_assert_contains "hijacked start has Docker's stream type" "Content-Type: application/vnd.docker.raw-stream" "$SL_OUT"
sl_assert_contains "hijacked start upgrades to tcp" "Upgrade: tcp" "$SL_OUT"
sl_assert_contains "stdout frame" "1 4 b'out\\n'" "$SL_OUT"
sl_assert_contains "stderr frame" "2 4 b'err\\n'" "$SL_OUT"
sl_assert_not_contains "whole frames only" "TRAILING" "$SL_OUT"
sl_api GET "/exec/$EXEC_ID/json"
sl_assert_eq "ended exec: not running" false "$(jq .Running <<<"$SL_API_BODY")"
sl_assert_eq "ended exec: exit code" 3 "$(jq .ExitCode <<<"$SL_API_BODY")"
sl_assert_match "ended exec: its pid" '^[1-9][0-9]*$' "$(jq .Pid <<<"$SL_API_BODY")"
sl_assert_not_contains "ExecIDs drops an ended exec" "$EXEC_ID" "$(exec_ids sl-exec)"
sl_api POST "/exec/$EXEC_ID/start" -H "$json" -d '{"Detach":true}'
sl_assert_eq "second detached start is 409" \
        "409 {\"message\":\"Error: Exec command $EXEC_ID has already run\"}" "$SL_API_STATUS $SL_API_BODY"
exec_start "$EXEC_ID"
sl_assert_contains "second hijacked start reports it in the stream" \
        "Error: Exec command $EXEC_ID has already run\\r\\n" "$SL_OUT"
sl_api POST /exec/nosuch/start -H "$json" -d '{"Detach":true}'
sl_assert_eq "start of a missing exec" '404 {"message":"No such exec instance: nosuch"}' "$SL_API_STATUS $SL_API_BODY"
sl_api GET /exec/nosuch/json
sl_assert_eq "inspect of a missing exec" '404 {"message":"No such exec instance: nosuch"}' \
        "$SL_API_STATUS $SL_API_BODY"
sl_api POST "/exec/nosuch/resize?h=1&w=1"
sl_assert_eq "resize of a missing exec" '404 {"message":"No such exec instance: nosuch"}' \
        "$SL_API_STATUS $SL_API_BODY"

# ---- stream formats
exec_create sl-exec '{"Cmd":["sh","-c","echo out; echo err >&2"],"AttachStdout":true,"AttachStderr":true,"Tty":true}'
exec_start "$EXEC_ID" --tty
sl_assert_contains "tty output is raw, stderr on the terminal too" "b'out\\r\\nerr\\r\\n'" "$SL_OUT"
exec_create sl-exec '{"Cmd":["sh","-c","echo out; echo err >&2"],"AttachStdout":true,"AttachStderr":true,"Tty":true}'
exec_start "$EXEC_ID" --no-upgrade --tty
sl_assert_contains "start without Upgrade replies 200" "HTTP/1.1 200 OK" "$SL_OUT"
sl_assert_contains "start without Upgrade carries the output" "out\\r\\nerr\\r\\n" "$SL_OUT"
exec_create sl-exec '{"Cmd":["sh","-c","echo out"],"AttachStdout":true,"Tty":true}'
exec_start "$EXEC_ID"
sl_assert_contains "a start without Tty frames even a tty's output" "stdout: b'out\\r\\n'" "$SL_OUT"
exec_create sl-exec '{"Cmd":["sh","-c","echo out; echo err >&2"],"AttachStderr":true}'
exec_start "$EXEC_ID"
sl_assert_contains "only the streams asked for" "stderr: b'err\\n'" "$SL_OUT"
sl_assert_contains "stdout left out" "stdout: b''" "$SL_OUT"
exec_create sl-exec '{"Cmd":["sh","-c","cat; echo done"],"AttachStdin":true,"AttachStdout":true}'
exec_start "$EXEC_ID" --stdin 'hello\n' --half-close
sl_assert_contains "stdin reaches the exec, the end of input closes its stdin" "stdout: b'hello\\ndone\\n'" \
        "$SL_OUT"
exec_create sl-exec '{"Cmd":["nosuch"],"AttachStdout":true}'
exec_start "$EXEC_ID"
sl_assert_contains "failure message in the stream" \
        'exec: "nosuch": executable file not found in $PATH: unknown\r\n' "$SL_OUT"
exec_create sl-exec '{"Cmd":["nosuch"]}'
sl_api POST "/exec/$EXEC_ID/start" -H "$json" -d '{"Detach":true}'
sl_assert_eq "detached start of a missing command is 400" 400 "$SL_API_STATUS"
sl_assert_contains "detached start says why" 'exec: \"nosuch\": executable file not found in $PATH' "$SL_API_BODY"

# ---- a detached exec, resize
exec_create sl-exec '{"Cmd":["sleep","30"],"Tty":true}'
sl_api POST "/exec/$EXEC_ID/start" -H "$json" -d '{"Detach":true}'
sl_assert_eq "detached start is 200" 200 "$SL_API_STATUS"
sl_api GET "/exec/$EXEC_ID/json"
sl_assert_eq "detached exec runs" true "$(jq .Running <<<"$SL_API_BODY")"
sl_assert_eq "running exec has no exit code" null "$(jq .ExitCode <<<"$SL_API_BODY")"
sl_assert_contains "ExecIDs lists a running exec" "$EXEC_ID" "$(exec_ids sl-exec)"
sl_api POST "/exec/$EXEC_ID/start" -H "$json" -d '{"Detach":true}'
sl_assert_eq "start of a running exec is 409" \
        "409 {\"message\":\"Error: Exec command $EXEC_ID is already running\"}" "$SL_API_STATUS $SL_API_BODY"
sl_api POST "/exec/$EXEC_ID/resize?h=x&w=2"
sl_assert_eq "resize with a bad height" '400 {"message":"strconv.Atoi: parsing \"x\": invalid syntax"}' \
        "$SL_API_STATUS $SL_API_BODY"
sl_api POST "/exec/$EXEC_ID/resize?h=10"
sl_assert_eq "resize without a width" '400 {"message":"strconv.Atoi: parsing \"\": invalid syntax"}' \
        "$SL_API_STATUS $SL_API_BODY"
sl_api POST "/exec/$EXEC_ID/resize?h=10&w=20"
sl_assert_eq "resize of a running exec" 200 "$SL_API_STATUS"

exec_create sl-exec '{"Cmd":["sh","-c","sleep 2; stty size"],"AttachStdout":true,"Tty":true}'
timeout -k 5 "$SL_TIMEOUT" "$SL_PYTHON" "$SL_SRCDIR/exec-start.py" "$SL_SOCK" "$EXEC_ID" --tty \
        >"$SL_TMP/resize.out" 2>&1 &
start_pid=$!
sleep 0.5
sl_api POST "/exec/$EXEC_ID/resize?h=33&w=77"
sl_assert_eq "resize while the exec runs" 200 "$SL_API_STATUS"
wait "$start_pid"
sl_assert_contains "the exec's terminal has the new size" "33 77" "$(cat "$SL_TMP/resize.out")"

# ---- terminals through the CLI
sl_run sl_docker exec -t sl-exec tty
sl_assert_match "-t gives a pty" '^/dev/pts/[0-9]+' "$SL_OUT"
sl_run sl_docker exec -t sl-exec echo hi
sl_assert_out "-t output has CRLF" $'hi\r'
pty 'expect=# ' 'send=echo $((6*7))\r' 'expect=42' 'send=stty size\r' 'expect=24 80' 'send=exit 5\r' \
        -- docker exec -it sl-exec sh
sl_assert_rc "exec -it returns the shell's exit code" 5
sl_assert_contains "exec -it runs typed commands" $'42\r' "$SL_OUT"
sl_assert_contains "exec -it terminal size from the client" "24 80" "$SL_OUT"
pty --size 40x132 'expect=# ' 'send=stty size; exit\r' -- docker exec -it sl-exec sh
sl_assert_contains "exec -it another terminal size" "40 132" "$SL_OUT"
pty 'expect=ready' 'send=\x10' 'sleep=0.2' 'send=\x11' -- docker exec -it sl-exec sh -c 'echo ready; exec sleep 4321'
# The CLI returns; its exit code is 0, or 126 from dockerd 20.10, which
# takes the detach for a failure.
sl_assert_ne "ctrl-p ctrl-q ends exec -it" 124 "$SL_RC"
sl_run in_container sl-exec sleep 4321
sl_assert_rc "the exec runs on after ctrl-p ctrl-q" 0
pty 'expect=ready' 'send=\x01' 'sleep=0.2' 'send=\x02' -- docker exec -it --detach-keys ctrl-a,ctrl-b sl-exec \
        sh -c 'echo ready; exec sleep 4322'
sl_run in_container sl-exec sleep 4322
sl_assert_rc "--detach-keys detaches and the exec runs on" 0

# ---- output that a background process keeps open, and much output
start=$SECONDS
sl_run sl_docker exec sl-exec sh -c 'sleep 30 & echo fg'
sl_assert_out "a background process does not keep exec's output" fg
sl_assert_eq "exec returns without waiting for it" true "$([ $((SECONDS - start)) -lt 20 ] && echo true)"
sl_run sh -c "timeout 60 docker exec sl-exec seq 1 200000 | tail -n 1"
sl_assert_out "200000 lines arrive, the last one last" 200000

# ---- the container ends while an exec runs
sl_docker run -d --name sl-exec-ends "$busybox" sleep 1000 >/dev/null
exec_create sl-exec-ends '{"Cmd":["sleep","100"]}'
running_exec=$EXEC_ID
sl_api POST "/exec/$running_exec/start" -H "$json" -d '{"Detach":true}'
exec_create sl-exec-ends '{"Cmd":["true"]}'
created_exec=$EXEC_ID
sl_docker exec sl-exec-ends sh -c 'echo started; exec sleep 100' >"$SL_TMP/ends.out" 2>&1 &
cli_pid=$!
sl_wait_for 10 grep -q started "$SL_TMP/ends.out"
sl_docker kill sl-exec-ends >/dev/null
wait "$cli_pid"
sl_assert_eq "an exec ends with its container" 137 "$?"
# The kernel kills the container's processes at once, but their ends are
# reported one by one.
exec_ended() {
        sl_api GET "/exec/$1/json"
        [ "$(jq .Running <<<"$SL_API_BODY")" = false ]
}
sl_docker wait sl-exec-ends >/dev/null
sl_wait_for 10 exec_ended "$running_exec"
sl_api GET "/exec/$running_exec/json"
sl_assert_eq "the detached exec ended with the container" "false 137" \
        "$(jq -r '"\(.Running) \(.ExitCode)"' <<<"$SL_API_BODY")"
sl_assert_eq "no ExecIDs once the container ended" null "$(exec_ids sl-exec-ends)"
sl_api POST "/exec/$running_exec/start" -H "$json" -d '{"Detach":true}'
sl_assert_eq "start in an exited container is 500" 500 "$SL_API_STATUS"
sl_assert_contains "start in an exited container says why" "is not running: Exited (137)" "$SL_API_BODY"
sl_api GET "/exec/$created_exec/json"
sl_assert_eq "a never started exec is gone with its container" 404 "$SL_API_STATUS"
sl_docker rm sl-exec-ends >/dev/null
sl_api GET "/exec/$running_exec/json"
sl_assert_eq "execs are gone with their container" 404 "$SL_API_STATUS"

# ---- CVE-2019-5736: the container never reaches the runtime's binary
if sl_engine_is sockerlessd; then
        runtime_binary=$SOCKERLESS_MONITOR
else
        runtime_binary=$(command -v runc)
fi
sha_before=$(sha256sum "$runtime_binary" | cut -d' ' -f1)
sl_docker run -d --name sl-exec-racer "$busybox" sh -c \
        'printf "#!/proc/self/exe\n" >/evil; chmod 755 /evil; while :; do for e in /proc/[0-9]*/exe; do (exec 3>>$e) 2>/dev/null && echo $e >>/tmp/opened; echo x >>/tmp/tries; done; done' \
        >/dev/null
sl_wait_for 10 docker exec sl-exec-racer test -x /evil
# Half of the execs run a script whose interpreter is /proc/self/exe: the
# runtime's own executable then runs inside the container, as in the
# published attack.
for i in $(seq 40); do
        if [ $((i % 2)) = 0 ]; then
                sl_docker exec sl-exec-racer /evil >/dev/null 2>&1
        else
                sl_docker exec sl-exec-racer sh -c 'readlink /proc/$$/exe' >/dev/null 2>&1
        fi
done
tries=$(sl_docker exec sl-exec-racer sh -c 'wc -l </tmp/tries')
sl_diag "open attempts made by the container: $tries"
sl_assert_eq "the container tried to open /proc/PID/exe" true "$([ "${tries:-0}" -gt 100 ] && echo true)"
sl_assert_eq "no /proc/PID/exe could be opened for writing" "" \
        "$(sl_docker exec sl-exec-racer cat /tmp/opened 2>/dev/null)"
sl_assert_eq "the runtime's binary is unchanged" "$sha_before" "$(sha256sum "$runtime_binary" | cut -d' ' -f1)"
sl_docker rm -f sl-exec-racer >/dev/null

# ---- the daemon is killed while execs run (sockerlessd only: live restore)
if sl_engine_is sockerlessd; then
        exec_create sl-exec '{"Cmd":["sleep","300"]}'
        detached_exec=$EXEC_ID
        sl_api POST "/exec/$detached_exec/start" -H "$json" -d '{"Detach":true}'
        sl_docker exec sl-exec sh -c 'echo tick; sleep 4; echo tock; exit 7' >"$SL_TMP/restart.out" 2>&1 &
        cli_pid=$!
        sl_wait_for 10 grep -q tick "$SL_TMP/restart.out"
        sl_daemon_restart --kill
        sl_assert_contains "ExecIDs after the restart" "$detached_exec" "$(exec_ids sl-exec)"
        sl_api GET "/exec/$detached_exec/json"
        sl_assert_eq "the restarted daemon knows the running exec" "true sleep [\"300\"]" \
                "$(jq -c -r '"\(.Running) \(.ProcessConfig.entrypoint) \(.ProcessConfig.arguments)"' <<<"$SL_API_BODY")"
        sl_assert_match "and its pid" '^[1-9][0-9]*$' "$(jq .Pid <<<"$SL_API_BODY")"
        wait "$cli_pid"
        sl_assert_eq "an attached exec runs through the restart and returns its exit code" 7 "$?"
        sl_assert_eq "its output arrives whole" $'tick\ntock' "$(cat "$SL_TMP/restart.out")"
        sl_run sl_docker exec sl-exec echo after-restart
        sl_assert_out "exec works after the restart" after-restart
        sl_api POST "/exec/$detached_exec/resize?h=10&w=10"
        sl_assert_eq "resize of a re-learned exec" 200 "$SL_API_STATUS"
else
        sl_skip "execs run on through a daemon restart" "sockerlessd only"
fi

sl_docker rm -f sl-exec sl-exec-cfg sl-exec-nnp sl-exec-created >/dev/null
sl_done
