/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "error.h"

struct engine;
struct container;
struct namespace_shares;

/* The sources of the container's root filesystem. */
struct ocispec_rootfs {
        const char *root_path; /* the empty directory the overlay is mounted on */
        char **lower_dirs;     /* the image's layer directories, lowest first */
        const char *upper_dir;
        const char *work_dir;
        const char *etc_dir; /* contains the generated hostname, hosts and resolv.conf */
};

/* Builds the OCI runtime config (config.json) for c as dockerd builds it
 * for runc: Docker's default namespaces, capabilities, mounts, masked
 * paths and devices, plus the container's command, environment, user,
 * binds and isolation options. shares is what namespace_shares_prepare
 * found for this start. Call with c->lock held. */
int ocispec_build(struct engine *e, struct container *c, const struct ocispec_rootfs *rootfs,
                  const struct namespace_shares *shares, json_object **ret, struct error *err);

/* The process environment as dockerd builds it: PATH, HOSTNAME and, with
 * tty, TERM, each replaced by the container's own Env when it sets them.
 * Call with c->lock held. Returns NULL when out of memory. */
char **ocispec_environment(struct container *c, bool tty);
