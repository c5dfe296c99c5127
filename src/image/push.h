/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "error.h"

/*
 * docker push: uploads the layers, config and manifest (schema 2) of the
 * images a repository's tags name to its registry, and reports progress as
 * dockerd 20.10's JSON message stream.
 *
 * For each layer it first tries the blobs the distribution metadata
 * (distribution.h) records: a HEAD of a known blob in the target repository
 * ("Layer already exists"), then a cross-repository mount from another
 * repository of the same registry ("Mounted from X"). Only then does it
 * compress the layer's tar (gzip, into a temporary file of the store) and
 * upload it ("Pushing", "Pushed"). Up to IMAGE_PUSH_CONCURRENCY layers go
 * at once; the rest wait ("Waiting"), as with dockerd's default
 * max-concurrent-uploads. A layer whose push failed on the network or the
 * registry's side is tried again, up to five times in all, after 5, 10,
 * 15 and 20 seconds ("Retrying in N seconds"), as dockerd 20.10 does.
 *
 * After the manifest is stored the image gets the digest reference
 * "<repository>@<manifest digest>" (RepoDigests), as dockerd adds it.
 */

struct image_store;
struct registry_auth;
struct registry_context;

#define IMAGE_PUSH_CONCURRENCY 5

/* Receives each line of the stream ("{...}\r\n"). Returns 0, or a negative
 * errno (the client has gone), which ends the push with -ECANCELED. May be
 * called from several threads, one call at a time. */
typedef int (*image_push_write_fn)(const char *line, void *userdata);

struct image_push_options {
        const char *name;                 /* the repository as the API path gives it: "127.0.0.1:5000/app" */
        const char *tag;                  /* the tag to push, or NULL or "" for every tag */
        const struct registry_auth *auth; /* or NULL for anonymous access */
        unsigned concurrency;             /* layers pushed at once; 0 for IMAGE_PUSH_CONCURRENCY */
        int64_t chunk_size;               /* 0 for BLOB_UPLOAD_CHUNK_SIZE */
        image_push_write_fn write;
        void *userdata;
};

/* Checks the name and tag as dockerd does before its stream starts:
 * -EINVAL with Docker's message ("invalid reference format: repository
 * name must be lowercase", "invalid tag format"). */
int image_push_validate(const char *name, const char *tag, struct error *err);

/* Pushes as POST /images/{name}/push does. The first line written is
 * "The push refers to repository [NAME]". A failure after it returns its
 * error and message, which dockerd sends inside the stream. The messages
 * are "An image does not exist locally with the tag: NAME", "tag does not
 * exist: NAME:TAG", "no tags to push for NAME", "cannot push a digest
 * reference", or the registry's error. */
int image_store_push(struct image_store *s, struct registry_context *ctx, const struct image_push_options *opts,
                     struct error *err);
