#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Networking across daemon restarts with live restore. After a SIGKILL and
# after a clean stop, running containers keep their addresses, published
# ports still accept connections, names still resolve, and no address,
# link or rule is added twice. A container removed afterwards leaves
# nothing, and once every container and network is gone only the default
# bridge is left.
# Passes against dockerd 20.10 in its own network namespace too, except
# the nftables and namespace file checks, which are Sockerless's own.

# shellcheck disable=SC2016 # single quotes keep $ for the container shell
. "$(dirname "$0")/netlib.sh"
net_setup
net_load_images
net_http_start 8000

busybox=$NET_BUSYBOX
host=$NET_HOST_ADDR

# state: the host's addresses, links and packet filter rules, which a
# restart must leave as they were. The lines are sorted because dockerd
# reorders its rules when it restarts; a duplicate still shows as a line
# twice. Only the device and address of each address count, since
# duplicate address detection changes the flags of link-local ones.
state() {
        net_host ip -o addr show | awk '{ print $2, $3, $4 }' | sort
        net_host ip -o link show | awk -F': ' '{ print $2 }' | sort
        if sl_engine_is sockerlessd; then
                net_nft_table | sort
        else
                net_host iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' | sort
        fi
}

# state_is EXPECTED: true when state prints EXPECTED. A removal deletes
# the container's namespace, and the kernel deletes its veth pair in the
# background, so checks after a removal wait for this.
state_is() {
        [ "$(state)" = "$1" ]
}

# veth_count_is N: true when the host has N veths of containers.
veth_count_is() {
        [ "$(net_links veth | wc -l)" = "$1" ]
}

# resolve NAME: the addresses nslookup finds for NAME from the client.
resolve() {
        sl_docker exec client nslookup "$1" 2>/dev/null |
                awk '/^Name:/ { name = 1 } name && /^Address:/ { print $2 }' | sort -u
}

# check_after WHAT: what must hold after a restart.
check_after() {
        local what=$1
        sl_run sl_docker inspect -f '{{.State.Running}}' web redis client
        sl_assert_out "containers still run after $what" $'true\ntrue\ntrue'
        sl_assert_eq "web keeps its address after $what" "$web_ip" "$(net_ip web)"
        sl_assert_eq "redis keeps its address after $what" "$redis_ip" "$(net_ip redis rnet)"
        sl_run sl_docker run --rm --network container:redis "$busybox" ip -o -4 addr show eth0
        sl_assert_contains "redis's eth0 keeps its address after $what" "inet $redis_ip/" "$SL_OUT"
        sl_assert_eq "the published port answers from the host after $what" 200 \
                "$(net_http_status http://127.0.0.1:8080/)"
        sl_assert_eq "the published port answers from the remote host after $what" 200 \
                "$(net_remote_http_status "http://$host:8080/")"
        sl_assert_eq "the published port answers over IPv6 after $what" 200 \
                "$(net_remote_http_status "http://[$NET_HOST_ADDR6]:8080/")"
        sl_run sl_docker port web
        sl_assert_out "docker port after $what" $'80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080'
        sl_assert_eq "names resolve after $what" "$redis_ip" "$(resolve redis)"
        sl_assert_eq "aliases resolve after $what" "$redis_ip" "$(resolve cache)"
        sl_run sl_docker exec client sh -c "printf 'PING\r\n' | nc -w 3 redis 6379"
        sl_assert_eq "redis answers by name after $what" "+PONG" "$(tr -d '\r' <<<"$SL_OUT")"
        sl_run sl_docker exec client sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $NET_REMOTE_ADDR 8000"
        sl_assert_contains "outbound traffic works after $what" "remote 8000" "$SL_OUT"
        sl_assert_eq "no address, link or rule changed after $what" "$state_before" "$(state)"

        # A container started now gets a free address and can go again.
        sl_check "run a new container after $what" sl_docker run -d --name "new-$2" --network rnet "$busybox" sleep 600
        local new_ip
        new_ip=$(net_ip "new-$2" rnet)
        sl_assert_match "the new container gets an address" '^[0-9.]+$' "$new_ip"
        sl_assert_ne "the new address is not redis's" "$redis_ip" "$new_ip"
        sl_assert_ne "the new address is not the client's" "$client_ip" "$new_ip"
        sl_assert_eq "the new container resolves by name" "$new_ip" "$(resolve "new-$2")"
        sl_check "remove it" sl_docker rm -f "new-$2"
        sl_wait_for 10 state_is "$state_before"
        sl_assert_eq "its removal restores the state after $what" "$state_before" "$(state)"
        sl_assert_contains "its name is gone after $what" "NXDOMAIN" "$(sl_docker exec client nslookup "new-$2" 2>&1)"
}

