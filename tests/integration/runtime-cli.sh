#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The runc-compatible verbs of sockerless-runtime. The script covers the
# create, start, state, kill and delete lifecycle and the state after the
# process exits on its own. It also covers list, ps, pause and resume,
# kill --all, the console socket, features, the global options, and
# runc's texts and exit statuses for misuse. The state JSON is compared with runc's on the same bundle, and
# crun is tried too.
#
# Environment: SOCKERLESS_TEST_RUNC and SOCKERLESS_TEST_CRUN, the runc and
# crun binaries (default: runc and crun).

# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"
rt_init

CONSOLE=$(dirname "$0")/runtime-console.py
RUNC=${SOCKERLESS_TEST_RUNC:-runc}
CRUN=${SOCKERLESS_TEST_CRUN:-crun}

# bundle NAME [PYTHON...]: a bundle of its own (and so a cgroup of its own)
# for container NAME, running `sleep 300` unless a statement changes that.
bundle() {
        local name=$1
        shift
        rt_rootfs "$RT_TMP/$name/rootfs" && rt_bundle "$RT_TMP/$name" "d['process']['args'] = ['sleep', '300']" "$@"
}

# json_true FILTER: succeeds when jq's FILTER is true of RT_OUT.
json_true() {
        jq -e "$1" <<<"$RT_OUT" >/dev/null
}

# status ID: the status field of the container's state.
status() {
        rt_cli state "$1"
        jq -r .status <<<"$RT_OUT"
}

# wait_stopped ID: waits up to 5 seconds for the container to stop.
wait_stopped() {
        for _ in $(seq 50); do
                [ "$(status "$1")" = stopped ] && return 0
                sleep 0.1
        done
        return 1
}

# --- create, start, state, kill, delete

bundle life "d['process']['args'] = ['sh', '-c', 'trap \"exit 0\" TERM; while :; do sleep 0.1; done']" || exit 99
rt_cli create --bundle "$RT_TMP/life" --pid-file "$RT_TMP/life.pid" life
rt_check_eq "create succeeds" 0 "$RT_RC"
rt_cli state life
state=$RT_OUT
pid=$(jq -r .pid <<<"$state")
rt_check_eq "created container's status" created "$(jq -r .status <<<"$state")"
rt_check_eq "pid file has the init's pid" "$pid" "$(cat "$RT_TMP/life.pid")"
rt_check_eq "state has the OCI fields and runc's" "bundle created id ociVersion owner pid rootfs status" \
        "$(jq -r 'del(.annotations) | keys | join(" ")' <<<"$state")"
rt_check_eq "state names the bundle" "$RT_TMP/life" "$(jq -r .bundle <<<"$state")"
rt_check_eq "state names the root filesystem" "$RT_TMP/life/rootfs" "$(jq -r .rootfs <<<"$state")"
rt_check "created container's process waits" grep -q "^State:.*S (sleeping)" "/proc/$pid/status"
rt_check_eq "created container is in its cgroup" "$(rt_cgroup_dirs life | wc -l)" \
        "$(grep -c "$RT_CGROUP_PARENT/life$" "/proc/$pid/cgroup")"

rt_cli start life
rt_check_eq "start succeeds" 0 "$RT_RC"
rt_cli state life
rt_check_eq "started container is running" running "$(jq -r .status <<<"$RT_OUT")"
rt_check_eq "running container keeps its pid" "$pid" "$(jq -r .pid <<<"$RT_OUT")"
rt_check "started container runs its process" grep -q "trap" "/proc/$pid/cmdline"
rt_cli start life
rt_check_eq "start of a running container fails" 1 "$RT_RC"
rt_check_contains "start of a running container has runc's message" "$RT_ERR" \
        "cannot start an already running container"

rt_cli delete life
rt_check_eq "delete of a running container fails" 1 "$RT_RC"
rt_check_contains "delete of a running container has runc's message" "$RT_ERR" \
        "cannot delete container life that is not stopped: running"

rt_cli kill life
rt_check_eq "kill with the default signal succeeds" 0 "$RT_RC"
rt_check "SIGTERM stops the container" wait_stopped life
rt_cli state life
rt_check_eq "stopped container has pid 0" 0 "$(jq -r .pid <<<"$RT_OUT")"
rt_cli kill life KILL
rt_check_eq "kill of a stopped container fails" 1 "$RT_RC"
rt_check_contains "kill of a stopped container has runc's message" "$RT_ERR" "container not running"
rt_cli start life
rt_check_contains "start of a stopped container has runc's message" "$RT_ERR" \
        "cannot start a container that has stopped"
