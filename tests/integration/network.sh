#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bridge networking through the docker CLI: network create, inspect, ls, rm,
# prune, connect and disconnect; --ip, --mac-address, --hostname; the
# network modes container:X, host and none; /etc/hosts and resolv.conf
# with --add-host (host-gateway), --dns*, --link and its variables;
# outbound traffic masqueraded to the remote host; isolation between
# networks, internal networks and enable_icc=false; network events. Passes
# against dockerd 20.10 in its own network namespace too, except the check
# of container namespace files, which is Sockerless's own.

# shellcheck disable=SC2016 # single quotes keep $ for the container shell
. "$(dirname "$0")/netlib.sh"
net_setup
net_load_images
net_http_start 8000

busybox=$NET_BUSYBOX
remote_url=$NET_REMOTE_ADDR:8000
default_hosts=$'127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
ff00::0\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters'

# reach NETWORK HOST PORT: true when a container on NETWORK connects to
# HOST:PORT over TCP within 3 seconds.
reach() {
        sl_docker run --rm --network "$1" "$busybox" sh -c "nc -w 3 $2 $3 </dev/null" >/dev/null 2>&1
}

# ---- network create, inspect and ls
sl_run sl_docker network create --subnet 172.30.5.0/24 --gateway 172.30.5.254 --ip-range 172.30.5.128/25 \
        --label team=net -o com.docker.network.bridge.name=sl-crud0 crud
sl_assert_match "network create prints the ID" '^[0-9a-f]{64}$' "$SL_OUT"
crud_id=$SL_OUT
sl_run sl_docker network inspect crud --format '{{.Name}} {{.Id}} {{.Driver}} {{.Scope}} {{.Internal}} {{.EnableIPv6}} {{.Attachable}}'
sl_assert_out "network inspect fields" "crud $crud_id bridge local false false false"
sl_run sl_docker network inspect crud --format '{{json .IPAM}}'
sl_assert_out "network inspect IPAM" \
        '{"Driver":"default","Options":{},"Config":[{"Subnet":"172.30.5.0/24","IPRange":"172.30.5.128/25","Gateway":"172.30.5.254"}]}'
sl_run sl_docker network inspect crud --format '{{json .Labels}} {{json .Options}}'
sl_assert_out "network inspect labels and options" '{"team":"net"} {"com.docker.network.bridge.name":"sl-crud0"}'
sl_run sl_docker network inspect "${crud_id:0:12}" --format '{{.Name}}'
sl_assert_out "network inspect by short ID" crud
sl_run net_host ip -o -4 addr show dev sl-crud0
sl_assert_contains "the bridge has the given name and gateway" "inet 172.30.5.254/24" "$SL_OUT"

sl_run sl_docker network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'
sl_assert_eq "network ls" $'bridge bridge local\ncrud bridge local\nhost host local\nnone null local' \
        "$(sort <<<"$SL_OUT")"
sl_run sl_docker network ls --filter label=team=net --format '{{.Name}}'
sl_assert_out "network ls by label" crud
sl_run sl_docker network ls --filter driver=null --format '{{.Name}}'
sl_assert_out "network ls by driver" none
sl_run sl_docker network ls --filter type=custom --format '{{.Name}}'
sl_assert_out "network ls of custom networks" crud

sl_run sl_docker network create crud
sl_assert_rc "a duplicate network name fails" 1
sl_assert_contains "message of a duplicate name" "network with name crud already exists" "$SL_ERR"
sl_run sl_docker network rm bridge
sl_assert_contains "the default bridge cannot be removed" \
        "bridge is a pre-defined network and cannot be removed" "$SL_ERR"
sl_run sl_docker network rm nosuch
sl_assert_contains "message of an unknown network" "network nosuch not found" "$SL_ERR"
sl_run sl_docker run --rm --network nosuch "$busybox" true
sl_assert_rc "run on an unknown network fails" 125
sl_assert_contains "run names the unknown network" "network nosuch not found" "$SL_ERR"

