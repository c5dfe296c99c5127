#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Container lifecycle: stop with a timeout and with the image's stop
# signal, kill with a signal, restart, rm -f, wait, the State fields of
# docker inspect, container prune, and IDs by prefix and name.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox layers

busybox=sockerless-test/busybox:1.35
layers=sockerless-test/layers:1
sync_dir=$SL_TMP/sync
mkdir -p "$sync_dir"

state() {
        sl_docker inspect -f "{{.State.$2}}" "$1"
}

logs_contain() {
        timeout 10 docker logs "$1" 2>&1 | grep -qx "$2"
}

# ---- docker stop: a shell that ignores SIGTERM is killed after -t
sl_docker run -d --name sl-life-stubborn "$busybox" sh -c \
        'trap "echo ignored" TERM; echo ready; while true; do sleep 0.2; done' >/dev/null
sl_wait_for 20 logs_contain sl-life-stubborn ready
start=$SECONDS
sl_run sl_docker stop -t 2 sl-life-stubborn
elapsed=$((SECONDS - start))
sl_assert_rc "stop of SIGTERM-ignoring shell" 0
sl_assert_out "stop prints the name" sl-life-stubborn
sl_assert_match "stop waits the timeout" '^[2-9]$' "$elapsed"
sl_assert_eq "stop after timeout exit code 137" 137 "$(state sl-life-stubborn ExitCode)"
sl_assert_eq "stop after timeout status" exited "$(state sl-life-stubborn Status)"
sl_assert_eq "SIGTERM reached the shell" yes \
        "$(logs_contain sl-life-stubborn ignored && echo yes || echo no)"

# ---- docker stop uses the image's STOPSIGNAL (SIGUSR1 in the layers image)
sl_docker run -d --name sl-life-stopsignal -u 0 "$layers" \
        'trap "echo got-usr1; exit 0" USR1; echo ready; while true; do sleep 0.2; done' >/dev/null
sl_wait_for 20 logs_contain sl-life-stopsignal ready
sl_run sl_docker stop -t 20 sl-life-stopsignal
sl_assert_eq "stop sends image STOPSIGNAL" yes \
        "$(logs_contain sl-life-stopsignal got-usr1 && echo yes || echo no)"
sl_assert_eq "stop with handled signal exit code" 0 "$(state sl-life-stopsignal ExitCode)"

# ---- docker kill -s USR1 delivers without stopping; plain kill is SIGKILL
sl_docker run -d --name sl-life-kill "$busybox" sh -c \
        'trap "echo usr1" USR1; echo ready; while true; do sleep 0.2; done' >/dev/null
sl_wait_for 20 logs_contain sl-life-kill ready
sl_check "kill -s USR1" sl_docker kill -s USR1 sl-life-kill
sl_assert_eq "USR1 handled in container" yes \
        "$(sl_wait_for 20 logs_contain sl-life-kill usr1 && echo yes || echo no)"
sl_assert_eq "still running after USR1" true "$(state sl-life-kill Running)"
sl_check "kill -s SIGUSR1 form" sl_docker kill -s SIGUSR1 sl-life-kill
sl_check "kill" sl_docker kill sl-life-kill
sl_wait_for 20 sh -c '! docker inspect -f {{.State.Running}} sl-life-kill | grep -q true'
sl_assert_eq "kill exit code 137" 137 "$(state sl-life-kill ExitCode)"
sl_run sl_docker kill sl-life-kill
sl_assert_rc "kill of stopped container fails" 1
sl_assert_contains "kill of stopped container message" "is not running" "$SL_ERR"
sl_run sl_docker kill -s SL-NOSIG sl-life-stubborn
sl_assert_rc "kill with invalid signal fails" 1

