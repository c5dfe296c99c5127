#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker-compose 1.29.2 (Debian's package) on the project in
# tests/clients/compose: nginx, redis and a busybox client on user-defined
# networks. Runs config, up -d, ps, logs -f, exec, run --rm, stop, start,
# restart, up -d --scale and down -v --remove-orphans. After each it checks
# what the daemon has: container, network and volume names and labels as
# compose makes them, the client reaching redis by alias, and nginx serving
# its page on the published ports in the daemon's network namespace. Passes
# against dockerd 20.10 in its own network namespace too.

# Single quotes keep $ for the container shell, and sl_wait_for and sl_run
# call helpers.
# shellcheck disable=SC2016,SC2317,SC2120
. "$(dirname "$0")/netlib.sh"

sl_require_tools docker-compose
"$SL_PYTHON" -c 'import compose' 2>/dev/null ||
        sl_skip_all "docker-compose does not import under $SL_PYTHON"

net_setup
net_load_images

PROJECT=sltest
PROJECT_DIR=$SL_TMP/project
cp -r "$SL_TOP_SRCDIR/tests/clients/compose" "$PROJECT_DIR" || sl_bail "cannot copy the compose project"
mkdir -p "$PROJECT_DIR/shared"
sl_remap_chown "$PROJECT_DIR/shared"
# Compose reads COMPOSE_* variables (and a .env file, which the project
# lacks), so the caller's must not leak in.
unset COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PATH_SEPARATOR COMPOSE_API_VERSION
unset COMPOSE_INTERACTIVE_NO_CLI

# compose ARGS...: docker-compose on the project, killed after
# SOCKERLESS_TEST_TIMEOUT seconds. It uses the docker CLI for exec and run.
compose() {
        (cd "$PROJECT_DIR" && timeout -k 10 "$SL_TIMEOUT" docker-compose -p "$PROJECT" --ansi never "$@")
}

# label CONTAINER KEY: a label of a container.
label() {
        sl_docker inspect -f "{{index .Config.Labels \"$2\"}}" "$1"
}

# names FILTER...: the names of containers matching docker ps filters, sorted.
names() {
        sl_docker ps -a --format '{{.Names}}' "$@" | sort
}

# state CONTAINER: the container's State.Status.
state() {
        sl_docker inspect -f '{{.State.Status}}' "$1"
}

# pings: the replies that the client containers appended to shared/pings.log.
pings() {
        cat "$PROJECT_DIR/shared/pings.log" 2>/dev/null
}

pong_count() {
        pings | grep -cx '+PONG'
}

# pongs_more_than N: true once the client has logged more than N PONGs.
pongs_more_than() {
        [ "$(pong_count)" -gt "$1" ]
}

# web_body PORT: the body of GET / on a published port, from the daemon's
# network namespace.
web_body() {
        net_curl "http://127.0.0.1:$1/"
}

web_serves() {
        [ "$(web_body "$1" 2>/dev/null)" = "<p>served by compose</p>" ]
}

# ---- config
sl_run compose config --services
sl_assert_eq "config --services" $'cache\nclient\nweb' "$(sort <<<"$SL_OUT")"
sl_run compose config --volumes
sl_assert_out "config --volumes" $'cache-data\nweb-logs'
sl_run compose config
sl_assert_rc "config" 0
sl_assert_contains "config merges env_file into environment" "EXTRA: only-in-env-file" "$SL_OUT"
sl_assert_contains "config: environment overrides env_file" "GREETING: from-environment" "$SL_OUT"
sl_assert_contains "config resolves the bind mount source" "- $PROJECT_DIR/html:/var/www/html:ro" "$SL_OUT"
sl_assert_contains "config keeps the health condition" "condition: service_healthy" "$SL_OUT"

# ---- up -d
events_since=$(date +%s)
sl_run compose up -d
sl_assert_rc "up -d" 0
sl_run names
sl_assert_out "container names" $'sltest_cache_1\nsltest_client_1\nsltest_web_1'
for service in cache client web; do
        sl_assert_eq "$service is running" running "$(state "sltest_${service}_1")"
done

