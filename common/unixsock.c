/* SPDX-License-Identifier: Apache-2.0 */
#include "unixsock.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define MAX_PASSED_FDS 16

/* Fills addr for path. A path too long for sun_path is rewritten as
 * /proc/self/fd/N/NAME through an O_PATH fd on its directory, returned in
 * *ret_dirfd for the caller to close after bind or connect. */
static int make_address(const char *path, struct sockaddr_un *addr, socklen_t *ret_len, int *ret_dirfd)
{
        _cleanup_free_ char *dir_copy = NULL, *base_copy = NULL;
        int dirfd, n;

        *ret_dirfd = -1;
        memset(addr, 0, sizeof(*addr));
        addr->sun_family = AF_UNIX;

        if (strlen(path) < sizeof(addr->sun_path)) {
                strcpy(addr->sun_path, path);
                *ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
                return 0;
        }

        dir_copy = strdup(path);
        base_copy = strdup(path);
        if (!dir_copy || !base_copy)
                return -ENOMEM;

        dirfd = open(dirname(dir_copy), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;

        n = snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/%s", dirfd, basename(base_copy));
        if (n < 0 || (size_t)n >= sizeof(addr->sun_path)) {
                close(dirfd);
                return -ENAMETOOLONG;
        }
        *ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
        *ret_dirfd = dirfd;
        return 0;
}

int unixsock_listen(const char *path, int type, mode_t mode, gid_t gid, int backlog)
{
        struct sockaddr_un addr;
        socklen_t len;
        _cleanup_close_ int dirfd = -1, fd = -1;
        int r;

        r = make_address(path, &addr, &len, &dirfd);
        if (r < 0)
                return r;

        fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;

        if (unlink(addr.sun_path) < 0 && errno != ENOENT)
                return -errno;
        if (bind(fd, (struct sockaddr *)&addr, len) < 0)
                return -errno;
        if (chmod(addr.sun_path, mode) < 0)
                return -errno;
        if (gid != (gid_t)-1 && chown(addr.sun_path, (uid_t)-1, gid) < 0)
                return -errno;
        if (listen(fd, backlog) < 0)
                return -errno;

        return TAKE_FD(fd);
}

int unixsock_connect(const char *path, int type)
{
        struct sockaddr_un addr;
        socklen_t len;
        _cleanup_close_ int dirfd = -1, fd = -1;
        int r;

        r = make_address(path, &addr, &len, &dirfd);
        if (r < 0)
                return r;

        fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&addr, len) < 0)
                return -errno;
        return TAKE_FD(fd);
}

int unixsock_send(int sock, const void *data, size_t len, const int *fds, size_t n_fds)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)];
        } control;
        struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (n_fds > MAX_PASSED_FDS)
                return -E2BIG;
        if (n_fds > 0) {
                struct cmsghdr *cmsg;

                memset(&control, 0, sizeof(control));
                msg.msg_control = control.buf;
                msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                cmsg = CMSG_FIRSTHDR(&msg);
                cmsg->cmsg_level = SOL_SOCKET;
                cmsg->cmsg_type = SCM_RIGHTS;
                cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n_fds);
        }

        for (;;) {
                ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);

                if (n >= 0)
                        return (size_t)n == len ? 0 : -EMSGSIZE;
                if (errno != EINTR)
                        return -errno;
        }
}

ssize_t unixsock_recv(int sock, void *buf, size_t size, int *fds, size_t max_fds, size_t *ret_n_fds)
{
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        size_t kept = 0;
        ssize_t n;

        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                size_t count;
                int *passed;

                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                passed = (int *)CMSG_DATA(c);
                for (size_t i = 0; i < count; i++) {
                        if (kept < max_fds)
                                fds[kept++] = passed[i];
                        else
                                close(passed[i]);
                }
        }
        if (ret_n_fds)
                *ret_n_fds = kept;
        return n;
}
