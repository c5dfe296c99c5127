/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "runtime/cgroup.h"
#include "runtime/mountutil.h"
#include "strv.h"

#define CGROUP_MOUNT_ATTR (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* Returns the source that mountinfo shows for a new mount of h:
 * "systemd" for the name=systemd hierarchy, as runc 1.1 names it, and
 * "cgroup" for the others. */
static const char *mount_source(const struct cgroup_hierarchy *h)
{
        return streq_ptr(h->options, "name=systemd") ? "systemd" : "cgroup";
}

/* Returns a detached mount of the container's cgroup in h: a new mount of
 * the hierarchy, which the cgroup namespace roots at the container's
 * cgroup, or without one a bind of the container's directory. */
static int hierarchy_mount(const struct cgroup *cg, const struct cgroup_hierarchy *h, bool cgroupns, uint64_t attr,
                           struct error *err)
{
        _cleanup_free_ char *source = NULL;
        _cleanup_strv_free_ char **data = NULL;
        _cleanup_error_ struct error new_err = ERROR_INIT;
        int fd, r;

        if (cgroupns) {
                if (!h->unified) {
                        data = strv_split(h->options, ",", false);
                        if (!data)
                                return -ENOMEM;
                }
                fd = mountutil_new_fs(h->unified ? "cgroup2" : "cgroup", mount_source(h), data, attr, h->mountpoint,
                                      &new_err);
                /* Only the initial user namespace may mount a v1 hierarchy;
                 * in another, the bind below shows the same directory. */
                if (fd != -EPERM || h->unified)
                        return fd >= 0 ? fd : error_set(err, fd, "%s", error_message(&new_err, fd));
        }

        source = fs_path_join(h->mountpoint, cg->path);
        if (!source)
                return -ENOMEM;
        fd = mountutil_clone_tree(AT_FDCWD, source, false, source, err);
        if (fd < 0)
                return fd;
        r = mountutil_set_attr(fd, attr, 0, false, source, err);
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

/* Links each controller of a combined hierarchy such as "cpu,cpuacct" to
 * its directory, as hosts and runc do. */
static int link_controllers(int dir_fd, const char *name)
{
        _cleanup_strv_free_ char **parts = NULL;

        if (!strchr(name, ','))
                return 0;
        parts = strv_split(name, ",", false);
        if (!parts)
                return -ENOMEM;
        STRV_FOREACH (p, parts)
                if (symlinkat(name, dir_fd, *p) < 0 && errno != EEXIST)
                        return negative_errno();
        return 0;
}

static int mount_v1_hierarchy(const struct cgroup *cg, const struct cgroup_hierarchy *h, int dir_fd, bool cgroupns,
                              uint64_t attr, struct error *err)
{
        _cleanup_free_ char *copy = strdup(h->mountpoint);
        _cleanup_close_ int sub_fd = -1, mnt_fd = -1;
        const char *name;
        int r;

        if (!copy)
                return -ENOMEM;
        name = basename(copy);
        if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
                return error_set_errno(err, negative_errno(), "failed to create /sys/fs/cgroup/%s", name);
        sub_fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open /sys/fs/cgroup/%s", name);

        mnt_fd = hierarchy_mount(cg, h, cgroupns, attr, err);
        if (mnt_fd < 0)
                return mnt_fd;
        r = mountutil_attach(mnt_fd, sub_fd, h->mountpoint, err);
        if (r < 0)
                return r;
        r = link_controllers(dir_fd, name);
        if (r < 0)
                return error_set_errno(err, r, "failed to link the controllers of /sys/fs/cgroup/%s", name);
        return 0;
}

static int mount_v1(const struct cgroup *cg, int target_fd, bool cgroupns, uint64_t attr, struct error *err)
{
        char *const tmpfs_data[] = { (char *)"mode=755", NULL };
        _cleanup_close_ int tmpfs_fd = -1, dir_fd = -1;
        int r;

        tmpfs_fd = mountutil_new_fs("tmpfs", "tmpfs", tmpfs_data,
                                    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "/sys/fs/cgroup", err);
        if (tmpfs_fd < 0)
                return tmpfs_fd;
        r = mountutil_attach(tmpfs_fd, target_fd, "/sys/fs/cgroup", err);
        if (r < 0)
                return r;
        dir_fd = openat(tmpfs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open /sys/fs/cgroup");

        /* The cgroup2 hierarchy of a hybrid host contains no controller a
         * container uses, and Docker leaves it out too. */
        for (size_t i = 0; i < cg->n_hierarchies; i++) {
                if (cg->hierarchies[i].unified)
                        continue;
                r = mount_v1_hierarchy(cg, &cg->hierarchies[i], dir_fd, cgroupns, attr, err);
                if (r < 0)
                        return r;
        }
        if (!(attr & MOUNT_ATTR_RDONLY))
                return 0;
        return mountutil_set_attr(tmpfs_fd, MOUNT_ATTR_RDONLY, 0, false, "/sys/fs/cgroup", err);
}

int cgroup_mount(const struct cgroup *cg, int target_fd, bool cgroupns, bool readonly, struct error *err)
{
        uint64_t attr = CGROUP_MOUNT_ATTR | (readonly ? MOUNT_ATTR_RDONLY : 0);
        _cleanup_close_ int mnt_fd = -1;

        if (!cg->v2_only)
                return mount_v1(cg, target_fd, cgroupns, attr, err);

        mnt_fd = hierarchy_mount(cg, &cg->hierarchies[0], cgroupns, attr, err);
        if (mnt_fd < 0)
                return mnt_fd;
        return mountutil_attach(mnt_fd, target_fd, "/sys/fs/cgroup", err);
}
