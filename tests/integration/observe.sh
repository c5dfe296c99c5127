#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker top, stats, pause and unpause, rename, inspect --size, ps -s and
# container prune with filters, with their output and errors as dockerd
# gives them. For pause, also the frozen processes, stop and kill of a
# paused container, and a paused container across a daemon restart.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox
sl_require_tools jq

busybox=sockerless-test/busybox:1.35

sl_docker run -d --name sl-ob-top "$busybox" sh -c 'sleep 1000 & sleep 1000' >/dev/null || sl_bail "docker run failed"
sl_docker create --name sl-ob-created "$busybox" true >/dev/null || sl_bail "docker create failed"

# ---- docker top
sl_run sl_docker top sl-ob-top
sl_assert_rc "top succeeds" 0
sl_assert_match "top shows ps -ef titles" '^UID +PID +PPID +C +STIME +TTY +TIME +CMD' "$SL_OUT"
sl_assert_eq "top lists the container's processes" 2 "$(grep -c 'sleep 1000' <<<"$SL_OUT")"
sl_run sl_docker top sl-ob-top -o pid,comm
sl_assert_eq "top with ps options" "PID COMMAND" "$(head -n 1 <<<"$SL_OUT" | xargs)"
sl_api GET "/containers/sl-ob-top/top?ps_args=-o%20pid,args"
sl_assert_eq "top API status" 200 "$SL_API_STATUS"
sl_assert_eq "top API titles" '["PID","COMMAND"]' "$(jq -c .Titles <<<"$SL_API_BODY")"
sl_assert_eq "top API joins the command's words" "sleep 1000" "$(jq -r '.Processes[0][1]' <<<"$SL_API_BODY")"
sl_api GET "/containers/sl-ob-top/top?ps_args=-o%20pid%20-o%20user=PID"
sl_assert_eq "top rejects renaming a column to PID" 500 "$SL_API_STATUS"
sl_assert_eq "top PID rename message" 'specifying "user=PID" is not allowed' "$(jq -r .message <<<"$SL_API_BODY")"
sl_api GET "/containers/sl-ob-top/top?ps_args=-o%20comm"
sl_assert_eq "top without a PID column" "Couldn't find PID field in ps output" "$(jq -r .message <<<"$SL_API_BODY")"
sl_api GET "/containers/sl-ob-top/top?ps_args=--sl-bogus"
sl_assert_eq "top with a bad ps option status" 500 "$SL_API_STATUS"
sl_assert_match "top with a bad ps option message" '^ps: ' "$(jq -r .message <<<"$SL_API_BODY")"
sl_api GET "/containers/sl-ob-created/top"
sl_assert_eq "top of a stopped container status" 409 "$SL_API_STATUS"
sl_assert_contains "top of a stopped container message" "is not running" "$SL_API_BODY"
sl_api GET "/containers/sl-ob-nothing/top"
sl_assert_eq "top of a missing container" 404 "$SL_API_STATUS"

# ---- docker stats
sl_docker run -d --name sl-ob-stats -m 64m --pids-limit 50 "$busybox" sleep 1000 >/dev/null
sl_api GET "/containers/sl-ob-stats/stats?stream=false"
stats=$SL_API_BODY
sl_assert_eq "stats status" 200 "$SL_API_STATUS"
sl_assert_eq "stats names the container" /sl-ob-stats "$(jq -r .name <<<"$stats")"
sl_assert_eq "stats gives its ID" "$(sl_docker inspect -f '{{.Id}}' sl-ob-stats)" "$(jq -r .id <<<"$stats")"
sl_assert_eq "stats memory limit" 67108864 "$(jq -r .memory_stats.limit <<<"$stats")"
sl_assert_eq "stats memory usage" yes "$(jq -r 'if .memory_stats.usage > 0 then "yes" else "no" end' <<<"$stats")"
sl_assert_eq "stats pids" "1 50" "$(jq -r '"\(.pids_stats.current) \(.pids_stats.limit)"' <<<"$stats")"
sl_assert_eq "stats online CPUs" "$(grep -c '^cpu[0-9]' /proc/stat)" "$(jq -r .cpu_stats.online_cpus <<<"$stats")"
sl_assert_eq "stats CPU usage" yes \
        "$(jq -r 'if .cpu_stats.cpu_usage.total_usage > 0 then "yes" else "no" end' <<<"$stats")"
