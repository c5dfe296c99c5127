/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "error.h"
#include "netns/link.h"

/*
 * Address management of one subnet, as Docker's default IPAM driver does
 * it: the subnet's first address (and for IPv4 its broadcast address) is
 * never given out, and allocation is serial, so the next address is the
 * first free one after the last allocated, wrapping around at the end of
 * the range. Addresses are kept as offsets from the subnet's base. An IPv6
 * subnet larger than /64 is used in its first 2^64 addresses only.
 */
struct ipam_pool {
        struct netns_addr subnet; /* base address (host bits zero) and prefix */
        uint64_t first, last;     /* the allocatable offsets: the IP range, or the subnet */
        uint64_t next;            /* where serial allocation resumes */
        uint64_t *used;           /* allocated offsets, sorted */
        size_t n_used, allocated;
};

/* Sets up pool for subnet (host bits are cleared), allocating only in range
 * when range is not NULL. -EINVAL with Docker's message when range is not
 * inside subnet or a family differs. */
int ipam_pool_init(struct ipam_pool *pool, const struct netns_addr *subnet, const struct netns_addr *range,
                   struct error *err);
void ipam_pool_clear(struct ipam_pool *pool);

/* Tells whether addr lies in the pool's subnet. */
bool ipam_pool_contains(const struct ipam_pool *pool, const struct netns_addr *addr);

/* Marks addr allocated; addr may lie anywhere in the subnet but on its
 * first or broadcast address. -EEXIST "Address already in use" when taken,
 * -EINVAL when outside the subnet. The prefix length of addr is ignored. */
int ipam_pool_reserve(struct ipam_pool *pool, const struct netns_addr *addr, struct error *err);

/* Allocates the next free address of the range into *ret (with the
 * subnet's prefix length). -ENOSPC when the range is full. */
int ipam_pool_allocate(struct ipam_pool *pool, struct netns_addr *ret, struct error *err);

/* Frees addr; nothing happens when it is not allocated. */
void ipam_pool_release(struct ipam_pool *pool, const struct netns_addr *addr);

/* Tells whether addr is allocated. */
bool ipam_pool_in_use(const struct ipam_pool *pool, const struct netns_addr *addr);

/* Clears the host bits of addr beyond its prefix length. */
void ipam_addr_mask(struct netns_addr *addr);

/* Tells whether the subnets a and b overlap (same family, one contains
 * the other's base). */
bool ipam_subnets_overlap(const struct netns_addr *a, const struct netns_addr *b);

/* One entry of "default-address-pools": subnets of size bits carved from base. */
struct ipam_default_pool {
        struct netns_addr base;
        unsigned size;
};

/* Docker 20.10's default pools: 172.17.0.0/16 to 172.31.0.0/16, then
 * 192.168.0.0/16 in /20 subnets. */
extern const struct ipam_default_pool ipam_docker_default_pools[];
extern const size_t ipam_docker_default_pools_count;

/* Picks the first subnet of the pools (in order) that overlaps none of
 * taken (the subnets of existing networks and the routes of the daemon's
 * namespace). A default route (prefix 0) collides with nothing. -ENOSPC
 * "could not find an available, non-overlapping IPv4 address pool among
 * the defaults to assign to the network" when none is left. */
int ipam_pick_subnet(const struct ipam_default_pool *pools, size_t n_pools, const struct netns_addr *taken,
                     size_t n_taken, struct netns_addr *ret, struct error *err);

/* Parses one "default-address-pools" entry {"base": "CIDR", "size": N}. */
int ipam_default_pool_parse(json_object *entry, struct ipam_default_pool *ret, struct error *err);
