#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The network endpoints through the docker CLI and curl. It checks create
# and inspect JSON as dockerd 20.10 prints it, ls filters, and rm and prune
# with their errors and status codes. It connects and disconnects running
# and stopped containers and checks their addresses, NetworkSettings,
# network events and a daemon restart. The daemon runs in a network
# namespace of its own. Passes against dockerd 20.10 too.
SL_DAEMON_NETNS=1
. "$(dirname "$0")/lib.sh"
sl_setup
sl_require_tools jq
sl_image_load busybox

busybox=sockerless-test/busybox:1.35
api=/v1.41
events_since=$(date +%s)

# api_create BODY: POST /networks/create with a JSON body.
api_create() {
        sl_api POST "$api/networks/create" -H 'Content-Type: application/json' -d "$1"
}

api_message() {
        jq -r .message <<<"$SL_API_BODY"
}

# ---- predefined networks
sl_run sl_docker network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'
sl_assert_eq "network ls lists the predefined networks" "bridge bridge local
host host local
none null local" "$(sort <<<"$SL_OUT")"

bridge=$(sl_docker network inspect bridge)
sl_assert_eq "bridge subnet" "172.17.0.0/16" "$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$bridge")"
sl_assert_eq "bridge IPAM has no gateway" "null" "$(jq -r '.[0].IPAM.Config[0].Gateway' <<<"$bridge")"
sl_assert_eq "bridge IPAM options" "null" "$(jq -c '.[0].IPAM.Options' <<<"$bridge")"
sl_assert_eq "bridge default_bridge option" "true" \
        "$(jq -r '.[0].Options["com.docker.network.bridge.default_bridge"]' <<<"$bridge")"
sl_assert_eq "bridge mtu option" "1500" "$(jq -r '.[0].Options["com.docker.network.driver.mtu"]' <<<"$bridge")"
sl_assert_eq "bridge key order" \
        '["Name","Id","Created","Scope","Driver","EnableIPv6","IPAM","Internal","Attachable","Ingress","ConfigFrom","ConfigOnly","Containers","Options","Labels"]' \
        "$(jq -c '.[0] | keys_unsorted' <<<"$bridge")"
sl_assert_match "bridge ID" '^[0-9a-f]{64}$' "$(jq -r '.[0].Id' <<<"$bridge")"
sl_assert_eq "host IPAM config" "[]" "$(sl_docker network inspect host --format '{{json .IPAM.Config}}')"

sl_run sl_docker network rm bridge
sl_assert_contains "rm bridge message" "bridge is a pre-defined network and cannot be removed" "$SL_ERR"
sl_api DELETE "$api/networks/none"
sl_assert_eq "rm none status" 403 "$SL_API_STATUS"
api_create '{"Name":"host"}'
sl_assert_eq "create host status" 403 "$SL_API_STATUS"
sl_assert_eq "create host message" "operation is not permitted on predefined host network " "$(api_message)"

# ---- create and inspect
sl_run sl_docker network create --label team=a sl-net1
sl_assert_rc "network create" 0
net1=$SL_OUT
sl_assert_match "network create prints the ID" '^[0-9a-f]{64}$' "$net1"
inspect=$(sl_docker network inspect sl-net1)
sl_assert_eq "user network subnet" "172.18.0.0/16" "$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$inspect")"
sl_assert_eq "user network gateway" "172.18.0.1" "$(jq -r '.[0].IPAM.Config[0].Gateway' <<<"$inspect")"
sl_assert_eq "user network IPAM options" "{}" "$(jq -c '.[0].IPAM.Options' <<<"$inspect")"
sl_assert_eq "user network options" "{}" "$(jq -c '.[0].Options' <<<"$inspect")"
sl_assert_eq "user network labels" '{"team":"a"}' "$(jq -c '.[0].Labels' <<<"$inspect")"
sl_assert_eq "inspect by ID prefix" "sl-net1" "$(sl_docker network inspect "${net1:0:10}" --format '{{.Name}}')"

