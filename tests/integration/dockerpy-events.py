#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Events and health checks through docker-py, against the daemon in DOCKER_HOST.

usage: dockerpy-events.py BUSYBOX-IMAGE

Reads client.events(decode=True) with since, until and filters for the
events of containers, execs, volumes and images, and runs containers
with a healthcheck to check State.Health, health_status events and the
health filter of the container list. Prints "ok NAME" or "not ok NAME"
per check (see dockerpy_checks.py) and exits 1 when any check failed.
"""
import sys
import time

from docker.types import Mount

from dockerpy_checks import container_state, run_checks, wait_for

IMAGE = sys.argv[1] if len(sys.argv) > 1 else "sockerless-test/busybox:1.35"
MILLISECOND = 1000000  # in nanoseconds, the unit of the healthcheck durations


def read_events(checks, since, filters):
    """Return the events from since to now as docker-py decodes them.

    until is one second ahead, because both daemons end the stream only
    once that time has passed and events count in whole seconds here.
    """
    stream = checks.client.events(since=since, until=int(time.time()) + 1, filters=filters, decode=True)
    try:
        return list(stream)
    finally:
        stream.close()


def actions(events):
    return [event["Action"] for event in events]


def container_events(checks):
    client = checks.client
    since = int(time.time())
    c = client.containers.run(IMAGE, ["sleep", "1000"], detach=True, name=checks.name("life"), network_mode="none",
                              labels={"sl.events": "life"})
    c.exec_run(["sh", "-c", "exit 3"])
    c.pause()
    c.unpause()
    c.rename(checks.name("life-renamed"))
    c.kill()
    c.wait()
    c.remove()

    events = read_events(checks, since, {"container": c.id})
    checks.eq("container events in order", actions(events),
              ["create", "start", "exec_create: sh -c exit 3", "exec_start: sh -c exit 3", "exec_die", "pause",
               "unpause", "rename", "kill", "die", "destroy"])
    by_action = {event["Action"].split(":")[0]: event for event in events}
    create = by_action.get("create", {})
    checks.eq("create: Type", create.get("Type"), "container")
    checks.eq("create: id, status and from", (create.get("id"), create.get("status"), create.get("from")),
              (c.id, "create", IMAGE))
    checks.eq("create: Actor attributes", create.get("Actor", {}).get("Attributes"),
              {"image": IMAGE, "name": checks.name("life"), "sl.events": "life"})
    checks.eq("create: scope", create.get("scope"), "local")
    checks.true("create: timeNano", create.get("timeNano", 0) // 10**9 == create.get("time"), create)
    exec_die = by_action.get("exec_die", {}).get("Actor", {}).get("Attributes", {})
    checks.eq("exec_die: exitCode", exec_die.get("exitCode"), "3")
    checks.eq("exec_die: execID of exec_create", exec_die.get("execID"),
              by_action.get("exec_create", {}).get("Actor", {}).get("Attributes", {}).get("execID"))
    checks.eq("rename: oldName", by_action.get("rename", {}).get("Actor", {}).get("Attributes", {}).get("oldName"),
              "/" + checks.name("life"))
    checks.eq("rename: the new name", by_action.get("rename", {}).get("Actor", {}).get("Attributes", {}).get("name"),
              checks.name("life-renamed"))
    checks.eq("kill: signal", by_action.get("kill", {}).get("Actor", {}).get("Attributes", {}).get("signal"), "9")
    checks.eq("die: exitCode", by_action.get("die", {}).get("Actor", {}).get("Attributes", {}).get("exitCode"),
              "137")

    events = read_events(checks, since, {"container": c.id, "event": ["die", "destroy"]})
    checks.eq("filter event=die,destroy", actions(events), ["die", "destroy"])
    events = read_events(checks, since, {"label": "sl.events=life", "event": "create"})
    checks.eq("filter label", [event["id"] for event in events], [c.id])
    events = read_events(checks, since, {"type": "container", "container": checks.name("life"),
                                         "event": "start"})
    checks.eq("filter container by the old name", actions(events), ["start"])


def volume_and_image_events(checks):
    client = checks.client
    since = int(time.time())
    volume = client.volumes.create(checks.name("vol"))
    c = client.containers.run(IMAGE, ["true"], detach=True, name=checks.name("vol-user"), network_mode="none",
                              mounts=[Mount("/v", volume.name, type="volume", read_only=True)])
    c.wait()
    c.remove()
    volume.remove()
    events = read_events(checks, since, {"type": "volume", "volume": volume.name})
    # Both daemons send a second create when a container takes the volume.
    checks.eq("volume events", actions(events), ["create", "create", "mount", "unmount", "destroy"])
    mount = next((event for event in events if event["Action"] == "mount"), {})
    checks.eq("volume mount: attributes", mount.get("Actor", {}).get("Attributes"),
              {"container": c.id, "destination": "/v", "driver": "local", "propagation": "", "read/write": "false"})
    checks.eq("volume create: Actor ID", events[0].get("Actor", {}).get("ID") if events else None, volume.name)

    tag = f"{checks.name('image')}:copy"
    image = client.images.get(IMAGE)
    image.tag(tag)
    client.images.remove(tag)
    # The untag event names the image by its ID, so only the tag event
    # matches a filter on the tag.
    events = read_events(checks, since, {"type": "image", "image": tag})
    checks.eq("image filter on the tag", actions(events), ["tag"])
    events = read_events(checks, since, {"type": "image", "image": image.id})
    checks.eq("image events", actions(events), ["tag", "untag"])
    names = [event.get("Actor", {}).get("Attributes", {}).get("name") for event in events]
    checks.eq("image events: name attributes", names, [tag, image.id])
    checks.eq("image events: Actor ID", {event.get("Actor", {}).get("ID") for event in events}, {image.id})


def healthcheck(test, interval_ms=100, retries=2, start_period_ms=0):
    check = {"test": test, "interval": interval_ms * MILLISECOND, "timeout": 5000 * MILLISECOND, "retries": retries}
    if start_period_ms:
        check["start_period"] = start_period_ms * MILLISECOND
    return check


def health(checks):
    client = checks.client
    since = int(time.time())
    c = client.containers.run(IMAGE, ["sleep", "1000"], detach=True, name=checks.name("health"),
                              network_mode="none",
                              healthcheck=healthcheck(["CMD-SHELL", "test -e /tmp/healthy && echo fine"]))
    c.reload()
    checks.eq("Config.Healthcheck", c.attrs["Config"]["Healthcheck"],
              {"Test": ["CMD-SHELL", "test -e /tmp/healthy && echo fine"], "Interval": 100 * MILLISECOND,
               "Timeout": 5000 * MILLISECOND, "Retries": 2})
    checks.eq("health before a probe: starting", container_state(c).get("Health", {}).get("Status"), "starting")

    state = wait_for(lambda: (lambda s: s if s["Health"]["Status"] == "unhealthy" else None)(container_state(c)))
    checks.true("failing probes: unhealthy", state, container_state(c).get("Health"))
    if state:
        checks.true("unhealthy: FailingStreak reaches retries", state["Health"]["FailingStreak"] >= 2,
                    state["Health"])
        last = state["Health"]["Log"][-1]
        checks.eq("unhealthy: last probe's ExitCode", last["ExitCode"], 1)
        checks.true("probe log: Start and End", last["Start"] <= last["End"], last)

    c.exec_run(["touch", "/tmp/healthy"])
    state = wait_for(lambda: (lambda s: s if s["Health"]["Status"] == "healthy" else None)(container_state(c)))
    checks.true("passing probe: healthy", state, container_state(c).get("Health"))
    if state:
        checks.eq("healthy: FailingStreak", state["Health"]["FailingStreak"], 0)
        checks.eq("healthy: last probe's output", state["Health"]["Log"][-1]["Output"], "fine\n")
        checks.true("probe log: at most five entries", len(state["Health"]["Log"]) <= 5, state["Health"]["Log"])

    healthy = [x.id for x in client.containers.list(filters={"health": "healthy", "name": checks.prefix})]
    checks.eq("list filter health=healthy", healthy, [c.id])
    unhealthy = [x.id for x in client.containers.list(filters={"health": "unhealthy", "name": checks.prefix})]
    checks.eq("list filter health=unhealthy", unhealthy, [])
    none = client.containers.create(IMAGE, ["true"], name=checks.name("no-health"), network_mode="none")
    listed = [x.id for x in client.containers.list(all=True, filters={"health": "none", "name": checks.prefix})]
    checks.eq("list filter health=none", listed, [none.id])
    checks.api_error("list filter with an invalid health", lambda: client.containers.list(
        filters={"health": "bogus"}), 400,
        "Unrecognised filter value for health: bogus")

    events = read_events(checks, since, {"container": c.id, "event": "health_status"})
    statuses = list(dict.fromkeys(actions(events)))
    checks.eq("health_status events", statuses, ["health_status: unhealthy", "health_status: healthy"])
    c.remove(force=True)


def health_start_period(checks):
    client = checks.client
    c = client.containers.run(IMAGE, ["sleep", "1000"], detach=True, name=checks.name("health-start"),
                              network_mode="none",
                              healthcheck=healthcheck(["CMD", "false"], start_period_ms=60000))
    state = wait_for(lambda: (lambda s: s if len(s["Health"]["Log"]) >= 3 else None)(container_state(c)))
    checks.true("start period: probes run", state, container_state(c).get("Health"))
    if state:
        checks.eq("start period: failures leave it starting", state["Health"]["Status"], "starting")
        checks.eq("start period: FailingStreak", state["Health"]["FailingStreak"], 0)
    c.remove(force=True)

    c = client.containers.run(IMAGE, ["sleep", "1000"], detach=True, name=checks.name("health-none"),
                              network_mode="none", healthcheck={"test": ["NONE"]})
    c.reload()
    checks.eq("test NONE: no Health in State", "Health" in c.attrs["State"], False)
    c.remove(force=True)

    checks.api_error("healthcheck interval under 1 ms", lambda: client.containers.create(
        IMAGE, ["true"], network_mode="none", healthcheck={"test": ["CMD", "true"], "interval": 1000}), 400,
        "Interval in Healthcheck cannot be less than 1ms")
    checks.api_error("healthcheck with negative retries", lambda: client.containers.create(
        IMAGE, ["true"], network_mode="none", healthcheck={"test": ["CMD", "true"], "retries": -1}), 400,
        "Retries in Healthcheck cannot be negative")


def main():
    return run_checks("sl-dpe-", [container_events, volume_and_image_events, health, health_start_period])


if __name__ == "__main__":
    sys.exit(main())