rt_cli delete life
rt_check_eq "delete of a stopped container succeeds" 0 "$RT_RC"
rt_check_eq "delete removes the cgroup" "" "$(rt_cgroup_dirs life)"
rt_cli state life
rt_check_eq "state of a deleted container fails" 1 "$RT_RC"
rt_check_contains "deleted container does not exist" "$RT_ERR" "container does not exist"

# --- the process exits on its own

bundle short "d['process']['args'] = ['sh', '-c', 'echo short-lived; exit 3']" || exit 99
rt_cli create --bundle "$RT_TMP/short" short
rt_cli start short
rt_check "container whose process exited is stopped" wait_stopped short
rt_check_contains "created container's output goes to create's stdout" \
        "$(cat "$RT_TMP"/cli-out.* 2>/dev/null)" "short-lived"
rt_cli delete short
rt_check_eq "delete after the process exited" 0 "$RT_RC"

# --- delete of a created container, delete --force of a running one

bundle waiting || exit 99
rt_cli create --bundle "$RT_TMP/waiting" waiting
rt_cli delete waiting
rt_check_eq "created container can be deleted without --force" 0 "$RT_RC"
rt_check_eq "deleted created container leaves no cgroup" "" "$(rt_cgroup_dirs waiting)"
rt_check_eq "holder process is gone" "" "$(pgrep -f "sockerless-runtime --root $RT_TMP/state create" || true)"

rt_cli create --bundle "$RT_TMP/waiting" waiting
rt_cli start waiting
rt_cli delete --force waiting
rt_check_eq "delete --force of a running container" 0 "$RT_RC"
rt_check_eq "delete --force removes the cgroup" "" "$(rt_cgroup_dirs waiting)"
rt_cli delete nosuch
rt_check_eq "delete of a missing container fails" 1 "$RT_RC"
rt_check_contains "delete of a missing container has runc's message" "$RT_ERR" "container does not exist"
rt_cli delete --force nosuch
rt_check_eq "delete --force of a missing container succeeds" 0 "$RT_RC"

# --- list, ps, pause, resume, kill --all

bundle busy "d['process']['args'] = ['sh', '-c', 'sleep 300 & sleep 300 & wait']" || exit 99
rt_cli create --bundle "$RT_TMP/busy" busy
rt_cli start busy
rt_cli list
rt_check_eq "list has runc's header" "ID          PID         STATUS      BUNDLE" \
        "$(head -1 <<<"$RT_OUT" | awk '{printf "%-12s%-12s%-12s%s", $1, $2, $3, $4}')"
rt_check_contains "list shows the running container" "$(sed -n 2p <<<"$RT_OUT")" "running"
rt_cli list -q
rt_check_eq "list -q prints the IDs" busy "$RT_OUT"
rt_cli list --format json
rt_check_eq "list --format json is the states" busy:running "$(jq -r '.[] | .id + ":" + .status' <<<"$RT_OUT")"

for _ in $(seq 50); do
        rt_cli ps --format json busy
        [ "$(jq length <<<"$RT_OUT")" = 3 ] && break
        sleep 0.1
done
rt_check_eq "ps --format json lists the container's processes" 3 "$(jq length <<<"$RT_OUT")"
rt_cli ps busy
rt_check_contains "ps prints ps(1)'s header" "$(head -1 <<<"$RT_OUT")" "PID"
rt_check_eq "ps prints a line per process" 3 "$(tail -n +2 <<<"$RT_OUT" | wc -l)"
rt_cli ps busy -o pid,comm
rt_check_eq "ps passes its arguments to ps(1)" "sh sleep sleep" "$(tail -n +2 <<<"$RT_OUT" | awk '{print $2}' | sort | tr '\n' ' ' | sed 's/ $//')"

rt_cli resume busy
rt_check_contains "resume of a running container has runc's message" "$RT_ERR" "container not paused"
rt_cli pause busy
rt_check_eq "pause succeeds" 0 "$RT_RC"
rt_check_eq "paused container's status" paused "$(status busy)"
# frozen ID: succeeds when the kernel reports the container's cgroup frozen.
frozen() {
        local v1=/sys/fs/cgroup/freezer/$RT_CGROUP_PARENT/$1 v2=/sys/fs/cgroup/$RT_CGROUP_PARENT/$1
        if [ -d "$v1" ]; then
                [ "$(cat "$v1/freezer.state")" = FROZEN ]
        else
                grep -q '^frozen 1$' "$v2/cgroup.events"
        fi
}
rt_check "paused processes are frozen" frozen busy
rt_cli pause busy
rt_check_contains "pause of a paused container has runc's message" "$RT_ERR" "container not running"
rt_cli resume busy
rt_check_eq "resume succeeds" 0 "$RT_RC"
rt_check_eq "resumed container runs" running "$(status busy)"

