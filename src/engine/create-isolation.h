/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "error.h"

/*
 * The create checks of the docker run options that change a container's
 * isolation: --sysctl, --oom-score-adj, --device, --device-cgroup-rule,
 * --group-add and the host's limits on --ulimit.
 */

/* Checks those options of HostConfig, with dockerd's messages where dockerd
 * has one. Returns 0, -EINVAL, or -EOPNOTSUPP for a form this daemon does
 * not implement. */
int create_isolation_check(json_object *hc, struct error *err);

/* Checks one ulimit: a known name, soft <= hard (-1 is unlimited), and a
 * hard limit the runtime can set. Without CAP_SYS_RESOURCE no process can
 * raise its hard limit, so the maximum is the daemon's own. With it, only
 * nofile has a maximum, fs.nr_open. source names the setting in the
 * message, such as "--ulimit". */
int create_ulimit_check(const char *source, const char *name, int64_t soft, int64_t hard, struct error *err);

/* Appends to HostConfig.Ulimits the daemon's default ulimits it does not
 * set, as dockerd stores them at create. */
void create_merge_default_ulimits(json_object *hc, json_object *defaults);

/* Checks the daemon's default ulimits (an array of {Name, Soft, Hard}) that
 * apply to a container with HostConfig hc: those it does not set itself. */
int create_default_ulimits_check(json_object *defaults, json_object *hc, struct error *err);
