#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Checks the nftables rules of netns/nft.c with real traffic. Everything runs
# in network namespaces this script creates. HOST has two bridges and the
# nftables table under test. C1 and C2 are "containers" on bridge br-a, C3
# is one on bridge br-b, and REMOTE is a host routed from HOST over a veth
# pair. The ruleset is applied with netns-nft-apply, a driver of
# nft_ruleset_apply. Output is TAP; the exit status follows automake (0
# passed, 1 failed, 77 skipped, 99 hard error).
#
# Environment:
#   SOCKERLESS_BUSYBOX   a statically linked busybox (default /bin/busybox)

set -u
set -o pipefail

BUILD=${abs_top_builddir:-$(pwd)}
APPLY=$BUILD/tests/integration/netns-nft-apply
BUSYBOX=${SOCKERLESS_BUSYBOX:-/bin/busybox}
TABLE=nfttest
SUFFIX=$$
HOST=nft-host-$SUFFIX
C1=nft-c1-$SUFFIX
C2=nft-c2-$SUFFIX
C3=nft-c3-$SUFFIX
REMOTE=nft-remote-$SUFFIX
TMP=
COUNT=0
FAILED=0

if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root"
        exit 77
fi
for tool in ip nft curl setpriv "$BUSYBOX"; do
        if ! command -v "$tool" >/dev/null; then
                echo "1..0 # SKIP $tool is missing"
                exit 77
        fi
done
if [ ! -x "$APPLY" ]; then
        echo "Bail out! $APPLY is missing; run make check"
        exit 99
fi

ok() {
        COUNT=$((COUNT + 1))
        printf 'ok %d - %s\n' "$COUNT" "$1"
}

not_ok() {
        COUNT=$((COUNT + 1))
        FAILED=$((FAILED + 1))
        printf 'not ok %d - %s\n' "$COUNT" "$1"
        shift
        local line
        for line in "$@"; do
                printf '#   %s\n' "$line"
        done
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
        if [ "$2" = "$3" ]; then
                ok "$1"
        else
                not_ok "$1" "expected: $2" "actual:   $3"
        fi
}

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
        local name=$1
        shift
        if "$@"; then
                ok "$name"
        else
                not_ok "$name" "command failed: $*"
        fi
}

# check_fails NAME COMMAND...: passes when COMMAND fails.
check_fails() {
        local name=$1
        shift
        if "$@"; then
                not_ok "$name" "command succeeded: $*"
        else
                ok "$name"
        fi
}

in_ns() {
        local ns=$1
        shift
        ip netns exec "$ns" "$@"
}

