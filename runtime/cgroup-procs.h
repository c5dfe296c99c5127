/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include "error.h"
#include "runtime/cgroup.h"

/*
 * What `ps`, `pause`, `resume` and `kill --all` do to a container's cgroup:
 * list its processes and freeze or thaw them, with the v1 freezer
 * controller where the host has one (hybrid hosts) and cgroup.freeze of
 * cgroup v2 otherwise.
 */

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cgroup *, cgroup_free)

/* Lists the pids in the container's cgroup, in the caller's PID namespace. */
int cgroup_procs_list(const struct cgroup *cg, pid_t **ret, size_t *ret_n, struct error *err);

/* Freezes (frozen true) or thaws every process of the cgroup, and waits
 * until the kernel reports the new state. */
int cgroup_procs_freeze(const struct cgroup *cg, bool frozen, struct error *err);

/* Tells whether the cgroup is frozen or being frozen; false when it cannot
 * be read. */
bool cgroup_procs_frozen(const struct cgroup *cg);
