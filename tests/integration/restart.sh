#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Restart policies while the daemon runs: no, always, unless-stopped and
# on-failure[:N]. The checks cover dockerd's backoff, RestartCount, the
# "restarting" status, stops and kills that end restarting, docker update
# --restart, and the checks and messages of create and update, also
# through docker-py (restart-policy.py). Restarts at daemon start are in
# live-restore.sh.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/restart-lib.sh"
sl_require_tools jq
sl_setup
sl_image_load busybox

busybox=$RL_BUSYBOX
sync_dir=$SL_TMP/sync
mkdir -p "$sync_dir"
# Under --userns-remap the containers' root must be able to write there.
sl_remap_chown "$sync_dir"

# ---- create checks: dockerd's messages
sl_run sl_docker create --restart bogus "$busybox" true
sl_assert_contains "invalid policy name" "invalid restart policy 'bogus'" "$SL_ERR"
sl_run sl_docker create --restart always:3 "$busybox" true
sl_assert_contains "retry count with always" "maximum retry count cannot be used with restart policy 'always'" \
        "$SL_ERR"
sl_run sl_docker run --rm --restart always "$busybox" true
sl_assert_rc "docker run --rm --restart fails" 125
sl_assert_contains "--rm with --restart" "--restart and --rm" "$SL_ERR"

sl_api POST /containers/create -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$busybox\",\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}}"
sl_assert_eq "API: AutoRemove with a policy status" 400 "$SL_API_STATUS"
sl_assert_eq "API: AutoRemove with a policy message" "can't create 'AutoRemove' container with restart policy" \
        "$(jq -r .message <<<"$SL_API_BODY")"
sl_api POST /containers/create -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$busybox\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":-1}}}"
sl_assert_eq "API: negative retry count status" 400 "$SL_API_STATUS"
sl_assert_eq "API: negative retry count message" "maximum retry count cannot be negative" \
        "$(jq -r .message <<<"$SL_API_BODY")"
sl_check "daemon alive after bad policies" sl_docker version

# ---- on-failure:N stops after N restarts
sl_docker run -d --name sl-rs-fail3 --restart on-failure:3 "$busybox" sh -c 'exit 3' >/dev/null
sl_assert_eq "on-failure:3 ends exited" yes "$(rl_wait_restarts 30 sl-rs-fail3 3 &&
        rl_wait_status 30 sl-rs-fail3 exited && echo yes)"
sleep 1
sl_assert_eq "on-failure:3 RestartCount" 3 "$(rl_state sl-rs-fail3 '{{.RestartCount}}')"
sl_assert_eq "on-failure:3 ExitCode" 3 "$(rl_state sl-rs-fail3 '{{.State.ExitCode}}')"
sl_assert_eq "on-failure:3 policy in inspect" on-failure:3 \
        "$(rl_state sl-rs-fail3 '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}')"

sl_docker run -d --name sl-rs-ok --restart on-failure "$busybox" true >/dev/null
rl_wait_status 20 sl-rs-ok exited
sleep 0.5
sl_assert_eq "on-failure: exit 0 does not restart" 0:exited \
        "$(rl_state sl-rs-ok '{{.RestartCount}}:{{.State.Status}}')"

sl_docker run -d --name sl-rs-no "$busybox" sh -c 'exit 1' >/dev/null
rl_wait_status 20 sl-rs-no exited
sleep 0.5
sl_assert_eq "no policy: no restart" 0:exited "$(rl_state sl-rs-no '{{.RestartCount}}:{{.State.Status}}')"

# ---- always: the backoff doubles from 100 ms. Each run appends its start
# time. The gaps can only be longer than the delays, never shorter.
sl_docker run -d --name sl-rs-backoff --restart always -v "$sync_dir:/sync" "$busybox" \
        sh -c 'cut -d " " -f 1 /proc/uptime >>/sync/starts; exit 1' >/dev/null
rl_wait_restarts 30 sl-rs-backoff 5
ps_restarting() {
        [[ $(sl_docker ps --filter name=sl-rs-backoff --format '{{.Status}}') =~ ^Restarting\ \(1\)\ .*\ ago$ ]]
}
sl_assert_eq "ps shows Restarting (1) ... ago" yes "$(sl_wait_for 10 ps_restarting && echo yes)"
rl_wait_status 10 sl-rs-backoff restarting
sl_assert_eq "restarting counts as running" true:true \
        "$(rl_state sl-rs-backoff '{{.State.Running}}:{{.State.Restarting}}')"
