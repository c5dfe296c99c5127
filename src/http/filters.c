/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "http-parse.h"
#include "jsonutil.h"

/* Appends s to array unless seen, a JSON object used as a hash set,
 * already has it: a long filter must not cost quadratic time. */
static int array_add_string(json_object *array, json_object *seen, const char *s)
{
        json_object *item;

        if (json_object_object_get_ex(seen, s, NULL))
                return 0;
        if (json_object_object_add(seen, s, NULL) < 0)
                return -ENOMEM;

        item = json_object_new_string(s);
        if (!item || json_object_array_add(array, item) < 0) {
                json_object_put(item);
                return -ENOMEM;
        }
        return 0;
}

/* Collects the values of one filter key from either of the forms Docker
 * accepts: ["a=b", ...] or {"a=b": true, ...}. In the map form Docker
 * keeps a key whatever its boolean value, so false counts too. */
static int collect_values(const char *key, json_object *value, json_object *out, struct error *err)
{
        _cleanup_json_ json_object *seen = json_object_new_object();
        int r;

        if (!seen)
                return -ENOMEM;

        if (json_object_is_type(value, json_type_array)) {
                size_t n = json_object_array_length(value);

                for (size_t i = 0; i < n; i++) {
                        json_object *item = json_object_array_get_idx(value, i);

                        if (!json_object_is_type(item, json_type_string))
                                return error_set(err, -EINVAL, "invalid filter: the values of \"%s\" must be strings",
                                                 key);
                        r = array_add_string(out, seen, json_object_get_string(item));
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        if (json_object_is_type(value, json_type_object)) {
                json_object_object_foreach (value, name, flag) {
                        if (!json_object_is_type(flag, json_type_boolean))
                                return error_set(err, -EINVAL,
                                                 "invalid filter: the value of \"%s\" in \"%s\" must be a boolean",
                                                 name, key);
                        r = array_add_string(out, seen, name);
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        /* A null value is an empty map to Go's json.Unmarshal. */
        if (!value)
                return 0;

        return error_set(err, -EINVAL,
                         "invalid filter: \"%s\" must map to an array of strings or an object of booleans", key);
}

int http_filters_parse(const char *text, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *parsed = NULL, *result = NULL;
        _cleanup_error_ struct error parse_err = ERROR_INIT;
        int r;

        result = json_object_new_object();
        if (!result)
                return -ENOMEM;

        if (!isempty(text)) {
                _cleanup_free_ char *padded = NULL;

                /* NOTE: json_parse_buffer cannot tell that a top-level
                 * literal such as "null" has ended without a byte after it,
                 * so the text gets a trailing space. */
                if (asprintf(&padded, "%s ", text) < 0)
                        return -ENOMEM;
                r = json_parse_buffer(padded, strlen(padded), &parsed, &parse_err);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return error_set(err, -EINVAL, "invalid filter: %s", error_message(&parse_err, r));
        }

        if (parsed && !json_object_is_type(parsed, json_type_object))
                return error_set(err, -EINVAL, "invalid filter: expected a JSON object, got %s",
                                 json_type_to_name(json_object_get_type(parsed)));

        if (parsed) {
                json_object_object_foreach (parsed, key, value) {
                        json_object *values = json_object_new_array();

                        if (!values)
                                return -ENOMEM;
                        json_object_object_add(result, key, values);
                        r = collect_values(key, value, values, err);
                        if (r < 0)
                                return r;
                }
        }

        *ret = TAKE_PTR(result);
        return 0;
}
