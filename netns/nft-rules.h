/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "netns/nft.h"

/* The chains of Sockerless's table, in the order they are added. */
enum nft_chain_id {
        NFT_CHAIN_PREROUTING,      /* nat, prerouting, dstnat (-100) */
        NFT_CHAIN_OUTPUT,          /* nat, output, -100 */
        NFT_CHAIN_POSTROUTING,     /* nat, postrouting, srcnat (100) */
        NFT_CHAIN_FORWARD,         /* filter, forward, 0 */
        NFT_CHAIN_PUBLISHED_PORTS, /* regular chain with the DNAT rules */
        NFT_CHAIN_COUNT,
};

/* The name of the set of all Sockerless bridge names. */
#define NFT_SET_BRIDGES    "bridges"
#define NFT_SET_BRIDGES_ID 1

/* The netlink objects of a whole table, built from a struct nft_ruleset
 * without talking to the kernel. */
struct nft_plan {
        struct nftnl_table *table;
        struct nftnl_chain *chains[NFT_CHAIN_COUNT];
        struct nftnl_set *bridges;
        size_t n_bridges;          /* elements of the bridge set */
        struct nftnl_rule **rules; /* each chain's rules in the order of the chain */
        size_t n_rules;
};

/* Checks rs and builds its table, chains, set and rules into plan.
 * Returns 0, -EINVAL with a message for an invalid description, or
 * -ENOMEM. On failure plan is left empty. */
int nft_plan_build(const struct nft_ruleset *rs, struct nft_plan *plan, struct error *err);

/* Frees what nft_plan_build allocated. */
void nft_plan_done(struct nft_plan *plan);

/* Returns the name of chain id, as it appears in `nft list table`. */
const char *nft_chain_name(enum nft_chain_id id);

/* Returns a table named `name` of family inet, or NULL when out of memory. */
struct nftnl_table *nft_table_new(const char *name);
