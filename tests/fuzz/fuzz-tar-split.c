/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the tar-split record parser: each input is a record as stored,
 * its header and then its operation stream without the gzip layer.
 */
#include <stdint.h>
#include <stdlib.h>

#include "image/tar-split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct memory {
        const uint8_t *data;
        size_t size, pos;
};

static ssize_t memory_read(void *source, void *buf, size_t len)
{
        struct memory *m = source;
        size_t n = MIN(len, m->size - m->pos);

        memcpy(buf, m->data + m->pos, n);
        m->pos += n;
        return (ssize_t)n;
}

static int on_data(const void *buf, size_t len, void *userdata)
{
        uint64_t *total = userdata;

        if (!buf || len == 0 || len > TAR_SPLIT_DATA_MAX)
                abort();
        *total += len;
        return 0;
}

/* The parser promises clean paths and ranges in order inside the file. */
static int on_file(const struct tar_split_file *f, void *userdata)
{
        uint64_t *total = userdata, end = 0;

        if (f->path[0] == '/' || strstr(f->path, "//") || strlen(f->path) > TAR_SPLIT_PATH_MAX)
                abort();
        for (size_t i = 0; i < f->n_ranges; i++) {
                if (f->ranges[i].offset < end || f->ranges[i].offset + f->ranges[i].length > f->size)
                        abort();
                end = f->ranges[i].offset + f->ranges[i].length;
                *total += f->ranges[i].length;
        }
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const struct tar_split_ops ops = { .data = on_data, .file = on_file };
        struct memory m = { .data = data, .size = size, .pos = TAR_SPLIT_HEADER_SIZE };
        struct error err = ERROR_INIT;
        uint64_t tar_size, total = 0;

        if (tar_split_header_parse(data, size, &tar_size) < 0)
                return 0;
        if (tar_split_parse(memory_read, &m, tar_size, &ops, &total, &err) >= 0 && total != tar_size)
                abort();
        error_clear(&err);
        return 0;
}
