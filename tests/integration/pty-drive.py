#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Run a command on a new pseudo-terminal and drive it like a user at a keyboard.

Usage: pty-drive.py [--timeout SECONDS] [--size ROWSxCOLS] STEP... -- COMMAND...

Steps run in order:
  expect=REGEX   wait until the output read since the last match matches REGEX
  send=TEXT      type TEXT; backslash escapes such as \\r and \\x10 are decoded
  sleep=SECONDS  pause
The driver then waits for COMMAND to exit. The whole terminal output goes to
stdout. The exit status is the command's (128+N when signal N ended it), or
124 when an expect step or the final wait timed out, with the reason on
stderr.
"""

import argparse
import codecs
import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time


class Terminal:
    """A child process on the slave side of a pty, read from the master side."""

    def __init__(self, command, rows, cols):
        self.output = b""
        self.matched = 0
        self.status = None
        self.pid, self.master = os.forkpty()
        if self.pid == 0:
            try:
                os.execvp(command[0], command)
            finally:
                os._exit(127)
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def read(self, deadline):
        """Read what is available until deadline; return False once the pty closed."""
        remaining = max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([self.master], [], [], min(remaining, 0.1))
        if not ready:
            return True
        try:
            data = os.read(self.master, 4096)
        except OSError:
            return False
        self.output += data
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return bool(data)

    def expect(self, pattern, deadline):
        regex = re.compile(pattern.encode())
        while True:
            found = regex.search(self.output, self.matched)
            if found:
                self.matched = found.end()
                return True
            if time.monotonic() >= deadline or not self.read(deadline):
                return bool(regex.search(self.output, self.matched))

    def send(self, text):
        os.write(self.master, codecs.decode(text, "unicode_escape").encode("latin-1"))

    def wait(self, deadline):
        """Wait for the child to exit; return its status as a shell would, or None."""
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
            self.read(min(deadline, time.monotonic() + 0.1))
        return None

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def parse_args(argv):
    if "--" not in argv:
        sys.exit("pty-drive.py: missing -- before the command")
    split = argv.index("--")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=30, help="seconds for each step and the final wait")
    parser.add_argument("--size", default="24x80", help="terminal size as ROWSxCOLS")
    parser.add_argument("steps", nargs="*", help="expect=REGEX, send=TEXT or sleep=SECONDS")
    args = parser.parse_args(argv[:split])
    args.command = argv[split + 1:]
    if not args.command:
        sys.exit("pty-drive.py: no command after --")
    return args


def fail(terminal, reason):
    tail = terminal.output[terminal.matched:][-400:].decode(errors="replace")
    print(f"\npty-drive.py: {reason}; output since the last match: {tail!r}", file=sys.stderr)
    terminal.kill()
    sys.exit(124)


def main(argv):
    args = parse_args(argv)
    rows, cols = (int(n) for n in args.size.split("x"))
    terminal = Terminal(args.command, rows, cols)
    for step in args.steps:
        kind, _, value = step.partition("=")
        deadline = time.monotonic() + args.timeout
        if kind == "expect":
            if not terminal.expect(value, deadline):
                fail(terminal, f"timed out after {args.timeout:g}s waiting for {value!r}")
        elif kind == "send":
            terminal.send(value)
        elif kind == "sleep":
            time.sleep(float(value))
        else:
            fail(terminal, f"unknown step {step!r}")
    status = terminal.wait(time.monotonic() + args.timeout)
    if status is None:
        fail(terminal, f"command still running {args.timeout:g}s after the last step")
    sys.exit(status)


if __name__ == "__main__":
    main(sys.argv[1:])