# ---- docker restart
sl_docker run -d --name sl-life-restart "$busybox" sh -c 'echo started; sleep 1000' >/dev/null
sl_wait_for 20 logs_contain sl-life-restart started
first_pid=$(state sl-life-restart Pid)
first_start=$(state sl-life-restart StartedAt)
sl_check "restart" sl_docker restart -t 1 sl-life-restart
sl_assert_eq "running after restart" true "$(state sl-life-restart Running)"
sl_assert_ne "new Pid after restart" "$first_pid" "$(state sl-life-restart Pid)"
sl_assert_ne "new StartedAt after restart" "$first_start" "$(state sl-life-restart StartedAt)"
sl_wait_for 20 sh -c '[ "$(docker logs sl-life-restart | grep -c started)" = 2 ]'
sl_assert_eq "restart keeps earlier logs" 2 "$(sl_docker logs sl-life-restart | grep -c started)"
sl_docker stop -t 1 sl-life-restart >/dev/null
sl_check "restart of stopped container" sl_docker restart -t 1 sl-life-restart
sl_assert_eq "restart starts a stopped container" true "$(state sl-life-restart Running)"

# ---- docker rm: refused while running, -f kills
pid=$(state sl-life-restart Pid)
sl_run sl_docker rm sl-life-restart
sl_assert_rc "rm of running container fails" 1
sl_assert_contains "rm of running container message" "You cannot remove a running container" "$SL_ERR"
sl_api DELETE /containers/sl-life-restart
sl_assert_eq "rm of running container is 409" 409 "$SL_API_STATUS"
sl_run sl_docker rm -f sl-life-restart
sl_assert_rc "rm -f of running container" 0
sl_run sl_docker inspect sl-life-restart
sl_assert_rc "rm -f removed it" 1
sl_assert_eq "rm -f killed the process" gone "$(sl_wait_for 10 sh -c "! kill -0 $pid" && echo gone)"
sl_run sl_docker rm sl-life-missing
sl_assert_contains "rm of missing container message" "No such container: sl-life-missing" "$SL_ERR"

# ---- docker wait
sl_docker run -d --name sl-life-wait -v "$sync_dir:/sync" "$busybox" sh -c \
        'until [ -e /sync/exit ]; do sleep 0.1; done; exit 42' >/dev/null
sl_docker wait sl-life-wait >"$SL_TMP/wait.out" &
wait_pid=$!
sleep 0.5
sl_assert_eq "wait blocks while running" yes "$(kill -0 "$wait_pid" 2>/dev/null && echo yes)"
touch "$sync_dir/exit"
wait "$wait_pid"
sl_assert_eq "wait prints the exit code" 42 "$(cat "$SL_TMP/wait.out")"
sl_run sl_docker wait sl-life-wait
sl_assert_out "wait on exited container returns at once" 42

# ---- State fields of docker inspect
zero_time=0001-01-01T00:00:00Z
rfc3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$'
sl_docker create --name sl-life-created "$busybox" true >/dev/null
sl_assert_eq "created: Status" created "$(state sl-life-created Status)"
sl_assert_eq "created: Running" false "$(state sl-life-created Running)"
sl_assert_eq "created: Pid" 0 "$(state sl-life-created Pid)"
sl_assert_eq "created: StartedAt" "$zero_time" "$(state sl-life-created StartedAt)"
sl_assert_eq "created: FinishedAt" "$zero_time" "$(state sl-life-created FinishedAt)"

sl_docker run -d --name sl-life-running "$busybox" sleep 1000 >/dev/null
sl_assert_eq "running: Status" running "$(state sl-life-running Status)"
sl_assert_eq "running: Running" true "$(state sl-life-running Running)"
pid=$(state sl-life-running Pid)
sl_assert_match "running: Pid" '^[1-9][0-9]*$' "$pid"
sl_assert_eq "running: Pid is the process" sleep "$(cat "/proc/$pid/comm" 2>&1)"
sl_assert_eq "running: ExitCode" 0 "$(state sl-life-running ExitCode)"
sl_assert_eq "running: Error" "" "$(state sl-life-running Error)"
sl_assert_match "running: StartedAt" "$rfc3339" "$(state sl-life-running StartedAt)"
sl_assert_eq "running: FinishedAt" "$zero_time" "$(state sl-life-running FinishedAt)"
sl_assert_eq "running: OOMKilled" false "$(state sl-life-running OOMKilled)"
sl_assert_eq "running: Paused" false "$(state sl-life-running Paused)"
sl_assert_eq "running: Restarting" false "$(state sl-life-running Restarting)"
sl_assert_eq "running: Dead" false "$(state sl-life-running Dead)"

