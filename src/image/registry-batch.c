/* SPDX-License-Identifier: Apache-2.0 */
/* Several requests of one client at once, on a curl multi handle. */
#include <stdatomic.h>

#include "registry-internal.h"

struct registry_batch {
        struct registry_client *client;
        CURLM *multi;
        unsigned max_parallel;
        unsigned running;
        struct transfer *queue, **queue_tail; /* not started yet */
        atomic_bool cancelled;
        registry_tick_fn tick;
        void *tick_userdata;
};

bool batch_cancelled(const struct registry_batch *b)
{
        return atomic_load(&b->cancelled);
}

int registry_batch_new(struct registry_client *c, unsigned max_parallel, struct registry_batch **ret)
{
        struct registry_batch *b = calloc(1, sizeof(*b));

        if (!b)
                return -ENOMEM;
        b->multi = curl_multi_init();
        if (!b->multi) {
                free(b);
                return -ENOMEM;
        }
        b->client = c;
        b->max_parallel = max_parallel ?: 1;
        b->queue_tail = &b->queue;
        *ret = b;
        return 0;
}

static void transfer_free(struct transfer *t)
{
        transfer_done(t);
        free(t);
}

void registry_batch_free(struct registry_batch *b)
{
        if (!b)
                return;
        while (b->queue) {
                struct transfer *t = b->queue;

                b->queue = t->next;
                transfer_free(t);
        }
        curl_multi_cleanup(b->multi);
        free(b);
}

int registry_batch_add(struct registry_batch *b, const struct registry_request *req, registry_done_fn done,
                       void *userdata)
{
        struct transfer *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        t->client = b->client;
        t->req = req;
        t->batch = b;
        t->done = done;
        t->done_userdata = userdata;
        t->own_easy = true;
        *b->queue_tail = t;
        b->queue_tail = &t->next;
        return 0;
}

void registry_batch_set_tick(struct registry_batch *b, registry_tick_fn tick, void *userdata)
{
        b->tick = tick;
        b->tick_userdata = userdata;
}

void registry_batch_cancel(struct registry_batch *b)
{
        atomic_store(&b->cancelled, true);
}

static void finish(struct registry_batch *b, struct transfer *t, int r, struct error *err)
{
        t->done(r, &t->resp, err, t->done_userdata);
        transfer_free(t);
        (void)b;
}

/* Sets up a transfer and hands it to the multi handle. */
static void start(struct registry_batch *b, struct transfer *t)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r = 0;

        if (batch_cancelled(b))
                r = -ECANCELED;
        if (r >= 0 && !t->easy && !(t->easy = curl_easy_init()))
                r = -ENOMEM;
        if (r >= 0)
                r = transfer_setup(t, &err);
        if (r >= 0 && curl_multi_add_handle(b->multi, t->easy) != CURLM_OK)
                r = -ENOMEM;
        if (r < 0) {
                finish(b, t, r, &err);
                return;
        }
        b->running++;
}

static void start_queued(struct registry_batch *b)
{
        while (b->queue && b->running < b->max_parallel) {
                struct transfer *t = b->queue;

                b->queue = t->next;
                if (!b->queue)
                        b->queue_tail = &b->queue;
                t->next = NULL;
                start(b, t);
        }
}

static void handle_done(struct registry_batch *b, CURL *easy, CURLcode code)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        enum transfer_outcome outcome = TRANSFER_DONE;
        struct transfer *t = NULL;
        int r;

        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
        curl_multi_remove_handle(b->multi, easy);
        b->running--;

        r = transfer_finish(t, code, &outcome, &err);
        if (r >= 0 && outcome == TRANSFER_RETRY && !batch_cancelled(b)) {
                start(b, t);
                return;
        }
        if (r >= 0 && batch_cancelled(b) && code != CURLE_OK)
                r = -ECANCELED;
        finish(b, t, r, &err);
}

/* Runs the tick; returns whether it keeps the batch alive. */
static bool run_tick(struct registry_batch *b)
{
        return b->tick && b->tick(b->tick_userdata) && !batch_cancelled(b);
}

int registry_batch_run(struct registry_batch *b)
{
        int still_running = 0;
        bool waiting;

        start_queued(b);
        waiting = run_tick(b);
        while (b->running > 0 || b->queue || waiting) {
                CURLMsg *msg;
                int left;

                if (curl_multi_perform(b->multi, &still_running) != CURLM_OK)
                        return -EIO;
                while ((msg = curl_multi_info_read(b->multi, &left)))
                        if (msg->msg == CURLMSG_DONE)
                                handle_done(b, msg->easy_handle, msg->data.result);
                waiting = run_tick(b);
                start_queued(b);
                if ((b->running > 0 || waiting) && curl_multi_poll(b->multi, NULL, 0, 1000, NULL) != CURLM_OK)
                        return -EIO;
        }
        return 0;
}
