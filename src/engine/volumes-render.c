/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's views of the volume store: inspect, list with filters, prune
 * and the usage of docker system df. */
#include <regex.h>
#include <stdio.h>
#include <time.h>

#include "jsonutil.h"
#include "log.h"
#include "strv.h"
#include "volumes-internal.h"

/* CreatedAt as dockerd shows it: RFC 3339 in seconds, here always UTC. */
static json_object *created_at(int64_t ns)
{
        time_t seconds = (time_t)(ns / 1000000000);
        char text[32];
        struct tm tm;

        gmtime_r(&seconds, &tm);
        strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
        return json_object_new_string(text);
}

/* Docker's Volume object, fields in the order of dockerd's reply. */
static json_object *volume_to_json(struct volume_store *s, const struct volume *v)
{
        json_object *obj = json_object_new_object();
        _cleanup_free_ char *path = volume_store_data_path(s, v->name);

        json_object_object_add(obj, "CreatedAt", created_at(v->created_ns));
        json_object_object_add(obj, "Driver", json_object_new_string("local"));
        json_object_object_add(obj, "Labels", json_object_get(v->labels));
        json_object_object_add(obj, "Mountpoint", json_object_new_string(path ? path : ""));
        json_object_object_add(obj, "Name", json_object_new_string(v->name));
        json_object_object_add(obj, "Options", json_object_get(v->options));
        json_object_object_add(obj, "Scope", json_object_new_string("local"));
        return obj;
}

int volume_store_inspect(struct volume_store *s, const char *name, json_object **ret, struct error *err)
{
        struct volume *v;

        pthread_mutex_lock(&s->lock);
        v = volume_store_find_locked(s, name);
        if (v)
                *ret = volume_to_json(s, v);
        pthread_mutex_unlock(&s->lock);
        return v ? 0 : error_set(err, -ENOENT, "get %s: no such volume", name);
}

/* ---- Filters ---- */

static bool any_value_is(json_object *values, const char *text)
{
        for (size_t i = 0; values && i < json_object_array_length(values); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(values, i)), text))
                        return true;
        return false;
}

/* Go's regexp.MatchString approximated with POSIX extended regexes, as
 * dockerd matches names. */
static bool any_regex(json_object *patterns, const char *text)
{
        for (size_t i = 0; i < json_object_array_length(patterns); i++) {
                regex_t re;
                bool match;

                if (regcomp(&re, json_object_get_string(json_object_array_get_idx(patterns, i)),
                            REG_EXTENDED | REG_NOSUB) != 0)
                        continue;
                match = regexec(&re, text, 0, NULL, 0) == 0;
                regfree(&re);
                if (match)
                        return true;
        }
        return false;
}

static int check_keys(json_object *filters, const char *const *known, size_t n, struct error *err)
{
        if (!filters)
                return 0;
        json_object_object_foreach (filters, key, value) {
                bool ok = false;

                (void)value;
                for (size_t i = 0; i < n && !ok; i++)
                        ok = streq(key, known[i]);
                if (!ok)
                        return error_set(err, -EINVAL, "Invalid filter '%s'", key);
        }
        return 0;
}

/* Parses "dangling": 1 only dangling volumes, 0 only used ones, -1 any. */
static int parse_dangling(json_object *filters, int *ret, struct error *err)
{
        json_object *values = json_field_array(filters, "dangling");

        *ret = -1;
        for (size_t i = 0; values && i < json_object_array_length(values); i++) {
                const char *v = json_object_get_string(json_object_array_get_idx(values, i));

                if (streq(v, "true") || streq(v, "1"))
                        *ret = 1;
                else if (streq(v, "false") || streq(v, "0"))
                        *ret = 0;
                else
                        return error_set(err, -EINVAL, "Invalid filter 'dangling=[%s]'", v);
        }
        return 0;
}

static bool list_matches(const struct volume *v, json_object *filters, int dangling)
{
        json_object *names = json_field_array(filters, "name"), *drivers = json_field_array(filters, "driver");

        if (names && json_object_array_length(names) > 0 && !any_regex(names, v->name))
                return false;
        if (drivers && json_object_array_length(drivers) > 0 && !any_value_is(drivers, "local"))
                return false;
        if (dangling >= 0 && (strv_length(v->refs) == 0) != (dangling == 1))
                return false;
        return json_labels_match(json_field_array(filters, "label"), v->labels, false);
}

