#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Drives the link layer of the netns library through netns-tool. Inside a
# private network namespace it creates a bridge and two veth endpoints in
# two fresh namespaces and pings between them and to the bridge. It checks
# addresses, MAC, MTU, routes and the hairpin flag, then removes everything
# and checks that nothing is left. Output is TAP; the exit status follows
# automake (0 passed, 1 failed, 77 skipped, 99 hard error).
#
# Environment:
#   SOCKERLESS_NETNS_TOOL  the driver (default $abs_top_builddir/tests/integration/netns-tool)
#   SOCKERLESS_BUSYBOX     busybox with ping (default /bin/busybox)
#   SOCKERLESS_TEST_TMPDIR where the per-test directory goes (default /tmp)

set -u
set -o pipefail

NT_TOOL=${SOCKERLESS_NETNS_TOOL:-${abs_top_builddir:-$(pwd)}/tests/integration/netns-tool}
NT_BUSYBOX=${SOCKERLESS_BUSYBOX:-/bin/busybox}

if [ -z "${NT_IN_PRIVATE_NETNS:-}" ]; then
        if [ "$(id -u)" != 0 ]; then
                echo "1..0 # SKIP needs root"
                exit 77
        fi
        for tool in "$NT_TOOL" "$NT_BUSYBOX"; do
                if [ ! -x "$tool" ]; then
                        echo "1..0 # SKIP $tool is missing"
                        exit 77
                fi
        done
        for tool in ip nsenter unshare; do
                if ! command -v "$tool" >/dev/null; then
                        echo "1..0 # SKIP $tool is missing"
                        exit 77
                fi
        done
        # The bridge, the host ends and the sysctls the library sets all
        # live in this private namespace, which ends with the script.
        NT_IN_PRIVATE_NETNS=1 exec unshare --net "$0" "$@"
        exit 99
fi

NT_COUNT=0
NT_FAILED=0
NT_OUT=
NT_ERR=
NT_RC=0
NT_TMP=$(mktemp -d "${SOCKERLESS_TEST_TMPDIR:-/tmp}/netns-links.XXXXXX") || exit 99
NS_A=$NT_TMP/a
NS_B=$NT_TMP/b
BR=br-nltest
OTHER=nltest-veth0

nt_cleanup() {
        local path
        for path in "$NS_A" "$NS_B"; do
                umount -l "$path" 2>/dev/null
        done
        grep -F " $NT_TMP/" /proc/self/mountinfo | awk '{print $5}' | while read -r path; do
                umount -l "$path" 2>/dev/null
        done
        rm -rf "$NT_TMP"
}
trap nt_cleanup EXIT

nt_diag() {
        local line
        while IFS= read -r line; do
                printf '#   %s\n' "$line"
        done <<<"$*"
}

nt_ok() {
        NT_COUNT=$((NT_COUNT + 1))
        printf 'ok %d - %s\n' "$NT_COUNT" "$1"
}

nt_not_ok() {
        NT_COUNT=$((NT_COUNT + 1))
        NT_FAILED=$((NT_FAILED + 1))
        printf 'not ok %d - %s\n' "$NT_COUNT" "$1"
        shift
        local detail
        for detail in "$@"; do
                nt_diag "$detail"
        done
}

# nt_run COMMAND...: runs COMMAND, keeping its output and exit status.
nt_run() {
        local out err
        out=$(mktemp "$NT_TMP/out.XXXXXX") err=$(mktemp "$NT_TMP/err.XXXXXX")
        "$@" >"$out" 2>"$err"
        NT_RC=$?
        NT_OUT=$(cat "$out")
        NT_ERR=$(cat "$err")
        rm -f "$out" "$err"
}

# nt_check NAME COMMAND...: passes when COMMAND succeeds.
nt_check() {
        local name=$1
        shift
        if "$@"; then
                nt_ok "$name"
        else
                nt_not_ok "$name" "failed: $*" "last output: $NT_OUT" "last stderr: $NT_ERR"
        fi
}

