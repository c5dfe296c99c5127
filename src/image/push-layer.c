/* SPDX-License-Identifier: Apache-2.0 */
/* Pushing the layers of one image: what the registry already has, what it
 * can mount, and the compression and upload of the rest, several layers
 * at once on worker threads. */
#include <fcntl.h>
#include <stdio.h>

#include "blob-compress.h"
#include "distribution.h"
#include "layer-tar.h"
#include "log.h"
#include "push-internal.h"
#include "store-internal.h"

/* Known blobs checked with HEAD in the target repository, and mounts
 * tried from other repositories, per layer. Each failed try costs one
 * round trip before the layer is compressed anyway. */
#define EXISTENCE_CHECKS_MAX 3
#define MOUNT_ATTEMPTS_MAX   3

/* The layers of one image and the workers' shared state. */
struct layer_queue {
        struct push_session *session;
        struct push_layer *layers;
        size_t n_layers;
        pthread_mutex_t lock; /* guards next, first_error and err */
        size_t next;
        int first_error;
        struct error err;
        bool failed; /* read without the lock by running transfers */
};

/* Tells whether a known blob may serve this push: it is on the same
 * registry, and gzip, because the manifest lists every layer as gzip. */
static bool usable(const struct push_session *p, const struct distribution_entry *e)
{
        return streq(e->registry, p->domain) &&
               (streq(e->media_type, MEDIA_TYPE_DOCKER_LAYER) || streq(e->media_type, MEDIA_TYPE_OCI_LAYER_GZIP));
}

static void remember(struct push_session *p, const struct push_layer *l)
{
        struct distribution_entry e = {
                .media_type = (char *)MEDIA_TYPE_DOCKER_LAYER,
                .size = l->blob.size,
                .registry = (char *)p->domain,
                .repository = (char *)p->repository,
        };
        int r;

        snprintf(e.digest, sizeof(e.digest), "%s", l->blob.digest);
        r = image_store_distribution_add(p->store, l->diff_id, &e);
        if (r < 0)
                log_debug_errno(r, "Failed to record that %s/%s has layer %s as %s: %m", p->domain, p->repository,
                                l->diff_id, l->blob.digest);
}

static void forget(struct push_session *p, const struct push_layer *l, const struct distribution_entry *e)
{
        int r = image_store_distribution_remove(p->store, l->diff_id, e->digest, e->registry, e->repository);

        if (r < 0)
                log_debug_errno(r, "Failed to drop the distribution metadata of layer %s: %m", l->diff_id);
}

static bool digest_seen(const char (*digests)[DIGEST_STRING_MAX], size_t n, const char *digest)
{
        for (size_t i = 0; i < n; i++)
                if (streq(digests[i], digest))
                        return true;
        return false;
}

/* Checks the known blobs of this registry in the target repository,
 * those recorded for the target itself first. Returns 1 when one is there. */
static int find_existing(struct push_session *p, struct registry_client *c, struct push_layer *l,
                         const struct distribution_entry *entries, size_t n)
{
        char checked[EXISTENCE_CHECKS_MAX][DIGEST_STRING_MAX];
        size_t n_checked = 0;

        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < n && n_checked < EXISTENCE_CHECKS_MAX; i++) {
                        const struct distribution_entry *e = &entries[i];
                        bool own = streq(e->repository, p->repository);
                        _cleanup_error_ struct error err = ERROR_INIT;
                        int64_t size = -1;
                        int r;

                        if (own != (pass == 0) || !usable(p, e) ||
                            digest_seen((const char(*)[DIGEST_STRING_MAX])checked, n_checked, e->digest))
                                continue;
                        snprintf(checked[n_checked++], DIGEST_STRING_MAX, "%s", e->digest);

                        r = push_blob_exists(c, p->repository, e->digest, &size, &err);
                        if (r < 0) {
                                log_debug("Failed to check for blob %s in %s: %s", e->digest, p->repository,
                                          error_message(&err, r));
                                continue;
                        }
                        if (r == 0) {
                                if (own)
                                        forget(p, l, e);
                                continue;
                        }
                        snprintf(l->blob.digest, sizeof(l->blob.digest), "%s", e->digest);
                        l->blob.size = size >= 0 ? size : e->size;
                        return 1;
                }
        return 0;
}