sl_run sl_docker stop sl-rs-backoff
sl_assert_rc "stop of a restarting container" 0
sl_assert_eq "stopped while restarting" exited "$(rl_status sl-rs-backoff)"
count=$(rl_state sl-rs-backoff '{{.RestartCount}}')
sleep 1
sl_assert_eq "no restart after the stop" "$count" "$(rl_state sl-rs-backoff '{{.RestartCount}}')"
# /proc/uptime counts in hundredths of a second, so gaps are in 10 ms steps.
gaps=$(awk 'NR > 1 { printf "%d ", ($1 - last) * 1000 } { last = $1 }' "$sync_dir/starts")
read -r -a gap <<<"$gaps"
delays=(100 200 400 800)
for i in 0 1 2 3; do
        if [ "${gap[i]:-0}" -ge "$((delays[i] - 10))" ]; then
                sl_ok "backoff before restart $((i + 1)) is at least ${delays[i]} ms"
        else
                sl_not_ok "backoff before restart $((i + 1)) is at least ${delays[i]} ms" "gaps in ms: $gaps"
        fi
done
# Without a policy the next run ends for good, so the count stays put.
sl_docker update --restart no sl-rs-backoff >/dev/null
sl_docker start sl-rs-backoff >/dev/null
rl_wait_status 10 sl-rs-backoff exited
sl_assert_eq "a start through the API resets RestartCount" 0 "$(rl_state sl-rs-backoff '{{.RestartCount}}')"
sl_docker rm -f sl-rs-backoff >/dev/null

# ---- docker wait returns at an exit that leads to a restart
sl_docker run -d --name sl-rs-wait --restart always "$busybox" sh -c 'sleep 1; exit 4' >/dev/null
sl_run sl_docker wait sl-rs-wait
sl_assert_out "wait returns the exit before a restart" 4
sl_docker rm -f sl-rs-wait >/dev/null

# ---- a restarting container refuses attach, exec and rm without -f
sl_docker run -d --name sl-rs-busy --restart always "$busybox" sh -c 'sleep 0.3; exit 1' >/dev/null
rl_wait_restarts 30 sl-rs-busy 4
rl_wait_status 10 sl-rs-busy restarting
sl_run sl_docker attach sl-rs-busy
# The docker CLI checks the state itself before it attaches.
sl_assert_match "attach to a restarting container" "restarting.*wait until" "$SL_ERR"
rl_wait_status 10 sl-rs-busy restarting
sl_run sl_docker exec sl-rs-busy true
sl_assert_contains "exec in a restarting container" "is restarting, wait until the container is running" "$SL_ERR"
rl_wait_status 10 sl-rs-busy restarting
sl_run sl_docker rm sl-rs-busy
sl_assert_contains "rm of a restarting container" "You cannot remove a restarting container" "$SL_ERR"
sl_check "rm -f of a restarting container" sl_docker rm -f sl-rs-busy
sl_assert_eq "removed" gone "$(rl_status sl-rs-busy)"

# ---- a manual stop or kill ends restarting, and unless-stopped honours it
sl_docker run -d --name sl-rs-unless --restart unless-stopped "$busybox" sleep 1000 >/dev/null
sl_check "stop unless-stopped" sl_docker stop -t 1 sl-rs-unless
sleep 1
sl_assert_eq "unless-stopped stays stopped" 0:exited "$(rl_state sl-rs-unless '{{.RestartCount}}:{{.State.Status}}')"

sl_docker run -d --name sl-rs-killed --restart always "$busybox" sleep 1000 >/dev/null
sl_check "kill an always container" sl_docker kill sl-rs-killed
sleep 1
sl_assert_eq "always does not restart after kill" 0:exited \
        "$(rl_state sl-rs-killed '{{.RestartCount}}:{{.State.Status}}')"

