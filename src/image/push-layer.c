/* SPDX-License-Identifier: Apache-2.0 */
/* Pushing the layers of one image: what the registry already has, what it
 * can mount, and the compression and upload of the rest, several layers
 * at once on worker threads. */
#include <fcntl.h>
#include <stdio.h>

#include "distribution.h"
#include "log.h"
#include "push-internal.h"
#include "store-internal.h"

/* Known blobs checked with HEAD in the target repository, and mounts
 * tried from other repositories, per layer. Each failed try costs one
 * round trip before the layer is compressed anyway. */
#define EXISTENCE_CHECKS_MAX 3
#define MOUNT_ATTEMPTS_MAX   3

/* Attempts per layer, and the wait before attempt n + 1 (n times this
 * many seconds), as dockerd 20.10 retries uploads. */
#define UPLOAD_ATTEMPTS  5
#define RETRY_DELAY_STEP 5

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

/* Counts the leading path components two repositories share. */
static unsigned shared_components(const char *a, const char *b)
{
        unsigned n = 0;

        for (;;) {
                size_t len_a = strcspn(a, "/"), len_b = strcspn(b, "/");

                if (len_a != len_b || strncmp(a, b, len_a) != 0)
                        return n;
                n++;
                if (!a[len_a] || !b[len_b])
                        return n;
                a += len_a + 1;
                b += len_b + 1;
        }
}

/* Tries one mount: 1 when the registry mounted the blob. */
static int mount_one(struct push_session *p, struct registry_client *c, struct push_layer *l,
                     const struct distribution_entry *e)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = push_blob_mount(c, p->repository, e->digest, e->repository, &err);
        if (r < 0) {
                log_debug("Failed to mount blob %s from %s: %s", e->digest, e->repository, error_message(&err, r));
                return 0;
        }
        if (r == 0) {
                /* The source no longer has it, or may not be read. */
                forget(p, l, e);
                return 0;
        }
        snprintf(l->blob.digest, sizeof(l->blob.digest), "%s", e->digest);
        l->blob.size = e->size;
        return 1;
}

/* Tries to mount a known blob from the registry's other repositories,
 * those whose path is most like the target's first and, among equals,
 * the newest, as dockerd ranks them. Returns 1 with the source repository
 * in *ret_from when one worked. */
static int try_mounts(struct push_session *p, struct registry_client *c, struct push_layer *l,
                      const struct distribution_entry *entries, size_t n, const char **ret_from)
{
        size_t attempts = 0;
        unsigned best = 0;

        for (size_t i = 0; i < n; i++)
                best = MAX(best, shared_components(entries[i].repository, p->repository));

        for (unsigned likeness = best + 1; likeness-- > 0;)
                for (size_t i = 0; i < n && attempts < MOUNT_ATTEMPTS_MAX; i++) {
                        const struct distribution_entry *e = &entries[i];

                        if (!usable(p, e) || streq(e->repository, p->repository) ||
                            shared_components(e->repository, p->repository) != likeness)
                                continue;
                        attempts++;

                        if (mount_one(p, c, l, e) > 0) {
                                *ret_from = e->repository;
                                return 1;
                        }
                }
        return 0;
}

/* Opens an anonymous file in the store's tmp/ for the compressed blob.
 * A filesystem without O_TMPFILE gets a named file that is unlinked at
 * once; a crash before the unlink leaves it in tmp/, which the store
 * empties at open. NOTE: no test runs on such a filesystem. */
