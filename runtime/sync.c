/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>

#include "runtime/sync.h"
#include "unixsock.h"

/* Long enough for a message naming a few paths. */
#define SYNC_MAX_TEXT 4096

struct sync_message {
        uint32_t step;
        int32_t code;
        char text[SYNC_MAX_TEXT];
};

int sync_send(int sock, enum sync_step step, int fd)
{
        struct sync_message m = { .step = step };

        return unixsock_send(sock, &m, offsetof(struct sync_message, text), &fd, fd >= 0 ? 1 : 0);
}

int sync_send_error(int sock, int code, const char *message)
{
        struct sync_message m = { .step = SYNC_ERROR, .code = code < 0 ? code : -EIO };
        size_t len = strnlen(message ?: "", SYNC_MAX_TEXT - 1);

        memcpy(m.text, message ?: "", len);
        return unixsock_send(sock, &m, offsetof(struct sync_message, text) + len, NULL, 0);
}

int sync_recv(int sock, enum sync_step step, int *ret_fd, struct error *err)
{
        struct sync_message m = {};
        _cleanup_close_ int fd = -1;
        size_t n_fds = 0;
        ssize_t n;

        do
                n = unixsock_recv(sock, &m, sizeof(m) - 1, &fd, 1, &n_fds);
        while (n == -EINTR);
        if (n < 0)
                return (int)n;
        if (n == 0)
                return 1;
        if ((size_t)n < offsetof(struct sync_message, text))
                return -EPROTO;

        if (m.step == SYNC_ERROR) {
                int code = m.code < 0 && m.code > -4096 ? m.code : -EIO;

                m.text[n - offsetof(struct sync_message, text)] = '\0';
                return error_set(err, code, "%s", m.text[0] ? m.text : strerror(-code));
        }
        if (m.step != step)
                return -EPROTO;

        if (ret_fd)
                *ret_fd = TAKE_FD(fd);
        return 0;
}
