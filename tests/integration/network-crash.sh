#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A daemon killed during network create or network rm (sockerlessd's
# --crash-at), then started again: the next start deletes the bridge that
# no network uses and keeps the networks whose definition was written. The
# bridges of another daemon and bridges without the daemon's alias stay.
# Then ip-forward=false, which leaves the namespace's forwarding off.
. "$(dirname "$0")/netlib.sh"

sl_engine_is dockerd && sl_skip_all "only sockerlessd has --crash-at"
net_setup
sl_image_load busybox

busybox=$NET_BUSYBOX

# crash_at POINT COMMAND...: restart the daemon armed with POINT, run the
# docker command, and check that the daemon died there.
crash_at() {
        local point=$1 status
        shift
        sl_daemon_stop
        SL_DAEMON_ARGS=(--crash-at "$point")
        sl_daemon_start
        SL_DAEMON_ARGS=()
        # Quiet, because bash reports the daemon's death by SIGKILL.
        {
                timeout 30 docker -H "unix://$SL_SOCK" "$@" >/dev/null 2>&1
                status=running
                if sl_wait_for 30 sh -c "! kill -0 $SL_DAEMON_PID 2>/dev/null"; then
                        wait "$SL_DAEMON_PID"
                        status=$?
                else
                        kill -KILL "$SL_DAEMON_PID"
                        wait "$SL_DAEMON_PID"
                fi
        } 2>/dev/null
        SL_DAEMON_PID=
        sl_assert_eq "$point: the daemon died there" 137 "$status"
}

# bridges: the names of the bridges in the daemon's namespace, one a line.
bridges() {
        net_host ip -o link show type bridge | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
}

# nft_table: the daemon's nftables table.
nft_table() {
        net_host nft list table inet sockerless 2>&1
}

# network_bridge NETWORK: the bridge of a user-defined network.
network_bridge() {
        echo "br-$(sl_docker network inspect -f '{{.Id}}' "$1" | cut -c1-12)"
}

# ---- network create killed after the bridge, before the definition
before=$(bridges)
crash_at network-create.after-bridge network create crash-a
leftover=$(comm -13 <(echo "$before") <(bridges))
sl_assert_match "create.after-bridge: the crash leaves a bridge" '^br-[0-9a-f]{12}$' "$leftover"
sl_daemon_start
sl_assert_eq "create.after-bridge: the start deletes it" "$before" "$(bridges)"
sl_assert_not_contains "create.after-bridge: not in the nftables table" "$leftover" "$(nft_table)"
sl_run sl_docker network ls --format '{{.Name}}'
sl_assert_not_contains "create.after-bridge: no network" crash-a "$SL_OUT"
sl_check "create.after-bridge: the name can be used again" sl_docker network create crash-a
sl_check "create.after-bridge: remove the new network" sl_docker network rm crash-a

# ---- network create killed after the definition
crash_at network-create.after-definition network create crash-b
sl_daemon_start
sl_run sl_docker network ls --format '{{.Name}}'
sl_assert_contains "create.after-definition: the network stays" crash-b "$SL_OUT"
bridge_b=$(network_bridge crash-b)
sl_assert_contains "create.after-definition: its bridge is up" "$bridge_b" "$(bridges)"
sl_assert_contains "create.after-definition: its bridge has rules" "$bridge_b" "$(nft_table)"
sl_check "create.after-definition: a container runs on it" \
        sl_docker run --rm --network crash-b "$busybox" ping -c 1 -W 3 "$(sl_docker network inspect \
        -f '{{(index .IPAM.Config 0).Gateway}}' crash-b)"
# The stop only removes the namespace, and the kernel deletes the veth pair.
if sl_wait_for 10 sh -c "! ip -n '$SL_NETNS' -o link show | grep -q ': veth'"; then
        sl_ok "the host end of the veth goes with the namespace"
else
        sl_not_ok "the host end of the veth goes with the namespace" "$(net_host ip -o link show)"
fi

# ---- network rm killed after the directory, before the bridge
crash_at network-rm.after-files network rm crash-b
sl_assert_contains "rm.after-files: the crash leaves the bridge" "$bridge_b" "$(bridges)"
sl_daemon_start
sl_assert_not_contains "rm.after-files: the start deletes it" "$bridge_b" "$(bridges)"
sl_assert_not_contains "rm.after-files: not in the nftables table" "$bridge_b" "$(nft_table)"
sl_run sl_docker network ls --format '{{.Name}}'
sl_assert_not_contains "rm.after-files: the network is gone" crash-b "$SL_OUT"

# ---- a network directory without network.json, bridges the daemon did not make
sl_daemon_stop
half=$SL_DATA/networks/$(printf '%064d' 7)
mkdir "$half"
net_host ip link add br-0123456789ab type bridge
net_host ip link add br-abcdef012345 type bridge
net_host ip link set br-abcdef012345 alias "sockerless /another/data-root"
sl_daemon_start
sl_assert_eq "half-written network directory removed" no "$([ -e "$half" ] && echo yes || echo no)"
sl_assert_contains "a bridge without alias stays" br-0123456789ab "$(bridges)"
sl_assert_contains "another daemon's bridge stays" br-abcdef012345 "$(bridges)"
sl_assert_contains "the default bridge stays" "$(net_bridge_name)" "$(bridges)"
net_host ip link del br-0123456789ab
net_host ip link del br-abcdef012345

# ---- ip-forward=false leaves forwarding as it is
sl_daemon_stop
net_host sysctl -qw net.ipv4.ip_forward=0
net_daemon_config '"ip-forward": false,'
sl_write_config
sl_daemon_start
sl_check "ip-forward=false: network create" sl_docker network create fwd-net
sl_check "ip-forward=false: run on it" sl_docker run --rm --network fwd-net "$busybox" true
sl_assert_eq "ip-forward=false: ip_forward stays 0" 0 "$(net_host cat /proc/sys/net/ipv4/ip_forward)"
sl_daemon_stop
net_daemon_config
sl_write_config
sl_daemon_start
sl_assert_eq "ip-forward default: ip_forward is 1" 1 "$(net_host cat /proc/sys/net/ipv4/ip_forward)"
sl_check "remove fwd-net" sl_docker network rm fwd-net

sl_done
