#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Health checks through the real CLI: the --health-* options, CMD and
# CMD-SHELL probes, and State.Health (status, failing streak, the last
# five results, output cut at 4 KiB). Also the start period, a probe that
# times out, docker ps's status and health filter, health_status events
# and invalid durations. A check stops with its container and, on
# sockerlessd only, resumes after a daemon restart.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35

health() {
        sl_docker inspect -f '{{.State.Health.Status}}' "$1"
}

health_is() {
        [ "$(health "$1")" = "$2" ]
}

# ---- a passing CMD-SHELL probe
sl_docker run -d --name sl-hc-ok --health-cmd 'echo probe-out; exit 0' --health-interval 1s \
        "$busybox" sleep 1000 >/dev/null || sl_bail "docker run failed"
sl_assert_eq "health starts as starting" starting "$(health sl-hc-ok)"
sl_run sl_docker ps --filter name=sl-hc-ok --format '{{.Status}}'
sl_assert_match "ps shows health: starting" '^Up .* \(health: starting\)$' "$SL_OUT"
sl_check "probe makes it healthy" sl_wait_for 20 health_is sl-hc-ok healthy
sl_run sl_docker ps --filter name=sl-hc-ok --format '{{.Status}}'
sl_assert_match "ps shows healthy" '^Up .* \(healthy\)$' "$SL_OUT"
sl_run sl_docker inspect -f '{{(index .State.Health.Log 0).ExitCode}} {{(index .State.Health.Log 0).Output}}' sl-hc-ok
sl_assert_eq "log entry has exit code and output" "0 probe-out" "$SL_OUT"
sl_run sl_docker inspect -f '{{.State.Health.FailingStreak}}' sl-hc-ok
sl_assert_eq "healthy has no failing streak" 0 "$SL_OUT"
sl_run sl_docker ps -q --no-trunc --filter health=healthy
sl_assert_contains "health=healthy lists it" "$(sl_docker inspect -f '{{.Id}}' sl-hc-ok)" "$SL_OUT"
sl_run sl_docker ps -q --filter health=none --filter name=sl-hc-ok
sl_assert_eq "health=none leaves it out" "" "$SL_OUT"
sleep 6
sl_run sl_docker inspect -f '{{len .State.Health.Log}}' sl-hc-ok
sl_assert_eq "log keeps the last five results" 5 "$SL_OUT"

# ---- a failing CMD probe with retries
sl_docker run -d --name sl-hc-bad --health-cmd 'false' --health-interval 1s --health-retries 2 \
        "$busybox" sleep 1000 >/dev/null || sl_bail "docker run failed"
sl_check "failures make it unhealthy" sl_wait_for 20 health_is sl-hc-bad unhealthy
sl_run sl_docker inspect -f '{{.State.Health.FailingStreak}}' sl-hc-bad
sl_assert_match "failing streak reaches retries" '^[2-9]$' "$SL_OUT"
sl_run sl_docker ps --filter name=sl-hc-bad --format '{{.Status}}'
sl_assert_match "ps shows unhealthy" '^Up .* \(unhealthy\)$' "$SL_OUT"
sl_run sl_docker ps -q --no-trunc --filter health=unhealthy
sl_assert_contains "health=unhealthy lists it" "$(sl_docker inspect -f '{{.Id}}' sl-hc-bad)" "$SL_OUT"

# ---- the start period keeps failures from counting
sl_docker run -d --name sl-hc-start --health-cmd 'exit 1' --health-interval 1s --health-retries 1 \
        --health-start-period 60s "$busybox" sleep 1000 >/dev/null || sl_bail "docker run failed"
sleep 4
sl_run sl_docker inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' sl-hc-start
sl_assert_eq "failures in the start period do not count" "starting 0" "$SL_OUT"
sl_run sl_docker inspect -f '{{(index .State.Health.Log 0).ExitCode}}' sl-hc-start
sl_assert_eq "failures in the start period are logged" 1 "$SL_OUT"

# ---- a probe that times out, and output over 4 KiB
sl_docker run -d --name sl-hc-slow --health-cmd 'echo $$ >>/tmp/probes; sleep 30' --health-interval 1s --health-timeout 1s \
        --health-retries 1 "$busybox" sleep 1000 >/dev/null || sl_bail "docker run failed"
sl_check "timeout makes it unhealthy" sl_wait_for 20 health_is sl-hc-slow unhealthy
sl_run sl_docker inspect -f '{{(index .State.Health.Log 0).ExitCode}}|{{(index .State.Health.Log 0).Output}}' sl-hc-slow
sl_assert_eq "timed-out probe's result" "-1|Health check exceeded timeout (1s)" "$SL_OUT"
sl_run sl_docker exec sl-hc-slow sh -c 'sleep 1; kill -0 "$(head -n 1 /tmp/probes)" && echo alive || echo gone'
sl_assert_eq "timed-out probe is killed" gone "$SL_OUT"

# Only the probe's own process is killed, and dockerd 20.10.24 leaves its
# children running too. They become children of the container's init.
sl_docker run -d --name sl-hc-child --health-cmd 'sleep 300 & echo $! >>/tmp/children; wait' \
        --health-interval 1s --health-timeout 1s --health-retries 1 "$busybox" sleep 1000 >/dev/null ||
        sl_bail "docker run failed"
