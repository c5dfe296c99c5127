/* SPDX-License-Identifier: Apache-2.0 */
#include <linux/ip.h>
#include <net/if.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet.h>
#include <stdio.h>

#include "netns/netns.h"
#include "netns/nlutil.h"
#include "strv.h"

static int bridge_config_check(const struct netns_bridge_config *cfg, struct error *err)
{
        if (!netns_ifname_is_valid(cfg->name))
                return error_set(err, -EINVAL, "invalid bridge name \"%s\"", cfg->name ? cfg->name : "");
        for (size_t i = 0; i < cfg->n_addrs; i++) {
                const struct netns_addr *a = &cfg->addrs[i];
                unsigned max = a->family == AF_INET6 ? 128 : 32;

                if ((a->family != AF_INET && a->family != AF_INET6) || a->prefixlen > max)
                        return error_set(err, -EINVAL, "invalid address for the bridge %s", cfg->name);
                if (a->family == AF_INET6 && !cfg->enable_ipv6)
                        return error_set(err, -EINVAL, "the bridge %s has IPv6 disabled but got an IPv6 address",
                                         cfg->name);
        }
        return 0;
}

/* Creates the bridge, still down; -EEXIST when it exists. The MTU is set
 * later by bridge_set_up: only a change after creation marks it as set by
 * the user, and otherwise the kernel moves it to the smallest MTU of the
 * ports whenever a port comes or goes. */
static int bridge_create(struct nl_sock *sock, const struct netns_bridge_config *cfg)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        int r;

        link = rtnl_link_bridge_alloc();
        if (!link)
                return -ENOMEM;
        rtnl_link_set_name(link, cfg->name);

        r = rtnl_link_add(sock, link, NLM_F_CREATE | NLM_F_EXCL);
        return r < 0 ? netns_nl_errno(r) : 0;
}

/* Finds the bridge, creating it when absent. Returns its index, and in
 * *ret_created whether this call created it. */
static int bridge_get_or_create(struct nl_sock *sock, const struct netns_bridge_config *cfg, bool *ret_created,
                                struct error *err)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        const char *type;
        bool created = false;
        int r;

        r = netns_nl_link_get(sock, cfg->name, &link);
        if (r == -ENODEV) {
                r = bridge_create(sock, cfg);
                /* -EEXIST: another caller created it in the meantime. */
                if (r < 0 && r != -EEXIST)
                        return error_set_errno(err, r, "failed to create the bridge %s", cfg->name);
                created = r >= 0;
                r = netns_nl_link_get(sock, cfg->name, &link);
        }
        if (r < 0)
                return error_set_errno(err, r, "failed to find the bridge %s", cfg->name);
        *ret_created = created;

        type = rtnl_link_get_type(link);
        if (!streq_ptr(type, "bridge"))
                return error_set(err, -EEXIST, "the interface %s exists and is not a bridge (type %s)", cfg->name,
                                 type ? type : "none");
        return r;
}

static bool addr_equal_nl(const struct netns_addr *a, struct nl_addr *b)
{
        size_t len = a->family == AF_INET ? sizeof(a->addr.v4) : sizeof(a->addr.v6);

        return nl_addr_get_family(b) == a->family && nl_addr_get_len(b) == len &&
               (unsigned)nl_addr_get_prefixlen(b) == a->prefixlen &&
               memcmp(nl_addr_get_binary_addr(b), &a->addr, len) == 0;
}

/* IPv6 link-local addresses belong to the kernel, which needs them for
 * neighbor discovery. */
static bool nl_addr_is_ipv6_link_local(struct nl_addr *a)
{
        const uint8_t *bytes = nl_addr_get_binary_addr(a);

        return nl_addr_get_family(a) == AF_INET6 && nl_addr_get_len(a) == 16 && bytes[0] == 0xfe &&
               (bytes[1] & 0xc0) == 0x80;
}

/* Makes the bridge's addresses exactly cfg->addrs, keeping IPv6 link-local
 * ones. */
static int bridge_sync_addrs(struct nl_sock *sock, int ifindex, const struct netns_bridge_config *cfg,
                             struct error *err)
{
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        char text[NETNS_ADDR_FORMAT_MAX];
        int r;

        r = rtnl_addr_alloc_cache(sock, &cache);
        if (r < 0)
                return error_set_errno(err, netns_nl_errno(r), "failed to list the addresses of %s", cfg->name);

        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_addr *existing = (struct rtnl_addr *)o;
                struct nl_addr *local = rtnl_addr_get_local(existing);
                bool keep = false;

                if (rtnl_addr_get_ifindex(existing) != ifindex || !local || nl_addr_is_ipv6_link_local(local))
                        continue;
                for (size_t i = 0; i < cfg->n_addrs && !keep; i++)
                        keep = addr_equal_nl(&cfg->addrs[i], local);
                if (keep)
                        continue;

