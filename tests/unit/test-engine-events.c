/* SPDX-License-Identifier: Apache-2.0 */
/* The events of GET /events: their JSON, the filters, since and until,
 * and the bus with its replay and subscriptions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>

#include "engine/events.h"
#include "http/http-parse.h"
#include "jsonutil.h"

#define SEC 1000000000LL
/* 2023-11-14T22:13:20Z, a fixed "now" for the window tests. */
#define NOW (1700000000LL * SEC)

static struct event *container_event(const char *action, const char *id, const char *name, const char *image,
                                     int64_t time_ns)
{
        char *pairs[] = { "image", (char *)image, "name", (char *)name, "com.example.tier", "web", NULL };

        return event_new_at("container", action, id, pairs, time_ns);
}

/* ---- JSON ---- */

static void json_of_container_event(void **state)
{
        _cleanup_(event_unrefp) struct event *ev = NULL;
        char *pairs[] = { "name", "web", "exitCode", "0", "image", "busybox", NULL };

        ev = event_new_at("container", "die", "abc123", pairs, 1700000000123456789LL);
        assert_non_null(ev);
        assert_string_equal(ev->line,
                            "{\"status\":\"die\",\"id\":\"abc123\",\"from\":\"busybox\",\"Type\":\"container\","
                            "\"Action\":\"die\",\"Actor\":{\"ID\":\"abc123\",\"Attributes\":{\"exitCode\":\"0\","
                            "\"image\":\"busybox\",\"name\":\"web\"}},\"scope\":\"local\",\"time\":1700000000,"
                            "\"timeNano\":1700000000123456789}\n");
        assert_int_equal(ev->line_len, strlen(ev->line));
}

static void json_of_image_event(void **state)
{
        _cleanup_(event_unrefp) struct event *ev = NULL;
        char *pairs[] = { "name", "busybox:latest", NULL };

        ev = event_new_at("image", "tag", "sha256:1", pairs, 5 * SEC);
        assert_non_null(ev);
        assert_string_equal(ev->line, "{\"status\":\"tag\",\"id\":\"sha256:1\",\"Type\":\"image\",\"Action\":\"tag\","
                                      "\"Actor\":{\"ID\":\"sha256:1\",\"Attributes\":{\"name\":\"busybox:latest\"}},"
                                      "\"scope\":\"local\",\"time\":5,\"timeNano\":5000000000}\n");
}

/* Daemon and network events have no deprecated fields; a prune has no ID. */
static void json_without_deprecated_fields(void **state)
{
        _cleanup_(event_unrefp) struct event *reload = NULL, *prune = NULL;
        char *reclaimed[] = { "reclaimed", "3", NULL };

        reload = event_new_at("daemon", "reload", "ABCD:EFGH", NULL, SEC);
        assert_non_null(reload);
        assert_string_equal(reload->line,
                            "{\"Type\":\"daemon\",\"Action\":\"reload\",\"Actor\":{\"ID\":\"ABCD:EFGH\","
                            "\"Attributes\":{}},\"scope\":\"local\",\"time\":1,\"timeNano\":1000000000}\n");

        prune = event_new_at("container", "prune", "", reclaimed, SEC);
        assert_non_null(prune);
        assert_string_equal(prune->line, "{\"status\":\"prune\",\"Type\":\"container\",\"Action\":\"prune\","
                                         "\"Actor\":{\"ID\":\"\",\"Attributes\":{\"reclaimed\":\"3\"}},"
                                         "\"scope\":\"local\",\"time\":1,\"timeNano\":1000000000}\n");
}

/* A key given twice keeps its last value, as dockerd's labels give way
 * to "image" and "name". */
static void attributes_last_value_wins(void **state)
{
        _cleanup_(event_unrefp) struct event *ev = NULL;
        char *pairs[] = { "name", "label-value", "b", "1", "a", "2", "name", "web", NULL };

        ev = event_new_at("container", "start", "id", pairs, SEC);
        assert_non_null(ev);
        assert_string_equal(event_attribute(ev, "name"), "web");
        assert_string_equal(ev->attributes[0], "a");
        assert_string_equal(ev->attributes[2], "b");
        assert_string_equal(ev->attributes[4], "name");
        assert_null(ev->attributes[6]);
        assert_null(event_attribute(ev, "missing"));
}

