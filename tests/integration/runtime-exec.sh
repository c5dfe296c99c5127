#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# `sockerless-runtime exec`. A process started in a running container gets
# the container's namespaces, cgroup, capabilities, seccomp filter and
# user, with and without a pty, detached, and from a process.json. What it
# observes matches runc on the same bundle, and its failures have runc's
# texts and exit status. Last comes the CVE-2019-5736 regression: while
# exec runs again and again, a process in the container tries to open the
# runtime's /proc/PID/exe for writing. Every open fails, and the host
# binary stays as it was.
#
# Environment: SOCKERLESS_TEST_RUNC, the runc binary (default: runc).

# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"
rt_init

CONSOLE=$(dirname "$0")/runtime-console.py
RUNC=${SOCKERLESS_TEST_RUNC:-runc}

# start_container NAME [PYTHON...]: creates and starts container NAME from
# its own bundle, running `sleep 300` unless a statement changes that.
start_container() {
        local name=$1
        shift
        rt_rootfs "$RT_TMP/$name/rootfs" || return 1
        rt_bundle "$RT_TMP/$name" "d['process']['args'] = ['sleep', '300']" "$@" || return 1
        rt_cli create --bundle "$RT_TMP/$name" "$name" && [ "$RT_RC" = 0 ] || return 1
        rt_cli start "$name" && [ "$RT_RC" = 0 ]
}

start_container plain || { rt_not_ok "start a container to exec into" "$RT_ERR"; rt_done; }

# --- without a pty

rt_cli exec plain sh -c 'echo out; echo err >&2; exit 7'
rt_check_eq "exec passes the exit status" 7 "$RT_RC"
rt_check_eq "exec passes stdout" out "$RT_OUT"
rt_check_eq "exec passes stderr" err "$RT_ERR"

namespaces="pid mnt net uts ipc cgroup"
rt_cli exec plain sh -c "for ns in $namespaces; do readlink /proc/self/ns/\$ns; done"
exec_ns=$RT_OUT
rt_cli state plain
init_pid=$(jq -r .pid <<<"$RT_OUT")
init_ns=$(for ns in $namespaces; do readlink "/proc/$init_pid/ns/$ns"; done)
rt_check_eq "exec joins every namespace of the init" "$init_ns" "$exec_ns"

rt_cli exec plain sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; hostname; pwd'
rt_check_eq "exec sees the container's init as pid 1" "sleep 300 " "$(sed -n 1p <<<"$RT_OUT")"
rt_check_eq "exec sees the container's hostname" rt-test "$(sed -n 2p <<<"$RT_OUT")"
rt_check_eq "exec starts in the process's cwd" / "$(sed -n 3p <<<"$RT_OUT")"

rt_cli exec plain sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status; ls /proc/self/fd | tr "\n" " "'
rt_check_contains "exec gets the container's capabilities" "$RT_OUT" "$(printf 'CapEff:\t00000000a80425fb')"
rt_check_contains "exec gets the container's bounding set" "$RT_OUT" "$(printf 'CapBnd:\t00000000a80425fb')"
rt_check_contains "exec'd process has only its stdio open" "$RT_OUT" "0 1 2 3 "

rt_cli exec --user 1000:2000 --env EXTRA=1 --cwd /tmp plain sh -c 'id; echo $EXTRA $HOSTNAME; pwd'
rt_check_eq "exec --user, --env and --cwd" "$(printf 'uid=1000(app) gid=2000(extra)\n1 rt-test\n/tmp')" "$RT_OUT"

rt_cli exec --cap CAP_SYS_ADMIN --no-new-privs plain grep -E '^(CapEff|NoNewPrivs)' /proc/self/status
rt_check_contains "exec --cap adds a capability" "$RT_OUT" "$(printf 'CapEff:\t00000000a82425fb')"
rt_check_contains "exec --no-new-privs" "$RT_OUT" "$(printf 'NoNewPrivs:\t1')"

cat >"$RT_TMP/process.json" <<'EOF'
{"args": ["/bin/sh", "-c", "id -u; echo $ONLY; pwd"], "env": ["ONLY=from-process-json"], "cwd": "/home",
 "user": {"uid": 1000, "gid": 1000}, "terminal": false}
