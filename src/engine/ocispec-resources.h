/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "error.h"

/* Adds HostConfig's memory, CPU, pids and block I/O limits to the OCI
 * linux.resources object. A block device path that cannot be read fails
 * with dockerd's message ("stat /dev/x: no such file or directory"). */
int ocispec_add_resources(json_object *resources, json_object *hc, struct error *err);

/* Returns the OCI resources object that brings a running container to the
 * limits of hc, its HostConfig after update (the body of POST
 * /containers/{id}/update) was merged in. Unlike the object of a start, it
 * states "no limit" for a pids limit the update removed. */
int ocispec_update_resources(json_object *hc, json_object *update, json_object **ret, struct error *err);
