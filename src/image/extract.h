/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "digest.h"
#include "error.h"

/*
 * Layer extraction. Every entry is created relative to the layer directory
 * by file descriptor: the parent directory is opened with openat2
 * (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS, or a walk
 * of O_NOFOLLOW opens where openat2 is missing), then the entry is created
 * by name with mkdirat, openat(O_CREAT | O_EXCL | O_NOFOLLOW), symlinkat,
 * linkat or mknodat. So no entry is ever written through a symbolic link,
 * whether the link points inside the layer or not: an archive that tries
 * fails as a whole, naming the entry. Absolute names and ".." components
 * that leave the layer fail the same way.
 *
 * OCI whiteouts become overlayfs whiteouts: ".wh.NAME" is a character
 * device 0:0 named NAME, ".wh..wh..opq" sets trusted.overlay.opaque=y on
 * its directory. Archive xattrs in the trusted.overlay. and user.overlay.
 * namespaces are dropped, so a layer cannot forge overlayfs metadata
 * (redirects, metacopy) that the kernel would act on.
 */

struct archive;

/* Cleans a tar entry name into a path relative to the layer root. It drops
 * "." and empty components and resolves ".." lexically, and "" is the
 * root. Absolute names and names whose ".." leaves the root are -EINVAL. */
int extract_clean_path(const char *name, char **ret);

/* Opens the directory rel (a cleaned path) below rootfd, O_RDONLY, never
 * following a symlink. Missing components are created (mode 0755) when
 * create is set. A symlink or non-directory on the way is -ELOOP or
 * -ENOTDIR. */
int extract_open_dir(int rootfd, const char *rel, bool create, int *ret_fd);

/* Turns openat2 off (or back on) so that extract_open_dir uses its
 * fallback walk, for tests that cover both paths. */
void extract_set_openat2(bool enabled);

/* Extracts every entry of the tar archive a (already opened) into the
 * directory rootfd, which should be empty. Ownership is applied only when
 * running as root. On failure the directory contains a partial tree that
 * the caller removes. */
int extract_archive(struct archive *a, int rootfd, struct error *err);

typedef void (*extract_progress_fn)(int64_t current, int64_t total, void *userdata);

struct extract_layer_result {
        char diff_id[DIGEST_STRING_MAX];     /* sha256 of the uncompressed tar */
        char blob_digest[DIGEST_STRING_MAX]; /* sha256 of the bytes read from fd */
        int64_t size;                        /* Docker's size of the extracted tree */
};

/* Reads a layer (plain, gzip, zstd or any compression libarchive supports)
 * from fd and extracts it into rootfd, computing both digests on the way.
 * progress, when set, is called with the bytes read so far of total (the
 * file size, or 0 when unknown). */
int extract_layer(int fd, int rootfd, extract_progress_fn progress, void *userdata, struct extract_layer_result *ret,
                  struct error *err);

struct tar_split_recorder;

/* The same, also feeding every byte of the uncompressed tar, up to the end
 * of the decompressed stream, to recorder (tar-split.h). */
int extract_layer_recorded(int fd, int rootfd, struct tar_split_recorder *recorder, extract_progress_fn progress,
                           void *userdata, struct extract_layer_result *ret, struct error *err);

/* Computes a layer's size as Docker's overlay2 driver does: the st_size of
 * every entry that is not a directory, each hard-linked inode once. */
int extract_dir_size(int rootfd, int64_t *ret);
