/* SPDX-License-Identifier: Apache-2.0 */
#include "blob-compress.h"

#include <zlib.h>

#include "fsutil.h"

#define OUTPUT_BUFFER_SIZE (128 * 1024)

/* deflateInit2's windowBits: 15 for a 32 KiB window, plus 16 for a gzip
 * header and trailer instead of zlib's. */
#define GZIP_WINDOW_BITS (15 + 16)
#define GZIP_MEM_LEVEL   8

struct blob_compressor {
        z_stream zs;
        bool zs_ready;
        bool finished;
        int fd;
        struct digester blob;
        struct digester tar;
        int64_t in_bytes;
        int64_t out_bytes;
        unsigned char out[OUTPUT_BUFFER_SIZE];
};

int blob_compressor_new(int fd, struct blob_compressor **ret)
{
        _cleanup_blob_compressor_ struct blob_compressor *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->fd = fd;
        r = digester_init(&c->blob);
        if (r >= 0)
                r = digester_init(&c->tar);
        if (r < 0)
                return r;

        /* zlib's default level: dockerd gzips layers at the default level
         * of Go's compress/gzip. zlib writes a gzip header with no name
         * and a zero time. */
        if (deflateInit2(&c->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, GZIP_MEM_LEVEL,
                         Z_DEFAULT_STRATEGY) != Z_OK)
                return -ENOMEM;
        c->zs_ready = true;

        *ret = TAKE_PTR(c);
        return 0;
}

void blob_compressor_free(struct blob_compressor *c)
{
        if (!c)
                return;
        if (c->zs_ready)
                deflateEnd(&c->zs);
        digester_done(&c->blob);
        digester_done(&c->tar);
        free(c);
}

/* Runs deflate over the pending input with flush, writing every full
 * output buffer to the file. */
static int deflate_pending(struct blob_compressor *c, int flush)
{
        int z;

        do {
                size_t produced;
                int r;

                c->zs.next_out = c->out;
                c->zs.avail_out = sizeof(c->out);
                z = deflate(&c->zs, flush);
                if (z == Z_STREAM_ERROR)
                        return -EIO;

                produced = sizeof(c->out) - c->zs.avail_out;
                if (produced > 0) {
                        r = fs_write_all(c->fd, c->out, produced);
                        if (r < 0)
                                return r;
                        digester_update(&c->blob, c->out, produced);
                        c->out_bytes += (int64_t)produced;
                }
        } while (c->zs.avail_out == 0 || (flush == Z_FINISH && z != Z_STREAM_END));
        return 0;
}

int blob_compressor_write(struct blob_compressor *c, const void *data, size_t len)
{
        const unsigned char *p = data;

        if (c->finished)
                return -EINVAL;

        digester_update(&c->tar, data, len);
        c->in_bytes += (int64_t)len;

        /* avail_in is a uInt, so huge writes go in slices. */
        while (len > 0) {
                size_t slice = MIN(len, (size_t)1 << 30);
                int r;

                c->zs.next_in = (unsigned char *)p;
                c->zs.avail_in = (uInt)slice;
                r = deflate_pending(c, Z_NO_FLUSH);
                if (r < 0)
                        return r;
                p += slice;
                len -= slice;
        }
        return 0;
}

int blob_compressor_finish(struct blob_compressor *c, struct blob_compress_result *ret)
{
        int r;

        if (c->finished)
                return -EINVAL;
        c->finished = true;

        c->zs.next_in = NULL;
        c->zs.avail_in = 0;
        r = deflate_pending(c, Z_FINISH);
        if (r < 0)
                return r;

        r = digester_final(&c->blob, ret->blob_digest);
        if (r >= 0)
                r = digester_final(&c->tar, ret->diff_id);
        if (r < 0)
                return r;
        ret->size = c->out_bytes;
        ret->tar_size = c->in_bytes;
        return 0;
}

int64_t blob_compressor_input_bytes(const struct blob_compressor *c)
{
        return c->in_bytes;
}

int64_t blob_compressor_output_bytes(const struct blob_compressor *c)
{
        return c->out_bytes;
}
