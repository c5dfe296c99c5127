#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Published ports through the docker CLI: -p HOST:CONTAINER, -p CONTAINER
# (ephemeral), -P, -p IP:HOST:CONTAINER, UDP and host port ranges. Each is
# reached from the host over 127.0.0.1 and over its address on the link to
# the remote host, from the remote host and from another container. Also
# docker port, NetworkSettings.Ports, stop and start, and host ports
# already in use. The container without IPv6 is reached over IPv6 and
# [::1] too, through the userland proxy: a large body, concurrent and
# half-closed connections, resets mid-transfer, the limit of connections
# per port and a container port that nothing listens on. Over UDP, two
# clients at once and a 65000-byte datagram. Passes against dockerd 20.10
# in its own network namespace too, except the nftables checks, which are
# Sockerless's own.

# shellcheck disable=SC2016 # single quotes keep $ for the container shell
. "$(dirname "$0")/netlib.sh"
net_setup
net_load_images

# ports_json CONTAINER: NetworkSettings.Ports with each binding list sorted,
# since dockerd lists the bindings of a port in random order.
ports_json() {
        sl_docker inspect -f '{{json .NetworkSettings.Ports}}' "$1" | "$SL_PYTHON" -c '
import json, sys
ports = json.load(sys.stdin)
for key, bindings in ports.items():
    if bindings is not None:
        bindings.sort(key=lambda b: (b["HostIp"], int(b["HostPort"])))
print(json.dumps(ports, sort_keys=True, separators=(",", ":")))'
}

# udp_exchange HOST-OR-REMOTE ADDRESS PORT: send "ping" over UDP and print
# the reply, from the host ("host") or the remote host ("remote"). An
# ADDRESS with a colon is IPv6.
udp_exchange() {
        local run=net_host
        [ "$1" = host ] || run=sl_remote
        "$run" "$SL_PYTHON" -c '
import socket, sys
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
sock = socket.socket(family, socket.SOCK_DGRAM)
sock.settimeout(3)
sock.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
print(sock.recv(100).decode())' "$2" "$3"
}

# udp_clients HOST-OR-REMOTE ADDRESS PORT: send a datagram from each of two
# IPv6 sockets before either reads, and print the reply of each, or "none"
# after 3 s. Then send a 65000-byte datagram from the first and print the
# size of its reply.
udp_clients() {
        local run=net_host
        [ "$1" = host ] || run=sl_remote
        "$run" "$SL_PYTHON" -c '
import socket, sys
target = (sys.argv[1], int(sys.argv[2]))
socks = [socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) for _ in range(2)]
for i, sock in enumerate(socks):
    sock.settimeout(3)
    sock.sendto(b"client%d" % i, target)

def reply(sock):
    try:
        return sock.recv(70000).decode()
    except socket.timeout:
        return "none"

print(" ".join(reply(sock) for sock in socks))
socks[0].sendto(b"x" * 65000, target)
print(len(reply(socks[0])))' "$2" "$3"
}

# leftovers: what a container that never started must not leave behind.
# The namespaces and nftables rules are Sockerless's own (see netlib.sh).
leftovers() {
        net_links veth
        if sl_engine_is sockerlessd; then
                net_netns_files
                net_nft_table
        fi
}

# A container whose start failed had a veth pair for a moment. The kernel
# deletes that pair in the background after the CLI has returned, so these
# helpers wait until only the veths of running containers are left (one
# host-side veth for each network of each running container).
expected_veths() {
        local id
        for id in $(sl_docker ps -q); do
                sl_docker inspect -f '{{range $name, $net := .NetworkSettings.Networks}}{{$name}}{{"\n"}}{{end}}' "$id"
        done | grep -cvxE 'host|none|'
}

veths_settled() {
        [ "$(net_links veth | wc -l)" = "$(expected_veths)" ]
}

