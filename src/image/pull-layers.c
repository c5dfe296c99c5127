/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layers of a pull. Layers whose chain is in the store are reused
 * ("Already exists"). The others are downloaded in parallel through a
 * registry batch into unnamed temporary files in the store's tmp/
 * directory (O_TMPFILE), each verified against its digest while it
 * streams. A transport failure is retried as dockerd retries, after 5,
 * 10, 15 ... seconds. An extraction thread takes the downloaded layers in
 * order and commits each into the store. A failure anywhere cancels the
 * rest; the temporary files vanish with their descriptors.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "distribution.h"
#include "jsonmessage.h"
#include "log.h"
#include "pull-internal.h"
#include "timeutil.h"

/* dockerd's progress reader: an update after 1% of the total (at most
 * 512 KiB) more, at most every 100 ms, and always at the total. */
#define PROGRESS_EVERY_MAX   (512 * 1024)
#define PROGRESS_INTERVAL_NS (100LL * 1000000)
#define RETRY_STEP_SECONDS   5
#define NS_PER_SECOND        1000000000LL

enum layer_state {
        LAYER_PRESENT,    /* in the store before the pull */
        LAYER_QUEUED,     /* waiting for its download */
        LAYER_RETRY_WAIT, /* a failed attempt, waiting to try again */
        LAYER_DOWNLOADED, /* verified, waiting for its extraction */
        LAYER_EXTRACTED,
};

struct progress_limit {
        int64_t last_current;
        int64_t last_ns;
};

struct pull_layer {
        struct layer_set *set;
        size_t index;
        const struct descriptor *desc;
        char short_id[13];
        char diff_id[DIGEST_STRING_MAX];
        char chain_id[DIGEST_STRING_MAX];
        struct layer *layer; /* with a reference, once present or extracted */
        enum layer_state state;

        /* The download. */
        char path[96];
        struct registry_request req;
        int fd;
        struct digester digester;
        int64_t received;
        struct progress_limit progress;
        unsigned attempts;
        int64_t retry_at_ns;
        int retry_announced; /* the seconds last shown in "Retrying in" */
        struct error write_err;
        /* A retry resumes with this header ("Range: bytes=N-") unless the
         * registry does not serve ranges. */
        char range[48];
        char *headers[2];
        bool no_ranges;
};

struct layer_set {
        struct image_pull *pull;
        struct pull_layer *layers;
        size_t n;
        struct registry_batch *batch;

        pthread_mutex_t lock; /* guards state, failure and downloads_over */
        pthread_cond_t changed;
        bool downloads_over;
        int failure; /* the first error, 0 while none */
        struct error failure_err;
};

static bool progress_due(struct progress_limit *l, int64_t current, int64_t total)
{
        int64_t every = PROGRESS_EVERY_MAX, now;

        if (total > 0 && total / 100 < every)
                every = total / 100;
        if (current - l->last_current <= every && current != total)
                return false;
        l->last_current = current;
        now = timeutil_monotonic_ns();
        if (current != total && l->last_ns && now - l->last_ns < PROGRESS_INTERVAL_NS)
                return false;
        l->last_ns = now;
        return true;
}

/* Records the first failure and stops everything else. */
static void set_fail(struct layer_set *set, int r, const struct error *err)
{
        pthread_mutex_lock(&set->lock);
        if (!set->failure) {
                set->failure = r;
                error_set(&set->failure_err, r, "%s", error_message(err, r));
        }
        pthread_cond_broadcast(&set->changed);
        pthread_mutex_unlock(&set->lock);
        registry_batch_cancel(set->batch);
}

static bool has_failed(struct layer_set *set)
{
        bool failed;

        pthread_mutex_lock(&set->lock);
        failed = set->failure != 0;
        pthread_mutex_unlock(&set->lock);
        return failed;
}

static void set_state(struct pull_layer *l, enum layer_state state)
{
        pthread_mutex_lock(&l->set->lock);
        l->state = state;
        pthread_cond_broadcast(&l->set->changed);
        pthread_mutex_unlock(&l->set->lock);
}

