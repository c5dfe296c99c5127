/* SPDX-License-Identifier: Apache-2.0 */
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "netns/loopback.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)

int netns_loopback_up(struct error *err)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL, *change = NULL;
        int r;

        sock = nl_socket_alloc();
        if (!sock)
                return -ENOMEM;
        r = nl_connect(sock, NETLINK_ROUTE);
        if (r < 0)
                return error_set(err, -EIO, "failed to open a netlink socket: %s", nl_geterror(r));

        r = rtnl_link_get_kernel(sock, 0, "lo", &link);
        if (r < 0)
                return error_set(err, -ENODEV, "failed to find the loopback interface: %s", nl_geterror(r));
        change = rtnl_link_alloc();
        if (!change)
                return -ENOMEM;
        rtnl_link_set_flags(change, IFF_UP);

        r = rtnl_link_change(sock, link, change, 0);
        if (r < 0)
                return error_set(err, -EIO, "failed to set the loopback interface up: %s", nl_geterror(r));
        return 0;
}
