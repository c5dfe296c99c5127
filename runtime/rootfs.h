/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "runtime/spec.h"

/* Sets the propagation of the whole mount tree (private unless the spec's
 * rootfsPropagation says otherwise), then mounts the container's root on
 * root.path: the overlay of the annotations, or a bind of root.path onto
 * itself, as pivot_root needs a mount. Returns an fd of the new root.
 * Call in the container's mount namespace. */
int rootfs_prepare(const struct runtime_spec *spec, const char *bundle, struct error *err);

/* Makes root_fd the root of the mount namespace and detaches the old root. */
int rootfs_pivot(int root_fd, struct error *err);

/* Makes / read-only, after pivot_root. */
int rootfs_set_readonly(struct error *err);
