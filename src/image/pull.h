/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "error.h"
#include "image.h"
#include "registry.h"

/*
 * docker pull (POST /images/create?fromImage=) in two steps, because
 * dockerd 20.10 answers failures up to the manifest with an HTTP status
 * and later ones inside the JSON progress stream:
 *
 *  1. image_pull_prepare resolves the name, picks the endpoint (the
 *     mirrors of Docker Hub first, then the registry), and fetches and
 *     checks the manifest the name points to.
 *  2. image_pull_run writes the progress stream: "Pulling from", the
 *     platform's manifest of an index, the config, the layers (downloaded
 *     in parallel, extracted in order), the tag, "Digest:" and "Status:".
 *
 * A name without a tag or digest means every tag of the repository, as in
 * dockerd: step 1 lists the tags and fetches the first tag's manifest, and
 * step 2 pulls the tags in turn, with one "Status:" line at the end.
 */

struct image_pull;

struct image_pull_options {
        const char *name;     /* fromImage: "busybox", "localhost:5000/a/b:tag" */
        const char *tag;      /* tag: a tag or a digest; NULL or "" for none */
        const char *platform; /* "os[/arch[/variant]]"; NULL or "" for the daemon's */
        const struct registry_auth *auth;
        unsigned max_concurrent_downloads; /* 0 means 3, dockerd's default */
        unsigned max_download_attempts;    /* 0 means 5, dockerd's default */
};

/* Writes one line of the progress stream (a JSON message ending in
 * "\r\n"). Returns a negative errno once the client has gone, which ends
 * the pull. */
typedef int (*image_pull_write_fn)(const char *line, void *userdata);

/* Step 1. Errors carry Docker's texts: -EINVAL for a bad name, tag or
 * platform, -ENOENT for an unknown repository or manifest, -EACCES when
 * access was denied, other errors for a registry that failed. */
int image_pull_prepare(struct image_store *s, struct registry_context *ctx, const struct image_pull_options *opts,
                       struct image_pull **ret, struct error *err);

/* Step 2. On failure the caller writes err's message into the stream
 * (jsonmessage_error). Nothing of a failed pull stays in the store but
 * whole layers that an image already used. */
int image_pull_run(struct image_pull *p, image_pull_write_fn write, void *userdata, struct error *err);

void image_pull_free(struct image_pull *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct image_pull *, image_pull_free)

/* GET /distribution/{name}/json: the manifest descriptor the name points
 * to and the platforms it offers, as dockerd 20.10 answers it. On failure
 * ret_status is the HTTP status dockerd answers with. */
int image_distribution_inspect(struct registry_context *ctx, const char *name, const struct registry_auth *auth,
                               json_object **ret, unsigned *ret_status, struct error *err);
