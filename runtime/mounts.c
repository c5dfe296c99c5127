/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "runtime/mountopts.h"
#include "runtime/mounts.h"
#include "runtime/mountutil.h"
#include "runtime/procfs.h"
#include "strv.h"

/* The kernel's filesystems, whose destinations may not go through a
 * symlink: an image must not redirect where procfs or sysfs appear. */
static bool destination_strict(const char *dest)
{
        static const char *const roots[] = { "/proc", "/sys", "/dev" };

        for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
                const char *rest = startswith(dest, roots[i]);

                if (rest && (*rest == '\0' || *rest == '/'))
                        return true;
        }
        return false;
}

static const char *const lxcfs_files[] = {
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
        "/proc/swaps",   "/proc/uptime",    "/proc/loadavg", "/proc/slabinfo",
};

/* Returns path with "." and ".." resolved lexically and without repeated
 * slashes, as the container will see it: "//x/../proc/" is "/proc". */
static char *clean_path(const char *path)
{
        _cleanup_strv_free_ char **parts = strv_split(path, "/", false);
        char *clean = calloc(1, strlen(path) + 2);
        size_t n = 0;

        if (!parts || !clean) {
                free(clean);
                return NULL;
        }
        for (size_t i = 0; parts[i]; i++) {
                if (streq(parts[i], "."))
                        continue;
                if (streq(parts[i], "..")) {
                        while (n > 0 && clean[--n] != '/')
                                ;
                        continue;
                }
                clean[n++] = '/';
                strcpy(clean + n, parts[i]);
                n += strlen(parts[i]);
        }
        if (n == 0)
                clean[n++] = '/';
        clean[n] = '\0';
        return clean;
}

static bool is_lxcfs_file(const char *clean)
{
        for (size_t i = 0; i < ARRAY_SIZE(lxcfs_files); i++)
                if (streq(clean, lxcfs_files[i]))
                        return true;
        return false;
}

/* Rejects mounts that would replace or cover procfs: /proc must be a
 * procfs, and below it only the files lxcfs serves may be bound, as runc
 * allows. A volume on /proc would hide the masks and could expose the
 * host's procfs files. With target_fd (or -1 before the destination is
 * opened), it also catches a destination that reaches procfs through a
 * symlink of the image. */
static int check_proc_destination(const struct runtime_mount *m, bool bind, int target_fd, struct error *err)
{
        _cleanup_free_ char *clean = clean_path(m->destination);
        const char *rest;

        if (!clean)
                return -ENOMEM;
        rest = startswith(clean, "/proc");
        if (rest && *rest == '\0') {
                if (!bind && streq_ptr(m->type, "proc"))
                        return 0;
                return error_set(err, -EPERM, "mount on %s must be a procfs mount, not %s", m->destination,
                                 bind ? "a bind mount" : m->type ?: "(no type)");
        }
        if ((rest && *rest == '/') || (target_fd >= 0 && procfs_fd_is_proc(target_fd))) {
                if (bind && is_lxcfs_file(clean))
                        return 0;
                return error_set(err, -EPERM, "mount on %s is not allowed: it would cover files of procfs",
                                 m->destination);
        }
        return 0;
}

static bool is_bind(const struct runtime_mount *m, const struct runtime_mount_options *o)
{
        return o->bind || streq_ptr(m->type, "bind");
}

