/* SPDX-License-Identifier: Apache-2.0 */
#include "jsonutil.h"

#include <ctype.h>
#include <string.h>

#include "fsutil.h"
#include "strv.h"

static json_object *field(json_object *obj, const char *key)
{
        json_object *value = NULL;

        if (!obj || !json_object_is_type(obj, json_type_object))
                return NULL;
        if (!json_object_object_get_ex(obj, key, &value))
                return NULL;
        return value;
}

const char *json_field_string(json_object *obj, const char *key, const char *fallback)
{
        json_object *value = field(obj, key);

        if (!value || !json_object_is_type(value, json_type_string))
                return fallback;
        return json_object_get_string(value);
}

int64_t json_field_int(json_object *obj, const char *key, int64_t fallback)
{
        json_object *value = field(obj, key);

        if (!value || !(json_object_is_type(value, json_type_int) || json_object_is_type(value, json_type_double)))
                return fallback;
        return json_object_get_int64(value);
}

bool json_field_bool(json_object *obj, const char *key, bool fallback)
{
        json_object *value = field(obj, key);

        if (!value || !json_object_is_type(value, json_type_boolean))
                return fallback;
        return json_object_get_boolean(value);
}

json_object *json_field_object(json_object *obj, const char *key)
{
        json_object *value = field(obj, key);

        return value && json_object_is_type(value, json_type_object) ? value : NULL;
}

json_object *json_field_array(json_object *obj, const char *key)
{
        json_object *value = field(obj, key);

        return value && json_object_is_type(value, json_type_array) ? value : NULL;
}

static const char *go_type_name(json_type type)
{
        switch (type) {
        case json_type_string:
                return "string";
        case json_type_int:
        case json_type_double:
                return "number";
        case json_type_boolean:
                return "bool";
        case json_type_array:
                return "array";
        case json_type_object:
                return "object";
        default:
                return "null";
        }
}

static const char *go_field_type(json_type type)
{
        switch (type) {
        case json_type_string:
                return "string";
        case json_type_int:
                return "int64";
        case json_type_double:
                return "float64";
        case json_type_boolean:
                return "bool";
        case json_type_array:
                return "[]string";
        case json_type_object:
                return "map[string]interface {}";
        default:
                return "interface {}";
        }
}

int json_field_check(json_object *obj, const char *key, json_type type, const char *context, struct error *err)
{
        json_object *value = field(obj, key);
        json_type got;

        if (!value)
                return 0;
        got = json_object_get_type(value);
        if (got == json_type_null || got == type)
                return 0;
        if (type == json_type_double && got == json_type_int)
                return 0;
        return error_set(err, -EINVAL, "json: cannot unmarshal %s into Go struct field %s.%s of type %s",
                         go_type_name(got), context, key, go_field_type(type));
}

int json_field_check_string_map(json_object *obj, const char *key, const char *context, struct error *err)
{
        json_object *map = field(obj, key);

        if (!map || json_object_is_type(map, json_type_null))
                return 0;
        if (!json_object_is_type(map, json_type_object))
                return error_set(err, -EINVAL,
                                 "json: cannot unmarshal %s into Go struct field %s.%s of type map[string]string",
                                 json_object_is_type(map, json_type_array) ? "array" : "value", context, key);
        json_object_object_foreach (map, name, value) {
                (void)name;
                if (!json_object_is_type(value, json_type_string))
                        return error_set(
                                err, -EINVAL, "json: cannot unmarshal %s into Go struct field %s.%s of type string",
                                json_object_is_type(value, json_type_object) ? "object" : "number", context, key);
        }
        return 0;
}

json_object *json_string_or_null(const char *s)
{
        return s ? json_object_new_string(s) : NULL;
}

json_object *json_array_from_strv(char *const *v)
{
        json_object *array;

        if (!v)
                return NULL;
        array = json_object_new_array();
        STRV_FOREACH (s, v)
                json_object_array_add(array, json_object_new_string(*s));
        return array;
}

int json_array_to_strv(json_object *array, char ***ret)
{
        _cleanup_strv_free_ char **v = NULL;
        size_t n;

        *ret = NULL;
        if (!array || json_object_is_type(array, json_type_null))
                return 0;
        if (!json_object_is_type(array, json_type_array))
                return -EINVAL;

        n = json_object_array_length(array);
        v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *item = json_object_array_get_idx(array, i);

                if (!json_object_is_type(item, json_type_string))
                        return -EINVAL;
                v[i] = strdup(json_object_get_string(item));
                if (!v[i])
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

void json_set_string(json_object *obj, const char *key, const char *value)
{
        json_object_object_add(obj, key, json_string_or_null(value));
}

int json_parse_buffer(const char *buf, size_t len, json_object **ret, struct error *err)
{
        json_tokener *tok;
        json_object *obj;
        enum json_tokener_error jerr;
        size_t offset;

        if (len > INT32_MAX)
                return error_set(err, -EFBIG, "JSON document too large");

        tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        obj = json_tokener_parse_ex(tok, buf, (int)len);
        jerr = json_tokener_get_error(tok);
        offset = json_tokener_get_parse_end(tok);
        /* A top-level number or literal ends only at the next byte: a space
         * tells the tokener the input is over. */
        if (jerr == json_tokener_continue && !obj && len > 0) {
                obj = json_tokener_parse_ex(tok, " ", 1);
                jerr = json_tokener_get_error(tok);
                offset = len;
        }
        json_tokener_free(tok);

        if (!obj && jerr == json_tokener_success)
                obj = NULL; /* a literal null */
        else if (jerr != json_tokener_success) {
                json_object_put(obj);
                if (jerr == json_tokener_continue)
                        return error_set(err, -EINVAL, "unexpected end of JSON input");
                return error_set(err, -EINVAL, "invalid JSON: %s", json_tokener_error_desc(jerr));
        }

        for (size_t i = offset; i < len; i++)
                if (!isspace((unsigned char)buf[i])) {
                        json_object_put(obj);
                        return error_set(err, -EINVAL, "invalid character '%c' after top-level value", buf[i]);
                }

        *ret = obj;
        return 0;
}

int json_file_read(int dirfd, const char *name, size_t max_len, json_object **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = fs_read_file_at(dirfd, name, max_len, &buf, &len);
        if (r < 0)
                return r;
        r = json_parse_buffer(buf, len, ret, NULL);
        if (r < 0)
                return r;
        return *ret ? 0 : -EINVAL;
}

const char *json_to_string(json_object *obj)
{
        return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

int json_file_write_atomic(int dirfd, const char *name, json_object *obj, mode_t mode)
{
        const char *text = json_to_string(obj);

        return fs_write_atomic_at(dirfd, name, text, strlen(text), mode);
}

int json_file_replace(int dirfd, const char *name, json_object *obj, mode_t mode)
{
        const char *text = json_to_string(obj);

        return fs_replace_at(dirfd, name, text, strlen(text), mode);
}

bool json_labels_match(json_object *expected, json_object *labels, bool negate)
{
        for (size_t i = 0; expected && i < json_object_array_length(expected); i++) {
                const char *want = json_object_get_string(json_object_array_get_idx(expected, i));
                const char *eq = strchr(want, '=');
                _cleanup_free_ char *key = eq ? strndup(want, (size_t)(eq - want)) : strdup(want);
                const char *value = key ? json_field_string(labels, key, NULL) : NULL;
                bool match = value && (!eq || streq(value, eq + 1));

                if (match == negate)
                        return false;
        }
        return true;
}
