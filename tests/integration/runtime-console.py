#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Terminal helpers for the runtime's integration tests.

  runtime-console.py pty CMD...
      Runs CMD with its stdio on a new pty and prints what it writes
      there; exits with CMD's status.

  runtime-console.py socket PATH CMD... [--then CMD2...]
      Listens on the unix socket PATH as a --console-socket client does,
      runs CMD, receives the pty master that CMD sends (runc's protocol: one
      message holding the pty's name, with the master as SCM_RIGHTS), runs
      CMD2 once CMD has exited, and prints "name=<pty name>", CMD's exit
      status as "status=N", then what the container writes to the pty.
"""

import os
import pty
import select
import socket
import subprocess
import sys
import time

TIMEOUT = 20


def read_all(fd, deadline):
    """Reads fd until EOF (EIO on a pty master whose slaves closed) or deadline."""
    out = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def run_on_pty(cmd):
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out = read_all(master, time.monotonic() + TIMEOUT)
    status = proc.wait(timeout=TIMEOUT)
    sys.stdout.write(out.decode(errors="replace"))
    return status


def run_with_socket(path, cmd, then):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    server.settimeout(TIMEOUT)
    proc = subprocess.Popen(cmd)
    try:
        conn, _ = server.accept()
    except socket.timeout:
        proc.wait(timeout=TIMEOUT)
        print("status=%d" % proc.returncode)
        print("no pty received")
        return 1
    name, fds, _, _ = socket.recv_fds(conn, 1024, 1)
    status = proc.wait(timeout=TIMEOUT)
    if then:
        subprocess.run(then, check=False, timeout=TIMEOUT)
    print("name=%s" % name.decode())
    print("status=%d" % status)
    if fds:
        out = read_all(fds[0], time.monotonic() + TIMEOUT)
        sys.stdout.write(out.decode(errors="replace"))
    return 0 if fds else 1


def main(argv):
    if len(argv) >= 2 and argv[0] == "pty":
        return run_on_pty(argv[1:])
    if len(argv) >= 3 and argv[0] == "socket":
        rest = argv[2:]
        then = []
        if "--then" in rest:
            i = rest.index("--then")
            rest, then = rest[:i], rest[i + 1:]
        return run_with_socket(argv[1], rest, then)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