static int open_bind_source(const char *bundle, const struct runtime_mount *m, bool *ret_file, struct error *err)
{
        _cleanup_close_ int bundle_fd = -1;
        struct stat st;
        int fd;

        if (isempty(m->source))
                return error_set(err, -EINVAL, "bind mount on %s has no source", m->destination);
        bundle_fd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (bundle_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open bundle %s", bundle);
        fd = openat(bundle_fd, m->source, O_PATH | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open bind source %s", m->source);
        if (fstat(fd, &st) < 0) {
                close(fd);
                return error_set_errno(err, negative_errno(), "failed to inspect bind source %s", m->source);
        }
        *ret_file = !S_ISDIR(st.st_mode);
        return fd;
}

static int mount_bind(const struct runtime_mount *m, const struct runtime_mount_options *o, const char *bundle,
                      int root_fd, struct error *err)
{
        _cleanup_close_ int source_fd = -1, target_fd = -1, tree_fd = -1;
        bool file = false;
        int r;

        if (o->data)
                return error_set(err, -EINVAL, "bind mount on %s: unsupported option %s", m->destination, o->data[0]);
        r = check_proc_destination(m, true, -1, err);
        if (r < 0)
                return r;
        source_fd = open_bind_source(bundle, m, &file, err);
        if (source_fd < 0)
                return source_fd;
        target_fd = mountutil_open_target(root_fd, m->destination, file, destination_strict(m->destination), err);
        if (target_fd < 0)
                return target_fd;
        r = check_proc_destination(m, true, target_fd, err);
        if (r < 0)
                return r;

        tree_fd = mountutil_clone_tree(source_fd, "", o->recursive_bind, m->destination, err);
        if (tree_fd < 0)
                return tree_fd;
        /* The options go on the detached copy, so the mount never appears
         * with weaker ones than asked. */
        r = mountutil_set_attr(tree_fd, o->recursive_attr_set, o->recursive_attr_clr, true, m->destination, err);
        if (r >= 0)
                r = mountutil_set_attr(tree_fd, o->attr_set, o->attr_clr, false, m->destination, err);
        if (r >= 0)
                r = mountutil_attach(tree_fd, target_fd, m->destination, err);
        if (r >= 0)
                r = mountutil_set_propagation(tree_fd, o->propagation, m->destination, err);
        return r;
}

static int mount_new(const struct runtime_mount *m, const struct runtime_mount_options *o, int root_fd,
                     struct error *err)
{
        _cleanup_close_ int target_fd = -1, mnt_fd = -1;
        int r;

        if (isempty(m->type))
                return error_set(err, -EINVAL, "mount on %s has no type", m->destination);
        r = check_proc_destination(m, false, -1, err);
        if (r < 0)
                return r;
        target_fd = mountutil_open_target(root_fd, m->destination, false, destination_strict(m->destination), err);
        if (target_fd < 0)
                return target_fd;
        r = check_proc_destination(m, false, target_fd, err);
        if (r < 0)
                return r;

        mnt_fd =
                mountutil_new_fs(m->type, m->source, o->data, o->attr_set | o->recursive_attr_set, m->destination, err);
        if (mnt_fd < 0)
                return mnt_fd;
        r = mountutil_attach(mnt_fd, target_fd, m->destination, err);
        if (r >= 0)
                r = mountutil_set_propagation(mnt_fd, o->propagation, m->destination, err);
        return r;
}

static int mount_cgroup(const struct runtime_mount *m, const struct runtime_mount_options *o, int root_fd,
                        const struct cgroup *cg, bool cgroupns, struct error *err)
{
        _cleanup_close_ int target_fd = -1;

        int r;

        r = check_proc_destination(m, false, -1, err);
        if (r < 0)
                return r;
        target_fd = mountutil_open_target(root_fd, m->destination, false, true, err);
        if (target_fd < 0)
                return target_fd;
        r = check_proc_destination(m, false, target_fd, err);
        if (r < 0)
                return r;
        return cgroup_mount(cg, target_fd, cgroupns, o->attr_set & MOUNT_ATTR_RDONLY, err);
}

static int mount_one(const struct runtime_mount *m, const char *bundle, int root_fd, const struct cgroup *cg,
                     bool cgroupns, struct error *err)
{
        _cleanup_(runtime_mount_options_done) struct runtime_mount_options o = {};
        int r;

        r = runtime_mount_options_parse(m->options, &o, err);
        if (r < 0)
                return error_prefix(err, r, "mount on %s", m->destination);

        if (is_bind(m, &o))
                return mount_bind(m, &o, bundle, root_fd, err);
        if (streq_ptr(m->type, "cgroup") || streq_ptr(m->type, "cgroup2"))
                return mount_cgroup(m, &o, root_fd, cg, cgroupns, err);
        r = runtime_mount_options_readonly_superblock(&o, m->type);
        if (r < 0)
                return r;
        return mount_new(m, &o, root_fd, err);
}

int mounts_apply(const struct runtime_spec *spec, const char *bundle, int root_fd, const struct cgroup *cg,
                 bool cgroupns, struct error *err)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                int r = mount_one(&spec->mounts[i], bundle, root_fd, cg, cgroupns, err);

                if (r < 0)
                        return r;
        }
        return 0;
}

