/* SPDX-License-Identifier: Apache-2.0 */
/* GET /events: the replay of kept events, then the live stream. */
#include "api.h"
#include "engine/events.h"
#include "jsonutil.h"
#include "timeutil.h"

/* How often a quiet stream checks that its client is still there. */
#define EVENTS_POLL_MS 1000

struct events_job {
        struct event_filter *filter;
        struct event_subscription *subscription;
        struct event **replay;
        struct event_window window;
        bool only_past; /* until lies in the past: the replay is all */
};

static void events_job_free(struct events_job *job)
{
        event_list_free(job->replay);
        event_subscription_free(job->subscription);
        event_filter_free(job->filter);
        free(job);
}

/* Milliseconds to wait for the next event: until the client is checked
 * again, or until "until". Returns -1 once until has passed. */
static int next_timeout_ms(const struct events_job *job)
{
        int64_t left_ns;

        if (!job->window.has_until)
                return EVENTS_POLL_MS;
        left_ns = job->window.until_ns - timeutil_now_ns();
        if (left_ns <= 0)
                return -1;
        return left_ns / 1000000 + 1 < EVENTS_POLL_MS ? (int)(left_ns / 1000000 + 1) : EVENTS_POLL_MS;
}

static void events_stream(struct http_stream *stream, void *userdata)
{
        struct events_job *job = userdata;

        for (size_t i = 0; job->replay[i]; i++)
                if (http_stream_write(stream, job->replay[i]->line, job->replay[i]->line_len) < 0)
                        goto done;
        if (job->only_past)
                goto done;

        for (;;) {
                _cleanup_(event_unrefp) struct event *ev = NULL;
                int timeout = next_timeout_ms(job), r;

                if (timeout < 0)
                        break;
                r = event_subscription_next(job->subscription, timeout, &ev);
                if (r < 0)
                        break;
                if (r > 0 && http_stream_write(stream, ev->line, ev->line_len) < 0)
                        break;
                if (r == 0 && http_stream_closed(stream))
                        break;
        }
done:
        events_job_free(job);
}

static int prepare(struct http_request *req, struct events_job *job, struct error *err)
{
        _cleanup_json_ json_object *filters = NULL;
        int64_t now = timeutil_now_ns();
        int r;

        r = event_window_parse(http_query(req, "since"), http_query(req, "until"), now, &job->window, err);
        if (r < 0)
                return r;
        r = http_query_filters(req, &filters, err);
        if (r < 0)
                return r;
        r = event_filter_new(filters, &job->filter);
        if (r < 0)
                return r;
        job->only_past = job->window.has_until && job->window.until_ns < now;
        return event_bus_subscribe(engine_events(api_daemon(req)->engine), job->filter, &job->window, &job->replay,
                                   &job->subscription);
}

void api_events(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct events_job *job = calloc(1, sizeof(*job));
        int r;

        if (!job) {
                http_reply_error(req, -ENOMEM, NULL);
                return;
        }
        r = prepare(req, job, &err);
        if (r < 0) {
                events_job_free(job);
                api_reply_error(req, r, &err);
                return;
        }
        /* The headers go out at once, so the client knows it is subscribed
         * before the first event. */
        http_reply_stream(req, 200, "application/json", events_stream, job);
}
