#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker restart -t 0, several times in a row, of a container on the
# default network with an ephemeral published port and of one with a fixed
# published port, a user-defined network and a named volume. The stop
# returns as soon as the container has exited, and the start follows at
# once. The exit's teardown of the network namespace and volume mounts must
# be done by then, because otherwise it removes what the new start set up.
# Passes against dockerd 20.10 in its own network namespace too.
#
# NOTE: a daemon that tears down after the stop returns fails here only
# when its threads happen to run in that order, so a pass does not prove
# the order.
. "$(dirname "$0")/netlib.sh"
net_setup
net_load_images

ROUNDS=5

sl_check "network create" sl_docker network create restart-net
sl_check "run nginx with a port, a network and a volume" sl_docker run -d --name web \
        --network restart-net -p 8080:80 -v restart-vol:/data "$NET_NGINX"
sl_wait_for 10 net_http_ok http://127.0.0.1:8080/
sl_check "run redis with an ephemeral port" sl_docker run -d --name kv -p 6379 "$NET_REDIS"

# redis_port: the host port of redis's 6379/tcp, empty when unpublished.
redis_port() {
        sl_docker inspect -f '{{with index .NetworkSettings.Ports "6379/tcp"}}{{(index . 0).HostPort}}{{end}}' kv
}

# redis_ping PORT: true when redis replies +PONG to PING on the host port.
redis_ping() {
        [[ $(net_host "$SL_PYTHON" -c '
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3) as s:
    s.sendall(b"PING\r\n")
    print(s.recv(64).decode().strip())
' "$1" 2>/dev/null) == +PONG ]]
}

for round in $(seq 1 "$ROUNDS"); do
        sl_run sl_docker restart -t 0 web
        sl_assert_rc "restart -t 0, round $round" 0
        sl_assert_eq "running after restart, round $round" running \
                "$(sl_docker inspect -f '{{.State.Status}}' web)"
        sl_assert_eq "port published after restart, round $round" 8080 \
                "$(sl_docker inspect -f '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}' web)"
        if sl_wait_for 10 net_http_ok http://127.0.0.1:8080/; then
                sl_ok "published port serves after restart, round $round"
        else
                sl_not_ok "published port serves after restart, round $round" \
                        "status: $(net_http_status http://127.0.0.1:8080/)"
        fi
        sl_run sl_docker exec web sh -c "echo $round > /data/round && cat /data/round"
        sl_assert_out "volume writable after restart, round $round" "$round"

        sl_run sl_docker restart -t 0 kv
        sl_assert_rc "redis restart -t 0, round $round" 0
        port=$(redis_port)
        sl_assert_match "redis port published after restart, round $round" '^[0-9]+$' "$port"
        if [ -n "$port" ] && sl_wait_for 10 redis_ping "$port"; then
                sl_ok "redis answers after restart, round $round"
        else
                sl_not_ok "redis answers after restart, round $round" "host port: '$port'"
        fi
done

sl_check "rm -f" sl_docker rm -f -v web kv
sl_check "volume rm" sl_docker volume rm restart-vol
sl_check "network rm" sl_docker network rm restart-net

sl_done
