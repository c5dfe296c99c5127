/* SPDX-License-Identifier: Apache-2.0 */
/* The published ports that the userland proxy serves: TCP and UDP ports
 * reserved on IPv6 for a container without an IPv6 address.
 * NOTE: daemon.json's "userland-proxy" is accepted but ignored, so these
 * ports are proxied even when it is false. */
#include <arpa/inet.h>
#include <stdio.h>

#include "netns/link.h"
#include "portmap-internal.h"
#include "portproxy.h"

int portmap_proxy_start(struct portmap *pm, const struct netns_addr *addrs, size_t n_addrs)
{
        const struct netns_addr *v4 = NULL;

        for (size_t i = 0; i < n_addrs; i++) {
                if (addrs[i].family == AF_INET6)
                        return 0; /* the nftables rules reach it */
                if (addrs[i].family == AF_INET)
                        v4 = &addrs[i];
        }
        if (!v4)
                return 0;
        for (size_t i = 0; i < pm->n_bindings; i++) {
                struct portmap_binding *b = &pm->bindings[i];
                struct sockaddr_in target = {
                        .sin_family = AF_INET,
                        .sin_port = htons(b->container_port),
                        .sin_addr = v4->addr.v4,
                };
                char host[INET6_ADDRSTRLEN], label[64];
                int r;

                /* NOTE: SCTP on IPv6 stays unserved for such a container,
                 * but docker-proxy relays SCTP too. */
                if (b->fd6 < 0 || (b->protocol != IPPROTO_TCP && b->protocol != IPPROTO_UDP))
                        continue;
                if (b->host_family == AF_INET6)
                        inet_ntop(AF_INET6, &b->host_addr.v6, host, sizeof(host));
                else
                        snprintf(host, sizeof(host), "::");
                snprintf(label, sizeof(label), "[%s]:%u/%s", host, b->host_port,
                         b->protocol == IPPROTO_TCP ? "tcp" : "udp");
                r = portproxy_add(b->fd6, b->protocol, &target, label);
                if (r < 0)
                        return r;
        }
        return 0;
}
