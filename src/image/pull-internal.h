/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdatomic.h>

#include "manifest.h"
#include "pull.h"
#include "reference.h"
#include "store-internal.h"

#define PULL_DEFAULT_CONCURRENT_DOWNLOADS 3
#define PULL_DEFAULT_DOWNLOAD_ATTEMPTS    5
/* Pages of a tag list that a pull of every tag follows at most, against a
 * registry whose Link headers loop. dockerd has no such limit. */
#define PULL_TAG_LIST_MAX_PAGES 1000

struct image_pull {
        struct image_store *store;
        struct registry_context *ctx;
        struct registry_client *client; /* of the endpoint that served the manifest */
        struct reference ref;           /* normalized, with a tag or a digest */
        char *repository;               /* the path in the registry: "library/busybox" */
        char *familiar;                 /* "busybox:latest", for messages */
        char *familiar_name;            /* "busybox" */
        char *tag_or_digest;            /* the id of "Pulling from" */
        struct platform platform;
        bool platform_given;
        unsigned max_parallel;
        unsigned max_attempts;

        /* Every tag of the repository, in the registry's order, for a
         * pull that names no tag or digest. ref then has the tag being
         * pulled. NULL for a pull of one reference. */
        char **tags;
        size_t tag_index;

        /* The manifest the name points to, and its digest. */
        struct manifest manifest;
        char manifest_digest[DIGEST_STRING_MAX];

        image_pull_write_fn write;
        void *write_userdata;
        atomic_bool client_gone;
};

/* Writes one message of the progress stream; a client that has gone is
 * remembered in client_gone. */
void pull_write(struct image_pull *p, char *line);
void pull_status(struct image_pull *p, const char *status);
void pull_progress(struct image_pull *p, const char *id, const char *action, int64_t current, int64_t total);

/* Fetches a manifest by tag or digest from the pull's repository into
 * *ret, verifying it against expected_digest when that is set. The digest
 * of the bytes goes to ret_digest. */
int pull_fetch_manifest(struct registry_client *c, const char *repository, const char *tag_or_digest,
                        const char *expected_digest, struct manifest *ret, char *ret_digest, struct error *err);

/* Downloads and extracts the layers of manifest m whose config lists
 * diff_ids: layers already in the store are reused, the others are
 * downloaded in parallel and extracted in order. Returns the layers with
 * one reference each (lowest first) in *ret. */
int pull_layers(struct image_pull *p, const struct manifest *m, char *const *diff_ids, struct layer ***ret,
                struct error *err);

/* Appends the tags of one page of a tag list (the JSON body of GET
 * /v2/<name>/tags/list) to *tags. -EBADMSG with a message for a body
 * that is not a tag list. */
int pull_tags_parse_page(const char *body, size_t len, char ***tags, struct error *err);

/* The URL of the next page from a Link header ("<url>; rel=\"next\""), in
 * *ret (a new string), or NULL when the header is missing or names no
 * next page. -EBADMSG for a header that is not a link. */
int pull_tags_next_link(const char *header, char **ret);
