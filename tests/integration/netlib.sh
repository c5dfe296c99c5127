# shellcheck shell=bash disable=SC2034 # globals are read by the test scripts
# SPDX-License-Identifier: Apache-2.0
#
# Network fixtures for the networking tests, on top of lib.sh. net_setup
# starts the test daemon in a network namespace of its own ("the host",
# SL_NETNS) and links it by a veth pair to a second namespace, "the remote
# host", which is the host's only way out: the host's default routes point
# at it. The remote host runs a DNS resolver (tests/fixtures/dns-fixture.py),
# which is the daemon's --dns, and on request HTTP servers that log their
# clients. Containers therefore never reach the machine's own network or
# resolver. The namespaces go at cleanup, with every link, bridge and
# nftables table in them.
#
#   . "$(dirname "$0")/netlib.sh"
#   net_setup
#   net_http_start 8000
#   net_nc_get "$NET_REMOTE_ADDR" 8000    # GET / from a container

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Documentation ranges (RFC 5737, RFC 3849). The namespaces have routing
# tables of their own, so the machine's routes do not matter.
NET_HOST_ADDR=198.51.100.1
NET_REMOTE_ADDR=198.51.100.2
NET_PREFIX=24
NET_HOST_ADDR6=2001:db8:5100::1
NET_REMOTE_ADDR6=2001:db8:5100::2
NET_PREFIX6=64
# The host's end of the veth pair; the remote host's end is eth0.
NET_HOST_LINK=sl-remote
NET_REMOTE_NS=
NET_DNS_LOG=
# Records the DNS fixture serves.
NET_UPSTREAM_NAME=upstream.test
NET_UPSTREAM_ADDR=198.51.100.2
NET_UPSTREAM_ADDR6=2001:db8:5100::2

# net_setup: sl_setup with the daemon in its own network namespace, the
# remote host and its DNS fixture, and the daemon's dns set to the fixture
# (see net_daemon_config for more daemon.json keys).
net_setup() {
        sl_require_tools ip nsenter
        SL_DAEMON_NETNS=1
        SL_SETUP_HOOKS+=(net_remote_create)
        net_daemon_config "${1:-}"
        sl_setup
}

# net_daemon_config [JSON-FRAGMENT]: the daemon.json keys of the next daemon
# start: dns set to the fixture, plus the fragment, which ends in a comma.
net_daemon_config() {
        SL_CONFIG_EXTRA="\"dns\": [\"$NET_REMOTE_ADDR\"], ${1:-}"
}

# sl_remote COMMAND...: run a command in the remote host.
sl_remote() {
        nsenter "--net=/run/netns/$NET_REMOTE_NS" "$@"
}

# net_host COMMAND...: run a command in the daemon's namespace, the host.
net_host() {
        sl_netns_exec "$@"
}

net_remote_create() {
        NET_REMOTE_NS=$SL_NETNS-remote
        ip netns add "$NET_REMOTE_NS" || sl_bail "cannot create the network namespace $NET_REMOTE_NS"
        sl_on_cleanup net_remote_delete

        local in_host=(ip -n "$SL_NETNS") in_remote=(ip -n "$NET_REMOTE_NS")
        "${in_host[@]}" link add "$NET_HOST_LINK" type veth peer name eth0 netns "$NET_REMOTE_NS" ||
                sl_bail "cannot create the veth pair to the remote host"
        "${in_remote[@]}" link set lo up &&
                "${in_remote[@]}" addr add "$NET_REMOTE_ADDR/$NET_PREFIX" dev eth0 &&
                "${in_remote[@]}" addr add "$NET_REMOTE_ADDR6/$NET_PREFIX6" dev eth0 nodad &&
                "${in_remote[@]}" link set eth0 up &&
                "${in_host[@]}" addr add "$NET_HOST_ADDR/$NET_PREFIX" dev "$NET_HOST_LINK" &&
                "${in_host[@]}" addr add "$NET_HOST_ADDR6/$NET_PREFIX6" dev "$NET_HOST_LINK" nodad &&
                "${in_host[@]}" link set "$NET_HOST_LINK" up &&
                "${in_host[@]}" route add default via "$NET_REMOTE_ADDR" &&
                "${in_host[@]}" -6 route add default via "$NET_REMOTE_ADDR6" ||
                sl_bail "cannot set up the link to the remote host"

        NET_DNS_LOG=$SL_TMP/dns-fixture.log
        : >"$NET_DNS_LOG"
        sl_remote setsid "$SL_PYTHON" "$SL_SRCDIR/../fixtures/dns-fixture.py" \
                --address "$NET_REMOTE_ADDR" --log "$NET_DNS_LOG" --ready "$SL_TMP/dns-fixture.ready" \
                --record "$NET_UPSTREAM_NAME A $NET_UPSTREAM_ADDR" \
                --record "$NET_UPSTREAM_NAME AAAA $NET_UPSTREAM_ADDR6" \
                >"$SL_TMP/dns-fixture.out" 2>&1 </dev/null &
        sl_wait_for 10 test -e "$SL_TMP/dns-fixture.ready" ||
                sl_bail "the DNS fixture did not start: $(cat "$SL_TMP/dns-fixture.out")"
}

