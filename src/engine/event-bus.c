/* SPDX-License-Identifier: Apache-2.0 */
/* The event bus: the replay ring and the subscriptions of GET /events. */
#include <inttypes.h>
#include <pthread.h>
#include <time.h>

#include "events.h"
#include "log.h"
#include "timeutil.h"

/* How long event_bus_free waits for the readers of subscriptions. */
#define CLOSE_TIMEOUT_MS 5000

struct event_subscription {
        struct event_subscription *prev, *next;
        struct event_bus *bus;
        const struct event_filter *filter;
        pthread_cond_t changed; /* signalled when an event is queued or the bus closes */
        struct event *queue[EVENT_QUEUE_MAX];
        size_t head, count;
        bool overflowed;
};

struct event_bus {
        pthread_mutex_t lock;
        pthread_cond_t released; /* signalled when a subscription ends */
        struct event *ring[EVENT_BUS_REPLAY_MAX];
        size_t ring_start, ring_count;
        struct event_subscription *subscriptions;
        size_t n_subscriptions;
        uint64_t overflows; /* subscriptions ended because their queue was full */
        bool closing;
};

static void cond_init_monotonic(pthread_cond_t *cond)
{
        pthread_condattr_t attr;

        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(cond, &attr);
        pthread_condattr_destroy(&attr);
}

int event_bus_new(struct event_bus **ret)
{
        struct event_bus *bus = calloc(1, sizeof(*bus));

        if (!bus)
                return -ENOMEM;
        pthread_mutex_init(&bus->lock, NULL);
        cond_init_monotonic(&bus->released);
        *ret = bus;
        return 0;
}

static struct event *ring_at(const struct event_bus *bus, size_t i)
{
        return bus->ring[(bus->ring_start + i) % EVENT_BUS_REPLAY_MAX];
}

void event_bus_close(struct event_bus *bus)
{
        pthread_mutex_lock(&bus->lock);
        bus->closing = true;
        for (struct event_subscription *s = bus->subscriptions; s; s = s->next)
                pthread_cond_signal(&s->changed);
        pthread_mutex_unlock(&bus->lock);
}

/* Closes the bus and waits until every reader has unsubscribed. Returns
 * how many still have their subscription after the timeout. */
static size_t close_subscriptions(struct event_bus *bus)
{
        struct timespec deadline;
        size_t left;

        event_bus_close(bus);
        timeutil_monotonic_deadline(&deadline, CLOSE_TIMEOUT_MS);
        pthread_mutex_lock(&bus->lock);
        while (bus->n_subscriptions > 0)
                if (pthread_cond_timedwait(&bus->released, &bus->lock, &deadline) == ETIMEDOUT)
                        break;
        left = bus->n_subscriptions;
        pthread_mutex_unlock(&bus->lock);
        return left;
}

void event_bus_free(struct event_bus *bus)
{
        size_t left;

        if (!bus)
                return;
        left = close_subscriptions(bus);
        if (left > 0) {
                /* A reader still has a pointer into the bus, so leaking the
                 * bus is safer than freeing it under that reader. */
                log_warn("%zu readers of GET /events did not end within %d ms, so their event bus is not freed", left,
                         CLOSE_TIMEOUT_MS);
                return;
        }
        for (size_t i = 0; i < bus->ring_count; i++)
                event_unref(ring_at(bus, i));
        pthread_cond_destroy(&bus->released);
        pthread_mutex_destroy(&bus->lock);
        free(bus);
}

/* Queues ev for s, or ends s when its reader has fallen too far behind.
 * Call with the bus lock held. */
static void deliver(struct event_bus *bus, struct event_subscription *s, struct event *ev)
{
        if (s->overflowed || !event_filter_match(s->filter, ev))
                return;
        if (s->count == EVENT_QUEUE_MAX) {
                s->overflowed = true;
                bus->overflows++;
                log_warn("A reader of GET /events fell %d events behind, so its stream ends (%" PRIu64
                         " streams ended so far)",
                         EVENT_QUEUE_MAX, bus->overflows);
                pthread_cond_signal(&s->changed);
                return;
        }
        s->queue[(s->head + s->count) % EVENT_QUEUE_MAX] = event_ref(ev);
        s->count++;
        pthread_cond_signal(&s->changed);
}