/* ---- filters ---- */

/* Parses filters as GET /events receives them and matches ev. */
static bool matches(const char *filters, const struct event *ev)
{
        _cleanup_json_ json_object *parsed = NULL;
        _cleanup_(event_filter_freep) struct event_filter *f = NULL;

        assert_int_equal(http_filters_parse(filters, &parsed, NULL), 0);
        assert_int_equal(event_filter_new(parsed, &f), 0);
        return event_filter_match(f, ev);
}

static void filter_by_type_and_event(void **state)
{
        _cleanup_(event_unrefp) struct event *ev = container_event("start", "0123abcd", "web", "busybox:1.35", SEC);

        assert_true(matches("{}", ev));
        assert_true(matches("{\"type\":[\"container\"]}", ev));
        assert_false(matches("{\"type\":[\"image\"]}", ev));
        assert_true(matches("{\"type\":[\"image\",\"container\"]}", ev));
        assert_true(matches("{\"event\":[\"start\"]}", ev));
        assert_false(matches("{\"event\":[\"sta\"]}", ev));
        assert_true(matches("{\"event\":[\"die\",\"start\"],\"type\":[\"container\"]}", ev));
        assert_false(matches("{\"event\":[\"die\"],\"type\":[\"container\"]}", ev));
        assert_true(matches("{\"scope\":[\"local\"]}", ev));
        assert_false(matches("{\"scope\":[\"swarm\"]}", ev));
        /* dockerd ignores keys it does not know. */
        assert_true(matches("{\"colour\":[\"blue\"]}", ev));
}

/* exec_create, exec_start and health_status carry details after a colon,
 * so their bare names match as prefixes. */
static void filter_exec_events_by_prefix(void **state)
{
        _cleanup_(event_unrefp) struct event *ev = container_event("exec_start: sh -c true", "id1", "web", "b", SEC);

        assert_true(matches("{\"event\":[\"exec_start\"]}", ev));
        assert_true(matches("{\"event\":[\"exec_start: sh -c true\"]}", ev));
        assert_false(matches("{\"event\":[\"exec_create\"]}", ev));
        assert_false(matches("{\"event\":[\"exec\"]}", ev));
}

static void filter_by_container(void **state)
{
        _cleanup_(event_unrefp) struct event *ev = container_event("start", "0123abcd", "web", "busybox:1.35", SEC);
        _cleanup_(event_unrefp) struct event *image = NULL;
        char *image_pairs[] = { "name", "busybox:1.35", NULL };

        image = event_new_at("image", "tag", "sha256:0123", image_pairs, SEC);
        assert_non_null(image);
        assert_true(matches("{\"container\":[\"web\"]}", ev));
        assert_true(matches("{\"container\":[\"0123abcd\"]}", ev));
        /* A prefix of the ID or the name matches, as in dockerd. */
        assert_true(matches("{\"container\":[\"0123\"]}", ev));
        assert_true(matches("{\"container\":[\"we\"]}", ev));
        assert_false(matches("{\"container\":[\"db\"]}", ev));
        assert_true(matches("{\"container\":[\"db\",\"web\"]}", ev));
        /* The filter applies to every event: an image never matches. */
        assert_false(matches("{\"container\":[\"web\"]}", image));
        assert_false(matches("{\"daemon\":[\"x\"]}", ev));
        assert_false(matches("{\"network\":[\"bridge\"]}", ev));
        assert_false(matches("{\"volume\":[\"data\"]}", ev));
}

static void filter_by_label(void **state)
{
        _cleanup_(event_unrefp) struct event *ev = container_event("start", "id", "web", "busybox", SEC);
        _cleanup_(event_unrefp) struct event *bare = event_new_at("daemon", "reload", "x", NULL, SEC);

        assert_true(matches("{\"label\":[\"com.example.tier\"]}", ev));
        assert_true(matches("{\"label\":[\"com.example.tier=web\"]}", ev));
        assert_false(matches("{\"label\":[\"com.example.tier=db\"]}", ev));
        /* Every label must match. */
        assert_false(matches("{\"label\":[\"com.example.tier\",\"other\"]}", ev));
        assert_true(matches("{\"label\":[\"com.example.tier\",\"name=web\"]}", ev));
        assert_false(matches("{\"label\":[\"x\"]}", bare));
}

