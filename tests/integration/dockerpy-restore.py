#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Live restore through docker-py, against the daemon in DOCKER_HOST.

usage: dockerpy-restore.py before|after BUSYBOX-IMAGE STATE-FILE SYNC-DIR

"before" starts the containers and writes what "after" compares to
STATE-FILE. The wrapper stops the daemon, creates SYNC-DIR/down while it
is down, starts it again and runs "after". That phase checks that the
containers survived: the same process, exec, the line logged while the
daemon was down, logs that follow, stop and wait. Prints "ok NAME" or
"not ok NAME" per check (see dockerpy_checks.py) and exits 1 when any
check failed.
"""
import json
import sys

from dockerpy_checks import container_state, run_checks, wait_for

PHASE, IMAGE, STATE_FILE, SYNC_DIR = sys.argv[1:5]
# Logs "up", then "while-down" once the wrapper creates /sync/down while
# the daemon is stopped, then "after" once the test creates /tmp/after.
LOGGER_SCRIPT = ("echo up; until [ -e /sync/down ]; do sleep 0.05; done; echo while-down; "
                 "until [ -e /tmp/after ]; do sleep 0.05; done; echo after; exec sleep 1000")


def before(checks):
    client = checks.client
    logger = client.containers.run(IMAGE, ["sh", "-c", LOGGER_SCRIPT], detach=True, name=checks.name("logger"),
                                   network_mode="none", volumes={SYNC_DIR: {"bind": "/sync", "mode": "ro"}})
    exited = client.containers.run(IMAGE, ["sh", "-c", "exit 6"], detach=True, name=checks.name("exited"),
                                   network_mode="none")
    checks.eq("exited before the restart", exited.wait(timeout=30)["StatusCode"], 6)
    checks.true("the logger is up", wait_for(lambda: logger.logs() == b"up\n", 10), logger.logs())
    state = container_state(logger)
    with open(STATE_FILE, "w") as f:
        json.dump({"pid": state["Pid"], "started": state["StartedAt"]}, f)


def after(checks):
    client = checks.client
    with open(STATE_FILE) as f:
        saved = json.load(f)
    logger = client.containers.get(checks.name("logger"))
    state = container_state(logger)
    checks.eq("restored: still running", state["Status"], "running")
    checks.eq("restored: the same process", state["Pid"], saved["pid"])
    checks.eq("restored: the same StartedAt", state["StartedAt"], saved["started"])
    checks.eq("restored: exec", logger.exec_run(["echo", "exec"]).output, b"exec\n")
    logged = wait_for(lambda: logger.logs() == b"up\nwhile-down\n", 10)
    checks.true("restored: the line logged while the daemon was down", logged, logger.logs())

    stream = logger.logs(stream=True, follow=True, tail=0)
    logger.exec_run(["touch", "/tmp/after"])
    checks.eq("restored: logs follow", next(stream), b"after\n")
    logger.stop(timeout=1)
    checks.eq("restored: follow ends at the stop", b"".join(stream), b"")
    checks.eq("restored: wait after the stop", logger.wait(timeout=30), {"StatusCode": 137, "Error": None})

    exited = client.containers.get(checks.name("exited"))
    state = container_state(exited)
    checks.eq("an exited container keeps its status", state["Status"], "exited")
    checks.eq("an exited container keeps its ExitCode", state["ExitCode"], 6)


def main():
    if PHASE == "before":
        return run_checks("sl-dpr-", [before], clean_end=False)
    return run_checks("sl-dpr-", [after], clean_start=False)


if __name__ == "__main__":
    sys.exit(main())
