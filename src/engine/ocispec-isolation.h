/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "error.h"

struct engine;
struct container;
struct namespace_shares;

/* The path of the init of --init in the container, where dockerd puts its
 * docker-init. */
#define OCISPEC_INIT_PATH "/sbin/docker-init"

/* Applies the isolation options of c's HostConfig to spec, the OCI config
 * with Docker's defaults: the namespace modes (with what shares found),
 * --privileged, --device, --device-cgroup-rule, --group-add, --init and the
 * daemon's default ulimits, as dockerd changes its default spec for them.
 * Call with c->lock held. */
int ocispec_isolation_apply(struct engine *e, struct container *c, const struct namespace_shares *shares,
                            json_object *spec, struct error *err);