# ipv6_client MODE ARG: a client of [host's IPv6 address]:8080 on the
# remote host. "halfclose PATH" sends GET PATH, shuts down its sending side
# and prints the SHA-256 of the body. "concurrent N" opens N connections
# before it sends a request on any and prints how many got 200. "abort N"
# starts N downloads of /big and resets each after its first 64 KiB.
ipv6_client() {
        sl_remote "$SL_PYTHON" -c '
import hashlib, socket, struct, sys
mode, arg, addr = sys.argv[1], sys.argv[2], (sys.argv[3], 8080)

def connect():
    sock = socket.create_connection(addr, timeout=10)
    return sock

def read_all(sock):
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk

if mode == "halfclose":
    sock = connect()
    sock.sendall(b"GET " + arg.encode() + b" HTTP/1.0\r\n\r\n")
    sock.shutdown(socket.SHUT_WR)
    head, _, body = read_all(sock).partition(b"\r\n\r\n")
    print(hashlib.sha256(body).hexdigest())
elif mode == "concurrent":
    socks = [connect() for _ in range(int(arg))]
    for sock in socks:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    print(sum(read_all(sock).startswith(b"HTTP/1.1 200 ") for sock in socks))
elif mode == "abort":
    for _ in range(int(arg)):
        sock = connect()
        sock.sendall(b"GET /big HTTP/1.0\r\n\r\n")
        received = 0
        while received < 65536:
            chunk = sock.recv(65536)
            if not chunk:
                sys.exit("the connection ended after %d bytes" % received)
            received += len(chunk)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
' "$1" "$2" "$NET_HOST_ADDR6"
}

# daemon_fds: the number of descriptors the daemon holds.
daemon_fds() {
        find "/proc/$(cat "$SL_PIDFILE")/fd" -mindepth 1 | wc -l
}

read -r port_min port_max < <(net_host cat /proc/sys/net/ipv4/ip_local_port_range)
host=$NET_HOST_ADDR

# ---- -p 8080:80
sl_check "run nginx with -p 8080:80" sl_docker run -d --name web -p 8080:80 "$NET_NGINX"
sl_wait_for 10 net_http_ok http://127.0.0.1:8080/
sl_assert_eq "GET via 127.0.0.1 from the host" 200 "$(net_http_status http://127.0.0.1:8080/)"
sl_assert_eq "GET via the host's address from the host" 200 "$(net_http_status "http://$host:8080/")"
sl_assert_eq "GET from the remote host" 200 "$(net_remote_http_status "http://$host:8080/")"
sl_assert_eq "GET via the host's IPv6 address from the remote host" 200 \
        "$(net_remote_http_status "http://[$NET_HOST_ADDR6]:8080/")"
sl_assert_eq "GET via [::1] from the host" 200 "$(net_http_status "http://[::1]:8080/")"
sl_run net_curl "http://127.0.0.1:8080/"
sl_assert_contains "the body is nginx's page" "Welcome to nginx" "$SL_OUT"
sl_run sl_docker port web
sl_assert_out "docker port" $'80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080'
sl_run sl_docker port web 80/tcp
sl_assert_out "docker port of one port" $'0.0.0.0:8080\n[::]:8080'
sl_run ports_json web
sl_assert_out "NetworkSettings.Ports" '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},{"HostIp":"::","HostPort":"8080"}]}'
sl_run sl_docker inspect -f '{{json .HostConfig.PortBindings}}' web
sl_assert_out "HostConfig.PortBindings" '{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}'

web_ip=$(net_ip web)
net_assert_ipv4 "the container has an address" "$web_ip"
sl_run net_nc_get "$host" 8080
sl_assert_contains "another container reaches the published port" "200 OK" "$SL_OUT"
sl_run net_nc_get "$host" 8080 --name hairpin --network container:web
sl_assert_contains "the container reaches its own published port" "200 OK" "$SL_OUT"
sl_run net_nc_get "$web_ip" 80
sl_assert_contains "another container reaches the container port" "200 OK" "$SL_OUT"