int volume_store_list(struct volume_store *s, json_object *filters, json_object **ret, struct error *err)
{
        static const char *const known[] = { "name", "label", "dangling", "driver" };
        json_object *list;
        int dangling, r;

        r = check_keys(filters, known, ARRAY_SIZE(known), err);
        if (r >= 0)
                r = parse_dangling(filters, &dangling, err);
        if (r < 0)
                return r;

        list = json_object_new_array();
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n; i++)
                if (list_matches(s->items[i], filters, dangling))
                        json_object_array_add(list, volume_to_json(s, s->items[i]));
        pthread_mutex_unlock(&s->lock);
        *ret = list;
        return 0;
}

/* ---- Prune and usage ---- */

/* dockerd 20.10 leaves the volumes with options out of prune and df. */
static bool has_options(const struct volume *v)
{
        return v->options && json_object_object_length(v->options) > 0;
}

static bool prunable(const struct volume *v, json_object *filters)
{
        return strv_length(v->refs) == 0 && !has_options(v) &&
               json_labels_match(json_field_array(filters, "label"), v->labels, false) &&
               json_labels_match(json_field_array(filters, "label!"), v->labels, true);
}

/* Returns the names of the volumes for which keep is true. */
static char **select_names(struct volume_store *s, bool (*keep)(const struct volume *v, json_object *filters),
                           json_object *filters)
{
        char **names = calloc(1, sizeof(char *));

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; names && i < s->n; i++)
                if (keep(s->items[i], filters) && strv_append(&names, s->items[i]->name) < 0) {
                        strv_free(names);
                        names = NULL;
                }
        pthread_mutex_unlock(&s->lock);
        return names;
}

/* Removes the volume if it is still prunable: a container may have taken
 * it while its size was computed. */
static bool prune_one(struct volume_store *s, const char *name, json_object *filters)
{
        struct volume *v;
        int r = -ENOENT;

        pthread_mutex_lock(&s->lock);
        v = volume_store_find_locked(s, name);
        if (v && prunable(v, filters))
                r = volume_remove_locked(s, v);
        pthread_mutex_unlock(&s->lock);
        if (r < 0 && r != -ENOENT)
                log_warn_errno(r, "Prune: removing volume %s failed: %m", name);
        return r >= 0;
}

int volume_store_prune(struct volume_store *s, json_object *filters, json_object *ret_deleted, int64_t *ret_space,
                       struct error *err)
{
        static const char *const known[] = { "label", "label!" };
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = check_keys(filters, known, ARRAY_SIZE(known), err);
        if (r < 0)
                return r;
        names = select_names(s, prunable, filters);
        if (!names)
                return -ENOMEM;
        *ret_space = 0;
        STRV_FOREACH (name, names) {
                _cleanup_free_ char *path = volume_store_data_path(s, *name);
                int64_t size = path ? volume_tree_size(path) : 0;

                if (!prune_one(s, *name, filters))
                        continue;
                json_object_array_add(ret_deleted, json_object_new_string(*name));
                *ret_space += size;
        }
        return 0;
}

static bool counted_in_usage(const struct volume *v, json_object *filters)
{
        (void)filters;
        return !has_options(v);
}

json_object *volume_store_usage(struct volume_store *s)
{
        _cleanup_strv_free_ char **names = select_names(s, counted_in_usage, NULL);
        json_object *list = json_object_new_array();

        STRV_FOREACH (name, names) {
                _cleanup_free_ char *path = volume_store_data_path(s, *name);
                /* The walk runs without the lock, which a create may need. */
                int64_t size = path ? volume_tree_size(path) : 0;
                json_object *obj = NULL, *usage;
                struct volume *v;

                pthread_mutex_lock(&s->lock);
                v = volume_store_find_locked(s, *name);
                if (v) {
                        obj = volume_to_json(s, v);
                        usage = json_object_new_object();
                        json_object_object_add(usage, "RefCount", json_object_new_int64((int64_t)strv_length(v->refs)));
                        json_object_object_add(usage, "Size", json_object_new_int64(size));
                        json_object_object_add(obj, "UsageData", usage);
                }
                pthread_mutex_unlock(&s->lock);
                if (obj)
                        json_object_array_add(list, obj);
        }
        return list;
}
