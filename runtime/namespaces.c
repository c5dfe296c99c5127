/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "runtime/namespaces.h"

int namespaces_clone_flags(const struct runtime_spec *spec, uint64_t *ret, struct error *err)
{
        const struct runtime_linux *l = &spec->linux_config;
        const char *mount_path = NULL;
        uint64_t flags = 0;

        if (!runtime_spec_has_namespace(spec, CLONE_NEWNS, &mount_path))
                return error_set(err, -EINVAL, "the container needs a mount namespace");
        if (mount_path)
                return error_set(err, -EOPNOTSUPP, "joining a mount namespace is not supported");

        for (size_t i = 0; i < l->n_namespaces; i++)
                if (!l->namespaces[i].path && l->namespaces[i].type != CLONE_NEWCGROUP)
                        flags |= (unsigned)l->namespaces[i].type;
        *ret = flags;
        return 0;
}

static int join(const struct runtime_namespace *ns, struct error *err)
{
        _cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open namespace %s", ns->path);
        if (setns(fd, ns->type) < 0)
                return error_set_errno(err, negative_errno(), "failed to join namespace %s", ns->path);
        return 0;
}

int namespaces_join(const struct runtime_spec *spec, struct error *err)
{
        const struct runtime_linux *l = &spec->linux_config;

        for (size_t i = 0; i < l->n_namespaces; i++) {
                int r;

                /* The init was cloned in the user namespace already, and
                 * into the PID namespace (namespaces_enter_pid). */
                if (!l->namespaces[i].path || l->namespaces[i].type == CLONE_NEWPID ||
                    l->namespaces[i].type == CLONE_NEWUSER)
                        continue;
                r = join(&l->namespaces[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int namespaces_open_user(const struct runtime_spec *spec, int *ret_fd, struct error *err)
{
        _cleanup_close_ int fd = -1, own_fd = -1;
        const char *path = NULL;
        struct stat st, own;
        int type;

        *ret_fd = -1;
        if (!runtime_spec_has_namespace(spec, CLONE_NEWUSER, &path) || !path)
                return 0;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open the user namespace %s", path);
        type = ioctl(fd, NS_GET_NSTYPE);
        if (type < 0 && errno == ENOTTY)
                return error_set(err, -EINVAL, "%s is not a namespace", path);
        if (type < 0)
                return error_set_errno(err, negative_errno(), "failed to read the namespace type of %s", path);
        if (type != CLONE_NEWUSER)
                return error_set(err, -EINVAL, "%s is not a user namespace", path);

        /* setns(2) rejects the caller's own user namespace with EINVAL. */
        own_fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
        if (own_fd >= 0 && fstat(fd, &st) == 0 && fstat(own_fd, &own) == 0 && st.st_ino == own.st_ino &&
            st.st_dev == own.st_dev)
                return error_set(err, -EINVAL,
                                 "%s is the runtime's own user namespace: leave out the user namespace to stay in it",
                                 path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int namespaces_enter_pid(const struct runtime_spec *spec, int *ret_saved_fd, struct error *err)
{
        const char *path = NULL;
        _cleanup_close_ int saved = -1;
        int r;

        if (!runtime_spec_has_namespace(spec, CLONE_NEWPID, &path) || !path) {
                *ret_saved_fd = -1;
                return 0;
        }

        saved = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (saved < 0)
                return error_set_errno(err, negative_errno(), "failed to open the current PID namespace");
        r = join(&(struct runtime_namespace){ .type = CLONE_NEWPID, .path = (char *)path }, err);
        if (r < 0)
                return r;
        *ret_saved_fd = TAKE_FD(saved);
        return 0;
}

static int write_map(pid_t pid, const char *file, const struct runtime_id_mapping *maps, size_t n, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -1;
        char path[64];
        size_t len = 0;
        int r;

        /* One line per mapping, at most 22 characters each. */
        text = malloc(n * 40 + 1);
        if (!text)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                len += sprintf(text + len, "%u %u %u\n", maps[i].container_id, maps[i].host_id, maps[i].size);

        /* pid is the caller's unreaped child, so it cannot name another
         * process. */
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open %s", path);
        r = fs_write_all(fd, text, len);
        if (r < 0)
                return error_set_errno(err, r, "failed to write the user namespace's %s", file);
        return 0;
}

int namespaces_write_id_maps(const struct runtime_spec *spec, pid_t pid, struct error *err)
{
        const struct runtime_linux *l = &spec->linux_config;
        const char *path = NULL;
        int r;

        if (!runtime_spec_has_namespace(spec, CLONE_NEWUSER, &path) || path)
                return 0;
        r = write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err);
        if (r < 0)
                return r;
        return write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err);
}

void namespaces_leave_pid(int saved_fd)
{
        if (saved_fd < 0)
                return;
        (void)setns(saved_fd, CLONE_NEWPID);
        close(saved_fd);
}

/* The namespaces of the spec, as CLONE_NEW* flags, without the PID one. */
static int listed_flags(const struct runtime_spec *spec)
{
        const struct runtime_linux *l = &spec->linux_config;
        int flags = 0;

        for (size_t i = 0; i < l->n_namespaces; i++)
                if (l->namespaces[i].type != CLONE_NEWPID)
                        flags |= l->namespaces[i].type;
        return flags;
}

int namespaces_enter_pid_of(const struct runtime_spec *spec, int pidfd, int *ret_saved_fd, struct error *err)
{
        _cleanup_close_ int saved = -1;

        if (!runtime_spec_has_namespace(spec, CLONE_NEWPID, NULL)) {
                *ret_saved_fd = -1;
                return 0;
        }
        saved = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (saved < 0)
                return error_set_errno(err, negative_errno(), "failed to open the current PID namespace");
        if (setns(pidfd, CLONE_NEWPID) < 0)
                return error_set_errno(err, negative_errno(), "failed to join the container's PID namespace");
        *ret_saved_fd = TAKE_FD(saved);
        return 0;
}

int namespaces_join_process(const struct runtime_spec *spec, int pidfd, struct error *err)
{
        int flags = listed_flags(spec);

        if (flags && setns(pidfd, flags) < 0)
                return error_set_errno(err, negative_errno(), "failed to join the container's namespaces");
        /* Root of the joined user namespace, as the container's init is;
         * the user's credentials come later. */
        if ((flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                return error_set_errno(err, negative_errno(), "failed to become root in the user namespace");
        return 0;
}
