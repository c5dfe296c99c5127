/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON message stream of a push, and what a push session remembers
 * between tags. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "jsonmessage.h"
#include "push-internal.h"
#include "strv.h"

#define PROGRESS_EVERY_BYTES (512 * 1024)
#define PROGRESS_EVERY_NS    (100 * 1000 * 1000)

/* Writes a line (consumed); NULL means out of memory. */
static int output_line(struct push_session *p, char *line)
{
        int r = 0;

        if (!line)
                return -ENOMEM;

        pthread_mutex_lock(&p->lock);
        if (p->client_gone)
                r = -ECANCELED;
        else if (p->write(line, p->userdata) < 0) {
                p->client_gone = true;
                r = -ECANCELED;
        }
        pthread_mutex_unlock(&p->lock);

        free(line);
        return r;
}

bool push_client_gone(struct push_session *p)
{
        bool gone;

        pthread_mutex_lock(&p->lock);
        gone = p->client_gone;
        pthread_mutex_unlock(&p->lock);
        return gone;
}

int push_output_status(struct push_session *p, const char *status)
{
        return output_line(p, jsonmessage_status(status));
}

int push_output_layer(struct push_session *p, const struct push_layer *l, const char *status)
{
        /* dockerd sends these as progress messages without numbers:
         * {"status":...,"progressDetail":{},"id":...}. */
        return output_line(p, jsonmessage_progress(l->short_id, status, 0, 0));
}

int push_output_progress(struct push_session *p, const struct push_layer *l, int64_t current)
{
        return output_line(p, jsonmessage_progress(l->short_id, "Pushing", current, l->size));
}

int push_output_result(struct push_session *p, const char *tag, const char *digest, size_t size)
{
        _cleanup_free_ char *status = NULL;
        int r;

        if (asprintf(&status, "%s: digest: %s size: %zu", tag, digest, size) < 0)
                return -ENOMEM;
        r = output_line(p, jsonmessage_status(status));
        if (r < 0)
                return r;
        return output_line(p, jsonmessage_push_result(tag, digest, (int64_t)size));
}

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void push_progress_update(struct push_session *p, const struct push_layer *l, struct push_progress *progress,
                          int64_t current, bool last)
{
        int64_t every = PROGRESS_EVERY_BYTES, now;

        if (l->size > 0 && l->size / 100 < every)
                every = l->size / 100;
        if (current - progress->last_update <= every && !last)
                return;
        progress->last_update = current;

        now = now_ns();
        if (!last && current != l->size && progress->sent && now - progress->last_sent_ns < PROGRESS_EVERY_NS)
                return;
        progress->sent = true;
        progress->last_sent_ns = now;
        /* A lost progress line is no reason to fail; a gone client shows
         * at the next check. */
        (void)push_output_progress(p, l, current);
}

bool push_session_find_done(struct push_session *p, const char *diff_id, struct blob_descriptor *ret)
{
        bool found = false;

        pthread_mutex_lock(&p->lock);
        for (size_t i = 0; i < p->n_done && !found; i++)
                if (streq(p->done_diff_ids[i], diff_id)) {
                        *ret = p->done_blobs[i];
                        found = true;
                }
        pthread_mutex_unlock(&p->lock);
        return found;
}

int push_session_add_done(struct push_session *p, const char *diff_id, const struct blob_descriptor *blob)
{
        struct blob_descriptor *grown;
        int r = 0;

        pthread_mutex_lock(&p->lock);
        grown = realloc(p->done_blobs, (p->n_done + 1) * sizeof(*grown));
        if (grown) {
                p->done_blobs = grown;
                r = strv_append(&p->done_diff_ids, diff_id);
                if (r >= 0)
                        p->done_blobs[p->n_done++] = *blob;
        } else
                r = -ENOMEM;
        pthread_mutex_unlock(&p->lock);
        return r;
}
