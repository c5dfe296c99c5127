/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>

#include "netns/nlutil.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_nexthop *, rtnl_route_nh_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_veth_release)

static int endpoint_config_check(const struct netns_endpoint_config *cfg, struct error *err)
{
        if (!netns_ifname_is_valid(cfg->host_ifname))
                return error_set(err, -EINVAL, "invalid interface name \"%s\"",
                                 cfg->host_ifname ? cfg->host_ifname : "");
        if (!netns_ifname_is_valid(cfg->ifname))
                return error_set(err, -EINVAL, "invalid interface name \"%s\"", cfg->ifname ? cfg->ifname : "");
        if (!netns_ifname_is_valid(cfg->bridge))
                return error_set(err, -EINVAL, "invalid bridge name \"%s\"", cfg->bridge ? cfg->bridge : "");
        if (cfg->ns_fd < 0)
                return error_set(err, -EBADF, "missing network namespace for %s", cfg->ifname);
        if (cfg->mac && (cfg->mac[0] & 1))
                return error_set(err, -EINVAL, "invalid MAC address for %s: a multicast address", cfg->ifname);
        return 0;
}

/* Creates both ends in one request: the peer named cfg->ifname directly in
 * the container's namespace with its MAC and MTU, and the host end with its
 * MTU, enslaved to the bridge and up. The peer stays down because the kernel
 * (veth_open in Linux 6.18) fails to open it with ENOTCONN before both ends
 * are linked, which happens after the peer is configured. Returns a libnl
 * error code for netns_nl_errno. */
static int veth_create(struct nl_sock *sock, int bridge_ifindex, const struct netns_endpoint_config *cfg)
{
        /* The veth link and its peer refer to each other, so only
         * rtnl_link_veth_release frees them, and the peer reference from
         * rtnl_link_veth_get_peer needs its own put. */
        _cleanup_(rtnl_link_veth_releasep) struct rtnl_link *link = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *peer = NULL;
        _cleanup_(nl_addr_putp) struct nl_addr *mac = NULL;

        link = rtnl_link_veth_alloc();
        if (!link)
                return -NLE_NOMEM;
        peer = rtnl_link_veth_get_peer(link);

        rtnl_link_set_name(link, cfg->host_ifname);
        rtnl_link_set_master(link, bridge_ifindex);
        rtnl_link_set_flags(link, IFF_UP);
        rtnl_link_set_name(peer, cfg->ifname);
        rtnl_link_set_ns_fd(peer, cfg->ns_fd);
        if (cfg->mtu > 0) {
                rtnl_link_set_mtu(link, cfg->mtu);
                rtnl_link_set_mtu(peer, cfg->mtu);
        }
        if (cfg->mac) {
                mac = nl_addr_build(AF_LLC, cfg->mac, 6);
                if (!mac)
                        return -NLE_NOMEM;
                rtnl_link_set_addr(peer, mac);
        }

        return rtnl_link_add(sock, link, NLM_F_CREATE | NLM_F_EXCL);
}

/* Sets the bridge port flag hairpin_mode, so that the bridge sends a
 * container's packets back to it (a container reaching itself through a
 * published port). */
static int port_set_hairpin(struct nl_sock *sock, int ifindex)
{
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
        struct nlattr *protinfo;
        int r;

        msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
        if (!msg)
                return -ENOMEM;
        if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
                return -ENOMEM;
        protinfo = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED);
        if (!protinfo || nla_put_u8(msg, IFLA_BRPORT_MODE, 1) < 0)
                return -ENOMEM;
        nla_nest_end(msg, protinfo);

        r = nl_send_sync(sock, TAKE_PTR(msg));
        return r < 0 ? netns_nl_errno(r) : 0;
}

