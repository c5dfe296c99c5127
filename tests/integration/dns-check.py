#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers of dns.sh, the embedded DNS server test.

  dns-check.py upstream ADDRESS PORT   runs a fake upstream resolver on an
                                       IPv4 or IPv6 address
  dns-check.py client PHASE            runs the checks of PHASE against
                                       127.0.0.11:53, printing one line
                                       per check; exits 1 on a failure

The fake upstream replies, over UDP and TCP:
  ext.example       A 198.51.100.7 over UDP, 198.51.100.8 over TCP
  big.example       a truncated reply over UDP, three A records over TCP
  servfail.example  SERVFAIL
  slow.example      nothing
  anything else     NXDOMAIN
"""
import os
import random
import socket
import socketserver
import struct
import sys
import threading

SERVER = ("127.0.0.11", 53)
TYPE_A, TYPE_PTR, TYPE_MX, TYPE_AAAA = 1, 12, 15, 28
FLAG_QR, FLAG_TC = 0x8000, 0x0200
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP = 0, 1, 2, 3, 4


def encode_name(name):
    out = b""
    for label in name.split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def build_query(name, qtype, qid=None, flags=0x0100, qdcount=1, edns_size=0):
    """Returns the ID and the bytes of a query, with an EDNS0 OPT record
    advertising edns_size when that is not 0."""
    qid = random.randrange(65536) if qid is None else qid
    header = struct.pack(">HHHHHH", qid, flags, qdcount, 0, 0, 1 if edns_size else 0)
    msg = header + encode_name(name) + struct.pack(">HH", qtype, 1)
    if edns_size:
        msg += b"\0" + struct.pack(">HHIH", 41, edns_size, 0, 0)
    return qid, msg


def read_name(msg, offset):
    """Returns the dotted name at offset and the offset after it."""
    labels, end, jumps = [], None, 0
    while True:
        length = msg[offset]
        if length & 0xC0 == 0xC0:
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | msg[offset + 1]
            jumps += 1
            if jumps > 20:
                raise ValueError("compression loop")
            continue
        offset += 1
        if length == 0:
            break
        labels.append(msg[offset:offset + length].decode())
        offset += length
    return ".".join(labels), end if end is not None else offset


class Reply:
    def __init__(self, msg):
        self.raw = msg
        (self.id, self.flags, qdcount, ancount, _, _) = struct.unpack(">HHHHHH", msg[:12])
        self.rcode = self.flags & 0xF
        offset = 12
        for _ in range(qdcount):
            _, offset = read_name(msg, offset)
            offset += 4
        self.answers = []
        for _ in range(ancount):
            name, offset = read_name(msg, offset)
            rtype, _, ttl, rdlength = struct.unpack(">HHIH", msg[offset:offset + 10])
            offset += 10
            rdata = msg[offset:offset + rdlength]
            if rtype == TYPE_A:
                value = socket.inet_ntop(socket.AF_INET, rdata)
            elif rtype == TYPE_AAAA:
                value = socket.inet_ntop(socket.AF_INET6, rdata)
            elif rtype == TYPE_PTR:
                value, _ = read_name(msg, offset)
            else:
                value = rdata
            self.answers.append((name, rtype, ttl, value))
            offset += rdlength

    def values(self):
        return [a[3] for a in self.answers]


def udp_exchange(msg, timeout=10):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(msg, SERVER)
        data, _ = s.recvfrom(65535)
        return Reply(data)


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def tcp_read_message(s):
    (length,) = struct.unpack(">H", recv_exact(s, 2))
    return recv_exact(s, length)


def tcp_exchange(msgs, timeout=10):
    """Sends all msgs on one connection at once, then reads one reply each."""
    with socket.create_connection(SERVER, timeout=timeout) as s:
        s.sendall(b"".join(struct.pack(">H", len(m)) + m for m in msgs))
        return [Reply(tcp_read_message(s)) for _ in msgs]


failures = 0


def check(what, condition, detail=""):
    global failures
    if condition:
        print("ok - %s" % what)
    else:
        failures += 1
        print("FAIL - %s %s" % (what, detail))


def query(name, qtype, **kwargs):
    qid, msg = build_query(name, qtype, **kwargs)
    reply = udp_exchange(msg)
    check("%s %d: reply has the query's ID" % (name, qtype), reply.id == qid, "%d != %d" % (reply.id, qid))
    check("%s %d: reply is a response" % (name, qtype), reply.flags & FLAG_QR)
    return reply


def phase_serve():
    r = query("web", TYPE_A)
    check("A of a container name", r.rcode == NOERROR and r.values() == ["172.30.0.2"], r.values())
    check("TTL is 600", r.answers and r.answers[0][2] == 600)

    r = query("web", TYPE_A, edns_size=1232)
    arcount = struct.unpack(">H", r.raw[10:12])[0]
    check("EDNS0 query gets an OPT record back", arcount == 1 and r.raw[-11:-8] == b"\0\0\x29", r.raw.hex())
    check("EDNS0 query gets the address", r.values() == ["172.30.0.2"], r.values())

    r = query("WEB.", TYPE_A)
    check("upper-case name", r.values() == ["172.30.0.2"], r.values())
    check("question keeps the client's case", b"\x03WEB\x00" in r.raw)

    r = query("web", TYPE_AAAA)
    check("AAAA of a container name", r.rcode == NOERROR and r.values() == ["fd30::2"], r.values())

    r = query("v4only", TYPE_AAAA)
    check("AAAA of an IPv4-only container is empty", r.rcode == NOERROR and r.answers == [], r.answers)

    r = query("v4only", TYPE_MX)
    check("MX of a container name is empty", r.rcode == NOERROR and r.answers == [], r.answers)

    first = query("db", TYPE_A).values()
    second = query("db", TYPE_A).values()
    check("alias has both addresses", sorted(first) == ["172.30.0.3", "172.30.0.4"], first)
    check("alias order rotates", first != second and sorted(first) == sorted(second), (first, second))

    r = query("2.0.30.172.in-addr.arpa", TYPE_PTR)
    check("PTR of an IPv4 address", r.values() == ["web.testnet"], r.values())
    ip6 = ".".join(reversed("fd30" + "0" * 27 + "2")) + ".ip6.arpa"
    r = query(ip6, TYPE_PTR)
    check("PTR of an IPv6 address", r.values() == ["web.testnet"], r.values())

    r = query("ext.example", TYPE_A)
    check("forwarded name over UDP", r.rcode == NOERROR and r.values() == ["198.51.100.7"], r.values())

    r = query("9.9.30.172.in-addr.arpa", TYPE_PTR)
    check("unknown PTR is forwarded", r.rcode == NXDOMAIN, r.rcode)

    r = query("nothing.example", TYPE_A)
    check("upstream NXDOMAIN is relayed", r.rcode == NXDOMAIN, r.rcode)

    r = query("big.example", TYPE_A)
    check("truncated upstream reply is fetched over TCP",
          r.values() == ["198.51.100.1", "198.51.100.2", "198.51.100.3"] and not r.flags & FLAG_TC, r.values())

    r = query("servfail.example", TYPE_A)
    check("upstream SERVFAIL gives SERVFAIL", r.rcode == SERVFAIL, r.rcode)

    r = query("slow.example", TYPE_A)
    check("silent upstream times out to SERVFAIL", r.rcode == SERVFAIL, r.rcode)

    # TCP: a local name and a forwarded one pipelined on one connection.
    q1, m1 = build_query("web", TYPE_A)
    q2, m2 = build_query("ext.example", TYPE_A)
    replies = tcp_exchange([m1, m2])
    check("TCP local name", replies[0].id == q1 and replies[0].values() == ["172.30.0.2"], replies[0].values())
    check("TCP forwarded over TCP", replies[1].id == q2 and replies[1].values() == ["198.51.100.8"],
          replies[1].values())

    # Malformed messages: no reply, or FORMERR and NOTIMP, then the server
    # still replies.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1)
        garbage = [b"\x12", os.urandom(11), os.urandom(200)]
        qid, loop = build_query("web", TYPE_A)
        loop = loop[:12] + b"\xc0\x0c" + loop[-4:]
        garbage.append(loop)
        for msg in garbage:
            s.sendto(msg, SERVER)
        for _ in garbage:
            try:
                data = s.recv(512)
                check("reply to garbage is an error", data[3] & 0xF in (FORMERR, NOTIMP), data[:4].hex())
            except socket.timeout:
                break
    qid, msg = build_query("web", TYPE_A, qdcount=2)
    r = udp_exchange(msg)
    check("QDCOUNT 2 gets FORMERR", r.id == qid and r.rcode == FORMERR, r.rcode)
    qid, msg = build_query("web", TYPE_A, flags=0x1000)
    r = udp_exchange(msg)
    check("STATUS opcode gets NOTIMP", r.id == qid and r.rcode == NOTIMP, r.rcode)
    with socket.create_connection(SERVER, timeout=10) as s:
        s.sendall(b"\x00\x05hello")
        check("TCP garbage closes the connection", s.recv(10) == b"")
    r = query("web", TYPE_A)
    check("server answers after malformed input", r.values() == ["172.30.0.2"], r.values())

    # The TCP connection limit, 32 per sandbox: the connections beyond it
    # are closed without a reply.
    conns = [socket.create_connection(SERVER, timeout=10) for _ in range(40)]
    answered = closed = 0
    for c in conns:
        try:
            c.sendall(struct.pack(">H", len(m1)) + m1)
            Reply(tcp_read_message(c))
            answered += 1
        except (ConnectionError, OSError):
            closed += 1
    for c in conns:
        c.close()
    check("connections up to the limit are served", answered == 32, answered)
    check("connections over the limit are closed", closed == 8, closed)
    r = tcp_exchange([build_query("web", TYPE_A)[1]])[0]
    check("TCP works after the limit", r.values() == ["172.30.0.2"], r.values())


def phase_no_upstream():
    r = query("ext.example", TYPE_A)
    check("unknown name without upstreams is SERVFAIL", r.rcode == SERVFAIL, r.rcode)
    r = query("web", TYPE_A)
    check("known name without upstreams", r.values() == ["172.30.0.2"], r.values())


def phase_removed():
    _, msg = build_query("web", TYPE_A)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.connect(SERVER)
        s.send(msg)
        try:
            s.recv(512)
            check("UDP socket closed after removal", False, "got a reply")
        except ConnectionRefusedError:
            check("UDP socket closed after removal", True)
    try:
        socket.create_connection(SERVER, timeout=5).close()
        check("TCP socket closed after removal", False, "connected")
    except ConnectionRefusedError:
        check("TCP socket closed after removal", True)


def upstream_answer(msg, tcp):
    qid, flags = struct.unpack(">HH", msg[:4])
    name, end = read_name(msg, 12)
    question = msg[12:end + 4]
    rflags = FLAG_QR | 0x0080 | (flags & 0x0100)
    answers = []
    if name == "slow.example":
        return None
    if name == "servfail.example":
        rflags |= SERVFAIL
    elif name == "ext.example":
        answers = ["198.51.100.8" if tcp else "198.51.100.7"]
    elif name == "big.example":
        if tcp:
            answers = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
        else:
            rflags |= FLAG_TC
    else:
        rflags |= NXDOMAIN
    out = struct.pack(">HHHHHH", qid, rflags, 1, len(answers), 0, 0) + question
    for a in answers:
        out += struct.pack(">HHHIH", 0xC00C, TYPE_A, 1, 60, 4) + socket.inet_aton(a)
    return out


class UdpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        reply = upstream_answer(data, False)
        if reply:
            sock.sendto(reply, self.client_address)


class TcpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            while True:
                reply = upstream_answer(tcp_read_message(self.request), True)
                if reply is None:
                    return
                self.request.sendall(struct.pack(">H", len(reply)) + reply)
        except ConnectionError:
            pass


def run_upstream(address, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    class UdpServer(socketserver.ThreadingUDPServer):
        address_family = family
        allow_reuse_address = True

    class TcpServer(socketserver.ThreadingTCPServer):
        address_family = family
        allow_reuse_address = True

    udp = UdpServer((address, port), UdpHandler)
    tcp = TcpServer((address, port), TcpHandler)
    threading.Thread(target=tcp.serve_forever, daemon=True).start()
    print("ready", flush=True)
    udp.serve_forever()


def main():
    if sys.argv[1] == "upstream":
        run_upstream(sys.argv[2], int(sys.argv[3]))
        return 0
    phases = {"serve": phase_serve, "no-upstream": phase_no_upstream, "removed": phase_removed}
    phases[sys.argv[2]]()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
