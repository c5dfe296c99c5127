/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/statfs.h>

#include "netns/loopback.h"
#include "netns/netns.h"

/* The network namespace of the calling thread. /proc/self would name the
 * thread group leader's, which differs while this thread is inside another
 * namespace. */
#define THREAD_NETNS_PATH "/proc/thread-self/ns/net"

int netns_open(const char *path)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        return fd < 0 ? negative_errno() : fd;
}

int netns_enter(int ns_fd, int *ret_saved_fd)
{
        _cleanup_close_ int saved_fd = -1;

        saved_fd = netns_open(THREAD_NETNS_PATH);
        if (saved_fd < 0)
                return saved_fd;
        if (setns(ns_fd, CLONE_NEWNET) < 0)
                return negative_errno();

        *ret_saved_fd = TAKE_FD(saved_fd);
        return 0;
}

int netns_leave(int saved_fd)
{
        _cleanup_close_ int fd = saved_fd;

        if (setns(fd, CLONE_NEWNET) < 0)
                return negative_errno();
        return 0;
}

int netns_socket(int ns_fd, int domain, int type, int protocol)
{
        int saved_fd, fd, r;

        r = netns_enter(ns_fd, &saved_fd);
        if (r < 0)
                return r;
        fd = socket(domain, type, protocol);
        if (fd < 0)
                fd = negative_errno();

        r = netns_leave(saved_fd);
        if (r < 0) {
                if (fd >= 0)
                        close(fd);
                return r;
        }
        return fd;
}

/* Accepts a relative path of /proc/sys without empty, "." or ".."
 * components. */
static bool sysctl_key_is_valid(const char *key)
{
        const char *p = key;

        if (isempty(key))
                return false;
        while (*p) {
                size_t len = strcspn(p, "/");

                if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                p += len;
                if (*p == '/' && !*++p)
                        return false;
        }
        return true;
}

static int sysctl_write_here(const char *key, const char *value)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        size_t len = strlen(value);
        ssize_t n;

        if (asprintf(&path, "/proc/sys/%s", key) < 0)
                return -ENOMEM;
        /* /proc/sys/net shows the namespace of the thread that opens it. */
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        n = write(fd, value, len);
        if (n < 0)
                return negative_errno();
        if ((size_t)n != len)
                return -EIO;
        return 0;
}

int netns_sysctl_write(int ns_fd, const char *key, const char *value)
{
        int saved_fd, r, q;

        if (!sysctl_key_is_valid(key) || !value)
                return -EINVAL;
        if (ns_fd < 0)
                return sysctl_write_here(key, value);

        r = netns_enter(ns_fd, &saved_fd);
        if (r < 0)
                return r;
        r = sysctl_write_here(key, value);
        q = netns_leave(saved_fd);
        return q < 0 ? q : r;
}

/* Runs in the new namespace: binds it on path and sets lo up. */
static int bind_new_netns(const char *path, struct error *err)
{
        if (mount(THREAD_NETNS_PATH, path, NULL, MS_BIND, NULL) < 0)
                return error_set_errno(err, negative_errno(), "failed to bind-mount the network namespace on %s", path);
        /* A private mount joins no peer group, so mounts and unmounts on it
         * stay in this mount namespace. */
        if (mount(NULL, path, NULL, MS_PRIVATE, NULL) < 0)
                return error_set_errno(err, negative_errno(), "failed to make the mount on %s private", path);
        return netns_loopback_up(err);
}

int netns_create(const char *path, struct error *err)
{
        _cleanup_close_ int saved_fd = -1;
        int file_fd, r, q;

        file_fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0444);
        if (file_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to create the network namespace file %s", path);
        close(file_fd);

        saved_fd = netns_open(THREAD_NETNS_PATH);
        if (saved_fd < 0) {
                r = error_set_errno(err, saved_fd, "failed to open %s", THREAD_NETNS_PATH);
                goto fail;
        }
        if (unshare(CLONE_NEWNET) < 0) {
                r = error_set_errno(err, negative_errno(), "failed to create a network namespace");
                goto fail;
        }

        r = bind_new_netns(path, err);
        if (setns(saved_fd, CLONE_NEWNET) < 0) {
                q = error_set_errno(err, negative_errno(),
                                    "failed to return to the original network namespace after creating %s", path);
                r = r < 0 ? r : q;
        }
        if (r < 0)
                goto fail;
        return 0;

fail:
        (void)umount2(path, MNT_DETACH);
        (void)unlink(path);
        return r;
}

int netns_bind(const char *source, const char *path, struct error *err)
{
        int file_fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0444);

        if (file_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to create the network namespace file %s", path);
        close(file_fd);
        if (mount(source, path, NULL, MS_BIND, NULL) < 0) {
                int r = error_set_errno(err, negative_errno(), "failed to bind-mount %s on %s", source, path);

                (void)unlink(path);
                return r;
        }
        if (mount(NULL, path, NULL, MS_PRIVATE, NULL) < 0) {
                int r = error_set_errno(err, negative_errno(), "failed to make the mount on %s private", path);

                (void)umount2(path, MNT_DETACH);
                (void)unlink(path);
                return r;
        }
        return 0;
}

bool netns_is_bound(const char *path)
{
        struct statfs st;

        return statfs(path, &st) == 0 && st.f_type == NSFS_MAGIC;
}

int netns_remove(const char *path, struct error *err)
{
        if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                return error_set_errno(err, negative_errno(), "failed to unmount the network namespace %s", path);
        if (unlink(path) < 0 && errno != ENOENT)
                return error_set_errno(err, negative_errno(), "failed to remove %s", path);
        return 0;
}