sl_assert_eq "stats system CPU advances between samples" yes \
        "$(jq -r 'if .cpu_stats.system_cpu_usage > .precpu_stats.system_cpu_usage then "yes" else "no" end' <<<"$stats")"
sl_assert_ne "stats with two samples has a preread" "0001-01-01T00:00:00Z" "$(jq -r .preread <<<"$stats")"
sl_assert_eq "stats field order" \
        "read preread pids_stats blkio_stats num_procs storage_stats cpu_stats precpu_stats memory_stats name id" \
        "$(jq -r 'keys_unsorted | map(select(. != "networks")) | join(" ")' <<<"$stats")"
sl_assert_eq "stats v1 memory keys" yes \
        "$(jq -r 'if .memory_stats.stats | has("total_inactive_file") then "yes" else "no" end' <<<"$stats")"

sl_api GET "/containers/sl-ob-stats/stats?stream=false&one-shot=true"
sl_assert_eq "one-shot stats have no preread" "0001-01-01T00:00:00Z" "$(jq -r .preread <<<"$SL_API_BODY")"
sl_api GET "/containers/sl-ob-stats/stats?stream=true&one-shot=true"
sl_assert_eq "one-shot with stream status" 400 "$SL_API_STATUS"
sl_assert_eq "one-shot with stream message" "cannot have stream=true and one-shot=true" \
        "$(jq -r .message <<<"$SL_API_BODY")"
sl_api GET "/containers/sl-ob-created/stats?stream=false"
sl_assert_eq "stats of a stopped container are empty" '"0001-01-01T00:00:00Z" {}' \
        "$(jq -c '.read, .memory_stats' <<<"$SL_API_BODY" | xargs -d '\n')"
sl_assert_eq "empty stats keep the name" /sl-ob-created "$(jq -r .name <<<"$SL_API_BODY")"

# A stream sends a sample a second, and each precpu is the sample before.
samples=$(timeout 10 curl -sN --unix-socket "$SL_SOCK" "http://localhost/containers/sl-ob-stats/stats" | head -n 2)
sl_assert_eq "stats stream sends samples" 2 "$(wc -l <<<"$samples")"
sl_assert_eq "stream's preread is the previous read" "$(sed -n 1p <<<"$samples" | jq -r .read)" \
        "$(sed -n 2p <<<"$samples" | jq -r .preread)"

sl_run sl_docker stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' sl-ob-stats
sl_assert_match "docker stats --no-stream" '^sl-ob-stats [0-9.]+[KMG]?i?B / 64MiB 1$' "$SL_OUT"

# ---- docker pause and unpause
sl_docker run -d --name sl-ob-p "$busybox" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done' \
        >/dev/null
pid=$(sl_docker inspect -f '{{.State.Pid}}' sl-ob-p)
counter() {
        cat "/proc/$pid/root/tmp/count" 2>/dev/null
}
counting() {
        local first
        first=$(counter)
        sleep 0.5
        [ "$(counter)" != "$first" ]
}
sl_check "pause" sl_docker pause sl-ob-p
sl_run sl_docker inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Paused}}' sl-ob-p
sl_assert_out "paused state" "paused true true"
sl_run sl_docker ps --filter name=sl-ob-p --format '{{.Status}}'
sl_assert_match "ps shows paused" '\(Paused\)$' "$SL_OUT"
sl_assert_eq "a paused container's processes stand still" no "$(counting && echo yes || echo no)"
sl_run sl_docker pause sl-ob-p
sl_assert_contains "pause of a paused container" "is already paused" "$SL_ERR"
sl_api POST /containers/sl-ob-p/pause
sl_assert_eq "pause of a paused container status" 409 "$SL_API_STATUS"
sl_api POST /containers/sl-ob-p/start
sl_assert_eq "start of a paused container status" 409 "$SL_API_STATUS"
sl_assert_eq "start of a paused container message" "cannot start a paused container, try unpause instead" \
        "$(jq -r .message <<<"$SL_API_BODY")"
