/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "error.h"

/*
 * An image archive copied to disk, because its index (manifest.json,
 * index.json) usually comes after the blobs it describes. Files are kept
 * under numbered names in a private directory and found by their path in
 * the archive; no archive path is ever used as a host path. Symbolic and
 * hard links between archive members ("docker save" links layers shared
 * by several images) are resolved within the archive.
 */

struct spool;

/* Reads the tar archive (optionally compressed) from fd into a new
 * directory below tmp_fd. */
int spool_archive(int tmp_fd, int fd, struct spool **ret, struct error *err);

/* Removes the directory and frees sp. */
void spool_free(struct spool *sp);

static inline void spool_freep(struct spool **sp)
{
        spool_free(*sp);
}

#define _cleanup_spool_ _cleanup_(spool_freep)

/* Tells whether the archive holds a file (or a link to one) at path. */
bool spool_has(struct spool *sp, const char *path);

/* Opens the file at path for reading; -ENOENT with a message naming
 * path when the archive has none. */
int spool_open(struct spool *sp, const char *path, int *ret_fd, struct error *err);

/* Reads the whole file at path, at most max bytes, NUL-terminated. */
int spool_read(struct spool *sp, const char *path, size_t max, char **ret, size_t *ret_len, struct error *err);
