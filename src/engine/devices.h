/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/*
 * Devices of `docker run --device`, `--device-cgroup-rule` and
 * `--privileged`: their checks at create, and the linux.devices entries and
 * device cgroup rules of the OCI config at start.
 */

/* A device cgroup rule in Docker's format, "c 1:3 rwm". */
struct device_rule {
        char type;      /* 'a' (all), 'b' (block) or 'c' (character) */
        int64_t major;  /* -1 for "*" */
        int64_t minor;  /* -1 for "*" */
        char access[4]; /* one to three of "rwm", as given */
};

/* Parses a rule as dockerd does: a type (a, b or c), a space, MAJOR:MINOR
 * (numbers or "*"), a space and one to three of r, w and m, and nothing
 * else. Returns 0, -EINVAL for a malformed rule, or -ERANGE for a number
 * above UINT32_MAX (the field that is too large in *ret_field, "major" or
 * "minor", when it is not NULL). */
int device_rule_parse(const char *text, struct device_rule *ret, const char **ret_field);

/* Checks HostConfig.DeviceCgroupRules with dockerd's messages. */
int devices_check_rules(json_object *rules, struct error *err);

/* Checks HostConfig.Devices: each mapping needs a host path, an absolute
 * path in the container below /dev (where the runtime creates device
 * nodes) and permissions made of r, w and m. Whether the host device
 * exists is checked at start, as dockerd does. */
int devices_check_mappings(json_object *mappings, struct error *err);

/* Adds to the OCI config the devices of HostConfig: the nodes to create
 * to linux_devices and their rules to cgroup_rules. With Privileged, every
 * device of the host's /dev is added and cgroup_rules is emptied and given
 * one rule that allows every device. A host path that is not a device, or a
 * directory without one, fails with dockerd's message. */
int devices_add_to_spec(json_object *hc, json_object *linux_devices, json_object *cgroup_rules, struct error *err);
