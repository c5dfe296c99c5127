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

/* Parser of one array element, which fills ((T *)items)[index] from the
 * object obj. path names the element ("linux.devices[2]") for messages, and
 * the elements before index are already parsed. */
typedef int (*spec_json_item_parser)(json_object *obj, const char *path, void *items, size_t index, struct error *err);

/*
 * Parses the array member key of obj into a new array of item_size elements
 * with parse_item, failing on an element that is not an object. items is the
 * address of the caller's array pointer, such as (void **)&spec->mounts. A
 * missing or null member leaves both outputs untouched. On failure *items
 * and *n_items include the failed element, so that the caller's cleanup
 * frees what its parser filled in.
 */
int spec_json_parse_array(json_object *obj, const char *path, const char *key, size_t item_size,
                          spec_json_item_parser parse_item, void **items, size_t *n_items, struct error *err);

/* Fails with "invalid <path>.<key>: <problem>". */
int spec_json_invalid(struct error *err, const char *path, const char *key, const char *problem);