EOF
rt_cli exec --process "$RT_TMP/process.json" plain
rt_check_eq "exec --process takes the whole process" "$(printf '1000\nfrom-process-json\n/home')" "$RT_OUT"

rt_cli exec --detach --pid-file "$RT_TMP/exec.pid" plain sleep 200
rt_check_eq "exec --detach returns at once" 0 "$RT_RC"
detached=$(cat "$RT_TMP/exec.pid" 2>/dev/null)
rt_check "pid file names the detached process" grep -q "sleep" "/proc/$detached/cmdline"
rt_check_contains "detached process is in the container's cgroup" "$(cat /proc/"$detached"/cgroup 2>/dev/null)" \
        "$RT_CGROUP_PARENT/plain"
rt_cli ps --format json plain
rt_check_contains "ps lists the detached process" "$RT_OUT" "$detached"

# --- with a pty

out=$("$RT_PYTHON" "$CONSOLE" pty "$RT_RUNTIME" --root "$RT_TMP/state" exec -t plain sh -c 'tty; exit 3')
rc=$?
rt_check_contains "exec -t gives the process a pty of the container" "$out" "/dev/pts/"
rt_check_eq "exec -t passes the exit status" 3 "$rc"

out=$("$RT_PYTHON" "$CONSOLE" socket "$RT_TMP/console.sock" "$RT_RUNTIME" --root "$RT_TMP/state" exec -d -t \
        --console-socket "$RT_TMP/console.sock" plain sh -c 'tty; echo via-socket')
rt_check_contains "exec -d -t sends the pty master to the console socket" "$out" "name=/dev/pts/"
rt_check_contains "exec -d -t with a console socket succeeds" "$out" "status=0"
rt_check_contains "output arrives on the received master" "$out" "via-socket"

rt_cli exec -d -t plain true
rt_check_eq "exec -d -t without a console socket fails as runc's" 255 "$RT_RC"
rt_check_contains "exec -d -t without a console socket is explained" "$RT_ERR" \
        "cannot allocate tty if the runtime will detach without setting console socket"
rt_cli exec --console-socket "$RT_TMP/unused.sock" plain true
rt_check_contains "console socket without a pty is rejected" "$RT_ERR" "cannot use console socket"

# --- failures

rt_cli exec plain nonexist
rt_check_eq "missing executable exits 255 as runc's" 255 "$RT_RC"
rt_check_contains "missing executable has runc's message" "$RT_ERR" \
        "exec failed: exec: \"nonexist\": executable file not found in \$PATH"
rt_cli exec --cwd /nonexistent plain true
rt_check_contains "missing working directory has runc's message" "$RT_ERR" \
        "chdir to cwd (\"/nonexistent\") set in config.json failed: no such file or directory"
rt_cli exec nosuch true
rt_check_contains "exec into a missing container" "$RT_ERR" "container does not exist"

rt_cli pause plain
rt_cli exec plain true
rt_check_eq "exec into a paused container exits 255" 255 "$RT_RC"
rt_check_contains "exec into a paused container has runc's message" "$RT_ERR" \
        "cannot exec in a paused container (use --ignore-paused to override)"
rt_cli resume plain

# --- seccomp and a user from config.json apply to exec'd processes

start_container filtered "d['process']['user'] = {'uid': 1000, 'gid': 1000}" \
        "d['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO'}]}"
rt_cli exec filtered sh -c 'id -u; grep "^Seccomp:" /proc/self/status; mkdir /tmp/x'
rt_check_contains "exec runs as the process user of config.json" "$RT_OUT" "1000"
rt_check_contains "exec'd process is under the seccomp filter" "$RT_OUT" "$(printf 'Seccomp:\t2')"
rt_check_contains "the filter denies what it lists" "$RT_ERR" "Operation not permitted"

# --- what an exec'd process observes, compared with runc

