# SPDX-License-Identifier: Apache-2.0
"""Checks shared by the docker-py scenario scripts (dockerpy-*.py).

Each check prints one line, "ok NAME", "skip NAME # REASON" or "not ok
NAME" followed by "# DETAIL" lines, which dockerpy-lib.sh turns into TAP. Containers and
volumes that a script creates are named with the script's prefix, so
that cleanup() finds them even after a failed check.
"""
import os
import sys
import time
import traceback

import docker
import docker.api.client

# Seconds that a single request to the daemon may take.
REQUEST_TIMEOUT = 60


def read_buffered(reader):
    """Return the bytes that reader, a BufferedReader on a socket, holds, without waiting."""
    sock = reader.raw._sock
    sock.setblocking(False)
    try:
        data = reader.peek(0)
        return reader.read(len(data)) if data else b""
    except BlockingIOError:
        return b""
    finally:
        sock.setblocking(True)


def keep_early_frames():
    """Have docker-py read the frames that arrive with the headers of a hijacked reply.

    NOTE: docker-py 5.0.3 reads a 101 reply's stream from the raw socket and
    drops what the HTTP parser buffered past the headers. An exec that
    starts and writes within that read loses its output (exec_run returns
    b""). Sockerless starts an exec fast enough that this happened to 3
    to 6 in 100 back-to-back exec_run calls on a 2-core VM, and to none of
    300 with dockerd 20.10 there.
    """
    original = docker.api.client.APIClient._get_raw_response_socket

    def get_raw_response_socket(self, response):
        sock = original(self, response)
        # Other replies are read through response.raw, which needs its buffer.
        if response.status_code != 101:
            return sock
        pending = bytearray(read_buffered(response.raw._fp.fp))
        if not pending:
            return sock
        raw_readinto = sock.readinto

        def readinto(buffer):
            if not pending:
                return raw_readinto(buffer)
            count = min(len(buffer), len(pending))
            buffer[:count] = pending[:count]
            del pending[:count]
            return count

        sock.readinto = readinto
        return sock

    docker.api.client.APIClient._get_raw_response_socket = get_raw_response_socket


class Checks:
    """Assertions that record failures and go on, so one run reports all."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.failed = 0
        # The daemon under test: "dockerd" when the harness compares with it.
        self.engine = os.environ.get("SOCKERLESS_TEST_ENGINE", "sockerlessd")
        # True when the daemon runs with --userns-remap (see lib.sh).
        self.remapped = os.environ.get("SOCKERLESS_TEST_USERNS_REMAP", "") not in ("", "0")
        self.client = docker.from_env(version="1.41", timeout=REQUEST_TIMEOUT)
        self.api = self.client.api

    def name(self, suffix):
        return f"{self.prefix}{suffix}"

    def report(self, name, passed, *details):
        print(f"{'ok' if passed else 'not ok'} {name}")
        for detail in details:
            for line in str(detail).splitlines():
                print(f"# {line}")
        if not passed:
            self.failed += 1
        sys.stdout.flush()
        return passed

    def skip(self, name, reason):
        print(f"skip {name} # {reason}")
        sys.stdout.flush()

    def eq(self, name, actual, expected):
        return self.report(name, actual == expected, f"expected: {expected!r}", f"actual:   {actual!r}")

    def true(self, name, value, detail=""):
        return self.report(name, bool(value), detail or f"value: {value!r}")

    def contains(self, name, haystack, needle):
        return self.report(name, needle in haystack, f"expected to contain: {needle!r}",
                           f"actual: {haystack!r}")

    def api_error(self, name, call, status, message=None):
        """Check that call() raises docker.errors.APIError with this status.

        With message, the error's explanation must contain it.
        """
        try:
            call()
        except docker.errors.APIError as e:
            self.eq(f"{name}: status", e.status_code, status)
            if message is not None:
                self.contains(f"{name}: message", e.explanation or "", message)
            return e
        self.report(name, False, f"expected APIError {status}, got no error")
        return None

    def cleanup(self):
        """Remove this script's containers, then its volumes."""
        for container in self.client.containers.list(all=True, filters={"name": self.prefix}):
            try:
                container.remove(force=True, v=True)
            except docker.errors.NotFound:
                pass
        for volume in self.client.volumes.list(filters={"name": self.prefix}):
            try:
                volume.remove(force=True)
            except docker.errors.NotFound:
                pass

    def finish(self):
        return 1 if self.failed else 0


def wait_for(predicate, seconds=30, interval=0.1):
    """Poll predicate() until it returns a true value; return that value or None."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def container_state(container):
    container.reload()
    return container.attrs["State"]


def run_checks(prefix, scenarios, clean_start=True, clean_end=True):
    """Run each scenario function with a Checks object and return the exit status.

    An exception in one scenario counts as a failed check named after it,
    and the next scenario still runs. clean_start and clean_end remove the
    prefix's containers and volumes before and after the scenarios, so a
    run without clean_end leaves them to a later one.
    """
    keep_early_frames()
    checks = Checks(prefix)
    try:
        if clean_start:
            checks.cleanup()
        for scenario in scenarios:
            try:
                scenario(checks)
            except Exception as e:  # noqa: BLE001: report any error as a failed check
                checks.report(f"{scenario.__name__} runs to the end", False,
                              f"{type(e).__name__}: {e}", traceback.format_exc())
    finally:
        if clean_end:
            checks.cleanup()
    return checks.finish()
