/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include "runtime/mountutil.h"
#include "runtime/rootfs.h"
#include "strv.h"

static int set_propagation(const struct runtime_spec *spec, struct error *err)
{
        unsigned long flags = spec->linux_config.rootfs_propagation ?: MS_PRIVATE | MS_REC;

        /* pivot_root rejects a new root whose parent mount is shared. */
        if (flags & MS_SHARED)
                return error_set(err, -EOPNOTSUPP, "linux.rootfsPropagation: shared propagation is not supported");
        if (mount(NULL, "/", NULL, flags, NULL) < 0)
                return error_set_errno(err, negative_errno(), "failed to set the propagation of the mount tree");
        return 0;
}

/* Mounts the overlay described by the annotations. Each lower directory
 * is passed on its own with "lowerdir+" (Linux 6.8 and later), so the
 * number of layers is not bounded by the page-sized option string of
 * mount(2). */
static int mount_overlay(const struct runtime_spec *spec, struct error *err)
{
        _cleanup_strv_free_ char **data = NULL;
        int r;

        STRV_FOREACH (dir, spec->rootfs_lower) {
                _cleanup_free_ char *option = NULL;

                if (asprintf(&option, "lowerdir+=%s", *dir) < 0)
                        return -ENOMEM;
                r = strv_consume(&data, TAKE_PTR(option));
                if (r < 0)
                        return r;
        }
        if (spec->rootfs_upper) {
                _cleanup_free_ char *upper = NULL, *work = NULL;

                if (asprintf(&upper, "upperdir=%s", spec->rootfs_upper) < 0 ||
                    asprintf(&work, "workdir=%s", spec->rootfs_work) < 0)
                        return -ENOMEM;
                if (strv_consume(&data, TAKE_PTR(upper)) < 0 || strv_consume(&data, TAKE_PTR(work)) < 0)
                        return -ENOMEM;
        }
        return mountutil_new_fs("overlay", "overlay", data, 0, "the overlay root filesystem", err);
}

int rootfs_prepare(const struct runtime_spec *spec, const char *bundle, struct error *err)
{
        _cleanup_close_ int bundle_fd = -1, target_fd = -1, mnt_fd = -1;
        int r;

        r = set_propagation(spec, err);
        if (r < 0)
                return r;

        bundle_fd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (bundle_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open bundle %s", bundle);
        /* root.path is relative to the bundle unless absolute; the bundle
         * and the root belong to the engine, not to the container. */
        target_fd = openat(bundle_fd, spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (target_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open root.path %s", spec->root_path);

        if (spec->rootfs_lower)
                mnt_fd = mount_overlay(spec, err);
        else
                mnt_fd = mountutil_clone_tree(target_fd, "", true, "the root filesystem", err);
        if (mnt_fd < 0)
                return mnt_fd;

        r = mountutil_attach(mnt_fd, target_fd, "the root filesystem", err);
        if (r < 0)
                return r;
        return TAKE_FD(mnt_fd);
}

int rootfs_pivot(int root_fd, struct error *err)
{
        if (fchdir(root_fd) < 0)
                return error_set_errno(err, negative_errno(), "failed to enter the root filesystem");

        /* With new_root and put_old both ".", the old root ends up stacked
         * on top of the new one, where it can be detached without needing
         * a directory for it in the container's filesystem. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return error_set_errno(err, negative_errno(), "pivot_root failed");
        /* Keep the unmount from propagating to any peer of the old root. */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return error_set_errno(err, negative_errno(), "failed to make the old root a slave mount");
        if (umount2(".", MNT_DETACH) < 0)
                return error_set_errno(err, negative_errno(), "failed to detach the old root");
        if (chdir("/") < 0)
                return error_set_errno(err, negative_errno(), "failed to enter the new root");
        return 0;
}

int rootfs_set_readonly(struct error *err)
{
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

        if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof(attr)) < 0)
                return error_set_errno(err, negative_errno(), "failed to make the root filesystem read-only");
        return 0;
}
