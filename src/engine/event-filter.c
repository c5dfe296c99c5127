/* SPDX-License-Identifier: Apache-2.0 */
/* The filters and the time window of GET /events, with the rules of
 * dockerd 20.10 (daemon/events/filter.go, api/types/filters and the
 * events route). */
#include <ctype.h>

#include "events.h"
#include "image/reference.h"
#include "image/timestamp.h"
#include "jsonutil.h"

#define NSEC_PER_SEC 1000000000LL

struct event_filter {
        json_object *args; /* each key's array of strings */
};

int event_filter_new(json_object *filters, struct event_filter **ret)
{
        struct event_filter *f = calloc(1, sizeof(*f));

        if (!f)
                return -ENOMEM;
        f->args = filters ? json_object_get(filters) : json_object_new_object();
        *ret = f;
        return 0;
}

void event_filter_free(struct event_filter *f)
{
        if (!f)
                return;
        json_object_put(f->args);
        free(f);
}

static json_object *values_of(const struct event_filter *f, const char *key)
{
        json_object *values = json_field_array(f->args, key);

        return values && json_object_array_length(values) > 0 ? values : NULL;
}

static const char *value_at(json_object *values, size_t i)
{
        return json_object_get_string(json_object_array_get_idx(values, i)) ?: "";
}

/* Go's Args.ExactMatch: true when the key has no values. */
static bool exact_match(const struct event_filter *f, const char *key, const char *source)
{
        json_object *values = values_of(f, key);

        if (!values)
                return true;
        for (size_t i = 0; i < json_object_array_length(values); i++)
                if (streq(value_at(values, i), source))
                        return true;
        return false;
}

/* Go's Args.FuzzyMatch: an exact match, or a value that prefixes source. */
static bool fuzzy_match(const struct event_filter *f, const char *key, const char *source)
{
        json_object *values = values_of(f, key);

        if (!values)
                return true;
        for (size_t i = 0; i < json_object_array_length(values); i++)
                if (startswith(source, value_at(values, i)))
                        return true;
        return false;
}

static bool contains_value(const struct event_filter *f, const char *key, const char *value)
{
        json_object *values = values_of(f, key);

        for (size_t i = 0; values && i < json_object_array_length(values); i++)
                if (streq(value_at(values, i), value))
                        return true;
        return false;
}

/* The actions of exec and health events carry the command or the status
 * after a colon, so their bare names match as prefixes. */
static bool match_action(const struct event_filter *f, const struct event *ev)
{
        if (contains_value(f, "event", "health_status") || contains_value(f, "event", "exec_create") ||
            contains_value(f, "event", "exec_start"))
                return fuzzy_match(f, "event", ev->action);
        return exact_match(f, "event", ev->action);
}

/* A filter named after an object type (container=, image=, ...) applies
 * to every event: it matches a prefix of the actor's ID or name. */
static bool match_name(const struct event_filter *f, const struct event *ev, const char *type)
{
        return fuzzy_match(f, type, ev->actor_id) || fuzzy_match(f, type, event_attribute(ev, "name") ?: "");
}

/* Go's Args.MatchKVList: every "key" or "key=value" must match. */
static bool match_labels(const struct event_filter *f, const struct event *ev)
{
        json_object *values = values_of(f, "label");

        if (!values)
                return true;
        if (!ev->attributes[0])
                return false;
        for (size_t i = 0; i < json_object_array_length(values); i++) {
                const char *expected = value_at(values, i), *eq = strchr(expected, '=');
                _cleanup_free_ char *key = eq ? strndup(expected, (size_t)(eq - expected)) : strdup(expected);
                const char *actual;

                if (!key)
                        return false;
                actual = event_attribute(ev, key);
                if (!actual || (eq && !streq(actual, eq + 1)))
                        return false;
        }
        return true;
}

/* The repository of an image reference without tag or digest, or the
 * value itself when it does not parse (dockerd's stripTag). */
