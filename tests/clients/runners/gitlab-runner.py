#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Replay the Docker API calls of GitLab Runner's docker executor.

usage: gitlab-runner.py BUILD-IMAGE HELPER-IMAGE SERVICE-IMAGE

Talks raw HTTP on the unix socket in DOCKER_HOST, with the standard
library only, so that every request is the one the runner sends. The
sequence follows gitlab-runner's executors/docker sources (docker.go,
services.go, docker_command.go, internal/exec/exec.go, internal/wait,
internal/networks/manager.go, internal/volumes/manager.go), at the commits
that docs/compatibility.md names. The requests are the ones the Go SDK
sends with API version negotiation: HEAD /_ping, then the lower of the
daemon's API-Version and the SDK's 1.43. The steps:

  prepare   GET /info, image inspect of the helper, build and service
            images, the per-job network (FF_NETWORK_PER_BUILD) and its
            inspect, the cache volume and the temporary /builds volume;
  services  remove-by-name, create and start of the service container
            with its aliases on the job network, then the wait-for-service
            container (WAIT_FOR_SERVICE_TCP_ADDR = the service's short ID,
            a link "NAME:service"), waited on with condition not-running;
  stages    per stage: create (predefined stages: a new helper container
            each; user stages: one build container started again), the
            hijacked attach whose stdin carries the stage script and is
            half-closed, start, the output until EOF, wait not-running
            with POST /stop alongside, and a cancelled stage that is
            stopped while its script runs;
  cleanup   remove every container with v=1&force=1 after a network list,
            remove the temporary volume with force=1, inspect the job
            network, remove it.

The helper image replaces gitlab-runner-helper. Its containers run
the same shell-detection command as the build containers, and the
wait-for-service container probes the port with busybox nc in place of
"gitlab-runner-helper health-check". The runner moves artifacts and
caches through the /cache and /builds volumes, which the stages use. Its
docker client (helpers/docker/client.go) has no archive (docker cp) calls.

Prints "ok NAME" or "not ok NAME" per check, with the requests since the
previous check as "# " lines after a failed one, and exits 1 when any
check failed. The runner itself only logs a warning when the
wait-for-service container fails, but here that is a failed check.
"""

import hashlib
import http.client
import json
import os
import socket
import sys
import urllib.parse

TIMEOUT_SECONDS = 60
SDK_API_VERSION = "1.43"
LABEL_PREFIX = "com.gitlab.gitlab-runner"
PROJECT_NAME = "runner-t3st70k3-project-42-concurrent-0"
RANDOMIZED_NAME = PROJECT_NAME + "-6f1c0e5a9d2b4c7e"
JOB_ID = 1001
BUILDS_DIR = "/builds/group/project"
# The shell-detection script of the runner's bash shell (shells/bash.go),
# passed as "sh -c SCRIPT" to build and helper containers.
DETECT_SHELL = """if [ -x /usr/local/bin/bash ]; then
\texec /usr/local/bin/bash $@
elif [ -x /usr/bin/bash ]; then
\texec /usr/bin/bash $@
elif [ -x /bin/bash ]; then
\texec /bin/bash $@
elif [ -x /usr/local/bin/sh ]; then
\texec /usr/local/bin/sh $@
elif [ -x /usr/bin/sh ]; then
\texec /usr/bin/sh $@
elif [ -x /bin/sh ]; then
\texec /bin/sh $@
elif [ -x /busybox/sh ]; then
\texec /busybox/sh $@
else
\techo shell not found
\texit 1
fi

"""
# Replaces "gitlab-runner-helper health-check". It connects to the
# service's first TCP port until the port accepts, for at most 30 seconds.
HEALTH_CHECK = ('i=0; until nc -w 1 "$WAIT_FOR_SERVICE_TCP_ADDR" "$WAIT_FOR_SERVICE_TCP_PORT" -e true; '
                'do i=$((i+1)); [ $i -lt 30 ] || exit 1; sleep 1; done; '
                'echo "service $WAIT_FOR_SERVICE_TCP_ADDR:$WAIT_FOR_SERVICE_TCP_PORT is up"')


class UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTP/1.1 connection to a unix socket."""

    def __init__(self, path):
        super().__init__("localhost", timeout=TIMEOUT_SECONDS)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