# ---- addresses from the network's range, --ip, connect and disconnect
sl_check "run a container on the network" sl_docker run -d --name c1 --network crud "$busybox" sleep 600
sl_run sl_docker inspect c1 -f '{{with .NetworkSettings.Networks.crud}}{{.IPAddress}}/{{.IPPrefixLen}} {{.Gateway}} {{.MacAddress}}{{end}}'
sl_assert_out "the first address of the ip-range" "172.30.5.128/24 172.30.5.254 02:42:ac:1e:05:80"
sl_run sl_docker exec c1 ip -o -4 addr show eth0
sl_assert_contains "the container's eth0 has the address" "inet 172.30.5.128/24" "$SL_OUT"
sl_run sl_docker exec c1 cat /sys/class/net/eth0/address
sl_assert_out "the MAC address follows the IP address" 02:42:ac:1e:05:80
sl_run sl_docker exec c1 ip route
sl_assert_contains "the default route is the gateway" "default via 172.30.5.254 dev eth0" "$SL_OUT"
sl_run sl_docker network inspect crud --format '{{range .Containers}}{{.Name}} {{.IPv4Address}} {{.MacAddress}}{{end}}'
sl_assert_out "network inspect lists the container" "c1 172.30.5.128/24 02:42:ac:1e:05:80"

sl_check "run a container with --ip" sl_docker run -d --name c2 --network crud --ip 172.30.5.10 "$busybox" sleep 600
sl_run sl_docker exec c2 ip -o -4 addr show eth0
sl_assert_contains "--ip sets the address" "inet 172.30.5.10/24" "$SL_OUT"
sl_run sl_docker run --rm --network crud --ip 172.30.5.10 "$busybox" true
sl_assert_rc "an address in use fails" 125
sl_assert_contains "message of an address in use" "Address already in use" "$SL_ERR"
sl_check "the container with --ip reaches the first one" sl_docker exec c2 ping -c 1 -W 3 172.30.5.128

sl_run sl_docker network rm crud
sl_assert_rc "rm of a network in use fails" 1
sl_assert_contains "message of a network in use" "network crud id $crud_id has active endpoints" "$SL_ERR"

sl_check "run a container on the default bridge" sl_docker run -d --name joiner "$busybox" sleep 600
sl_check "network connect" sl_docker network connect --ip 172.30.5.20 crud joiner
sl_run sl_docker exec joiner ip -o -4 addr show eth1
sl_assert_contains "connect adds eth1 with the address" "inet 172.30.5.20/24" "$SL_OUT"
sl_run sl_docker exec joiner ip route
sl_assert_eq "connect keeps the default route on eth0" eth0 "$(awk '$1 == "default" { print $5 }' <<<"$SL_OUT")"
sl_assert_contains "connect adds the network's route on eth1" "172.30.5.0/24 dev eth1" "$SL_OUT"
sl_run sl_docker inspect joiner -f '{{len .NetworkSettings.Networks}} {{.NetworkSettings.Networks.crud.IPAddress}}'
sl_assert_out "inspect shows both networks" "2 172.30.5.20"
sl_check "the connected container reaches the network" sl_docker exec joiner ping -c 1 -W 3 172.30.5.128
sl_check "network disconnect" sl_docker network disconnect crud joiner
sl_run sl_docker exec joiner ip -o link show eth1
sl_assert_ne "disconnect removes eth1" 0 "$SL_RC"
sl_run sl_docker inspect joiner -f '{{len .NetworkSettings.Networks}}'
sl_assert_out "inspect shows one network after disconnect" 1
sl_run sl_docker network disconnect crud joiner
sl_assert_ne "disconnect of an unconnected container fails" 0 "$SL_RC"

# ---- --mac-address, --hostname and the network modes
# The docker CLI sends --mac-address per network, which needs API 1.44, so
# the container is created through the API of dockerd 20.10 (1.41).
sl_api POST /containers/create?name=mac -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$busybox\",\"Cmd\":[\"sleep\",\"600\"],\"Hostname\":\"box\",\"MacAddress\":\"02:42:ac:11:00:99\"}"
sl_assert_eq "create with a MAC address" 201 "$SL_API_STATUS"
sl_check "start it" sl_docker start mac
sl_run sl_docker exec mac cat /sys/class/net/eth0/address
sl_assert_out "the MAC address is set" 02:42:ac:11:00:99
sl_run sl_docker inspect mac -f '{{.NetworkSettings.MacAddress}}'
sl_assert_out "inspect shows the MAC address" 02:42:ac:11:00:99
sl_run sl_docker exec mac hostname
sl_assert_out "the hostname is set" box
mac_ip=$(net_ip mac)
net_assert_ipv4 "the container has an address" "$mac_ip"
sl_run sl_docker exec mac cat /etc/hosts
sl_assert_out "hosts of a container with a hostname" "$default_hosts"$'\n'"$mac_ip	box"