# nt_check_fails NAME COMMAND...: passes when COMMAND fails.
nt_check_fails() {
        local name=$1
        shift
        if "$@" >/dev/null 2>&1; then
                nt_not_ok "$name" "succeeded: $*"
        else
                nt_ok "$name"
        fi
}

# nt_check_eq NAME EXPECTED ACTUAL
nt_check_eq() {
        if [ "$2" = "$3" ]; then
                nt_ok "$1"
        else
                nt_not_ok "$1" "expected: $2" "actual:   $3" "last stderr: $NT_ERR"
        fi
}

# nt_check_contains NAME HAYSTACK NEEDLE
nt_check_contains() {
        case "$2" in
        *"$3"*) nt_ok "$1" ;;
        *) nt_not_ok "$1" "expected to contain: $3" "actual: $2" ;;
        esac
}

# nt_check_lacks NAME HAYSTACK NEEDLE
nt_check_lacks() {
        case "$2" in
        *"$3"*) nt_not_ok "$1" "expected not to contain: $3" "actual: $2" ;;
        *) nt_ok "$1" ;;
        esac
}

in_ns() {
        local ns=$1
        shift
        nsenter --net="$ns" "$@"
}

link_field() { # NS|- IFNAME: prints `ip -d -o link show` of IFNAME
        if [ "$1" = - ]; then
                ip -d -o link show "$2" 2>&1
        else
                in_ns "$1" ip -d -o link show "$2" 2>&1
        fi
}

# The mountinfo line of a namespace file, for its propagation fields.
mount_line() {
        awk -v p="$1" '$5 == p' /proc/self/mountinfo
}

# --- address parser through the driver

nt_run "$NT_TOOL" parse 10.1.2.3
nt_check_eq "parse adds the IPv4 host prefix" 10.1.2.3/32 "$NT_OUT"
nt_run "$NT_TOOL" parse fd00::1/64
nt_check_eq "parse keeps an IPv6 prefix" fd00::1/64 "$NT_OUT"
nt_run "$NT_TOOL" parse 10.1.2.3/33
nt_check "parse rejects a long prefix" [ "$NT_RC" != 0 ]

# --- namespaces

nt_run "$NT_TOOL" create "$NS_A"
nt_check_eq "create the first namespace" 0 "$NT_RC"
nt_run "$NT_TOOL" create "$NS_B"
nt_check_eq "create the second namespace" 0 "$NT_RC"
nt_check "namespace file is a mount" test -n "$(mount_line "$NS_A")"
nt_check_lacks "namespace mount is not shared" "$(mount_line "$NS_A")" "shared:"
nt_check_contains "loopback is up in the new namespace" "$(link_field "$NS_A" lo)" ",UP"
nt_check "namespaces differ" [ "$(stat -L -c %i "$NS_A")" != "$(stat -L -c %i "$NS_B")" ]
nt_check "caller stays in its namespace" [ "$(stat -L -c %i /proc/self/ns/net)" != "$(stat -L -c %i "$NS_A")" ]
nt_run "$NT_TOOL" create "$NS_A"
nt_check "create on an existing path fails" [ "$NT_RC" != 0 ]
nt_check_contains "create on an existing path says so" "$NT_ERR" "File exists"
nt_run "$NT_TOOL" create-in-thread "$NT_TMP/threaded"
nt_check_eq "create from a second thread" 0 "$NT_RC"
nt_check_contains "thread-created namespace has loopback up" "$(link_field "$NT_TMP/threaded" lo)" ",UP"
nt_run "$NT_TOOL" remove "$NT_TMP/threaded"
nt_check_eq "remove the thread-created namespace" 0 "$NT_RC"
nt_run "$NT_TOOL" create "$NT_TMP/missing/dir/ns"
nt_check "create in a missing directory fails" [ "$NT_RC" != 0 ]