/* An unnamed file in the store's tmp/, so no crash leaves it behind. */
static int open_download_file(struct image_store *s, int *ret)
{
        int fd = openat(s->tmp_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

        if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
                char name[32];

                if (store_staging_name(name, sizeof(name)) < 0)
                        return -EIO;
                fd = openat(s->tmp_fd, name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
                if (fd >= 0)
                        unlinkat(s->tmp_fd, name, 0);
        }
        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

static int write_all(int fd, const char *data, size_t size)
{
        while (size > 0) {
                ssize_t n = write(fd, data, size);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                data += n;
                size -= (size_t)n;
        }
        return 0;
}

static int on_blob_data(const void *data, size_t size, void *userdata)
{
        struct pull_layer *l = userdata;
        int r;

        /* A blob longer than its descriptor cannot have its digest. */
        if (l->received + (int64_t)size > l->desc->size)
                return error_set(&l->write_err, -EBADMSG, "filesystem layer verification failed for digest %s",
                                 l->desc->digest);
        r = write_all(l->fd, data, size);
        if (r < 0)
                return error_set_errno(&l->write_err, r, "failed to write layer %s to %s/tmp", l->desc->digest,
                                       l->set->pull->store->root);
        digester_update(&l->digester, data, size);
        l->received += (int64_t)size;
        if (progress_due(&l->progress, l->received, l->desc->size))
                pull_progress(l->set->pull, l->short_id, "Downloading", l->received, l->desc->size);
        return 0;
}

/* Empties a layer's file and digest, so that the download starts over. */
static int restart_download(struct pull_layer *l)
{
        l->received = 0;
        l->progress = (struct progress_limit){ 0 };
        digester_done(&l->digester);
        if (ftruncate(l->fd, 0) < 0 || lseek(l->fd, 0, SEEK_SET) < 0)
                return -errno;
        return digester_init(&l->digester);
}

/* Prepares the next attempt. As dockerd does, it continues from the bytes
 * received so far with a Range request, and the digest goes on over them,
 * so it still covers the whole blob. Without bytes to keep, or once the
 * registry has shown that it does not serve ranges, it starts over. */
static int prepare_retry(struct pull_layer *l)
{
        error_clear(&l->write_err);
        l->range[0] = '\0';
        l->req.headers = NULL;
        if (l->received == 0 || l->no_ranges)
                return restart_download(l);

        if (ftruncate(l->fd, l->received) < 0 || lseek(l->fd, l->received, SEEK_SET) < 0)
                return -errno;
        snprintf(l->range, sizeof(l->range), "Range: bytes=%" PRId64 "-", l->received);
        l->headers[0] = l->range;
        l->headers[1] = NULL;
        l->req.headers = l->headers;
        return 0;
}

/* Returns the first byte of a Content-Range "bytes START-END/SIZE", or -1
 * when value is not one. */
static int64_t content_range_start(const char *value)
{
        long long start, end;
        int used = 0;

        if (!value || sscanf(value, "bytes %lld-%lld/%n", &start, &end, &used) != 2 || used == 0 || start < 0 ||
            end < start)
                return -1;
        return start;
}

/* Checks how a response continues the download. A 206 must start at the
 * first byte not received yet. A 200 carries the whole blob, so a resumed
 * download starts over, and later retries send no Range. */
static int on_blob_begin(const struct registry_response *resp, void *userdata)
{
        struct pull_layer *l = userdata;
        const char *accept = registry_response_header(resp, "Accept-Ranges");

        if (accept && strcasecmp(accept, "none") == 0)
                l->no_ranges = true;
        if (resp->status == 206) {
                const char *range = registry_response_header(resp, "Content-Range");

                if (l->range[0] && content_range_start(range) == l->received)
                        return 0;
                /* Not the bytes requested: the next attempt starts over. */
                l->no_ranges = true;
                return error_set(&l->write_err, -EIO, "invalid content range '%s' for %s at byte %" PRId64, range ?: "",
                                 l->desc->digest, l->received);
        }
        if (!l->range[0])
                return 0;
        log_debug("The registry returned the whole blob %s for a Range request, downloading it again", l->desc->digest);
        l->no_ranges = true;
        return restart_download(l);
}

static void on_blob_done(int r, const struct registry_response *resp, const struct error *err, void *userdata);

static int queue_download(struct pull_layer *l)
{
        l->attempts++;
        set_state(l, LAYER_QUEUED);
        return registry_batch_add(l->set->batch, &l->req, on_blob_done, l);
}

/* Transport failures and server errors may pass; a wrong digest, a full
 * disk or a missing blob will not. */
static bool worth_retrying(int r, const struct registry_response *resp)
{
        if (r == -EBADMSG || r == -ENOSPC || r == -EDQUOT || r == -ENOMEM || r == -ECANCELED || r == -EROFS)
                return false;
        return resp->status == 0 || resp->status >= 500 || resp->status == 429 || r == -EIO;
}

/* Judges a finished download; returns 0 when the blob is complete and
 * verified, else a negative errno with the message in err. */
static int check_download(struct pull_layer *l, int r, const struct registry_response *resp, const struct error *cause,
                          struct error *err)
{
        char digest[DIGEST_STRING_MAX];

        if (r < 0)
                return error_set(err, r, "%s", l->write_err.message ?: error_message(cause, r));
        if (resp->status != 200 && resp->status != 206)
                return registry_response_error(resp, err);
        if (l->received < l->desc->size)
                return error_set(err, -EIO, "unexpected EOF");
        r = digester_final(&l->digester, digest);
        if (r < 0)
                return r;
        if (!streq(digest, l->desc->digest))
                return error_set(err, -EBADMSG, "filesystem layer verification failed for digest %s", l->desc->digest);
        return 0;
}

static void on_blob_done(int r, const struct registry_response *resp, const struct error *cause, void *userdata)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct pull_layer *l = userdata;
        struct image_pull *p = l->set->pull;
        bool range_rejected;

        if (has_failed(l->set))
                return;

        r = check_download(l, r, resp, cause, &err);
        /* A registry that rejects the range gets a retry without one. */
        range_rejected = resp->status == 416 && l->range[0];
        if (range_rejected)
                l->no_ranges = true;
        /* dockerd 20.10 counts retries against max-download-attempts, so a
         * layer gets one attempt more than the setting's value. */
        if (r < 0 && (worth_retrying(r, resp) || range_rejected) && l->attempts <= p->max_attempts &&
            prepare_retry(l) >= 0) {
                log_info("Download of %s failed, retrying (%u/%u) from byte %" PRId64 ": %s", l->desc->digest,
                         l->attempts, p->max_attempts, l->received, error_message(&err, r));
                l->retry_at_ns = timeutil_monotonic_ns() + (int64_t)l->attempts * RETRY_STEP_SECONDS * NS_PER_SECOND;
                l->retry_announced = 0;
                set_state(l, LAYER_RETRY_WAIT);
                return;
        }
        if (r < 0) {
                log_info("Download of %s failed after %u attempts: %s", l->desc->digest, l->attempts,
                         error_message(&err, r));
                set_fail(l->set, r, &err);
                return;
        }

        /* The final count, unless the last chunk already showed it. */
        if (l->progress.last_current != l->received || l->progress.last_ns == 0)
                pull_progress(p, l->short_id, "Downloading", l->received, l->desc->size);
        pull_progress(p, l->short_id, "Verifying Checksum", 0, 0);
        pull_progress(p, l->short_id, "Download complete", 0, 0);
        set_state(l, LAYER_DOWNLOADED);
}

/* Counts down the retries that wait, requeues those that are due, and
 * cancels everything once the client has gone. */
static bool on_tick(void *userdata)
{
        struct layer_set *set = userdata;
        int64_t now = timeutil_monotonic_ns();
        bool waiting = false;

        if (atomic_load(&set->pull->client_gone)) {
                _cleanup_error_ struct error err = ERROR_INIT;

                set_fail(set, error_set(&err, -ECANCELED, "the client closed the connection"), &err);
                return false;
        }
        for (size_t i = 0; i < set->n; i++) {
                struct pull_layer *l = &set->layers[i];
                enum layer_state state;
                int seconds;

                pthread_mutex_lock(&set->lock);
                state = l->state;
                pthread_mutex_unlock(&set->lock);
                if (state != LAYER_RETRY_WAIT)
                        continue;
                if (now >= l->retry_at_ns) {
                        if (queue_download(l) < 0)
                                set_fail(set, -ENOMEM, NULL);
                        continue;
                }
                waiting = true;
                seconds = (int)((l->retry_at_ns - now + NS_PER_SECOND - 1) / NS_PER_SECOND);
                if (seconds != l->retry_announced) {
                        char status[48];

                        l->retry_announced = seconds;
                        snprintf(status, sizeof(status), "Retrying in %d second%s", seconds, seconds != 1 ? "s" : "");
                        pull_progress(set->pull, l->short_id, status, 0, 0);
                }
        }
        return waiting;
}

static void on_extract_progress(int64_t current, int64_t total, void *userdata)
{
        struct pull_layer *l = userdata;

        pull_progress(l->set->pull, l->short_id, "Extracting", current, total);
}

/* Waits until layer l is downloaded; false when the pull failed first. */
static bool wait_downloaded(struct pull_layer *l)
{
        struct layer_set *set = l->set;
        bool ready;

        pthread_mutex_lock(&set->lock);
        while (l->state != LAYER_DOWNLOADED && !set->failure && !set->downloads_over)
                pthread_cond_wait(&set->changed, &set->lock);
        ready = l->state == LAYER_DOWNLOADED && !set->failure;
        pthread_mutex_unlock(&set->lock);
        return ready;
}

/* Records where the layer's blob came from, so that a push to the same
 * registry can check for the blob instead of compressing the layer again.
 * Losing the record only costs that push time, so failures are logged. */
static void remember_source(struct pull_layer *l)
{
        struct image_pull *p = l->set->pull;
        struct distribution_entry e = {
                .media_type = l->desc->media_type,
                .size = l->desc->size,
                .registry = p->ref.domain,
                .repository = p->repository,
        };
        int r;

        memcpy(e.digest, l->desc->digest, sizeof(e.digest));
        r = image_store_distribution_add(p->store, l->diff_id, &e);
        if (r < 0)
                log_debug_errno(r, "Failed to record the source of layer %s: %m", l->diff_id);
}

static int extract_one(struct pull_layer *l, const char *parent_chain, struct error *err)
{
        struct layer_source src = {
                .index = l->index,
                .expected_diff_id = l->diff_id,
                .expected_blob = l->desc->digest,
                .progress = on_extract_progress,
                .userdata = l,
        };
        int r;

        if (lseek(l->fd, 0, SEEK_SET) < 0)
                return error_set_errno(err, -errno, "failed to read the download of %s", l->desc->digest);
        src.fd = l->fd;
        r = store_layer_create(l->set->pull->store, parent_chain, &src, &l->layer, err);
        if (r < 0)
                return r;
        close(l->fd);
        l->fd = -1;
        remember_source(l);
        pull_progress(l->set->pull, l->short_id, "Pull complete", 0, 0);
        set_state(l, LAYER_EXTRACTED);
        return 0;
}

static void *extract_thread(void *userdata)
{
        struct layer_set *set = userdata;

        for (size_t i = 0; i < set->n; i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                struct pull_layer *l = &set->layers[i];
                const char *parent = i > 0 ? set->layers[i - 1].chain_id : NULL;
                int r;

                if (l->state == LAYER_PRESENT)
                        continue;
                if (!wait_downloaded(l))
                        break;
                /* dockerd cancels a pull whose client has gone, also
                 * between extractions. */
                if (atomic_load(&set->pull->client_gone)) {
                        set_fail(set, error_set(&err, -ECANCELED, "the client closed the connection"), &err);
                        break;
                }
                r = extract_one(l, parent, &err);
                if (r < 0) {
                        set_fail(set, r, &err);
                        break;
                }
        }
        return NULL;
}

/* Computes the chain IDs and takes the layers the store has. */
static int plan_layers(struct layer_set *set, char *const *diff_ids)
{
        struct image_pull *p = set->pull;

        for (size_t i = 0; i < set->n; i++) {
                struct pull_layer *l = &set->layers[i];
                int r;

                l->set = set;
                l->index = i;
                l->fd = -1;
                snprintf(l->diff_id, sizeof(l->diff_id), "%s", diff_ids[i]);
                snprintf(l->short_id, sizeof(l->short_id), "%s", digest_hex(l->desc->digest));
                r = digest_chain_id(i > 0 ? set->layers[i - 1].chain_id : NULL, l->diff_id, l->chain_id);
                if (r < 0)
                        return r;
                if (store_layer_get(p->store, l->chain_id, &l->layer) >= 0) {
                        l->state = LAYER_PRESENT;
                        continue;
                }
                l->state = LAYER_QUEUED;
        }
        return 0;
}

static int prepare_download(struct pull_layer *l, struct error *err)
{
        struct image_pull *p = l->set->pull;
        int r;

        r = open_download_file(p->store, &l->fd);
        if (r < 0)
                return error_set_errno(err, r, "failed to create a download file in %s/tmp", p->store->root);
        r = digester_init(&l->digester);
        if (r < 0)
                return r;
        snprintf(l->path, sizeof(l->path), "blobs/%s", l->desc->digest);
        l->req = (struct registry_request){
                .repository = p->repository,
                .path = l->path,
                .write_body = on_blob_data,
                .begin_body = on_blob_begin,
                .write_userdata = l,
        };
        return 0;
}

/* Announces every layer as dockerd does, then queues the downloads. */
static int start_downloads(struct layer_set *set, struct error *err)
{
        struct image_pull *p = set->pull;
        size_t queued = 0;
        int r;

        for (size_t i = 0; i < set->n; i++) {
                struct pull_layer *l = &set->layers[i];

                pull_progress(p, l->short_id, l->state == LAYER_PRESENT ? "Already exists" : "Pulling fs layer", 0, 0);
        }
        for (size_t i = 0; i < set->n; i++) {
                struct pull_layer *l = &set->layers[i];

                if (l->state == LAYER_PRESENT)
                        continue;
                r = prepare_download(l, err);
                if (r < 0)
                        return r;
                if (queued++ >= p->max_parallel)
                        pull_progress(p, l->short_id, "Waiting", 0, 0);
                r = queue_download(l);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void layer_set_done(struct layer_set *set)
{
        for (size_t i = 0; i < set->n; i++) {
                struct pull_layer *l = &set->layers[i];

                if (l->fd >= 0)
                        close(l->fd);
                digester_done(&l->digester);
                error_clear(&l->write_err);
                if (l->layer)
                        store_layer_put(set->pull->store, l->layer);
        }
        registry_batch_free(set->batch);
        free(set->layers);
        error_clear(&set->failure_err);
        pthread_mutex_destroy(&set->lock);
        pthread_cond_destroy(&set->changed);
}

/* Runs the downloads on this thread and the extractions on another. */
static int run(struct layer_set *set, struct error *err)
{
        pthread_t extractor;
        int r;

        r = start_downloads(set, err);
        if (r < 0)
                return r;
        r = -pthread_create(&extractor, NULL, extract_thread, set);
        if (r < 0)
                return error_set_errno(err, r, "failed to start the layer extraction");

        registry_batch_set_tick(set->batch, on_tick, set);
        r = registry_batch_run(set->batch);
        if (r < 0)
                set_fail(set, r, NULL);

        pthread_mutex_lock(&set->lock);
        set->downloads_over = true;
        pthread_cond_broadcast(&set->changed);
        pthread_mutex_unlock(&set->lock);
        pthread_join(extractor, NULL);

        if (set->failure)
                return error_set(err, set->failure, "%s", error_message(&set->failure_err, set->failure));
        return 0;
}

int pull_layers(struct image_pull *p, const struct manifest *m, char *const *diff_ids, struct layer ***ret,
                struct error *err)
{
        struct layer_set set = { .pull = p, .n = m->n_layers };
        struct layer **layers;
        int r;

        pthread_mutex_init(&set.lock, NULL);
        pthread_cond_init(&set.changed, NULL);
        set.layers = calloc(set.n + 1, sizeof(*set.layers));
        layers = calloc(set.n + 1, sizeof(*layers));
        r = set.layers && layers ? registry_batch_new(p->client, p->max_parallel, &set.batch) : -ENOMEM;
        for (size_t i = 0; r >= 0 && i < set.n; i++) {
                set.layers[i].desc = &m->layers[i];
                set.layers[i].fd = -1;
        }
        if (r >= 0)
                r = plan_layers(&set, diff_ids);
        if (r >= 0)
                r = run(&set, err);

        if (r >= 0)
                for (size_t i = 0; i < set.n; i++)
                        layers[i] = TAKE_PTR(set.layers[i].layer);
        layer_set_done(&set);
        if (r < 0) {
                free(layers);
                return r;
        }
        *ret = layers;
        return 0;
}