# With --userns-remap, as with dockerd, a container joining another one's
# network namespace joins its user namespace too.
sl_check "run a container in the first one's network namespace" \
        sl_docker run -d --name shared --network container:mac "$busybox" sleep 600
sl_run sl_docker exec shared cat /sys/class/net/eth0/address
sl_assert_out "container:X shares the MAC address" 02:42:ac:11:00:99
sl_run sl_docker exec shared ip -o -4 addr show eth0
sl_assert_contains "container:X shares the IP address" "inet $mac_ip/" "$SL_OUT"
sl_run sl_docker exec shared hostname
sl_assert_out "container:X shares the hostname" box
sl_run sl_docker inspect shared -f '{{.HostConfig.NetworkMode}} {{json .NetworkSettings.Networks}}'
sl_assert_out "inspect of container:X" "container:$(sl_docker inspect -f '{{.Id}}' mac) {}"
sl_assert_eq "container:X shares the user namespace" "$(readlink "/proc/$(sl_docker inspect -f '{{.State.Pid}}' mac)/ns/user")" \
        "$(readlink "/proc/$(sl_docker inspect -f '{{.State.Pid}}' shared)/ns/user")"

# As with dockerd, sharing the host's network namespace takes --userns host.
host_userns=()
sl_remapped && host_userns=(--userns host)

sl_run sl_docker run --rm "${host_userns[@]}" --network host "$busybox" ip -o link show "$NET_HOST_LINK"
sl_assert_rc "--network host sees the host's links" 0
sl_run sl_docker run --rm "${host_userns[@]}" --network host "$busybox" cat /etc/resolv.conf
sl_assert_out "resolv.conf with --network host" "nameserver $NET_REMOTE_ADDR"
sl_run sl_docker run --rm --network none "$busybox" sh -c 'ip -o link | cut -d: -f2 | xargs'
sl_assert_out "--network none has only lo" lo
sl_run sl_docker run --rm --network none "$busybox" cat /etc/hosts
sl_assert_out "hosts with --network none" "$default_hosts"
sl_check "run a container on none" sl_docker run -d --name nonebox --network none "$busybox" sleep 600
sl_run sl_docker inspect nonebox -f '{{.NetworkSettings.SandboxID}}'
sl_assert_match "none: inspect shows a SandboxID" '^[0-9a-f]{64}$' "$SL_OUT"
none_key=$(sl_docker inspect nonebox -f '{{.NetworkSettings.SandboxKey}}')
none_pid=$(sl_docker inspect nonebox -f '{{.State.Pid}}')
# Seen from the daemon's mount namespace: with --userns-remap the daemon
# has one of its own, with /etc on an overlay, where its binds stay.
sl_assert_eq "none: SandboxKey is its namespace" "$(stat -L -c %i "/proc/$none_pid/ns/net")" \
        "$(nsenter -t "$SL_DAEMON_PID" -m stat -L -c %i "$none_key" 2>&1)"
sl_check "remove the container on none" sl_docker rm -f nonebox

# ---- /etc/hosts, resolv.conf and links on the default bridge
sl_check "run a link target" sl_docker run -d --name target --hostname tgt --expose 6379 "$NET_REDIS"
target_ip=$(net_ip target)
net_assert_ipv4 "the link target has an address" "$target_ip"
sl_check "run with links, hosts and DNS options" sl_docker run -d --name linker --link target:db --hostname box \
        --add-host gw:host-gateway --add-host extra:192.0.2.33 --dns "$NET_REMOTE_ADDR" \
        --dns-search example.test --dns-option ndots:2 "$busybox" sleep 600
linker_ip=$(net_ip linker)
net_assert_ipv4 "the linking container has an address" "$linker_ip"
gateway=$(sl_docker exec linker ip route | awk '$1 == "default" { print $3 }')
sl_run sl_docker exec linker sh -c 'cat /etc/hosts; echo; cat /etc/resolv.conf; echo; env | grep ^DB_ | sort'
sl_assert_out "hosts, resolv.conf and link variables" "$default_hosts
$gateway	gw
192.0.2.33	extra
$target_ip	db tgt target
$linker_ip	box

search example.test
nameserver $NET_REMOTE_ADDR
options ndots:2

