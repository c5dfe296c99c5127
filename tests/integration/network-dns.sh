#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The embedded DNS resolver of user-defined networks, through the docker
# CLI: container names, network aliases and their round robin, short IDs,
# AAAA on an IPv6 network and PTR. Names it does not serve go to the
# daemon's --dns (a fixture on the remote host), and unknown names fail.
# Also aliases added by network connect and these containers' resolv.conf. Passes against dockerd
# 20.10 in its own network namespace too.

# shellcheck disable=SC2016 # single quotes keep $ for the container shell
. "$(dirname "$0")/netlib.sh"
net_setup
net_load_images

# lookup NETWORK NAME [TYPE]: busybox nslookup from a container on NETWORK.
lookup() {
        local type=()
        [ $# -lt 3 ] || type=("-type=$3")
        sl_run sl_docker run --rm --network "$1" "$NET_BUSYBOX" nslookup "${type[@]}" "$2"
}

# answer_addresses: the addresses in the answer section of the last
# lookup's output (not the server's own address), sorted.
answer_addresses() {
        awk '/^Name:/ { name = 1 } name && /^Address:/ { print $2 }' <<<"$SL_OUT" | sort -u
}

sl_check "create a user network" sl_docker network create dnsnet
sl_check "run redis on it" sl_docker run -d --name redis --network dnsnet --network-alias cache "$NET_REDIS"
redis_ip=$(net_ip redis dnsnet)
redis_id=$(sl_docker inspect -f '{{.Id}}' redis)
net_assert_ipv4 "redis has an address on the network" "$redis_ip"

# ---- container names
lookup dnsnet redis
sl_assert_rc "nslookup of a container name succeeds" 0
sl_assert_eq "a container name resolves to its address" "$redis_ip" "$(answer_addresses)"
sl_assert_contains "the resolver is 127.0.0.11" "Server:		127.0.0.11" "$SL_OUT"

sl_run sl_docker run --rm --network dnsnet "$NET_BUSYBOX" sh -c "printf 'PING\r\n' | nc -w 3 redis 6379"
sl_assert_eq "redis answers PING by name" "+PONG" "$(tr -d '\r' <<<"$SL_OUT")"

sl_run sl_docker run --rm --network dnsnet "$NET_BUSYBOX" cat /etc/resolv.conf
sl_assert_out "resolv.conf on a user network" $'nameserver 127.0.0.11\noptions ndots:0'
sl_assert_eq "container names are not forwarded upstream" "" "$(net_dns_queries redis)"

lookup dnsnet redis.dnsnet
sl_assert_eq "NAME.NETWORK resolves" "$redis_ip" "$(answer_addresses)"
lookup dnsnet REDIS
sl_assert_eq "names are case-insensitive" "$redis_ip" "$(answer_addresses)"
lookup dnsnet redis.
sl_assert_eq "a name with a trailing dot resolves" "$redis_ip" "$(answer_addresses)"

# ---- aliases, short IDs, round robin
lookup dnsnet cache
sl_assert_eq "a network alias resolves" "$redis_ip" "$(answer_addresses)"
lookup dnsnet "${redis_id:0:12}"
sl_assert_eq "the short ID resolves" "$redis_ip" "$(answer_addresses)"

sl_check "run a second container with the same alias" \
        sl_docker run -d --name redis2 --network dnsnet --network-alias cache "$NET_REDIS"
redis2_ip=$(net_ip redis2 dnsnet)
net_assert_ipv4 "the second container has an address" "$redis2_ip"
lookup dnsnet cache
sl_assert_eq "an alias of two containers has both addresses" \
        "$(printf '%s\n' "$redis_ip" "$redis2_ip" | sort)" "$(answer_addresses)"
lookup dnsnet redis2
sl_assert_eq "a container name stays unique beside a shared alias" "$redis2_ip" "$(answer_addresses)"

# ---- TCP, UDP and PTR queries from the container's network namespace
redis_pid=$(sl_docker inspect -f '{{.State.Pid}}' redis)

# query ARGS...: tests/fixtures/dns-query.py in redis's network namespace.
query() {
        nsenter "--net=/proc/$redis_pid/ns/net" "$SL_PYTHON" "$SL_SRCDIR/../fixtures/dns-query.py" "$@"
}

sl_run query --tcp 127.0.0.11 redis2 A
sl_assert_out "a TCP query of a container name" "NOERROR"$'\n'"$redis2_ip"
: >"$NET_DNS_LOG"
sl_run query --tcp 127.0.0.11 "$NET_UPSTREAM_NAME" A
sl_assert_out "a TCP query of an external name" "NOERROR"$'\n'"$NET_UPSTREAM_ADDR"
sl_assert_contains "a TCP query goes upstream over TCP" \
        "tcp $NET_HOST_ADDR $NET_UPSTREAM_NAME A NOERROR" "$(net_dns_queries "$NET_UPSTREAM_NAME")"
sl_run query --tcp 127.0.0.11 nosuch.test A
sl_assert_out "a TCP query of an unknown name" NXDOMAIN
reverse_name=$(awk -F. '{ print $4 "." $3 "." $2 "." $1 ".in-addr.arpa" }' <<<"$redis2_ip")
sl_run query 127.0.0.11 "$reverse_name" PTR
sl_assert_out "a PTR query over UDP" $'NOERROR\nredis2.dnsnet'

# ---- reverse lookups
lookup dnsnet "$redis_ip"
sl_assert_contains "PTR of a container address names it on the network" "name = redis.dnsnet" "$SL_OUT"

# ---- names the resolver does not serve
: >"$NET_DNS_LOG"
lookup dnsnet "$NET_UPSTREAM_NAME"
sl_assert_rc "an external name resolves" 0
sl_assert_contains "an external name comes from the upstream" "Address: $NET_UPSTREAM_ADDR" "$SL_OUT"
sl_assert_contains "the upstream saw the query from the host's address" \
        "udp $NET_HOST_ADDR $NET_UPSTREAM_NAME A NOERROR" "$(net_dns_queries "$NET_UPSTREAM_NAME")"

lookup dnsnet nosuch.test
sl_assert_rc "nslookup of an unknown name fails" 1
sl_assert_contains "an unknown name is NXDOMAIN" "can't find nosuch.test: NXDOMAIN" "$SL_OUT"
sl_assert_match "the upstream saw the unknown name" "nosuch.test A NXDOMAIN" "$(net_dns_queries nosuch.test)"

sl_run sl_docker run --rm --network dnsnet "$NET_BUSYBOX" sh -c "printf 'PING\r\n' | nc -w 3 nosuch 6379"
sl_assert_ne "a connection to an unknown name fails" 0 "$SL_RC"

# ---- network connect --alias, and disconnect
sl_check "run a container on the default bridge" sl_docker run -d --name late "$NET_BUSYBOX" sleep 600
sl_check "network connect with an alias" sl_docker network connect --alias latecomer dnsnet late
late_ip=$(net_ip late dnsnet 2>/dev/null)
net_assert_ipv4 "connect gives an address on the network" "$late_ip"
lookup dnsnet latecomer
sl_assert_eq "an alias given at connect resolves at once" "$late_ip" "$(answer_addresses)"
lookup dnsnet late
sl_assert_eq "a connected container's name resolves" "$late_ip" "$(answer_addresses)"
sl_run sl_docker exec late cat /etc/resolv.conf
sl_assert_out "connect switches resolv.conf to the embedded resolver" $'nameserver 127.0.0.11\noptions ndots:0'
sl_run sl_docker exec late nslookup redis
sl_assert_rc "the connected container resolves names of the network" 0
sl_check "network disconnect" sl_docker network disconnect dnsnet late
lookup dnsnet latecomer
sl_assert_contains "a disconnected alias is gone" "NXDOMAIN" "$SL_OUT"

# ---- names on other networks
sl_check "create a second user network" sl_docker network create othernet
lookup othernet redis
sl_assert_contains "a container on another network does not resolve" "NXDOMAIN" "$SL_OUT"

# ---- IPv6
sl_check "create an IPv6 network" sl_docker network create --ipv6 --subnet 2001:db8:77::/64 v6net
sl_check "run redis on the IPv6 network" sl_docker run -d --name redis6 --network v6net "$NET_REDIS"
redis6_ip6=$(sl_docker inspect -f '{{(index .NetworkSettings.Networks "v6net").GlobalIPv6Address}}' redis6)
sl_assert_match "the container has an address in the IPv6 subnet" '^2001:db8:77::[0-9a-f]+$' "$redis6_ip6"
lookup v6net redis6 aaaa
sl_assert_eq "AAAA of a container name" "$redis6_ip6" "$(answer_addresses)"
lookup v6net "$redis6_ip6"
sl_assert_contains "PTR of a container's IPv6 address" "name = redis6.v6net" "$SL_OUT"
lookup v6net "$NET_UPSTREAM_NAME" aaaa
sl_assert_contains "AAAA of an external name comes from the upstream" "Address: $NET_UPSTREAM_ADDR6" "$SL_OUT"

# ---- connect before start, rename and restart
sl_check "create a container on the first network" sl_docker create --name early --network dnsnet "$NET_BUSYBOX" sleep 600
sl_check "connect it to the second one before it starts" sl_docker network connect --alias early-alias othernet early
sl_check "start it" sl_docker start early
sl_run sl_docker exec early sh -c 'ip -o -4 addr | awk "{ print \$2 }" | sort | xargs'
sl_assert_out "it has one interface per network" "eth0 eth1 lo"
lookup othernet early-alias
sl_assert_eq "the alias given before start resolves" "$(net_ip early othernet)" "$(answer_addresses)"
sl_check "rename it" sl_docker rename early renamed
lookup dnsnet renamed
sl_assert_eq "the new name resolves" "$(net_ip renamed dnsnet)" "$(answer_addresses)"
lookup dnsnet early
sl_assert_contains "the old name is gone" "NXDOMAIN" "$SL_OUT"
sl_check "restart it" sl_docker restart renamed
lookup othernet early-alias
sl_assert_eq "the alias resolves after a restart" "$(net_ip renamed othernet)" "$(answer_addresses)"

# ---- the default bridge has no embedded resolver
sl_run sl_docker run --rm "$NET_BUSYBOX" cat /etc/resolv.conf
sl_assert_out "resolv.conf on the default bridge names the daemon's --dns" "nameserver $NET_REMOTE_ADDR"
sl_run sl_docker run --rm "$NET_BUSYBOX" nslookup redis
sl_assert_contains "container names do not resolve on the default bridge" "NXDOMAIN" "$SL_OUT"
lookup bridge "$NET_UPSTREAM_NAME"
sl_assert_contains "the default bridge asks the upstream directly" "Address: $NET_UPSTREAM_ADDR" "$SL_OUT"

sl_done
