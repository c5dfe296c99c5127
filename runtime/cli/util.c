/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "fsutil.h"
#include "runtime/cli/cli.h"
#include "unixsock.h"

int cli_write_pid_file(const char *path, pid_t pid)
{
        _cleanup_free_ char *dir = strdup(path), *name = strdup(path);
        _cleanup_close_ int dir_fd = -1;
        char text[32];
        int n = snprintf(text, sizeof(text), "%d", (int)pid);

        if (!dir || !name)
                return -ENOMEM;
        dir_fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return negative_errno();
        return fs_write_atomic_at(dir_fd, basename(name), text, n, 0644);
}

int cli_send_console(const char *path, int master)
{
        _cleanup_close_ int sock = -1;
        char name[32];
        unsigned n;

        if (ioctl(master, TIOCGPTN, &n) < 0)
                return negative_errno();
        snprintf(name, sizeof(name), "/dev/pts/%u", n);

        sock = unixsock_connect(path, SOCK_STREAM);
        if (sock < 0)
                return sock;
        return unixsock_send(sock, name, strlen(name), &master, 1);
}