sl_run sl_docker ps --filter name=web --format '{{.Ports}}'
sl_assert_out "docker ps PORTS" '0.0.0.0:8080->80/tcp, [::]:8080->80/tcp'

# ---- -p 80: an ephemeral port
sl_check "run nginx with -p 80" sl_docker run -d --name ephemeral -p 80 "$NET_NGINX"
ephemeral=$(sl_docker port ephemeral 80/tcp | sed -n 's/^0\.0\.0\.0://p')
if [ "$ephemeral" -ge "$port_min" ] 2>/dev/null && [ "$ephemeral" -le "$port_max" ]; then
        sl_ok "the ephemeral port is in ip_local_port_range"
else
        sl_not_ok "the ephemeral port is in ip_local_port_range" "port: '$ephemeral'" "range: $port_min-$port_max"
fi
sl_wait_for 10 net_http_ok "http://127.0.0.1:$ephemeral/"
sl_assert_eq "GET on the ephemeral port from the host" 200 "$(net_http_status "http://127.0.0.1:$ephemeral/")"
sl_assert_eq "GET on the ephemeral port from the remote host" 200 \
        "$(net_remote_http_status "http://$host:$ephemeral/")"
sl_run sl_docker port ephemeral
sl_assert_out "docker port of an ephemeral port" "80/tcp -> 0.0.0.0:$ephemeral"$'\n'"80/tcp -> [::]:$ephemeral"

# ---- -P: every exposed port
sl_check "run nginx with -P" sl_docker run -d --name all -P "$NET_NGINX"
all=$(sl_docker port all 80/tcp | sed -n 's/^0\.0\.0\.0://p')
sl_assert_match "-P publishes the exposed port" '^[0-9]+$' "$all"
sl_assert_ne "-P takes another port than -p 80" "$ephemeral" "$all"
sl_wait_for 10 net_http_ok "http://127.0.0.1:$all/"
sl_assert_eq "GET on the -P port from the remote host" 200 "$(net_remote_http_status "http://$host:$all/")"
sl_run sl_docker run -d --name exposed --expose 8443 -p 8082:80 "$NET_NGINX"
sl_run ports_json exposed
sl_assert_out "an exposed port without a binding is null" \
        '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8082"},{"HostIp":"::","HostPort":"8082"}],"8443/tcp":null}'

# ---- -p 127.0.0.1:8081:80
sl_check "run nginx on 127.0.0.1:8081" sl_docker run -d --name local -p 127.0.0.1:8081:80 "$NET_NGINX"
sl_wait_for 10 net_http_ok http://127.0.0.1:8081/
sl_assert_eq "GET via 127.0.0.1 on a loopback binding" 200 "$(net_http_status http://127.0.0.1:8081/)"
sl_assert_eq "the remote host cannot reach a loopback binding" 000 \
        "$(net_remote_http_status "http://$host:8081/")"
sl_run sl_docker port local
sl_assert_out "docker port of a loopback binding" "80/tcp -> 127.0.0.1:8081"
sl_run ports_json local
sl_assert_out "NetworkSettings.Ports of a loopback binding" '{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8081"}]}'

# ---- UDP
sl_check "run a UDP responder with -p 5353:5353/udp" sl_docker run -d --name udp -p 5353:5353/udp "$NET_DEBIAN" \
        perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => 5353, Proto => "udp") or die "$!";
                while ($s->recv($m, 65536)) { $s->send("pong $m") }'
