/* SPDX-License-Identifier: Apache-2.0 */
/* Reads tar-split records (the format is described in tar-split.h). */
#include "tar-split.h"

#include <endian.h>

#define MAGIC          "SLTSPLIT"
#define FORMAT_VERSION 1
#define BUFFER_SIZE    (64 * 1024)

struct reader {
        tar_split_read_fn read;
        void *source;
        unsigned char buf[BUFFER_SIZE];
        size_t pos, len;
        bool eof;
        struct error *err;
};

int tar_split_header_parse(const void *buf, size_t len, uint64_t *ret_tar_size)
{
        const unsigned char *p = buf;
        uint32_t version;
        uint64_t size;

        if (len < TAR_SPLIT_HEADER_SIZE || memcmp(p, MAGIC, 8) != 0)
                return -EBADMSG;
        memcpy(&version, p + 8, sizeof(version));
        if (le32toh(version) != FORMAT_VERSION)
                return -EBADMSG;
        memcpy(&size, p + 16, sizeof(size));
        *ret_tar_size = le64toh(size);
        return 0;
}

static int damaged(struct reader *r, const char *problem)
{
        return error_set(r->err, -EBADMSG, "invalid tar-split record: %s", problem);
}

static int fill(struct reader *r)
{
        ssize_t n;

        if (r->pos < r->len || r->eof)
                return 0;
        n = r->read(r->source, r->buf, sizeof(r->buf));
        if (n < 0)
                return error_set_errno(r->err, (int)n, "failed to read the tar-split record");
        r->pos = 0;
        r->len = (size_t)n;
        r->eof = n == 0;
        return 0;
}

/* Copies exactly len bytes; the end of the stream in between is damage. */
static int read_exact(struct reader *r, void *buf, size_t len)
{
        unsigned char *out = buf;

        while (len > 0) {
                size_t n;
                int k = fill(r);

                if (k < 0)
                        return k;
                if (r->eof)
                        return damaged(r, "truncated");
                n = MIN(len, r->len - r->pos);
                memcpy(out, r->buf + r->pos, n);
                r->pos += n;
                out += n;
                len -= n;
        }
        return 0;
}

static int read_varint(struct reader *r, uint64_t *ret)
{
        uint64_t value = 0;

        for (unsigned shift = 0; shift < 64; shift += 7) {
                unsigned char byte;
                int k = read_exact(r, &byte, 1);

                if (k < 0)
                        return k;
                /* The tenth byte may carry only the top bit. */
                if (shift == 63 && byte > 1)
                        return damaged(r, "number out of range");
                value |= (uint64_t)(byte & 0x7f) << shift;
                if (!(byte & 0x80)) {
                        *ret = value;
                        return 0;
                }
        }
        return damaged(r, "number out of range");
}

/* A path as extraction creates it: relative, no empty, "." or ".."
 * component, no NUL. */
static bool path_is_clean(const char *path, size_t len)
{
        const char *p = path, *end = path + len;

        if (len == 0 || memchr(path, '\0', len))
                return false;
        while (p <= end) {
                const char *slash = memchr(p, '/', (size_t)(end - p));
                size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);

                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (!slash)
                        break;
                p = slash + 1;
        }
        return true;
}

static int parse_data(struct reader *r, const struct tar_split_ops *ops, void *userdata, uint64_t *total)
{
        _cleanup_free_ void *buf = NULL;
        uint64_t len;
        int k;

        k = read_varint(r, &len);
        if (k < 0)
                return k;
        if (len == 0 || len > TAR_SPLIT_DATA_MAX)
                return damaged(r, "data length out of range");
        buf = malloc(len);
        if (!buf)
                return -ENOMEM;
        k = read_exact(r, buf, len);
        if (k < 0)
                return k;

        *total += len;
        return ops->data ? ops->data(buf, len, userdata) : 0;
}

static int parse_ranges(struct reader *r, uint64_t file_size, struct tar_split_range *ranges, size_t n,
                        uint64_t *ret_bytes)
{
        uint64_t end = 0, bytes = 0;

        for (size_t i = 0; i < n; i++) {
                int k = read_varint(r, &ranges[i].offset);

                if (k >= 0)
                        k = read_varint(r, &ranges[i].length);
                if (k < 0)
                        return k;
                /* In order, not overlapping, inside the file. */
                if (ranges[i].length == 0 || ranges[i].offset < end || ranges[i].offset > file_size ||
                    ranges[i].length > file_size - ranges[i].offset)
                        return damaged(r, "file range out of order or outside the file");
                end = ranges[i].offset + ranges[i].length;
                bytes += ranges[i].length;
        }
        *ret_bytes = bytes;
        return 0;
}

static int parse_file(struct reader *r, const struct tar_split_ops *ops, void *userdata, uint64_t *total)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_free_ struct tar_split_range *ranges = NULL;
        struct tar_split_file f;
        uint64_t path_len, count, bytes = 0;
        int k;

        k = read_varint(r, &path_len);
        if (k < 0)
                return k;
        if (path_len == 0 || path_len > TAR_SPLIT_PATH_MAX)
                return damaged(r, "path length out of range");
        path = malloc(path_len + 1);
        if (!path)
                return -ENOMEM;
        k = read_exact(r, path, path_len);
        if (k < 0)
                return k;
        path[path_len] = '\0';
        if (!path_is_clean(path, path_len))
                return damaged(r, "a file path is not a clean relative path");

        f = (struct tar_split_file){ .path = path };
        k = read_varint(r, &f.size);
        if (k >= 0)
                k = read_varint(r, &count);
        if (k < 0)
                return k;
        if (count > TAR_SPLIT_RANGES_MAX)
                return damaged(r, "too many file ranges");

        ranges = calloc(count + 1, sizeof(*ranges));
        if (!ranges)
                return -ENOMEM;
        k = parse_ranges(r, f.size, ranges, count, &bytes);
        if (k < 0)
                return k;
        if (bytes > UINT64_MAX - *total)
                return damaged(r, "length out of range");

        f.ranges = ranges;
        f.n_ranges = count;
        *total += bytes;
        return ops->file ? ops->file(&f, userdata) : 0;
}

int tar_split_parse(tar_split_read_fn read, void *source, uint64_t tar_size, const struct tar_split_ops *ops,
                    void *userdata, struct error *err)
{
        _cleanup_free_ struct reader *r = calloc(1, sizeof(*r));
        uint64_t total = 0;
        int k;

        if (!r)
                return -ENOMEM;
        r->read = read;
        r->source = source;
        r->err = err;

        for (;;) {
                unsigned char tag;

                k = read_exact(r, &tag, 1);
                if (k < 0)
                        return k;
                if (tag == 'D')
                        k = parse_data(r, ops, userdata, &total);
                else if (tag == 'F')
                        k = parse_file(r, ops, userdata, &total);
                else if (tag == 'E')
                        break;
                else
                        return damaged(r, "unknown operation");
                if (k < 0)
                        return k;
                if (total > tar_size)
                        return damaged(r, "longer than its header says");
        }

        if (total != tar_size)
                return damaged(r, "shorter than its header says");
        k = fill(r);
        if (k < 0)
                return k;
        if (!r->eof)
                return damaged(r, "data after the end");
        return 0;
}
