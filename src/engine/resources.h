/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "error.h"

/*
 * The resource limits of HostConfig as dockerd 20.10 treats them, beyond
 * the range checks of create-options.c. This covers what the host's
 * cgroups can enforce, the CPUs and memory nodes that exist, the defaults
 * of create, and how docker update merges new limits into HostConfig.
 */

/* Checks the block I/O, swappiness, OOM killer, kernel memory, real-time
 * and cpuset options of hc, a create request's HostConfig or an update
 * request, against the host, with dockerd's messages (-EINVAL). An option
 * the host cannot enforce is removed from hc and dockerd's warning is
 * appended to warnings (which may be NULL). context names hc in type
 * errors ("HostConfig", "UpdateConfig"). */
int resources_check(json_object *hc, const char *context, json_object *warnings, struct error *err);

/* Fills the values dockerd gives at create: a MemorySwap of twice Memory,
 * and null for an unset MemorySwappiness or PidsLimit. */
void resources_create_defaults(json_object *hc);

/* Merges the limits of an update request into hc, the container's
 * HostConfig, by dockerd's rules: a field that is 0 or empty keeps its
 * value. A combination dockerd refuses (a NanoCpus next to a CpuPeriod,
 * a memory limit above the swap limit) is -EBUSY with its message. */
int resources_merge_update(json_object *hc, json_object *update, struct error *err);