sl_wait_for 10 udp_exchange host 127.0.0.1 5353
sl_run udp_exchange host 127.0.0.1 5353
sl_assert_out "UDP via 127.0.0.1 from the host" "pong ping"
sl_run udp_exchange host "$host" 5353
sl_assert_out "UDP via the host's address from the host" "pong ping"
sl_run udp_exchange remote "$host" 5353
sl_assert_out "UDP from the remote host" "pong ping"
sl_run sl_docker port udp
sl_assert_out "docker port of a UDP port" $'5353/udp -> 0.0.0.0:5353\n5353/udp -> [::]:5353'
# The container has no IPv6 address, so the userland proxy relays these.
sl_run udp_exchange remote "$NET_HOST_ADDR6" 5353
sl_assert_out "UDP via the host's IPv6 address from the remote host" "pong ping"
sl_run udp_exchange host ::1 5353
sl_assert_out "UDP via [::1] from the host" "pong ping"
sl_run udp_clients remote "$NET_HOST_ADDR6" 5353
sl_assert_out "two IPv6 UDP clients get their own replies" $'pong client0 pong client1\n65005'
sl_run udp_clients host ::1 5353
sl_assert_out "two UDP clients on [::1] get their own replies" $'pong client0 pong client1\n65005'
sl_check "stop the UDP responder" sl_docker stop udp
sl_run udp_exchange remote "$NET_HOST_ADDR6" 5353
sl_assert_rc "a stopped UDP responder does not answer over IPv6" 1
sl_run udp_exchange host ::1 5353
sl_assert_rc "a stopped UDP responder does not answer on [::1]" 1

# ---- a host port range
sl_check "run nginx with a host port range" sl_docker run -d --name range1 -p 9100-9101:80 "$NET_NGINX"
sl_check "run a second one with the same range" sl_docker run -d --name range2 -p 9100-9101:80 "$NET_NGINX"
range1=$(sl_docker port range1 80/tcp | sed -n 's/^0\.0\.0\.0://p')
range2=$(sl_docker port range2 80/tcp | sed -n 's/^0\.0\.0\.0://p')
sl_assert_eq "the two containers share the range" "9100 9101" "$(printf '%s\n' "$range1" "$range2" | sort | xargs)"
sl_wait_for 10 net_http_ok "http://127.0.0.1:$range2/"
sl_assert_eq "GET on a port of the range from the remote host" 200 "$(net_remote_http_status "http://$host:$range2/")"
sl_run sl_docker run -d --name range3 -p 9100-9101:80 "$NET_NGINX"
sl_assert_rc "a full range fails at start" 125
sl_assert_contains "message of a full range" "all ports are allocated" "$SL_ERR"

# ---- a published port on a user network
sl_check "create a user network" sl_docker network create portnet
sl_check "run nginx on it with -p 8085:80" sl_docker run -d --name userweb --network portnet -p 8085:80 "$NET_NGINX"
sl_wait_for 10 net_http_ok http://127.0.0.1:8085/
sl_assert_eq "GET on a user network's port via 127.0.0.1" 200 "$(net_http_status http://127.0.0.1:8085/)"
sl_assert_eq "GET on a user network's port from the remote host" 200 \
        "$(net_remote_http_status "http://$host:8085/")"
sl_assert_eq "GET on a user network's port over IPv6" 200 \
        "$(net_remote_http_status "http://[$NET_HOST_ADDR6]:8085/")"
sl_run net_nc_get "$host" 8085
sl_assert_contains "the default bridge reaches a user network's published port" "200 OK" "$SL_OUT"
sl_run net_nc_get "$host" 8080 --network portnet
sl_assert_contains "a user network reaches the default bridge's published port" "200 OK" "$SL_OUT"

# ---- two containers, one host port
sl_run sl_docker run -d --name twice -p 8080:80 "$NET_NGINX"
sl_assert_rc "a host port published twice fails" 125
sl_assert_contains "message of a port published twice" \
        "Bind for 0.0.0.0:8080 failed: port is already allocated" "$SL_ERR"
sl_assert_eq "the first container still answers" 200 "$(net_http_status http://127.0.0.1:8080/)"

# ---- a host port in use by another program
sl_run sl_docker rm -f twice range3
sl_wait_for 10 veths_settled
before=$(leftovers)
# The program keeps the port bound until the test removes its file.
net_host "$SL_PYTHON" -c '
import os, socket, sys, time
sock = socket.socket()
sock.bind(("0.0.0.0", 8090))
sock.listen()
open(sys.argv[1], "w").close()
deadline = time.monotonic() + 120
while os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
    time.sleep(0.1)' "$SL_TMP/blocker.holding" &
