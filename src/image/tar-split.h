/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "macro.h"

/*
 * Tar-split: what it takes to write a layer's tar again byte for byte from
 * its extracted directory, so that the sha256 of the tar equals the diff
 * ID. The idea is Docker's (its "tar-split" metadata); the format is ours.
 *
 * The recorder reads the uncompressed tar stream while the layer is
 * extracted. It keeps every byte of the stream in the record except the
 * payloads of regular files, which it replaces with a reference to the
 * extracted file: header blocks (with pax and GNU long-name records),
 * padding, the end-of-archive blocks and anything after them are stored
 * as they came. Whatever the recorder cannot map to a file (payloads of
 * whiteouts, hard links, unknown entry types, an archive it cannot frame)
 * is stored as data too, so a record always describes the whole stream.
 *
 * The file, layers/<chain-id>/tar-split:
 *
 *   offset 0   "SLTSPLIT"       magic
 *   offset 8   u32 little end.  format version, 1
 *   offset 12  u32              0
 *   offset 16  u64 little end.  length of the tar stream in bytes
 *   offset 24  a gzip stream of operations, each a tag byte and fields;
 *              numbers are unsigned LEB128 varints:
 *     'D' len bytes[len]            data, 1 to TAR_SPLIT_DATA_MAX bytes
 *     'F' len path[len] size count  (offset length)[count]
 *                                   bytes of the file at path (relative to
 *                                   the layer's content directory, clean:
 *                                   no "", ".", ".." components) whose
 *                                   st_size is size: the ranges in order
 *                                   (one range 0..size for a plain file,
 *                                   the data segments for a sparse one)
 *     'E'                           the end; the operations' bytes add up
 *                                   to the length in the file header
 */

#define TAR_SPLIT_FILE        "tar-split"
#define TAR_SPLIT_HEADER_SIZE 24
#define TAR_SPLIT_DATA_MAX    (1u << 20)
#define TAR_SPLIT_PATH_MAX    4096
#define TAR_SPLIT_RANGES_MAX  (1u << 20)

/* ---- Recording, while a layer is extracted ---- */

struct tar_split_recorder;

/* Creates dirfd/name and starts a record in it. */
int tar_split_recorder_new(int dirfd, const char *name, struct tar_split_recorder **ret);

/* Takes the next bytes of the uncompressed tar stream. Errors (a full
 * disk) are kept and returned by tar_split_recorder_finish. */
void tar_split_recorder_feed(struct tar_split_recorder *r, const void *buf, size_t len);

/* Completes the record: the last data, the end mark and the header. Returns
 * the first error of the whole recording. The caller syncs the file. */
int tar_split_recorder_finish(struct tar_split_recorder *r);

/* Frees the recorder; an unfinished record file is left for the caller to
 * remove with its directory. */
void tar_split_recorder_free(struct tar_split_recorder *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tar_split_recorder *, tar_split_recorder_free)

/* ---- Parsing a record ---- */

struct tar_split_range {
        uint64_t offset;
        uint64_t length;
};

struct tar_split_file {
        const char *path;
        uint64_t size; /* the st_size the file had when extracted */
        const struct tar_split_range *ranges;
        size_t n_ranges;
};

struct tar_split_ops {
        /* Bytes stored in the record. */
        int (*data)(const void *buf, size_t len, void *userdata);
        /* Bytes to take from an extracted file. */
        int (*file)(const struct tar_split_file *f, void *userdata);
};

/* Reads up to len bytes of the operation stream; returns the count, 0 at
 * its end, or -errno. */
typedef ssize_t (*tar_split_read_fn)(void *source, void *buf, size_t len);

/* Checks the fixed header at the start of a record file and returns the
 * length of the tar stream it describes. -EBADMSG when it is not one. */
int tar_split_header_parse(const void *buf, size_t len, uint64_t *ret_tar_size);

/* Parses the operation stream, calling ops in stream order. Returns -EBADMSG
 * with a message for a malformed stream, or the first error of ops. */
int tar_split_parse(tar_split_read_fn read, void *source, uint64_t tar_size, const struct tar_split_ops *ops,
                    void *userdata, struct error *err);

/* ---- Writing the tar again ---- */

/* Takes consecutive pieces of the tar; a negative errno stops the writing. */
typedef int (*tar_split_write_fn)(void *userdata, const void *buf, size_t len);

/* Writes the tar that the record in record_fd describes. Payloads are read
 * below content_fd (the layer's extracted directory) through extract's
 * safe opens, and ret_digest (DIGEST_STRING_MAX bytes) gets the tar's
 * sha256. A payload file that is missing, no longer regular or of another
 * size is -EIO. label names the layer in messages. */
int tar_split_write(int record_fd, int content_fd, const char *label, tar_split_write_fn write, void *userdata,
                    char *ret_digest, struct error *err);
