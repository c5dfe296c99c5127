/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "error.h"

/* Checks the types of a create request's fields, with the messages of
 * dockerd's JSON decoder. */
int create_request_check(json_object *req, struct error *err);

/* Returns the container's Config: the request's fields merged with the
 * image's config (may be NULL) by Docker's rules. req must have passed
 * create_request_check. */
json_object *create_config_build(json_object *req, json_object *image_config);

/* Derives Docker's Path and Args from Config's Entrypoint and Cmd; no
 * command at all is -EINVAL "No command specified". */
int create_command_build(json_object *config, char **ret_path, char ***ret_args, struct error *err);

/* Checks HostConfig (may be NULL) for what this daemon can run. */
int create_host_config_check(json_object *hc, struct error *err);

/* Fills the HostConfig fields dockerd sets itself, so inspect shows them. */
void create_host_config_defaults(json_object *hc);