sl_assert_eq "project label" "$PROJECT" "$(label sltest_web_1 com.docker.compose.project)"
sl_assert_eq "service label" web "$(label sltest_web_1 com.docker.compose.service)"
sl_assert_eq "container-number label" 1 "$(label sltest_web_1 com.docker.compose.container-number)"
sl_assert_eq "oneoff label" False "$(label sltest_web_1 com.docker.compose.oneoff)"
sl_assert_eq "version label" 1.29.2 "$(label sltest_web_1 com.docker.compose.version)"
sl_assert_eq "working_dir label" "$PROJECT_DIR" "$(label sltest_web_1 com.docker.compose.project.working_dir)"
sl_assert_match "config-hash label" '^[0-9a-f]{64}$' "$(label sltest_web_1 com.docker.compose.config-hash)"
sl_assert_eq "service labels" "web front" \
        "$(label sltest_web_1 org.sockerless.test.role) $(label sltest_web_1 org.sockerless.test.tier)"
sl_run sl_docker ps --filter label=com.docker.compose.service=cache --format '{{.Names}}'
sl_assert_out "ps filters on compose labels" sltest_cache_1

# depends_on with service_healthy: compose creates web only after the
# cache's health check has passed, as the order of the events shows.
# --until one second ahead ends the stream after the events so far.
sl_assert_eq "cache is healthy" healthy "$(sl_docker inspect -f '{{.State.Health.Status}}' sltest_cache_1)"
sl_run sl_docker events --since "$events_since" --until "$(($(date +%s) + 1))" --filter type=container \
        --format '{{.Status}} {{.Actor.Attributes.name}}'
sl_assert_eq "web is created after the cache is healthy" $'health_status: healthy sltest_cache_1\ncreate sltest_web_1' \
        "$(grep -x -E 'health_status: healthy sltest_cache_1|create sltest_web_1' <<<"$SL_OUT" | head -n 2)"

sl_run sl_docker inspect -f '{{json .Config.Healthcheck.Test}}' sltest_cache_1
sl_assert_out "health check test" '["CMD","redis-cli","ping"]'
sl_run sl_docker inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' sltest_client_1
sl_assert_contains "entrypoint" '["/bin/sh","-c"] ["trap '"'exit 0'"' TERM; while true;' "$SL_OUT"
sl_run sl_docker inspect -f '{{json .Config.Cmd}}' sltest_cache_1
sl_assert_out "command" '["redis-server","--protected-mode","no","--bind","0.0.0.0","--dir","/data","--save",""]'
sl_run sl_docker inspect -f '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' \
        sltest_cache_1 sltest_web_1 sltest_client_1
sl_assert_out "restart policies" $'unless-stopped:0\nalways:0\non-failure:3'

# ---- networks and aliases
sl_run sl_docker network ls --filter label=com.docker.compose.project=sltest --format '{{.Name}}'
sl_assert_eq "networks" $'sltest_backend\nsltest_frontend' "$(sort <<<"$SL_OUT")"
sl_run sl_docker network inspect -f '{{index .Labels "com.docker.compose.network"}} {{index .Labels "org.sockerless.test.network"}} {{.Driver}}' sltest_backend
sl_assert_out "backend network labels and driver" "backend backend bridge"
sl_run sl_docker inspect -f '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}' sltest_web_1
sl_assert_out "web is on both networks" "sltest_backend sltest_frontend "
cache_id=$(sl_docker inspect -f '{{.Id}}' sltest_cache_1)
sl_run sl_docker inspect -f '{{range (index .NetworkSettings.Networks "sltest_backend").Aliases}}{{.}} {{end}}' sltest_cache_1
sl_assert_eq "cache aliases" "$(printf '%s\n' "${cache_id:0:12}" cache kv store | sort | xargs)" \
        "$(tr ' ' '\n' <<<"$SL_OUT" | sed '/^$/d' | sort | xargs)"

sl_wait_for 30 pongs_more_than 0
sl_assert_contains "the client reaches redis by alias" "+PONG" "$(pings)"
sl_assert_not_contains "every ping got PONG" "ERR" "$(pings)"

# ---- volumes and bind mounts
sl_run sl_docker volume ls -q --filter label=com.docker.compose.project=sltest
sl_assert_eq "volumes" $'sltest_cache-data\nsltest_web-logs' "$(sort <<<"$SL_OUT")"
sl_run sl_docker volume inspect -f '{{index .Labels "com.docker.compose.volume"}} {{index .Labels "org.sockerless.test.volume"}}' sltest_cache-data
sl_assert_out "volume labels" "cache-data cache"
sl_run sl_docker inspect -f '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}}{{"\n"}}{{end}}' sltest_web_1
sl_assert_contains "web's bind mount is read-only" "bind $PROJECT_DIR/html /var/www/html false" "$SL_OUT"
sl_assert_match "web's named volume" "volume [^ ]*/sltest_web-logs/_data /var/log/nginx true" "$SL_OUT"
sl_run compose exec -T web readlink /var/log/nginx/access.log
sl_assert_out "a new volume gets the image's symbolic links" /dev/stdout