blocker=$!
sl_wait_for 10 test -e "$SL_TMP/blocker.holding"
sl_run sl_docker run -d --name busy -p 8090:80 "$NET_NGINX"
sl_assert_rc "a host port in use fails at start" 125
sl_assert_contains "message of a host port in use" \
        "driver failed programming external connectivity on endpoint busy" "$SL_ERR"
sl_assert_contains "the message names the port" "0.0.0.0:8090" "$SL_ERR"
sl_run sl_docker inspect -f '{{.State.Status}}' busy
sl_assert_out "the container stays created" created
sl_wait_for 10 veths_settled
sl_assert_eq "a failed start leaves no veth, netns or rule behind" "$before" "$(leftovers)"
rm "$SL_TMP/blocker.holding"
wait "$blocker"
sl_check "the container starts once the port is free" sl_docker start busy
sl_wait_for 10 net_http_ok http://127.0.0.1:8090/
sl_assert_eq "GET on the freed port" 200 "$(net_http_status http://127.0.0.1:8090/)"

# ---- IPv6 to a container without IPv6, through the userland proxy
sl_check "write an 8 MiB file into nginx's root" \
        sl_docker exec web sh -c 'head -c 8388608 /dev/urandom >/var/www/html/big && chmod 644 /var/www/html/big'
big_sum=$(sl_docker exec web sha256sum /var/www/html/big | cut -d' ' -f1)
sl_assert_match "the file has a checksum" '^[0-9a-f]{64}$' "$big_sum"
sl_assert_eq "8 MiB arrive intact over IPv6" "$big_sum" \
        "$(net_remote_curl "http://[$NET_HOST_ADDR6]:8080/big" | sha256sum | cut -d' ' -f1)"
sl_assert_eq "8 MiB arrive intact over [::1]" "$big_sum" \
        "$(net_curl "http://[::1]:8080/big" | sha256sum | cut -d' ' -f1)"
