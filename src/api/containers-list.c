/* SPDX-License-Identifier: Apache-2.0 */
/* GET /containers/json and POST /containers/prune, with Docker's filters. */
#include <json-c/printbuf.h>
#include <regex.h>
#include <stdio.h>

#include "api.h"
#include "engine/network.h"
#include "engine/health.h"
#include "image/image.h"
#include "jsonutil.h"
#include "strv.h"

static const char *const known_filters[] = {
        "ancestor", "before", "expose",  "exited",  "health", "id",     "isolation", "is-task",
        "label",    "name",   "network", "publish", "since",  "status", "volume",
};

static const char *const status_values[] = {
        "created", "restarting", "running", "removing", "paused", "exited", "dead"
};

static const char *const health_values[] = { "starting", "healthy", "unhealthy", "none" };

/* Parsed filters, checked once before matching any container. */
struct list_filters {
        json_object *raw; /* key -> array of strings */
        int64_t before_ns;
        int64_t since_ns;
        char **ancestor_ids; /* image IDs of the "ancestor" values */
};

static void list_filters_clear(struct list_filters *f)
{
        strv_free(f->ancestor_ids);
}

static json_object *values(const struct list_filters *f, const char *key)
{
        return json_field_array(f->raw, key);
}

static bool contains_value(json_object *array, const char *value)
{
        for (size_t i = 0; array && i < json_object_array_length(array); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(array, i)), value))
                        return true;
        return false;
}

/* The first of a filter's values that is not among allowed, or NULL. */
static const char *first_unknown(json_object *values, const char *const *allowed, size_t n_allowed)
{
        for (size_t i = 0; i < json_object_array_length(values); i++) {
                const char *v = json_object_get_string(json_object_array_get_idx(values, i));
                bool found = false;

                for (size_t j = 0; j < n_allowed && !found; j++)
                        found = streq(v, allowed[j]);
                if (!found)
                        return v;
        }
        return NULL;
}

static int check_keys(json_object *filters, struct error *err)
{
        json_object_object_foreach (filters, key, value) {
                const char *bad;
                bool known = false;

                for (size_t i = 0; i < ARRAY_SIZE(known_filters) && !known; i++)
                        known = streq(key, known_filters[i]);
                if (!known)
                        return error_set(err, -EINVAL, "Invalid filter '%s'", key);
                if (streq(key, "status") && (bad = first_unknown(value, status_values, ARRAY_SIZE(status_values))))
                        return error_set(err, -EINVAL, "Invalid filter 'status=%s'", bad);
                if (streq(key, "health") && (bad = first_unknown(value, health_values, ARRAY_SIZE(health_values))))
                        return error_set(err, -EINVAL, "Unrecognised filter value for health: %s", bad);
                if (streq(key, "exited")) {
                        for (size_t i = 0; i < json_object_array_length(value); i++) {
                                const char *v = json_object_get_string(json_object_array_get_idx(value, i));
                                char *end;

                                strtol(v, &end, 10);
                                if (!*v || *end)
                                        return error_set(err, -EINVAL, "invalid filter 'exited=%s': not a number", v);
                        }
                }
        }
        return 0;
}

