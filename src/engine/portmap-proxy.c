/* SPDX-License-Identifier: Apache-2.0 */
/* The published ports that the userland proxy serves: TCP ports reserved
 * on IPv6 for a container without an IPv6 address.
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

                /* NOTE: UDP and SCTP on IPv6 stay unserved for such a
                 * container. dockerd's proxy also relays UDP datagrams. */
                if (b->fd6 < 0 || b->protocol != IPPROTO_TCP)
                        continue;
                if (b->host_family == AF_INET6)
                        inet_ntop(AF_INET6, &b->host_addr.v6, host, sizeof(host));
                else
                        snprintf(host, sizeof(host), "::");
                snprintf(label, sizeof(label), "[%s]:%u/tcp", host, b->host_port);
                r = portproxy_add(b->fd6, &target, label);
                if (r < 0)
                        return r;
        }
        return 0;
}
