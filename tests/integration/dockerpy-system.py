#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""System endpoints and containers.run keyword arguments through docker-py.

usage: dockerpy-system.py BUSYBOX-IMAGE HOST-DIRECTORY DATA-ROOT NETNS

Checks ping, version, info and df, containers.run with its common
keyword arguments (ports, environment, volumes, network, labels, name,
hostname, user, working_dir, entrypoint, mem_limit, cap_add,
restart_policy, auto_remove, detach, stdin_open, tty), commit, export,
kill, update and attach_socket. HOST-DIRECTORY is an empty directory for
a bind mount, DATA-ROOT the daemon's --data-root and NETNS the name of
the daemon's network namespace, where published ports are reached with
curl. Prints "ok NAME" or "not ok NAME" per check (see
dockerpy_checks.py) and exits 1 when any check failed.
"""
import io
import os
import platform
import socket
import struct
import subprocess
import sys
import tarfile
import time

import docker

from dockerpy_checks import container_state, run_checks, wait_for

IMAGE = sys.argv[1]
HOST_DIR = sys.argv[2]
DATA_ROOT = sys.argv[3]
NETNS = sys.argv[4]
PREFIX = "sl-dp-system-"
COMMITTED = "sl-dp-system/committed"


def netns_curl(url):
    """Return the body of GET url from the daemon's network namespace, or None."""
    result = subprocess.run(["nsenter", f"--net=/run/netns/{NETNS}", "curl", "-sS", "--noproxy", "*",
                             "--max-time", "5", url], capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else None


def cgroup_v1():
    return not os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def memory_limit_file():
    if cgroup_v1():
        return "/sys/fs/cgroup/memory/memory.limit_in_bytes"
    return "/sys/fs/cgroup/memory.max"


def stdout_frames(data):
    """Return the stdout payload of the complete multiplexed attach frames in data."""
    stdout = b""
    while len(data) >= 8:
        stream, size = struct.unpack(">BxxxL", data[:8])
        if len(data) < 8 + size:
            break
        if stream == 1:
            stdout += data[8:8 + size]
        data = data[8 + size:]
    return stdout


def read_until(sock, done, seconds=10):
    """Read from sock until done(data) is true, the stream ends or seconds pass; return the data.

    sock is docker-py's SocketIO, not its raw socket, because
    dockerpy_checks.keep_early_frames hands the bytes that came with the
    reply's headers to SocketIO.readinto.
    """
    sock._sock.settimeout(seconds)
    data = b""
    deadline = time.monotonic() + seconds
    while not done(data) and time.monotonic() < deadline:
        try:
            chunk = sock.read(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def read_attach_frames(sock, expected):
    """Read multiplexed attach frames until their stdout contains expected; return that stdout."""
    return stdout_frames(read_until(sock, lambda data: expected in stdout_frames(data)))


def system_endpoints(checks):
    client = checks.client
    checks.eq("ping", client.ping(), True)

    version = client.version()
    checks.eq("version: api version", version["ApiVersion"], "1.41")
    checks.eq("version: os", version["Os"], "linux")
    checks.eq("version: kernel", version["KernelVersion"], platform.release())
    checks.true("version: min api version", version["MinAPIVersion"] in ("1.12", "1.24"), version["MinAPIVersion"])
    checks.true("version: engine component", any(c["Name"] == "Engine" for c in version.get("Components", [])),
                version.get("Components"))
    checks.true("version: server version", version["Version"], version)

    running = client.containers.run(IMAGE, ["sleep", "600"], name=checks.name("info-running"), detach=True)
    client.containers.create(IMAGE, ["true"], name=checks.name("info-created"))
    info = client.info()
    states = [c.status for c in client.containers.list(all=True)]
    checks.eq("info: containers", info["Containers"], len(states))
    checks.eq("info: running", info["ContainersRunning"], states.count("running"))
    checks.eq("info: stopped", info["ContainersStopped"], len(states) - states.count("running") -
              states.count("paused"))
    checks.eq("info: paused", info["ContainersPaused"], states.count("paused"))
    checks.eq("info: images", info["Images"], len(client.api.images(all=True)))
    checks.eq("info: server version matches version", info["ServerVersion"], version["Version"])
    checks.eq("info: data root", info["DockerRootDir"], DATA_ROOT)
    checks.eq("info: os type", info["OSType"], "linux")
    checks.eq("info: architecture", info["Architecture"], platform.machine())
    # dockerd 20.10 counts the CPUs in its affinity mask (pkg/sysinfo.NumCPU).
    checks.eq("info: cpus", info["NCPU"], len(os.sched_getaffinity(0)))
    checks.true("info: memory", info["MemTotal"] > 0, info["MemTotal"])
    checks.eq("info: name", info["Name"], socket.gethostname())
    checks.eq("info: cgroup version", info["CgroupVersion"], "1" if cgroup_v1() else "2")
    checks.eq("info: logging driver", info["LoggingDriver"], "json-file")
    checks.true("info: id", info["ID"], info["ID"])
    checks.true("info: seccomp", "name=seccomp,profile=default" in info["SecurityOptions"], info["SecurityOptions"])
    checks.true("info: default runtime is listed", info["DefaultRuntime"] in info["Runtimes"], info["Runtimes"])
    checks.true("info: storage driver", info["Driver"], info["Driver"])

    volume = client.volumes.create(checks.name("df"))
    user = client.containers.run(IMAGE, ["sh", "-c", "head -c 4096 /dev/zero > /v/file; echo data > /rw"],
                                 name=checks.name("df-user"), volumes={volume.name: {"bind": "/v", "mode": "rw"}},
                                 detach=True)
    user.wait(timeout=30)
    df = client.df()
    checks.true("df: layers size", isinstance(df["LayersSize"], int) and df["LayersSize"] > 0, df["LayersSize"])
    image = client.images.get(IMAGE)
    images = {i["Id"]: i for i in df["Images"]}
    checks.true("df: the image", image.id in images, sorted(images))
    if image.id in images:
        checks.eq("df: the image's container count", images[image.id]["Containers"],
                  len(client.containers.list(all=True, filters={"ancestor": image.id})))
        checks.eq("df: the image's size", images[image.id]["Size"], image.attrs["Size"])
    containers = {c["Names"][0]: c for c in df["Containers"]}
    entry = containers.get("/" + user.name)
    checks.true("df: the container", entry, sorted(containers))
    if entry:
        checks.true("df: the container's writable size", entry["SizeRw"] > 0, entry["SizeRw"])
        checks.eq("df: the container's state", entry["State"], "exited")
    volumes = {v["Name"]: v for v in df["Volumes"]}
    entry = volumes.get(volume.name)
    checks.true("df: the volume", entry, sorted(volumes))
    if entry:
        checks.eq("df: the volume's size", entry["UsageData"]["Size"], 4096)
        checks.eq("df: the volume's reference count", entry["UsageData"]["RefCount"], 1)
    checks.eq("df: build cache", df["BuildCache"], None)
    running.remove(force=True)
    user.remove()
    volume.remove()


def run_keyword_arguments(checks):
    client = checks.client
    network = client.networks.create(checks.name("net"))
    volume = client.volumes.create(checks.name("vol"))
    with open(os.path.join(HOST_DIR, "from-host"), "w") as f:
        f.write("host file\n")
    script = ("id -u; id -g; pwd; hostname; echo \"$A|$B\"; cat /host/from-host; "
              "echo written > /host/from-container; "
              f"cat {memory_limit_file()}; grep CapBnd /proc/self/status")
    output = client.containers.run(
        IMAGE, [script], entrypoint=["sh", "-c"], name=checks.name("kwargs"), hostname="sl-host",
        user="1000:1000", working_dir="/tmp", environment={"A": "1", "B": "two words"},
        volumes={HOST_DIR: {"bind": "/host", "mode": "rw"}, volume.name: {"bind": "/vol", "mode": "ro"}},
        network=network.name, labels={"sl.kind": "kwargs", "sl.empty": ""}, mem_limit="64m",
        cap_add=["NET_ADMIN"], stdout=True, stderr=True).decode().splitlines()
    checks.eq("run: user", output[0:2], ["1000", "1000"])
    checks.eq("run: working_dir", output[2], "/tmp")
    checks.eq("run: hostname", output[3], "sl-host")
    checks.eq("run: environment", output[4], "1|two words")
    checks.eq("run: bind mount", output[5], "host file")
    checks.eq("run: the container writes to the bind mount",
              open(os.path.join(HOST_DIR, "from-container")).read(), "written\n")
    checks.eq("run: memory limit in the cgroup", output[6], str(64 * 1024 * 1024))
    # A user other than root has no effective capabilities, so the bounding set shows what was added.
    bounding = int(output[7].split()[1], 16)
    checks.true("run: cap_add NET_ADMIN", bounding & (1 << 12), output[7])
    container = client.containers.get(checks.name("kwargs"))
    attrs = container.attrs
    checks.eq("run: labels", attrs["Config"]["Labels"], {"sl.kind": "kwargs", "sl.empty": ""})
    checks.eq("run: entrypoint", attrs["Config"]["Entrypoint"], ["sh", "-c"])
    checks.eq("run: memory", attrs["HostConfig"]["Memory"], 64 * 1024 * 1024)
    checks.eq("run: cap add", attrs["HostConfig"]["CapAdd"], ["NET_ADMIN"])
    checks.eq("run: network", list(attrs["NetworkSettings"]["Networks"]), [network.name])
    checks.eq("run: read-only volume", {m["Destination"]: m["RW"] for m in attrs["Mounts"]},
              {"/host": True, "/vol": False})
    container.remove()

    web = client.containers.run(
        IMAGE, ["sh", "-c", "mkdir -p /www && echo served > /www/index.html && exec httpd -f -p 8000 -h /www"],
        name=checks.name("ports"), detach=True,
        ports={"8000/tcp": ("127.0.0.1", 18000), "8001/tcp": None, "8002/udp": 18002})
    checks.true("run detach returns a Container", isinstance(web, docker.models.containers.Container), web)
    web.reload()
    ports = web.attrs["NetworkSettings"]["Ports"]
    checks.eq("run: fixed port", ports["8000/tcp"], [{"HostIp": "127.0.0.1", "HostPort": "18000"}])
    checks.true("run: ephemeral port", ports["8001/tcp"] and int(ports["8001/tcp"][0]["HostPort"]) > 0,
                ports["8001/tcp"])
    checks.eq("run: udp port", web.attrs["HostConfig"]["PortBindings"]["8002/udp"], [{"HostIp": "", "HostPort": "18002"}])
    checks.eq("run: the published port answers", wait_for(lambda: netns_curl("http://127.0.0.1:18000/"), 10),
              "served\n")
    web.remove(force=True)

    failing = client.containers.run(IMAGE, ["sh", "-c", "exit 1"], name=checks.name("restart"), detach=True,
                                    restart_policy={"Name": "on-failure", "MaximumRetryCount": 2})
    done = wait_for(lambda: (lambda s, c: s["Status"] == "exited" and c.attrs["RestartCount"] == 2)(
        container_state(failing), failing), 60)
    checks.true("run: restart_policy on-failure retries twice", done, failing.attrs["RestartCount"])
    checks.eq("run: restart policy", failing.attrs["HostConfig"]["RestartPolicy"],
              {"Name": "on-failure", "MaximumRetryCount": 2})

    removed = client.containers.run(IMAGE, ["true"], name=checks.name("auto-remove"), detach=True, auto_remove=True)

    def gone():
        try:
            removed.reload()
            return False
        except docker.errors.NotFound:
            return True

    checks.true("run: auto_remove removes the container", wait_for(gone, 30))

    interactive = client.containers.run(IMAGE, ["sh"], name=checks.name("tty"), detach=True, stdin_open=True,
                                        tty=True)
    config = interactive.attrs["Config"]
    checks.eq("run: stdin_open and tty", (config["OpenStdin"], config["Tty"], config["AttachStdin"]),
              (True, True, False))
    result = interactive.exec_run(["readlink", "/proc/1/fd/0"])
    checks.eq("run: the container's stdin is a terminal", result.output.decode().strip(), "/dev/pts/0")
    interactive.remove(force=True)

    error = None
    try:
        client.containers.run(IMAGE, ["sh", "-c", "echo failed >&2; exit 3"], name=checks.name("error"))
    except docker.errors.ContainerError as e:
        error = e
    checks.eq("run: a failed command raises ContainerError", error.exit_status if error else None, 3)
    checks.contains("run: ContainerError has stderr", (error.stderr or b"").decode() if error else "", "failed")
    checks.api_error("run of a missing image without pull", lambda: client.containers.create("sl-dp-system/nosuch:1"),
                     404)
    client.containers.get(checks.name("error")).remove()
    network.remove()
    volume.remove()


def commit_and_export(checks):
    client = checks.client
    source = client.containers.run(IMAGE, ["sh", "-c", "echo data > /marker && exec sleep 600"],
                                   name=checks.name("commit"), detach=True, environment={"OLD": "1"})
    checks.true("the marker file appears", wait_for(lambda: source.exec_run(["test", "-f", "/marker"]).exit_code == 0,
                                                     30))
    image = source.commit(repository=COMMITTED, tag="v1", message="a snapshot", author="tester <t@example.org>",
                          changes=["ENV COMMITTED=yes", 'CMD ["cat", "/marker"]', "LABEL sl.committed=1"])
    checks.eq("commit: tags", image.tags, [f"{COMMITTED}:v1"])
    checks.eq("commit: author", image.attrs["Author"], "tester <t@example.org>")
    checks.eq("commit: comment", image.attrs["Comment"], "a snapshot")
    checks.eq("commit: cmd", image.attrs["Config"]["Cmd"], ["cat", "/marker"])
    checks.true("commit: env", {"OLD=1", "COMMITTED=yes"} <= set(image.attrs["Config"]["Env"]),
                image.attrs["Config"]["Env"])
    checks.eq("commit: label", image.labels, {"sl.committed": "1"})
    checks.eq("commit: parent container", image.attrs["Container"], source.id)
    checks.eq("commit keeps the container running", container_state(source)["Status"], "running")
    output = client.containers.run(f"{COMMITTED}:v1", remove=True, name=checks.name("from-commit"))
    checks.eq("a container of the committed image has the file", output, b"data\n")
    checks.api_error("commit with an invalid change", lambda: source.commit(changes=["NOSUCH x"]), 400)

    archive = tarfile.open(fileobj=io.BytesIO(b"".join(source.export())))
    members = {m.name.lstrip("./"): m for m in archive.getmembers()}
    checks.true("export has the marker", "marker" in members, sorted(members)[:20])
    checks.eq("export: the marker's content", archive.extractfile(members["marker"]).read() if "marker" in members
              else None, b"data\n")
    checks.true("export has the image's files", "bin/busybox" in members or "bin/sh" in members, sorted(members)[:20])
    checks.true("export has /etc/hostname", "etc/hostname" in members, sorted(members)[:40])
    checks.api_error("export of a missing container", lambda: b"".join(
        client.api.export(checks.name("nosuch"))), 404)
    source.remove(force=True)
    client.images.remove(f"{COMMITTED}:v1")


def kill_and_update(checks):
    client = checks.client
    waiting = client.containers.run(IMAGE, ["sh", "-c", "trap 'exit 42' USR1; touch /ready; "
                                            "while true; do sleep 1; done"], name=checks.name("kill"), detach=True)
    checks.true("the trap is set", wait_for(lambda: waiting.exec_run(["test", "-f", "/ready"]).exit_code == 0, 30))
    waiting.kill(signal="SIGUSR1")
    checks.eq("kill SIGUSR1 runs the trap", waiting.wait(timeout=30)["StatusCode"], 42)
    checks.api_error("kill of a stopped container", waiting.kill, 409, "is not running")

    sleeper = client.containers.run(IMAGE, ["sleep", "600"], name=checks.name("kill9"), detach=True)
    checks.api_error("kill with an invalid signal", lambda: sleeper.kill(signal="NOSUCH"), 400)
    sleeper.kill(signal=9)
    checks.eq("kill 9", sleeper.wait(timeout=30)["StatusCode"], 137)
    sleeper.start()
    sleeper.kill()
    checks.eq("kill defaults to SIGKILL", sleeper.wait(timeout=30)["StatusCode"], 137)
    checks.api_error("kill of a missing container", lambda: client.api.kill(checks.name("nosuch")), 404)

    target = client.containers.run(IMAGE, ["sleep", "600"], name=checks.name("update"), detach=True)
    result = target.update(cpu_shares=512, mem_limit="32m", memswap_limit="64m",
                           restart_policy={"Name": "always"})
    checks.true("update returns warnings", "Warnings" in result, result)
    target.reload()
    host_config = target.attrs["HostConfig"]
    checks.eq("update: cpu shares", host_config["CpuShares"], 512)
    checks.eq("update: memory", host_config["Memory"], 32 * 1024 * 1024)
    checks.eq("update: memory swap", host_config["MemorySwap"], 64 * 1024 * 1024)
    checks.eq("update: restart policy", host_config["RestartPolicy"], {"Name": "always", "MaximumRetryCount": 0})
    limit = target.exec_run(["cat", memory_limit_file()]).output.decode().strip()
    checks.eq("update: the cgroup's memory limit", limit, str(32 * 1024 * 1024))
    checks.api_error("update with a memory limit above the swap limit",
                     lambda: target.update(mem_limit="128m"), 409)
    checks.api_error("update of a missing container", lambda: client.api.update_container(checks.name("nosuch"),
                                                                                          cpu_shares=2), 404)
    target.remove(force=True)


def attach_socket(checks):
    client = checks.client
    cat = client.containers.create(IMAGE, ["cat"], name=checks.name("attach"), stdin_open=True)
    cat.start()
    sock = cat.attach_socket(params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
    sock._sock.sendall(b"hello attach\n")
    checks.eq("attach_socket: stdout frame", read_attach_frames(sock, b"hello attach\n"), b"hello attach\n")
    sock.close()
    cat.remove(force=True)

    tty = client.containers.create(IMAGE, ["cat"], name=checks.name("attach-tty"), stdin_open=True, tty=True)
    tty.start()
    sock = tty.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
    sock._sock.sendall(b"over a tty\n")
    data = read_until(sock, lambda data: b"over a tty\r\nover a tty\r\n" in data)
    checks.contains("attach_socket: tty echo and output", data.decode(errors="replace"), "over a tty\r\nover a tty\r\n")
    sock.close()
    tty.remove(force=True)

    logs = client.containers.run(IMAGE, ["sh", "-c", "echo early; sleep 600"], name=checks.name("attach-logs"),
                                 detach=True)
    checks.true("the container printed", wait_for(lambda: b"early" in logs.logs(), 30))
    sock = logs.attach_socket(params={"stdout": 1, "logs": 1, "stream": 1})
    checks.eq("attach_socket with logs replays the output", read_attach_frames(sock, b"early\n"), b"early\n")
    sock.close()
    logs.remove(force=True)


if __name__ == "__main__":
    sys.exit(run_checks(PREFIX, [system_endpoints, run_keyword_arguments, commit_and_export, kill_and_update,
                                 attach_socket]))
