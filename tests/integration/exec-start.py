#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Start an exec instance over the raw Docker API and print what comes back.

Usage: exec-start.py SOCKET EXEC-ID [--tty] [--detach] [--no-upgrade]
                     [--stdin TEXT] [--half-close] [--body JSON]

Sends POST /exec/EXEC-ID/start on the daemon's unix socket, with
"Connection: Upgrade" and "Upgrade: tcp" unless --no-upgrade, then sends
TEXT (backslash escapes decoded) as the exec's input, shuts down the
writing side with --half-close, and reads the reply: a hijacked stream up
to the end of the connection, any other body as its headers frame it.
--body replaces the request body {"Detach":..,"Tty":..}.

Output: the status line and the headers as received (one per line, CR
removed), an empty line, then the body. A body in Docker's stream format
(no --tty) is printed one frame per line as "STREAM LENGTH REPR", where
REPR is Python's repr of the payload bytes, then bytes that do not form
whole frames as "TRAILING REPR", then each stream's bytes joined, as
"stdout: REPR" and "stderr: REPR". With --tty the raw bytes are printed
as one repr line. Exit status 0, or 1 on a connection error.
"""

import argparse
import codecs
import json
import socket
import sys

TIMEOUT_SECONDS = 60


def request_bytes(exec_id, body, upgrade):
    lines = [
        f"POST /exec/{exec_id}/start HTTP/1.1",
        "Host: localhost",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if upgrade:
        lines += ["Connection: Upgrade", "Upgrade: tcp"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Reader:
    """Buffered reads from the socket."""

    def __init__(self, sock):
        self.sock = sock
        self.data = b""
        self.closed = False

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            self.closed = True
        self.data += chunk

    def until(self, marker):
        while marker not in self.data and not self.closed:
            self.fill()
        head, _, self.data = self.data.partition(marker)
        return head

    def exactly(self, size):
        while len(self.data) < size and not self.closed:
            self.fill()
        out, self.data = self.data[:size], self.data[size:]
        return out

    def rest(self):
        while not self.closed:
            self.fill()
        out, self.data = self.data, b""
        return out


def read_chunked(reader):
    """Read an HTTP/1.1 chunked body up to its last chunk."""
    body = b""
    while True:
        line = reader.until(b"\r\n")
        size = int(line.split(b";")[0] or b"0", 16)
        if size == 0 or reader.closed:
            return body
        body += reader.exactly(size)
        reader.exactly(2)


def read_body(reader, head):
    """Read the body as the headers frame it: chunks, a length, or up to
    the end of the connection (a hijacked one)."""
    headers = head.lower()
    if head.startswith("HTTP/1.1 101"):
        return reader.rest()
    if "transfer-encoding: chunked" in headers:
        return read_chunked(reader)
    for line in headers.split("\n"):
        if line.startswith("content-length:"):
            return reader.exactly(int(line.split(":", 1)[1]))
    return reader.rest()


def print_frames(body):
    streams = {1: b"", 2: b""}
    while len(body) >= 8:
        stream = body[0]
        size = int.from_bytes(body[4:8], "big")
        if len(body) < 8 + size:
            break
        print(stream, size, repr(body[8:8 + size]))
        streams[stream] = streams.get(stream, b"") + body[8:8 + size]
        body = body[8 + size:]
    if body:
        print("TRAILING", repr(body))
    print("stdout:", repr(streams[1]))
    print("stderr:", repr(streams[2]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("socket")
    parser.add_argument("exec_id")
    parser.add_argument("--tty", action="store_true")
    parser.add_argument("--detach", action="store_true")
    parser.add_argument("--no-upgrade", action="store_true")
    parser.add_argument("--stdin", default="")
    parser.add_argument("--half-close", action="store_true")
    parser.add_argument("--body")
    args = parser.parse_args()

    body = args.body
    if body is None:
        body = json.dumps({"Detach": args.detach, "Tty": args.tty})
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT_SECONDS)
    try:
        sock.connect(args.socket)
        sock.sendall(request_bytes(args.exec_id, body.encode(), not args.no_upgrade))
        if args.stdin:
            sock.sendall(codecs.decode(args.stdin, "unicode_escape").encode("latin-1"))
        if args.half_close:
            sock.shutdown(socket.SHUT_WR)
        reader = Reader(sock)
        head = reader.until(b"\r\n\r\n").decode("latin-1").replace("\r", "")
        body = read_body(reader, head)
    except (OSError, ValueError) as e:
        print(f"exec-start.py: {e}", file=sys.stderr)
        return 1
    finally:
        sock.close()

    print(head)
    print()
    headers = head.lower()
    status_ok = head.startswith("HTTP/1.1 101") or head.startswith("HTTP/1.1 200")
    if not status_ok or "application/json" in headers:
        print(body.decode("latin-1"))
    elif args.tty:
        print(repr(body))
    else:
        print_frames(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
