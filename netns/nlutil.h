/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Helpers shared by the netlink code of netns/, not part of its interface. */

#include <netlink/addr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "netns/link.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_addr *, rtnl_addr_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_route *, rtnl_route_put)

/* Opens a NETLINK_ROUTE socket in the network namespace ns_fd, or in the
 * calling thread's namespace when ns_fd is -1. */
int netns_nl_open(int ns_fd, struct nl_sock **ret, struct error *err);

/* Converts a libnl error code (negative NLE_*) to a negative errno: the
 * kernel's own errno when the failure was an error message from the kernel
 * on a socket of netns_nl_open, else the closest errno. */
int netns_nl_errno(int nl_error);

/* Builds the libnl form of addr, prefix length included. */
int netns_nl_addr(const struct netns_addr *addr, struct nl_addr **ret);

/* Checks that name fits IFNAMSIZ and is a valid interface name. */
bool netns_ifname_is_valid(const char *name);

/* Finds the interface name of the socket's namespace. Returns its index,
 * -ENODEV when it does not exist, or another negative errno. The link
 * itself is stored in *ret_link when that is not NULL. */
int netns_nl_link_get(struct nl_sock *sock, const char *name, struct rtnl_link **ret_link);

/* Sets the interface name of the socket's namespace up. Returns its index
 * or a negative errno (-ENODEV when it does not exist). */
int netns_nl_link_set_up(struct nl_sock *sock, const char *name);

/* Adds addr to the interface ifindex. IPv6 addresses skip duplicate
 * address detection, so they are usable at once. */
int netns_nl_addr_add(struct nl_sock *sock, int ifindex, const struct netns_addr *addr);
