/* SPDX-License-Identifier: Apache-2.0 */
/* Address pools of networks, with the rules of Docker's default IPAM. */
#include "ipam.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"

static unsigned addr_bits(int family)
{
        return family == AF_INET ? 32 : 128;
}

void ipam_addr_mask(struct netns_addr *addr)
{
        if (addr->family == AF_INET) {
                uint32_t mask = addr->prefixlen == 0 ? 0 : UINT32_MAX << (32 - addr->prefixlen);

                addr->addr.v4.s_addr = htonl(ntohl(addr->addr.v4.s_addr) & mask);
                return;
        }
        for (unsigned i = 0; i < 16; i++) {
                unsigned bit = i * 8;

                if (bit >= addr->prefixlen)
                        addr->addr.v6.s6_addr[i] = 0;
                else if (bit + 8 > addr->prefixlen)
                        addr->addr.v6.s6_addr[i] &= (uint8_t)(0xff << (8 - (addr->prefixlen - bit)));
        }
}

/* The low 64 bits of an IPv6 address, or the IPv4 address. */
static uint64_t addr_low(const struct netns_addr *addr)
{
        uint64_t v = 0;

        if (addr->family == AF_INET)
                return ntohl(addr->addr.v4.s_addr);
        for (unsigned i = 8; i < 16; i++)
                v = (v << 8) | addr->addr.v6.s6_addr[i];
        return v;
}

static void addr_set_low(struct netns_addr *addr, uint64_t v)
{
        if (addr->family == AF_INET) {
                addr->addr.v4.s_addr = htonl((uint32_t)v);
                return;
        }
        for (unsigned i = 16; i-- > 8;) {
                addr->addr.v6.s6_addr[i] = (uint8_t)v;
                v >>= 8;
        }
}

/* The number of host bits that offsets cover, at most 64. */
static unsigned host_bits(const struct netns_addr *subnet)
{
        unsigned bits = addr_bits(subnet->family) - subnet->prefixlen;

        return bits > 64 ? 64 : bits;
}

