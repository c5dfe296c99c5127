/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

/* Opens a procfs instance that only the runtime sees: a new, detached
 * mount (fsopen), so no mount a container made can cover its files.
 * Returns the fd of its root or a negative errno. */
int procfs_open_private(struct error *err);

/* Opens the caller's /proc (O_PATH), or a private instance where that is
 * not procfs or does not show the caller. Unlike the private instance, it
 * creates no mount, whose release waits for an RCU grace period. Call it
 * only in a mount namespace no container controls. */
int procfs_open_host(struct error *err);

/* Writes value to the file at path below the procfs root procfd. The path
 * may not leave that procfs (no "..", no magic links, no other mounts),
 * and the opened file must be on procfs. */
int procfs_write(int procfd, const char *path, const char *value, struct error *err);

/* Tells whether fd is on procfs. */
bool procfs_fd_is_proc(int fd);