rt_cli kill busy NOSUCHSIGNAL
rt_check_contains "unknown signal is rejected" "$RT_ERR" "unknown signal \"NOSUCHSIGNAL\""
rt_cli kill --all busy SIGKILL
rt_check_eq "kill --all succeeds" 0 "$RT_RC"
rt_check "kill --all stops the container" wait_stopped busy
rt_cli ps --format json busy
rt_check_eq "kill --all leaves no process" "[]" "$RT_OUT"
rt_cli delete busy

# --- create's checks

bundle checks || exit 99
rt_cli create --bundle "$RT_TMP/checks" checks
rt_cli create --bundle "$RT_TMP/checks" checks
rt_check_eq "create of an existing ID fails" 1 "$RT_RC"
rt_check_contains "existing ID has runc's message" "$RT_ERR" "container with given ID already exists"
rt_cli delete checks
rt_cli create --bundle "$RT_TMP/checks" 'bad/id'
rt_check_contains "invalid ID has runc's message" "$RT_ERR" "invalid id format: bad/id"
rt_cli create --bundle "$RT_TMP/nonexistent" other
rt_check_contains "missing bundle is named" "$RT_ERR" "$RT_TMP/nonexistent"
rt_cli state
rt_check_contains "missing argument has runc's message" "$RT_ERR" "\"state\" requires exactly 1 argument(s)"
rt_cli --systemd-cgroup create --bundle "$RT_TMP/checks" checks
rt_check_contains "--systemd-cgroup is accepted and explained" "$RT_ERR" \
        "--systemd-cgroup: the systemd cgroup driver is not supported"
rt_cli create --no-pivot --bundle "$RT_TMP/checks" checks
rt_check_contains "--no-pivot is rejected clearly" "$RT_ERR" "--no-pivot is not supported"

# --- a terminal through the console socket

bundle tty "d['process']['terminal'] = True" "d['process']['args'] = ['sh', '-c', 'tty; echo on-the-pty']" || exit 99
rt_cli create --bundle "$RT_TMP/tty" tty
rt_check_contains "terminal without --console-socket is rejected" "$RT_ERR" \
        "cannot allocate tty if the runtime will detach without setting console socket"
out=$("$RT_PYTHON" "$CONSOLE" socket "$RT_TMP/console.sock" \
        "$RT_RUNTIME" --root "$RT_TMP/state" create --bundle "$RT_TMP/tty" --console-socket "$RT_TMP/console.sock" tty \
        --then "$RT_RUNTIME" --root "$RT_TMP/state" start tty)
rt_check_contains "create sends the pty master to the console socket" "$out" "name=/dev/pts/0"
rt_check_contains "create with a console socket succeeds" "$out" "status=0"
rt_check_contains "the container's output arrives on the master" "$out" "on-the-pty"
rt_check_contains "the container's stdio is the pty" "$out" "/dev/pts/0"
wait_stopped tty
rt_cli delete tty

# --- pause and resume with cgroup.freeze, as on a cgroup2-only host

cat >"$RT_TMP/pause-v2.sh" <<'SCRIPT'
mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 77
rt() { "$RT_RUNTIME" --root "$RT_TMP/state" "$@"; }
rt create --bundle "$RT_TMP/frozen" frozen </dev/null >/dev/null && rt start frozen || exit 1
rt pause frozen && rt state frozen | jq -r .status
grep '^frozen ' "/sys/fs/cgroup/$RT_CGROUP_PARENT/frozen/cgroup.events"
rt resume frozen && rt state frozen | jq -r .status
grep '^frozen ' "/sys/fs/cgroup/$RT_CGROUP_PARENT/frozen/cgroup.events"
rt delete --force frozen
SCRIPT
bundle frozen || exit 99
export RT_RUNTIME RT_TMP RT_CGROUP_PARENT
out=$(unshare --mount --propagation private bash "$RT_TMP/pause-v2.sh" 2>&1)
rc=$?
if [ $rc = 77 ]; then
        rt_ok "# SKIP cannot mount the cgroup2 hierarchy"
else
        rt_check_eq "pause and resume on cgroup v2" "$(printf 'paused\nfrozen 1\nrunning\nfrozen 0')" "$out"
fi

# --- global options and features

rt_cli --version
rt_check_contains "--version names the spec version" "$RT_OUT" "spec: 1.0.2"
rt_cli frobnicate
rt_check_eq "unknown command fails" 1 "$RT_RC"
rt_check_contains "unknown command is named" "$RT_ERR" "unknown command \"frobnicate\""
rt_cli --log "$RT_TMP/log.json" --log-format json state nosuch
rt_check_eq "JSON log line for an error" "error:container does not exist" \
        "$(jq -r '.level + ":" + .msg' "$RT_TMP/log.json")"
