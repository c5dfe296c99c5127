/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "push-manifest.h"
#include "push.h"
#include "reference.h"
#include "registry.h"

/* One push request: where it goes and what every tag's push shares. */
struct push_session {
        struct image_store *store;
        struct registry_context *ctx;
        const struct registry_auth *auth;
        const char *domain;     /* the registry's reference domain: "127.0.0.1:5000" */
        const char *repository; /* the path in the registry: "app", "library/busybox" */
        unsigned concurrency;
        int64_t chunk_size;

        image_push_write_fn write;
        void *userdata;
        pthread_mutex_t lock; /* guards the fields below */
        bool client_gone;
        /* Layers this push has already placed in the repository, so the
         * next tag skips them as dockerd does. */
        char **done_diff_ids;
        struct blob_descriptor *done_blobs;
        size_t n_done;
};

/* One layer of the image a tag names. */
struct push_layer {
        const char *diff_id;
        const char *chain_id;
        int64_t size; /* the layer's content size, the total of "Pushing" */
        char short_id[13];
        struct blob_descriptor blob; /* the result */
};

/* push-output.c: the message stream. Writes are serialized, and the first
 * failed write marks the client as gone. */
int push_output_status(struct push_session *p, const char *status);
int push_output_layer(struct push_session *p, const struct push_layer *l, const char *status);
int push_output_progress(struct push_session *p, const struct push_layer *l, int64_t current);
int push_output_result(struct push_session *p, const char *tag, const char *digest, size_t size);
bool push_client_gone(struct push_session *p);

/* Rate limit of "Pushing" messages, as dockerd's progress reader applies
 * it: at most every 512 KiB or 1% of the total, whichever is less, and at
 * most every 100 ms, but always the last. */
struct push_progress {
        int64_t last_update;
        int64_t last_sent_ns;
        bool sent;
};
void push_progress_update(struct push_session *p, const struct push_layer *l, struct push_progress *progress,
                          int64_t current, bool last);

/* Also push-output.c: the layers a session has pushed, across tags. */
bool push_session_find_done(struct push_session *p, const char *diff_id, struct blob_descriptor *ret);
int push_session_add_done(struct push_session *p, const char *diff_id, const struct blob_descriptor *blob);

/* push-blob.c: requests about one blob in the session's repository. A
 * cancel flag, when set, stops a running upload with -ECANCELED. */
struct push_blob_source {
        int fd;           /* the blob's file, or -1 */
        const char *data; /* or its bytes in memory */
        int64_t size;
        const bool *cancel; /* or NULL */
};

/* Asks whether the repository has the blob (HEAD): 1 with its size in
 * ret_size, 0 when the registry returns 404. */
int push_blob_exists(struct registry_client *c, const char *repository, const char *digest, int64_t *ret_size,
                     struct error *err);

/* Asks the registry to mount the blob from another repository: 1 when it
 * did (201), 0 when it opened an upload session instead (202), which is
 * cancelled. */
int push_blob_mount(struct registry_client *c, const char *repository, const char *digest, const char *from,
                    struct error *err);

/* Uploads the blob: monolithic up to chunk_size bytes, else chunked. */
int push_blob_upload(struct registry_client *c, const char *repository, const char *digest,
                     const struct push_blob_source *src, int64_t chunk_size, struct error *err);

/* Stores the manifest under reference (a tag or a digest). */
int push_manifest_put(struct registry_client *c, const char *repository, const char *reference, const char *manifest,
                      size_t len, struct error *err);

/* A blob its producer is still writing to a file. wait_for blocks until
 * the file has at least needed bytes or the producer has ended. It returns
 * 0 while the blob grows, 1 once it is complete (with its digest and size
 * filled), or the producer's negative errno. */
struct push_blob_stream {
        int fd;
        int (*wait_for)(int64_t needed, char *ret_digest, int64_t *ret_size, void *userdata);
        void *userdata;
        const bool *cancel; /* or NULL */
};

/* Uploads a growing blob in chunks of chunk_size bytes, each sent once
 * it is complete, and commits it once the producer has ended. */
int push_blob_upload_stream(struct registry_client *c, const char *repository, const struct push_blob_stream *s,
                            int64_t chunk_size, struct error *err);

/* push-compress.c: a layer compressed into fd on a thread of its own.
 * cancel is the other layers' failure, which stops it too. */
struct push_compression;
int push_compression_start(struct push_session *p, struct push_layer *l, const bool *cancel, int fd,
                           struct push_compression **ret);
/* Waits as push_blob_stream's wait_for does. */
int push_compression_wait(struct push_compression *c, int64_t needed, char *ret_digest, int64_t *ret_size);
/* Waits for the thread, first telling it to stop when stop is set, and
 * frees c. Returns the compression's result, with its message in err on
 * failure. */
int push_compression_finish(struct push_compression *c, bool stop, struct error *err);

/* push-layer.c: pushes the layers, p->concurrency at a time,
 * filling each one's blob. On failure the first error is returned and the
 * layers not yet started are not pushed. */
int push_layers(struct push_session *p, struct push_layer *layers, size_t n_layers, struct error *err);
