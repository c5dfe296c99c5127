/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include "macro.h"

/* Creates a listening unix socket at path. The order is bind, chmod to mode,
 * chown to gid (when gid is not (gid_t)-1), then listen, so nobody can
 * connect before the permissions are final. A stale socket file at path is
 * replaced. Paths longer than sun_path are reached through the parent
 * directory's /proc/self/fd entry. Returns the fd or -errno. */
int unixsock_listen(const char *path, int type, mode_t mode, gid_t gid, int backlog);

/* Connects to the unix socket at path (of SOCK_STREAM or SOCK_SEQPACKET type).
 * Returns the fd or -errno. */
int unixsock_connect(const char *path, int type);

/* Sends one message of len bytes with up to 16 fds attached (SCM_RIGHTS). */
int unixsock_send(int sock, const void *data, size_t len, const int *fds, size_t n_fds);

/* Receives one message into buf (at most size bytes) and up to max_fds
 * attached fds, which are made O_CLOEXEC. Returns the byte count (0 at end
 * of stream) or -errno; *ret_n_fds is set to the number of fds received,
 * and any fds beyond max_fds are closed. */
ssize_t unixsock_recv(int sock, void *buf, size_t size, int *fds, size_t max_fds, size_t *ret_n_fds);
