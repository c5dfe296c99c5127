#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The daemon's network options through the docker CLI: bip, fixed-cidr,
# mtu, default-address-pools, dns-search and dns-opts, then, after a
# restart, icc and ip-masq turned off. Passes against dockerd 20.10 in its
# own network namespace too.

# shellcheck disable=SC2016 # single quotes keep $ for the container shell
. "$(dirname "$0")/netlib.sh"

bip_subnet=172.31.7.0/24
options='"bip": "172.31.7.1/24", "fixed-cidr": "172.31.7.128/25", "mtu": 1400,
  "dns-search": ["example.test"], "dns-opts": ["ndots:3"],
  "default-address-pools": [{"base": "172.29.0.0/16", "size": 24}],'
net_setup "$options"
net_load_images
net_http_start 8000

busybox=$NET_BUSYBOX
bridge=$(net_bridge_name)

# reach NETWORK HOST PORT: true when a container on NETWORK connects to
# HOST:PORT over TCP within 3 seconds.
reach() {
        sl_docker run --rm --network "$1" "$busybox" sh -c "nc -w 3 $2 $3 </dev/null" >/dev/null 2>&1
}

# get_remote NETWORK: GET / of the remote host's HTTP server from a
# container on NETWORK.
get_remote() {
        sl_docker run --rm --network "$1" "$busybox" sh -c \
                "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $NET_REMOTE_ADDR 8000"
}

# ---- bip, fixed-cidr and mtu
sl_run sl_docker network inspect bridge --format '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}'
sl_assert_out "the default bridge's subnet and gateway come from bip" "$bip_subnet 172.31.7.1"
sl_run net_host ip -o -4 addr show dev "$bridge"
sl_assert_contains "the bridge has the bip address" "inet 172.31.7.1/24" "$SL_OUT"
sl_run sl_docker network inspect bridge --format '{{index .Options "com.docker.network.driver.mtu"}}'
sl_assert_out "network inspect shows the mtu" 1400

sl_check "run a container on the default bridge" sl_docker run -d --name first "$busybox" sleep 600
sl_assert_eq "the first address comes from fixed-cidr" 172.31.7.128 "$(net_ip first)"
sl_run sl_docker exec first cat /sys/class/net/eth0/mtu
sl_assert_out "eth0 has the daemon's mtu" 1400
sl_run sl_docker exec first ip route
sl_assert_eq "the default route is the bip address" 172.31.7.1 "$(awk '$1 == "default" { print $3 }' <<<"$SL_OUT")"
sl_run sl_docker exec first cat /etc/resolv.conf
sl_assert_out "resolv.conf has the daemon's search and options" \
        "search example.test"$'\n'"nameserver $NET_REMOTE_ADDR"$'\n'"options ndots:3"

# ---- default-address-pools
sl_check "create a user network" sl_docker network create pool1
sl_check "create a second user network" sl_docker network create pool2
sl_run sl_docker network inspect pool1 pool2 --format '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}'
sl_assert_out "user networks take subnets from the pool in order" $'172.29.0.0/24 172.29.0.1\n172.29.1.0/24 172.29.1.1'
sl_check "run a container on the first" sl_docker run -d --name pooled --network pool1 "$busybox" sleep 600
sl_assert_eq "its address is the first of the subnet" 172.29.0.2 "$(net_ip pooled pool1)"
sl_run sl_docker exec pooled cat /etc/resolv.conf
sl_assert_out "resolv.conf on a user network keeps the daemon's search and options" \
        $'search example.test\nnameserver 127.0.0.11\noptions ndots:3'
sl_run sl_docker network create --subnet 172.29.0.0/24 overlap
sl_assert_ne "a subnet in use fails" 0 "$SL_RC"
sl_assert_contains "message of a subnet in use" "Pool overlaps with other one on this address space" "$SL_ERR"

# ---- icc and ip-masq off, after a restart
sl_check "remove the containers" sh -c 'docker rm -f $(docker ps -aq) >/dev/null'
sl_check "remove the user networks" sl_docker network rm pool1 pool2
sl_daemon_stop
net_daemon_config "$options \"icc\": false, \"ip-masq\": false,"
sl_write_config
sl_daemon_start

sl_run sl_docker network inspect bridge \
        --format '{{index .Options "com.docker.network.bridge.enable_icc"}} {{index .Options "com.docker.network.bridge.enable_ip_masquerade"}}'
sl_assert_out "network inspect shows icc and ip-masq off" "false false"
sl_check "run redis on the default bridge" sl_docker run -d --name redis "$NET_REDIS"
redis_ip=$(net_ip redis)
net_assert_ipv4 "redis has an address" "$redis_ip"
if reach bridge "$redis_ip" 6379; then
        sl_not_ok "icc=false blocks containers on the default bridge" "nc to $redis_ip:6379 succeeded"
else
        sl_ok "icc=false blocks containers on the default bridge"
fi
sl_run net_host "$SL_PYTHON" -c '
import socket, sys
with socket.create_connection((sys.argv[1], 6379), timeout=3) as sock:
    sock.sendall(b"PING\r\n")
    print(sock.recv(100).decode().strip())' "$redis_ip"
sl_assert_out "the host still reaches the container" "+PONG"

# Without masquerading, replies need a route back to the bridge's subnet.
sl_check "route the bridge's subnet from the remote host" sl_remote ip route add "$bip_subnet" via "$NET_HOST_ADDR"
: >"$SL_TMP/http-8000.log"
sl_run get_remote bridge
sl_assert_contains "the default bridge reaches the remote host" "remote 8000" "$SL_OUT"
sl_assert_match "the remote host sees the container's own address" '^172\.31\.7\.[0-9]+$' "$(net_http_clients 8000)"

# Both options are the default bridge's only.
sl_check "create a user network" sl_docker network create user
sl_check "run redis on it" sl_docker run -d --name uredis --network user "$NET_REDIS"
if reach user uredis 6379; then
        sl_ok "containers on a user network still reach each other"
else
        sl_not_ok "containers on a user network still reach each other" "nc to uredis:6379 failed"
fi
: >"$SL_TMP/http-8000.log"
sl_run get_remote user
sl_assert_contains "a user network reaches the remote host" "remote 8000" "$SL_OUT"
sl_assert_eq "a user network is still masqueraded" "$NET_HOST_ADDR" "$(net_http_clients 8000)"

sl_done