# With a StopSignal, only it and SIGKILL end restarting, as in dockerd.
# Without one, any signal does.
trap_hup='trap "exit 1" HUP; while :; do sleep 0.1; done'
sl_docker run -d --name sl-rs-hup --restart always --stop-signal USR1 "$busybox" sh -c "$trap_hup" >/dev/null
sl_docker run -d --name sl-rs-hup-plain --restart always "$busybox" sh -c "$trap_hup" >/dev/null
sleep 0.5
sl_check "kill -s HUP" sl_docker kill -s HUP sl-rs-hup sl-rs-hup-plain
sl_assert_eq "other signal than StopSignal: restarts" yes "$(rl_wait_restarts 20 sl-rs-hup 1 && echo yes)"
sleep 1
sl_assert_eq "any signal without StopSignal: no restart" 0:exited \
        "$(rl_state sl-rs-hup-plain '{{.RestartCount}}:{{.State.Status}}')"

# ---- docker update --restart
sl_docker run -d --name sl-rs-update -v "$sync_dir:/sync" "$busybox" \
        sh -c 'until [ -e /sync/go ]; do sleep 0.1; done; exit 2' >/dev/null
sl_check "update --restart on-failure:2" sl_docker update --restart on-failure:2 sl-rs-update
sl_assert_eq "update shows in inspect" on-failure:2 \
        "$(rl_state sl-rs-update '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}')"
touch "$sync_dir/go"
rl_wait_restarts 30 sl-rs-update 2
rl_wait_status 30 sl-rs-update exited
sleep 0.5
sl_assert_eq "updated policy applies to the running container" 2:exited:2 \
        "$(rl_state sl-rs-update '{{.RestartCount}}:{{.State.Status}}:{{.State.ExitCode}}')"
sl_run sl_docker update --restart bogus sl-rs-update
sl_assert_contains "update with an invalid policy" "invalid restart policy 'bogus'" "$SL_ERR"

sl_docker create --rm --name sl-rs-autoremove "$busybox" true >/dev/null
sl_run sl_docker update --restart always sl-rs-autoremove
sl_assert_contains "update of an AutoRemove container" \
        "Restart policy cannot be updated because AutoRemove is enabled for the container" "$SL_ERR"
sl_check "update of an AutoRemove container to no" sl_docker update --restart no sl-rs-autoremove
sl_docker rm -f sl-rs-autoremove >/dev/null

# ---- docker restart of a restarting container starts it afresh
sl_docker run -d --name sl-rs-restart --restart on-failure "$busybox" sh -c 'sleep 0.2; exit 1' >/dev/null
rl_wait_restarts 30 sl-rs-restart 2
sl_check "docker restart" sl_docker restart -t 1 sl-rs-restart
count=$(rl_state sl-rs-restart '{{.RestartCount}}')
sl_assert_match "docker restart resets RestartCount" '^[01]$' "$count"
sl_docker rm -f sl-rs-restart >/dev/null

# ---- events: a restart is "die" then "start", when the daemon has events
since=$(date +%s)
sl_docker run -d --name sl-rs-events --restart on-failure:1 "$busybox" sh -c 'exit 1' >/dev/null
rl_wait_restarts 20 sl-rs-events 1
rl_wait_status 20 sl-rs-events exited
sl_api GET "/events?since=$since&until=$(($(date +%s) + 1))&filters=%7B%22container%22%3A%5B%22sl-rs-events%22%5D%7D"
if [ "$SL_API_STATUS" = 200 ]; then
        actions=$(jq -r 'select(.Type == "container") | .Action' <<<"$SL_API_BODY" |
                grep -xE 'start|die' | tr '\n' ' ')
        sl_assert_eq "events of a restart" "start die start die " "$actions"
else
        sl_skip "events of a restart" "GET /events returned $SL_API_STATUS"
fi

# ---- docker-py
if SETUPTOOLS_USE_DISTUTILS=stdlib /usr/bin/python3 -c 'import docker' 2>/dev/null; then
        sl_run env SETUPTOOLS_USE_DISTUTILS=stdlib /usr/bin/python3 "$SL_SRCDIR/restart-policy.py" "$busybox"
        sl_assert_rc "docker-py restart policies" 0
        [ "$SL_RC" = 0 ] || sl_diag "$SL_OUT" "$SL_ERR"
else
        sl_skip "docker-py restart policies" "python3-docker is not installed"
fi

sl_done
