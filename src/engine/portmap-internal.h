/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <netinet/in.h>
#include <stdint.h>

#include "portmap.h"

/* The longest "PORT/PROTOCOL" key: "65535/sctp". */
#define PORTMAP_KEY_MAX 16

union portmap_addr {
        struct in_addr v4;
        struct in6_addr v6;
};

/* One entry of a PortBindings list, or the ephemeral binding that
 * PublishAllPorts gives an exposed port without one. */
struct portmap_binding {
        char key[PORTMAP_KEY_MAX]; /* "80/tcp", as in Docker's JSON */
        uint16_t container_port;
        int protocol;    /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
        int host_family; /* AF_INET or AF_INET6 for a given HostIp, AF_UNSPEC for none */
        union portmap_addr host_addr;
        uint16_t range_first, range_last; /* the requested host ports, 0 and 0 for an ephemeral one */
        uint16_t host_port;               /* allocated or restored, 0 before */
        int fd4, fd6;                     /* reservation sockets, -1 when not held */
};

struct portmap {
        struct portmap_binding *bindings;
        size_t n_bindings;
        char **keys; /* every exposed or published key, sorted as Go sorts map keys */
};

/* Reserves b->host_port, or picks and reserves one, as portmap_allocate
 * describes. */
int portmap_reserve(struct portmap_binding *b, const char *endpoint_name, const char *endpoint_id, struct error *err);

/* Closes b's reservation sockets. */
void portmap_unreserve(struct portmap_binding *b);