/* Tries to mount a known blob from the registry's other repositories.
 * Returns 1 with the source repository in *ret_from when one worked. */
static int try_mounts(struct push_session *p, struct registry_client *c, struct push_layer *l,
                      const struct distribution_entry *entries, size_t n, const char **ret_from)
{
        size_t attempts = 0;

        for (size_t i = 0; i < n && attempts < MOUNT_ATTEMPTS_MAX; i++) {
                const struct distribution_entry *e = &entries[i];
                _cleanup_error_ struct error err = ERROR_INIT;
                int r;

                if (!usable(p, e) || streq(e->repository, p->repository))
                        continue;
                attempts++;

                r = push_blob_mount(c, p->repository, e->digest, e->repository, &err);
                if (r < 0) {
                        log_debug("Failed to mount blob %s from %s: %s", e->digest, e->repository,
                                  error_message(&err, r));
                        continue;
                }
                if (r == 0) {
                        /* The source no longer has it, or may not be read. */
                        forget(p, l, e);
                        continue;
                }
                snprintf(l->blob.digest, sizeof(l->blob.digest), "%s", e->digest);
                l->blob.size = e->size;
                *ret_from = e->repository;
                return 1;
        }
        return 0;
}

/* The destination of a layer's tar stream while it is compressed. */
struct compress_target {
        struct push_session *session;
        struct layer_queue *queue;
        struct push_layer *layer;
        struct blob_compressor *compressor;
        struct push_progress progress;
};

static int compress_write(void *userdata, const void *buf, size_t len)
{
        struct compress_target *t = userdata;
        int r;

        if (__atomic_load_n(&t->queue->failed, __ATOMIC_RELAXED) || push_client_gone(t->session))
                return -ECANCELED;
        r = blob_compressor_write(t->compressor, buf, len);
        if (r < 0)
                return r;
        push_progress_update(t->session, t->layer, &t->progress, blob_compressor_input_bytes(t->compressor), false);
        return 0;
}