static uint64_t max_offset(const struct netns_addr *subnet)
{
        unsigned bits = host_bits(subnet);

        return bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

bool ipam_subnets_overlap(const struct netns_addr *a, const struct netns_addr *b)
{
        struct netns_addr x = *a, y = *b;
        unsigned prefix;

        if (a->family != b->family)
                return false;
        prefix = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;
        x.prefixlen = y.prefixlen = prefix;
        ipam_addr_mask(&x);
        ipam_addr_mask(&y);
        return memcmp(&x.addr, &y.addr, x.family == AF_INET ? 4 : 16) == 0;
}

bool ipam_pool_contains(const struct ipam_pool *pool, const struct netns_addr *addr)
{
        struct netns_addr a = *addr;

        if (addr->family != pool->subnet.family)
                return false;
        a.prefixlen = pool->subnet.prefixlen;
        return ipam_subnets_overlap(&a, &pool->subnet);
}

/* The offset of addr in the pool's subnet, which must contain it. Offsets
 * beyond 2^64 of a large IPv6 subnet return false. */
static bool offset_of(const struct ipam_pool *pool, const struct netns_addr *addr, uint64_t *ret)
{
        if (!ipam_pool_contains(pool, addr))
                return false;
        if (pool->subnet.family == AF_INET6 && pool->subnet.prefixlen < 64) {
                struct netns_addr high = *addr;

                high.prefixlen = 64;
                ipam_addr_mask(&high);
                if (memcmp(&high.addr.v6, &pool->subnet.addr.v6, 8) != 0)
                        return false;
        }
        *ret = (addr_low(addr) - addr_low(&pool->subnet)) & max_offset(&pool->subnet);
        return true;
}

static void addr_at(const struct ipam_pool *pool, uint64_t offset, struct netns_addr *ret)
{
        *ret = pool->subnet;
        addr_set_low(ret, addr_low(&pool->subnet) + offset);
}

/* Offsets never given out: the subnet's own address and, for IPv4, its
 * broadcast address. */
static bool offset_reserved(const struct ipam_pool *pool, uint64_t offset)
{
        if (offset == 0)
                return true;
        return pool->subnet.family == AF_INET && offset == max_offset(&pool->subnet) && pool->subnet.prefixlen < 31;
}

int ipam_pool_init(struct ipam_pool *pool, const struct netns_addr *subnet, const struct netns_addr *range,
                   struct error *err)
{
        char text[NETNS_ADDR_FORMAT_MAX];

        *pool = (struct ipam_pool){ .subnet = *subnet };
        ipam_addr_mask(&pool->subnet);
        pool->first = 1;
        pool->last = max_offset(&pool->subnet);
        if (pool->subnet.family == AF_INET && pool->subnet.prefixlen < 31)
                pool->last--;
        if (range) {
                struct netns_addr start = *range, end;

                ipam_addr_mask(&start);
                if (range->family != subnet->family || range->prefixlen < subnet->prefixlen ||
                    !offset_of(pool, &start, &pool->first))
                        return error_set(err, -EINVAL, "invalid pool request: Invalid Address: %s is not in %s",
                                         netns_addr_format(range, text), netns_addr_format(&pool->subnet, text));
                end = start;
                end.prefixlen = range->prefixlen;
                if (max_offset(&end) < pool->last - pool->first)
                        pool->last = pool->first + max_offset(&end);
                if (pool->first == 0)
                        pool->first = 1;
                if (offset_reserved(pool, pool->last) && pool->last > pool->first)
                        pool->last--;
        }
        pool->next = pool->first;
        return 0;
}

void ipam_pool_clear(struct ipam_pool *pool)
{
        free(pool->used);
        pool->used = NULL;
        pool->n_used = pool->allocated = 0;
}

/* The index of offset in used, or where it would go. */
static size_t find_index(const struct ipam_pool *pool, uint64_t offset)
{
        size_t lo = 0, hi = pool->n_used;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (pool->used[mid] < offset)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static bool offset_used(const struct ipam_pool *pool, uint64_t offset)
{
        size_t i = find_index(pool, offset);

        return i < pool->n_used && pool->used[i] == offset;
}

static int insert_offset(struct ipam_pool *pool, uint64_t offset)
{
        size_t i = find_index(pool, offset);

        if (pool->n_used == pool->allocated) {
                size_t n = pool->allocated ? pool->allocated * 2 : 16;
                uint64_t *used = reallocarray(pool->used, n, sizeof(*used));

                if (!used)
                        return -ENOMEM;
                pool->used = used;
                pool->allocated = n;
        }
        memmove(pool->used + i + 1, pool->used + i, (pool->n_used - i) * sizeof(*pool->used));
        pool->used[i] = offset;
        pool->n_used++;
        return 0;
}

bool ipam_pool_in_use(const struct ipam_pool *pool, const struct netns_addr *addr)
{
        uint64_t offset;

        return offset_of(pool, addr, &offset) && offset_used(pool, offset);
}

int ipam_pool_reserve(struct ipam_pool *pool, const struct netns_addr *addr, struct error *err)
{
        char text[INET6_ADDRSTRLEN], subnet[NETNS_ADDR_FORMAT_MAX];
        uint64_t offset;

        if (!offset_of(pool, addr, &offset) || offset_reserved(pool, offset))
                return error_set(err, -EINVAL, "invalid address %s: it is not a usable address of subnet %s",
                                 inet_ntop(addr->family, &addr->addr, text, sizeof(text)),
                                 netns_addr_format(&pool->subnet, subnet));
        if (offset_used(pool, offset))
                return error_set(err, -EEXIST, "Address already in use");
        return insert_offset(pool, offset);
}

int ipam_pool_allocate(struct ipam_pool *pool, struct netns_addr *ret, struct error *err)
{
        uint64_t offset = pool->next;

        if (offset < pool->first || offset > pool->last)
                offset = pool->first;
        /* Serial allocation: the first free offset from next on, wrapping
         * once. The used offsets are sorted, so runs of them are skipped
         * one by one, which is linear in the number of containers. */
        for (int pass = 0; pass < 2; pass++) {
                while (offset <= pool->last && (offset_used(pool, offset) || offset_reserved(pool, offset))) {
                        if (offset == UINT64_MAX)
                                break;
                        offset++;
                }
                if (offset <= pool->last && !offset_used(pool, offset) && !offset_reserved(pool, offset))
                        break;
                offset = pool->first;
                if (pass == 1)
                        return error_set(err, -ENOSPC, "no available addresses in the pool");
        }
        if (insert_offset(pool, offset) < 0)
                return -ENOMEM;
        pool->next = offset == pool->last ? pool->first : offset + 1;
        addr_at(pool, offset, ret);
        return 0;
}

void ipam_pool_release(struct ipam_pool *pool, const struct netns_addr *addr)
{
        uint64_t offset;
        size_t i;

        if (!offset_of(pool, addr, &offset))
                return;
        i = find_index(pool, offset);
        if (i >= pool->n_used || pool->used[i] != offset)
                return;
        memmove(pool->used + i, pool->used + i + 1, (pool->n_used - i - 1) * sizeof(*pool->used));
        pool->n_used--;
}

/* ---- Subnets for new networks ---- */

/* htonl is no constant expression, but GCC folds the byte swap. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HTONL_CONST(x) __builtin_bswap32(x)
#else
#define HTONL_CONST(x) (x)
#endif
#define V4(a, b, c, d)                                                                        \
        {                                                                                     \
                .s_addr = HTONL_CONST(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d)) \
        }
#define POOL16(second)                                                                               \
        {                                                                                            \
                { .family = AF_INET, .addr.v4 = V4(172, second, 0, 0), .prefixlen = 16 }, .size = 16 \
        }

const struct ipam_default_pool ipam_docker_default_pools[] = {
        POOL16(17), POOL16(18),
        POOL16(19), POOL16(20),
        POOL16(21), POOL16(22),
        POOL16(23), POOL16(24),
        POOL16(25), POOL16(26),
        POOL16(27), POOL16(28),
        POOL16(29), POOL16(30),
        POOL16(31), { { .family = AF_INET, .addr.v4 = V4(192, 168, 0, 0), .prefixlen = 16 }, .size = 20 },
};
const size_t ipam_docker_default_pools_count = ARRAY_SIZE(ipam_docker_default_pools);

static bool collides(const struct netns_addr *candidate, const struct netns_addr *taken, size_t n_taken)
{
        for (size_t i = 0; i < n_taken; i++)
                if (taken[i].prefixlen > 0 && ipam_subnets_overlap(candidate, &taken[i]))
                        return true;
        return false;
}

int ipam_pick_subnet(const struct ipam_default_pool *pools, size_t n_pools, const struct netns_addr *taken,
                     size_t n_taken, struct netns_addr *ret, struct error *err)
{
        for (size_t i = 0; i < n_pools; i++) {
                const struct ipam_default_pool *p = &pools[i];
                unsigned shift = p->size - p->base.prefixlen;
                uint64_t count = shift >= 32 ? UINT32_MAX : UINT64_C(1) << shift;

                if (p->base.family != AF_INET || p->size < p->base.prefixlen || p->size > 32)
                        continue;
                for (uint64_t k = 0; k < count; k++) {
                        struct netns_addr candidate = p->base;

                        ipam_addr_mask(&candidate);
                        candidate.prefixlen = p->size;
                        addr_set_low(&candidate, addr_low(&candidate) + (k << (32 - p->size)));
                        if (!collides(&candidate, taken, n_taken)) {
                                *ret = candidate;
                                return 0;
                        }
                }
        }
        return error_set(err, -ENOSPC,
                         "could not find an available, non-overlapping IPv4 address pool among the defaults to assign "
                         "to the network");
}

int ipam_default_pool_parse(json_object *entry, struct ipam_default_pool *ret, struct error *err)
{
        const char *base = json_field_string(entry, "base", "");
        int64_t size = json_field_int(entry, "size", -1);

        if (netns_addr_parse(base, &ret->base) < 0 || ret->base.family != AF_INET)
                return error_set(err, -EINVAL, "invalid default address pool base \"%s\": expected an IPv4 CIDR", base);
        if (size < ret->base.prefixlen || size > 32)
                return error_set(err, -EINVAL, "invalid default address pool size %lld for base %s", (long long)size,
                                 base);
        ret->size = (unsigned)size;
        return 0;
}
