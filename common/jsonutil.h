/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "error.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Field accessors for Docker's JSON. Each returns the fallback when the key
 * is missing or null; a present field of the wrong type is an error only in
 * the json_field_check_* variants below. */
const char *json_field_string(json_object *obj, const char *key, const char *fallback);
int64_t json_field_int(json_object *obj, const char *key, int64_t fallback);
bool json_field_bool(json_object *obj, const char *key, bool fallback);
json_object *json_field_object(json_object *obj, const char *key);
json_object *json_field_array(json_object *obj, const char *key);

/* Checks that key, when present and not null, has the given type, and
 * reports Docker's message for a type mismatch in err: "json: cannot
 * unmarshal <got> into Go struct field <context>.<key> of type <want>". */
int json_field_check(json_object *obj, const char *key, json_type type, const char *context, struct error *err);

/* Checks that key, when present and not null, is an object of strings
 * (Go's map[string]string), with the decoder's messages as
 * json_field_check. */
int json_field_check_string_map(json_object *obj, const char *key, const char *context, struct error *err);

/* Returns a new reference to a string object, or a JSON null for NULL. */
json_object *json_string_or_null(const char *s);

/* Returns a new array holding copies of the strings in v (NULL-terminated),
 * or a JSON null when v is NULL. */
json_object *json_array_from_strv(char *const *v);

/* Copies a JSON array of strings into a NULL-terminated vector. A missing or
 * null array gives *ret = NULL; a non-string element is -EINVAL. */
int json_array_to_strv(json_object *array, char ***ret);

/* Sets obj[key] to a new string, or to null when value is NULL. */
void json_set_string(json_object *obj, const char *key, const char *value);

/* Parses a whole buffer as one JSON value. Trailing non-space text is an
 * error. Returns 0 or -EINVAL, with json-c's reason in err. */
int json_parse_buffer(const char *buf, size_t len, json_object **ret, struct error *err);

/* Reads and parses dirfd/name (at most max_len bytes). */
int json_file_read(int dirfd, const char *name, size_t max_len, json_object **ret);

/* Serialises obj compactly and writes it with fs_write_atomic_at. */
int json_file_write_atomic(int dirfd, const char *name, json_object *obj, mode_t mode);

/* Serialises obj compactly and writes it with fs_replace_at, without fsync. */
int json_file_replace(int dirfd, const char *name, json_object *obj, mode_t mode);

/* Serialises obj compactly without escaping slashes, as Go does. The string
 * belongs to obj. */
const char *json_to_string(json_object *obj);

/* Tells whether labels (an object of strings) matches every entry of
 * expected, an array of "key" or "key=value" as Docker's label filters
 * take them; with negate, whether it matches none of them. */
bool json_labels_match(json_object *expected, json_object *labels, bool negate);
