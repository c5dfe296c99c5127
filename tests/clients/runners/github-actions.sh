#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A GitHub Actions container job, replayed with the docker CLI: the
# commands and argument lists of the runner's DockerCommandManager.cs,
# ContainerOperationProvider.cs and ContainerStepHost (StepHost.cs), as
# the runner's .NET process start splits them (double quotes group, single
# quotes stay in the argument). The job container runs "tail -f /dev/null"
# with the runner's work directories bound under /__w. A redis service has
# a health check that the runner polls, and an nginx service publishes a
# port. Each step is one "docker exec -i" of a script in /__w/_temp, and
# the post-job step removes the containers and the job network.
#
# Deviations from the runner: the docker.sock bind mount is left out, and
# the images are checked with "docker inspect IMAGE" in place of "docker
# pull", which would need Docker Hub. The test images are tagged under the
# Docker Hub names a workflow would use.
# shellcheck source=SCRIPTDIR/../../integration/netlib.sh
. "$(dirname "$0")/../../integration/netlib.sh"

JOB_IMAGE=busybox:latest
REDIS_IMAGE=redis:7
NGINX_IMAGE=nginx:latest
# DockerInstanceLabel: the first 6 hex digits of the SHA-256 of the
# runner's .runner file.
LABEL=$(printf '{"agentId":7,"agentName":"sockerless-test","poolId":1,"serverUrl":"https://pipelines.example/"}' |
        sha256sum | cut -c1-6)
NETWORK=github_network_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

# gh_guid [DIGITS]: random hex digits (default 32), as Guid.ToString("N").
gh_guid() {
        od -An -N16 -tx1 /dev/urandom | tr -d ' \n' | cut -c1-"${1:-32}"
}

# gh_display_name IMAGE: ContainerInfo's "{alias}_{sanitized image}_{6 hex}".
gh_display_name() {
        printf '%s_%s_%s' "$(gh_guid)" "$(tr -cd '[:alnum:]' <<<"$1")" "$(gh_guid 6)"
}

# gh_ps_running ID: the runner's check that a container it started runs.
gh_ps_running() {
        sl_run sl_docker ps --all --filter "id=$1" --filter status=running --no-trunc --format '{{.ID}} {{.Status}}'
}

# gh_health ID: ContainerHealthcheck's inspect, printing the health status
# or nothing for a container without a health check.
gh_health() {
        sl_docker inspect '--format={{if .Config.Healthcheck}}{{print .State.Health.Status}}{{end}}' "$1"
}

# gh_step SCRIPT [KEY=VALUE...]: one step as ContainerStepHost runs
# it: the script is written to the host's _temp directory, and "docker
# exec -i --workdir ... -e KEY ... CTR sh -e /__w/_temp/GUID.sh" takes the
# values of the -e variables from its own environment.
gh_step() {
        local script=$1 file
        shift
        file=$(gh_guid | sed 's/^\(.\{8\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)/\1-\2-\3-\4-/').sh
        printf '%s\n' "$script" >"$WORK/_temp/$file"
        local -a env=(HOME=/github/home GITHUB_ACTIONS=true CI=true GITHUB_WORKSPACE=/__w/repo/repo
                RUNNER_TEMP=/__w/_temp "$@")
        local -a options=(-i --workdir /__w/repo/repo)
        local pair
        for pair in "${env[@]}"; do
                options+=(-e "${pair%%=*}")
        done
        sl_run env "${env[@]}" timeout -k 10 "$SL_TIMEOUT" docker exec "${options[@]}" "$JOB_ID" \
                sh -e "/__w/_temp/$file" </dev/null
}

net_setup
net_load_images
sl_check "tag the job image" sl_docker tag "$NET_BUSYBOX" "$JOB_IMAGE"
sl_check "tag the redis image" sl_docker tag "$NET_REDIS" "$REDIS_IMAGE"
sl_check "tag the nginx image" sl_docker tag "$NET_NGINX" "$NGINX_IMAGE"

# The runner's directories on the host: _work is /__w in the job container.
RUNNER_ROOT=$SL_TMP/actions-runner
WORK=$RUNNER_ROOT/_work
mkdir -p "$WORK/repo/repo" "$WORK/_temp/_github_home" "$WORK/_temp/_github_workflow" "$WORK/_actions" \
        "$WORK/_tool" "$RUNNER_ROOT/externals"
