/* SPDX-License-Identifier: Apache-2.0 */
#include <linux/if_addr.h>
#include <net/if.h>
#include <sys/socket.h>

#include "netns/netns.h"
#include "netns/nlutil.h"

/* The errno of the last error message the kernel sent to this thread's
 * netlink sockets, which libnl would map to a coarser NLE_* code. */
static _Thread_local int kernel_errno;

static int record_kernel_error(struct sockaddr_nl *sender _unused_, struct nlmsgerr *e, void *arg _unused_)
{
        kernel_errno = e->error;
        return NL_STOP;
}

int netns_nl_errno(int nl_error)
{
        int k = kernel_errno;

        kernel_errno = 0;
        if (nl_error == 0)
                return 0;
        if (k < 0)
                return k;

        switch (nl_error < 0 ? -nl_error : nl_error) {
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_EXIST:
                return -EEXIST;
        case NLE_NODEV:
                return -ENODEV;
        case NLE_OBJ_NOTFOUND:
                return -ENOENT;
        case NLE_INVAL:
        case NLE_MSG_TOOSHORT:
                return -EINVAL;
        case NLE_PERM:
                return -EPERM;
        case NLE_BUSY:
                return -EBUSY;
        case NLE_RANGE:
                return -ERANGE;
        case NLE_NOADDR:
                return -EADDRNOTAVAIL;
        case NLE_OPNOTSUPP:
                return -EOPNOTSUPP;
        case NLE_AF_NOSUPPORT:
                return -EAFNOSUPPORT;
        case NLE_NOACCESS:
                return -EACCES;
        default:
                return -EIO;
        }
}

int netns_nl_open(int ns_fd, struct nl_sock **ret, struct error *err)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        _cleanup_close_ int fd = -1;
        struct sockaddr_nl local = { .nl_family = AF_NETLINK };
        int r;

        sock = nl_socket_alloc();
        if (!sock)
                return -ENOMEM;
        kernel_errno = 0;
        r = nl_socket_modify_err_cb(sock, NL_CB_CUSTOM, record_kernel_error, NULL);
        if (r < 0)
                return -ENOMEM;

        if (ns_fd < 0) {
                r = nl_connect(sock, NETLINK_ROUTE);
                if (r < 0)
                        return error_set_errno(err, netns_nl_errno(r), "failed to open a netlink socket");
                *ret = TAKE_PTR(sock);
                return 0;
        }

        fd = netns_socket(ns_fd, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open a netlink socket in the container's network namespace");
        /* Port 0 lets the kernel pick the port, which libnl then reads back. */
        if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
                return error_set_errno(err, negative_errno(), "failed to bind a netlink socket");
        r = nl_socket_set_fd(sock, NETLINK_ROUTE, fd);
        if (r < 0)
                return error_set(err, netns_nl_errno(r), "failed to set up a netlink socket");
        fd = -1; /* now owned by sock */

        *ret = TAKE_PTR(sock);
        return 0;
}

int netns_nl_addr(const struct netns_addr *addr, struct nl_addr **ret)
{
        struct nl_addr *a;

        if (addr->family == AF_INET && addr->prefixlen <= 32)
                a = nl_addr_build(AF_INET, &addr->addr.v4, sizeof(addr->addr.v4));
        else if (addr->family == AF_INET6 && addr->prefixlen <= 128)
                a = nl_addr_build(AF_INET6, &addr->addr.v6, sizeof(addr->addr.v6));
        else
                return -EINVAL;
        if (!a)
                return -ENOMEM;

        nl_addr_set_prefixlen(a, (int)addr->prefixlen);
        *ret = a;
        return 0;
}

bool netns_ifname_is_valid(const char *name)
{
        size_t len;

        if (isempty(name))
                return false;
        len = strlen(name);
        if (len >= IFNAMSIZ || streq(name, ".") || streq(name, ".."))
                return false;
        /* The kernel's dev_valid_name also rejects '/', ':' and white space. */
        for (const char *p = name; *p; p++)
                if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
                        return false;
        return true;
}

int netns_nl_link_get(struct nl_sock *sock, const char *name, struct rtnl_link **ret_link)
{
        struct rtnl_link *link = NULL;
        int r, ifindex;

        r = rtnl_link_get_kernel(sock, 0, name, &link);
        if (r < 0) {
                r = netns_nl_errno(r);
                return r == -ENOENT ? -ENODEV : r;
        }

        ifindex = rtnl_link_get_ifindex(link);
        if (ret_link)
                *ret_link = link;
        else
                rtnl_link_put(link);
        return ifindex;
}

int netns_nl_link_set_up(struct nl_sock *sock, const char *name)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL, *change = NULL;
        int ifindex, r;

        ifindex = netns_nl_link_get(sock, name, &link);
        if (ifindex < 0)
                return ifindex;
        change = rtnl_link_alloc();
        if (!change)
                return -ENOMEM;
        rtnl_link_set_flags(change, IFF_UP);

        r = rtnl_link_change(sock, link, change, 0);
        return r < 0 ? netns_nl_errno(r) : ifindex;
}

/* Returns the IPv4 broadcast address of addr's subnet, as iproute2's
 * "brd +" computes it. */
static struct in_addr ipv4_broadcast(const struct netns_addr *addr)
{
        uint32_t host_mask = addr->prefixlen >= 32 ? 0 : UINT32_MAX >> addr->prefixlen;

        return (struct in_addr){ .s_addr = addr->addr.v4.s_addr | htonl(host_mask) };
}

int netns_nl_addr_add(struct nl_sock *sock, int ifindex, const struct netns_addr *addr)
{
        _cleanup_(rtnl_addr_putp) struct rtnl_addr *object = NULL;
        _cleanup_(nl_addr_putp) struct nl_addr *local = NULL, *broadcast = NULL;
        int r;

        r = netns_nl_addr(addr, &local);
        if (r < 0)
                return r;
        object = rtnl_addr_alloc();
        if (!object)
                return -ENOMEM;
        rtnl_addr_set_ifindex(object, ifindex);
        r = rtnl_addr_set_local(object, local);
        if (r < 0)
                return netns_nl_errno(r);

        if (addr->family == AF_INET && addr->prefixlen < 31) {
                struct in_addr brd = ipv4_broadcast(addr);

                broadcast = nl_addr_build(AF_INET, &brd, sizeof(brd));
                if (!broadcast)
                        return -ENOMEM;
                r = rtnl_addr_set_broadcast(object, broadcast);
                if (r < 0)
                        return netns_nl_errno(r);
        }
        if (addr->family == AF_INET6)
                rtnl_addr_set_flags(object, IFA_F_NODAD);

        r = rtnl_addr_add(sock, object, NLM_F_REPLACE);
        return r < 0 ? netns_nl_errno(r) : 0;
}