api_create '{"Name":"sl-net1","CheckDuplicate":true}'
sl_assert_eq "duplicate create status" 409 "$SL_API_STATUS"
sl_assert_eq "duplicate create message" "network with name sl-net1 already exists" "$(api_message)"

sl_run sl_docker network create --subnet 10.77.0.0/16 --ip-range 10.77.3.0/24 sl-net2
sl_assert_rc "network create with a subnet" 0
sl_assert_eq "explicit subnet is kept as given" '[{"Subnet":"10.77.0.0/16","IPRange":"10.77.3.0/24"}]' \
        "$(sl_docker network inspect sl-net2 --format '{{json .IPAM.Config}}')"
api_create '{"Name":"sl-overlap","IPAM":{"Config":[{"Subnet":"10.77.128.0/17"}]}}'
sl_assert_eq "overlapping subnet status" 403 "$SL_API_STATUS"
sl_assert_eq "overlapping subnet message" "Pool overlaps with other one on this address space" "$(api_message)"
api_create '{"Name":"sl-plugin","Driver":"nosuchdriver"}'
sl_assert_eq "unknown driver status" 404 "$SL_API_STATUS"
sl_assert_eq "unknown driver message" 'plugin "nosuchdriver" not found' "$(api_message)"

sl_run sl_docker network create --internal --attachable -o com.docker.network.bridge.name=sl-br3 sl-net3
sl_assert_rc "internal network create" 0
sl_assert_eq "internal and attachable" "true true" \
        "$(sl_docker network inspect sl-net3 --format '{{.Internal}} {{.Attachable}}')"

# ---- ls filters
sl_assert_eq "ls filter label" "sl-net1" "$(sl_docker network ls -f label=team=a --format '{{.Name}}')"
sl_assert_eq "ls filter type custom" "sl-net1 sl-net2 sl-net3" \
        "$(sl_docker network ls -f type=custom --format '{{.Name}}' | sort | xargs)"
sl_assert_eq "ls filter type builtin" "bridge host none" \
        "$(sl_docker network ls -f type=builtin --format '{{.Name}}' | sort | xargs)"
sl_assert_eq "ls filter driver null" "none" "$(sl_docker network ls -f driver=null --format '{{.Name}}')"
sl_assert_eq "ls filter name" "sl-net2" "$(sl_docker network ls -f name=net2 --format '{{.Name}}')"
sl_run sl_docker network ls -f type=bogus
sl_assert_contains "ls filter invalid type" "invalid filter: 'type'='bogus'" "$SL_ERR"
sl_api GET "$api/networks?filters=%7B%22bogus%22%3A%5B%221%22%5D%7D"
sl_assert_eq "ls invalid filter status" 400 "$SL_API_STATUS"
sl_assert_eq "ls invalid filter message" "Invalid filter 'bogus'" "$(api_message)"

# ---- containers on networks
sl_docker run -d --name sl-na --network sl-net1 --network-alias web "$busybox" sleep 1000 >/dev/null
sl_docker run -d --name sl-nb --network sl-net1 "$busybox" sleep 1000 >/dev/null
settings=$(sl_docker inspect sl-na --format '{{json .NetworkSettings}}')
short_a=$(sl_docker inspect sl-na --format '{{.Id}}' | cut -c1-12)
sl_assert_eq "first container address" "172.18.0.2" "$(jq -r '.Networks["sl-net1"].IPAddress' <<<"$settings")"
sl_assert_eq "container gateway" "172.18.0.1" "$(jq -r '.Networks["sl-net1"].Gateway' <<<"$settings")"
sl_assert_eq "container MAC from its address" "02:42:ac:12:00:02" \
        "$(jq -r '.Networks["sl-net1"].MacAddress' <<<"$settings")"
sl_assert_eq "aliases with the short ID" "[\"web\",\"$short_a\"]" \
        "$(jq -c '.Networks["sl-net1"].Aliases' <<<"$settings")"
