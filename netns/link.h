/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* An IPv4 or IPv6 address with a prefix length. */
struct netns_addr {
        int family; /* AF_INET or AF_INET6 */
        union {
                struct in_addr v4;
                struct in6_addr v6;
        } addr;
        unsigned prefixlen;
};

/* Maximum length of netns_addr_format's output, "ffff:...:ffff/128" with
 * its terminating NUL. */
#define NETNS_ADDR_FORMAT_MAX (INET6_ADDRSTRLEN + 4)

/* Parses "10.1.2.3", "10.1.2.0/24" or "fd00::1/64". Without a prefix the
 * prefix length is 32 for IPv4 and 128 for IPv6. Returns 0, or -EINVAL for
 * anything else (surrounding spaces, a prefix out of range, a zone id). */
int netns_addr_parse(const char *s, struct netns_addr *ret);

/* Formats addr as "ADDRESS/PREFIX" into buf, which has room for
 * NETNS_ADDR_FORMAT_MAX bytes. Returns buf, or NULL for an unknown family or
 * a prefix length longer than the address. */
const char *netns_addr_format(const struct netns_addr *addr, char buf[static NETNS_ADDR_FORMAT_MAX]);

struct netns_bridge_config {
        const char *name;               /* e.g. "sockerless0" or "br-<12 hex>" */
        unsigned mtu;                   /* 0 = kernel default */
        const struct netns_addr *addrs; /* gateway addresses with the subnet prefix */
        size_t n_addrs;
        bool enable_ipv6;     /* accept IPv6 addresses; otherwise disable_ipv6=1 */
        bool keep_forwarding; /* leave ip_forward and IPv6 forwarding as they are */
        const char *alias;    /* the interface alias of a bridge created here; NULL for none */
};

/* Creates the bridge when absent, else reuses it. Makes its addresses
 * exactly the given ones (adds the missing ones and removes others it
 * finds), sets the MTU and brings it up. Sets route_localnet=1 on it so DNAT
 * of 127.0.0.1 to a container works, and, unless keep_forwarding, the
 * namespace's net.ipv4.ip_forward=1 (and net.ipv6.conf.all.forwarding=1
 * when enable_ipv6). A reused bridge keeps its alias. Idempotent. */
int netns_bridge_ensure(const struct netns_bridge_config *cfg, struct error *err);

/* Lists the names of the bridges of the current namespace whose interface
 * alias is alias. The caller frees *ret with strv_free(). */
int netns_bridges_list(const char *alias, char ***ret, struct error *err);

/* Deletes the interface name of the current namespace. Returns 0 when it
 * does not exist. */
int netns_link_delete(const char *name, struct error *err);

/* Returns whether the current namespace has an interface named name. */
bool netns_link_exists(const char *name);

struct netns_endpoint_config {
        const char *bridge;             /* the host end is enslaved to this bridge */
        const char *host_ifname;        /* e.g. "veth" + 7 hex chars, <= 15 chars */
        int ns_fd;                      /* the container's network namespace */
        const char *ifname;             /* "eth0", "eth1", ... inside */
        const uint8_t *mac;             /* 6 bytes, or NULL for a random one */
        unsigned mtu;                   /* 0 = kernel default */
        const struct netns_addr *addrs; /* with prefix lengths */
        size_t n_addrs;
        const struct netns_addr *gateways; /* default routes via these; none for --internal */
        size_t n_gateways;
        bool hairpin; /* hairpin mode on the bridge port */
};

/* Creates the veth pair with the peer directly in ns_fd (never moved there
 * afterwards) with its name, MAC and MTU, and the host end enslaved to the
 * bridge and up, in one request. Then sets hairpin mode, sets the peer up
 * and adds its addresses and default routes. On any failure deletes the
 * pair. */
int netns_endpoint_add(const struct netns_endpoint_config *cfg, struct error *err);

/* Deletes the host end, which deletes the peer. Returns 0 when absent.
 * NOTE: the kernel waits for RCU grace periods while it deletes a veth pair,
 * a median of 30 ms in bench/netns-bench.c (2-CPU VM, Linux 6.18). Removing
 * the container's namespace instead lets the kernel delete the pair in the
 * background once the last reference to the namespace is gone. */
int netns_endpoint_remove(const char *host_ifname, struct error *err);

/* Deletes the interface ifname inside the namespace ns_fd. Returns 0 when
 * it does not exist. */
int netns_link_delete_in(int ns_fd, const char *ifname, struct error *err);

/* Lists the destinations (address and prefix) of the IPv4 and IPv6 routes
 * of the main table of the current namespace, default routes excepted, so
 * the engine can pick a subnet that collides with none. The caller frees
 * *ret with free(). */
int netns_routes_list(struct netns_addr **ret, size_t *n, struct error *err);