# dockerd 20.10 may record a FinishedAt a millisecond before StartedAt for
# a process that exits at once, so this one lives a little.
sl_docker run --name sl-life-exited "$busybox" sh -c 'sleep 0.2; exit 3' >/dev/null
sl_assert_eq "exited: Status" exited "$(state sl-life-exited Status)"
sl_assert_eq "exited: Running" false "$(state sl-life-exited Running)"
sl_assert_eq "exited: Pid" 0 "$(state sl-life-exited Pid)"
sl_assert_eq "exited: ExitCode" 3 "$(state sl-life-exited ExitCode)"
sl_assert_match "exited: FinishedAt" "$rfc3339" "$(state sl-life-exited FinishedAt)"
started=$(state sl-life-exited StartedAt)
finished=$(state sl-life-exited FinishedAt)
if [ "$(date -d "$finished" +%s%N)" -ge "$(date -d "$started" +%s%N)" ]; then
        sl_ok "exited: FinishedAt not before StartedAt"
else
        sl_not_ok "exited: FinishedAt not before StartedAt" "StartedAt:  $started" "FinishedAt: $finished"
fi

sl_docker create --name sl-life-badcmd "$busybox" sl-no-such-command >/dev/null
sl_run sl_docker start sl-life-badcmd
sl_assert_rc "start of missing command fails" 1
sl_assert_contains "start error names the command" 'exec: "sl-no-such-command": executable file not found' "$SL_ERR"
sl_assert_eq "failed start: ExitCode" 127 "$(state sl-life-badcmd ExitCode)"
sl_assert_contains "failed start: Error" "executable file not found" "$(state sl-life-badcmd Error)"
sl_assert_eq "failed start: not running" false "$(state sl-life-badcmd Running)"

# ---- IDs: full, unique prefix, name, ambiguous prefix
full=$(sl_docker inspect -f '{{.Id}}' sl-life-running)
sl_assert_match "ID is 64 hex digits" '^[0-9a-f]{64}$' "$full"
sl_assert_eq "by full ID" /sl-life-running "$(sl_docker inspect -f '{{.Name}}' "$full")"
sl_assert_eq "by 12-digit prefix" /sl-life-running "$(sl_docker inspect -f '{{.Name}}' "${full:0:12}")"
sl_assert_eq "by name" "$full" "$(sl_docker inspect -f '{{.Id}}' sl-life-running)"
# With 17 containers two IDs must share a first hex digit.
for _ in $(seq 17); do
        sl_docker create "$busybox" true >/dev/null
done
prefix=$(sl_docker ps -aq --no-trunc | cut -c1 | sort | uniq -d | head -n 1)
sl_api GET "/containers/$prefix/json"
sl_assert_match "ambiguous prefix fails" '^(400|500)$' "$SL_API_STATUS"
sl_assert_eq "ambiguous prefix message" "Multiple IDs found with provided prefix: $prefix" \
        "$(jq -r .message <<<"$SL_API_BODY")"

# ---- docker container prune keeps running containers
running_id=$(sl_docker inspect -f '{{.Id}}' sl-life-running)
stopped=$(sl_docker ps -aq --no-trunc --filter status=exited --filter status=created | sort)
sl_run sl_docker container prune -f
sl_assert_rc "container prune" 0
sl_assert_contains "prune lists deleted containers" "Deleted Containers:" "$SL_OUT"
sl_assert_eq "prune deleted every stopped container" "$stopped" \
        "$(grep -E '^[0-9a-f]{64}$' <<<"$SL_OUT" | sort)"
sl_assert_eq "prune kept the running container" "$running_id" "$(sl_docker ps -aq --no-trunc)"

sl_done
