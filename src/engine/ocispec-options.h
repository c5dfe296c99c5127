/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "error.h"

struct container;

/* Checks that name ("NET_ADMIN", "CAP_NET_ADMIN", any case, or "ALL") is a
 * Linux capability and, with grantable, that this daemon can grant it (it
 * is in the daemon's own bounding set). Returns 0 or -EINVAL. */
int ocispec_capability_check(const char *name, bool grantable, struct error *err);

/* Maps a Docker ulimit name ("nofile") to the OCI type ("RLIMIT_NOFILE")
 * in buf (at least 32 bytes). Returns 0 or -EINVAL. */
int ocispec_rlimit_type(const char *name, char *buf, size_t size);

/* The capability sets for HostConfig's CapAdd and CapDrop over Docker's
 * default set or, with Privileged, every capability of the daemon's
 * bounding set. */
json_object *ocispec_capabilities(json_object *hc);

/* The process rlimits for HostConfig.Ulimits, or NULL when there are none. */
json_object *ocispec_rlimits(json_object *hc);

/* Adds HostConfig.Sysctls to the OCI sysctl object. */
void ocispec_add_sysctls(json_object *sysctl, json_object *hc);

/* Appends the user's mounts (the container's mount points of -v,
 * --mount, --volumes-from and volumes, then --tmpfs), parents before the
 * mounts inside them, as dockerd orders them. */
int ocispec_add_user_mounts(json_object *mounts, json_object *hc, json_object *mount_points, struct error *err);
