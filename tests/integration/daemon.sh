#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Daemon restarts with live restore, after SIGTERM and after SIGKILL. A
# running container keeps running with the same Pid, and an exited one keeps
# its exit code. One that exits while the daemon is down shows its real exit
# code afterwards. Logs and control of restored containers survive.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35
sync_dir=$SL_TMP/sync
mkdir -p "$sync_dir"

state() {
        sl_docker inspect -f "{{.State.$2}}" "$1"
}

logs_contain() {
        timeout 10 docker logs "$1" 2>&1 | grep -qx "$2"
}

# start_set SUFFIX: a running, an exited and a waiting container; the
# waiting one exits with 7 once $sync_dir/exit-SUFFIX exists.
start_set() {
        sl_docker run -d --name "sl-daemon-running-$1" "$busybox" sh -c 'echo before; exec sleep 1000' >/dev/null
        sl_docker run --name "sl-daemon-exited-$1" "$busybox" sh -c 'exit 5' >/dev/null
        sl_docker run -d --name "sl-daemon-later-$1" -v "$sync_dir:/sync" "$busybox" sh -c \
                "until [ -e /sync/exit-$1 ]; do sleep 0.1; done; exit 7" >/dev/null
        sl_wait_for 20 logs_contain "sl-daemon-running-$1" before
}

# check_set SUFFIX RUNNING-PID HOW: what a restart after HOW must keep.
check_set() {
        local running=sl-daemon-running-$1
        sl_assert_eq "$3: running container still running" true "$(state "$running" Running)"
        sl_assert_eq "$3: running container same Pid" "$2" "$(state "$running" Pid)"
        sl_assert_eq "$3: ps lists the running container" "$running" \
                "$(sl_docker ps --filter "name=^/$running\$" --format '{{.Names}}')"
        sl_assert_eq "$3: exited container keeps exit code" 5 "$(state "sl-daemon-exited-$1" ExitCode)"
        sl_assert_eq "$3: exited container status" exited "$(state "sl-daemon-exited-$1" Status)"
        sl_wait_for 20 sh -c "[ \"\$(docker inspect -f '{{.State.Status}}' sl-daemon-later-$1)\" = exited ]"
        sl_assert_eq "$3: exit while down is seen" exited "$(state "sl-daemon-later-$1" Status)"
        sl_assert_eq "$3: exit while down keeps real code" 7 "$(state "sl-daemon-later-$1" ExitCode)"
        sl_assert_eq "$3: logs from before the restart" before "$(sl_docker logs "$running" 2>&1)"

        sl_run sl_docker kill "$running"
        sl_assert_rc "$3: kill of restored container" 0
        sl_run sl_docker wait "$running"
        sl_assert_out "$3: wait on restored container" 137
        sl_assert_eq "$3: restored process gone" gone "$(sl_wait_for 10 sh -c "! kill -0 $2" && echo gone)"
}

# wait_pid_gone PID: the container process of the waiting container exits
# while the daemon is down; check it really did before restarting.
wait_pid_gone() {
        sl_wait_for 20 sh -c "! kill -0 $1 2>/dev/null"
}

# ---- SIGTERM and start again
start_set term
running_pid=$(state sl-daemon-running-term Pid)
later_pid=$(state sl-daemon-later-term Pid)
sl_daemon_stop
sl_assert_eq "SIGTERM: daemon exits without SIGKILL" 0 "$?"
sl_assert_eq "SIGTERM: daemon exit status" 0 "$SL_DAEMON_STATUS"
sl_assert_eq "SIGTERM: container process survives" alive "$(kill -0 "$running_pid" && echo alive)"
touch "$sync_dir/exit-term"
sl_assert_eq "SIGTERM: container exits while down" yes "$(wait_pid_gone "$later_pid" && echo yes)"
sl_daemon_start
check_set term "$running_pid" SIGTERM

# ---- SIGKILL and start again
start_set kill
running_pid=$(state sl-daemon-running-kill Pid)
later_pid=$(state sl-daemon-later-kill Pid)
sl_daemon_kill
sl_assert_eq "SIGKILL: container process survives" alive "$(kill -0 "$running_pid" && echo alive)"
touch "$sync_dir/exit-kill"
sl_assert_eq "SIGKILL: container exits while down" yes "$(wait_pid_gone "$later_pid" && echo yes)"
sl_daemon_start
check_set kill "$running_pid" SIGKILL

# ---- the restarted daemon runs new containers and keeps its images
sl_run sl_docker run --rm "$busybox" echo fresh
sl_assert_out "run after restarts" fresh
sl_assert_eq "image kept across restarts" "$busybox" \
        "$(sl_docker images --format '{{.Repository}}:{{.Tag}}')"
sl_run sl_docker ps -a --format '{{.Names}}'
sl_assert_eq "all containers kept across restarts" 6 "$(wc -l <<<"$SL_OUT")"

# ---- a restart with no change in between keeps everything
sl_docker run -d --name sl-daemon-quiet "$busybox" sleep 1000 >/dev/null
quiet_pid=$(state sl-daemon-quiet Pid)
# shellcheck disable=SC2119 # no --kill: a plain SIGTERM restart
sl_daemon_restart
sl_assert_eq "plain restart keeps Pid" "$quiet_pid" "$(state sl-daemon-quiet Pid)"
sl_check "stop after plain restart" sl_docker stop -t 1 sl-daemon-quiet
sl_assert_eq "stopped after plain restart" exited "$(state sl-daemon-quiet Status)"

# ---- the API socket: mode 0660, group docker when that group exists
sl_assert_eq "socket mode" 660 "$(stat -c %a "$SL_SOCK")"
if getent group docker >/dev/null; then
        sl_assert_eq "socket group" docker "$(stat -c %G "$SL_SOCK")"
else
        sl_assert_eq "socket group" root "$(stat -c %G "$SL_SOCK")"
fi

# ---- SIGHUP reloads daemon.json (labels are among the reloadable keys)
python3 - "$SL_CONFIG" <<'PY'
import json, sys
path = sys.argv[1]
with open(path) as f:
    config = json.load(f)
config["labels"] = ["sl.reload=applied"]
with open(path, "w") as f:
    json.dump(config, f)
PY
kill -HUP "$SL_DAEMON_PID"
reloaded() {
        [ "$(sl_docker info --format '{{json .Labels}}')" = '["sl.reload=applied"]' ]
}
sl_assert_eq "SIGHUP applies new labels" yes "$(sl_wait_for 10 reloaded && echo yes)"
sl_assert_eq "SIGHUP keeps the daemon" alive "$(kill -0 "$SL_DAEMON_PID" && echo alive)"

sl_done
