/* SPDX-License-Identifier: Apache-2.0 */
#include <net/if.h>

#include "netns/nlutil.h"

/* Deletes the interface name in the socket's namespace; 0 when absent. */
static int link_delete_by_name(struct nl_sock *sock, const char *name, struct error *err)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        int r;

        if (!netns_ifname_is_valid(name))
                return error_set(err, -EINVAL, "invalid interface name \"%s\"", name ? name : "");
        link = rtnl_link_alloc();
        if (!link)
                return -ENOMEM;
        rtnl_link_set_name(link, name);

        r = rtnl_link_delete(sock, link);
        if (r < 0) {
                r = netns_nl_errno(r);
                if (r == -ENODEV || r == -ENOENT)
                        return 0;
                return error_set_errno(err, r, "failed to delete the interface %s", name);
        }
        return 0;
}

int netns_link_delete(const char *name, struct error *err)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        int r;

        r = netns_nl_open(-1, &sock, err);
        if (r < 0)
                return r;
        return link_delete_by_name(sock, name, err);
}

int netns_link_delete_in(int ns_fd, const char *ifname, struct error *err)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        int r;

        r = netns_nl_open(ns_fd, &sock, err);
        if (r < 0)
                return r;
        return link_delete_by_name(sock, ifname, err);
}

int netns_endpoint_remove(const char *host_ifname, struct error *err)
{
        return netns_link_delete(host_ifname, err);
}

bool netns_link_exists(const char *name)
{
        return netns_ifname_is_valid(name) && if_nametoindex(name) > 0;
}

/* Appends the destination of route to the array, unless it is a default
 * route. A default route overlaps every subnet, so it does not show which
 * subnets are taken. */
static int route_destination_append(struct rtnl_route *route, struct netns_addr **list, size_t *n, size_t *allocated)
{
        struct nl_addr *dst = rtnl_route_get_dst(route);
        struct netns_addr addr = { 0 };

        if (rtnl_route_get_table(route) != RT_TABLE_MAIN || !dst)
                return 0;
        addr.family = nl_addr_get_family(dst);
        if (addr.family == AF_INET && nl_addr_get_len(dst) == sizeof(addr.addr.v4))
                memcpy(&addr.addr.v4, nl_addr_get_binary_addr(dst), sizeof(addr.addr.v4));
        else if (addr.family == AF_INET6 && nl_addr_get_len(dst) == sizeof(addr.addr.v6))
                memcpy(&addr.addr.v6, nl_addr_get_binary_addr(dst), sizeof(addr.addr.v6));
        else
                return 0;
        addr.prefixlen = nl_addr_get_prefixlen(dst);
        if (addr.prefixlen == 0)
                return 0;

        if (*n == *allocated) {
                size_t size = *allocated ? *allocated * 2 : 16;
                struct netns_addr *grown = reallocarray(*list, size, sizeof(**list));

                if (!grown)
                        return -ENOMEM;
                *list = grown;
                *allocated = size;
        }
        (*list)[(*n)++] = addr;
        return 0;
}

int netns_routes_list(struct netns_addr **ret, size_t *n, struct error *err)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        _cleanup_free_ struct netns_addr *list = NULL;
        size_t count = 0, allocated = 0;
        int r;

        r = netns_nl_open(-1, &sock, err);
        if (r < 0)
                return r;
        r = rtnl_route_alloc_cache(sock, AF_UNSPEC, 0, &cache);
        if (r < 0)
                return error_set_errno(err, netns_nl_errno(r), "failed to list the routes");

        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                r = route_destination_append((struct rtnl_route *)o, &list, &count, &allocated);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(list);
        *n = count;
        return 0;
}