static void filter_by_image(void **state)
{
        _cleanup_(event_unrefp) struct event *ev = container_event("start", "id", "web", "busybox:1.35", SEC);
        _cleanup_(event_unrefp) struct event *image = NULL;
        _cleanup_(event_unrefp) struct event *pull = NULL;
        char *tag_pairs[] = { "name", "busybox:1.35", NULL };
        char *pull_pairs[] = { "name", "localhost:5000/app", NULL };

        image = event_new_at("image", "tag", "sha256:0123", tag_pairs, SEC);
        pull = event_new_at("image", "pull", "localhost:5000/app:v1", pull_pairs, SEC);
        assert_non_null(image);
        assert_non_null(pull);

        assert_true(matches("{\"image\":[\"busybox:1.35\"]}", ev));
        /* Without its tag. */
        assert_true(matches("{\"image\":[\"busybox\"]}", ev));
        assert_false(matches("{\"image\":[\"busybox:1.36\"]}", ev));
        assert_false(matches("{\"image\":[\"alpine\"]}", ev));
        assert_true(matches("{\"image\":[\"busybox\"]}", image));
        assert_true(matches("{\"image\":[\"sha256:0123\"]}", image));
        assert_true(matches("{\"image\":[\"localhost:5000/app\"]}", pull));
        assert_true(matches("{\"image\":[\"localhost:5000/app:v1\"]}", pull));
        assert_false(matches("{\"image\":[\"app\"]}", pull));
}

/* ---- since and until ---- */

static int window(const char *since, const char *until, struct event_window *ret, char *message, size_t size)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r = event_window_parse(since, until, NOW, ret, &err);

        snprintf(message, size, "%s", r < 0 ? error_message(&err, r) : "");
        return r;
}

static void window_parses_unix_times(void **state)
{
        struct event_window w;
        char message[256];

        assert_int_equal(window(NULL, "", &w, message, sizeof(message)), 0);
        assert_false(w.has_since);
        assert_false(w.has_until);

        assert_int_equal(window("1700000000", "1700000001.5", &w, message, sizeof(message)), 0);
        assert_true(w.has_since);
        assert_true(w.has_until);
        assert_int_equal(w.since_ns, NOW);
        assert_int_equal(w.until_ns, NOW + SEC + SEC / 2);

        /* The epoch is a time, not an absent one. */
        assert_int_equal(window("0", NULL, &w, message, sizeof(message)), 0);
        assert_true(w.has_since);
        assert_int_equal(w.since_ns, 0);

        /* As in Go, the sign belongs to the seconds: -5.5 is 4.5 s before the epoch. */
        assert_int_equal(window("-5.5", NULL, &w, message, sizeof(message)), 0);
        assert_int_equal(w.since_ns, -4 * SEC - SEC / 2);

        /* Digits past the nanoseconds are dropped. */
        assert_int_equal(window("1.1234567891", NULL, &w, message, sizeof(message)), 0);
        assert_int_equal(w.since_ns, SEC + 123456789);
}

/* Durations and dates, as the docker CLI accepts them, work too. */
static void window_parses_cli_forms(void **state)
{
        struct event_window w;
        char message[256];

        assert_int_equal(window("10m", NULL, &w, message, sizeof(message)), 0);
        assert_int_equal(w.since_ns, NOW - 600 * SEC);
        assert_int_equal(window("2023-11-14T22:13:20Z", NULL, &w, message, sizeof(message)), 0);
        assert_int_equal(w.since_ns, NOW);
}