DB_NAME=/linker/db
DB_PORT=tcp://$target_ip:6379
DB_PORT_6379_TCP=tcp://$target_ip:6379
DB_PORT_6379_TCP_ADDR=$target_ip
DB_PORT_6379_TCP_PORT=6379
DB_PORT_6379_TCP_PROTO=tcp"
sl_check "a link reaches its target by alias" \
        sl_docker run --rm --link target:db "$busybox" sh -c "printf 'PING\r\n' | nc -w 3 db 6379 | grep -q PONG"

# On a user network, a link is a DNS alias and hosts has no entry.
sl_check "create a network for links" sl_docker network create linknet
sl_check "run a link target on it" sl_docker run -d --name utarget --network linknet "$NET_REDIS"
sl_run sl_docker run --rm --network linknet --link utarget:udb "$busybox" \
        sh -c 'grep -c udb /etc/hosts; nslookup udb | grep -c "^Address: "'
sl_assert_eq "a link on a user network is a name, not a hosts entry" $'0\n1' "$SL_OUT"
sl_run sl_docker run --rm --network linknet --dns-search example.test --dns-option ndots:2 "$busybox" \
        cat /etc/resolv.conf
sl_assert_out "resolv.conf on a user network with DNS options" \
        $'search example.test\nnameserver 127.0.0.11\noptions ndots:2'

# container:X with X on a user network: the joiner shares X's hosts,
# hostname and resolv.conf files, as with dockerd, so it resolves names
# through the embedded DNS server.
sl_run sl_docker run --rm --network container:utarget "$busybox" sh -c 'nslookup utarget | grep -c "^Address: "'
sl_assert_out "container:X resolves names on X's user network" 1
sl_run sl_docker run --rm --network container:utarget "$busybox" cat /etc/resolv.conf
sl_assert_out "container:X has X's resolv.conf" "$(sl_docker exec utarget cat /etc/resolv.conf)"
sl_run sl_docker run --rm --network container:utarget "$busybox" cat /etc/hosts
sl_assert_out "container:X has X's hosts" "$(sl_docker exec utarget cat /etc/hosts)"
sl_check "run a container joining utarget" sl_docker run -d --name ujoin --network container:utarget "$busybox" sleep 600
sl_run sl_docker inspect -f '{{.ResolvConfPath}} {{.HostsPath}} {{.HostnamePath}}' ujoin
sl_assert_out "inspect of container:X names X's files" \
        "$(sl_docker inspect -f '{{.ResolvConfPath}} {{.HostsPath}} {{.HostnamePath}}' utarget)"
sl_check "remove the joining container" sl_docker rm -f ujoin

# ---- outbound traffic, masqueraded
sl_run sl_docker run --rm "$busybox" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $NET_REMOTE_ADDR 8000"
sl_assert_contains "the default bridge reaches the remote host" "remote 8000" "$SL_OUT"
sl_run sl_docker run --rm --network linknet "$busybox" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $NET_REMOTE_ADDR 8000"
sl_assert_contains "a user network reaches the remote host" "remote 8000" "$SL_OUT"
sl_assert_eq "the remote host sees the host's address" "$NET_HOST_ADDR $NET_HOST_ADDR" \
        "$(net_http_clients 8000 | xargs)"

# ---- isolation
sl_check "create a second network" sl_docker network create othernet
utarget_ip=$(net_ip utarget)
net_assert_ipv4 "the target on the user network has an address" "$utarget_ip"
if reach linknet "$utarget_ip" 6379; then
        sl_ok "a container reaches its own network"
else
        sl_not_ok "a container reaches its own network" "nc to $utarget_ip:6379 from linknet failed"
fi
if reach othernet "$utarget_ip" 6379; then
        sl_not_ok "another network cannot reach the container" "nc to $utarget_ip:6379 from othernet succeeded"
else
        sl_ok "another network cannot reach the container"
fi
if reach bridge "$utarget_ip" 6379; then
        sl_not_ok "the default bridge cannot reach a user network" "nc to $utarget_ip:6379 from bridge succeeded"
else
        sl_ok "the default bridge cannot reach a user network"
fi

sl_check "create an internal network" sl_docker network create --internal inner
sl_run sl_docker network inspect inner -f '{{.Internal}}'
sl_assert_out "inspect shows Internal" true
if reach inner "$NET_REMOTE_ADDR" 8000; then
        sl_not_ok "an internal network cannot reach the remote host" "nc to $remote_url succeeded"
else
        sl_ok "an internal network cannot reach the remote host"