sl_run sl_docker rm sl-ob-p
sl_assert_contains "rm of a paused container" "You cannot remove a paused container" "$SL_ERR"
sl_run sl_docker exec sl-ob-p true
sl_assert_contains "exec in a paused container" "is paused, unpause the container before exec" "$SL_ERR"

# A paused container stays paused while the daemon restarts (live restore).
sl_daemon_restart
sl_run sl_docker inspect -f '{{.State.Status}}' sl-ob-p
sl_assert_out "paused across a daemon restart" paused
sl_assert_eq "still frozen after a daemon restart" no "$(counting && echo yes || echo no)"

sl_check "unpause" sl_docker unpause sl-ob-p
sl_run sl_docker inspect -f '{{.State.Status}} {{.State.Paused}}' sl-ob-p
sl_assert_out "unpaused state" "running false"
sl_assert_eq "an unpaused container's processes run" yes "$(sl_wait_for 10 counting && echo yes)"
sl_api POST /containers/sl-ob-p/unpause
sl_assert_eq "unpause of a running container status" 500 "$SL_API_STATUS"
sl_assert_contains "unpause of a running container message" "is not paused" "$SL_API_BODY"
sl_api POST /containers/sl-ob-created/pause
sl_assert_eq "pause of a stopped container status" 409 "$SL_API_STATUS"
sl_assert_contains "pause of a stopped container message" "is not running" "$SL_API_BODY"
sl_api POST /containers/sl-ob-nothing/pause
sl_assert_eq "pause of a missing container" 404 "$SL_API_STATUS"

# stop and rm -f of a paused container end it.
sl_docker pause sl-ob-p >/dev/null
sl_check "stop a paused container" sl_docker stop -t 1 sl-ob-p
sl_run sl_docker inspect -f '{{.State.Status}}' sl-ob-p
sl_assert_out "stopped after pause" exited
sl_docker start sl-ob-p >/dev/null
sl_docker pause sl-ob-p >/dev/null
sl_check "rm -f a paused container" sl_docker rm -f sl-ob-p

# ---- docker rename
# Of a container that does not run: dockerd 20.10 without a bridge
# network fails to rename a running one ("sandbox ... not found").
sl_docker create --name sl-ob "$busybox" true >/dev/null
sl_check "rename" sl_docker rename sl-ob sl-ob-renamed
sl_run sl_docker ps -a --filter id="$(sl_docker inspect -f '{{.Id}}' sl-ob-renamed)" --format '{{.Names}}'
sl_assert_out "ps shows the new name" sl-ob-renamed
sl_run sl_docker inspect -f '{{.Name}}' sl-ob-renamed
sl_assert_out "inspect shows the new name" /sl-ob-renamed
sl_run sl_docker inspect sl-ob
sl_assert_rc "old name is free" 1
sl_api POST "/containers/sl-ob-renamed/rename?name=sl-ob-created"
sl_assert_eq "rename to a name in use status" 409 "$SL_API_STATUS"
sl_assert_contains "rename to a name in use message" \
        'Error when allocating new name: Conflict. The container name \"/sl-ob-created\" is already in use' \
        "$SL_API_BODY"
sl_api POST "/containers/sl-ob-renamed/rename?name=sl-ob-renamed"
sl_assert_eq "rename to the same name" 400 "$SL_API_STATUS"
sl_api POST "/containers/sl-ob-renamed/rename?name=bad%20name"
sl_assert_eq "rename to an invalid name status" 400 "$SL_API_STATUS"
sl_assert_contains "rename to an invalid name message" "Invalid container name (/bad name)" "$SL_API_BODY"
sl_api POST "/containers/sl-ob-nothing/rename?name="
sl_assert_eq "rename to an empty name comes first" 400 "$SL_API_STATUS"
sl_api POST "/containers/sl-ob-nothing/rename?name=sl-ob-x"
sl_assert_eq "rename of a missing container" 404 "$SL_API_STATUS"
# The new name survives a daemon restart.
sl_daemon_restart
sl_run sl_docker inspect -f '{{.Name}}' sl-ob-renamed
sl_assert_out "new name after a daemon restart" /sl-ob-renamed

