/* SPDX-License-Identifier: Apache-2.0 */
/* Hands a sandbox's published ports to the userland proxy when its
 * container cannot be reached over IPv6. */
#include "network-internal.h"
#include "portmap.h"

int sandbox_proxy_ports_locked(struct network_store *s, struct sandbox *sb)
{
        struct netns_addr addrs[2];
        size_t n_addrs = 0;

        if (!sb->ports || !portmap_publishes(sb->ports))
                return 0;
        /* As in network_nft_apply_locked, ports go to the eth0 endpoint. */
        for (size_t i = 0; i < s->n; i++)
                for (size_t j = 0; j < s->items[i]->n_endpoints; j++) {
                        struct network_endpoint *ep = s->items[i]->endpoints[j];

                        if (!streq(ep->container_id, sb->container_id) || !streq(ep->ifname, "eth0"))
                                continue;
                        if (ep->v4.family)
                                addrs[n_addrs++] = ep->v4;
                        if (ep->v6.family)
                                addrs[n_addrs++] = ep->v6;
                        return portmap_proxy_start(sb->ports, addrs, n_addrs);
                }
        return 0;
}
