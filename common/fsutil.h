/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <fcntl.h>

#include "macro.h"

/* Writes data to dirfd/name atomically and durably: a temporary file in the
 * same directory, fsync, rename over name, then fsync of the directory, so a
 * crash leaves either the old or the new content. name is a single path
 * component. Returns 0 or -errno. */
int fs_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/* Replaces dirfd/name like fs_write_atomic_at, but without fsync: readers
 * and a crash of this process see the old or the new content, but after a
 * power failure or a kernel crash name may hold the old content or be
 * empty. For files that nothing needs after a reboot, or that are written
 * again from synced data before their next use. */
int fs_replace_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/* Reads all of dirfd/name into a NUL-terminated heap buffer. Fails with
 * -EFBIG when the file is longer than max_len. ret_len may be NULL. */
int fs_read_file_at(int dirfd, const char *name, size_t max_len, char **ret, size_t *ret_len);

/* Creates path and its missing parents with mode (like mkdir -p). */
int fs_mkdir_p(const char *path, mode_t mode);

/* Creates dirfd/name when missing; an existing directory is fine. */
int fs_mkdir_at(int dirfd, const char *name, mode_t mode);

/* Removes dirfd/name and everything below it. Symlinks are removed, never
 * followed, and the walk does not cross into other mounts (it fails with
 * -EBUSY on a mount point). A missing name is not an error. */
int fs_rm_rf_at(int dirfd, const char *name);

/* Returns a newly allocated "a/b", or NULL when out of memory. */
char *fs_path_join(const char *a, const char *b);

/* Writes all of buf to fd, retrying on EINTR and short writes. */
int fs_write_all(int fd, const void *buf, size_t len);

/* Reads up to len bytes, retrying on EINTR and short reads until EOF.
 * Returns the byte count or -errno. */
ssize_t fs_read_all(int fd, void *buf, size_t len);

/* Copies everything from in_fd to out_fd until EOF. */
int fs_copy_fd(int in_fd, int out_fd);