# lib.sh's cleanup has killed the fixtures, which name the test directory.
net_remote_delete() {
        [ -n "$NET_REMOTE_NS" ] || return 0
        ip netns delete "$NET_REMOTE_NS" 2>/dev/null
        NET_REMOTE_NS=
}

# net_http_start PORT: an HTTP server on the remote host that serves
# "remote PORT" at /; net_http_clients PORT lists the clients it saw.
net_http_start() {
        local port=$1 dir=$SL_TMP/http-$1
        mkdir -p "$dir"
        printf 'remote %s\n' "$port" >"$dir/index.html"
        # Appending, so that the truncation below leaves no hole in the log.
        sl_remote setsid "$SL_PYTHON" -m http.server --bind "$NET_REMOTE_ADDR" --directory "$dir" "$port" \
                >>"$SL_TMP/http-$port.log" 2>&1 </dev/null &
        sl_wait_for 10 sl_remote curl -sf --noproxy '*' --max-time 2 -o /dev/null "http://$NET_REMOTE_ADDR:$port/" ||
                sl_bail "the HTTP server on the remote host did not start: $(cat "$SL_TMP/http-$port.log")"
        # Forget the readiness probe.
        : >"$SL_TMP/http-$port.log"
}

# net_http_clients PORT: the client address of each request, one a line.
net_http_clients() {
        awk '$2 == "-" && $3 == "-" { print $1 }' "$SL_TMP/http-$1.log"
}

# net_curl [CURL-ARGS...] URL: GET from the host, body on stdout.
net_curl() {
        net_host curl -sS --noproxy '*' --max-time 5 "$@"
}

# net_remote_curl [CURL-ARGS...] URL: GET from the remote host.
net_remote_curl() {
        sl_remote curl -sS --noproxy '*' --max-time 5 "$@"
}

# net_dns_queries NAME: the fixture's log lines for NAME.
net_dns_queries() {
        awk -v name="$1" '$3 == name' "$NET_DNS_LOG"
}

# net_links TYPE: the names of the host's links of a kind (veth, bridge),
# without the one to the remote host.
net_links() {
        ip -n "$SL_NETNS" -o link show type "$1" | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
                grep -vx "$NET_HOST_LINK"
}

# net_nft_table: the Sockerless table in the host, empty when there is none.
net_nft_table() {
        net_host nft list table inet sockerless 2>/dev/null
}

# net_bridge_name: the default bridge of the engine under test.
net_bridge_name() {
        if sl_engine_is dockerd; then
                echo docker0
        else
                echo sockerless0
        fi
}

# net_netns_files: the container namespaces bound in the exec root. Only
# for Sockerless: dockerd 20.10 keeps "default" for its own use and removes
# the others in a garbage collection that runs once a minute.
net_netns_files() {
        find "$SL_EXEC/netns" -mindepth 1 -maxdepth 1 ! -name default -printf '%f\n' 2>/dev/null
}

NET_BUSYBOX=sockerless-test/busybox:1.35
NET_NGINX=sockerless-test/nginx:1.22
NET_REDIS=sockerless-test/redis:7.0
NET_DEBIAN=sockerless-test/debian:bookworm

# net_load_images: load busybox and the Debian family (nginx, redis), or
# skip the test when the prebuilt archive with nginx and redis is missing.
net_load_images() {
        sl_image_load busybox
        sl_image_try_load debian || sl_skip_all "$SL_SKIP_REASON"
        sl_docker image inspect "$NET_NGINX" "$NET_REDIS" >/dev/null 2>&1 ||
                sl_skip_all "needs $NET_NGINX and $NET_REDIS from the prebuilt debian-family.tar.gz in SOCKERLESS_TEST_IMAGES"
}

# net_ip CONTAINER [NETWORK]: the container's IPv4 address on a network
# (default: its only one).
net_ip() {
        if [ $# -ge 2 ]; then
                sl_docker inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"
        else
                sl_docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"
        fi
}

# net_http_status URL: the HTTP status of a GET from the host, 000 when
# the request failed.
net_http_status() {
        net_curl -o /dev/null -w '%{http_code}' "$1" 2>/dev/null
}

# net_remote_http_status URL: the same from the remote host.
net_remote_http_status() {
        net_remote_curl -o /dev/null -w '%{http_code}' "$1" 2>/dev/null
}

# net_http_ok URL: true when a GET from the host returns 200.
net_http_ok() {
        [ "$(net_http_status "$1")" = 200 ]
}

# net_nc_get HOST PORT: send GET / with busybox nc from a container; the
# remaining arguments go to docker run before the image.
net_nc_get() {
        local host=$1 port=$2
        shift 2
        sl_docker run --rm "$@" "$NET_BUSYBOX" sh -c \
                "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 $host $port"
}

# net_assert_ipv4 NAME VALUE: check that VALUE is an IPv4 address, so that
# a later comparison of two empty addresses cannot pass.
net_assert_ipv4() {
        sl_assert_match "$1" '^[0-9]{1,3}(\.[0-9]{1,3}){3}$' "$2"
}

# net_nft_dnat_rules: the DNAT statements of the Sockerless table.
net_nft_dnat_rules() {
        net_nft_table | grep -E '(^|[[:space:]])dnat( ip| ip6)? to '
}