sl_assert_eq "no top-level address on a user network" "" "$(jq -r '.IPAddress' <<<"$settings")"
sl_assert_eq "second container address" "172.18.0.3" \
        "$(sl_docker inspect sl-nb --format '{{(index .NetworkSettings.Networks "sl-net1").IPAddress}}')"
sl_run sl_docker exec sl-nb ping -c 1 -W 5 web
sl_assert_rc "alias resolves and answers ping" 0

containers=$(sl_docker network inspect sl-net1 --format '{{json .Containers}}')
sl_assert_eq "network lists its containers" "sl-na sl-nb" "$(jq -r '[.[].Name] | sort | join(" ")' <<<"$containers")"
sl_assert_eq "endpoint address with prefix" "172.18.0.2/16" \
        "$(jq -r '.[] | select(.Name == "sl-na") | .IPv4Address' <<<"$containers")"

sl_run sl_docker network rm sl-net1
sl_assert_contains "rm with active endpoints" "network sl-net1 id $net1 has active endpoints" "$SL_ERR"

sl_docker run -d --name sl-nd "$busybox" sleep 1000 >/dev/null
settings=$(sl_docker inspect sl-nd --format '{{json .NetworkSettings}}')
sl_assert_eq "default bridge top-level address" "172.17.0.2" "$(jq -r '.IPAddress' <<<"$settings")"
sl_assert_eq "default bridge top-level gateway" "172.17.0.1" "$(jq -r '.Gateway' <<<"$settings")"
sl_assert_eq "default bridge has no aliases" "null" "$(jq -c '.Networks.bridge.Aliases' <<<"$settings")"
sl_assert_eq "ps networks column" "bridge" "$(sl_docker ps -f name=sl-nd --format '{{.Networks}}')"
sl_assert_eq "ps network filter" "sl-na sl-nb" \
        "$(sl_docker ps -f network=sl-net1 --format '{{.Names}}' | sort | xargs)"

# ---- connect and disconnect
sl_run sl_docker network connect --ip 172.17.0.50 bridge sl-na
sl_assert_contains "static IP on the default bridge" \
        "user specified IP address is supported on user defined networks only" "$SL_ERR"
sl_run sl_docker network connect --ip 10.77.3.99 sl-net2 sl-na
sl_assert_rc "connect a running container" 0
sl_assert_eq "connected address" "10.77.3.99" \
        "$(sl_docker inspect sl-na --format '{{(index .NetworkSettings.Networks "sl-net2").IPAddress}}')"
sl_run sl_docker exec sl-na ip -o -4 addr show eth1
sl_assert_contains "the new interface is in the container" "10.77.3.99/16" "$SL_OUT"
sl_run sl_docker network connect sl-net2 sl-na
sl_assert_contains "connect twice" "endpoint with name sl-na already exists in network sl-net2" "$SL_ERR"
sl_run sl_docker network disconnect sl-net2 sl-na
sl_assert_rc "disconnect a running container" 0
sl_run sl_docker exec sl-na ip link show eth1
sl_assert_ne "the interface is gone" 0 "$SL_RC"
sl_run sl_docker network disconnect sl-net2 sl-na
sl_assert_contains "disconnect twice" "is not connected to network sl-net2" "$SL_ERR"
sl_run sl_docker network connect host sl-na
sl_assert_contains "connect to host" "container cannot be disconnected from host network or connected to host network" \
        "$SL_ERR"

sl_docker create --name sl-nc --network sl-net2 "$busybox" sleep 1000 >/dev/null
sl_assert_eq "created container shows no address" "" \
        "$(sl_docker inspect sl-nc --format '{{(index .NetworkSettings.Networks "sl-net2").IPAddress}}')"
sl_run sl_docker network connect sl-net1 sl-nc
sl_assert_rc "connect a created container" 0
sl_docker start sl-nc >/dev/null
sl_assert_eq "created container gets both networks" "sl-net1 sl-net2" \
        "$(sl_docker inspect sl-nc --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' | xargs)"