# ---- environment
sl_run compose exec -T client env
sl_assert_rc "exec env" 0
for variable in ROLE=client GREETING=from-environment EXTRA=only-in-env-file REDIS_HOST=kv; do
        sl_assert_contains "environment has $variable" $'\n'"$variable"$'\n' $'\n'"$SL_OUT"$'\n'
done

# ---- ports
sl_wait_for 10 web_serves 8080
sl_assert_eq "nginx answers on 0.0.0.0:8080" "<p>served by compose</p>" "$(web_body 8080)"
sl_assert_eq "nginx answers on 127.0.0.1:8081" "<p>served by compose</p>" "$(web_body 8081)"
sl_run sl_docker port sltest_web_1 80
sl_assert_contains "docker port lists 8080" "0.0.0.0:8080" "$SL_OUT"
sl_assert_contains "docker port lists 127.0.0.1:8081" "127.0.0.1:8081" "$SL_OUT"

# ---- ps
sl_run compose ps
sl_assert_rc "ps" 0
sl_assert_match "ps shows web up with its ports" ' Up +(.*,)?0\.0\.0\.0:8080->80/tcp' "$(grep sltest_web_1 <<<"$SL_OUT")"
sl_assert_match "ps shows cache healthy" ' Up \(healthy\) ' "$(grep sltest_cache_1 <<<"$SL_OUT")"
sl_run compose ps --services
sl_assert_eq "ps --services" $'cache\nclient\nweb' "$(sort <<<"$SL_OUT")"
sl_run compose ps -q web
sl_assert_eq "ps -q web" "$(sl_docker inspect -f '{{.Id}}' sltest_web_1)" "$SL_OUT"

# ---- exec
sl_run compose exec -T cache redis-cli ping
sl_assert_out "exec redis-cli ping" PONG
sl_run compose exec -T cache redis-cli set answer 42
sl_assert_out "exec redis-cli set" OK
sl_run compose exec -T client sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 web 80"
sl_assert_contains "the client reaches web by service name" "served by compose" "$SL_OUT"
sl_run compose exec -T client sh -c 'exit 3'
sl_assert_rc "exec returns the command's exit code" 3
sl_run compose exec -T --index 1 -e EXTRA=from-exec -w /shared client sh -c 'echo $EXTRA $PWD'
sl_assert_out "exec -e -w" "from-exec /shared"

# ---- run --rm
sl_run compose run --rm -T client "printf 'GET answer\r\n' | nc -w 3 store 6379 | tr -d '\r'"
sl_assert_rc "run --rm" 0
sl_assert_contains "run reaches redis by alias and reads the key" 42 "$SL_OUT"
sl_run compose run --rm -T -e EXTRA=from-run client 'echo $EXTRA $GREETING'
sl_assert_out "run -e overrides env_file" "from-run from-environment"
sl_run compose run --rm -T --entrypoint echo client hello
sl_assert_out "run --entrypoint" hello
sl_run names --filter label=com.docker.compose.oneoff=True
sl_assert_out "run --rm removes its container" ""
sl_run compose run -d client 'sleep 600'
sl_assert_rc "run -d" 0
sl_run names --filter label=com.docker.compose.oneoff=True
sl_assert_match "a one-off container's name" '^sltest_client_run_[0-9a-f]{12}$' "$SL_OUT"

# ---- logs -f, bounded by stopping the service
sl_run compose logs --no-color cache
sl_assert_match "logs prefixes lines with the service and number" '^cache_1 +\| .*Ready to accept connections' "$(grep Ready <<<"$SL_OUT")"
(compose logs -f --no-color web >"$SL_TMP/follow.out" 2>&1) &
follow=$!
net_curl -o /dev/null "http://127.0.0.1:8080/follow-probe"
sl_wait_for 30 grep -q 'GET /follow-probe' "$SL_TMP/follow.out"
sl_assert_match "logs -f shows a request made while following" '^web_1 +\| .*"GET /follow-probe HTTP/1.1" 404' \
        "$(grep follow-probe "$SL_TMP/follow.out")"

