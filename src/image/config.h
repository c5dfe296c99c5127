/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "error.h"

/*
 * Image configs as Docker decodes them: field names match case-insensitively
 * (Go's encoding/json), a string Cmd is a one-element array, and re-encoding
 * gives every field of Go's struct in its order, with Go's zero values and
 * omitempty rules, and map keys sorted.
 */

/* Looks up key in obj as Go's decoder does: the exact key, else one that
 * differs only in case. Returns NULL when absent or obj is no object. */
json_object *config_field(json_object *obj, const char *key);

/* Returns a new object holding Docker's container config (the image
 * config's "config" and "container_config") for raw, which may be NULL. */
json_object *config_container_normalize(json_object *raw);

/* Tells whether raw sets any field of Docker's container config, which is
 * when Go's decoder gives a request a config of its own. */
bool config_container_has_fields(json_object *raw);

/* Parses the config's "created" time; 0 (Go's zero time) when missing. */
int64_t config_created_ns(json_object *config);

/* Returns the history entries of config, or NULL. */
json_object *config_history(json_object *config);

/* The platform this build runs images of, in Go's GOARCH names. */
const char *config_host_architecture(void);
const char *config_host_variant(void); /* NULL when none */
