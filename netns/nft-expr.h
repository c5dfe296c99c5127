/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <libnftnl/rule.h>
#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Builders of nftables expressions, one per kind of match or action. Each
 * appends the expressions to rule r and returns 0 or -ENOMEM. A match
 * loads a value into register 1 and compares it, so matches can follow
 * each other in any order.
 */

/* meta iifname or oifname (key NFT_META_IIFNAME or NFT_META_OIFNAME),
 * compared with NFT_CMP_EQ or NFT_CMP_NEQ. */
int nft_expr_ifname(struct nftnl_rule *r, uint32_t key, enum nft_cmp_ops op, const char *name);

/* meta iifname or oifname looked up in the named set, or not in it when
 * inverted. */
int nft_expr_ifname_in_set(struct nftnl_rule *r, uint32_t key, const char *set, uint32_t set_id, bool invert);

/* meta nfproto: family is AF_INET or AF_INET6. */
int nft_expr_nfproto(struct nftnl_rule *r, int family);

/* meta l4proto: protocol is an IPPROTO_ value. */
int nft_expr_l4proto(struct nftnl_rule *r, uint8_t protocol);

/* ip or ip6 saddr/daddr within addr/prefixlen (addr is a struct in_addr or
 * struct in6_addr). Follows an nfproto match of the same family. */
int nft_expr_addr(struct nftnl_rule *r, int family, bool source, const void *addr, unsigned prefixlen);

/* The destination port of TCP, UDP or SCTP (all at offset 2) in
 * first..last. Follows an l4proto match. */
int nft_expr_dport(struct nftnl_rule *r, uint16_t first, uint16_t last);

/* ct state: any bit of mask (NF_CT_STATE_BIT values) set. */
int nft_expr_ct_state(struct nftnl_rule *r, uint32_t mask);

/* ct status: any bit of mask (IPS_ values) set. */
int nft_expr_ct_status(struct nftnl_rule *r, uint32_t mask);

/* fib daddr type local: the destination is an address of this host. */
int nft_expr_fib_daddr_local(struct nftnl_rule *r);

/* A verdict: NF_ACCEPT, NF_DROP, or NFT_JUMP with chain. */
int nft_expr_verdict(struct nftnl_rule *r, int verdict, const char *chain);

/* dnat to addr (struct in_addr or struct in6_addr), and to port unless it
 * is 0, which keeps the destination port. */
int nft_expr_dnat(struct nftnl_rule *r, int family, const void *addr, uint16_t port);

int nft_expr_masquerade(struct nftnl_rule *r);
