/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "runtime/devices.h"
#include "runtime/mountutil.h"

#define RULE(t, maj, min, acc)                                                              \
        {                                                                                   \
                .allow = true, .type = (t), .major = (maj), .minor = (min), .access = (acc) \
        }

const struct runtime_device_rule runtime_default_device_rules[] = {
        RULE('c', -1, -1, "m"), RULE('b', -1, -1, "m"),    RULE('c', 1, 3, "rwm"), RULE('c', 1, 8, "rwm"),
        RULE('c', 1, 7, "rwm"), RULE('c', 5, 0, "rwm"),    RULE('c', 1, 5, "rwm"), RULE('c', 1, 9, "rwm"),
        RULE('c', 5, 1, "rwm"), RULE('c', 136, -1, "rwm"), RULE('c', 5, 2, "rwm"), RULE('c', 10, 200, "rwm"),
};
const size_t runtime_default_device_rules_count = ARRAY_SIZE(runtime_default_device_rules);

static const struct {
        const char *name;
        unsigned major;
        unsigned minor;
} default_nodes[] = {
        { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
        const char *name;
        const char *target;
} default_links[] = {
        { "fd", "/proc/self/fd" },       { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
        { "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" },
};

/* Binds the host's /dev/<name> onto a new empty file, for when mknod is
 * not permitted. */
static int bind_host_node(int dev_fd, const char *name, struct error *err)
{
        _cleanup_close_ int file_fd = -1, tree_fd = -1;
        _cleanup_free_ char *host = NULL, *what = NULL;

        if (asprintf(&host, "/dev/%s", name) < 0 || asprintf(&what, "/dev/%s", name) < 0)
                return -ENOMEM;
        file_fd = openat(dev_fd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (file_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to create %s", what);
        tree_fd = mountutil_clone_tree(AT_FDCWD, host, false, what, err);
        if (tree_fd < 0)
                return tree_fd;
        return mountutil_attach(tree_fd, file_fd, what, err);
}

/* Checks that an existing node is the device asked for, so that an image
 * shipping a symlink or a file in its place cannot take over the name. */
static int check_existing(int dev_fd, const char *name, mode_t type, dev_t rdev, struct error *err)
{
        struct stat st;

        if (fstatat(dev_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return error_set_errno(err, negative_errno(), "failed to inspect /dev/%s", name);
        if ((st.st_mode & S_IFMT) != type || st.st_rdev != rdev)
                return error_set(err, -EEXIST, "/dev/%s exists in the image and is not the expected device", name);
        return 0;
}

static int make_node(int dev_fd, const char *name, mode_t type, dev_t rdev, mode_t mode, uid_t uid, gid_t gid,
                     struct error *err)
{
        if (mknodat(dev_fd, name, type | mode, rdev) < 0) {
                if (errno == EEXIST)
                        return check_existing(dev_fd, name, type, rdev, err);
                if (errno == EPERM && type == S_IFCHR)
                        return bind_host_node(dev_fd, name, err);
                return error_set_errno(err, negative_errno(), "failed to create device /dev/%s", name);
        }
        /* mknod applies the umask, and the mode must be exact. */
        if (fchmodat(dev_fd, name, mode, 0) < 0 || fchownat(dev_fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return error_set_errno(err, negative_errno(), "failed to set the owner and mode of /dev/%s", name);
        return 0;
}

static mode_t device_type(char type)
{
        switch (type) {
        case 'b':
                return S_IFBLK;
        case 'p':
                return S_IFIFO;
        default:
                return S_IFCHR;
        }
}

/* Creates a node of linux.devices, whose path may have directories below
 * /dev. */
static int make_spec_node(int root_fd, const struct runtime_device *d, struct error *err)
{
        _cleanup_free_ char *parent = strdup(d->path);
        _cleanup_close_ int parent_path_fd = -1, parent_fd = -1;
        char *slash;

        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        *slash = '\0';
        parent_path_fd = mountutil_open_target(root_fd, parent, false, true, err);
        if (parent_path_fd < 0)
                return parent_path_fd;
        parent_fd = openat(parent_path_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open %s", parent);

        return make_node(parent_fd, slash + 1, device_type(d->type), makedev(d->major, d->minor),
                         d->has_file_mode ? d->file_mode & 07777 : 0666, d->uid, d->gid, err);
}

static int make_links(int dev_fd, struct error *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(default_links); i++)
                if (symlinkat(default_links[i].target, dev_fd, default_links[i].name) < 0 && errno != EEXIST)
                        return error_set_errno(err, negative_errno(), "failed to create /dev/%s",
                                               default_links[i].name);

        /* As runc does, /dev/core only where the host has /proc/kcore. */
        if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev_fd, "core") < 0 && errno != EEXIST)
                return error_set_errno(err, negative_errno(), "failed to create /dev/core");
        return 0;
}

int devices_create(const struct runtime_spec *spec, int root_fd, struct error *err)
{
        _cleanup_close_ int dev_path_fd = -1, dev_fd = -1;
        int r;

        dev_path_fd = mountutil_open_target(root_fd, "/dev", false, true, err);
        if (dev_path_fd < 0)
                return dev_path_fd;
        dev_fd = openat(dev_path_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dev_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open /dev in the container");

        for (size_t i = 0; i < ARRAY_SIZE(default_nodes); i++) {
                r = make_node(dev_fd, default_nodes[i].name, S_IFCHR,
                              makedev(default_nodes[i].major, default_nodes[i].minor), 0666, 0, 0, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < spec->linux_config.n_devices; i++) {
                r = make_spec_node(root_fd, &spec->linux_config.devices[i], err);
                if (r < 0)
                        return r;
        }
        return make_links(dev_fd, err);
}
