/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"

/*
 * Distribution metadata: the compressed blobs known to hold a layer, by
 * the layer's diff ID, and where each was seen (a registry and a
 * repository). The store keeps layers extracted, so without it every push
 * would compress every layer again. Push and pull record what they
 * transfer; push then checks with the registry whether it still has a known
 * blob (HEAD) or can mount it from another repository.
 *
 * Layout: <data-root>/image/distribution/<diff-id hex>.json, written
 * atomically, {"Blobs":[{"Digest","MediaType","Size","Registry",
 * "Repository"}]}, oldest first, at most DISTRIBUTION_ENTRIES_MAX. An
 * entry outlives its layer, as dockerd's v2metadata does: it is small,
 * and the layer may come back.
 */

struct image_store;

#define DISTRIBUTION_ENTRIES_MAX 50

struct distribution_entry {
        char digest[DIGEST_STRING_MAX]; /* the blob's digest */
        char *media_type;               /* the blob's media type */
        int64_t size;                   /* the blob's size in bytes */
        char *registry;                 /* reference domain: "127.0.0.1:5000", "docker.io" */
        char *repository;               /* path in the registry: "library/busybox" */
};

/* Records that the blob e contains the layer diff_id, as the newest entry:
 * an entry with the same digest, registry and repository is replaced.
 * The oldest entries go beyond DISTRIBUTION_ENTRIES_MAX. */
int image_store_distribution_add(struct image_store *s, const char *diff_id, const struct distribution_entry *e);

/* Returns the entries of diff_id, newest first, in a new array of *ret_n
 * entries (free with distribution_entries_free); none is no error. */
int image_store_distribution_get(struct image_store *s, const char *diff_id, struct distribution_entry **ret,
                                 size_t *ret_n);

/* Forgets that registry/repository has the blob digest of diff_id, after
 * the registry reported that it does not. A missing entry is no error. */
int image_store_distribution_remove(struct image_store *s, const char *diff_id, const char *digest,
                                    const char *registry, const char *repository);

void distribution_entries_free(struct distribution_entry *entries, size_t n);
