/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "fsutil.h"
#include "runtime/procfs.h"

int procfs_open_private(struct error *err)
{
        _cleanup_close_ int fs = -1, mnt = -1;

        fs = fsopen("proc", FSOPEN_CLOEXEC);
        if (fs < 0)
                return error_set_errno(err, negative_errno(), "failed to open a procfs instance");
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return error_set_errno(err, negative_errno(), "failed to create a procfs instance");
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (mnt < 0)
                return error_set_errno(err, negative_errno(), "failed to mount a procfs instance");
        return TAKE_FD(mnt);
}

int procfs_open_host(struct error *err)
{
        _cleanup_close_ int root = -1, self = -1;

        root = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0 || !procfs_fd_is_proc(root))
                return procfs_open_private(err);
        /* The caller is missing from a /proc of an unrelated PID namespace. */
        self = openat(root, "self", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (self < 0)
                return procfs_open_private(err);
        return TAKE_FD(root);
}

bool procfs_fd_is_proc(int fd)
{
        struct statfs st;

        return fstatfs(fd, &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
}

int procfs_write(int procfd, const char *path, const char *value, struct error *err)
{
        struct open_how how = {
                .flags = O_WRONLY | O_CLOEXEC | O_NOCTTY,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        _cleanup_close_ int fd = -1;
        int r;

        fd = syscall(SYS_openat2, procfd, path, &how, sizeof(how));
        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open /proc/%s", path);
        if (!procfs_fd_is_proc(fd))
                return error_set(err, -EXDEV, "/proc/%s is not on procfs", path);

        r = fs_write_all(fd, value, strlen(value));
        if (r < 0)
                return error_set_errno(err, r, "failed to write \"%s\" to /proc/%s", value, path);
        return 0;
}
