/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "macro.h"

/*
 * The event bus behind GET /events. Modules publish Docker's events
 * (container, image, network, volume, daemon) and each client of
 * GET /events has a subscription. The bus keeps the last
 * EVENT_BUS_REPLAY_MAX events for the "since" and "until" of new
 * subscriptions, as dockerd 20.10 keeps 256. Publishing never blocks on
 * a subscriber: one whose queue is full is ended (see
 * event_subscription_next). Thread-safe.
 */

#define EVENT_BUS_REPLAY_MAX 256
/* Events waiting for one subscriber, the size of dockerd 20.10's channel. */
#define EVENT_QUEUE_MAX 1024

/* One event, immutable once created, shared by reference. */
struct event {
        char *type;        /* "container", "image", "network", "volume", "daemon" */
        char *action;      /* "create", "die", "exec_start: sh -c ...", ... */
        char *actor_id;    /* container ID, image ID or reference, daemon ID, or "" */
        char **attributes; /* key, value, key, value, ..., NULL, sorted by key */
        int64_t time_ns;
        char *line; /* Docker's events.Message as one JSON line, "\n" included */
        size_t line_len;
        int refcount;
};

/* Creates an event at the current time. attributes contains key, value
 * pairs (NULL-terminated, may be NULL) and is copied. A key given twice
 * keeps its last value, as Go's map assignments in dockerd do. Returns
 * NULL when out of memory. */
struct event *event_new(const char *type, const char *action, const char *actor_id, char *const *attributes);

/* The same with an explicit time, for tests and replays. */
struct event *event_new_at(const char *type, const char *action, const char *actor_id, char *const *attributes,
                           int64_t time_ns);

struct event *event_ref(struct event *ev);
void event_unref(struct event *ev);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct event *, event_unref)

/* Returns the value of an attribute, or NULL. */
const char *event_attribute(const struct event *ev, const char *key);

/* ---- Filters and the time window of GET /events ---- */

/* The "filters" of GET /events: container, daemon, event, image, label,
 * network, plugin, scope, type, volume and the swarm keys, with dockerd
 * 20.10's matching rules (daemon/events/filter.go). Other keys are
 * accepted and ignored, as dockerd does. */
struct event_filter;

/* Takes a reference to filters, a JSON object mapping each key to an
 * array of strings (http_query_filters returns that shape). */
int event_filter_new(json_object *filters, struct event_filter **ret);
void event_filter_free(struct event_filter *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct event_filter *, event_filter_free)

bool event_filter_match(const struct event_filter *f, const struct event *ev);

/* The "since" and "until" of GET /events. */
struct event_window {
        bool has_since;
        bool has_until;
        int64_t since_ns;
        int64_t until_ns;
};

/* Parses "since" and "until" (NULL or "" when absent) relative to now_ns:
 * a Unix timestamp with an optional fraction, as dockerd's API takes
 * them, or any form the docker CLI accepts (durations such as "10m",
 * RFC 3339 dates and times). Errors are -EINVAL with a message; an until
 * before since gets dockerd's text. */
int event_window_parse(const char *since, const char *until, int64_t now_ns, struct event_window *ret,
                       struct error *err);

/* Tells whether an event at time_ns belongs to the replay of window,
 * with dockerd's rules: no replay without since and until, and an until
 * of the epoch (0) does not limit. */
bool event_window_replays(const struct event_window *window, int64_t time_ns);

/* ---- The bus ---- */

struct event_bus;
struct event_subscription;

int event_bus_new(struct event_bus **ret);

/* Ends every subscription: their readers get -ESHUTDOWN once their queue
 * is empty. New subscriptions fail with -ESHUTDOWN. Publishing goes on. */
void event_bus_close(struct event_bus *bus);

/* Closes the bus, waits up to a few seconds for the readers of its
 * subscriptions to let go, and frees it. */
void event_bus_free(struct event_bus *bus);

/* Publishes ev (consumed): keeps it for replays and queues it for every
 * subscription whose filter matches. */
void event_bus_publish(struct event_bus *bus, struct event *ev);

/* Subscribes with filter, which may be NULL and must outlive the
 * subscription. Under one lock it takes the kept events that window replays and match
 * filter (oldest first, in *ret_replay, a NULL-terminated array the
 * caller frees with event_list_free) and starts queueing new ones, so no
 * event falls between the two. */
int event_bus_subscribe(struct event_bus *bus, const struct event_filter *filter, const struct event_window *window,
                        struct event ***ret_replay, struct event_subscription **ret);

/* Waits up to timeout_ms (< 0: no limit) for the next event. Returns 1
 * with the event in *ret, 0 on timeout, -ENOBUFS once the subscription
 * was ended because its queue overflowed, and -ESHUTDOWN once the bus is
 * closed, in both cases after the queued events. */
int event_subscription_next(struct event_subscription *sub, int timeout_ms, struct event **ret);

void event_subscription_free(struct event_subscription *sub);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct event_subscription *, event_subscription_free)

void event_list_free(struct event **list);
