#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What survives the daemon: live restore, restart policies at daemon start,
# hard reboots and crashes. Each case gets a daemon of its own
# (rl_case), as in moby's restart tests.
#
#   - moby's matrix: {live restore on, off} x {SIGKILL, SIGTERM} x {no
#     policy, always, always with a health check, created only},
#     asserting which containers run after the daemon starts again (and
#     that health checks go on, when the daemon has them),
#   - live restore: logs written while the daemon was down, logs -f,
#     attach, wait and stop of restored containers, and a container whose
#     monitor vanished (exit 255, a fresh FinishedAt, then its policy),
#   - restart policies at daemon start, after a clean stop and a SIGKILL,
#   - a hard reboot: state files that record "running" with no process,
#   - crash safety: the daemon killed at each crash point of create,
#     start, stop and rm (sockerlessd's --crash-at), then started again.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/restart-lib.sh"
sl_require_tools jq
sl_setup

busybox=$RL_BUSYBOX

# stop_daemon kill|stop: SIGKILL or SIGTERM.
stop_daemon() {
        if [ "$1" = kill ]; then
                sl_daemon_kill
        else
                sl_daemon_stop
        fi
}

# settled_running CONTAINER EXPECTED: State.Running, read once it is
# EXPECTED or, for false, after a moment in which a restart would show.
settled_running() {
        if [ "$2" = true ]; then
                rl_wait_status 10 "$1" running || true
        else
                sleep 0.5
        fi
        rl_state "$1" '{{.State.Running}}'
}

# probed_since CONTAINER TIME: true when the last health check of the
# container started at or after TIME (seconds since the epoch).
probed_since() {
        local start
        start=$(sl_docker inspect -f '{{json .State.Health}}' "$1" 2>/dev/null | jq -r '.Log[-1].Start // empty')
        [ -n "$start" ] && [ "$(date -d "$start" +%s)" -ge "$2" ]
}

# pids_gone PID...: true when none of the processes exists.
pids_gone() {
        local pid
        for pid in "$@"; do
                ! kill -0 "$pid" 2>/dev/null || return 1
        done
}

# ---------------------------------------------------------------- matrix
# moby's TestDaemonRestartKillContainers: which containers run after the
# daemon comes back. Without live restore the daemon stops its containers
# at shutdown, or at its next start after a SIGKILL.
for live in true false; do
        for how in kill stop; do
                for kind in none always health created; do
                        name=sl-lr-$kind
                        rl_case "matrix-$live-$how-$kind" "$live"
                        case $kind in
                        none) sl_docker run -d --name "$name" "$busybox" top >/dev/null ;;
                        always) sl_docker run -d --name "$name" --restart always "$busybox" top >/dev/null ;;
                        health)
                                if ! sl_docker run -d --name "$name" --restart always --health-cmd true \
                                        --health-interval 1s "$busybox" top >/dev/null 2>&1; then
                                        sl_skip "live-restore=$live/$kind/$how" "health checks are not implemented"
                                        continue
                                fi
                                ;;
                        created) sl_docker create --name "$name" --restart always "$busybox" top >/dev/null ;;
                        esac
                        pid=$(rl_state "$name" '{{.State.Pid}}')
                        stop_daemon "$how"
                        if [ "$live" = false ] && [ "$how" = stop ] && [ "$pid" != 0 ]; then
                                sl_assert_eq "live-restore=false/$kind/$how: stopped with the daemon" gone \
                                        "$(sl_pid_alive "$pid" || echo gone)"
                        fi
                        sl_daemon_start
                        expected=false
                        case $kind:$live in
                        none:true | always:* | health:*) expected=true ;;
                        esac
                        started=$(date +%s)
                        sl_assert_eq "live-restore=$live/$kind/$how: running" "$expected" \
                                "$(settled_running "$name" "$expected")"
                        if [ "$kind:$live" = none:true ]; then
                                sl_assert_eq "live-restore=$live/$kind/$how: same process" "$pid" \
                                        "$(rl_state "$name" '{{.State.Pid}}')"
                        fi
                        if [ "$kind" = created ]; then
                                sl_assert_eq "live-restore=$live/$kind/$how: still created" created "$(rl_status "$name")"
                        fi
                        # dockerd 20.10 does not probe a live-restored container again.
                        if [ "$kind" = health ] && sl_engine_is dockerd && [ "$live" = true ]; then
                                sl_skip "live-restore=$live/$kind/$how: probes again" "dockerd 20.10 does not"
                        elif [ "$kind" = health ]; then
                                sl_assert_eq "live-restore=$live/$kind/$how: probes again" yes \
                                        "$(sl_wait_for 30 probed_since "$name" "$started" && echo yes)"
                        fi
                done
        done