                r = rtnl_addr_delete(sock, existing, 0);
                r = r < 0 ? netns_nl_errno(r) : 0;
                /* Deleting an IPv4 primary address also deletes its
                 * secondaries, which may already be gone. */
                if (r < 0 && r != -EADDRNOTAVAIL)
                        return error_set_errno(err, r, "failed to remove an address of %s", cfg->name);
        }

        /* NLM_F_REPLACE makes adding an existing address a no-op. */
        for (size_t i = 0; i < cfg->n_addrs; i++) {
                r = netns_nl_addr_add(sock, ifindex, &cfg->addrs[i]);
                if (r < 0)
                        return error_set_errno(err, r, "failed to add the address %s to %s",
                                               netns_addr_format(&cfg->addrs[i], text), cfg->name);
        }
        return 0;
}

/* Sets the MTU, route_localnet, IFF_UP and, on a bridge just created, the
 * alias in one request. The kernel (Linux 6.18) ignores IFLA_IFALIAS in the
 * creation request itself. */
static int bridge_set_up(struct nl_sock *sock, int ifindex, const struct netns_bridge_config *cfg, bool created,
                         struct error *err)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *orig = NULL, *change = NULL;
        int r;

        orig = rtnl_link_alloc();
        change = rtnl_link_alloc();
        if (!orig || !change)
                return -ENOMEM;
        rtnl_link_set_ifindex(orig, ifindex);
        if (cfg->mtu > 0)
                rtnl_link_set_mtu(change, cfg->mtu);
        rtnl_link_set_flags(change, IFF_UP);
        if (created && cfg->alias)
                rtnl_link_set_ifalias(change, cfg->alias);
        /* route_localnet lets DNAT rules send 127.0.0.1 to a container. */
        r = rtnl_link_inet_set_conf(change, IPV4_DEVCONF_ROUTE_LOCALNET, 1);
        if (r < 0)
                return error_set_errno(err, netns_nl_errno(r), "failed to build the request for %s", cfg->name);

        r = rtnl_link_change(sock, orig, change, 0);
        if (r < 0)
                return error_set_errno(err, netns_nl_errno(r), "failed to configure and set up the bridge %s",
                                       cfg->name);
        return 0;
}

static int sysctl_set(const char *key, const char *value, bool missing_ok, struct error *err)
{
        int r = netns_sysctl_write(-1, key, value);

        if (r == -ENOENT && missing_ok)
                return 0;
        if (r < 0)
                return error_set_errno(err, r, "failed to set %s to %s", key, value);
        return 0;
}

int netns_bridge_ensure(const struct netns_bridge_config *cfg, struct error *err)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        char key[64];
        bool created = false;
        int ifindex, r;

        r = bridge_config_check(cfg, err);
        if (r < 0)
                return r;
        r = netns_nl_open(-1, &sock, err);
        if (r < 0)
                return r;
        ifindex = bridge_get_or_create(sock, cfg, &created, err);
        if (ifindex < 0)
                return ifindex;

        /* Before the bridge goes up, so that it gets no IPv6 link-local
         * address when IPv6 is off. A kernel without IPv6 has no such key. */
        snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", cfg->name);
        r = sysctl_set(key, cfg->enable_ipv6 ? "0" : "1", !cfg->enable_ipv6, err);
        if (r < 0)
                return r;

        r = bridge_sync_addrs(sock, ifindex, cfg, err);
        if (r < 0)
                return r;
        r = bridge_set_up(sock, ifindex, cfg, created, err);
        if (r < 0)
                return r;

        if (cfg->keep_forwarding)
                return 0;
        r = sysctl_set("net/ipv4/ip_forward", "1", false, err);
        if (r < 0)
                return r;
        if (cfg->enable_ipv6)
                return sysctl_set("net/ipv6/conf/all/forwarding", "1", false, err);
        return 0;
}

int netns_bridges_list(const char *alias, char ***ret, struct error *err)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = netns_nl_open(-1, &sock, err);
        if (r < 0)
                return r;
        r = rtnl_link_alloc_cache(sock, AF_UNSPEC, &cache);
        if (r < 0)
                return error_set_errno(err, netns_nl_errno(r), "failed to list the interfaces");

        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_link *link = (struct rtnl_link *)o;

                if (!streq_ptr(rtnl_link_get_type(link), "bridge") || !streq_ptr(rtnl_link_get_ifalias(link), alias))
                        continue;
                r = strv_append(&names, rtnl_link_get_name(link));
                if (r < 0)
                        return r;
        }
        /* An empty list is an empty vector, never NULL. */
        if (!names) {
                names = calloc(1, sizeof(*names));
                if (!names)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(names);
        return 0;
}
