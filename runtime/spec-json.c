/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdio.h>

#include "runtime/spec-json.h"
#include "strv.h"

static const char *json_type_label(json_type type)
{
        switch (type) {
        case json_type_boolean:
                return "a boolean";
        case json_type_double:
        case json_type_int:
                return "a number";
        case json_type_string:
                return "a string";
        case json_type_array:
                return "an array";
        case json_type_object:
                return "an object";
        default:
                return "null";
        }
}

static int wrong_type(struct error *err, const char *path, const char *key, json_object *value, const char *want)
{
        return error_set(err, -EINVAL, "invalid config.json: %s%s%s must be %s, not %s", path, *path ? "." : "", key,
                         want, json_type_label(json_object_get_type(value)));
}

int spec_json_invalid(struct error *err, const char *path, const char *key, const char *problem)
{
        return error_set(err, -EINVAL, "invalid config.json: %s%s%s: %s", path, *path && key ? "." : "", key ? key : "",
                         problem);
}

char *spec_json_path(const char *path, const char *key, size_t index)
{
        char *s;

        if (key)
                return asprintf(&s, "%s%s%s", path, *path ? "." : "", key) < 0 ? NULL : s;
        return asprintf(&s, "%s[%zu]", path, index) < 0 ? NULL : s;
}

/* Returns the member, or NULL when it is missing or null. */
static json_object *member(json_object *obj, const char *key)
{
        json_object *value = NULL;

        if (!json_object_object_get_ex(obj, key, &value))
                return NULL;
        return value;
}

int spec_json_string(json_object *obj, const char *path, const char *key, char **ret, struct error *err)
{
        json_object *value = member(obj, key);
        char *copy;

        if (!value)
                return 0;
        if (!json_object_is_type(value, json_type_string))
                return wrong_type(err, path, key, value, "a string");

        copy = strdup(json_object_get_string(value));
        if (!copy)
                return -ENOMEM;
        free(*ret);
        *ret = copy;
        return 0;
}

int spec_json_bool(json_object *obj, const char *path, const char *key, bool *ret, struct error *err)
{
        json_object *value = member(obj, key);

        if (!value)
                return 0;
        if (!json_object_is_type(value, json_type_boolean))
                return wrong_type(err, path, key, value, "a boolean");
        *ret = json_object_get_boolean(value);
        return 0;
}

int spec_json_int64(json_object *obj, const char *path, const char *key, int64_t *ret, struct error *err)
{
        json_object *value = member(obj, key);
        int64_t v;

        if (!value)
                return 0;
        if (!json_object_is_type(value, json_type_int))
                return wrong_type(err, path, key, value, "an integer");

        /* json-c keeps values above INT64_MAX as unsigned and clamps here. */
        v = json_object_get_int64(value);
        if (v == INT64_MAX && json_object_get_uint64(value) != (uint64_t)INT64_MAX)
                return spec_json_invalid(err, path, key, "out of range");
        *ret = v;
        return 0;
}

int spec_json_uint64(json_object *obj, const char *path, const char *key, uint64_t max, uint64_t *ret,
                     struct error *err)
{
        json_object *value = member(obj, key);
        uint64_t v;

        if (!value)
                return 0;
        if (!json_object_is_type(value, json_type_int))
                return wrong_type(err, path, key, value, "an integer");
        if (json_object_get_int64(value) < 0)
                return spec_json_invalid(err, path, key, "must not be negative");

        v = json_object_get_uint64(value);
        if (v > max) {
                char problem[64];

                snprintf(problem, sizeof(problem), "out of range (maximum %" PRIu64 ")", max);
                return spec_json_invalid(err, path, key, problem);
        }
        *ret = v;
        return 0;
}

int spec_json_strv(json_object *obj, const char *path, const char *key, char ***ret, struct error *err)
{
        json_object *value = member(obj, key);
        _cleanup_strv_free_ char **v = NULL;
        size_t n;

        if (!value)
                return 0;
        if (!json_object_is_type(value, json_type_array))
                return wrong_type(err, path, key, value, "an array of strings");

        n = json_object_array_length(value);
        v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *item = json_object_array_get_idx(value, i);

                if (!json_object_is_type(item, json_type_string))
                        return wrong_type(err, path, key, item, "an array of strings");
                v[i] = strdup(json_object_get_string(item));
                if (!v[i])
                        return -ENOMEM;
        }

        strv_free(*ret);
        *ret = TAKE_PTR(v);
        return 0;
}

static int typed_member(json_object *obj, const char *path, const char *key, json_type type, const char *want,
                        json_object **ret, struct error *err)
{
        json_object *value = member(obj, key);

        if (value && !json_object_is_type(value, type))
                return wrong_type(err, path, key, value, want);
        *ret = value;
        return 0;
}

int spec_json_object(json_object *obj, const char *path, const char *key, json_object **ret, struct error *err)
{
        return typed_member(obj, path, key, json_type_object, "an object", ret, err);
}

int spec_json_array(json_object *obj, const char *path, const char *key, json_object **ret, struct error *err)
{
        return typed_member(obj, path, key, json_type_array, "an array", ret, err);
}

int spec_json_parse_array(json_object *obj, const char *path, const char *key, size_t item_size,
                          spec_json_item_parser parse_item, void **items, size_t *n_items, struct error *err)
{
        _cleanup_free_ char *array_path = NULL;
        json_object *array, *item;
        size_t n;
        int r;

        r = spec_json_array(obj, path, key, &array, err);
        if (r < 0 || !array)
                return r;

        array_path = spec_json_path(path, key, 0);
        if (!array_path)
                return -ENOMEM;
        n = json_object_array_length(array);
        *items = calloc(n ?: 1, item_size);
        if (!*items)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *item_path = spec_json_path(array_path, NULL, i);

                if (!item_path)
                        return -ENOMEM;
                *n_items = i + 1;
                item = json_object_array_get_idx(array, i);
                if (!json_object_is_type(item, json_type_object))
                        return spec_json_invalid(err, item_path, NULL, "must be an object");
                r = parse_item(item, item_path, *items, i, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