done

# ---------------------------------------------------------------- live restore
rl_case live
sync_dir=$SL_TMP/sync
mkdir -p "$sync_dir"
# Under --userns-remap the containers' root must be able to write there.
sl_remap_chown "$sync_dir"
sl_docker run -d --name sl-lr-logger "$busybox" \
        sh -c 'i=0; while :; do echo "line $i"; i=$((i + 1)); sleep 0.05; done' >/dev/null
sl_docker run -d --name sl-lr-local-logger --log-driver local "$busybox" \
        sh -c 'i=0; while :; do echo "line $i"; i=$((i + 1)); sleep 0.05; done' >/dev/null
sl_docker run -d -i --name sl-lr-reader "$busybox" sh -c 'read line; echo "got $line"' >/dev/null
sl_docker run -d --name sl-lr-waiter -v "$sync_dir:/sync" "$busybox" \
        sh -c 'until [ -e /sync/exit-waiter ]; do sleep 0.1; done; exit 7' >/dev/null
sl_docker run -d --name sl-lr-sleeper "$busybox" sleep 1000 >/dev/null
sl_docker run -d --name sl-lr-vanish "$busybox" sleep 1000 >/dev/null
sl_docker run -d --name sl-lr-vanish-policy --restart on-failure -v "$sync_dir:/sync" "$busybox" \
        sh -c 'echo start >>/sync/vanish-starts; exec sleep 1000' >/dev/null
sl_docker run -d --name sl-lr-down-exit --restart on-failure -v "$sync_dir:/sync" "$busybox" \
        sh -c 'if [ -e /sync/down-ran ]; then exec sleep 1000; fi; touch /sync/down-ran
               until [ -e /sync/exit-down ]; do sleep 0.1; done; exit 3' >/dev/null
sleep 0.5

monitor_pid() {
        cat "$SL_EXEC/containers/$(rl_state "$1" '{{.Id}}')/monitor.pid" 2>/dev/null
}
vanish_pids="$(rl_state sl-lr-vanish '{{.State.Pid}}') $(rl_state sl-lr-vanish-policy '{{.State.Pid}}')"
sl_engine_is sockerlessd && vanish_pids="$vanish_pids $(monitor_pid sl-lr-vanish) $(monitor_pid sl-lr-vanish-policy)"

sl_daemon_kill
touch "$sync_dir/exit-down"
sleep 1
if sl_engine_is sockerlessd; then
        # The monitors and their containers vanish, as in a crash of both.
        # shellcheck disable=SC2086 # one PID per word
        kill -KILL $vanish_pids
        # shellcheck disable=SC2086 # one PID per word
        sl_wait_for 10 pids_gone $vanish_pids
fi
restart_time=$(date +%s)
sl_daemon_start