static int default_route_add(struct nl_sock *sock, int ifindex, const struct netns_addr *gateway)
{
        _cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
        _cleanup_(rtnl_route_nh_freep) struct rtnl_nexthop *nexthop = NULL;
        _cleanup_(nl_addr_putp) struct nl_addr *dst = NULL, *via = NULL;
        struct netns_addr any = { .family = gateway->family, .prefixlen = 0 };
        struct netns_addr gw = *gateway;
        int r;

        gw.prefixlen = gw.family == AF_INET ? 32 : 128;
        r = netns_nl_addr(&any, &dst);
        if (r < 0)
                return r;
        r = netns_nl_addr(&gw, &via);
        if (r < 0)
                return r;

        route = rtnl_route_alloc();
        nexthop = rtnl_route_nh_alloc();
        if (!route || !nexthop)
                return -ENOMEM;
        rtnl_route_nh_set_ifindex(nexthop, ifindex);
        rtnl_route_nh_set_gateway(nexthop, via);
        rtnl_route_set_family(route, gateway->family);
        rtnl_route_set_table(route, RT_TABLE_MAIN);
        rtnl_route_set_protocol(route, RTPROT_BOOT);
        rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
        rtnl_route_set_type(route, RTN_UNICAST);
        r = rtnl_route_set_dst(route, dst);
        if (r < 0)
                return netns_nl_errno(r);
        rtnl_route_add_nexthop(route, TAKE_PTR(nexthop));

        r = rtnl_route_add(sock, route, NLM_F_EXCL);
        return r < 0 ? netns_nl_errno(r) : 0;
}

/* Sets the peer up and adds its addresses and default routes, inside the
 * container's namespace. */
static int peer_configure(const struct netns_endpoint_config *cfg, struct error *err)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        char text[NETNS_ADDR_FORMAT_MAX];
        int ifindex, r;

        r = netns_nl_open(cfg->ns_fd, &sock, err);
        if (r < 0)
                return r;
        ifindex = netns_nl_link_set_up(sock, cfg->ifname);
        if (ifindex < 0)
                return error_set_errno(err, ifindex, "failed to set %s up in the container's network namespace",
                                       cfg->ifname);

        for (size_t i = 0; i < cfg->n_addrs; i++) {
                r = netns_nl_addr_add(sock, ifindex, &cfg->addrs[i]);
                if (r < 0)
                        return error_set_errno(err, r, "failed to add the address %s to %s",
                                               netns_addr_format(&cfg->addrs[i], text) ?: "(invalid)", cfg->ifname);
        }
        for (size_t i = 0; i < cfg->n_gateways; i++) {
                r = default_route_add(sock, ifindex, &cfg->gateways[i]);
                if (r < 0)
                        return error_set_errno(
                                err, r, "failed to add the default route via %s on %s",
                                inet_ntop(cfg->gateways[i].family, &cfg->gateways[i].addr, text, sizeof(text))
                                        ?: "(invalid)",
                                cfg->ifname);
        }
        return 0;
}

/* Deletes the host end, which deletes the peer in the container too. */
static void host_end_delete(struct nl_sock *sock, const char *name)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = rtnl_link_alloc();

        if (!link)
                return;
        rtnl_link_set_name(link, name);
        (void)rtnl_link_delete(sock, link);
}

int netns_endpoint_add(const struct netns_endpoint_config *cfg, struct error *err)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        int bridge_ifindex, host_ifindex, r;

        r = endpoint_config_check(cfg, err);
        if (r < 0)
                return r;
        r = netns_nl_open(-1, &sock, err);
        if (r < 0)
                return r;
        bridge_ifindex = netns_nl_link_get(sock, cfg->bridge, NULL);
        if (bridge_ifindex < 0)
                return error_set_errno(err, bridge_ifindex, "failed to find the bridge %s", cfg->bridge);

        r = veth_create(sock, bridge_ifindex, cfg);
        r = r < 0 ? netns_nl_errno(r) : 0;
        if (r == -EEXIST)
                return error_set(err, r, "an interface named %s or %s already exists", cfg->host_ifname, cfg->ifname);
        if (r < 0)
                return error_set_errno(err, r, "failed to create the veth pair %s and %s", cfg->host_ifname,
                                       cfg->ifname);

        if (cfg->hairpin) {
                host_ifindex = netns_nl_link_get(sock, cfg->host_ifname, NULL);
                r = host_ifindex < 0 ? host_ifindex : port_set_hairpin(sock, host_ifindex);
                if (r < 0) {
                        error_set_errno(err, r, "failed to set hairpin mode on %s", cfg->host_ifname);
                        goto fail;
                }
        }
        r = peer_configure(cfg, err);
        if (r < 0)
                goto fail;
        return 0;

fail:
        host_end_delete(sock, cfg->host_ifname);
        return r;
}
