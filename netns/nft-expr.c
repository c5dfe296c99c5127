/* SPDX-License-Identifier: Apache-2.0 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>

#include "netns/nft-expr.h"

/* Registers: NFT_REG_1 is 16 bytes wide, so it fits an IPv6 address. */
#define REG_VALUE NFT_REG_1
#define REG_PORT  NFT_REG_2

static struct nftnl_expr *expr_append(struct nftnl_rule *r, const char *name)
{
        struct nftnl_expr *e = nftnl_expr_alloc(name);

        if (e)
                nftnl_rule_add_expr(r, e);
        return e;
}

static int expr_meta_load(struct nftnl_rule *r, uint32_t key)
{
        struct nftnl_expr *e = expr_append(r, "meta");

        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, REG_VALUE);
        return 0;
}

static int expr_payload_load(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
        struct nftnl_expr *e = expr_append(r, "payload");

        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, REG_VALUE);
        return 0;
}

static int expr_cmp(struct nftnl_rule *r, enum nft_cmp_ops op, const void *data, uint32_t len)
{
        struct nftnl_expr *e = expr_append(r, "cmp");

        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, REG_VALUE);
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
        nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
        return 0;
}

/* register 1 &= mask (len bytes), as nft writes `ct state established`. */
static int expr_bitwise_and(struct nftnl_rule *r, const void *mask, uint32_t len)
{
        static const uint8_t zero[16];
        struct nftnl_expr *e = expr_append(r, "bitwise");

        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, REG_VALUE);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, REG_VALUE);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
        nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
        nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
        return 0;
}

int nft_expr_ifname(struct nftnl_rule *r, uint32_t key, enum nft_cmp_ops op, const char *name)
{
        char padded[IFNAMSIZ] = { 0 };
        int k;

        strncpy(padded, name, sizeof(padded) - 1);
        k = expr_meta_load(r, key);
        if (k < 0)
                return k;
        return expr_cmp(r, op, padded, sizeof(padded));
}

int nft_expr_ifname_in_set(struct nftnl_rule *r, uint32_t key, const char *set, uint32_t set_id, bool invert)
{
        struct nftnl_expr *e;
        int k;

        k = expr_meta_load(r, key);
        if (k < 0)
                return k;
        e = expr_append(r, "lookup");
        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, REG_VALUE);
        nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
        nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
        if (invert)
                nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
        return 0;
}

int nft_expr_nfproto(struct nftnl_rule *r, int family)
{
        uint8_t proto = family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
        int k;

        k = expr_meta_load(r, NFT_META_NFPROTO);
        if (k < 0)
                return k;
        return expr_cmp(r, NFT_CMP_EQ, &proto, sizeof(proto));
}

int nft_expr_l4proto(struct nftnl_rule *r, uint8_t protocol)
{
        int k;

        k = expr_meta_load(r, NFT_META_L4PROTO);
        if (k < 0)
                return k;
        return expr_cmp(r, NFT_CMP_EQ, &protocol, sizeof(protocol));
}

/* Writes the network mask of prefixlen bits over len bytes. */
static void prefix_mask(uint8_t *mask, uint32_t len, unsigned prefixlen)
{
        for (uint32_t i = 0; i < len; i++) {
                unsigned bits = prefixlen > 8 * i ? prefixlen - 8 * i : 0;

                mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
        }
}

int nft_expr_addr(struct nftnl_rule *r, int family, bool source, const void *addr, unsigned prefixlen)
{
        /* Offsets of the source address in the IPv4 and IPv6 headers. The
         * destination address follows it. */
        uint32_t len = family == AF_INET6 ? 16 : 4;
        uint32_t offset = family == AF_INET6 ? 8 : 12;
        uint8_t mask[16], value[16];
        int k;

        if (!source)
                offset += len;
        k = expr_payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, offset, len);
        if (k < 0)
                return k;

        memcpy(value, addr, len);
        if (prefixlen < 8 * len) {
                prefix_mask(mask, len, prefixlen);
                for (uint32_t i = 0; i < len; i++)
                        value[i] &= mask[i];
                k = expr_bitwise_and(r, mask, len);
                if (k < 0)
                        return k;
        }
        return expr_cmp(r, NFT_CMP_EQ, value, len);
}

int nft_expr_dport(struct nftnl_rule *r, uint16_t first, uint16_t last)
{
        uint16_t from = htons(first), to = htons(last);
        struct nftnl_expr *e;
        int k;

        k = expr_payload_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, sizeof(uint16_t));
        if (k < 0)
                return k;
        if (first == last)
                return expr_cmp(r, NFT_CMP_EQ, &from, sizeof(from));

        e = expr_append(r, "range");
        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, REG_VALUE);
        nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
        nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, &from, sizeof(from));
        nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, &to, sizeof(to));
        return 0;
}

/* ct KEY & mask != 0, for the bit fields ct state and ct status, which the
 * kernel keeps in host byte order. */
static int expr_ct_bits(struct nftnl_rule *r, uint32_t key, uint32_t mask)
{
        const uint32_t zero = 0;
        struct nftnl_expr *e;
        int k;

        e = expr_append(r, "ct");
        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
        nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, REG_VALUE);
        k = expr_bitwise_and(r, &mask, sizeof(mask));
        if (k < 0)
                return k;
        return expr_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
}

int nft_expr_ct_state(struct nftnl_rule *r, uint32_t mask)
{
        return expr_ct_bits(r, NFT_CT_STATE, mask);
}

int nft_expr_ct_status(struct nftnl_rule *r, uint32_t mask)
{
        return expr_ct_bits(r, NFT_CT_STATUS, mask);
}

int nft_expr_fib_daddr_local(struct nftnl_rule *r)
{
        const uint32_t local = RTN_LOCAL;
        struct nftnl_expr *e = expr_append(r, "fib");

        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
        nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
        nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, REG_VALUE);
        return expr_cmp(r, NFT_CMP_EQ, &local, sizeof(local));
}

int nft_expr_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
        struct nftnl_expr *e = expr_append(r, "immediate");

        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
        if (chain)
                nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
        return 0;
}

static int expr_immediate(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
        struct nftnl_expr *e = expr_append(r, "immediate");

        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
        nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
        return 0;
}

int nft_expr_dnat(struct nftnl_rule *r, int family, const void *addr, uint16_t port)
{
        uint16_t port_be = htons(port);
        struct nftnl_expr *e;
        int k;

        k = expr_immediate(r, REG_VALUE, addr, family == AF_INET6 ? 16 : 4);
        if (k < 0)
                return k;
        if (port != 0) {
                k = expr_immediate(r, REG_PORT, &port_be, sizeof(port_be));
                if (k < 0)
                        return k;
        }

        e = expr_append(r, "nat");
        if (!e)
                return -ENOMEM;
        nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
        nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
        nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, REG_VALUE);
        if (port != 0)
                nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, REG_PORT);
        return 0;
}

int nft_expr_masquerade(struct nftnl_rule *r)
{
        return expr_append(r, "masq") ? 0 : -ENOMEM;
}