echo 'checked out' >"$WORK/repo/repo/README"

# ---------------------------------------------------------------- versions

# .NET keeps the single quotes of "--format '{{...}}'" in the argument.
sl_run sl_docker version --format "'{{.Server.APIVersion}}'"
sl_assert_match "server API version in quotes" "^'1\.[0-9]+'$" "$SL_OUT"
server_minor=${SL_OUT#"'1."}
server_minor=${server_minor%"'"}
if [ "${server_minor:-0}" -ge 35 ] 2>/dev/null; then
        sl_ok "server API version is at least the runner's minimum 1.35"
else
        sl_not_ok "server API version is at least the runner's minimum 1.35" "$(sl_last_output)"
fi
sl_run sl_docker version --format "'{{.Client.APIVersion}}'"
sl_assert_match "client API version in quotes" "^'1\.[0-9]+'$" "$SL_OUT"

# ---------------------------------------------------------------- stale resources

# What a previous job on this runner left behind.
sl_run sl_docker create --label "$LABEL" "$JOB_IMAGE" true
stale_id=$SL_OUT
sl_check "create a stale network with the runner label" sl_docker network create --label "$LABEL" github_network_stale

sl_run sl_docker ps --all --quiet --no-trunc --filter "label=$LABEL"
sl_assert_eq "ps finds the stale container by label" "$stale_id" "$SL_OUT"
sl_check "remove the stale container" sl_docker rm --force "$stale_id"
sl_run sl_docker network prune --force --filter "label=$LABEL"
sl_assert_contains "network prune by label removes the stale network" github_network_stale "$SL_OUT"
sl_run sl_docker network inspect github_network_stale
sl_assert_rc "stale network is gone" 1

sl_check "create the job network" sl_docker network create --label "$LABEL" "$NETWORK"

# ---------------------------------------------------------------- job container

for image in "$JOB_IMAGE" "$REDIS_IMAGE" "$NGINX_IMAGE"; do
        sl_check "image $image exists" sl_docker inspect "$image"
done

sl_run sl_docker create --name "$(gh_display_name "$JOB_IMAGE")" --label "$LABEL" --workdir /__w/repo/repo \
        --network "$NETWORK" -e HOME=/github/home -e GITHUB_ACTIONS=true -e CI=true \
        -v "$WORK:/__w" -v "$RUNNER_ROOT/externals:/__e:ro" -v "$WORK/_temp:/__w/_temp" \
        -v "$WORK/_actions:/__w/_actions" -v "$WORK/_tool:/__t" \
        -v "$WORK/_temp/_github_home:/github/home" -v "$WORK/_temp/_github_workflow:/github/workflow" \
        --entrypoint tail "$JOB_IMAGE" -f /dev/null
sl_assert_rc "create the job container" 0
JOB_ID=$SL_OUT
sl_check "start the job container" sl_docker start "$JOB_ID"
gh_ps_running "$JOB_ID"
sl_assert_match "ps shows the job container running" "^$JOB_ID Up " "$SL_OUT"
# The runner takes PATH from these lines, but the job image sets no PATH.
image_env=$(sl_docker image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$JOB_IMAGE")
# docker CLI 28.2 sends the -e variables in a varying order (seen in its
# request bodies), so the lines are compared sorted.
job_env_sorted() {
        sl_docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$JOB_ID" | sed '/^$/d' | sort
}
sl_run job_env_sorted
sl_assert_out "job container environment, one variable a line" \
        "$(printf '%s\n' "$image_env" HOME=/github/home GITHUB_ACTIONS=true CI=true | sed '/^$/d' | sort)"

# ---------------------------------------------------------------- services

sl_run sl_docker create --name "$(gh_display_name "$REDIS_IMAGE")" --label "$LABEL" --network "$NETWORK" \
        --network-alias redis -p 6379 --health-cmd "redis-cli ping" --health-interval 1s --health-timeout 5s \
        --health-retries 5 -e GITHUB_ACTIONS=true -e CI=true "$REDIS_IMAGE"
sl_assert_rc "create the redis service with a health check" 0
REDIS_ID=$SL_OUT
sl_run sl_docker create --name "$(gh_display_name "$NGINX_IMAGE")" --label "$LABEL" --network "$NETWORK" \
        --network-alias nginx -p 80 -e GITHUB_ACTIONS=true -e CI=true "$NGINX_IMAGE"
sl_assert_rc "create the nginx service" 0
NGINX_ID=$SL_OUT

for id in "$REDIS_ID" "$NGINX_ID"; do
        sl_check "start service ${id:0:12}" sl_docker start "$id"
        gh_ps_running "$id"
        sl_assert_match "ps shows service ${id:0:12} running" "^$id Up " "$SL_OUT"
done

# DockerUtil.ParseDockerPort reads lines "TARGET_PORT/PROTO -> HOST:HOST_PORT".
sl_run sl_docker port "$REDIS_ID"
sl_assert_match "docker port of redis in the runner's format" '^6379/tcp -> .+:[0-9]+$' "$(head -n 1 <<<"$SL_OUT")"
redis_port=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' <<<"$SL_OUT")
sl_run sl_docker port "$NGINX_ID"
sl_assert_match "docker port of nginx in the runner's format" '^80/tcp -> .+:[0-9]+$' "$(head -n 1 <<<"$SL_OUT")"
nginx_port=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' <<<"$SL_OUT")

# ContainerHealthcheck: poll while "starting", then require "healthy". The
# runner backs off from 2 s to 32 s between polls, and this test waits 1 s.
health=$(gh_health "$REDIS_ID")
sl_assert_ne "redis reports a health status" "" "$health"
for _ in $(seq 60); do
        [ "$health" = starting ] || break
        sleep 1
        health=$(gh_health "$REDIS_ID")
done
sl_assert_eq "redis service becomes healthy" healthy "$health"
sl_assert_eq "nginx without a health check prints nothing" "" "$(gh_health "$NGINX_ID")"

# The ports a workflow reads from job.services.*.ports, on the host.
sl_run sl_netns_exec curl -sS --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' \
        "http://127.0.0.1:$nginx_port/"
sl_assert_out "nginx answers on its published host port" 200
sl_run sl_netns_exec timeout 5 bash -c \
        "exec 3<>/dev/tcp/127.0.0.1/$redis_port && printf 'PING\r\n' >&3 && head -c 7 <&3"
sl_assert_out "redis answers on its published host port" $'+PONG\r'

# ---------------------------------------------------------------- steps

# DetermineNodeRuntimeVersion runs this before a JavaScript action. The
# job image has no /etc/*release, so grep finds nothing.
sl_run sl_docker exec "$JOB_ID" sh -c "cat /etc/*release | grep ^ID"
sl_assert_rc "node runtime probe finds no release file" 1

# shellcheck disable=SC2016 # expanded by the step's shell
gh_step 'echo "$GITHUB_WORKSPACE $HOME $STEP_VALUE"
pwd
cat README
printf "PING\r\n" | nc -w 3 redis 6379
printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 nginx 80 | head -n 1
echo built > artifact.txt' "STEP_VALUE=with spaces"
sl_assert_rc "step exits 0" 0
sl_assert_out "step output" $'/__w/repo/repo /github/home with spaces\n/__w/repo/repo\nchecked out\n+PONG\r\nHTTP/1.1 200 OK\r'
sl_assert_eq "step wrote into the workspace on the host" built "$(cat "$WORK/repo/repo/artifact.txt" 2>&1)"

gh_step 'echo before
false
echo after'
sl_assert_rc "failing step exits 1 under sh -e" 1
sl_assert_out "failing step stops at the failure" before

# ---------------------------------------------------------------- post job

for id in "$JOB_ID" "$REDIS_ID" "$NGINX_ID"; do
        sl_check "remove container ${id:0:12}" sl_docker rm --force "$id"
done
sl_check "remove the job network" sl_docker network rm "$NETWORK"
sl_run sl_docker ps --all --quiet --filter "label=$LABEL"
sl_assert_out "no labelled containers left" ""
sl_run sl_docker network ls --quiet --filter "label=$LABEL"
sl_assert_out "no labelled networks left" ""

sl_done