sl_check "probe with a child times out" sl_wait_for 20 health_is sl-hc-child unhealthy
sl_run sl_docker exec sl-hc-child sh -c 'kill -0 "$(head -n 1 /tmp/children)" && echo alive || echo gone'
sl_assert_eq "timed-out probe's child keeps running" alive "$SL_OUT"
sl_docker rm -f sl-hc-child >/dev/null

sl_docker run -d --name sl-hc-long --health-cmd 'head -c 5000 /dev/zero | tr "\0" a' --health-interval 1s \
        "$busybox" sleep 1000 >/dev/null || sl_bail "docker run failed"
sl_check "long output probe runs" sl_wait_for 20 health_is sl-hc-long healthy
sl_run sl_docker inspect -f '{{(index .State.Health.Log 0).Output}}' sl-hc-long
sl_assert_eq "output is cut at 4096 bytes" 4099 "${#SL_OUT}"
sl_assert_match "cut output ends with ..." '^a+\.\.\.$' "$SL_OUT"

# ---- events
since=$(date +%s)
sl_docker run -d --name sl-hc-ev --health-cmd true --health-interval 1s "$busybox" sleep 1000 >/dev/null ||
        sl_bail "docker run failed"
sl_check "event container healthy" sl_wait_for 20 health_is sl-hc-ev healthy
sl_run sl_docker events --since "$since" --until "$(($(date +%s) + 1))" --filter container=sl-hc-ev \
        --filter event=health_status --format '{{.Action}}'
sl_assert_eq "health_status event" "health_status: healthy" "$SL_OUT"

# ---- the image's HEALTHCHECK, and --no-healthcheck
if [ -n "${SOCKERLESS_TEST_IMAGES:-}" ] && [ -f "$SOCKERLESS_TEST_IMAGES/layers.tar" ]; then
        sl_docker load -i "$SOCKERLESS_TEST_IMAGES/layers.tar" >"$SL_TMP/load.out" 2>&1
        layers=$(sed -n 's/^Loaded image: //p' "$SL_TMP/load.out" | head -n 1)
        sl_run sl_docker image inspect -f '{{json .Config.Healthcheck}}' "$layers"
        sl_assert_contains "test image has a HEALTHCHECK" '"Test"' "$SL_OUT"
        sl_docker create --name sl-hc-image "$layers" >/dev/null
        sl_run sl_docker inspect -f '{{json .Config.Healthcheck.Test}}' sl-hc-image
        sl_assert_eq "container inherits the image's check" \
                "$(sl_docker image inspect -f '{{json .Config.Healthcheck.Test}}' "$layers")" "$SL_OUT"
        sl_docker create --name sl-hc-none --no-healthcheck "$layers" >/dev/null
        sl_run sl_docker inspect -f '{{json .Config.Healthcheck.Test}}' sl-hc-none
        sl_assert_eq "--no-healthcheck sets NONE" '["NONE"]' "$SL_OUT"
else
        sl_skip "image HEALTHCHECK" "no layers.tar in SOCKERLESS_TEST_IMAGES"
fi
sl_docker run -d --name sl-hc-off --no-healthcheck "$busybox" sleep 1000 >/dev/null || sl_bail "docker run failed"
sl_run sl_docker inspect -f '{{json .State.Health}}' sl-hc-off
sl_assert_eq "no health without a check" null "$SL_OUT"

# ---- invalid options
sl_run sl_docker create --health-cmd true --health-interval 1us "$busybox"
sl_assert_rc "interval under 1ms fails" 1
sl_assert_contains "interval message" "Interval in Healthcheck cannot be less than 1ms" "$SL_ERR"
# The CLI checks --health-retries itself, so the API gets the bad value.
sl_api POST /containers/create -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$busybox\",\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Retries\":-1}}"
sl_assert_eq "negative retries fail" 400 "$SL_API_STATUS"
sl_assert_eq "retries message" "Retries in Healthcheck cannot be negative" "$(jq -r .message <<<"$SL_API_BODY")"

# ---- the check stops with the container
sl_docker stop -t 1 sl-hc-ok >/dev/null
n=$(sl_docker inspect -f '{{len .State.Health.Log}}' sl-hc-ok)
last=$(sl_docker inspect -f '{{(index .State.Health.Log 4).Start}}' sl-hc-ok)
sleep 3
sl_run sl_docker inspect -f '{{(index .State.Health.Log 4).Start}}' sl-hc-ok
sl_assert_eq "no probe runs after stop" "$last" "$SL_OUT"
sl_assert_eq "log kept after stop" 5 "$n"

# ---- the check resumes after a daemon restart
if sl_engine_is sockerlessd; then
        sl_docker rm -f sl-hc-bad sl-hc-start sl-hc-slow sl-hc-long sl-hc-off >/dev/null
        sl_daemon_restart --kill
        sl_run health sl-hc-ev
        sl_assert_eq "restored container starts again" starting "$SL_OUT"
        sl_check "check resumes after restart" sl_wait_for 20 health_is sl-hc-ev healthy
fi

sl_done