sl_check "create a user network" sl_docker network create rnet
sl_check "run nginx with a published port" sl_docker run -d --name web -p 8080:80 "$NET_NGINX"
sl_check "run redis on the user network" sl_docker run -d --name redis --network rnet --network-alias cache "$NET_REDIS"
sl_check "run a client on the user network" sl_docker run -d --name client --network rnet "$busybox" sleep 600
web_ip=$(net_ip web)
redis_ip=$(net_ip redis rnet)
client_ip=$(net_ip client rnet)
net_assert_ipv4 "web has an address" "$web_ip"
net_assert_ipv4 "redis has an address" "$redis_ip"
net_assert_ipv4 "the client has an address" "$client_ip"
sl_wait_for 10 net_http_ok http://127.0.0.1:8080/
sl_assert_eq "the published port answers before the restarts" 200 "$(net_http_status http://127.0.0.1:8080/)"
sl_assert_eq "names resolve before the restarts" "$redis_ip" "$(resolve redis)"
state_before=$(state)

# ---- SIGKILL
sl_daemon_restart --kill
check_after "a SIGKILL" kill

# ---- clean stop and start
sl_daemon_restart
check_after "a clean restart" clean

# ---- a container that exits while the daemon is down
sl_check "run a container to stop while the daemon is down" \
        sl_docker run -d --name gone --network rnet -p 8088:80 "$NET_NGINX"
gone_pid=$(sl_docker inspect -f '{{.State.Pid}}' gone)
sl_wait_for 10 net_http_ok http://127.0.0.1:8088/
sl_assert_eq "its port answers before" 200 "$(net_http_status http://127.0.0.1:8088/)"
sl_daemon_kill
kill -KILL "$gone_pid"
sl_daemon_start
sl_wait_for 30 sh -c '[ "$(docker inspect -f "{{.State.Running}}" gone)" = false ]'
sl_run sl_docker inspect -f '{{.State.Status}}' gone
sl_assert_out "the daemon sees that it exited" exited
sl_assert_eq "its port no longer answers" 000 "$(net_http_status http://127.0.0.1:8088/)"
sl_assert_contains "its name is gone" "NXDOMAIN" "$(sl_docker exec client nslookup gone 2>&1)"
sl_wait_for 10 state_is "$state_before"
sl_assert_eq "its addresses, links and rules are gone" "$state_before" "$(state)"
sl_check "it starts again" sl_docker start gone
sl_wait_for 10 net_http_ok http://127.0.0.1:8088/
sl_assert_eq "its port answers after the start" 200 "$(net_http_status http://127.0.0.1:8088/)"
sl_check "remove it" sl_docker rm -f gone
sl_wait_for 10 state_is "$state_before"
sl_assert_eq "its removal restores the state" "$state_before" "$(state)"

# ---- a container removed after the restarts
web_veths_before=$(net_links veth | wc -l)
sl_check "remove the nginx container" sl_docker rm -f web
sl_assert_eq "its port no longer answers" 000 "$(net_http_status http://127.0.0.1:8080/)"
sl_wait_for 10 veth_count_is "$((web_veths_before - 1))"
sl_assert_eq "its veth is gone" "$((web_veths_before - 1))" "$(net_links veth | wc -l)"
if sl_engine_is sockerlessd; then
        sl_assert_eq "its DNAT rule is gone" "" "$(net_nft_dnat_rules)"
else
        sl_skip "its DNAT rule is gone" "dockerd keeps its rules in iptables"
fi
sl_check "remove redis" sl_docker rm -f redis
sl_assert_contains "redis's name is gone" "NXDOMAIN" "$(sl_docker exec client nslookup redis 2>&1)"

# ---- everything removed
sl_check "remove the client" sl_docker rm -f client
sl_check "remove the user network" sl_docker network rm rnet
sl_wait_for 10 veth_count_is 0
sl_assert_eq "no veth is left" "" "$(net_links veth)"
sl_assert_eq "only the default bridge is left" "$(net_bridge_name)" "$(net_links bridge)"
if sl_engine_is sockerlessd; then
        sl_assert_eq "no container namespace is left" "" "$(net_netns_files)"
else
        sl_skip "no container namespace is left" "dockerd removes them a minute later"
fi

# The daemon stops with no container, so nothing of theirs may remain.
sl_daemon_stop
sl_assert_eq "no veth after the daemon stops" "" "$(net_links veth)"
sl_daemon_start
sl_run sl_docker network ls --format '{{.Name}}'
sl_assert_eq "the predefined networks come back" $'bridge\nhost\nnone' "$(sort <<<"$SL_OUT")"
sl_assert_eq "one default bridge after the last start" "$(net_bridge_name)" "$(net_links bridge)"

sl_done
