/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* "sha256:" + 64 hex + NUL */
#define DIGEST_STRING_MAX 72
#define DIGEST_PREFIX     "sha256:"

/* An incremental sha256 (Nettle's struct sha256_ctx, see digest.c). */
struct digester {
        struct sha256_ctx *ctx;
};

int digester_init(struct digester *d);
void digester_update(struct digester *d, const void *data, size_t len);
/* Writes "sha256:<hex>" into ret (DIGEST_STRING_MAX bytes) and resets d. */
int digester_final(struct digester *d, char *ret);
void digester_done(struct digester *d);

static inline void digester_donep(struct digester *d)
{
        digester_done(d);
}

#define _cleanup_digester_ _cleanup_(digester_donep)

/* Writes "sha256:<hex>" of data into ret (DIGEST_STRING_MAX bytes). */
int digest_buffer(const void *data, size_t len, char *ret);

/* Tells whether s is "sha256:" followed by 64 lowercase hex characters. */
bool digest_is_sha256(const char *s);

/* Returns the hex part of a "sha256:<hex>" digest, or s itself when it has
 * no "sha256:" prefix. */
const char *digest_hex(const char *s);

/* Computes a layer's chain ID (OCI image spec): the diff ID for the base
 * layer, else sha256 of "<parent chain ID> <diff ID>". parent may be NULL. */
int digest_chain_id(const char *parent, const char *diff_id, char *ret);