cleanup() {
        local ns
        for ns in "$C1" "$C2" "$C3" "$REMOTE" "$HOST"; do
                # End the servers that run in the namespace before deleting it.
                if [ -e "/run/netns/$ns" ]; then
                        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
                        ip netns del "$ns"
                fi
        done
        [ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT

TMP=$(mktemp -d /tmp/netns-nft.XXXXXX) || exit 99

# --- topology

setup() {
        local ns
        for ns in "$HOST" "$C1" "$C2" "$C3" "$REMOTE"; do
                ip netns add "$ns" || return 1
                in_ns "$ns" ip link set lo up || return 1
        done

        in_ns "$HOST" sysctl -qw net.ipv4.ip_forward=1 || return 1
        in_ns "$HOST" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
        in_ns "$HOST" ip link add br-a type bridge || return 1
        in_ns "$HOST" ip link add br-b type bridge || return 1
        in_ns "$HOST" ip addr add 10.77.1.1/24 dev br-a || return 1
        in_ns "$HOST" ip addr add fd77:1::1/64 dev br-a nodad || return 1
        in_ns "$HOST" ip addr add 10.77.2.1/24 dev br-b || return 1
        in_ns "$HOST" sysctl -qw net.ipv4.conf.br-a.route_localnet=1 || return 1
        in_ns "$HOST" sysctl -qw net.ipv4.conf.br-b.route_localnet=1 || return 1
        in_ns "$HOST" ip link set br-a up || return 1
        in_ns "$HOST" ip link set br-b up || return 1

        # container NAMESPACE BRIDGE PORT ADDRESS GATEWAY
        container() {
                in_ns "$HOST" ip link add "$3" type veth peer name eth0 netns "$1" || return 1
                in_ns "$HOST" ip link set "$3" master "$2" up || return 1
                # Hairpin mode lets the bridge send a frame back out of the port
                # it came in on: a container reaching its own published port.
                in_ns "$HOST" ip link set "$3" type bridge_slave hairpin on || return 1
                in_ns "$1" ip addr add "$4/24" dev eth0 || return 1
                in_ns "$1" ip link set eth0 up || return 1
                in_ns "$1" ip route add default via "$5" || return 1
        }
        container "$C1" br-a veth-c1 10.77.1.2 10.77.1.1 || return 1
        in_ns "$C1" ip addr add fd77:1::2/64 dev eth0 nodad || return 1
        in_ns "$C1" ip route add default via fd77:1::1 || return 1
        container "$C2" br-a veth-c2 10.77.1.3 10.77.1.1 || return 1
        container "$C3" br-b veth-c3 10.77.2.2 10.77.2.1 || return 1

        # REMOTE has routes only to its own link and to br-a's IPv4 subnet,
        # so that traffic left without masquerade still gets a reply.
        in_ns "$HOST" ip link add veth-remote type veth peer name eth0 netns "$REMOTE" || return 1
        in_ns "$HOST" ip addr add 10.77.9.1/24 dev veth-remote || return 1
        in_ns "$HOST" ip link set veth-remote up || return 1
        in_ns "$HOST" ip addr add fd77:9::1/64 dev veth-remote nodad || return 1
        in_ns "$REMOTE" ip addr add 10.77.9.2/24 dev eth0 || return 1
        in_ns "$REMOTE" ip addr add fd77:9::2/64 dev eth0 nodad || return 1
        in_ns "$REMOTE" ip link set eth0 up || return 1
        in_ns "$REMOTE" ip route add 10.77.1.0/24 via 10.77.9.1 || return 1
}

# serve NAMESPACE NAME PORT: starts an HTTP server whose /cgi-bin/who
# returns "NAME CLIENT_ADDRESS".
serve() {
        local dir=$TMP/www-$2-$3
        mkdir -p "$dir/cgi-bin" || return 1
        cat >"$dir/cgi-bin/who" <<SCRIPT || return 1
#!$BUSYBOX sh
printf 'Content-Type: text/plain\r\n\r\n'
# httpd listens on IPv6 and shows IPv4 clients as [::ffff:ADDRESS].
address=\${REMOTE_ADDR#[}
address=\${address%]}
echo "$2 \${address#::ffff:}"
SCRIPT
        chmod +x "$dir/cgi-bin/who" || return 1
        in_ns "$1" "$BUSYBOX" httpd -p "$3" -h "$dir" || return 1
}

# who NAMESPACE ADDRESS:PORT: prints what the server at ADDRESS:PORT returns.
# curl, because busybox 1.35's wget crashes with a timeout (-T).
who() {
        in_ns "$1" curl -sS --noproxy '*' --max-time 3 "http://$2/cgi-bin/who" 2>/dev/null
}

# reaches NAMESPACE ADDRESS:PORT
reaches() {
        who "$1" "$2" >/dev/null
}

# rule_count: the number of rules in the table under test.
rule_count() {
        in_ns "$HOST" nft -a list table inet "$TABLE" | grep -c '# handle' | tr -d ' '
}

pings() {
        in_ns "$1" "$BUSYBOX" ping -c 1 -W 3 "$2" >/dev/null 2>&1
}

table_exists() {
        in_ns "$HOST" nft list table inet "$1" >/dev/null 2>&1
}

chain_exists() {
        in_ns "$HOST" nft list chain inet "$1" "$2" >/dev/null 2>&1
}

remove_table() {
        in_ns "$HOST" "$APPLY" --remove "$1" 2>/dev/null
}

apply() {
        in_ns "$HOST" "$APPLY" "$TABLE" "$@"
}

if ! setup; then
        echo "Bail out! setting up the namespaces failed"
        exit 99
fi
start_servers() {
        serve "$C1" c1 80 || return 1
        serve "$C1" c1-81 81 || return 1
        serve "$C2" c2 80 || return 1
        serve "$C3" c3 80 || return 1
        serve "$REMOTE" remote 80 || return 1
}
if ! start_servers; then
        echo "Bail out! starting the HTTP servers failed"
        exit 99
fi

# A table of our own that the library must leave alone.
in_ns "$HOST" nft add table inet nfttest-other || exit 99
in_ns "$HOST" nft add chain inet nfttest-other keep || exit 99

# --- without rules: the checks below can fail

check_eq "without rules c1 reaches c3" "c3 10.77.1.2" "$(who "$C1" 10.77.2.2:80)"
check_eq "without rules remote sees c1's address" "remote 10.77.1.2" "$(who "$C1" 10.77.9.2:80)"

# --- the full ruleset

# The driver's specifications separate their fields with commas.
# shellcheck disable=SC2054
FULL=(
        net=br-a,10.77.1.0/24,fd77:1::/64
        net=br-b,10.77.2.0/24
        port=tcp,any4,8080,10.77.1.2,80,br-a
        port=tcp,any6,8080,fd77:1::2,80,br-a
        port=tcp,any4,8081,10.77.1.3,80,br-a
        port=tcp,any4,9000-9001,10.77.1.2,80,br-a
        port=tcp,10.77.9.1,8090,10.77.2.2,80,br-b
        port=udp,any4,5300-5301,10.77.1.3,5300,br-a
        port=sctp,any4,7000,10.77.1.3,7000,br-a
)
check "apply full ruleset" apply "${FULL[@]}"

check_eq "masquerade outbound" "remote 10.77.9.1" "$(who "$C1" 10.77.9.2:80)"
check_eq "masquerade outbound ipv6" "remote fd77:9::1" "$(who "$C1" "[fd77:9::2]:80")"
check_eq "dnat from remote host ipv6" "c1 fd77:9::2" "$(who "$REMOTE" "[fd77:9::1]:8080")"
check_eq "dnat from remote host" "c1 10.77.9.2" "$(who "$REMOTE" 10.77.9.1:8080)"
check_eq "dnat of second container" "c2 10.77.9.2" "$(who "$REMOTE" 10.77.9.1:8081)"
check_eq "dnat of range first port" "c1 10.77.9.2" "$(who "$REMOTE" 10.77.9.1:9000)"
check_eq "dnat of range keeps offset" "c1-81 10.77.9.2" "$(who "$REMOTE" 10.77.9.1:9001)"
check_eq "dnat with host address" "c3 10.77.9.2" "$(who "$REMOTE" 10.77.9.1:8090)"
check_fails "host address restricts dnat" reaches "$HOST" 127.0.0.1:8090
check_eq "dnat from host via 127.0.0.1" "c1 10.77.1.1" "$(who "$HOST" 127.0.0.1:8080)"
check_eq "dnat from host via own address" "c1 10.77.9.1" "$(who "$HOST" 10.77.9.1:8080)"
check_eq "hairpin to own published port" "c1 10.77.1.1" "$(who "$C1" 10.77.9.1:8080)"
check_eq "hairpin via gateway address" "c1 10.77.1.1" "$(who "$C1" 10.77.1.1:8080)"
check_eq "hairpin to neighbour's port" "c1 10.77.1.1" "$(who "$C2" 10.77.9.1:8080)"
check_eq "icc on same bridge" "c2 10.77.1.2" "$(who "$C1" 10.77.1.3:80)"
check_fails "bridges isolated from c1 to c3" reaches "$C1" 10.77.2.2:80
check_fails "bridges isolated from c3 to c1" reaches "$C3" 10.77.1.2:80
check_eq "c3 reaches remote host" "remote 10.77.9.1" "$(who "$C3" 10.77.9.2:80)"
# A DNAT'ed connection may cross from br-a to br-b, as dockerd's userland
# proxy connects a container to another bridge's published port.
check "other bridge's published port reached" reaches "$C1" 10.77.9.1:8090

listing=$(in_ns "$HOST" nft list table inet "$TABLE")
check "udp range listed" grep -q 'udp dport 5300-5301 dnat ip to 10.77.1.3$' <<<"$listing"
check "sctp port listed" grep -q 'sctp dport 7000 dnat ip to 10.77.1.3$' <<<"$listing"
check "bridge set lists both" grep -q '"br-a", "br-b"\|"br-a",$' <<<"$listing"

# --- applying again replaces, never duplicates

rules_first=$(rule_count)
check "apply full ruleset again" apply "${FULL[@]}"
check_eq "no duplicate rules" "$rules_first" "$(rule_count)"
check_eq "one table of ours" 1 "$(in_ns "$HOST" nft list tables | grep -cx "table inet $TABLE")"
check_eq "dnat after reapply" "c1 10.77.9.2" "$(who "$REMOTE" 10.77.9.1:8080)"

# --- internal network and icc=false

check "apply internal and noicc" apply net=br-a,10.77.1.0/24,noicc net=br-b,10.77.2.0/24,internal \
        port=tcp,any4,8081,10.77.1.3,80,br-a
check_fails "noicc drops c1 to c2" reaches "$C1" 10.77.1.3:80
check_eq "noicc keeps outbound" "remote 10.77.9.1" "$(who "$C1" 10.77.9.2:80)"
check_eq "noicc keeps port from host" "c2 10.77.1.1" "$(who "$HOST" 127.0.0.1:8081)"
check_eq "noicc keeps port from remote" "c2 10.77.9.2" "$(who "$REMOTE" 10.77.9.1:8081)"
check_fails "internal drops outbound" reaches "$C3" 10.77.9.2:80
check_fails "internal drops inbound" reaches "$C1" 10.77.2.2:80
check "internal reaches own gateway" pings "$C3" 10.77.2.1

# --- a smaller ruleset removes what it lacks

check "apply smaller ruleset" apply net=br-a,10.77.1.0/24,nomasq
listing=$(in_ns "$HOST" nft list table inet "$TABLE")
check_fails "removed port rule is gone" grep -q 'dport 8080' <<<"$listing"
check_fails "removed bridge is gone" grep -q 'br-b' <<<"$listing"
check_fails "removed port unreachable" reaches "$REMOTE" 10.77.9.1:8080
check_eq "nomasq keeps source address" "remote 10.77.1.2" "$(who "$C1" 10.77.9.2:80)"
check_eq "c1 reaches c3 without br-b rules" "c3 10.77.1.2" "$(who "$C1" 10.77.2.2:80)"

# --- invalid descriptions and errors

rules_before=$(rule_count)
out=$(apply net=br-a,10.77.1.0/24 port=tcp,any4,80,10.77.1.2,80,br-z 2>&1)
check_eq "port on unknown bridge fails" 1 "$?"
check "port on unknown bridge message" grep -q 'uses bridge "br-z", which no network has' <<<"$out"
out=$(apply net=br-a,10.77.1.0/24 port=tcp,any4,90-80,10.77.1.2,80,br-a 2>&1)
check "reversed port range rejected" grep -q 'invalid host port range 90-80' <<<"$out"
out=$(apply net=br-a,10.77.1.0/24 port=47,any4,80,10.77.1.2,80,br-a 2>&1)
check "unknown protocol rejected" grep -q 'invalid published port protocol 47' <<<"$out"
out=$(apply net=br-a,10.77.1.0/24 net=br-a,10.77.3.0/24 2>&1)
check "duplicate bridge rejected" grep -q 'bridge "br-a" is listed for two networks' <<<"$out"
out=$(apply net=bridge-name-too-long,10.77.1.0/24 2>&1)
check "long bridge name rejected" grep -q 'longer than 15 characters' <<<"$out"
out=$(in_ns "$HOST" setpriv --reuid=65534 --regid=65534 --clear-groups "$APPLY" "$TABLE" net=br-a,10.77.1.0/24 2>&1)
check_eq "unprivileged apply fails" 1 "$?"
check "unprivileged apply names the error" grep -q 'Operation not permitted' <<<"$out"
check_eq "failed applies keep the last ruleset" "$rules_before" "$(rule_count)"

# A table that another netlink socket owns (flags owner) rejects every other
# socket, so the kernel fails the batch at the message that adds it. The
# table lives as long as the interactive nft that created it.
mkfifo "$TMP/nft-input" || exit 99
in_ns "$HOST" nft -i <"$TMP/nft-input" >/dev/null 2>&1 &
owner_pid=$!
exec 7>"$TMP/nft-input"
echo "add table inet nfttest-owned { flags owner; }" >&7
for _ in $(seq 100); do
        table_exists nfttest-owned && break
        sleep 0.1
done
out=$(in_ns "$HOST" "$APPLY" nfttest-owned net=br-a,10.77.1.0/24 2>&1)
check_eq "apply to owned table fails" 1 "$?"
check "kernel error names the step" grep -q \
        'failed to apply nftables table inet nfttest-owned when adding the table: Operation not permitted' <<<"$out"
check_fails "remove of owned table fails" remove_table nfttest-owned
check "owned table kept" table_exists nfttest-owned
exec 7>&-
wait "$owner_pid"
check_fails "owned table ends with its owner" table_exists nfttest-owned

# --- one process, two namespaces

# The library keeps its netlink socket open between commits, so a commit
# after the thread entered another namespace must open a socket there.
check "apply twice then in another namespace" in_ns "$HOST" "$APPLY" --then-in "/run/netns/$REMOTE" \
        nfttest-moved net=br-a,10.77.1.0/24
check "table in the first namespace" table_exists nfttest-moved
check "table in the second namespace" in_ns "$REMOTE" nft list table inet nfttest-moved
in_ns "$HOST" nft delete table inet nfttest-moved
in_ns "$REMOTE" nft delete table inet nfttest-moved

# --- removal

check "remove table" in_ns "$HOST" "$APPLY" --remove "$TABLE"
check_fails "table is gone" table_exists "$TABLE"
check "remove absent table" in_ns "$HOST" "$APPLY" --remove "$TABLE"
check "other table untouched" chain_exists nfttest-other keep
in_ns "$HOST" nft delete table inet nfttest-other

echo "1..$COUNT"
[ "$FAILED" = 0 ]