nt_run "$NT_TOOL" sysctl "$NS_A" net/ipv4/ip_forward 1
nt_check_eq "sysctl write in a namespace" 0 "$NT_RC"
nt_check_eq "sysctl reaches the namespace" 1 "$(in_ns "$NS_A" cat /proc/sys/net/ipv4/ip_forward)"
nt_check_eq "sysctl leaves the other namespace" 0 "$(in_ns "$NS_B" cat /proc/sys/net/ipv4/ip_forward)"
nt_run "$NT_TOOL" sysctl "$NS_A" net/../kernel/hostname x
nt_check "sysctl rejects a dot-dot key" [ "$NT_RC" != 0 ]

# --- bridge

nt_run "$NT_TOOL" bridge "$BR" 1400 ipv6 172.30.9.1/24 fd00:9::1/64
nt_check_eq "bridge create" 0 "$NT_RC"
nt_check_contains "bridge is a bridge" "$(link_field - "$BR")" "bridge forward_delay"
nt_check_contains "bridge is up" "$(link_field - "$BR")" ",UP"
nt_check_contains "bridge MTU" "$(link_field - "$BR")" "mtu 1400 "
addrs=$(ip -o addr show dev "$BR")
nt_check_contains "bridge IPv4 gateway" "$addrs" "inet 172.30.9.1/24 brd 172.30.9.255"
nt_check_contains "bridge IPv6 gateway" "$addrs" "inet6 fd00:9::1/64"
nt_check_eq "bridge route_localnet" 1 "$(cat /proc/sys/net/ipv4/conf/$BR/route_localnet)"
nt_check_eq "bridge enables IPv4 forwarding" 1 "$(cat /proc/sys/net/ipv4/ip_forward)"
nt_check_eq "bridge enables IPv6 forwarding" 1 "$(cat /proc/sys/net/ipv6/conf/all/forwarding)"

nt_run "$NT_TOOL" bridge "$BR" 1400 ipv6 172.30.9.1/24 172.30.10.1/24
nt_check_eq "bridge update" 0 "$NT_RC"
addrs=$(ip -o addr show dev "$BR")
nt_check_contains "bridge update keeps an address" "$addrs" "inet 172.30.9.1/24"
nt_check_contains "bridge update adds an address" "$addrs" "inet 172.30.10.1/24"
nt_check_lacks "bridge update removes an address" "$addrs" "fd00:9::1"
nt_check_contains "bridge update keeps link-local" "$addrs" "inet6 fe80::"

nt_run "$NT_TOOL" bridge "$BR" 1400 ipv6 172.30.9.1/24 fd00:9::1/64
nt_check_eq "bridge back to the first addresses" 0 "$NT_RC"
nt_run "$NT_TOOL" bridge "$BR" 1400 ipv6 172.30.9.1/24 fd00:9::1/64
nt_check_eq "bridge ensure is idempotent" 0 "$NT_RC"
addrs=$(ip -o addr show dev "$BR")
nt_check_eq "bridge has one IPv4 address" 1 "$(grep -c "inet " <<<"$addrs")"
nt_check_eq "bridge has two IPv6 addresses" 2 "$(grep -c "inet6 " <<<"$addrs")"

nt_run "$NT_TOOL" bridge br-nltest-v4 0 ipv4 fd00:8::1/64
nt_check "bridge rejects IPv6 with IPv6 off" [ "$NT_RC" != 0 ]
nt_check_fails "bridge rejected early creates nothing" ip link show br-nltest-v4
nt_run "$NT_TOOL" bridge br-nltest-v4 0 ipv4 172.30.8.1/24
nt_check_eq "bridge with IPv6 off" 1 "$(cat /proc/sys/net/ipv6/conf/br-nltest-v4/disable_ipv6)"
nt_check_lacks "bridge with IPv6 off has no link-local" "$(ip -o addr show dev br-nltest-v4)" "inet6"
nt_run "$NT_TOOL" delete br-nltest-v4
nt_check_eq "delete the IPv4-only bridge" 0 "$NT_RC"

