/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <libnftnl/batch.h>
#include <libnftnl/table.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A message of a batch: its type (NFT_MSG_NEWRULE, say) and the name of its
 * object (the chain of a rule). */
struct nft_message_info {
        uint16_t type;
        const char *name;
};

/* An nftables batch: messages between a batch begin and a batch end, sent
 * in one sendmsg and applied by the kernel as one transaction. */
struct nft_transaction {
        struct nftnl_batch *batch;
        int error;          /* -ENOMEM once the batch could not grow */
        bool pending;       /* a message was started and not yet committed to the batch */
        uint32_t seq_first; /* sequence number of the first message after the batch begin */
        uint32_t seq;       /* sequence number of the next message */
        struct nlmsghdr *last;
        /* The messages' types and object names for error messages, indexed
         * by seq - seq_first. */
        struct nft_message_info *messages;
        size_t n_messages, max_messages;
};

/* Starts a batch for up to max_messages messages. Returns 0 or -ENOMEM. */
int nft_transaction_begin(struct nft_transaction *t, size_t max_messages);

/* Starts the next message of the batch, family inet, and returns its header
 * for the caller to add its payload to. name is the name of the table,
 * chain or set the message changes (the chain for a rule), for error
 * messages, and must stay valid until nft_transaction_commit returns. */
struct nlmsghdr *nft_transaction_message(struct nft_transaction *t, uint16_t type, uint16_t flags, const char *name);

/* Ends the batch, sends it on a new netlink socket and reads the kernel's
 * replies: errors for failed messages and an acknowledgement of the last
 * one. Returns 0 when the kernel committed the transaction, else the first
 * failure's negative errno with a message naming `table`. */
int nft_transaction_commit(struct nft_transaction *t, const char *table, struct error *err);

void nft_transaction_done(struct nft_transaction *t);
