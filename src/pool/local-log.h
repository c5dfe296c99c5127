/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

struct container;

/* The monitor's logging settings for a container, from
 * HostConfig.LogConfig with the defaults of dockerd 20.10's drivers. */
struct local_log_settings {
        bool enabled;     /* false for the none driver */
        bool local;       /* the local driver's record format, not json-file's */
        int64_t max_size; /* bytes, 0 for no rotation */
        int max_files;
        bool compress;
        char *attrs; /* the "attrs" JSON object of every entry, or NULL */
};

/* Returns the file the container's log is written to (newly allocated),
 * or NULL for the none driver. As with dockerd, json-file writes
 * <id>-json.log in the container's directory and the local driver writes
 * local-logs/container.log there, in dockerd's record format. Call with
 * c->lock held. */
char *local_log_file(const char *data_root, struct container *c);

/* Fills settings for c. Call with c->lock held. */
int local_log_settings(struct container *c, struct local_log_settings *ret);
void local_log_settings_clear(struct local_log_settings *settings);

/* Builds the attributes dockerd adds to each entry for the labels,
 * labels-regex, env and env-regex options. They are the named labels and
 * environment variables that the container has, and those whose names
 * match the expressions. Returns a JSON object's text with sorted keys,
 * or NULL when there are none. */
char *local_log_attrs(json_object *options, json_object *labels, json_object *env);
