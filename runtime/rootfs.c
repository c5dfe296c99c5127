/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sched.h>
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

/* Options of every overlay the annotations describe. Without redirects
 * and metacopy files, the upper directory contains every change in full,
 * so the engine can read it as a layer (docker diff, commit and export).
 * A kernel built with either on by default would otherwise use them. */
static const char *const overlay_options[][2] = {
        /* "off" would still follow redirects, which a user namespace
         * may not mount; "nofollow" neither makes nor follows them. */
        { "redirect_dir", "nofollow" },
        { "metacopy", "off" },
};

/* Mounts the overlay described by the annotations. Each lower directory
 * is passed on its own with "lowerdir+" (Linux 6.8 and later), so the
 * number of layers is not bounded by the page-sized option string of
 * mount(2). */
static int mount_overlay(const struct runtime_spec *spec, struct error *err)
{
        _cleanup_strv_free_ char **data = NULL;
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(overlay_options); i++) {
                _cleanup_free_ char *option = NULL;

                if (asprintf(&option, "%s=%s", overlay_options[i][0], overlay_options[i][1]) < 0)
                        return -ENOMEM;
                r = strv_consume(&data, TAKE_PTR(option));
                if (r < 0)
                        return r;
        }

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

/* Appends the kernel's explanation in the overlay's filesystem context
 * to the message, when it left one, else the errno and hint. */
static int overlay_error(int fs_fd, int code, const char *what, const char *hint, struct error *err)
{
        char log[512];
        ssize_t n = read(fs_fd, log, sizeof(log) - 1);

        if (n > 2) {
                log[n] = '\0';
                log[strcspn(log, "\n")] = '\0';
                /* The log starts with "e ", "w " or "i " for its level. */
                return error_set(err, code, "failed to %s of the id-mapped overlay: %s", what, log + 2);
        }
        return error_set_errno(err, code, "failed to %s of the id-mapped overlay%s", what, hint);
}

/* Returns a detached copy of dir whose ids appear through the map of the
 * user namespace userns_fd. */
static int idmap_layer(const char *dir, int userns_fd, struct error *err)
{
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
        _cleanup_close_ int fd = -1;

        fd = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to bind the layer %s", dir);
        if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                return error_set_errno(err, negative_errno(), "failed to id-map the layer %s", dir);
        return TAKE_FD(fd);
}

static void close_all(int **fds)
{
        for (int *fd = *fds; fd && *fd >= 0; fd++)
                close(*fd);
        free(*fds);
}

/* Adds the id-mapped lower directories to the overlay. Their fds, in
 * *layer_fds (ending with -1), must stay open until the overlay exists:
 * closing a detached mount unmounts it. */
static int add_idmapped_layers(int fs_fd, const struct runtime_spec *spec, pid_t pid, int **layer_fds,
                               struct error *err)
{
        size_t n = strv_length(spec->rootfs_lower);
        _cleanup_close_ int userns_fd = -1;
        char path[64];

        *layer_fds = malloc((n + 1) * sizeof(int));
        if (!*layer_fds)
                return -ENOMEM;
        for (size_t i = 0; i <= n; i++)
                (*layer_fds)[i] = -1;

        /* pid is the caller's unreaped child, so it cannot name another
         * process. */
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
        userns_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (userns_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open the container's user namespace");
        for (size_t i = 0; i < n; i++) {
                const char *dir = spec->rootfs_lower[i];
                int layer_fd = idmap_layer(dir, userns_fd, err);

                if (layer_fd < 0)
                        return layer_fd;
                (*layer_fds)[i] = layer_fd;
                /* overlayfs takes layers as file descriptors since Linux
                 * 6.13, and O_PATH ones such as open_tree's since 6.15. */
                if (fsconfig(fs_fd, FSCONFIG_SET_FD, "lowerdir+", NULL, layer_fd) < 0) {
                        _cleanup_free_ char *what = NULL;

                        if (asprintf(&what, "add the layer %s", dir) < 0)
                                return -ENOMEM;
                        return overlay_error(fs_fd, negative_errno(), what, " (it needs Linux 6.15 or later)", err);
                }
        }
        return 0;
}

int rootfs_build_idmapped(const struct runtime_spec *spec, pid_t pid, int *ret_fd, struct error *err)
{
        _cleanup_(close_all) int *layer_fds = NULL;
        _cleanup_close_ int fs_fd = -1;
        int r, mnt_fd;

        *ret_fd = -1;
        if (!spec->rootfs_idmap)
                return 0;
        if (!runtime_spec_has_namespace(spec, CLONE_NEWUSER, NULL))
                return error_set(err, -EINVAL,
                                 "invalid config.json: " RUNTIME_ANNOTATION_IDMAP " needs a user namespace");
        if (!spec->rootfs_lower)
                return error_set(err, -EINVAL,
                                 "invalid config.json: " RUNTIME_ANNOTATION_IDMAP " needs the overlay annotations");

        fs_fd = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fs_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to create the overlay root filesystem");
        r = add_idmapped_layers(fs_fd, spec, pid, &layer_fds, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(overlay_options); i++)
                if (fsconfig(fs_fd, FSCONFIG_SET_STRING, overlay_options[i][0], overlay_options[i][1], 0) < 0)
                        return overlay_error(fs_fd, negative_errno(), "set the options", "", err);
        if (spec->rootfs_upper && (fsconfig(fs_fd, FSCONFIG_SET_STRING, "upperdir", spec->rootfs_upper, 0) < 0 ||
                                   fsconfig(fs_fd, FSCONFIG_SET_STRING, "workdir", spec->rootfs_work, 0) < 0))
                return overlay_error(fs_fd, negative_errno(), "set the upper and work directories", "", err);
        if (fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return overlay_error(fs_fd, negative_errno(), "create the filesystem", "", err);
        mnt_fd = fsmount(fs_fd, FSMOUNT_CLOEXEC, 0);
        if (mnt_fd < 0)
                return overlay_error(fs_fd, negative_errno(), "mount the filesystem", "", err);
        *ret_fd = mnt_fd;
        return 0;
}

int rootfs_prepare(const struct runtime_spec *spec, const char *bundle, int premounted_fd, struct error *err)
{
        _cleanup_close_ int bundle_fd = -1, target_fd = -1, mnt_fd = premounted_fd;
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

        if (mnt_fd < 0 && spec->rootfs_lower)
                mnt_fd = mount_overlay(spec, err);
        else if (mnt_fd < 0)
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