ip link add "$OTHER" type veth peer name nltest-veth1
nt_run "$NT_TOOL" bridge "$OTHER" 0 ipv4
nt_check "bridge on another link type fails" [ "$NT_RC" != 0 ]
nt_check_contains "bridge on another link type says so" "$NT_ERR" "is not a bridge"
ip link del "$OTHER"

nt_run "$NT_TOOL" bridge "name-longer-than-15" 0 ipv4
nt_check_contains "bridge name too long" "$NT_ERR" "invalid bridge name"

# --- endpoints

nt_run "$NT_TOOL" endpoint "$BR" vethnla "$NS_A" eth0 1400 02:42:ac:1e:09:02 hairpin \
        addr=172.30.9.2/24 addr=fd00:9::2/64 gw=172.30.9.1 gw=fd00:9::1
nt_check_eq "endpoint add in the first namespace" 0 "$NT_RC"
nt_run "$NT_TOOL" endpoint "$BR" vethnlb "$NS_B" eth0 0 - nohairpin addr=172.30.9.3/24 addr=fd00:9::3/64
nt_check_eq "endpoint add without gateway" 0 "$NT_RC"

eth0=$(link_field "$NS_A" eth0)
nt_check_contains "endpoint MAC" "$eth0" "link/ether 02:42:ac:1e:09:02 "
nt_check_contains "endpoint MTU" "$eth0" "mtu 1400 "
nt_check_contains "endpoint is up" "$eth0" ",UP,LOWER_UP"
nt_check_contains "host end MTU" "$(link_field - vethnla)" "mtu 1400 "
nt_check_contains "host end is on the bridge" "$(link_field - vethnla)" "master $BR "
nt_check_contains "host end is up" "$(link_field - vethnla)" ",UP,LOWER_UP"
nt_check_contains "hairpin on when requested" "$(link_field - vethnla)" "hairpin on"
nt_check_contains "hairpin off otherwise" "$(link_field - vethnlb)" "hairpin off"
nt_check_contains "random MAC is unicast" "$(link_field "$NS_B" eth0)" "link/ether "
nt_check_contains "endpoint IPv4 address" "$(in_ns "$NS_A" ip -o addr show dev eth0)" \
        "inet 172.30.9.2/24 brd 172.30.9.255"
nt_check_contains "endpoint IPv6 address" "$(in_ns "$NS_A" ip -o addr show dev eth0)" "inet6 fd00:9::2/64"
nt_check_lacks "endpoint IPv6 address skips DAD" "$(in_ns "$NS_A" ip -o addr show dev eth0 to fd00:9::2)" \
        "tentative"
nt_check_contains "IPv4 default route" "$(in_ns "$NS_A" ip -4 route show default)" \
        "default via 172.30.9.1 dev eth0"
nt_check_contains "IPv6 default route" "$(in_ns "$NS_A" ip -6 route show default)" \
        "default via fd00:9::1 dev eth0"
nt_check_eq "no default route without gateways" "" "$(in_ns "$NS_B" ip route show default)"
nt_check_contains "bridge keeps its MTU with a 1500 port" "$(link_field - "$BR")" "mtu 1400 "
nt_check_fails "host end is not in the namespace" in_ns "$NS_A" ip link show vethnla
nt_check_fails "peer is not on the host" ip link show eth0

nt_run in_ns "$NS_A" "$NT_BUSYBOX" ping -c 1 -W 5 172.30.9.3
nt_check_eq "ping from one endpoint to the other" 0 "$NT_RC"
nt_run in_ns "$NS_B" "$NT_BUSYBOX" ping -c 1 -W 5 172.30.9.2
nt_check_eq "ping back" 0 "$NT_RC"
nt_run in_ns "$NS_A" "$NT_BUSYBOX" ping -c 1 -W 5 172.30.9.1
nt_check_eq "ping the bridge address" 0 "$NT_RC"
nt_run in_ns "$NS_A" "$NT_BUSYBOX" ping -6 -c 1 -W 5 fd00:9::3
nt_check_eq "ping over IPv6" 0 "$NT_RC"

