/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "error.h"

/*
 * The docker run options beyond the basics: which ones the daemon applies,
 * their checks with Docker's messages, and a clear error for the ones it
 * cannot apply yet, so no option is ever accepted and silently ignored.
 */

/* Checks the HostConfig options: values the daemon applies are validated
 * as dockerd validates them (-EINVAL), options it does not implement are
 * -EOPNOTSUPP naming the docker flag. Warnings dockerd would give (such as
 * for --kernel-memory, which it ignores) are appended to warnings when it
 * is not NULL. */
int create_options_check(json_object *hc, json_object *warnings, struct error *err);

/* Checks the fields of a docker update request (POST
 * /containers/{id}/update) as create checks them: the restart policy and
 * the memory and CPU limits, with dockerd's messages and warnings. */
int create_update_options_check(json_object *update, json_object *warnings, struct error *err);

/* Checks the Config options of the request (not the image's): a MAC
 * address is not implemented, the stop signal and the Healthcheck
 * durations must be valid, and a host or domain name conflicts with the
 * host's UTS namespace. */
int create_config_options_check(json_object *req, struct error *err);

/* Returns X of a namespace mode "container:X", or NULL for another mode. */
const char *create_mode_container(const char *mode);

/* Parses a size such as "64m", "1g", "512k" or "1024" (bytes, units in
 * powers of 1024, as Docker's RAMInBytes). Returns 0 or -EINVAL. */
int create_parse_size(const char *text, int64_t *ret);

/* Parses a boolean as Go's strconv.ParseBool: 1 or 0, -EINVAL for other
 * text. */
int create_parse_bool(const char *text);