void event_bus_publish(struct event_bus *bus, struct event *ev)
{
        if (!ev)
                return;
        pthread_mutex_lock(&bus->lock);
        if (bus->ring_count == EVENT_BUS_REPLAY_MAX) {
                event_unref(bus->ring[bus->ring_start]);
                bus->ring[bus->ring_start] = ev;
                bus->ring_start = (bus->ring_start + 1) % EVENT_BUS_REPLAY_MAX;
        } else {
                bus->ring[(bus->ring_start + bus->ring_count) % EVENT_BUS_REPLAY_MAX] = ev;
                bus->ring_count++;
        }
        for (struct event_subscription *s = bus->subscriptions; s; s = s->next)
                deliver(bus, s, ev);
        pthread_mutex_unlock(&bus->lock);
}

/* The kept events that window replays and filter matches. Call with the
 * bus lock held. */
static struct event **collect_replay(struct event_bus *bus, const struct event_filter *filter,
                                     const struct event_window *window)
{
        struct event **list = calloc(bus->ring_count + 1, sizeof(*list));
        size_t n = 0;

        if (!list)
                return NULL;
        for (size_t i = 0; i < bus->ring_count; i++) {
                struct event *ev = ring_at(bus, i);

                if (event_window_replays(window, ev->time_ns) && event_filter_match(filter, ev))
                        list[n++] = event_ref(ev);
        }
        return list;
}

int event_bus_subscribe(struct event_bus *bus, const struct event_filter *filter, const struct event_window *window,
                        struct event ***ret_replay, struct event_subscription **ret)
{
        struct event_subscription *s = calloc(1, sizeof(*s));
        struct event **replay;

        if (!s)
                return -ENOMEM;
        s->bus = bus;
        s->filter = filter;
        cond_init_monotonic(&s->changed);

        pthread_mutex_lock(&bus->lock);
        if (bus->closing) {
                pthread_mutex_unlock(&bus->lock);
                pthread_cond_destroy(&s->changed);
                free(s);
                return -ESHUTDOWN;
        }
        replay = collect_replay(bus, filter, window);
        if (!replay) {
                pthread_mutex_unlock(&bus->lock);
                pthread_cond_destroy(&s->changed);
                free(s);
                return -ENOMEM;
        }
        s->next = bus->subscriptions;
        if (s->next)
                s->next->prev = s;
        bus->subscriptions = s;
        bus->n_subscriptions++;
        pthread_mutex_unlock(&bus->lock);

        *ret_replay = replay;
        *ret = s;
        return 0;
}

int event_subscription_next(struct event_subscription *s, int timeout_ms, struct event **ret)
{
        struct event_bus *bus = s->bus;
        struct timespec deadline;
        int r = 0;

        if (timeout_ms >= 0)
                timeutil_monotonic_deadline(&deadline, timeout_ms);
        pthread_mutex_lock(&bus->lock);
        for (;;) {
                if (s->count > 0) {
                        *ret = s->queue[s->head];
                        s->queue[s->head] = NULL;
                        s->head = (s->head + 1) % EVENT_QUEUE_MAX;
                        s->count--;
                        r = 1;
                        break;
                }
                if (bus->closing || s->overflowed) {
                        r = bus->closing ? -ESHUTDOWN : -ENOBUFS;
                        break;
                }
                if (timeout_ms < 0)
                        pthread_cond_wait(&s->changed, &bus->lock);
                else if (pthread_cond_timedwait(&s->changed, &bus->lock, &deadline) == ETIMEDOUT)
                        break;
        }
        pthread_mutex_unlock(&bus->lock);
        return r;
}

void event_subscription_free(struct event_subscription *s)
{
        struct event_bus *bus;

        if (!s)
                return;
        bus = s->bus;
        pthread_mutex_lock(&bus->lock);
        if (s->prev)
                s->prev->next = s->next;
        else
                bus->subscriptions = s->next;
        if (s->next)
                s->next->prev = s->prev;
        bus->n_subscriptions--;
        pthread_cond_signal(&bus->released);
        pthread_mutex_unlock(&bus->lock);

        for (size_t i = 0; i < s->count; i++)
                event_unref(s->queue[(s->head + i) % EVENT_QUEUE_MAX]);
        pthread_cond_destroy(&s->changed);
        free(s);
}