/* Resolves before/since to creation times and ancestors to image IDs. */
static int resolve_references(struct daemon *d, struct list_filters *f, struct error *err)
{
        static const char *const time_keys[] = { "before", "since" };
        json_object *ancestors = values(f, "ancestor");

        for (size_t k = 0; k < ARRAY_SIZE(time_keys); k++) {
                json_object *refs = values(f, time_keys[k]);

                for (size_t i = 0; refs && i < json_object_array_length(refs); i++) {
                        _cleanup_container_ struct container *c = NULL;
                        int r;

                        r = engine_container_find(d->engine, json_object_get_string(json_object_array_get_idx(refs, i)),
                                                  &c, err);
                        if (r < 0)
                                return r;
                        if (k == 0)
                                f->before_ns = c->created_ns;
                        else
                                f->since_ns = c->created_ns;
                }
        }
        for (size_t i = 0; ancestors && i < json_object_array_length(ancestors); i++) {
                _cleanup_image_ struct image *img = NULL;

                /* An unknown image matches nothing, as in Docker. */
                if (image_store_lookup(d->images, json_object_get_string(json_object_array_get_idx(ancestors, i)), &img,
                                       NULL) < 0)
                        continue;
                if (strv_append(&f->ancestor_ids, img->id) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Go's regexp.MatchString semantics approximated with POSIX extended regexes. */
static bool regex_matches(const char *pattern, const char *text)
{
        regex_t re;
        bool match;

        if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
                return strstr(text, pattern) != NULL;
        match = regexec(&re, text, 0, NULL, 0) == 0;
        regfree(&re);
        return match;
}

static bool any_regex(json_object *patterns, const char *text)
{
        for (size_t i = 0; i < json_object_array_length(patterns); i++)
                if (regex_matches(json_object_get_string(json_object_array_get_idx(patterns, i)), text))
                        return true;
        return false;
}

static bool exit_code_matches(json_object *codes, const struct container_state *s)
{
        char code[16];

        if (s->status != CONTAINER_EXITED)
                return false;
        snprintf(code, sizeof(code), "%d", s->exit_code);
        return contains_value(codes, code);
}

/* dockerd's "volume" filter: a value is the name of a volume (a bind's
 * host path) or the destination of one of the container's mounts. */
static bool mounts_match(json_object *values, json_object *mounts)
{
        for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
                json_object *m = json_object_array_get_idx(mounts, i);
                const char *name = json_field_string(m, "Name", "");

                if (contains_value(values, *name ? name : json_field_string(m, "Source", "")) ||
                    contains_value(values, json_field_string(m, "Destination", "")))
                        return true;
        }
        return false;
}

/* Tells whether c is connected to one of the networks (names or IDs). */
static bool on_any_network(json_object *networks, struct container *c)
{
        for (size_t i = 0; i < json_object_array_length(networks); i++)
                if (network_container_on(c, json_object_get_string(json_object_array_get_idx(networks, i))))
                        return true;
        return false;
}

/* Tells whether c passes every filter. Call with c->lock held. */
static bool container_matches(const struct list_filters *f, struct container *c)
{
        json_object *v;

        if ((v = values(f, "status")) && !contains_value(v, container_status_to_string(c->state.status)))
                return false;
        if ((v = values(f, "name")) && !any_regex(v, c->name))
                return false;
        if ((v = values(f, "id")) && !any_regex(v, c->id))
                return false;
        if ((v = values(f, "label")) && !json_labels_match(v, json_field_object(c->config, "Labels"), false))
                return false;
        if ((v = values(f, "exited")) && !exit_code_matches(v, &c->state))
                return false;
        if (values(f, "ancestor") && !strv_contains(f->ancestor_ids, c->image_id))
                return false;
        if (f->before_ns && c->created_ns >= f->before_ns)
                return false;
        if (f->since_ns && c->created_ns <= f->since_ns)
                return false;
        if ((v = values(f, "health")) &&
            !contains_value(v, c->state.health ? health_status_to_string(c->state.health->status) : "none"))
                return false;
        if ((v = values(f, "network")) && !on_any_network(v, c))
                return false;
        if ((v = values(f, "is-task")) && !contains_value(v, "false"))
                return false;
        if ((v = values(f, "volume")) && !mounts_match(v, c->mounts))
                return false;
        return true;
}

static int parse_list_filters(struct http_request *req, struct list_filters *f, struct error *err)
{
        int r;

        r = http_query_filters(req, &f->raw, err);
        if (r < 0)
                return r;
        r = check_keys(f->raw, err);
        if (r < 0)
                return r;
        return resolve_references(api_daemon(req), f, err);
}

/* Appends obj as JSON, with a comma before all but the first. Returns 0
 * or -ENOMEM. */
static int append_json(struct printbuf *text, json_object *obj, bool first)
{
        size_t len = 0;
        const char *json =
                json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

        if (!json || (!first && printbuf_strappend(text, ",") < 0) || printbuf_memappend(text, json, (int)len) < 0)
                return -ENOMEM;
        return 0;
}

/* Tells whether docker ps lists c without --all: also while it waits for
 * its restart, as dockerd does. Call with c->lock held. */
static bool counts_as_running(const struct container *c)
{
        return container_is_running(c) || c->state.status == CONTAINER_RESTARTING;
}

void api_container_list(struct http_request *req)
{
        struct daemon *d = api_daemon(req);
        _cleanup_(list_filters_clear) struct list_filters filters = { 0 };
        _cleanup_json_ json_object *raw_filters = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct container **list = NULL;
        struct printbuf *text;
        size_t n = 0, shown = 0;
        int64_t limit = -1;
        bool all, sizes;
        int r;

        r = http_query_int(req, "limit", -1, &limit, &err);
        if (r >= 0)
                r = parse_list_filters(req, &filters, &err);
        raw_filters = filters.raw;
        if (r >= 0)
                r = engine_container_list(d->engine, &list, &n);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }

        all = http_query_bool(req, "all", false) || limit > 0;
        sizes = http_query_bool(req, "size", false);
        /* Each summary is serialized and freed at once, so the heap never
         * contains the objects of every container (see docs/benchmarks.md). */
        text = printbuf_new();
        if (!text) {
                engine_container_list_free(list, n);
                api_reply_error(req, -ENOMEM, NULL);
                return;
        }
        r = printbuf_strappend(text, "[") < 0 ? -ENOMEM : 0;
        for (size_t i = 0; i < n && (limit <= 0 || shown < (size_t)limit); i++) {
                struct container *c = list[i];
                _cleanup_json_ json_object *summary = NULL;
                bool listed;

                pthread_mutex_lock(&c->lock);
                listed = (all || counts_as_running(c)) && !c->state.removed && container_matches(&filters, c);
                if (listed && !sizes)
                        summary = api_container_summary_json(d, c);
                pthread_mutex_unlock(&c->lock);
                /* docker ps -s: the walk of the writable layer runs without the lock. */
                if (listed && sizes)
                        summary = api_container_summary_with_sizes(d, c);
                if (!listed)
                        continue;
                if (r >= 0)
                        r = append_json(text, summary, shown == 0);
                shown++;
        }
        if (r >= 0 && printbuf_strappend(text, "]\n") < 0)
                r = -ENOMEM;
        engine_container_list_free(list, n);
        if (r < 0)
                api_reply_error(req, r, NULL);
        else
                http_reply_data(req, 200, "application/json", text->buf, (size_t)text->bpos);
        printbuf_free(text);
}

void api_container_prune(struct http_request *req)
{
        struct daemon *d = api_daemon(req);
        _cleanup_json_ json_object *filters = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *deleted = json_object_new_array(), *result;
        int64_t space = 0;
        int r;

        r = http_query_filters(req, &filters, &err);
        if (r >= 0)
                r = engine_container_prune(d->engine, filters, deleted, &space, &err);
        if (r < 0) {
                json_object_put(deleted);
                api_reply_error(req, r, &err);
                return;
        }
        result = json_object_new_object();
        json_object_object_add(result, "ContainersDeleted",
                               json_object_array_length(deleted) ? deleted : (json_object_put(deleted), NULL));
        json_object_object_add(result, "SpaceReclaimed", json_object_new_int64(space));
        http_reply_json(req, 200, result);
}