# ---- stop
sl_run compose stop web
sl_assert_rc "stop web" 0
wait "$follow"
sl_assert_eq "logs -f exits when the service stops" 0 "$?"
sl_assert_eq "web exited" exited "$(state sltest_web_1)"
sl_assert_eq "nginx exits 0 on SIGQUIT" 0 "$(sl_docker inspect -f '{{.State.ExitCode}}' sltest_web_1)"
sl_assert_ne "published port closed" 200 "$(net_http_status http://127.0.0.1:8080/)"
sl_run compose stop
sl_assert_rc "stop" 0
for service in cache client; do
        sl_assert_eq "$service exited" exited "$(state "sltest_${service}_1")"
done
sl_assert_eq "the client exits 0 on SIGTERM" 0 "$(sl_docker inspect -f '{{.State.ExitCode}}' sltest_client_1)"
sl_run compose ps
sl_assert_match "ps shows web exited" ' Exit 0 ' "$(grep sltest_web_1 <<<"$SL_OUT")"

# ---- start
sl_run compose start
sl_assert_rc "start" 0
for service in cache client web; do
        sl_assert_eq "$service runs again" running "$(state "sltest_${service}_1")"
done
sl_wait_for 10 web_serves 8080
sl_assert_eq "nginx answers again after start" "<p>served by compose</p>" "$(web_body 8080)"
pongs=$(pong_count)
sl_wait_for 30 pongs_more_than "$pongs"
sl_assert_ne "the client pings again after start" "$pongs" "$(pong_count)"

# ---- restart
started=$(sl_docker inspect -f '{{.State.StartedAt}}' sltest_web_1)
web_id=$(sl_docker inspect -f '{{.Id}}' sltest_web_1)
sl_run compose restart web
sl_assert_rc "restart web" 0
sl_assert_eq "restart keeps the container" "$web_id" "$(sl_docker inspect -f '{{.Id}}' sltest_web_1)"
sl_assert_ne "restart starts it again" "$started" "$(sl_docker inspect -f '{{.State.StartedAt}}' sltest_web_1)"
sl_wait_for 10 web_serves 8080
sl_assert_eq "nginx answers after restart" "<p>served by compose</p>" "$(web_body 8080)"

# ---- up -d --scale
sl_run compose up -d --scale client=3
sl_assert_rc "up -d --scale client=3" 0
sl_run names --filter label=com.docker.compose.service=client --filter label=com.docker.compose.oneoff=False
sl_assert_out "three client containers" $'sltest_client_1\nsltest_client_2\nsltest_client_3'
sl_assert_eq "the third has container-number 3" 3 "$(label sltest_client_3 com.docker.compose.container-number)"
sl_assert_eq "scaling keeps the web container" "$web_id" "$(sl_docker inspect -f '{{.Id}}' sltest_web_1)"
sl_run sl_docker exec sltest_client_3 sh -c "printf 'PING\r\n' | nc -w 3 kv 6379 | tr -d '\r'"
sl_assert_out "a scaled container reaches redis by alias" "+PONG"
sl_run compose up -d --scale client=1
sl_assert_rc "up -d --scale client=1" 0
sl_run names --filter label=com.docker.compose.service=client --filter label=com.docker.compose.oneoff=False
sl_assert_out "one client container left" sltest_client_1

# ---- orphans and down
sl_run compose -f docker-compose.yml -f orphan.yml up -d extra
sl_assert_rc "up -d a service of a second file" 0
sl_assert_eq "extra is running" running "$(state sltest_extra_1)"
sl_run compose up -d
sl_assert_contains "up warns about the orphan" "Found orphan containers (sltest_extra_1)" "$SL_ERR"

sl_run compose exec -T cache redis-cli save
sl_assert_out "redis saves into its volume" OK
sl_run compose exec -T cache ls /data
sl_assert_out "the volume has the dump" dump.rdb

sl_run compose down -v --remove-orphans
sl_assert_rc "down -v --remove-orphans" 0
sl_run names
sl_assert_out "down removes every container, one-off and orphan ones too" ""
sl_run sl_docker network ls --format '{{.Name}}' --filter name=sltest
sl_assert_out "down removes the networks" ""
sl_run sl_docker volume ls -q
sl_assert_out "down -v removes the volumes" ""
sl_assert_contains "the bind mount's files stay" "+PONG" "$(pings)"
sl_run compose ps -q
sl_assert_out "ps is empty after down" ""

sl_done
