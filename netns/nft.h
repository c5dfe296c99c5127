/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * Sockerless's nftables rules for bridge networks: NAT for outbound traffic,
 * published ports, and isolation between networks. The caller describes the
 * complete state it wants and nft_ruleset_apply replaces Sockerless's own
 * `inet` table with it in one nftables transaction. So there is no moment
 * without rules, and applying the same description again (after a daemon
 * restart, say) leaves no duplicates. No other table is read or changed.
 */

struct netns_addr; /* netns/link.h: family, addr.v4 or addr.v6, prefixlen */

struct nft_network {
        const char *bridge;               /* interface name of the network's bridge */
        const struct netns_addr *subnets; /* IPv4 and/or IPv6 subnets, with prefix lengths */
        size_t n_subnets;
        bool internal;   /* no traffic in or out of the bridge except to itself */
        bool icc;        /* containers on this bridge may reach each other */
        bool masquerade; /* SNAT traffic from the subnets leaving through other interfaces */
        /* NULL. Reserved for com.docker.network.bridge.host_binding_ipv4 and
         * ignored for now. */
        const char *host_binding_ipv4;
};

/* A published port range: host_port_first..host_port_last maps one to one
 * onto container_port_first and the ports after it. */
struct nft_port {
        int family;         /* AF_INET or AF_INET6 */
        int protocol;       /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
        bool host_addr_any; /* 0.0.0.0 or ::, any local address */
        union {
                struct in_addr v4;
                struct in6_addr v6;
        } host_addr; /* used unless host_addr_any */
        uint16_t host_port_first, host_port_last;
        union {
                struct in_addr v4;
                struct in6_addr v6;
        } container_addr;
        uint16_t container_port_first;
        const char *bridge; /* the container's bridge, which a network of the ruleset must have */
};

struct nft_ruleset {
        const char *table; /* NULL means NFT_TABLE_DEFAULT */
        const struct nft_network *networks;
        size_t n_networks;
        const struct nft_port *ports;
        size_t n_ports;
};

#define NFT_TABLE_DEFAULT "sockerless"

/* Replaces the inet table rs->table with the rules for rs in one nftables
 * transaction. Returns 0, -EINVAL for an invalid description, or the
 * negative errno from the kernel (-EPERM without CAP_NET_ADMIN). */
int nft_ruleset_apply(const struct nft_ruleset *rs, struct error *err);

/* Deletes the inet table `table` (NULL means NFT_TABLE_DEFAULT). Returns 0
 * when it is absent too. */
int nft_table_remove(const char *table, struct error *err);