class Reply:
    """Status, headers and body of one API call."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self):
        return f"{self.status} {self.body[:300]!r}"


class Api:
    """The daemon's API as the Go SDK calls it, with a log of the requests."""

    def __init__(self, socket_path):
        self.socket_path = socket_path
        self.version = None
        self.log = []

    def url(self, path, query=None):
        prefix = f"/v{self.version}" if self.version else ""
        target = prefix + path
        if query:
            target += "?" + urllib.parse.urlencode(query)
        return target

    def call(self, method, path, query=None, body=None, versioned=True):
        target = self.url(path, query) if versioned else path
        headers = {"User-Agent": "Go-http-client/1.1"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.log.append(f"{method} {target}" + (f" {payload.decode()}" if payload else ""))
        conn = UnixHTTPConnection(self.socket_path)
        try:
            conn.request(method, target, body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
            reply = Reply(response.status, response.headers, data)
        finally:
            conn.close()
        self.log.append(f"  -> {reply!r}")
        return reply

    def negotiate(self):
        """HEAD /_ping, then the lower of the daemon's and the SDK's version."""
        reply = self.call("HEAD", "/_ping", versioned=False)
        server = reply.headers.get("Api-Version", "")
        if reply.status == 200 and server:
            self.version = min(server, SDK_API_VERSION, key=lambda v: tuple(int(x) for x in v.split(".")))
        return reply, server

    def start_wait(self, container_id):
        """Send POST /containers/ID/wait?condition=not-running and return the
        open response once its headers arrive; read() returns the body."""
        target = self.url(f"/containers/{container_id}/wait", {"condition": "not-running"})
        self.log.append(f"POST {target}")
        conn = UnixHTTPConnection(self.socket_path)
        conn.request("POST", target, headers={"User-Agent": "Go-http-client/1.1"})
        return conn, conn.getresponse()

    def attach(self, container_id, stdin):
        """The hijacked attach of internal/exec/exec.go: returns the open
        socket, the status and the headers. The caller starts the container,
        then sends stdin and half-closes with send_input, and reads the
        multiplexed output with read_output."""
        target = self.url(f"/containers/{container_id}/attach",
                          {"stderr": 1, "stdin": 1, "stdout": 1, "stream": 1})
        self.log.append(f"POST {target} (hijacked, stdin {len(stdin)} bytes)")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT_SECONDS)
        sock.connect(self.socket_path)
        request = (f"POST {target} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Go-http-client/1.1\r\n"
                   "Content-Length: 0\r\nContent-Type: text/plain\r\n"
                   "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
        sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                break
            head += chunk
        lines = head.decode(errors="replace").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        self.log.append(f"  -> {status} {headers}")
        return sock, status, headers

    def send_input(self, sock, stdin):
        sock.sendall(stdin)
        sock.shutdown(socket.SHUT_WR)

    def read_output(self, sock, data=b"", until=None):
        """Read the attach stream on top of data until EOF, or until stdout
        contains until. Returns the bytes read so far and whether EOF came."""
        while until is None or until not in split_frames(data)[0][1]:
            chunk = sock.recv(65536)
            if not chunk:
                streams, trailing = split_frames(data)
                self.log.append(f"  output: stdout {streams[1]!r} stderr {streams[2]!r} trailing {trailing!r}")
                return data, True
            data += chunk
        return data, False


def split_frames(data):
    """Split Docker's multiplexed stream into {1: stdout, 2: stderr} and the
    bytes that do not form a whole frame."""
    streams = {1: b"", 2: b""}
    while len(data) >= 8:
        kind, length = data[0], int.from_bytes(data[4:8], "big")
        if len(data) < 8 + length:
            break
        streams[kind] = streams.get(kind, b"") + data[8:8 + length]
        data = data[8 + length:]
    return streams, data


class Checks:
    def __init__(self, api):
        self.api = api
        self.failed = 0

    def report(self, name, passed, detail=""):
        if passed:
            print(f"ok {name}")
        else:
            self.failed += 1
            print(f"not ok {name}")
            if detail:
                for line in str(detail).splitlines():
                    print(f"# {line}")
            for line in self.api.log:
                print(f"# {line}")
        self.api.log = []
        sys.stdout.flush()
        return passed

    def eq(self, name, actual, expected):
        return self.report(name, actual == expected, f"expected: {expected!r}\nactual:   {actual!r}")

    def status(self, name, reply, *expected):
        return self.report(name, reply.status in expected, f"expected status {expected}, got {reply!r}")


def labels(extra):
    result = {
        f"{LABEL_PREFIX}.job.id": str(JOB_ID),
        f"{LABEL_PREFIX}.job.url": f"https://gitlab.example/group/project/-/jobs/{JOB_ID}",
        f"{LABEL_PREFIX}.job.sha": "1f0c5e7a9b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e",
        f"{LABEL_PREFIX}.job.before_sha": "0000000000000000000000000000000000000000",
        f"{LABEL_PREFIX}.job.ref": "main",
        f"{LABEL_PREFIX}.project.id": "42",
        f"{LABEL_PREFIX}.pipeline.id": "77",
        f"{LABEL_PREFIX}.runner.id": "t3st70k3",
        f"{LABEL_PREFIX}.runner.local_id": "0",
        f"{LABEL_PREFIX}.managed": "true",
    }
    for key, value in extra.items():
        result[f"{LABEL_PREFIX}.{key}"] = value
    return result


def job_variables():
    return [
        "CI=true", "GITLAB_CI=true", f"CI_JOB_ID={JOB_ID}", "CI_JOB_NAME=test",
        f"CI_PROJECT_DIR={BUILDS_DIR}", "CI_SERVER=yes", "FF_NETWORK_PER_BUILD=true",
        "CI_REGISTRY_IMAGE=registry.gitlab.example/group/project",
    ]


def container_config(image_id, cmd, env, labels_map, stdin=True, hostname=PROJECT_NAME):
    """container.Config as the Go SDK encodes it: every field without
    omitempty, zero values included."""
    return {
        "Hostname": hostname, "Domainname": "", "User": "",
        "AttachStdin": stdin, "AttachStdout": stdin, "AttachStderr": stdin,
        "Tty": False, "OpenStdin": stdin, "StdinOnce": stdin,
        "Env": env, "Cmd": cmd, "Image": image_id, "Volumes": None, "WorkingDir": "",
        "Entrypoint": None, "OnBuild": None, "Labels": labels_map,
    }


def host_config(network, binds, links=None):
    """container.HostConfig as the Go SDK encodes it for the runner's
    createHostConfig: the zero values of what the configuration leaves out."""
    return {
        "Binds": binds, "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": None},
        "NetworkMode": network, "PortBindings": None,
        "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}, "AutoRemove": False,
        "VolumeDriver": "", "VolumesFrom": None, "ConsoleSize": [0, 0],
        "CapAdd": None, "CapDrop": None, "CgroupnsMode": "", "Dns": None, "DnsOptions": None,
        "DnsSearch": None, "ExtraHosts": None, "GroupAdd": None, "IpcMode": "", "Cgroup": "",
        "Links": links, "OomScoreAdj": 0, "PidMode": "", "Privileged": False,
        "PublishAllPorts": False, "ReadonlyRootfs": False, "SecurityOpt": None, "UTSMode": "",
        "UsernsMode": "", "ShmSize": 0, "Isolation": "",
        "CpuShares": 0, "Memory": 0, "NanoCpus": 0, "CgroupParent": "", "BlkioWeight": 0,
        "BlkioWeightDevice": None, "BlkioDeviceReadBps": None, "BlkioDeviceWriteBps": None,
        "BlkioDeviceReadIOps": None, "BlkioDeviceWriteIOps": None, "CpuPeriod": 0, "CpuQuota": 0,
        "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpusetCpus": "", "CpusetMems": "",
        "Devices": None, "DeviceCgroupRules": None, "DeviceRequests": None,
        "MemoryReservation": 0, "MemorySwap": 0, "MemorySwappiness": None, "OomKillDisable": None,
        "PidsLimit": None, "Ulimits": None, "CpuCount": 0, "CpuPercent": 0,
        "IOMaximumIOps": 0, "IOMaximumBandwidth": 0, "MaskedPaths": None, "ReadonlyPaths": None,
    }


def networking_config(network, aliases):
    endpoint = {
        "IPAMConfig": None, "Links": None, "Aliases": aliases, "NetworkID": "", "EndpointID": "",
        "Gateway": "", "IPAddress": "", "IPPrefixLen": 0, "IPv6Gateway": "", "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0, "MacAddress": "", "DriverOpts": None,
    }
    return {"EndpointsConfig": {network: endpoint}}


def stage_script(commands):
    """A stage script in the form of the runner's bash shell writer: the
    commands run through eval of one $'...' string with stdin from :."""
    body = "\n".join(commands) + "\n"
    quoted = body.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"set -eo pipefail\nset +o noclobber\n: | eval $'{quoted}'\nexit 0\n".encode()


def hash_path(path):
    return hashlib.md5(path.encode()).hexdigest()


class Job:
    """One job's containers, volumes and network, as the executor keeps them."""

    def __init__(self, api, checks, images, job_id=JOB_ID):
        self.api = api
        self.checks = checks
        self.images = images
        self.job_id = job_id
        self.network_name = f"{PROJECT_NAME}-job-{job_id}-network"
        self.network_id = None
        self.temporary = []
        self.builds = []
        self.binds = []
        self.cache_volume = f"{PROJECT_NAME}-cache-{hash_path('/cache')}"
        self.temporary_volume = f"{RANDOMIZED_NAME}-cache-{hash_path('/builds')}"
        self.image_ids = {}
        self.build_container = None

    # ------------------------------------------------------------ prepare

    def inspect_images(self):
        for role, name in self.images.items():
            reply = self.api.call("GET", f"/images/{name}/json")
            if self.checks.status(f"image inspect of the {role} image {name}", reply, 200):
                self.image_ids[role] = reply.json().get("Id")

    def create_network(self):
        body = {
            "Name": self.network_name, "CheckDuplicate": False, "Driver": "", "Scope": "",
            "EnableIPv6": False, "IPAM": None, "Internal": False, "Attachable": False,
            "Ingress": False, "ConfigOnly": False, "ConfigFrom": None, "Options": None,
            "Labels": labels({}),
        }
        reply = self.api.call("POST", "/networks/create", body=body)
        if not self.checks.status("network create with Go zero values", reply, 201):
            return False
        self.network_id = (reply.json() or {}).get("Id")
        reply = self.api.call("GET", f"/networks/{self.network_id}")
        network = reply.json() or {}
        self.checks.eq("network inspect: name", network.get("Name"), self.network_name)
        self.checks.eq("network inspect: bridge driver for an empty Driver", network.get("Driver"), "bridge")
        self.checks.eq("network inspect: runner labels",
                       (network.get("Labels") or {}).get(f"{LABEL_PREFIX}.managed"), "true")
        return True

    def create_volumes(self):
        for name, destination, temporary in ((self.cache_volume, "/cache", False),
                                             (self.temporary_volume, "/builds", True)):
            body = {"Driver": "", "DriverOpts": None, "Labels": labels({"type": "cache"}), "Name": name}
            reply = self.api.call("POST", "/volumes/create", body=body)
            self.checks.status(f"volume create for {destination}", reply, 201)
            self.checks.eq(f"volume create for {destination}: name", (reply.json() or {}).get("Name"), name)
            self.binds.append(f"{name}:{destination}")
            if temporary:
                self.temporary.append(("volume", name))

    # ------------------------------------------------------------ containers

    def remove_container(self, ident, expect_missing=False, check=True):
        """executor.removeContainer: a network list, then a forced remove
        with the container's anonymous volumes."""
        reply = self.api.call("GET", "/networks")
        if check:
            self.checks.status(f"network list before removing {ident[:24]}", reply, 200)
        reply = self.api.call("DELETE", f"/containers/{ident}", {"force": 1, "v": 1})
        if check:
            expected = (404,) if expect_missing else (204,)
            self.checks.status(f"remove {'missing ' if expect_missing else ''}container {ident[:24]}",
                               reply, *expected)
        return reply

    def create_container(self, kind, image_role, cmd):
        index = len(self.builds)
        name = f"{RANDOMIZED_NAME}-{kind}-{index}"
        self.remove_container(name, expect_missing=True)
        config = container_config(self.image_ids.get(image_role), cmd, job_variables(),
                                  labels({"type": kind}))
        body = dict(config, HostConfig=host_config(self.network_name, self.binds),
                    NetworkingConfig=networking_config(self.network_name, ["build", name]))
        reply = self.api.call("POST", "/containers/create", {"name": name}, body)
        if not self.checks.status(f"create {kind} container with OpenStdin and StdinOnce", reply, 201):
            return None
        container_id = reply.json()["Id"]
        self.builds.append(container_id)
        self.temporary.append(("container", container_id))
        reply = self.api.call("GET", f"/containers/{container_id}/json")
        info = reply.json() or {}
        self.checks.eq(f"{kind} container inspect: StdinOnce", (info.get("Config") or {}).get("StdinOnce"), True)
        return container_id

    def run_stage(self, stage, container_id, commands, expected_status=0, cancel_after=None):
        """startAndWatchContainer: attach, start, stdin, output until EOF,
        then wait not-running with stop alongside. With cancel_after, the
        job is cancelled once stdout contains it. Returns stdout."""
        script = stage_script(commands)
        sock, status, headers = self.api.attach(container_id, script)
        self.checks.eq(f"{stage}: attach upgrades the connection", status, 101)
        self.checks.eq(f"{stage}: attach content type", headers.get("content-type"),
                       "application/vnd.docker.raw-stream")
        reply = self.api.call("POST", f"/containers/{container_id}/start")
        self.checks.status(f"{stage}: start", reply, 204)
        self.api.send_input(sock, script)
        data, _ = self.api.read_output(sock, until=cancel_after)
        if cancel_after is None:
            result = self.stop_and_wait(stage, container_id, "exited", (204, 304))
        else:
            # A cancelled job: the runner stops the container while its
            # script still runs.
            result = self.stop_and_wait(stage, container_id, "running", (204,))
            data, _ = self.api.read_output(sock, data)
        sock.close()

        streams, trailing = split_frames(data)
        self.checks.eq(f"{stage}: output ends on a frame boundary", trailing, b"")
        self.checks.eq(f"{stage}: wait StatusCode", result.get("StatusCode"), expected_status)
        if expected_status == 0:
            self.checks.eq(f"{stage}: no stderr", streams[2], b"")
        return streams[1]

    def stop_and_wait(self, stage, container_id, state, expected_statuses):
        """StopKillWait: wait not-running, POST /stop while the wait is open,
        then the wait's result."""
        conn, response = self.api.start_wait(container_id)
        self.checks.eq(f"{stage}: wait not-running returns headers", response.status, 200)
        reply = self.api.call("POST", f"/containers/{container_id}/stop")
        self.checks.status(f"{stage}: stop of the {state} container", reply, *expected_statuses)
        body = response.read()
        conn.close()
        try:
            result = json.loads(body)
        except ValueError:
            result = {"raw": body}
        self.api.log.append(f"  wait -> {result!r}")
        return result

    def predefined(self, stage, commands, expected_status=0):
        container_id = self.create_container("predefined", "helper", ["sh", "-c", DETECT_SHELL])
        if container_id is None:
            return b""
        return self.run_stage(stage, container_id, commands, expected_status)

    def user_stage(self, stage, commands, expected_status=0, cancel_after=None):
        if self.build_container is None:
            self.build_container = self.create_container("build", "build", ["sh", "-c", DETECT_SHELL])
        else:
            reply = self.api.call("GET", f"/containers/{self.build_container}/json")
            self.checks.status(f"{stage}: inspect of the build container before reuse", reply, 200)
        if self.build_container is None:
            return b""
        return self.run_stage(stage, self.build_container, commands, expected_status, cancel_after)

    # ------------------------------------------------------------ services

    def create_service(self, image_role, service, alias, index=0):
        name = f"{RANDOMIZED_NAME}-{service}-{index}"
        self.remove_container(name, expect_missing=True)
        config = container_config(self.image_ids.get(image_role), None, job_variables(),
                                  labels({"type": "service", "service": service, "service.version": "7"}),
                                  stdin=False, hostname="")
        body = dict(config, HostConfig=host_config(self.network_name, self.binds),
                    NetworkingConfig=networking_config(self.network_name, [service, alias]))
        reply = self.api.call("POST", "/containers/create", {"name": name}, body)
        if not self.checks.status("create service container with aliases", reply, 201):
            return None, name
        service_id = reply.json()["Id"]
        self.temporary.append(("container", service_id))
        reply = self.api.call("POST", f"/containers/{service_id}/start")
        self.checks.status("start service container", reply, 204)
        return service_id, name

    def wait_for_service(self, service_id, service_name):
        reply = self.api.call("GET", f"/containers/{service_id}/json")
        info = reply.json() or {}
        ports = sorted(int(p.split("/")[0]) for p in ((info.get("Config") or {}).get("ExposedPorts") or {})
                       if p.endswith("/tcp"))
        if not self.checks.report("service exposes a TCP port", bool(ports), f"inspect: {reply!r}"):
            return
        endpoint = ((info.get("NetworkSettings") or {}).get("Networks") or {}).get(self.network_name) or {}
        self.checks.report("service aliases include its short ID",
                           service_id[:12] in (endpoint.get("Aliases") or []), f"endpoint: {endpoint!r}")

        name = f"{service_name}-wait-for-service"
        env = [f"WAIT_FOR_SERVICE_TCP_ADDR={service_id[:12]}", f"WAIT_FOR_SERVICE_TCP_PORT={ports[0]}"]
        config = {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": False, "AttachStdout": False,
                  "AttachStderr": False, "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": env,
                  "Cmd": ["sh", "-c", HEALTH_CHECK], "Image": self.image_ids.get("helper"), "Volumes": None,
                  "WorkingDir": "", "Entrypoint": None, "OnBuild": None,
                  "Labels": labels({"type": "wait", "wait": service_id})}
        body = dict(config, HostConfig=host_config(self.network_name, None, [f"{service_name}:service"]),
                    NetworkingConfig=None)
        reply = self.api.call("POST", "/containers/create", {"name": name}, body)
        if not self.checks.status("create wait-for-service container with a link", reply, 201):
            return
        wait_id = reply.json()["Id"]
        reply = self.api.call("POST", f"/containers/{wait_id}/start")
        self.checks.status("start wait-for-service container", reply, 204)
        conn, response = self.api.start_wait(wait_id)
        body = response.read()
        conn.close()
        result = json.loads(body) if body else {}
        self.api.log.append(f"  wait -> {result!r}")
        passed = self.checks.eq("wait-for-service reaches the service by short ID", result.get("StatusCode"), 0)
        if not passed:
            logs = self.api.call("GET", f"/containers/{wait_id}/logs",
                                 {"stderr": 1, "stdout": 1, "timestamps": 1})
            print(f"# wait-for-service logs: {logs.body[:2000]!r}")
        self.remove_container(wait_id)

    # ------------------------------------------------------------ cleanup

    def cleanup(self):
        for kind, ident in self.temporary:
            if kind == "container":
                self.remove_container(ident)
        for kind, ident in self.temporary:
            if kind == "volume":
                reply = self.api.call("DELETE", f"/volumes/{ident}", {"force": 1})
                self.checks.status("remove the temporary /builds volume", reply, 204)
        if self.network_id:
            reply = self.api.call("GET", f"/networks/{self.network_id}")
            self.checks.eq("job network has no containers left", (reply.json() or {}).get("Containers"), {})
            reply = self.api.call("DELETE", f"/networks/{self.network_id}")
            self.checks.status("remove the job network", reply, 204)


def replay(api, checks, images):
    reply, server_version = api.negotiate()
    checks.status("HEAD /_ping", reply, 200)
    checks.report("HEAD /_ping sends API-Version", bool(server_version), f"headers: {dict(reply.headers)}")
    if not api.version:
        return
    reply = api.call("GET", "/info")
    info = reply.json() or {}
    checks.eq("info: OSType", info.get("OSType"), "linux")

    job = Job(api, checks, images)
    job.inspect_images()
    if len(job.image_ids) != len(images) or not job.create_network():
        return
    job.create_volumes()

    service_id, service_name = job.create_service("service", "redis", "cache")
    if service_id:
        job.wait_for_service(service_id, service_name)

    # Predefined stages each get a new helper container.
    out = job.predefined("get_sources", [
        f"mkdir -p {BUILDS_DIR}", f"cd {BUILDS_DIR}", "echo 'source tree' > README",
        "echo fetched",
    ])
    checks.eq("get_sources: output", out, b"fetched\n")
    out = job.predefined("restore_cache", ["ls /cache", "echo restored"])
    checks.eq("restore_cache: empty cache volume", out, b"restored\n")

    # User stages share one build container, started again for each.
    out = job.user_stage("step_script", [
        f"cd {BUILDS_DIR}", "cat README", "echo $CI_JOB_ID",
        "printf 'PING\\r\\n' | nc -w 3 redis 6379",
        "printf 'PING\\r\\n' | nc -w 3 cache 6379",
        "echo built > artifact.txt",
    ])
    checks.eq("step_script: output with the service reached by name and alias", out,
              f"source tree\n{JOB_ID}\n+PONG\r\n+PONG\r\n".encode())
    out = job.user_stage("after_script", [f"cat {BUILDS_DIR}/artifact.txt", "echo after"])
    checks.eq("after_script: same build container, files kept", out, b"built\nafter\n")
    out = job.user_stage("failing step", ["echo failing", "exit 3"], expected_status=3)
    checks.eq("failing step: output before the exit", out, b"failing\n")
    # The shell is the container's PID 1 and ignores SIGTERM, so the stop
    # ends it with SIGKILL after its 10 second timeout.
    out = job.user_stage("cancelled step", ["echo started", "sleep 600"], expected_status=137,
                         cancel_after=b"started\n")
    checks.eq("cancelled step: output before the stop", out, b"started\n")

    out = job.predefined("archive_cache", [f"cp {BUILDS_DIR}/artifact.txt /cache/artifact.txt",
                                           "echo archived"])
    checks.eq("archive_cache: output", out, b"archived\n")
    out = job.predefined("upload_artifacts", [f"cat {BUILDS_DIR}/artifact.txt"])
    checks.eq("upload_artifacts: reads the build's file", out, b"built\n")

    job.cleanup()
    reply = api.call("GET", "/containers/json", {"all": 1})
    checks.eq("no containers after cleanup", reply.json(), [])

    # The next job on the same runner finds the cache volume again.
    second = Job(api, checks, images, job_id=JOB_ID + 1)
    second.inspect_images()
    if second.create_network():
        second.create_volumes()
        out = second.predefined("next job restore_cache", ["cat /cache/artifact.txt"])
        checks.eq("next job: cache volume kept its file", out, b"built\n")
        second.cleanup()
    reply = api.call("DELETE", f"/volumes/{job.cache_volume}")
    checks.status("remove the cache volume", reply, 204)


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    host = os.environ.get("DOCKER_HOST", "")
    if not host.startswith("unix://"):
        print(f"DOCKER_HOST must be unix://PATH, not '{host}'", file=sys.stderr)
        return 2
    api = Api(host[len("unix://"):])
    checks = Checks(api)
    images = {"build": sys.argv[1], "helper": sys.argv[2], "service": sys.argv[3]}
    replay(api, checks, images)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
