/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "error.h"

/*
 * Mounting through file descriptors with the new mount API, so that no
 * path a container controls is resolved by name after it was checked.
 */

/* Creates a filesystem of type (fsopen), passes source and the options in
 * data ("key" as a flag, "key=value" as a string) and returns a detached
 * mount of it with attr (MOUNT_ATTR_*). description names the mount in messages. */
int mountutil_new_fs(const char *type, const char *source, char *const *data, uint64_t attr, const char *description,
                     struct error *err);

/* Returns a detached copy (open_tree) of the mount at dirfd/path, with
 * the mounts below it when recursive. An empty path clones dirfd itself. */
int mountutil_clone_tree(int dirfd, const char *path, bool recursive, const char *description, struct error *err);

/* Changes the attributes and, when propagation is not 0, the propagation
 * (MS_* with MS_REC for the whole tree) of the mount mnt_fd. */
int mountutil_set_attr(int mnt_fd, uint64_t set, uint64_t clr, bool recursive, const char *description,
                       struct error *err);
int mountutil_set_propagation(int mnt_fd, unsigned long propagation, const char *description, struct error *err);

/* Attaches the detached mount mnt_fd on top of target_fd. */
int mountutil_attach(int mnt_fd, int target_fd, const char *description, struct error *err);

/* Opens path below the root dirfd with openat2(RESOLVE_IN_ROOT), so that
 * symlinks cannot lead out of it, as an O_PATH fd. With no_symlinks any
 * symlink on the way is an error. */
int mountutil_open_in_root(int root_fd, const char *path, int flags, bool no_symlinks);

/* Opens path below root_fd like mountutil_open_in_root, creating it first
 * when it is missing: a directory, or an empty file when file is set,
 * with any missing parent directories. */
int mountutil_open_target(int root_fd, const char *path, bool file, bool no_symlinks, struct error *err);
