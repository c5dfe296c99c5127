#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Restart policies through docker-py, against the daemon in DOCKER_HOST.

usage: restart-policy.py IMAGE

Creates containers with policies, waits for their restarts, reads
RestartCount and HostConfig.RestartPolicy back, updates a policy, and
checks the API errors of invalid policies. Prints one line per failed
check and exits 1 when any failed.
"""
import sys
import time

import docker

FAILURES = []


def check(name, actual, expected):
    if actual != expected:
        FAILURES.append(f"{name}: expected {expected!r}, got {actual!r}")


def wait_for(container, predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        container.reload()
        if predicate(container.attrs):
            return True
        time.sleep(0.1)
    return False


def expect_api_error(name, call, status, message):
    try:
        call()
    except docker.errors.APIError as e:
        check(f"{name}: status", e.status_code, status)
        check(f"{name}: message", e.explanation, message)
        return
    FAILURES.append(f"{name}: no error")


def on_failure_counts(client, image):
    policy = {"Name": "on-failure", "MaximumRetryCount": 2}
    c = client.containers.run(image, ["sh", "-c", "exit 5"], detach=True, name="sl-rs-py-fail",
                              restart_policy=policy)
    done = wait_for(c, lambda a: a["RestartCount"] == 2 and a["State"]["Status"] == "exited")
    check("on-failure:2 ends exited after 2 restarts", done, True)
    check("ExitCode", c.attrs["State"]["ExitCode"], 5)
    check("RestartPolicy", c.attrs["HostConfig"]["RestartPolicy"], policy)

    c.update(restart_policy={"Name": "always"})
    c.reload()
    check("updated RestartPolicy", c.attrs["HostConfig"]["RestartPolicy"],
          {"Name": "always", "MaximumRetryCount": 0})
    expect_api_error("update with a retry count for always",
                     lambda: c.update(restart_policy={"Name": "always", "MaximumRetryCount": 1}), 400,
                     "maximum retry count cannot be used with restart policy 'always'")
    c.remove(force=True)


def unless_stopped(client, image):
    c = client.containers.run(image, ["sleep", "1000"], detach=True, name="sl-rs-py-unless",
                              restart_policy={"Name": "unless-stopped"})
    c.stop(timeout=1)
    time.sleep(1)
    c.reload()
    check("unless-stopped after stop: status", c.attrs["State"]["Status"], "exited")
    check("unless-stopped after stop: RestartCount", c.attrs["RestartCount"], 0)
    c.remove(force=True)


def update_running(client, image):
    """An update of a running container's policy applies to its next exit."""
    c = client.containers.run(image, ["sh", "-c", "until [ -e /tmp/go ]; do sleep 0.1; done; exit 2"],
                              detach=True, name="sl-rs-py-update", network_mode="none")
    c.update(restart_policy={"Name": "on-failure", "MaximumRetryCount": 1})
    c.reload()
    check("update of a running container: RestartPolicy", c.attrs["HostConfig"]["RestartPolicy"],
          {"Name": "on-failure", "MaximumRetryCount": 1})
    c.exec_run(["touch", "/tmp/go"])
    # The file stays in the container's filesystem, so the restarted run
    # exits at once and the retry count ends it.
    done = wait_for(c, lambda a: a["RestartCount"] == 1 and a["State"]["Status"] == "exited")
    check("updated policy restarts once", done, True)
    check("updated policy: ExitCode", c.attrs["State"]["ExitCode"], 2)
    expect_api_error("update with an invalid policy",
                     lambda: c.update(restart_policy={"Name": "bogus"}), 400, "invalid restart policy 'bogus'")
    c.remove(force=True)


def create_errors(client, image):
    expect_api_error("invalid policy", lambda: client.containers.create(
        image, "true", restart_policy={"Name": "bogus"}), 400, "invalid restart policy 'bogus'")
    expect_api_error("AutoRemove with a policy", lambda: client.containers.create(
        image, "true", auto_remove=True, restart_policy={"Name": "always"}), 400,
        "can't create 'AutoRemove' container with restart policy")


def main():
    image = sys.argv[1]
    client = docker.from_env(version="1.41", timeout=60)
    try:
        on_failure_counts(client, image)
        unless_stopped(client, image)
        update_running(client, image)
        create_errors(client, image)
    finally:
        for c in client.containers.list(all=True, filters={"name": "sl-rs-py-"}):
            c.remove(force=True)
    for failure in FAILURES:
        print(failure)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
