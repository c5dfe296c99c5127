/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "runtime/cgroup.h"
#include "runtime/spec.h"

/* Mounts the spec's mounts, in order, below the container root root_fd.
 * Bind sources are host paths (relative ones to the bundle); every
 * destination is resolved inside the root. cg gives the cgroup mounts
 * their content. */
int mounts_apply(const struct runtime_spec *spec, const char *bundle, int root_fd, const struct cgroup *cg,
                 bool cgroupns, struct error *err);

/* Masks linux.maskedPaths and makes linux.readonlyPaths read-only. Call
 * after pivot_root and after /dev is populated. */
int mounts_apply_masks(const struct runtime_spec *spec, struct error *err);