# nginx stops sending a large body to a client that half-closed, through
# the kernel's DNAT too, so the half-close check uses the small index page.
index_sum=$(net_curl http://127.0.0.1:8080/ | sha256sum | cut -d' ' -f1)
sl_run ipv6_client halfclose /
sl_assert_out "a half-closed client gets the whole body" "$index_sum"
fds_before=$(daemon_fds)
sl_run ipv6_client concurrent 200
sl_assert_out "200 concurrent connections over IPv6 get 200" 200
sl_check "reset 20 downloads mid-transfer" ipv6_client abort 20
# Less than before is fine: the count may include the connection of an
# earlier docker command that the daemon had not closed yet.
if sl_wait_for 10 test "$(daemon_fds)" -le "$fds_before"; then
        sl_ok "resets mid-transfer leave no descriptor behind"
else
        sl_not_ok "resets mid-transfer leave no descriptor behind" "before: $fds_before" "after: $(daemon_fds)"
fi
sl_assert_eq "the port still answers over IPv6 after the resets" 200 \
        "$(net_remote_http_status "http://[$NET_HOST_ADDR6]:8080/")"
if sl_engine_is sockerlessd; then
        # 1100 idle clients: the proxy relays 1024 and resets the others.
        sl_run sl_remote "$SL_PYTHON" -c '
import resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
socks = []
for _ in range(1100):
    # A client over the limit may be reset before connect() returns.
    try:
        socks.append(socket.create_connection((sys.argv[1], 8080), timeout=10))
    except ConnectionResetError:
        pass
for sock in socks:
    sock.setblocking(False)

def is_open(sock):
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except ConnectionResetError:
        return False

# Waits until 76 are reset, or 10 s, so that a slow proxy fails the
# count instead of passing it.
deadline = time.monotonic() + 10
while True:
    socks = [sock for sock in socks if is_open(sock)]
    if len(socks) <= 1024 or time.monotonic() > deadline:
        break
    time.sleep(0.1)
print(len(socks))' "$NET_HOST_ADDR6"
        sl_assert_out "the proxy keeps 1024 connections per port" 1024
        sl_assert_eq "the daemon logs the limit once" 1 \
                "$(grep -c 'Proxy of \[::\]:8080/tcp: reached the maximum of 1024 connections' "$SL_LOG")"
else
        sl_skip "the proxy keeps 1024 connections per port" "the limit is Sockerless's own"
fi
if sl_engine_is sockerlessd; then
        sl_check "run nginx with a port that nothing listens on" \
                sl_docker run -d --name closed -p 8086:81 --expose 81 "$NET_NGINX"
        for i in 1 2 3; do
                sl_assert_eq "a connection to a closed container port fails ($i)" 000 \
                        "$(net_remote_http_status "http://[$NET_HOST_ADDR6]:8086/")"
        done
        sl_assert_eq "the daemon logs the failed connect once" 1 \
                "$(grep -c 'Proxy of \[::\]:8086/tcp: connecting to the container failed' "$SL_LOG")"
        sl_check "remove it" sl_docker rm -f closed
else
        sl_skip "a connection to a closed container port fails" "the daemon's log is Sockerless's own"
fi

# ---- stop and start
# A client whose connection is still open when the container stops.
sl_remote "$SL_PYTHON" -c '
import socket, sys
sock = socket.create_connection((sys.argv[1], 8080), timeout=60)
open(sys.argv[2], "w").close()
try:
    print("end" if sock.recv(100) == b"" else "data")
except ConnectionResetError:
    print("reset")' "$NET_HOST_ADDR6" "$SL_TMP/idle.connected" >"$SL_TMP/idle.out" 2>&1 &
idle=$!
sl_wait_for 10 test -e "$SL_TMP/idle.connected"
sl_check "stop the container" sl_docker stop web
sl_assert_eq "a stopped container's port no longer answers" 000 "$(net_http_status http://127.0.0.1:8080/)"
sl_assert_eq "a stopped container's port no longer answers over [::1]" 000 \
        "$(net_http_status "http://[::1]:8080/")"
wait "$idle"
# nginx closes its idle connections when it stops, and the proxy passes
# that on; a connection that the proxy cuts is reset instead.
sl_assert_match "an open IPv6 connection ends at stop" '^(end|reset)$' "$(cat "$SL_TMP/idle.out")"
sl_run sl_docker port web
sl_assert_out "a stopped container has no ports" ""
sl_check "start it again" sl_docker start web
sl_wait_for 10 net_http_ok http://127.0.0.1:8080/
sl_assert_eq "the port answers again after start" 200 "$(net_http_status http://127.0.0.1:8080/)"
sl_assert_eq "the remote host reaches it again" 200 "$(net_remote_http_status "http://$host:8080/")"
sl_assert_eq "the remote host reaches it again over IPv6" 200 \
        "$(net_remote_http_status "http://[$NET_HOST_ADDR6]:8080/")"

# ---- removal
sl_check "remove every container" sh -c 'docker rm -f $(docker ps -aq)'
sl_assert_eq "no port answers after removal" 000 "$(net_http_status http://127.0.0.1:8080/)"
# The kernel deletes a removed container's veth pair in the background.
no_veths() {
        [ -z "$(net_links veth)" ]
}
sl_wait_for 10 no_veths
sl_assert_eq "no veth after removal" "" "$(net_links veth)"
if sl_engine_is sockerlessd; then
        sl_assert_eq "no container namespace after removal" "" "$(net_netns_files)"
        sl_assert_eq "no DNAT rule after removal" "" "$(net_nft_dnat_rules)"
else
        sl_skip "no container namespace after removal" "dockerd removes them a minute later"
        sl_skip "no DNAT rule after removal" "dockerd keeps its rules in iptables"
fi

sl_done
