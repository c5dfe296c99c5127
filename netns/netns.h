/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

/* Creates a new network namespace, bind-mounts it on path and sets its
 * loopback interface up. path is created as an empty file, and its parent
 * directory must exist. The calling thread creates the namespace with
 * unshare(CLONE_NEWNET) and returns to its original namespace before this
 * returns, so it is safe in a multi-threaded daemon. The bind mount is made
 * private, so later mount events on it stay in this mount namespace.
 * NOTE: when the parent directory's mount is shared, the kernel copies the
 * new bind mount to the peers of that mount at creation; the unmount of
 * netns_remove reaches those copies the same way. */
int netns_create(const char *path, struct error *err);

/* Bind-mounts an existing network namespace, such as /proc/PID/ns/net, on
 * path, which is created as an empty file as netns_create does, so the
 * namespace outlives its processes. */
int netns_bind(const char *source, const char *path, struct error *err);

/* Tells whether path is a namespace file (a bind mount of one or a
 * /proc/PID/ns entry) rather than a plain file left without its mount. */
bool netns_is_bound(const char *path);

/* Detaches the bind mount on path and unlinks path. Returns 0 when path
 * does not exist. */
int netns_remove(const char *path, struct error *err);

/* Opens the network namespace bound on path (or any /proc/PID/ns/net).
 * Returns an O_RDONLY|O_CLOEXEC fd or a negative errno. */
int netns_open(const char *path);

/* Moves the calling thread into the network namespace ns_fd. On success
 * *ret_saved_fd is an fd of the thread's previous namespace, which the
 * caller passes to netns_leave. */
int netns_enter(int ns_fd, int *ret_saved_fd);

/* Moves the calling thread back into saved_fd and closes it. */
int netns_leave(int saved_fd);

/* Creates a socket(domain, type, protocol) that lives in the network
 * namespace ns_fd. Returns the fd or a negative errno. */
int netns_socket(int ns_fd, int domain, int type, int protocol);

/* Writes value to /proc/sys/KEY of the network namespace ns_fd (-1 for the
 * calling thread's namespace). key is a path with slashes, such as
 * "net/ipv4/ip_forward", because interface names may contain dots.
 * Returns 0 or a negative errno. */
int netns_sysctl_write(int ns_fd, const char *key, const char *value);