nt_run "$NT_TOOL" routes
nt_check_contains "routes list the bridge subnet" "$NT_OUT" "172.30.9.0/24"
nt_check_contains "routes list the IPv6 subnet" "$NT_OUT" "fd00:9::/64"
nt_check_lacks "routes skip default routes" "$NT_OUT" "/0"

# --- endpoint failures

nt_run "$NT_TOOL" endpoint "$BR" vethnla "$NS_B" eth1 0 - nohairpin
nt_check "endpoint with a taken host name fails" [ "$NT_RC" != 0 ]
nt_check_contains "endpoint with a taken host name says so" "$NT_ERR" "already exists"
nt_check_fails "taken host name leaves no peer" in_ns "$NS_B" ip link show eth1

nt_run "$NT_TOOL" endpoint "$BR" vethnlc "$NS_A" eth0 0 - nohairpin
nt_check "endpoint with a taken name inside fails" [ "$NT_RC" != 0 ]
nt_check_fails "taken name inside leaves no host end" ip link show vethnlc

nt_run "$NT_TOOL" endpoint "$BR" vethnlc "$NS_A" eth1 0 - hairpin addr=172.30.9.4/24 gw=10.99.0.1
nt_check "endpoint with an unreachable gateway fails" [ "$NT_RC" != 0 ]
nt_check_contains "unreachable gateway is in the message" "$NT_ERR" "10.99.0.1"
nt_check_fails "failed endpoint removes its host end" ip link show vethnlc
nt_check_fails "failed endpoint removes its peer" in_ns "$NS_A" ip link show eth1

nt_run "$NT_TOOL" endpoint br-nltest-none vethnlc "$NS_A" eth1 0 - nohairpin
nt_check "endpoint on a missing bridge fails" [ "$NT_RC" != 0 ]
nt_check_fails "missing bridge leaves no host end" ip link show vethnlc

# --- removal

nt_run "$NT_TOOL" exists vethnlb
nt_check_eq "exists finds a link" 0 "$NT_RC"
nt_run "$NT_TOOL" delete-in "$NS_B" eth0
nt_check_eq "delete inside a namespace" 0 "$NT_RC"
nt_check_fails "delete inside removes the host end" ip link show vethnlb
nt_run "$NT_TOOL" delete-in "$NS_B" eth0
nt_check_eq "delete inside when absent" 0 "$NT_RC"
nt_run "$NT_TOOL" endpoint-remove vethnla
nt_check_eq "endpoint remove" 0 "$NT_RC"
nt_check_fails "endpoint remove deletes the peer" in_ns "$NS_A" ip link show eth0
nt_run "$NT_TOOL" endpoint-remove vethnla
nt_check_eq "endpoint remove when absent" 0 "$NT_RC"
nt_run "$NT_TOOL" exists vethnla
nt_check "exists after remove" [ "$NT_RC" != 0 ]

nt_check_contains "bridge keeps its MTU without ports" "$(link_field - "$BR")" "mtu 1400 "
nt_run "$NT_TOOL" delete "$BR"
nt_check_eq "bridge delete" 0 "$NT_RC"
nt_run "$NT_TOOL" delete "$BR"
nt_check_eq "bridge delete when absent" 0 "$NT_RC"

nt_run "$NT_TOOL" remove "$NS_A"
nt_check_eq "remove the first namespace" 0 "$NT_RC"
nt_run "$NT_TOOL" remove "$NS_B"
nt_check_eq "remove the second namespace" 0 "$NT_RC"
nt_run "$NT_TOOL" remove "$NS_B"
nt_check_eq "remove when absent" 0 "$NT_RC"
nt_check "first namespace file is gone" [ ! -e "$NS_A" ]
nt_check "second namespace file is gone" [ ! -e "$NS_B" ]
nt_check_eq "no mounts left" "" "$(grep -F " $NT_TMP/" /proc/self/mountinfo)"
nt_check_eq "only loopback is left" "lo" "$(ip -o link show | awk -F': ' '{print $2}')"

echo "1..$NT_COUNT"
[ "$NT_FAILED" = 0 ]
