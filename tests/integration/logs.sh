#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker logs: stdout and stderr kept apart, -f following a running
# container until it exits, --tail, --since, --until and -t.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35
# Containers wait for files that the test creates in this bind-mounted
# directory, so that no check depends on sleeping long enough.
sync_dir=$SL_TMP/sync
mkdir -p "$sync_dir"

logs_contain() {
        timeout 10 docker logs "$1" 2>&1 | grep -qx "$2"
}

now_rfc3339() {
        date -u +%Y-%m-%dT%H:%M:%S.%NZ
}

# ---- stdout and stderr apart, and -f
sl_docker run -d --name sl-logs-streams -v "$sync_dir:/sync" "$busybox" sh -c \
        'echo out1; echo err1 >&2; until [ -e /sync/go ]; do sleep 0.1; done; echo out2; echo err2 >&2' >/dev/null
sl_wait_for 20 logs_contain sl-logs-streams err1
sl_run sl_docker logs sl-logs-streams
sl_assert_out "logs stdout only on stdout" out1
sl_assert_eq "logs stderr only on stderr" err1 "$SL_ERR"

sl_docker logs -f sl-logs-streams >"$SL_TMP/follow.out" 2>"$SL_TMP/follow.err" &
follow_pid=$!
sl_wait_for 20 grep -qx out1 "$SL_TMP/follow.out"
touch "$sync_dir/go"
sl_wait_for 30 grep -qx out2 "$SL_TMP/follow.out"
sl_assert_eq "logs -f sees later stdout" $'out1\nout2' "$(cat "$SL_TMP/follow.out")"
wait "$follow_pid"
sl_assert_eq "logs -f ends when container exits" 0 "$?"
sl_assert_eq "logs -f keeps stderr apart" $'err1\nerr2' "$(cat "$SL_TMP/follow.err")"

sl_run sl_docker logs -f sl-logs-streams
sl_assert_rc "logs -f of exited container returns" 0
sl_assert_out "logs -f of exited container prints all" $'out1\nout2'

# ---- --tail and -t
sl_docker run --name sl-logs-lines "$busybox" sh -c 'for i in 1 2 3 4 5; do echo line$i; done' >/dev/null
sl_run sl_docker logs --tail 2 sl-logs-lines
sl_assert_out "logs --tail 2" $'line4\nline5'
sl_run sl_docker logs --tail 0 sl-logs-lines
sl_assert_out "logs --tail 0" ""
sl_run sl_docker logs --tail all sl-logs-lines
sl_assert_out "logs --tail all" $'line1\nline2\nline3\nline4\nline5'
sl_run sl_docker logs --tail 10 sl-logs-lines
sl_assert_out "logs --tail beyond length" $'line1\nline2\nline3\nline4\nline5'
sl_run sl_docker logs -t --tail 1 sl-logs-lines
sl_assert_match "logs -t RFC 3339 nano prefix" \
        '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+Z line5$' "$SL_OUT"

# ---- --since and --until around a time taken between two lines
sl_docker run -d --name sl-logs-time -v "$sync_dir:/sync" "$busybox" sh -c \
        'echo early; until [ -e /sync/late ]; do sleep 0.1; done; echo late' >/dev/null
sl_wait_for 20 logs_contain sl-logs-time early
sleep 1
boundary=$(now_rfc3339)
sleep 1
touch "$sync_dir/late"
sl_wait_for 20 logs_contain sl-logs-time late
sl_run sl_docker logs --since "$boundary" sl-logs-time
sl_assert_out "logs --since RFC 3339" late
sl_run sl_docker logs --until "$boundary" sl-logs-time
sl_assert_out "logs --until RFC 3339" early
sl_run sl_docker logs --since "$(date -d "$boundary" +%s)" sl-logs-time
sl_assert_out "logs --since Unix seconds" late
sl_run sl_docker logs --since "$boundary" --until "$(now_rfc3339)" sl-logs-time
sl_assert_out "logs --since with --until" late
sl_run sl_docker logs -t --since "$boundary" sl-logs-time
timestamp=${SL_OUT%% *}
sl_assert_eq "logs -t time after --since" later "$(awk -v a="$(date -d "$timestamp" +%s.%N)" \
        -v b="$(date -d "$boundary" +%s.%N)" 'BEGIN { print (a > b) ? "later" : "not later" }')"

# ---- errors
sl_run sl_docker logs sl-logs-missing
sl_assert_rc "logs of missing container" 1
sl_assert_contains "logs of missing container message" "No such container: sl-logs-missing" "$SL_ERR"

sl_done
