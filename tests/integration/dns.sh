#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs the embedded DNS server (dns-driver, a fixed lookup table) for
# container network namespaces that this test creates. The driver runs in
# a namespace of its own, with fake upstream resolvers on 127.0.0.53:5353
# and [::1]:5353, so no query leaves the namespaces. The checks in
# dns-check.py and busybox nslookup query 127.0.0.11 from the containers'
# namespaces.
# Needs root; skips (77) without it.

set -u

[ "$(id -u)" = 0 ] || exit 77
command -v ip >/dev/null && command -v python3 >/dev/null || exit 77

builddir=${abs_top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
driver=$builddir/tests/integration/dns-driver
checker=$srcdir/tests/integration/dns-check.py

tag=sl-dns-$$
daemon_ns=$tag-d
ctr_ns=$tag-c
bare_ns=$tag-n
upstream_pids=()
failures=0

cleanup() {
        if [ -n "${COPROC_PID:-}" ]; then
                driver_input=${COPROC[1]:-}
                [ -z "$driver_input" ] || exec {driver_input}>&-
                wait "$COPROC_PID" 2>/dev/null
        fi
        rm -f "/tmp/$tag-driver.log" "/tmp/$tag-upstream.log"
        for pid in "${upstream_pids[@]}"; do
                kill "$pid" 2>/dev/null
                wait "$pid" 2>/dev/null
        done
        for ns in "$daemon_ns" "$ctr_ns" "$bare_ns"; do
                ip netns delete "$ns" 2>/dev/null
        done
}
trap cleanup EXIT

for ns in "$daemon_ns" "$ctr_ns" "$bare_ns"; do
        ip netns add "$ns" || exit 99
        ip -n "$ns" link set lo up || exit 99
done

# Starts a fake upstream on address $1, port 5353, in the driver's
# namespace.
start_upstream() {
        local log=/tmp/$tag-upstream.log
        ip netns exec "$daemon_ns" python3 "$checker" upstream "$1" 5353 >"$log" 2>&1 &
        upstream_pids+=($!)
        for _ in $(seq 50); do
                grep -q ready "$log" 2>/dev/null && break
                sleep 0.1
        done
        grep -q ready "$log" || { echo "fake upstream on $1 did not start"; cat "$log"; exit 99; }
        rm -f "$log"
}
start_upstream 127.0.0.53
start_upstream ::1

# Nothing listens on the first upstream, so each forward also covers the
# move to the next one.
coproc ip netns exec "$daemon_ns" "$driver" sb1 "/run/netns/$ctr_ns" 127.0.0.54:5353 127.0.0.53:5353 \
        2>"/tmp/$tag-driver.log"

# Sends a command to the driver and prints its reply line.
driver_command() {
        local reply
        echo "$*" >&"${COPROC[1]}"
        read -r -t 30 reply <&"${COPROC[0]}" || reply="no reply"
        echo "$reply"
}

check_eq() {
        if [ "$2" = "$3" ]; then
                echo "ok - $1"
        else
                echo "FAIL - $1: expected '$2', got '$3'"
                failures=$((failures + 1))
        fi
}

read -r -t 30 started <&"${COPROC[0]}" || started="no reply"
check_eq "driver serves sb1" ok "$started"

ip netns exec "$ctr_ns" python3 "$checker" client serve || failures=$((failures + 1))

out=$(ip netns exec "$ctr_ns" busybox nslookup web 127.0.0.11 2>&1)
case $out in
*"172.30.0.2"*) echo "ok - busybox nslookup resolves a container name" ;;
*)
        echo "FAIL - busybox nslookup: $out"
        failures=$((failures + 1))
        ;;
esac

check_eq "second add of sb1 fails" "error: the DNS server already serves sb1" \
        "$(driver_command add sb1 "/run/netns/$ctr_ns")"
check_eq "second sandbox in the same namespace fails" \
        "error: failed to start the DNS server for sb3: failed to bind the UDP socket to 127.0.0.11:53: Address already in use" \
        "$(driver_command add sb3 "/run/netns/$ctr_ns")"
check_eq "invalid upstream is rejected" \
        "error: invalid DNS upstream \"1.2.3.4:99999\": expected IP, IP:port or [IPv6]:port" \
        "$(driver_command add sb2 "/run/netns/$bare_ns" 1.2.3.4:99999)"
check_eq "sandbox without upstreams" ok "$(driver_command add sb2 "/run/netns/$bare_ns")"
ip netns exec "$bare_ns" python3 "$checker" client no-upstream || failures=$((failures + 1))

stats=$(driver_command stats)
echo "# $stats"
case $stats in
*" malformed=0 "* | "no reply") check_eq "malformed messages are counted" "malformed>0" "$stats" ;;
*) echo "ok - malformed messages are counted" ;;
esac

check_eq "remove sb1" ok "$(driver_command remove sb1)"
check_eq "remove sb1 again" "error: No such file or directory" "$(driver_command remove sb1)"
ip netns exec "$ctr_ns" python3 "$checker" client removed || failures=$((failures + 1))
check_eq "sb1 can be added again" ok "$(driver_command add sb1 "/run/netns/$ctr_ns" 127.0.0.53:5353)"
out=$(ip netns exec "$ctr_ns" busybox nslookup ext.example 127.0.0.11 2>&1)
case $out in
*"198.51.100.7"*) echo "ok - forwarding after re-adding" ;;
*)
        echo "FAIL - forwarding after re-adding: $out"
        failures=$((failures + 1))
        ;;
esac

check_eq "remove sb2" ok "$(driver_command remove sb2)"
# Only the first 8 upstreams count, and nothing listens on those.
# shellcheck disable=SC2046 # one word per upstream
check_eq "nine upstreams" ok "$(driver_command add sb2 "/run/netns/$bare_ns" \
        $(printf '127.0.0.54:5353 %.0s' 1 2 3 4 5 6 7 8) 127.0.0.53:5353)"
out=$(ip netns exec "$bare_ns" busybox nslookup ext.example 127.0.0.11 2>&1)
case $out in
*"198.51.100.7"*)
        echo "FAIL - the ninth upstream is used: $out"
        failures=$((failures + 1))
        ;;
*) echo "ok - the ninth upstream is ignored" ;;
esac
check_eq "remove sb2 with nine upstreams" ok "$(driver_command remove sb2)"
check_eq "IPv6 upstream" ok "$(driver_command add sb2 "/run/netns/$bare_ns" "[::1]:5353")"
out=$(ip netns exec "$bare_ns" busybox nslookup ext.example 127.0.0.11 2>&1)
case $out in
*"198.51.100.7"*) echo "ok - forwarding to an IPv6 upstream" ;;
*)
        echo "FAIL - forwarding to an IPv6 upstream: $out"
        failures=$((failures + 1))
        ;;
esac

# The driver frees the server at the end of its input. A sanitizer build
# reports leaks and other errors then.
driver_pid=$COPROC_PID
driver_input=${COPROC[1]}
exec {driver_input}>&-
wait "$driver_pid"
check_eq "driver exits cleanly" 0 "$?"
if grep -q "Sanitizer\|runtime error" "/tmp/$tag-driver.log"; then
        echo "FAIL - sanitizer report in the driver's log:"
        cat "/tmp/$tag-driver.log"
        failures=$((failures + 1))
fi
rm -f "/tmp/$tag-driver.log"

[ "$failures" = 0 ]
