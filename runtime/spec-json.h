/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "error.h"

/*
 * Typed field readers for config.json. Each takes the dotted path of obj
 * ("process.user") for messages. A missing or null field leaves *ret
 * untouched and returns 0; a field of the wrong type fails with -EINVAL and
 * a message naming the whole field path.
 */

int spec_json_string(json_object *obj, const char *path, const char *key, char **ret, struct error *err);
int spec_json_bool(json_object *obj, const char *path, const char *key, bool *ret, struct error *err);
int spec_json_int64(json_object *obj, const char *path, const char *key, int64_t *ret, struct error *err);

/* Accepts integers from 0 to max. */
int spec_json_uint64(json_object *obj, const char *path, const char *key, uint64_t max, uint64_t *ret,
                     struct error *err);

/* Reads an array of strings into a NULL-terminated vector (freeing any
 * previous *ret only on success). */
int spec_json_strv(json_object *obj, const char *path, const char *key, char ***ret, struct error *err);

/* Borrowed references to an object or array member; *ret is set to NULL
 * when the member is missing or null. */
int spec_json_object(json_object *obj, const char *path, const char *key, json_object **ret, struct error *err);
int spec_json_array(json_object *obj, const char *path, const char *key, json_object **ret, struct error *err);

/* Returns "path.key" (or "path[index]" when key is NULL), or NULL when out
 * of memory. */
char *spec_json_path(const char *path, const char *key, size_t index);

/* Fails with "invalid <path>.<key>: <problem>". */
int spec_json_invalid(struct error *err, const char *path, const char *key, const char *problem);
