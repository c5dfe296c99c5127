/* SPDX-License-Identifier: Apache-2.0 */
/* A layer compressed into a file on a thread of its own, so that its
 * upload can start before the compression ends. */
#include <stdio.h>

#include "blob-compress.h"
#include "layer-tar.h"
#include "push-internal.h"

struct push_compression {
        struct push_session *session;
        struct push_layer *layer;
        const bool *cancel; /* the other layers' failure */
        struct blob_compressor *compressor;
        struct push_progress progress;
        pthread_t thread;

        pthread_mutex_t lock; /* guards the fields below */
        pthread_cond_t changed;
        int64_t available; /* compressed bytes written to the file */
        bool stop;         /* set when the upload failed */
        bool done;
        int result;
        struct error err;
        struct blob_compress_result out;
};

static bool stopped(struct push_compression *c)
{
        bool stop;

        pthread_mutex_lock(&c->lock);
        stop = c->stop;
        pthread_mutex_unlock(&c->lock);
        return stop || __atomic_load_n(c->cancel, __ATOMIC_RELAXED) || push_client_gone(c->session);
}

static int compress_write(void *userdata, const void *buf, size_t len)
{
        struct push_compression *c = userdata;
        int r;

        if (stopped(c))
                return -ECANCELED;
        r = blob_compressor_write(c->compressor, buf, len);
        if (r < 0)
                return r;
        push_progress_update(c->session, c->layer, &c->progress, blob_compressor_input_bytes(c->compressor), false);

        pthread_mutex_lock(&c->lock);
        c->available = blob_compressor_output_bytes(c->compressor);
        pthread_cond_broadcast(&c->changed);
        pthread_mutex_unlock(&c->lock);
        return 0;
}

static int compress_layer(struct push_compression *c, struct blob_compress_result *ret, struct error *err)
{
        struct push_layer *l = c->layer;
        int r;

        r = image_layer_write_tar(c->session->store, l->chain_id, compress_write, c, err);
        if (r < 0)
                return r;
        r = blob_compressor_finish(c->compressor, ret);
        if (r < 0)
                return error_set_errno(err, r, "failed to compress layer %s", l->diff_id);
        /* image_layer_write_tar checks this too; a wrong blob must never
         * reach the commit. */
        if (!streq(ret->diff_id, l->diff_id))
                return error_set(err, -EIO, "layer %s: its tar has digest %s", l->diff_id, ret->diff_id);
        push_progress_update(c->session, l, &c->progress, ret->tar_size, true);
        return 0;
}

static void *compress_main(void *userdata)
{
        struct push_compression *c = userdata;
        struct blob_compress_result out = { 0 };
        struct error err = ERROR_INIT;
        int r;

        r = compress_layer(c, &out, &err);

        pthread_mutex_lock(&c->lock);
        c->result = r;
        c->err = err;
        c->out = out;
        if (r >= 0)
                c->available = out.size;
        c->done = true;
        pthread_cond_broadcast(&c->changed);
        pthread_mutex_unlock(&c->lock);
        return NULL;
}

static void compression_free(struct push_compression *c)
{
        blob_compressor_free(c->compressor);
        error_clear(&c->err);
        pthread_cond_destroy(&c->changed);
        pthread_mutex_destroy(&c->lock);
        free(c);
}

int push_compression_start(struct push_session *p, struct push_layer *l, const bool *cancel, int fd,
                           struct push_compression **ret)
{
        struct push_compression *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        *c = (struct push_compression){ .session = p, .layer = l, .cancel = cancel, .err = ERROR_INIT };
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->changed, NULL);

        r = blob_compressor_new(fd, &c->compressor);
        if (r >= 0)
                r = -pthread_create(&c->thread, NULL, compress_main, c);
        if (r < 0) {
                compression_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int push_compression_wait(struct push_compression *c, int64_t needed, char *ret_digest, int64_t *ret_size)
{
        int r = 0;

        pthread_mutex_lock(&c->lock);
        while (!c->done && c->available < needed)
                pthread_cond_wait(&c->changed, &c->lock);
        if (c->done && c->result < 0)
                r = c->result;
        else if (c->done) {
                snprintf(ret_digest, DIGEST_STRING_MAX, "%s", c->out.blob_digest);
                *ret_size = c->out.size;
                r = 1;
        }
        pthread_mutex_unlock(&c->lock);
        return r;
}

int push_compression_finish(struct push_compression *c, bool stop, struct error *err)
{
        int r;

        if (stop) {
                pthread_mutex_lock(&c->lock);
                c->stop = true;
                pthread_mutex_unlock(&c->lock);
        }
        pthread_join(c->thread, NULL);

        r = c->result;
        if (r < 0 && err) {
                error_clear(err);
                *err = c->err;
                c->err = ERROR_INIT;
        }
        compression_free(c);
        return r;
}
