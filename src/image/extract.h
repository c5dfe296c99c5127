/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

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

struct archive_entry;

/* The step of extract_entry_data that failed. */
enum extract_data_step {
        EXTRACT_DATA_READ,     /* reading the archive, see archive_error_string */
        EXTRACT_DATA_WRITE,    /* pwrite on the file */
        EXTRACT_DATA_TRUNCATE, /* ftruncate to the entry's size */
};

/* Writes the data of the current entry of a into fd at the offsets the
 * archive gives, so that the holes of a sparse file stay holes, then sets
 * the file size to size. Returns 0, or a negative errno (-EIO for a read
 * failure) with the failed step in *ret_step. */
int extract_entry_data(struct archive *a, int fd, int64_t size, enum extract_data_step *ret_step);

/* Sets the extended attributes of entry e on fd or, when fd is -1, on
 * base in parent_fd through /proc/self/fd/, so that a symlink is not
 * followed. Attributes in the trusted.overlay. and user.overlay.
 * namespaces are left out, and the failures ENOTSUP and EPERM skipped, as
 * Docker skips them. Returns the negative errno of the first other
 * failure. */
int extract_entry_xattrs(struct archive_entry *e, int fd, int parent_fd, const char *base);

/* A directory whose times are set once extraction is over, because
 * creating the entries in it changes its mtime. */
struct extract_dir_time {
        char *path;
        struct timespec times[2]; /* atime, mtime */
};

/* The directories of one extraction whose times are still to set. */
struct extract_dir_times {
        struct extract_dir_time *items;
        size_t n_items;
};

/* Appends a copy of path with times to list. Returns 0 or -ENOMEM. */
int extract_dir_times_add(struct extract_dir_times *list, const char *path, const struct timespec times[2]);

void extract_dir_times_free(struct extract_dir_times *list);

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
