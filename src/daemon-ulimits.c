/* SPDX-License-Identifier: Apache-2.0 */
/* --default-ulimit and daemon.json's "default-ulimits". */
#include "daemon-ulimits.h"

#include <inttypes.h>
#include <stdio.h>

#include "engine/create-isolation.h"
#include "jsonutil.h"
#include "macro.h"

static json_object *new_ulimit(const char *name, int64_t soft, int64_t hard)
{
        json_object *u = json_object_new_object();

        json_object_object_add(u, "Name", json_object_new_string(name));
        json_object_object_add(u, "Hard", json_object_new_int64(hard));
        json_object_object_add(u, "Soft", json_object_new_int64(soft));
        return u;
}

static int parse_limit(const char *text, int64_t *ret)
{
        char *end;
        long long v;

        errno = 0;
        v = strtoll(text, &end, 10);
        if (errno || end == text || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* One flag, "NAME=SOFT[:HARD]", where HARD defaults to SOFT, as dockerd
 * parses it. */
static int parse_flag(const char *flag, json_object **ret, struct error *err)
{
        _cleanup_free_ char *copy = strdup(flag);
        char *value, *hard_text;
        int64_t soft, hard;

        if (!copy)
                return -ENOMEM;
        value = strchr(copy, '=');
        if (!value)
                return error_set(err, -EINVAL, "expected NAME=SOFT[:HARD]");
        *value++ = '\0';
        hard_text = strchr(value, ':');
        if (hard_text)
                *hard_text++ = '\0';
        if (hard_text && strchr(hard_text, ':'))
                return error_set(err, -EINVAL, "too many limit values, can only have up to two, soft[:hard]");
        if (parse_limit(value, &soft) < 0 || (hard_text && parse_limit(hard_text, &hard) < 0))
                return error_set(err, -EINVAL, "the limits must be integers");
        if (!hard_text)
                hard = soft;
        *ret = new_ulimit(copy, soft, hard);
        return 0;
}

static bool is_int_or_missing(json_object *obj, const char *key)
{
        json_object *v = NULL;

        return !json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_int);
}

/* One entry of daemon.json, "nofile": {"Name": "nofile", "Hard": N,
 * "Soft": N}; a missing limit is 0, as in dockerd. */
static int parse_entry(const char *key, json_object *entry, json_object **ret, struct error *err)
{
        const char *name = json_field_string(entry, "Name", key);

        if (!json_object_is_type(entry, json_type_object) || !is_int_or_missing(entry, "Soft") ||
            !is_int_or_missing(entry, "Hard"))
                return error_set(err, -EINVAL, "expected {\"Name\": \"%s\", \"Hard\": N, \"Soft\": N}", key);
        if (!streq(name, key))
                return error_set(err, -EINVAL, "its Name is \"%s\"", name);
        *ret = new_ulimit(name, json_field_int(entry, "Soft", 0), json_field_int(entry, "Hard", 0));
        return 0;
}

/* Adds u to list, or replaces the limit of the same name: the last one
 * given wins. */
static int add_checked(json_object *list, json_object *u, struct error *err)
{
        const char *name = json_field_string(u, "Name", "");
        int r;

        r = create_ulimit_check("the default ulimit", name, json_field_int(u, "Soft", 0), json_field_int(u, "Hard", 0),
                                err);
        if (r < 0) {
                json_object_put(u);
                return r;
        }
        for (size_t i = 0; i < json_object_array_length(list); i++)
                if (streq(json_field_string(json_object_array_get_idx(list, i), "Name", ""), name)) {
                        json_object_array_put_idx(list, i, u);
                        return 0;
                }
        json_object_array_add(list, u);
        return 0;
}

static int parse_flags(json_object *flags, json_object *list, struct error *err)
{
        for (size_t i = 0; i < json_object_array_length(flags); i++) {
                const char *flag = json_object_get_string(json_object_array_get_idx(flags, i));
                json_object *u = NULL;
                int r;

                r = parse_flag(flag, &u, err);
                if (r >= 0)
                        r = add_checked(list, u, err);
                if (r < 0)
                        return error_prefix(err, r, "invalid value \"%s\" for flag --default-ulimit", flag);
        }
        return 0;
}

static int parse_entries(json_object *entries, json_object *list, struct error *err)
{
        json_object_object_foreach (entries, key, entry) {
                json_object *u = NULL;
                int r;

                r = parse_entry(key, entry, &u, err);
                if (r >= 0)
                        r = add_checked(list, u, err);
                if (r < 0)
                        return error_prefix(err, r, "invalid \"default-ulimits\" entry \"%s\"", key);
        }
        return 0;
}

int config_default_ulimits_parse(json_object *value, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *list = NULL;
        int r;

        if (!value) {
                *ret = NULL;
                return 0;
        }
        list = json_object_new_array();
        if (json_object_is_type(value, json_type_array))
                r = parse_flags(value, list, err);
        else if (json_object_is_type(value, json_type_object))
                r = parse_entries(value, list, err);
        else
                r = error_set(err, -EINVAL, "invalid \"default-ulimits\": expected an object of ulimits");
        if (r < 0)
                return r;
        *ret = TAKE_PTR(list);
        return 0;
}
