/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

#include "error.h"
#include "macro.h"

struct netns_addr; /* netns/link.h */
struct nft_port;   /* netns/nft.h */

/*
 * The published ports of one container: HostConfig.PortBindings,
 * PublishAllPorts and Config.ExposedPorts, the host ports allocated for
 * them, and the sockets that reserve those host ports while the container
 * runs. The daemon binds each host port itself, as dockerd's proxy does:
 * IPv4 TCP sockets listen with a backlog of 1, the others are only bound.
 * So a port in use elsewhere fails the start, and no other program takes a
 * published port. A struct portmap is not thread-safe, so use it under the
 * container's lock.
 */
struct portmap;

/* Checks HostConfig.PortBindings as dockerd 20.10 does at create: container
 * ports ("80", "80/tcp", "53/udp", "132/sctp"), host ports ("", "8080",
 * "8000-8010") and host IPs. Returns 0, or -EINVAL with dockerd's message
 * ("invalid port specification: \"x\"") in err. */
int portmap_validate(json_object *host_config, struct error *err);

/* Builds the bindings of a container from its HostConfig (PortBindings,
 * PublishAllPorts) and Config (ExposedPorts). As in dockerd 20.10, only
 * exposed ports are published. Nothing is reserved yet. Returns 0 or
 * -EINVAL as portmap_validate. */
int portmap_parse(json_object *host_config, json_object *config, struct portmap **ret, struct error *err);

/* Releases the reservations and frees pm. NULL is allowed. */
void portmap_free(struct portmap *pm);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct portmap *, portmap_free)
#define _cleanup_portmap_ _cleanup_(portmap_freep)

/* Returns whether pm publishes at least one port. */
bool portmap_publishes(const struct portmap *pm);

/* Allocates and reserves a host port for every binding: the given port, one
 * free port of a given range, or an ephemeral port from the kernel's
 * net.ipv4.ip_local_port_range. Ports restored by portmap_state_restore are
 * reserved again as they are. endpoint_name and endpoint_id go into
 * dockerd's message "driver failed programming external connectivity on
 * endpoint NAME (ID): ..." when a port is taken (-EADDRINUSE). On failure
 * nothing stays reserved. The sockets are created in the calling thread's
 * network namespace. */
int portmap_allocate(struct portmap *pm, const char *endpoint_name, const char *endpoint_id, struct error *err);

/* Closes the reservation sockets and clears the allocated host ports that
 * the bindings did not fix, so the next start allocates again as dockerd
 * does. */
void portmap_release(struct portmap *pm);

/* Builds the nftables rules of the allocated bindings towards a container
 * reached at addrs (its addresses on `bridge`, IPv4 and/or IPv6; prefix
 * lengths ignored). A binding gets a rule per address family that both the
 * host IP and the container have. The strings of the result point into
 * bridge. Returns the count in *ret_n and an array to free(), NULL when
 * empty. */
int portmap_nft_ports(const struct portmap *pm, const struct netns_addr *addrs, size_t n_addrs, const char *bridge,
                      struct nft_port **ret, size_t *ret_n);

/* Relays the TCP ports reserved on IPv6 through the userland proxy
 * (portproxy.h) when the container, reached at addrs, has IPv4 but no
 * IPv6 address, because no nftables rule can reach it then. The proxy
 * stops when the reservations are released. Returns 0 or a negative
 * errno. */
int portmap_proxy_start(struct portmap *pm, const struct netns_addr *addrs, size_t n_addrs);

/* Returns NetworkSettings.Ports as dockerd 20.10 shows it for a running
 * container: every exposed port, with one {"HostIp", "HostPort"} per
 * reserved address, or null when none is reserved (an unpublished port, or
 * any port before portmap_allocate). dockerd shows {} for a container that
 * does not run. */
json_object *portmap_to_json(const struct portmap *pm);

/* Returns the allocated host ports to keep in the container's state, so a
 * restarted daemon reserves the same ones (see portmap_state_restore). */
json_object *portmap_state_to_json(const struct portmap *pm);

/* Takes the host ports saved by portmap_state_to_json into pm, which must
 * be parsed from the same configuration; the next portmap_allocate reserves
 * exactly them. Entries that match no binding are ignored. Returns 0 or
 * -EINVAL for malformed state. */
int portmap_state_restore(struct portmap *pm, json_object *state);
