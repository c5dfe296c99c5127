#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Container logs through docker-py, against the daemon in DOCKER_HOST.

usage: dockerpy-logs.py BUSYBOX-IMAGE

Reads logs with stream and follow, timestamps, since and until, tail and
the stdout and stderr switches, from containers with the json-file
driver (with rotation and labels for details), the local driver and
the none driver. Prints "ok NAME" or "not ok NAME" per check (see
dockerpy_checks.py) and exits 1 when any check failed.
"""
import datetime
import re
import sys
import time

from docker.types import LogConfig

from dockerpy_checks import run_checks, wait_for

IMAGE = sys.argv[1] if len(sys.argv) > 1 else "sockerless-test/busybox:1.35"
# RFC 3339 with nanoseconds, as Docker puts it before each line.
TIMESTAMP = re.compile(rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,9})?Z ")
# Waits for /tmp/go-N before each step N, so the test decides when lines appear.
STEPS_SCRIPT = ("until [ -e /tmp/go-1 ]; do sleep 0.05; done; echo early; echo err-early >&2; "
                "until [ -e /tmp/go-2 ]; do sleep 0.05; done; echo late; echo err-late >&2")


def start(checks, suffix, command, **kwargs):
    return checks.client.containers.run(IMAGE, ["sh", "-c", command], detach=True, name=checks.name(suffix),
                                        network_mode="none", **kwargs)


def step(container, number):
    container.exec_run(["touch", f"/tmp/go-{number}"])


def seconds_of(line):
    """Return the Unix time of a timestamped log line, in seconds as a float."""
    match = TIMESTAMP.match(line)
    when = datetime.datetime.strptime(match.group(1).decode(), "%Y-%m-%dT%H:%M:%S")
    fraction = float(match.group(2) or 0)
    return when.replace(tzinfo=datetime.timezone.utc).timestamp() + fraction


def follow_and_streams(checks):
    c = start(checks, "follow", STEPS_SCRIPT)
    stream = c.logs(stream=True, follow=True, stdout=True, stderr=False)
    step(c, 1)
    checks.eq("follow: first line while running", next(stream), b"early\n")
    step(c, 2)
    checks.eq("follow: the rest until the exit", b"".join(stream), b"late\n")
    checks.eq("follow ends with the container", c.wait()["StatusCode"], 0)

    checks.eq("stdout only", c.logs(stdout=True, stderr=False), b"early\nlate\n")
    checks.eq("stderr only", c.logs(stdout=False, stderr=True), b"err-early\nerr-late\n")
    checks.eq("both streams", sorted(c.logs().splitlines()), [b"early", b"err-early", b"err-late", b"late"])
    # tail counts the lines of both streams, so the last two are one of each.
    checks.eq("tail 2", sorted(c.logs(tail=2).splitlines()), [b"err-late", b"late"])
    checks.eq("tail 0", c.logs(tail=0), b"")

    lines = c.logs(stderr=False, timestamps=True).splitlines()
    checks.true("timestamps on each line", len(lines) == 2 and all(TIMESTAMP.match(line) for line in lines), lines)
    checks.eq("timestamps: the text after them", [TIMESTAMP.sub(b"", line) for line in lines], [b"early", b"late"])

    stream = c.logs(stream=True, follow=False)
    checks.eq("stream without follow ends at the end of the log", sorted(b"".join(stream).splitlines()),
              [b"early", b"err-early", b"err-late", b"late"])


def since_until(checks):
    c = start(checks, "time", STEPS_SCRIPT)
    step(c, 1)
    wait_for(lambda: c.logs(stderr=False) == b"early\n", 10)
    early = c.logs(stderr=False, timestamps=True).splitlines()[0]
    # A whole second between the lines, because docker-py sends since and
    # until in whole seconds.
    boundary = int(seconds_of(early)) + 1
    wait_for(lambda: time.time() >= boundary + 0.1, 5)
    step(c, 2)
    c.wait()

    checks.eq("since a datetime", c.logs(stderr=False, since=datetime.datetime.utcfromtimestamp(boundary)),
              b"late\n")
    checks.eq("since Unix seconds", c.logs(stderr=False, since=boundary), b"late\n")
    checks.eq("until Unix seconds", c.logs(stderr=False, until=boundary), b"early\n")
    checks.eq("since and until", c.logs(stderr=False, since=boundary, until=boundary + 3600), b"late\n")


def json_file_options(checks):
    client = checks.client
    log_config = LogConfig(type=LogConfig.types.JSON, config={"max-size": "1k", "max-file": "3", "compress": "true"})
    c = start(checks, "rotate", "i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done", log_config=log_config)
    c.wait()
    c.reload()
    checks.eq("LogConfig in inspect", c.attrs["HostConfig"]["LogConfig"],
              {"Type": "json-file", "Config": {"max-size": "1k", "max-file": "3", "compress": "true"}})
    lines = c.logs().decode().splitlines()
    checks.eq("rotated: the last line", lines[-1:], ["line-299"])
    first = int(lines[0].split("-")[1]) if lines else 300
    checks.eq("rotated: the kept lines in order", lines, [f"line-{i}" for i in range(first, 300)])
    checks.true("rotated: older lines dropped", first > 0, lines[:3])

    long_line = "x" * 40000
    c = start(checks, "long", f"printf '%s\\n' {long_line}; printf 'no newline'")
    c.wait()
    checks.eq("a line over 16 KiB comes back whole", c.logs(), (long_line + "\nno newline").encode())

    labeled = LogConfig(type=LogConfig.types.JSON, config={"labels": "sl.team", "env": "SL_ENV"})
    c = start(checks, "details", "echo hello", log_config=labeled, labels={"sl.team": "core"},
              environment={"SL_ENV": "test"})
    c.wait()
    api = checks.api
    response = api._get(api._url("/containers/{0}/logs", c.id), params={"stdout": 1, "details": 1})
    output = api._multiplexed_buffer_helper(response)
    checks.eq("details: attributes before the line", b"".join(output), b"SL_ENV=test,sl.team=core hello\n")
    checks.eq("without details: the line alone", c.logs(), b"hello\n")

    checks.api_error("unknown json-file option", lambda: client.containers.create(
        IMAGE, ["true"], network_mode="none", log_config=LogConfig(type="json-file", config={"bogus": "1"})), 400,
        "unknown log opt 'bogus' for json-file log driver")


def local_and_none(checks):
    client = checks.client
    local = LogConfig(type="local", config={"max-size": "1k", "max-file": "2"})
    c = start(checks, "local", STEPS_SCRIPT, log_config=local)
    stream = c.logs(stream=True, follow=True, stderr=False)
    step(c, 1)
    checks.eq("local: follow the first line", next(stream), b"early\n")
    step(c, 2)
    checks.eq("local: follow to the end", b"".join(stream), b"late\n")
    c.wait()
    checks.eq("local: stderr", c.logs(stdout=False), b"err-early\nerr-late\n")
    checks.eq("local: tail", sorted(c.logs(tail=2).splitlines()), [b"err-late", b"late"])
    c.reload()
    checks.eq("local: LogConfig", c.attrs["HostConfig"]["LogConfig"]["Type"], "local")
    checks.api_error("local: unknown option", lambda: client.containers.create(
        IMAGE, ["true"], network_mode="none", log_config=LogConfig(type="local", config={"labels": "x"})), 400,
        "unknown log opt 'labels' for log driver local")

    c = start(checks, "none", "echo hidden", log_config=LogConfig(type="none"))
    c.wait()
    c.reload()
    checks.eq("none: no LogPath", c.attrs["LogPath"], "")
    error = checks.api_error("none: logs fail", c.logs, 501,
                             "configured logging driver does not support reading")
    checks.true("none: the error is an APIError", error is not None)
    checks.api_error("logs of a missing container", lambda: checks.api.logs("sl-dpl-nosuch"), 404,
                     "No such container: sl-dpl-nosuch")


def main():
    return run_checks("sl-dpl-", [follow_and_streams, since_until, json_file_options, local_and_none])


if __name__ == "__main__":
    sys.exit(main())