/* Opens an anonymous file in the store's tmp/ for the compressed blob. */
static int open_blob_file(struct image_store *s, int *ret_fd)
{
        int fd = openat(s->tmp_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

/* Compresses the layer into a file, then uploads it. */
static int compress_and_upload(struct layer_queue *q, struct registry_client *c, struct push_layer *l,
                               struct error *err)
{
        struct push_session *p = q->session;
        _cleanup_blob_compressor_ struct blob_compressor *compressor = NULL;
        _cleanup_close_ int fd = -1;
        struct compress_target target = { .session = p, .queue = q, .layer = l };
        struct blob_compress_result result;
        struct push_blob_source src;
        int r;

        r = open_blob_file(p->store, &fd);
        if (r < 0)
                return error_set_errno(err, r, "failed to create a temporary file for layer %s", l->diff_id);
        r = blob_compressor_new(fd, &compressor);
        if (r < 0)
                return r;
        target.compressor = compressor;

        r = image_layer_write_tar(p->store, l->chain_id, compress_write, &target, err);
        if (r < 0)
                return r;
        r = blob_compressor_finish(compressor, &result);
        if (r < 0)
                return error_set_errno(err, r, "failed to compress layer %s", l->diff_id);
        if (!streq(result.diff_id, l->diff_id))
                return error_set(err, -EIO, "layer %s: its tar has digest %s", l->diff_id, result.diff_id);
        push_progress_update(p, l, &target.progress, result.tar_size, true);

        src = (struct push_blob_source){ .fd = fd, .size = result.size, .cancel = &q->failed };
        r = push_blob_upload(c, p->repository, result.blob_digest, &src, p->chunk_size, err);
        if (r < 0)
                return r;

        snprintf(l->blob.digest, sizeof(l->blob.digest), "%s", result.blob_digest);
        l->blob.size = result.size;
        return 0;
}

/* Pushes one layer, as dockerd's v2PushDescriptor.Upload does. */
static int push_one(struct layer_queue *q, struct registry_client *c, struct push_layer *l, struct error *err)
{
        struct push_session *p = q->session;
        struct distribution_entry *entries = NULL;
        const char *from = NULL;
        size_t n = 0;
        int r;

        if (push_session_find_done(p, l->diff_id, &l->blob))
                return push_output_layer(p, l, "Layer already exists");

        r = image_store_distribution_get(p->store, l->diff_id, &entries, &n);
        if (r < 0)
                log_debug_errno(r, "Failed to read the distribution metadata of layer %s: %m", l->diff_id);

        r = find_existing(p, c, l, entries, n);
        if (r > 0) {
                distribution_entries_free(entries, n);
                remember(p, l);
                r = push_session_add_done(p, l->diff_id, &l->blob);
                return r < 0 ? r : push_output_layer(p, l, "Layer already exists");
        }

        r = try_mounts(p, c, l, entries, n, &from);
        if (r > 0) {
                _cleanup_free_ char *status = NULL;

                r = asprintf(&status, "Mounted from %s", from) < 0 ? -ENOMEM : 0;
                distribution_entries_free(entries, n);
                if (r < 0)
                        return r;
                remember(p, l);
                r = push_session_add_done(p, l->diff_id, &l->blob);
                return r < 0 ? r : push_output_layer(p, l, status);
        }
        distribution_entries_free(entries, n);

        r = compress_and_upload(q, c, l, err);
        if (r < 0)
                return r;
        remember(p, l);
        r = push_session_add_done(p, l->diff_id, &l->blob);
        return r < 0 ? r : push_output_layer(p, l, "Pushed");
}

static void queue_fail(struct layer_queue *q, int r, struct error *err)
{
        pthread_mutex_lock(&q->lock);
        if (q->first_error == 0) {
                q->first_error = r;
                q->err = *err;
                *err = ERROR_INIT;
        }
        __atomic_store_n(&q->failed, true, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&q->lock);
}

static struct push_layer *queue_take(struct layer_queue *q)
{
        struct push_layer *l = NULL;

        pthread_mutex_lock(&q->lock);
        if (!q->failed && q->next < q->n_layers)
                l = &q->layers[q->next++];
        pthread_mutex_unlock(&q->lock);
        return l;
}

static void *worker_main(void *userdata)
{
        struct layer_queue *q = userdata;
        struct push_session *p = q->session;
        _cleanup_(registry_client_freep) struct registry_client *c = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct push_layer *l;
        int r;

        r = registry_client_new(p->ctx, p->domain, p->auth, &c, &err);
        if (r < 0) {
                queue_fail(q, r, &err);
                return NULL;
        }

        while ((l = queue_take(q))) {
                r = push_one(q, c, l, &err);
                if (r == -ECANCELED && push_client_gone(p))
                        error_set(&err, r, "the client closed the connection");
                if (r < 0) {
                        queue_fail(q, r, &err);
                        break;
                }
        }
        return NULL;
}

int push_layers(struct push_session *p, struct push_layer *layers, size_t n_layers, struct error *err)
{
        struct layer_queue q = {
                .session = p,
                .layers = layers,
                .n_layers = n_layers,
                .err = ERROR_INIT,
        };
        size_t n_workers = MIN(n_layers, (size_t)p->concurrency);
        _cleanup_free_ pthread_t *workers = calloc(n_workers + 1, sizeof(*workers));
        size_t started = 0;
        int r = 0;

        if (!workers)
                return -ENOMEM;
        pthread_mutex_init(&q.lock, NULL);

        /* The layers beyond the first workers' share wait for a free one. */
        for (size_t i = n_workers; i < n_layers && r >= 0; i++)
                r = push_output_layer(p, &layers[i], "Waiting");

        while (r >= 0 && started < n_workers) {
                r = -pthread_create(&workers[started], NULL, worker_main, &q);
                if (r >= 0)
                        started++;
        }
        if (r < 0 && started > 0) {
                /* The running workers stop after their current layer. */
                _cleanup_error_ struct error failed = ERROR_INIT;

                error_set_errno(&failed, r, "failed to start a push worker");
                queue_fail(&q, r, &failed);
        }
        for (size_t i = 0; i < started; i++)
                pthread_join(workers[i], NULL);
        pthread_mutex_destroy(&q.lock);

        if (q.first_error < 0) {
                *err = q.err;
                return q.first_error;
        }
        if (r == -ECANCELED)
                return error_set(err, r, "the client closed the connection");
        if (r < 0)
                return error_set_errno(err, r, "failed to start a push worker");
        return 0;
}
