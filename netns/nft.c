/* SPDX-License-Identifier: Apache-2.0 */
#include <netinet/in.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>

#include "netns/nft-rules.h"
#include "netns/nft-transaction.h"
#include "netns/nft.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nftnl_table *, nftnl_table_free)

/* The table, deleted and added again, so the batch replaces it whether it
 * exists or not: adding an existing table without NLM_F_EXCL succeeds. */
static void add_table_replacement(struct nft_transaction *t, struct nftnl_table *table, bool add_again)
{
        nftnl_table_nlmsg_build_payload(nft_transaction_message(t, NFT_MSG_NEWTABLE, NLM_F_CREATE,
                                                                nftnl_table_get_str(table, NFTNL_TABLE_NAME)),
                                        table);
        nftnl_table_nlmsg_build_payload(
                nft_transaction_message(t, NFT_MSG_DELTABLE, 0, nftnl_table_get_str(table, NFTNL_TABLE_NAME)), table);
        if (add_again)
                nftnl_table_nlmsg_build_payload(nft_transaction_message(t, NFT_MSG_NEWTABLE, NLM_F_CREATE,
                                                                        nftnl_table_get_str(table, NFTNL_TABLE_NAME)),
                                                table);
}

static void add_plan(struct nft_transaction *t, const struct nft_plan *plan)
{
        struct nlmsghdr *nlh;

        for (int i = 0; i < NFT_CHAIN_COUNT; i++) {
                nlh = nft_transaction_message(t, NFT_MSG_NEWCHAIN, NLM_F_CREATE,
                                              nftnl_chain_get_str(plan->chains[i], NFTNL_CHAIN_NAME));
                nftnl_chain_nlmsg_build_payload(nlh, plan->chains[i]);
        }

        nlh = nft_transaction_message(t, NFT_MSG_NEWSET, NLM_F_CREATE, NFT_SET_BRIDGES);
        nftnl_set_nlmsg_build_payload(nlh, plan->bridges);
        /* The kernel rejects an element message without elements. */
        if (plan->n_bridges > 0) {
                nlh = nft_transaction_message(t, NFT_MSG_NEWSETELEM, NLM_F_CREATE, NFT_SET_BRIDGES);
                nftnl_set_elems_nlmsg_build_payload(nlh, plan->bridges);
        }

        for (size_t i = 0; i < plan->n_rules; i++) {
                const char *chain = nftnl_rule_get_str(plan->rules[i], NFTNL_RULE_CHAIN);

                nlh = nft_transaction_message(t, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, chain);
                nftnl_rule_nlmsg_build_payload(nlh, plan->rules[i]);
        }
}

int nft_ruleset_apply(const struct nft_ruleset *rs, struct error *err)
{
        _cleanup_(nft_transaction_done) struct nft_transaction t = { 0 };
        _cleanup_(nft_plan_done) struct nft_plan plan = { 0 };
        const char *table = rs->table ? rs->table : NFT_TABLE_DEFAULT;
        int k;

        k = nft_plan_build(rs, &plan, err);
        if (k < 0)
                return k;

        /* table three times, the chains, the set and its elements, the rules */
        k = nft_transaction_begin(&t, 3 + NFT_CHAIN_COUNT + 2 + plan.n_rules);
        if (k < 0)
                return error_set(err, k, "out of memory building the nftables batch");
        add_table_replacement(&t, plan.table, true);
        add_plan(&t, &plan);
        return nft_transaction_commit(&t, table, err);
}

int nft_table_remove(const char *table, struct error *err)
{
        _cleanup_(nft_transaction_done) struct nft_transaction t = { 0 };
        _cleanup_(nftnl_table_freep) struct nftnl_table *object = NULL;
        int k;

        if (!table)
                table = NFT_TABLE_DEFAULT;
        if (!table[0])
                return error_set(err, -EINVAL, "nftables table name is empty");

        object = nft_table_new(table);
        if (!object)
                return error_set(err, -ENOMEM, "out of memory building the nftables batch");
        k = nft_transaction_begin(&t, 2);
        if (k < 0)
                return error_set(err, k, "out of memory building the nftables batch");
        add_table_replacement(&t, object, false);
        return nft_transaction_commit(&t, table, err);
}