rt_check "JSON log line has a time" grep -q '"time":"[0-9]\{4\}-' "$RT_TMP/log.json"
rt_cli --log "$RT_TMP/log.txt" state nosuch
rt_check "text log line as logrus writes it" grep -q '^time=".*" level=error msg="container does not exist"$' \
        "$RT_TMP/log.txt"
rt_cli --log-format yaml state nosuch
rt_check_contains "unknown log format is rejected" "$RT_ERR" "invalid log format \"yaml\""
rt_cli --debug --log "$RT_TMP/debug.log" create --bundle "$RT_TMP/checks" debugged
rt_check "--debug logs the steps" grep -q 'level=debug msg="container debugged created, init pid' "$RT_TMP/debug.log"
rt_cli delete debugged

rt_cli features
rt_check "features is valid JSON" json_true .
rt_check_eq "features lists every hook" "prestart createRuntime createContainer startContainer poststart poststop" \
        "$(jq -r '.hooks | join(" ")' <<<"$RT_OUT")"
rt_check_eq "features has the OCI versions" "1.0.0 1.0.2" "$(jq -r '.ociVersionMin + " " + .ociVersionMax' <<<"$RT_OUT")"
rt_check_eq "features lists the namespaces" "cgroup ipc mount network pid user uts" \
        "$(jq -r '.linux.namespaces | join(" ")' <<<"$RT_OUT")"
rt_check "features lists the capabilities" json_true '.linux.capabilities | index("CAP_SYS_ADMIN")'
rt_check "features lists the mount options" json_true '.mountOptions | index("rro") and index("nosuid")'
rt_check "features lists the seccomp actions" json_true '.linux.seccomp.actions | index("SCMP_ACT_ERRNO")'
rt_check "features lists the host's seccomp architecture" json_true '.linux.seccomp.archs | length > 0'
rt_check_eq "features says cgroup drivers" "true true false" \
        "$(jq -r '.linux.cgroup | "\(.v1) \(.v2) \(.systemd)"' <<<"$RT_OUT")"

# --- the same bundle under runc, and crun

# lifecycle_states RUNTIME...: creates, starts and kills container
# "compare" from its bundle. It prints the status after each step and the
# state's keys, then the messages for start and kill of the stopped one.
lifecycle_states() {
        local s
        "$@" create --bundle "$RT_TMP/compare" compare </dev/null >/dev/null 2>"$RT_TMP/compare.err" || {
                cat "$RT_TMP/compare.err"
                return 1
        }
        s=$("$@" state compare 2>/dev/null)
        jq -r .status <<<"$s"
        jq -r 'del(.annotations) | keys | join(" ")' <<<"$s"
        "$@" start compare </dev/null
        "$@" state compare | jq -r .status
        "$@" kill compare KILL
        for _ in $(seq 50); do
                [ "$("$@" state compare | jq -r .status)" = stopped ] && break
                sleep 0.1
        done
        "$@" state compare | jq -r '.status + " " + (.pid | tostring)'
        "$@" kill compare KILL 2>&1 | grep -o "container not running"
        "$@" start compare 2>&1 | grep -o "cannot start a container that has stopped"
        "$@" delete compare
        "$@" state compare 2>&1 | grep -o "container does not exist"
}

bundle compare "d['process']['args'] = ['sleep', '300']" || exit 99
ours=$(lifecycle_states "$RT_RUNTIME" --root "$RT_TMP/state")
if command -v "$RUNC" >/dev/null; then
        theirs=$(lifecycle_states "$RUNC" --root "$RT_TMP/runc-state")
        rt_check_eq "state and lifecycle match runc" "$theirs" "$ours"
else
        rt_ok "# SKIP runc not found: no comparison"
fi
if command -v "$CRUN" >/dev/null; then
        crun_out=$(lifecycle_states "$CRUN" --root "$RT_TMP/crun-state" 2>&1)
        if [ "$(sed -n 1p <<<"$crun_out")" = created ]; then
                rt_check_eq "state and lifecycle match crun" "$(sed 2d <<<"$crun_out")" "$(sed 2d <<<"$ours")"
        else
                rt_ok "# SKIP crun cannot run here: $(head -1 <<<"$crun_out")"
        fi
        "$CRUN" --root "$RT_TMP/crun-state" delete --force compare >/dev/null 2>&1
else
        rt_ok "# SKIP crun not found: no comparison"
fi

rt_check_eq "no container left" "" "$("$RT_RUNTIME" --root "$RT_TMP/state" list -q)"
rt_check_eq "no cgroup left" "" "$(for c in life short waiting busy checks tty compare; do rt_cgroup_dirs "$c"; done)"
rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"
rt_done