/* Opens the container's /dev/null and checks that it is the null device,
 * so a mask can never be a bind of some other file the image put there. */
static int open_dev_null(int root_fd, struct error *err)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        fd = mountutil_open_in_root(root_fd, "/dev/null", O_PATH, true);
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open /dev/null in the container");
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, negative_errno(), "failed to inspect /dev/null in the container");
        if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
                return error_set(err, -EPERM, "/dev/null in the container is not the null device");
        return TAKE_FD(fd);
}

static int mask_path(int root_fd, const char *path, int null_fd, struct error *err)
{
        char *const readonly_data[] = { (char *)"ro", NULL };
        _cleanup_close_ int target_fd = -1, mnt_fd = -1;
        struct stat st;

        target_fd = mountutil_open_in_root(root_fd, path, O_PATH, true);
        if (target_fd == -ENOENT)
                return 0;
        if (target_fd < 0)
                return error_set_errno(err, target_fd, "failed to open masked path %s", path);
        if (fstat(target_fd, &st) < 0)
                return error_set_errno(err, negative_errno(), "failed to inspect masked path %s", path);

        /* runc mounts this tmpfs with MS_RDONLY, which makes its superblock
         * read-only as well as the mount. */
        if (S_ISDIR(st.st_mode))
                mnt_fd = mountutil_new_fs("tmpfs", "tmpfs", readonly_data, MOUNT_ATTR_RDONLY, path, err);
        else
                mnt_fd = mountutil_clone_tree(null_fd, "", false, path, err);
        if (mnt_fd < 0)
                return mnt_fd;
        return mountutil_attach(mnt_fd, target_fd, path, err);
}

static int make_readonly(int root_fd, const char *path, struct error *err)
{
        _cleanup_close_ int target_fd = -1, tree_fd = -1;
        int r;

        target_fd = mountutil_open_in_root(root_fd, path, O_PATH, true);
        if (target_fd == -ENOENT)
                return 0;
        if (target_fd < 0)
                return error_set_errno(err, target_fd, "failed to open read-only path %s", path);

        tree_fd = mountutil_clone_tree(target_fd, "", true, path, err);
        if (tree_fd < 0)
                return tree_fd;
        r = mountutil_set_attr(tree_fd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0,
                               true, path, err);
        if (r < 0)
                return r;
        return mountutil_attach(tree_fd, target_fd, path, err);
}

int mounts_apply_masks(const struct runtime_spec *spec, struct error *err)
{
        _cleanup_close_ int root_fd = -1, null_fd = -1;
        int r;

        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open the container's root");
        for (char **p = spec->linux_config.readonly_paths; p && *p; p++) {
                r = make_readonly(root_fd, *p, err);
                if (r < 0)
                        return r;
        }
        if (!spec->linux_config.masked_paths)
                return 0;

        null_fd = open_dev_null(root_fd, err);
        if (null_fd < 0)
                return null_fd;
        for (char **p = spec->linux_config.masked_paths; *p; p++) {
                r = mask_path(root_fd, *p, null_fd, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
