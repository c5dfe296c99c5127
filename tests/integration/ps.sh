#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker ps: -a, -q, -n, -l, filters on status, name, id, label, ancestor
# and exit code, and --format.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox layers

busybox=sockerless-test/busybox:1.35
layers=sockerless-test/layers:1

# Four containers in known states, created in this order.
sl_docker run --name sl-ps-exit0 -l role=batch "$busybox" true >/dev/null
sl_docker run --name sl-ps-exit3 -l role=batch "$busybox" sh -c 'exit 3' >/dev/null
sl_docker run -d --name sl-ps-running -l role=server -l tier=web "$busybox" sleep 1000 >/dev/null
sl_docker create --name sl-ps-created "$layers" >/dev/null
id_of() {
        sl_docker inspect -f '{{.Id}}' "$1"
}
running_id=$(id_of sl-ps-running)

names() {
        sl_run sl_docker ps --format '{{.Names}}' "$@"
        SL_OUT=$(sort <<<"$SL_OUT" | xargs)
}

names
sl_assert_out "ps lists running only" sl-ps-running
names -a
sl_assert_out "ps -a lists all" "sl-ps-created sl-ps-exit0 sl-ps-exit3 sl-ps-running"
sl_run sl_docker ps -q
sl_assert_out "ps -q prints short IDs" "${running_id:0:12}"
sl_run sl_docker ps -q --no-trunc
sl_assert_out "ps -q --no-trunc prints full IDs" "$running_id"
sl_run sl_docker ps -a --format '{{.Names}}'
sl_assert_out "ps -a newest first" $'sl-ps-created\nsl-ps-running\nsl-ps-exit3\nsl-ps-exit0'
sl_run sl_docker ps -n 2 --format '{{.Names}}'
sl_assert_out "ps -n 2 newest two" $'sl-ps-created\nsl-ps-running'
sl_run sl_docker ps -l --format '{{.Names}}'
sl_assert_out "ps -l latest created" sl-ps-created

names -a --filter status=exited
sl_assert_out "filter status=exited" "sl-ps-exit0 sl-ps-exit3"
names -a --filter status=running
sl_assert_out "filter status=running" sl-ps-running
names -a --filter status=created
sl_assert_out "filter status=created" sl-ps-created
names -a --filter status=exited --filter status=created
sl_assert_out "filter two statuses" "sl-ps-created sl-ps-exit0 sl-ps-exit3"
sl_run sl_docker ps -a --filter status=sl-bogus
sl_assert_rc "filter invalid status fails" 1
sl_assert_contains "filter invalid status message" "Invalid filter 'status=sl-bogus'" "$SL_ERR"

names -a --filter name=sl-ps-exit
sl_assert_out "filter name substring" "sl-ps-exit0 sl-ps-exit3"
names -a --filter 'name=^/sl-ps-exit0$'
sl_assert_out "filter name anchored regex" sl-ps-exit0
names -a --filter name=sl-ps-nothing
sl_assert_out "filter name no match" ""

names -a --filter "id=${running_id:0:12}"
sl_assert_out "filter id prefix" sl-ps-running
names -a --filter "id=$running_id"
sl_assert_out "filter full id" sl-ps-running

names -a --filter label=role=batch
sl_assert_out "filter label key=value" "sl-ps-exit0 sl-ps-exit3"
names -a --filter label=tier
sl_assert_out "filter label key" sl-ps-running
names -a --filter label=role=server --filter label=tier=web
sl_assert_out "filter two labels both match" sl-ps-running
names -a --filter label=org.example.suite=sockerless
sl_assert_out "filter label from image" sl-ps-created

names -a --filter "ancestor=$layers"
sl_assert_out "filter ancestor by tag" sl-ps-created
names -a --filter "ancestor=$busybox"
sl_assert_out "filter ancestor busybox" "sl-ps-exit0 sl-ps-exit3 sl-ps-running"
names -a --filter "ancestor=$(sl_docker image inspect -f '{{.Id}}' "$layers")"
sl_assert_out "filter ancestor by image ID" sl-ps-created

names -a --filter exited=3
sl_assert_out "filter exited=3" sl-ps-exit3
names -a --filter exited=0
sl_assert_out "filter exited=0" sl-ps-exit0

sl_run sl_docker ps -a --filter status=exited --filter name=exit3 -q
sl_assert_out "filters combine" "$(id_of sl-ps-exit3 | cut -c1-12)"

# ---- --format
sl_run sl_docker ps -a --filter name=sl-ps-exit3 --format '{{.Status}}'
sl_assert_match "format Status exited" '^Exited \(3\) .* ago$' "$SL_OUT"
sl_run sl_docker ps --format '{{.Status}}'
sl_assert_match "format Status running" '^Up ' "$SL_OUT"
sl_run sl_docker ps -a --filter name=sl-ps-created --format '{{.Status}}'
sl_assert_out "format Status created" Created
sl_run sl_docker ps --format '{{.ID}}|{{.Image}}|{{.Command}}|{{.Names}}|{{.Label "tier"}}'
sl_assert_out "format fields" "${running_id:0:12}|$busybox|\"sleep 1000\"|sl-ps-running|web"
sl_run sl_docker ps -a --filter name=sl-ps-exit3 --format '{{.Command}}'
sl_assert_out "format Command quotes arguments" "\"sh -c 'exit 3'\""
sl_run sl_docker ps --format '{{json .}}'
sl_assert_eq "format json Names" sl-ps-running "$(jq -r .Names <<<"$SL_OUT")"
sl_assert_eq "format json State" running "$(jq -r .State <<<"$SL_OUT")"
sl_run sl_docker ps -a --format 'table {{.Names}}' --filter name=sl-ps-running
sl_assert_out "format table header" $'NAMES\nsl-ps-running'

sl_done
