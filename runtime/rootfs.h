/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "runtime/spec.h"

/* Sets the propagation of the whole mount tree (private unless the spec's
 * rootfsPropagation says otherwise), then mounts the container's root on
 * root.path: premounted_fd when it is not -1 (the function takes it
 * over), else the overlay of the annotations, or a bind of root.path onto
 * itself, as pivot_root needs a mount. Returns an fd of the new root.
 * Call in the container's mount namespace. */
int rootfs_prepare(const struct runtime_spec *spec, const char *bundle, int premounted_fd, struct error *err);

/* For the idmap annotation: builds the overlay of the annotations as a
 * detached mount whose lower directories are id-mapped with the user
 * namespace of pid, the container's init, after its maps are written.
 * *ret_fd is the mount, or -1 without the annotation. The init attaches
 * it (rootfs_prepare's premounted_fd).
 *
 * Call as host root in the host's mount namespace: an id-mapped mount
 * needs CAP_SYS_ADMIN over the layers' filesystem, which root in the
 * container's user namespace lacks. The overlay also gets host root as
 * its mounter, so it reads the layers whatever their modes, and keeps
 * its trusted.overlay.* attributes (opaque directories), which the
 * container's root could not set. */
int rootfs_build_idmapped(const struct runtime_spec *spec, pid_t pid, int *ret_fd, struct error *err);

/* Makes root_fd the root of the mount namespace and detaches the old root. */
int rootfs_pivot(int root_fd, struct error *err);

/* Makes / read-only, after pivot_root. */
int rootfs_set_readonly(struct error *err);