# ---- inspect --size and ps -s
sl_docker run --name sl-ob-size "$busybox" sh -c 'head -c 1048576 /dev/zero >/big' >/dev/null
sl_run sl_docker inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' sl-ob-size
rw=${SL_OUT% *}
root_fs=${SL_OUT#* }
sl_assert_eq "SizeRw counts the writable layer" yes "$([ "$rw" -ge 1048576 ] && echo yes)"
sl_assert_eq "SizeRootFs adds the image" yes "$([ "$root_fs" -gt "$rw" ] && echo yes)"
sl_run sl_docker inspect -f '{{.SizeRw}}' sl-ob-size
sl_assert_out "no sizes without --size" "<nil>"
sl_api GET "/containers/sl-ob-created/json?size=1"
sl_assert_eq "a new container's SizeRw is 0" 0 "$(jq -r .SizeRw <<<"$SL_API_BODY")"
sl_assert_eq "sizes follow GraphDriver" "GraphDriver SizeRw SizeRootFs Mounts" \
        "$(jq -r 'keys_unsorted | .[index("GraphDriver"):index("GraphDriver")+4] | join(" ")' <<<"$SL_API_BODY")"
sl_run sl_docker ps -a -s --filter name=sl-ob-size --format '{{.Size}}'
sl_assert_match "ps -s shows the sizes" '^1\.[0-9]+MB \(virtual [0-9.]+MB\)$' "$SL_OUT"

# ---- container prune with filters
# until takes Docker's durations and dates, in whole seconds.
sl_docker create --name sl-ob-old -l sl.age=old "$busybox" true >/dev/null
sleep 2
sl_docker create --name sl-ob-new -l sl.age=new "$busybox" true >/dev/null
sl_run sl_docker container prune -f --filter until=1h --filter label=sl.age
sl_assert_rc "prune until a duration" 0
sl_assert_eq "prune until 1h keeps newer containers" yes \
        "$(sl_docker inspect sl-ob-old sl-ob-new >/dev/null 2>&1 && echo yes)"
sl_run sl_docker container prune -f --filter until=2000-01-01 --filter label=sl.age
sl_assert_rc "prune until a date" 0
sl_run sl_docker container prune -f --filter until=1s --filter label=sl.age
sl_run sl_docker inspect sl-ob-old
sl_assert_rc "prune until 1s removes the older container" 1
sl_run sl_docker inspect sl-ob-new
sl_assert_rc "prune until 1s keeps the newer container" 0
sl_docker rm sl-ob-new >/dev/null
sl_run sl_docker container prune -f --filter until=bogus
sl_assert_rc "prune until an invalid time fails" 1
sl_assert_contains "prune until an invalid time message" 'failed to parse value as time or duration: "bogus"' \
        "$SL_ERR"
sl_docker create --name sl-ob-keep -l sl.keep=yes "$busybox" true >/dev/null
sl_docker create --name sl-ob-drop -l sl.keep=no "$busybox" true >/dev/null
sl_run sl_docker container prune -f --filter label=sl.keep=no
sl_run sl_docker inspect sl-ob-drop
sl_assert_rc "prune by label removes the match" 1
sl_run sl_docker inspect sl-ob-keep
sl_assert_rc "prune by label keeps the others" 0
sl_run sl_docker container prune -f --filter label!=sl.keep
sl_run sl_docker inspect sl-ob-keep
sl_assert_rc "prune label! keeps the labelled container" 0
sl_run sl_docker inspect sl-ob-size
sl_assert_rc "prune label! removes the others" 1
sl_run sl_docker container prune -f --filter sl-bogus=1
sl_assert_contains "prune with an unknown filter" "Invalid filter 'sl-bogus'" "$SL_ERR"

sl_done