sl_assert_eq "address from the IP range" "10.77.3.0" \
        "$(sl_docker inspect sl-nc --format '{{(index .NetworkSettings.Networks "sl-net2").IPAddress}}' | sed 's/\.[0-9]*$/.0/')"

# ---- stop releases the addresses
sl_docker stop -t 0 sl-nb >/dev/null
sl_assert_eq "stopped container has no address" "" \
        "$(sl_docker inspect sl-nb --format '{{(index .NetworkSettings.Networks "sl-net1").IPAddress}}')"
sl_assert_eq "stopped container is no endpoint" "false" \
        "$(sl_docker network inspect sl-net1 --format '{{json .Containers}}' | jq 'map(.Name) | index("sl-nb") != null')"

# ---- unknown network at start
sl_run sl_docker create --name sl-nx --network sl-nosuch "$busybox" true
sl_assert_rc "create with an unknown network" 0
sl_run sl_docker start sl-nx
sl_assert_contains "start with an unknown network" "network sl-nosuch not found" "$SL_ERR"

# ---- events (the daemon keeps them in memory only, as dockerd)
events=$(sl_docker events --since "$events_since" --until "$(($(date +%s) + 1))" -f type=network \
        --format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}')
sl_assert_contains "create event" "create sl-net1 bridge" "$events"
sl_assert_contains "connect event at start" "connect sl-net1 bridge" "$events"
sl_assert_contains "connect event" "connect sl-net2 bridge" "$events"
sl_assert_contains "disconnect event" "disconnect sl-net2 bridge" "$events"
sl_assert_contains "disconnect event at stop" "disconnect sl-net1 bridge" "$events"

# ---- restart keeps running containers' networks
before=$(sl_docker inspect sl-na --format '{{json .NetworkSettings.Networks}}')
sl_daemon_restart --kill
sl_assert_eq "networks survive a daemon crash" "$before" \
        "$(sl_docker inspect sl-na --format '{{json .NetworkSettings.Networks}}')"
sl_run sl_docker exec sl-nc ping -c 1 -W 5 web
sl_assert_rc "DNS answers after the restart" 0
sl_docker run -d --name sl-ne --network sl-net1 "$busybox" sleep 1000 >/dev/null
sl_assert_ne "no address is given twice after a restart" "172.18.0.2" \
        "$(sl_docker inspect sl-ne --format '{{(index .NetworkSettings.Networks "sl-net1").IPAddress}}')"
sl_assert_eq "network IDs persist" "$net1" "$(sl_docker network inspect sl-net1 --format '{{.Id}}')"

# ---- prune
sl_docker network create sl-unused >/dev/null
sl_run sl_docker network prune -f
sl_assert_contains "prune removes unused networks" "sl-unused" "$SL_OUT"
sl_assert_contains "prune removes an unused internal network" "sl-net3" "$SL_OUT"
sl_assert_not_contains "prune keeps networks in use" "sl-net1" "$SL_OUT"
sl_api POST "$api/networks/prune?filters=%7B%22bogus%22%3A%5B%221%22%5D%7D"
sl_assert_eq "prune invalid filter status" 400 "$SL_API_STATUS"

# ---- removal
events_since=$(date +%s)
sl_docker rm -f sl-na sl-nb sl-nc sl-nd sl-ne sl-nx >/dev/null
sl_run sl_docker network rm sl-net1 sl-net2
sl_assert_rc "rm networks without endpoints" 0
sl_assert_eq "only the predefined networks are left" "bridge host none" \
        "$(sl_docker network ls --format '{{.Name}}' | sort | xargs)"
events=$(sl_docker events --since "$events_since" --until "$(($(date +%s) + 1))" -f type=network \
        --format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}')
sl_assert_contains "destroy event" "destroy sl-net1 bridge" "$events"
sl_assert_eq "no veth is left" "" "$(sl_netns_exec ip -o link show type veth)"

sl_done