static char *strip_tag(const char *image)
{
        _cleanup_reference_ struct reference ref = { 0 };
        char *name;

        if (reference_parse_normalized(image, &ref, NULL) < 0)
                return strdup(image);
        name = reference_familiar_name(&ref);
        return name ?: strdup(image);
}

/* image= matches an image event's ID and name, and a container event's
 * image, each also without its tag. */
static bool match_image(const struct event_filter *f, const struct event *ev)
{
        const char *name;
        _cleanup_free_ char *id_name = NULL, *image_name = NULL;

        if (!values_of(f, "image"))
                return true;
        name = event_attribute(ev, streq(ev->type, "image") ? "name" : "image") ?: "";
        if (exact_match(f, "image", ev->actor_id) || exact_match(f, "image", name))
                return true;
        id_name = strip_tag(ev->actor_id);
        image_name = strip_tag(name);
        return (id_name && exact_match(f, "image", id_name)) || (image_name && exact_match(f, "image", image_name));
}

bool event_filter_match(const struct event_filter *f, const struct event *ev)
{
        static const char *const named_types[] = { "daemon", "container", "plugin", "volume", "network",
                                                   "node",   "service",   "secret", "config" };

        if (!f)
                return true;
        if (!match_action(f, ev) || !exact_match(f, "type", ev->type))
                return false;
        if (values_of(f, "scope") && !exact_match(f, "scope", "local"))
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(named_types); i++)
                if (!match_name(f, ev, named_types[i]))
                        return false;
        return match_image(f, ev) && match_labels(f, ev);
}

/* ---- since and until ---- */

/* dockerd's own form (timetypes.ParseTimestamps): seconds, and an
 * optional fraction whose digits after the ninth are dropped. As in Go,
 * the sign belongs to the seconds only: "-5.5" is -4.5 s. */
static bool parse_unix(const char *s, int64_t *ret_ns)
{
        const char *p = s;
        int64_t seconds = 0, fraction = 0;
        int digits = 0;
        bool negative = *p == '-';

        if (negative)
                p++;
        if (!isdigit((unsigned char)*p))
                return false;
        for (; isdigit((unsigned char)*p); p++) {
                if (seconds > (INT64_MAX / NSEC_PER_SEC - 9) / 10)
                        return false;
                seconds = seconds * 10 + (*p - '0');
        }
        if (*p == '.') {
                for (p++; isdigit((unsigned char)*p); p++, digits++)
                        if (digits < 9)
                                fraction = fraction * 10 + (*p - '0');
                if (digits == 0)
                        return false;
                for (; digits < 9; digits++)
                        fraction *= 10;
        }
        if (*p)
                return false;
        *ret_ns = (negative ? -seconds : seconds) * NSEC_PER_SEC + fraction;
        return true;
}

static int parse_time(const char *name, const char *value, int64_t now_ns, bool *ret_set, int64_t *ret_ns,
                      struct error *err)
{
        int r;

        *ret_set = false;
        if (isempty(value))
                return 0;
        if (!parse_unix(value, ret_ns)) {
                r = timestamp_parse_docker(value, now_ns, ret_ns, err);
                if (r < 0)
                        return error_prefix(err, r, "invalid value of %s", name);
        }
        *ret_set = true;
        return 0;
}

int event_window_parse(const char *since, const char *until, int64_t now_ns, struct event_window *ret,
                       struct error *err)
{
        struct event_window w = { 0 };
        int r;

        r = parse_time("since", since, now_ns, &w.has_since, &w.since_ns, err);
        if (r < 0)
                return r;
        r = parse_time("until", until, now_ns, &w.has_until, &w.until_ns, err);
        if (r < 0)
                return r;
        if (w.has_since && w.has_until && w.until_ns < w.since_ns)
                return error_set(err, -EINVAL, "`since` time (%s) cannot be after `until` time (%s)", since, until);
        *ret = w;
        return 0;
}

bool event_window_replays(const struct event_window *window, int64_t time_ns)
{
        if (!window || (!window->has_since && !window->has_until))
                return false;
        if (window->has_since && time_ns < window->since_ns)
                return false;
        return !(window->has_until && window->until_ns > 0 && time_ns > window->until_ns);
}
