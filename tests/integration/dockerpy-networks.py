#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Networks through docker-py, against the daemon in DOCKER_HOST.

usage: dockerpy-networks.py BUSYBOX-IMAGE

Creates bridge networks with IPAM configuration, options and labels,
lists them with filters, gets, connects and disconnects containers with
aliases and fixed addresses, checks that containers resolve each other
by name and alias, and removes and prunes networks. The daemon must have
bridge networking (a test daemon in its own network namespace). Prints
"ok NAME" or "not ok NAME" per check (see dockerpy_checks.py) and exits
1 when any check failed.
"""
import sys

import docker
from docker.types import IPAMConfig, IPAMPool

from dockerpy_checks import run_checks, wait_for

IMAGE = sys.argv[1] if len(sys.argv) > 1 else "sockerless-test/busybox:1.35"
PREFIX = "sl-dp-networks-"
# Documentation and private ranges that the daemon's namespace does not use.
SUBNET = "10.123.0.0/24"
GATEWAY = "10.123.0.1"
IP_RANGE = "10.123.0.128/25"


def remove_networks(client):
    for network in client.networks.list(names=None):
        if network.name.startswith(PREFIX):
            for container in network.attrs.get("Containers") or {}:
                try:
                    network.disconnect(container, force=True)
                except docker.errors.APIError:
                    pass
            try:
                network.remove()
            except docker.errors.APIError:
                pass


def sleeper(checks, suffix, **kwargs):
    return checks.client.containers.run(IMAGE, ["sleep", "600"], name=checks.name(suffix), detach=True, **kwargs)


def networks_of(container):
    container.reload()
    return container.attrs["NetworkSettings"]["Networks"]


def lookup(checks, network, name):
    """Return the addresses busybox nslookup finds for name from a container on network."""
    output = checks.client.containers.run(IMAGE, ["nslookup", name], network=network, remove=True,
                                          name=checks.name("lookup")).decode()
    answer = output.split("Name:", 1)[1] if "Name:" in output else ""
    return sorted(line.split()[1] for line in answer.splitlines() if line.startswith("Address:"))


def create_and_inspect(checks):
    client = checks.client
    ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=SUBNET, gateway=GATEWAY, iprange=IP_RANGE)])
    network = client.networks.create(checks.name("ipam"), driver="bridge", ipam=ipam, check_duplicate=True,
                                     labels={"sl.role": "ipam", "sl.empty": ""}, attachable=True,
                                     options={"com.docker.network.bridge.name": "sl-dp-br0",
                                              "com.docker.network.driver.mtu": "1400"})
    checks.eq("create: name", network.name, checks.name("ipam"))
    checks.true("create: id", len(network.id) == 64, network.id)
    network.reload()
    attrs = network.attrs
    checks.eq("inspect: driver", attrs["Driver"], "bridge")
    checks.eq("inspect: scope", attrs["Scope"], "local")
    checks.eq("inspect: IPAM driver", attrs["IPAM"]["Driver"], "default")
    checks.eq("inspect: IPAM config", attrs["IPAM"]["Config"],
              [{"Subnet": SUBNET, "Gateway": GATEWAY, "IPRange": IP_RANGE}])
    checks.eq("inspect: labels", attrs["Labels"], {"sl.role": "ipam", "sl.empty": ""})
    checks.eq("inspect: options", attrs["Options"],
              {"com.docker.network.bridge.name": "sl-dp-br0", "com.docker.network.driver.mtu": "1400"})
    checks.eq("inspect: attachable", attrs["Attachable"], True)
    checks.eq("inspect: internal", attrs["Internal"], False)
    checks.eq("inspect: no containers", attrs["Containers"], {})

    checks.api_error("create of a duplicate name", lambda: client.networks.create(checks.name("ipam"),
                                                                                  check_duplicate=True), 409)
    checks.api_error("create with an overlapping subnet",
                     lambda: client.networks.create(checks.name("overlap"), ipam=IPAMConfig(
                         pool_configs=[IPAMPool(subnet="10.123.0.0/16")])), 403)
    checks.api_error("create with an unknown driver", lambda: client.networks.create(checks.name("bad"),
                                                                                     driver="nosuch"), 404)
    checks.api_error("create with a gateway outside the subnet",
                     lambda: client.networks.create(checks.name("bad"), ipam=IPAMConfig(
                         pool_configs=[IPAMPool(subnet="10.124.0.0/24", gateway="10.125.0.1")])), 500)

    internal = client.networks.create(checks.name("internal"), internal=True, labels={"sl.role": "internal"})
    checks.eq("create internal", internal.attrs["Internal"], True)
    checks.true("an automatic subnet", internal.attrs["IPAM"]["Config"] and
                "Subnet" in internal.attrs["IPAM"]["Config"][0], internal.attrs["IPAM"])

    container = sleeper(checks, "fixed", network=network.name)
    settings = networks_of(container)[network.name]
    address = settings["IPAddress"]
    checks.true("an address from the IP range", address.startswith("10.123.0.") and int(address.split(".")[3]) >= 128,
                address)
    checks.eq("the gateway", settings["Gateway"], GATEWAY)
    checks.eq("the prefix length", settings["IPPrefixLen"], 24)
    network.reload()
    checks.eq("inspect lists the container", [c["Name"] for c in network.attrs["Containers"].values()],
              [container.name])
    checks.eq("network.containers", [c.id for c in network.containers], [container.id])
    output = container.exec_run(["cat", "/sys/class/net/eth0/mtu"]).output.decode().strip()
    checks.eq("the network's MTU", output, "1400")


def list_and_get(checks):
    client = checks.client
    ipam = client.networks.get(checks.name("ipam"))
    internal = client.networks.get(checks.name("internal"))

    def names(networks):
        return sorted(n.name for n in networks)

    checks.eq("list by names", names(client.networks.list(names=[ipam.name])), [ipam.name])
    checks.eq("list by ids", names(client.networks.list(ids=[internal.id])), [internal.name])
    checks.eq("list filter name", names(client.networks.list(filters={"name": PREFIX})),
              sorted([ipam.name, internal.name]))
    checks.eq("list filter label", names(client.networks.list(filters={"label": "sl.role=internal"})),
              [internal.name])
    checks.eq("list filter label key", names(client.networks.list(filters={"label": "sl.role"})),
              sorted([ipam.name, internal.name]))
    checks.eq("list filter type=custom", [n for n in names(client.networks.list(filters={"type": "custom"}))
                                          if not n.startswith(PREFIX)], [])
    builtin = names(client.networks.list(filters={"type": "builtin"}))
    checks.eq("list filter type=builtin", builtin, ["bridge", "host", "none"])
    checks.eq("list filter driver", names(client.networks.list(filters={"driver": "null"})), ["none"])
    # dockerd 20.10 tests dangling on the list's Containers, which is always
    # empty, so every user-defined network is dangling, even one in use.
    checks.eq("list filter dangling", names(n for n in client.networks.list(filters={"dangling": True})
                                            if n.name.startswith(PREFIX)), sorted([ipam.name, internal.name]))
    checks.eq("list filter dangling=false", names(client.networks.list(filters={"dangling": False})),
              ["bridge", "host", "none"])
    checks.eq("list filter id prefix", names(client.networks.list(filters={"id": internal.id[:12]})),
              [internal.name])
    checks.api_error("list with an unknown filter", lambda: client.networks.list(filters={"nosuch": "x"}), 400)
    listed = client.networks.list(names=[ipam.name], greedy=True)
    checks.eq("list greedy has containers", len(listed[0].attrs["Containers"]), 1)

    checks.eq("get by name", client.networks.get(ipam.name).id, ipam.id)
    checks.eq("get by id", client.networks.get(ipam.id).name, ipam.name)
    checks.eq("get by id prefix", client.networks.get(ipam.id[:12]).name, ipam.name)
    error = checks.api_error("get of a missing network", lambda: client.networks.get(checks.name("nosuch")), 404)
    checks.true("a missing network raises NotFound", isinstance(error, docker.errors.NotFound), repr(error))
    checks.eq("get the default bridge", client.networks.get("bridge").attrs["Driver"], "bridge")


def connect_and_resolve(checks):
    client = checks.client
    network = client.networks.get(checks.name("ipam"))
    server = sleeper(checks, "server")
    network.connect(server, aliases=["db", "primary"], ipv4_address="10.123.0.50")
    settings = networks_of(server)
    checks.eq("connect adds the network", sorted(settings), sorted(["bridge", network.name]))
    entry = settings[network.name]
    checks.eq("connect with a fixed address", entry["IPAddress"], "10.123.0.50")
    checks.eq("connect keeps the requested IPAM config", entry["IPAMConfig"], {"IPv4Address": "10.123.0.50"})
    checks.true("connect aliases", {"db", "primary"} <= set(entry["Aliases"] or []), entry["Aliases"])
    checks.api_error("connect a second time", lambda: network.connect(server), 403)
    checks.api_error("connect a missing container", lambda: network.connect(checks.name("nosuch")), 404)
    checks.api_error("connect with an address outside the subnet",
                     lambda: network.connect(sleeper(checks, "outside"), ipv4_address="10.200.0.5"), 500)

    client_container = sleeper(checks, "client", network=network.name)
    server_ip = entry["IPAddress"]
    checks.eq("a container resolves another by name", lookup(checks, network.name, server.name), [server_ip])
    checks.eq("a container resolves an alias", lookup(checks, network.name, "db"), [server_ip])
    result = client_container.exec_run(["ping", "-c", "1", "-W", "3", "primary"])
    checks.eq("ping by alias", result.exit_code, 0)

    network.disconnect(server)
    checks.true("disconnect removes the network", network.name not in networks_of(server), networks_of(server))
    checks.true("the name stops resolving", wait_for(lambda: lookup_fails(checks, network.name, server.name), 10))
    checks.api_error("disconnect a container that is not connected", lambda: network.disconnect(server), 500,
                     "is not connected to network")

    network.connect(server, aliases=["again"])
    checks.eq("reconnect with another alias", lookup(checks, network.name, "again"),
              [networks_of(server)[network.name]["IPAddress"]])
    network.disconnect(server, force=True)

    stopped = client.containers.create(IMAGE, ["true"], name=checks.name("created"))
    network.connect(stopped, aliases=["later"])
    checks.true("connect a created container", network.name in networks_of(stopped), networks_of(stopped))
    checks.eq("connect a created container: aliases", networks_of(stopped)[network.name]["Aliases"],
              ["later", stopped.id[:12]])
    network.disconnect(stopped)
    checks.true("disconnect a created container", network.name not in networks_of(stopped), networks_of(stopped))


def lookup_fails(checks, network, name):
    try:
        return lookup(checks, network, name) == []
    except docker.errors.ContainerError:
        return True


def remove_and_prune(checks):
    client = checks.client
    network = client.networks.get(checks.name("ipam"))
    checks.api_error("remove a network with containers", network.remove, 403, "has active endpoints")
    checks.api_error("remove the default bridge", client.networks.get("bridge").remove, 403)
    for container in client.containers.list(all=True, filters={"name": PREFIX}):
        container.remove(force=True)
    network.remove()
    checks.api_error("the removed network is gone", lambda: client.networks.get(network.id), 404)
    checks.api_error("remove a missing network", network.remove, 404)

    kept = client.networks.create(checks.name("kept"), labels={"sl.keep": "1"})
    used = client.networks.create(checks.name("used"))
    user = sleeper(checks, "user", network=used.name)
    result = client.networks.prune(filters={"label!": "sl.keep"})
    deleted = result["NetworksDeleted"] or []
    checks.true("prune removes an unused network", checks.name("internal") in deleted, result)
    checks.true("prune keeps a network in use", used.name not in deleted, result)
    checks.true("prune keeps one excluded by label!", kept.name not in deleted, result)
    checks.true("prune keeps the predefined networks", not {"bridge", "host", "none"} & set(deleted), result)
    user.remove(force=True)
    result = client.networks.prune(filters={"label": "sl.keep=1"})
    checks.eq("prune with a label filter", result["NetworksDeleted"], [kept.name])
    used.remove()
    result = client.networks.prune()
    checks.eq("prune with nothing to delete", result["NetworksDeleted"], None)


def cleanup(checks):
    checks.cleanup()
    remove_networks(checks.client)
    checks.eq("no test networks left", [n.name for n in checks.client.networks.list(filters={"name": PREFIX})], [])


if __name__ == "__main__":
    sys.exit(run_checks(PREFIX, [create_and_inspect, list_and_get, connect_and_resolve, remove_and_prune, cleanup]))