# No line is lost: the monitor kept writing the log while the daemon was down.
sl_run sl_docker logs sl-lr-logger
last=$(tail -n 1 <<<"$SL_OUT")
last=${last#line }
expected_lines=$(seq 0 "$last" | sed 's/^/line /')
sl_assert_eq "logs written while down are all there" yes "$([ "$SL_OUT" = "$expected_lines" ] && echo yes)"
sl_assert_eq "logs cover the time the daemon was down" yes "$([ "$last" -ge 20 ] && echo yes)"
sl_run timeout 3 docker logs -f --since 0 --tail 1 sl-lr-logger
sl_assert_match "logs -f follows a restored container" "^line [0-9]+.*line [0-9]+" "$(tr '\n' ' ' <<<"$SL_OUT")"
# The same for the local driver's records.
sl_run sl_docker logs sl-lr-local-logger
last=$(tail -n 1 <<<"$SL_OUT")
last=${last#line }
expected_lines=$(seq 0 "$last" | sed 's/^/line /')
sl_assert_eq "local logs written while down are all there" yes "$([ "$SL_OUT" = "$expected_lines" ] && echo yes)"
sl_assert_eq "local logs cover the time the daemon was down" yes "$([ "$last" -ge 20 ] && echo yes)"
sl_run timeout 3 docker logs -f --tail 1 sl-lr-local-logger
sl_assert_match "local logs -f follows a restored container" "^line [0-9]+.*line [0-9]+" \
        "$(tr '\n' ' ' <<<"$SL_OUT")"

sl_run sh -c '(echo hello; sleep 2) | timeout 60 docker attach sl-lr-reader'
sl_assert_out "attach to a restored container" "got hello"

sl_docker wait sl-lr-waiter >"$SL_TMP/wait.out" 2>&1 &
wait_pid=$!
sleep 0.5
touch "$sync_dir/exit-waiter"
wait "$wait_pid"
sl_assert_eq "wait on a restored container" 7 "$(cat "$SL_TMP/wait.out")"

sl_check "stop of a restored container" sl_docker stop -t 1 sl-lr-sleeper
sl_assert_eq "stopped" exited "$(rl_status sl-lr-sleeper)"

sl_assert_eq "exit while down, restarted by on-failure" running "$(rl_status sl-lr-down-exit)"
sl_assert_eq "RestartCount after a start by the daemon" 0 "$(rl_state sl-lr-down-exit '{{.RestartCount}}')"

if sl_engine_is sockerlessd; then
        sl_assert_eq "vanished monitor: exit code 255" exited:255 \
                "$(rl_state sl-lr-vanish '{{.State.Status}}:{{.State.ExitCode}}')"
        finished=$(date -d "$(rl_state sl-lr-vanish '{{.State.FinishedAt}}')" +%s)
        sl_assert_eq "vanished monitor: fresh FinishedAt" yes "$([ "$finished" -ge "$restart_time" ] && echo yes)"
        sl_assert_eq "vanished monitor: on-failure restarts" running "$(rl_status sl-lr-vanish-policy)"
        sl_assert_eq "vanished monitor: started again" 2 "$(wc -l <"$sync_dir/vanish-starts")"
else
        sl_skip "vanished monitor" "dockerd has no monitor to kill"
fi

# ---------------------------------------------------------------- policies at daemon start
# boot_policy_case LIVE HOW: what dockerd 20.10 starts again, and what
# not, after a SIGTERM or SIGKILL of the daemon.
boot_policy_case() {
        local live=$1 how=$2 label="boot policies, live-restore=$1, $2"
        rl_case "boot-$live-$how" "$live"
        sl_docker run -d --name sl-lr-always-stopped --restart always "$busybox" sleep 1000 >/dev/null
        sl_docker run -d --name sl-lr-unless-stopped --restart unless-stopped "$busybox" sleep 1000 >/dev/null
        sl_docker run -d --name sl-lr-unless-running --restart unless-stopped "$busybox" sleep 1000 >/dev/null
        sl_docker run -d --name sl-lr-failure-stopped --restart on-failure "$busybox" sleep 1000 >/dev/null
        sl_docker run -d --name sl-lr-failure-ok --restart on-failure "$busybox" true >/dev/null
        sl_docker run -d --name sl-lr-failure-spent --restart on-failure:1 "$busybox" sh -c 'exit 3' >/dev/null
        sl_docker create --name sl-lr-rm-created --rm "$busybox" true >/dev/null
        sl_docker stop -t 1 sl-lr-always-stopped sl-lr-unless-stopped sl-lr-failure-stopped >/dev/null
        rl_wait_restarts 20 sl-lr-failure-spent 1
        rl_wait_status 20 sl-lr-failure-spent exited
        rl_wait_status 20 sl-lr-failure-ok exited
        stop_daemon "$how"
        sl_daemon_start

        sl_assert_eq "$label: always, stopped by the user" running "$(rl_status sl-lr-always-stopped)"
        sl_assert_eq "$label: always, RestartCount" 0 "$(rl_state sl-lr-always-stopped '{{.RestartCount}}')"
        sl_assert_eq "$label: unless-stopped, stopped by the user" exited "$(rl_status sl-lr-unless-stopped)"
        # dockerd 20.10 stops such a container at its start without live
        # restore as if a user had; Sockerless starts it again.
        if sl_engine_is dockerd && [ "$live:$how" = false:kill ]; then
                sl_assert_eq "$label: unless-stopped, running" exited "$(rl_status sl-lr-unless-running)"
        else
                sl_assert_eq "$label: unless-stopped, running" running "$(rl_status sl-lr-unless-running)"
        fi
        # As dockerd, on-failure counts the 137 of a user's stop as a failure.
        sl_assert_eq "$label: on-failure, stopped by the user" running "$(rl_status sl-lr-failure-stopped)"
        sl_assert_eq "$label: on-failure, exit 0" exited "$(rl_status sl-lr-failure-ok)"
        sl_assert_eq "$label: on-failure:1, retries spent" exited:1 \
                "$(rl_state sl-lr-failure-spent '{{.State.Status}}:{{.RestartCount}}')"
        sl_assert_eq "$label: --rm, created" gone "$(rl_status sl-lr-rm-created)"
}
boot_policy_case false stop
boot_policy_case false kill
boot_policy_case true kill

# ---------------------------------------------------------------- hard reboot
# The daemon is stopped, every container process and monitor is gone and
# the exec root is empty, as after a power cut. The state files still
# record "running".
rl_case reboot
reboot_dir=$SL_TMP/reboot
mkdir -p "$reboot_dir"
sl_remap_chown "$reboot_dir"
sl_docker run -d --name sl-lr-reboot-plain "$busybox" sleep 1000 >/dev/null
sl_docker run -d --name sl-lr-reboot-policy --restart on-failure -v "$reboot_dir:/sync" "$busybox" \
        sh -c 'echo start >>/sync/starts; exec sleep 1000' >/dev/null
sl_docker create --name sl-lr-reboot-edited "$busybox" sleep 1000 >/dev/null
edited_id=$(rl_state sl-lr-reboot-edited '{{.Id}}')
sl_docker run -d --name sl-lr-reboot-empty "$busybox" sleep 1000 >/dev/null
empty_id=$(rl_state sl-lr-reboot-empty '{{.Id}}')
reboot_pids="$(rl_state sl-lr-reboot-plain '{{.State.Pid}}') $(rl_state sl-lr-reboot-policy '{{.State.Pid}}')"
reboot_pids="$reboot_pids $(rl_state sl-lr-reboot-empty '{{.State.Pid}}')"
sl_daemon_stop
if sl_engine_is sockerlessd; then
        reboot_pids="$reboot_pids $(cat "$SL_EXEC"/containers/*/monitor.pid)"
        # shellcheck disable=SC2086 # one PID per word
        kill -KILL $reboot_pids
        # shellcheck disable=SC2086 # one PID per word
        sl_wait_for 10 pids_gone $reboot_pids
        rm -rf "${SL_EXEC:?}"/containers/*
        # A created container whose state file records a run, with a process
        # that no longer exists.
        # A remapping daemon keeps its state under <uid>.<gid>/, as dockerd does.
        data_dir=$SL_DATA
        sl_remapped && data_dir=$SL_DATA/$(sl_remap_root | tr : .)
        "$SL_PYTHON" - "$data_dir/containers/$edited_id/state.json" <<'EOF'
import json, sys
path = sys.argv[1]
with open(path) as f:
    state = json.load(f)
state.update(Status="running", Pid=999999, StartedAt="2020-01-01T00:00:00Z")
with open(path, "w") as f:
    json.dump(state, f)
EOF
        # state.json is not synced, so a power cut can leave it empty.
        : >"$data_dir/containers/$empty_id/state.json"
        reboot_time=$(date +%s)
        sl_daemon_start
        sl_assert_eq "hard reboot: no policy, exit 255" exited:255 \
                "$(rl_state sl-lr-reboot-plain '{{.State.Status}}:{{.State.ExitCode}}')"
        finished=$(date -d "$(rl_state sl-lr-reboot-plain '{{.State.FinishedAt}}')" +%s)
        sl_assert_eq "hard reboot: fresh FinishedAt" yes "$([ "$finished" -ge "$reboot_time" ] && echo yes)"
        sl_assert_eq "hard reboot: on-failure restarts" running "$(rl_status sl-lr-reboot-policy)"
        sl_assert_eq "hard reboot: started again" 2 "$(wc -l <"$reboot_dir/starts")"
        sl_assert_eq "edited state: exit 255" exited:255 \
                "$(rl_state sl-lr-reboot-edited '{{.State.Status}}:{{.State.ExitCode}}')"
        sl_assert_eq "empty state: exit 255" exited:255 \
                "$(rl_state sl-lr-reboot-empty '{{.State.Status}}:{{.State.ExitCode}}')"
        sl_check "empty state: it starts" sl_docker start sl-lr-reboot-empty
        sl_assert_eq "empty state: running" running "$(rl_status sl-lr-reboot-empty)"
else
        sl_daemon_start
        sl_skip "hard reboot" "the test edits Sockerless' state files"
fi

# ---------------------------------------------------------------- crash points
# crash_case POINT SETUP ACTION: a daemon that kills itself at POINT
# while it runs ACTION (after SETUP), then a daemon started normally.
crash_case() {
        local point=$1 setup=$2 action=$3
        SL_DAEMON_ARGS=(--crash-at "$point")
        rl_case "crash-$point"
        # shellcheck disable=SC2034 # read by lib.sh
        SL_DAEMON_ARGS=()
        eval "$setup"
        # Quiet, because bash reports the daemon's death by SIGKILL.
        {
                timeout 30 sh -c "$action" >/dev/null 2>&1
                rl_daemon_wait_exit
        } 2>/dev/null
        sl_assert_eq "$point: the daemon died there" 137 "$RL_DAEMON_EXIT"
        sl_daemon_start
        sl_run sl_docker ps -a --format '{{.Names}}'
        sl_assert_rc "$point: ps after the crash" 0
        sl_assert_eq "$point: no duplicate" "" "$(sort <<<"$SL_OUT" | uniq -d)"
        sl_assert_not_contains "$point: no unreadable container" "Skipping container" "$(cat "$SL_LOG")"
}

# container_dirs: the container directories under the data and exec roots.
container_dirs() {
        local dir
        for dir in "$SL_DATA"/containers/* "$SL_EXEC"/containers/*; do
                [ ! -e "$dir" ] || echo "$dir"
        done
}

# trash_dirs: the directories of removed containers that a thread of the
# daemon deletes after the removal returned.
trash_dirs() {
        local dir data_dir=$SL_DATA
        # A remapping daemon keeps its containers under <uid>.<gid>/.
        sl_remapped && data_dir=$SL_DATA/$(sl_remap_root | tr : .)
        for dir in "$data_dir"/containers/.removing-* "$SL_EXEC"/containers/.removing-*; do
                [ ! -e "$dir" ] || echo "$dir"
        done
}

no_trash_dirs() {
        [ -z "$(trash_dirs)" ]
}

# crash_cleanup_check POINT: the case's containers go, and nothing of them
# stays behind: processes, mounts, directories, layer holds.
crash_cleanup_check() {
        local ids
        ids=$(sl_docker ps -aq)
        # shellcheck disable=SC2086 # one ID per word
        [ -z "$ids" ] || sl_docker rm -f $ids >/dev/null
        sl_assert_eq "$1: no process left" "" "$(sl_owned_pids daemon)"
        sl_assert_eq "$1: no mount left" "" "$(rl_case_mounts)"
        sl_assert_eq "$1: no container directory left" "" "$(container_dirs)"
        sl_wait_for 10 no_trash_dirs
        sl_assert_eq "$1: no removed directory left" "" "$(trash_dirs)"
        sl_assert_eq "$1: no layer hold left" "" "$(ls "$SL_DATA/image/holds" 2>/dev/null)"
}

if sl_engine_is sockerlessd; then
        create='docker create --name sl-lr-crash '"$busybox"' sleep 1000'
        for point in create.after-dir create.before-definition; do
                crash_case "$point" : "$create"
                sl_assert_eq "$point: the create is undone" gone "$(rl_status sl-lr-crash)"
                crash_cleanup_check "$point"
        done
        for point in create.after-definition create.after-state; do
                crash_case "$point" : "$create"
                sl_assert_eq "$point: the container exists" created "$(rl_status sl-lr-crash)"
                sl_check "$point: it starts" sl_docker start sl-lr-crash
                crash_cleanup_check "$point"
        done

        created="sl_docker create --name sl-lr-crash --ipc shareable $busybox sleep 1000 >/dev/null"
        for point in start.after-bundle start.after-spawn start.after-created; do
                crash_case "$point" "$created" 'docker start sl-lr-crash'
                sl_assert_eq "$point: still created" created "$(rl_status sl-lr-crash)"
                sl_assert_eq "$point: no process of the start" "" "$(sl_owned_pids daemon)"
                sl_assert_eq "$point: its /dev/shm is unmounted" "" "$(rl_case_mounts)"
                sl_check "$point: it starts" sl_docker start sl-lr-crash
                sl_assert_eq "$point: running" running "$(rl_status sl-lr-crash)"
                crash_cleanup_check "$point"
        done

        crash_case start.after-started "$created" 'docker start sl-lr-crash'
        sl_assert_eq "start.after-started: the unrecorded start is found" running "$(rl_status sl-lr-crash)"
        pid=$(rl_state sl-lr-crash '{{.State.Pid}}')
        sl_assert_eq "start.after-started: its process" alive "$(sl_pid_alive "$pid" && echo alive)"
        sl_check "start.after-started: it stops" sl_docker stop -t 1 sl-lr-crash
        crash_cleanup_check start.after-started

        crash_case start.after-started \
                "sl_docker create --name sl-lr-crash $busybox sh -c 'sleep 0.5; exit 3' >/dev/null" \
                'docker start sl-lr-crash'
        sleep 1
        sl_assert_eq "start.after-started, ended while down: its exit" exited:3 \
                "$(rl_state sl-lr-crash '{{.State.Status}}:{{.State.ExitCode}}')"
        crash_cleanup_check "start.after-started, ended while down"

        crash_case start.after-state "$created" 'docker start sl-lr-crash'
        sl_assert_eq "start.after-state: running" running "$(rl_status sl-lr-crash)"
        crash_cleanup_check start.after-state

        running_one="sl_docker run -d --name sl-lr-crash --restart unless-stopped $busybox sleep 1000 >/dev/null"
        crash_case stop.after-mark "$running_one" 'docker stop -t 1 sl-lr-crash'
        sl_assert_eq "stop.after-mark: still running" running "$(rl_status sl-lr-crash)"
        sl_check "stop.after-mark: it stops" sl_docker stop -t 1 sl-lr-crash
        crash_cleanup_check stop.after-mark

        for point in rm.after-mark rm.after-files; do
                crash_case "$point" "$running_one" 'docker rm -f sl-lr-crash'
                sl_assert_eq "$point: the removal is finished" gone "$(rl_status sl-lr-crash)"
                crash_cleanup_check "$point"
        done

        # A daemon stopped while it deleted a removed container's files
        # leaves them under a hidden name, which the next start deletes.
        rl_case removal-leftovers
        trash_name=.removing-$(printf '%064d' 7)
        data_dir=$SL_DATA
        sl_remapped && data_dir=$SL_DATA/$(sl_remap_root | tr : .)
        mkdir -p "$data_dir/containers/$trash_name/upper/dir" "$SL_EXEC/containers/$trash_name"
        touch "$data_dir/containers/$trash_name/upper/dir/file" "$SL_EXEC/containers/$trash_name/config.json"
        sl_daemon_stop
        sl_daemon_start
        sl_assert_eq "removal leftovers: deleted at start" "" "$(trash_dirs)"
else
        sl_skip "crash points" "only sockerlessd has --crash-at"
fi

sl_done