fi
# dockerd 20.10 forwards from the container's namespace, which has no way
# out, so the lookup times out.
: >"$NET_DNS_LOG"
sl_run sl_docker run --rm --network inner "$busybox" nslookup "$NET_UPSTREAM_NAME"
sl_assert_ne "an internal network does not resolve external names" 0 "$SL_RC"
sl_assert_eq "no query from an internal network reaches the upstream" "" "$(net_dns_queries "$NET_UPSTREAM_NAME")"
sl_check "run redis on the internal network" sl_docker run -d --name iredis --network inner "$NET_REDIS"
if reach inner iredis 6379; then
        sl_ok "containers on an internal network reach each other"
else
        sl_not_ok "containers on an internal network reach each other" "nc to iredis:6379 failed"
fi

sl_check "create a network without icc" sl_docker network create -o com.docker.network.bridge.enable_icc=false noicc
sl_check "run redis on it" sl_docker run -d --name nredis --network noicc "$NET_REDIS"
if reach noicc "$(net_ip nredis)" 6379; then
        sl_not_ok "enable_icc=false blocks container to container" "nc to nredis succeeded"
else
        sl_ok "enable_icc=false blocks container to container"
fi
sl_run sl_docker run --rm --network noicc "$busybox" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $NET_REMOTE_ADDR 8000"
sl_assert_contains "enable_icc=false still reaches the remote host" "remote 8000" "$SL_OUT"

# ---- network events
since=$(date +%s)
sl_check "create a network for events" sl_docker network create evnet
sl_check "run a container for events" sl_docker run -d --name evc "$busybox" sleep 600
evc_id=$(sl_docker inspect -f '{{.Id}}' evc)
sl_check "connect it" sl_docker network connect evnet evc
sl_check "disconnect it" sl_docker network disconnect evnet evc
sl_check "remove the network" sl_docker network rm evnet
# dockerd 20.10 sends disconnect twice, hence uniq.
sl_run sl_docker events --since "$since" --until "$(($(date +%s) + 1))" --filter type=network --filter network=evnet \
        --format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}} {{.Actor.Attributes.container}}'
sl_assert_eq "network events" "create evnet bridge <no value>
connect evnet bridge $evc_id
disconnect evnet bridge $evc_id
destroy evnet bridge <no value>" "$(uniq <<<"$SL_OUT")"

# dockerd 20.10 also sends connect and disconnect for the none and host
# networks at each start and stop of a container on them.
for net in none host; do
        since=$(date +%s)
        userns=()
        [ "$net" = host ] && userns=("${host_userns[@]}")
        sl_check "run a container on $net for events" sl_docker run -d --name "ev$net" "${userns[@]}" --network "$net" \
                "$busybox" sleep 600
        id=$(sl_docker inspect -f '{{.Id}}' "ev$net")
        sl_check "stop it ($net)" sl_docker stop -t 0 "ev$net"
        sl_check "start it again ($net)" sl_docker start "ev$net"
        sl_check "remove it ($net)" sl_docker rm -f "ev$net"
        sl_run sl_docker events --since "$since" --until "$(($(date +%s) + 1))" --filter type=network \
                --filter "network=$net" --format '{{.Action}} {{.Actor.Attributes.type}} {{.Actor.Attributes.container}}'
        type=$([ "$net" = none ] && echo null || echo host)
        sl_assert_eq "$net network events" "connect $type $id
disconnect $type $id
connect $type $id
disconnect $type $id" "$SL_OUT"
done

# ---- network rm and prune
sl_check "remove the containers" sh -c 'docker rm -f $(docker ps -aq) >/dev/null'
sl_check "network rm" sl_docker network rm crud
sl_assert_eq "network rm removes the bridge" "" "$(net_host ip -o link show dev sl-crud0 2>/dev/null)"
sl_run sl_docker network prune -f
sl_assert_rc "network prune" 0
sl_assert_eq "prune removes every unused network" \
        $'Deleted Networks:\ninner\nlinknet\nnoicc\nothernet' "$(sort <<<"$SL_OUT")"
sl_run sl_docker network ls --format '{{.Name}}'
sl_assert_eq "only the predefined networks remain" $'bridge\nhost\nnone' "$(sort <<<"$SL_OUT")"
sl_assert_eq "only the default bridge remains" "$(net_bridge_name)" "$(net_links bridge)"
sl_assert_eq "no veth remains" "" "$(net_links veth)"
if sl_engine_is sockerlessd; then
        sl_assert_eq "no container namespace remains" "" "$(net_netns_files)"
else
        sl_skip "no container namespace remains" "dockerd removes them a minute later"
fi

sl_done