static void window_rejects_bad_values(void **state)
{
        struct event_window w;
        char message[256];

        assert_int_equal(window("abc", NULL, &w, message, sizeof(message)), -EINVAL);
        assert_non_null(strstr(message, "invalid value of since"));
        assert_int_equal(window(NULL, "1.5x", &w, message, sizeof(message)), -EINVAL);
        assert_non_null(strstr(message, "invalid value of until"));
        assert_int_equal(window("20", "10", &w, message, sizeof(message)), -EINVAL);
        assert_string_equal(message, "`since` time (20) cannot be after `until` time (10)");
        assert_int_equal(window("10", "10", &w, message, sizeof(message)), 0);
}

static void window_replays_as_dockerd(void **state)
{
        struct event_window none = { 0 };
        struct event_window since = { .has_since = true, .since_ns = 10 * SEC };
        struct event_window until = { .has_until = true, .until_ns = 10 * SEC };
        struct event_window epoch_until = { .has_until = true, .until_ns = 0 };

        assert_false(event_window_replays(&none, 5 * SEC));
        assert_false(event_window_replays(&since, 9 * SEC));
        assert_true(event_window_replays(&since, 10 * SEC));
        assert_true(event_window_replays(&until, 10 * SEC));
        assert_false(event_window_replays(&until, 11 * SEC));
        /* dockerd does not limit the replay by an until of 0. */
        assert_true(event_window_replays(&epoch_until, 11 * SEC));
}

/* ---- the bus ---- */

static void publish(struct event_bus *bus, const char *action, int64_t time_ns)
{
        struct event *ev = container_event(action, "id", "web", "busybox", time_ns);

        assert_non_null(ev);
        event_bus_publish(bus, ev);
}

static size_t list_length(struct event **list)
{
        size_t n = 0;

        while (list[n])
                n++;
        return n;
}

/* The bus keeps the last 256 events for replays. */
static void bus_keeps_last_events(void **state)
{
        struct event_bus *bus = NULL;
        struct event_window all = { .has_since = true, .since_ns = 0 };
        struct event_subscription *sub = NULL;
        struct event **replay = NULL;
        char action[32];

        assert_int_equal(event_bus_new(&bus), 0);
        for (int i = 0; i < EVENT_BUS_REPLAY_MAX + 10; i++) {
                snprintf(action, sizeof(action), "a%d", i);
                publish(bus, action, (int64_t)(i + 1) * SEC);
        }
        assert_int_equal(event_bus_subscribe(bus, NULL, &all, &replay, &sub), 0);
        assert_int_equal(list_length(replay), EVENT_BUS_REPLAY_MAX);
        assert_string_equal(replay[0]->action, "a10");
        assert_string_equal(replay[EVENT_BUS_REPLAY_MAX - 1]->action, "a265");
        event_list_free(replay);
        event_subscription_free(sub);
        event_bus_free(bus);
}

/* The replay and the live stream meet without a gap or a repeat, and the
 * filter applies to both. */
static void bus_replay_then_live(void **state)
{
        struct event_bus *bus = NULL;
        struct event_window window = { .has_since = true, .since_ns = 2 * SEC };
        _cleanup_json_ json_object *filters = NULL;
        _cleanup_(event_filter_freep) struct event_filter *f = NULL;
        struct event_subscription *sub = NULL;
        struct event **replay = NULL;
        struct event *ev = NULL;

        assert_int_equal(http_filters_parse("{\"event\":[\"start\",\"die\"]}", &filters, NULL), 0);
        assert_int_equal(event_filter_new(filters, &f), 0);
        assert_int_equal(event_bus_new(&bus), 0);
        publish(bus, "start", 1 * SEC);
        publish(bus, "start", 2 * SEC);
        publish(bus, "pause", 3 * SEC);
        assert_int_equal(event_bus_subscribe(bus, f, &window, &replay, &sub), 0);
        assert_int_equal(list_length(replay), 1);
        assert_int_equal(replay[0]->time_ns, 2 * SEC);

        publish(bus, "unpause", 4 * SEC);
        publish(bus, "die", 5 * SEC);
        assert_int_equal(event_subscription_next(sub, 0, &ev), 1);
        assert_string_equal(ev->action, "die");
        event_unref(ev);
        assert_int_equal(event_subscription_next(sub, 10, &ev), 0);

        event_list_free(replay);
        event_subscription_free(sub);
        event_bus_free(bus);
}

