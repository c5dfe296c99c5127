/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parses arbitrary text as the query of GET /events: the first line is
 * "since", the second "until", the rest "filters". Whatever parses must
 * match events without crashing, and a window that parses must not end
 * before it starts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/events.h"
#include "http/http-parse.h"
#include "jsonutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Splits off the text up to the next newline (or the end). */
static char *next_line(const char **p, const char *end)
{
        const char *nl = memchr(*p, '\n', (size_t)(end - *p));
        const char *stop = nl ? nl : end;
        char *line = strndup(*p, (size_t)(stop - *p));

        *p = nl ? nl + 1 : end;
        return line;
}

static void match_events(const struct event_filter *f, const char *text)
{
        char *container[] = { "image", "busybox:1.35", "name", (char *)text, "com.example", "x", NULL };
        char *image[] = { "name", (char *)text, NULL };
        struct event *events[] = {
                event_new_at("container", "start", "0123abcd", container, 1),
                event_new_at("container", text, text, container, 2),
                event_new_at("image", "tag", text, image, 3),
                event_new_at("daemon", "reload", "ID", NULL, 4),
        };

        for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
                if (!events[i])
                        continue;
                (void)event_filter_match(f, events[i]);
                event_unref(events[i]);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *p = (const char *)data, *end = p + size;
        _cleanup_free_ char *since = next_line(&p, end), *until = next_line(&p, end);
        _cleanup_free_ char *filters_text = strndup(p, (size_t)(end - p));
        _cleanup_json_ json_object *filters = NULL;
        struct event_filter *f = NULL;
        struct event_window w;
        _cleanup_error_ struct error err = ERROR_INIT;

        if (!since || !until || !filters_text)
                return 0;
        if (event_window_parse(since, until, 1700000000000000000LL, &w, &err) >= 0) {
                if (w.has_since && w.has_until && w.until_ns < w.since_ns)
                        abort();
                (void)event_window_replays(&w, 0);
        }
        error_clear(&err);
        if (http_filters_parse(filters_text, &filters, NULL) < 0)
                return 0;
        if (event_filter_new(filters, &f) < 0)
                return 0;
        match_events(f, since);
        event_filter_free(f);
        return 0;
}