static int open_blob_file(struct image_store *s, int *ret_fd)
{
        char name[32];
        int fd, r;

        fd = openat(s->tmp_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd >= 0) {
                *ret_fd = fd;
                return 0;
        }
        if (errno != EOPNOTSUPP && errno != EISDIR)
                return -errno;

        r = store_staging_name(name, sizeof(name));
        if (r < 0)
                return r;
        fd = openat(s->tmp_fd, name, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        (void)unlinkat(s->tmp_fd, name, 0);
        *ret_fd = fd;
        return 0;
}

static int wait_compression(int64_t needed, char *ret_digest, int64_t *ret_size, void *userdata)
{
        return push_compression_wait(userdata, needed, ret_digest, ret_size);
}

/* Compresses the layer into a file and uploads it. A blob that ends
 * within its first chunk goes in one PUT once complete. A larger one is
 * uploaded chunk by chunk while the rest is compressed, so the upload
 * overlaps the compression, as dockerd's streamed upload does. */
static int compress_and_upload(struct layer_queue *q, struct registry_client *c, struct push_layer *l,
                               struct error *err)
{
        struct push_session *p = q->session;
        _cleanup_error_ struct error compress_err = ERROR_INIT;
        struct push_compression *compression = NULL;
        _cleanup_close_ int fd = -1;
        char digest[DIGEST_STRING_MAX];
        int64_t size = 0;
        int r, upload_r;

        r = open_blob_file(p->store, &fd);
        if (r < 0)
                return error_set_errno(err, r, "failed to create a temporary file for layer %s", l->diff_id);
        r = push_compression_start(p, l, &q->failed, fd, &compression);
        if (r < 0)
                return error_set_errno(err, r, "failed to start compressing layer %s", l->diff_id);

        upload_r = push_compression_wait(compression, p->chunk_size + 1, digest, &size);
        if (upload_r > 0) {
                struct push_blob_source src = { .fd = fd, .size = size, .cancel = &q->failed };

                upload_r = push_blob_upload(c, p->repository, digest, &src, p->chunk_size, err);
        } else if (upload_r == 0) {
                struct push_blob_stream stream = {
                        .fd = fd,
                        .wait_for = wait_compression,
                        .userdata = compression,
                        .cancel = &q->failed,
                };

                upload_r = push_blob_upload_stream(c, p->repository, &stream, p->chunk_size, err);
        }

        /* The blob's digest and size, once a streamed upload has ended. */
        if (upload_r >= 0)
                upload_r = push_compression_wait(compression, INT64_MAX, digest, &size);

        /* A failed upload stops the compression. A failed compression ends
         * the upload with its errno but no message: then its own is the
         * one to report. */
        r = push_compression_finish(compression, upload_r < 0, &compress_err);
        if (upload_r < 0 && !isempty(err->message))
                return upload_r;
        if (r < 0) {
                error_clear(err);
                *err = compress_err;
                compress_err = ERROR_INIT;
                return r;
        }
        if (upload_r < 0)
                return upload_r;

        snprintf(l->blob.digest, sizeof(l->blob.digest), "%s", digest);
        l->blob.size = size;
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

/* Tells whether another attempt may succeed where this one failed: after
 * a transport failure or a server error, not after the registry rejected
 * the credentials or the request. */
static bool retryable(int r)
{
        return r == -EIO || r == -ETIMEDOUT || r == -ECONNREFUSED || r == -ECONNRESET || r == -EHOSTUNREACH ||
               r == -EPIPE;
}

static bool stopping(struct layer_queue *q)
{
        return __atomic_load_n(&q->failed, __ATOMIC_RELAXED) || push_client_gone(q->session);
}

/* Counts down a retry's delay in "Retrying in N seconds" messages, one a
 * second as dockerd sends them. -ECANCELED when the push stops meanwhile. */
static int wait_retry(struct layer_queue *q, const struct push_layer *l, unsigned seconds)
{
        for (unsigned left = seconds; left > 0; left--) {
                _cleanup_free_ char *status = NULL;

                if (asprintf(&status, "Retrying in %u second%s", left, left == 1 ? "" : "s") < 0)
                        return -ENOMEM;
                (void)push_output_layer(q->session, l, status);
                sleep(1);
                if (stopping(q))
                        return -ECANCELED;
        }
        return 0;
}

/* Pushes a layer, again after a failure that may pass. */
static int push_with_retries(struct layer_queue *q, struct registry_client *c, struct push_layer *l, struct error *err)
{
        int r;

        for (unsigned attempt = 1;; attempt++) {
                r = push_one(q, c, l, err);
                if (r >= 0 || !retryable(r) || attempt == UPLOAD_ATTEMPTS || stopping(q))
                        return r;

                log_debug("Upload of layer %s failed, retrying: %s", l->diff_id, error_message(err, r));
                error_clear(err);
                r = wait_retry(q, l, attempt * RETRY_DELAY_STEP);
                if (r < 0)
                        return r;
        }
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
                r = push_with_retries(q, c, l, &err);
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
