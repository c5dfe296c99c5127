/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "runtime/mountutil.h"

/* Appends the kernel's own explanation, which fsconfig leaves in the
 * filesystem context, to err. */
static int fs_error(int fs_fd, int code, struct error *err, const char *fmt, const char *description,
                    const char *detail)
{
        char log[512];
        ssize_t n = read(fs_fd, log, sizeof(log) - 1);

        if (n > 2) {
                log[n] = '\0';
                log[strcspn(log, "\n")] = '\0';
                /* The log starts with "e ", "w " or "i " for its level. */
                return error_set(err, code, "%s %s%s: %s", fmt, description, detail, log + 2);
        }
        return error_set_errno(err, code, "%s %s%s", fmt, description, detail);
}

static int fs_set_option(int fs_fd, const char *option, const char *description, struct error *err)
{
        _cleanup_free_ char *key = strdup(option);
        char *value;
        int r;

        if (!key)
                return -ENOMEM;
        value = strchr(key, '=');
        if (value) {
                *value++ = '\0';
                r = fsconfig(fs_fd, FSCONFIG_SET_STRING, key, value, 0);
        } else
                r = fsconfig(fs_fd, FSCONFIG_SET_FLAG, key, NULL, 0);
        if (r < 0) {
                char detail[256];

                snprintf(detail, sizeof(detail), " (option %s)", option);
                return fs_error(fs_fd, negative_errno(), err, "failed to configure", description, detail);
        }
        return 0;
}

int mountutil_new_fs(const char *type, const char *source, char *const *data, uint64_t attr, const char *description,
                     struct error *err)
{
        _cleanup_close_ int fs_fd = -1;
        int mnt_fd;
        int r;

        fs_fd = fsopen(type, FSOPEN_CLOEXEC);
        if (fs_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to create a %s filesystem for %s", type,
                                       description);
        if (!isempty(source) && fsconfig(fs_fd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
                return fs_error(fs_fd, negative_errno(), err, "failed to set the source of", description, "");
        for (char *const *o = data; o && *o; o++) {
                r = fs_set_option(fs_fd, *o, description, err);
                if (r < 0)
                        return r;
        }
        if (fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return fs_error(fs_fd, negative_errno(), err, "failed to create the filesystem for", description, "");

        mnt_fd = fsmount(fs_fd, FSMOUNT_CLOEXEC, attr);
        if (mnt_fd < 0)
                return fs_error(fs_fd, negative_errno(), err, "failed to mount", description, "");
        return mnt_fd;
}

int mountutil_clone_tree(int dirfd, const char *path, bool recursive, const char *description, struct error *err)
{
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        int fd;

        if (isempty(path))
                flags |= AT_EMPTY_PATH;
        fd = open_tree(dirfd, path ?: "", flags);
        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to bind %s", description);
        return fd;
}

int mountutil_set_attr(int mnt_fd, uint64_t set, uint64_t clr, bool recursive, const char *description,
                       struct error *err)
{
        struct mount_attr attr = { .attr_set = set, .attr_clr = clr };

        if (set == 0 && clr == 0)
                return 0;
        if (mount_setattr(mnt_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
                return error_set_errno(err, negative_errno(), "failed to set the mount options of %s", description);
        return 0;
}

int mountutil_set_propagation(int mnt_fd, unsigned long propagation, const char *description, struct error *err)
{
        struct mount_attr attr = { .propagation = propagation & ~MS_REC };

        if (propagation == 0)
                return 0;
        if (mount_setattr(mnt_fd, "", AT_EMPTY_PATH | (propagation & MS_REC ? AT_RECURSIVE : 0), &attr, sizeof(attr)) <
            0)
                return error_set_errno(err, negative_errno(), "failed to set the propagation of %s", description);
        return 0;
}

int mountutil_attach(int mnt_fd, int target_fd, const char *description, struct error *err)
{
        if (move_mount(mnt_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return error_set_errno(err, negative_errno(), "failed to mount %s", description);
        return 0;
}

int mountutil_open_in_root(int root_fd, const char *path, int flags, bool no_symlinks)
{
        struct open_how how = {
                .flags = flags | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0),
        };
        int fd;

        fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        return fd < 0 ? negative_errno() : fd;
}

/* Creates the last component of path in its parent, which is opened (and
 * created) the same way first. */
static int create_in_parent(int root_fd, const char *path, bool file, bool no_symlinks, struct error *err)
{
        _cleanup_free_ char *parent = strdup(path);
        _cleanup_close_ int parent_fd = -1;
        char *slash, *name;

        if (!parent)
                return -ENOMEM;
        /* Drop trailing slashes, then split off the last component. */
        for (size_t n = strlen(parent); n > 1 && parent[n - 1] == '/'; n--)
                parent[n - 1] = '\0';
        slash = strrchr(parent, '/');
        if (!slash || streq(slash + 1, "..") || streq(slash + 1, "."))
                return error_set(err, -EINVAL, "invalid mount destination %s", path);
        name = slash + 1;
        *slash = '\0';

        parent_fd = mountutil_open_target(root_fd, *parent ? parent : "/", false, no_symlinks, err);
        if (parent_fd < 0)
                return parent_fd;
        /* mkdirat and openat take no O_PATH fd of a directory as their base
         * for creating; reopen it as a real directory fd. */
        _cleanup_close_ int dir_fd = openat(parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open the parent of %s", path);

        if (file) {
                _cleanup_close_ int fd =
                        openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

                if (fd < 0 && errno != EEXIST)
                        return error_set_errno(err, negative_errno(), "failed to create %s", path);
        } else if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
                return error_set_errno(err, negative_errno(), "failed to create directory %s", path);
        return 0;
}

int mountutil_open_target(int root_fd, const char *path, bool file, bool no_symlinks, struct error *err)
{
        int fd, r;

        fd = mountutil_open_in_root(root_fd, path, O_PATH, no_symlinks);
        if (fd == -ENOENT) {
                r = create_in_parent(root_fd, path, file, no_symlinks, err);
                if (r < 0)
                        return r;
                fd = mountutil_open_in_root(root_fd, path, O_PATH, no_symlinks);
        }
        if (fd == -ELOOP && no_symlinks)
                return error_set(err, fd, "%s is a symbolic link, which is not allowed there", path);
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open %s in the container", path);
        return fd;
}
