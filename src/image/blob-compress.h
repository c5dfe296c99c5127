/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "digest.h"

/*
 * Gzip compression of a layer's tar stream into a blob, as push uploads
 * it. The compressed bytes go to a file while their sha256 (the blob
 * digest) and count are computed. So is the sha256 of the tar stream (the
 * layer's diff ID), so the caller can check that it pushes the layer the
 * image config names. The output is the same for the same input:
 * no name and no time go into the gzip header.
 */

struct blob_compressor;

struct blob_compress_result {
        char blob_digest[DIGEST_STRING_MAX]; /* sha256 of the gzip stream */
        char diff_id[DIGEST_STRING_MAX];     /* sha256 of the tar stream */
        int64_t size;                        /* bytes of the gzip stream */
        int64_t tar_size;                    /* bytes of the tar stream */
};

/* Starts a compressor writing to fd (not owned) at its current offset. */
int blob_compressor_new(int fd, struct blob_compressor **ret);
void blob_compressor_free(struct blob_compressor *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct blob_compressor *, blob_compressor_free)
#define _cleanup_blob_compressor_ _cleanup_(blob_compressor_freep)

/* Compresses len bytes of the tar stream. */
int blob_compressor_write(struct blob_compressor *c, const void *data, size_t len);

/* Ends the gzip stream, flushes it to the file and reports the digests and
 * sizes. The compressor takes no more input afterwards. */
int blob_compressor_finish(struct blob_compressor *c, struct blob_compress_result *ret);

/* Bytes of the tar stream taken so far. */
int64_t blob_compressor_input_bytes(const struct blob_compressor *c);

/* Bytes of the gzip stream written to the file so far; deflate keeps some
 * back until more input or the finish comes. */
int64_t blob_compressor_output_bytes(const struct blob_compressor *c);