# Not compared: process.rlimits, which runc 1.1 leaves out for exec'd
# processes (they inherit runc's own) and this runtime applies.
observe='id; grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status; cat /proc/self/cgroup; umask; pwd; env | sort | grep -v "^PWD="; tr "\0" " " </proc/1/cmdline; echo; ls /proc/self/fd | tr "\n" " "'
if command -v "$RUNC" >/dev/null; then
        rt_rootfs "$RT_TMP/compare/rootfs" || exit 99
        rt_bundle "$RT_TMP/compare" "d['process']['args'] = ['sleep', '300']" \
                "d['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 512, 'hard': 1024}]"
        rt_cli create --bundle "$RT_TMP/compare" compare
        rt_cli start compare
        rt_cli exec --user 1000 --env X=1 compare sh -c "$observe"
        ours=$RT_OUT
        rt_cli delete --force compare
        timeout 60 "$RUNC" --root "$RT_TMP/runc-state" create --bundle "$RT_TMP/compare" compare </dev/null \
                >/dev/null 2>"$RT_TMP/runc-err"
        timeout 60 "$RUNC" --root "$RT_TMP/runc-state" start compare </dev/null 2>>"$RT_TMP/runc-err"
        theirs=$(timeout 60 "$RUNC" --root "$RT_TMP/runc-state" exec --user 1000 --env X=1 compare sh -c "$observe" \
                </dev/null 2>>"$RT_TMP/runc-err")
        "$RUNC" --root "$RT_TMP/runc-state" delete --force compare >/dev/null 2>&1
        rt_check_eq "exec'd process observes the same as under runc" "$theirs" "$ours"
else
        rt_ok "# SKIP runc not found: no comparison"
fi

# --- CVE-2019-5736: the container never reaches the runtime's binary

sha_before=$(sha256sum "$RT_RUNTIME" | cut -d' ' -f1)
start_container racer "d['process']['args'] = ['sh', '-c', 'while :; do for e in /proc/[0-9]*/exe; do (exec 3>>\$e) 2>/dev/null && echo \$e >>/tmp/opened; echo x >>/tmp/tries; done; done']"
# Half of the execs run a script whose interpreter is /proc/self/exe: the
# runtime then runs itself inside the container, as in the published attack.
printf '#!/proc/self/exe\n' >"$RT_TMP/racer/rootfs/evil"
chmod 755 "$RT_TMP/racer/rootfs/evil"
for i in $(seq 60); do
        if [ $((i % 2)) = 0 ]; then
                set -- /evil
        else
                set -- sh -c 'readlink /proc/$$/exe'
        fi
        "$RT_RUNTIME" --root "$RT_TMP/state" exec racer "$@" >/dev/null 2>&1
done
# The runtime's own executable, seen from the host while it waits for the
# exec'd process, is the sealed copy.
"$RT_RUNTIME" --root "$RT_TMP/state" exec racer sleep 2 >/dev/null 2>&1 &
runtime_pid=$!
runtime_exe=
for _ in $(seq 100); do
        runtime_exe=$(readlink /proc/$runtime_pid/exe 2>/dev/null)
        case $runtime_exe in
        /memfd:sockerless-runtime*) break ;;
        esac
        sleep 0.02
done
wait $runtime_pid
rt_cli kill racer KILL
sleep 0.2
tries=$(wc -l <"$RT_TMP/racer/rootfs/tmp/tries" 2>/dev/null || echo 0)
rt_diag "open attempts made by the container: $tries"
rt_check "the container tried to open /proc/PID/exe" [ "$tries" -gt 100 ]
rt_check_eq "no /proc/PID/exe could be opened for writing" "" "$(cat "$RT_TMP/racer/rootfs/tmp/opened" 2>/dev/null)"
rt_check_contains "exec runs from the sealed copy" "$runtime_exe" "/memfd:sockerless-runtime"
rt_check_eq "host binary is unchanged" "$sha_before" "$(sha256sum "$RT_RUNTIME" | cut -d' ' -f1)"

for c in plain filtered racer; do
        rt_cli delete --force "$c"
done
rt_check_eq "no cgroup left" "" "$(for c in plain filtered racer compare; do rt_cgroup_dirs "$c"; done)"
rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"
rt_done