/* A subscriber that falls EVENT_QUEUE_MAX events behind is ended after
 * its queued events, and publishing never waits for it. */
static void bus_ends_slow_subscriber(void **state)
{
        struct event_bus *bus = NULL;
        struct event_window none = { 0 };
        struct event_subscription *sub = NULL;
        struct event **replay = NULL;
        struct event *ev = NULL;
        int delivered = 0, r;

        assert_int_equal(event_bus_new(&bus), 0);
        assert_int_equal(event_bus_subscribe(bus, NULL, &none, &replay, &sub), 0);
        assert_int_equal(list_length(replay), 0);
        for (int i = 0; i < EVENT_QUEUE_MAX + 5; i++)
                publish(bus, "start", SEC);
        while ((r = event_subscription_next(sub, 0, &ev)) == 1) {
                delivered++;
                event_unref(ev);
        }
        assert_int_equal(r, -ENOBUFS);
        assert_int_equal(delivered, EVENT_QUEUE_MAX);
        event_list_free(replay);
        event_subscription_free(sub);
        event_bus_free(bus);
}

/* A closed bus still delivers what was queued, then ends every
 * subscription and refuses new ones. */
static void bus_close_ends_subscriptions(void **state)
{
        struct event_bus *bus = NULL;
        struct event_window none = { 0 };
        struct event_subscription *sub = NULL, *late = NULL;
        struct event **replay = NULL;
        struct event *ev = NULL;

        assert_int_equal(event_bus_new(&bus), 0);
        assert_int_equal(event_bus_subscribe(bus, NULL, &none, &replay, &sub), 0);
        event_list_free(replay);
        publish(bus, "start", SEC);
        event_bus_close(bus);
        assert_int_equal(event_subscription_next(sub, -1, &ev), 1);
        assert_string_equal(ev->action, "start");
        event_unref(ev);
        assert_int_equal(event_subscription_next(sub, -1, &ev), -ESHUTDOWN);
        assert_int_equal(event_bus_subscribe(bus, NULL, &none, &replay, &late), -ESHUTDOWN);
        assert_null(late);
        event_subscription_free(sub);
        event_bus_free(bus);
}

struct reader {
        struct event_subscription *sub;
        int result;
};

static void *read_until_closed(void *arg)
{
        struct reader *reader = arg;
        struct event *ev = NULL;

        reader->result = event_subscription_next(reader->sub, -1, &ev);
        event_subscription_free(reader->sub);
        return NULL;
}

/* Freeing the bus wakes a reader that waits without a timeout. */
static void bus_free_ends_readers(void **state)
{
        struct event_bus *bus = NULL;
        struct event_window none = { 0 };
        struct event **replay = NULL;
        struct reader reader = { 0 };
        pthread_t thread;

        assert_int_equal(event_bus_new(&bus), 0);
        assert_int_equal(event_bus_subscribe(bus, NULL, &none, &replay, &reader.sub), 0);
        event_list_free(replay);
        assert_int_equal(pthread_create(&thread, NULL, read_until_closed, &reader), 0);
        event_bus_free(bus);
        pthread_join(thread, NULL);
        assert_int_equal(reader.result, -ESHUTDOWN);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(json_of_container_event),
                cmocka_unit_test(json_of_image_event),
                cmocka_unit_test(json_without_deprecated_fields),
                cmocka_unit_test(attributes_last_value_wins),
                cmocka_unit_test(filter_by_type_and_event),
                cmocka_unit_test(filter_exec_events_by_prefix),
                cmocka_unit_test(filter_by_container),
                cmocka_unit_test(filter_by_label),
                cmocka_unit_test(filter_by_image),
                cmocka_unit_test(window_parses_unix_times),
                cmocka_unit_test(window_parses_cli_forms),
                cmocka_unit_test(window_rejects_bad_values),
                cmocka_unit_test(window_replays_as_dockerd),
                cmocka_unit_test(bus_keeps_last_events),
                cmocka_unit_test(bus_replay_then_live),
                cmocka_unit_test(bus_ends_slow_subscriber),
                cmocka_unit_test(bus_close_ends_subscriptions),
                cmocka_unit_test(bus_free_ends_readers),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
