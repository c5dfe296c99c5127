/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "error.h"

/* Parses the daemon's default ulimits into an array of {Name, Soft, Hard},
 * the form of HostConfig.Ulimits. value is what daemon.json's
 * "default-ulimits" holds, an object such as {"nofile": {"Name": "nofile",
 * "Soft": 1024, "Hard": 2048}}, or the array of --default-ulimit flags
 * ("nofile=1024:2048", "nproc=512"). NULL gives NULL. Each limit must be
 * one a container can get (see create_ulimit_check), so that a bad default
 * stops the daemon at start instead of failing every create. */
int config_default_ulimits_parse(json_object *value, json_object **ret, struct error *err);
