/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes what push reads from a registry during a blob upload: the
 * Location, Range and OCI-Chunk-Min-Length headers, and any sequence of
 * response statuses fed to the upload state machine.
 *
 * Input: three lines (Location, Range, OCI-Chunk-Min-Length), then bytes
 * that choose the blob and chunk sizes, whether the upload streams (its
 * size given only at a later step), and each response. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/blob-upload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const long statuses[] = { 200, 201, 202, 204, 400, 401, 404, 416, 500 };

/* Splits off the next line of the input as a new string. */
static char *take_line(const uint8_t **data, size_t *size)
{
        const uint8_t *end = memchr(*data, '\n', *size);
        size_t len = end ? (size_t)(end - *data) : *size;
        char *line = strndup((const char *)*data, len);

        *data += MIN(len + 1, *size);
        *size -= MIN(len + 1, *size);
        return line;
}

static void check_url(const char *location)
{
        char *url = NULL;

        if (blob_upload_url_with_digest(location, DIGEST, &url) < 0)
                return;
        /* The digest parameter is there, no fragment is left, and no
         * space or control character went into the URL. */
        if (!strstr(url, "digest=sha256%3A0123456789abcdef") || strchr(url, '#'))
                abort();
        for (const char *p = url; *p; p++)
                if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                        abort();
        free(url);
}

static void run_upload(const char *location, const char *range, const char *chunk_min, const uint8_t *data, size_t size)
{
        struct blob_upload u;
        struct blob_upload_request req;
        int64_t blob_size, chunk_size;
        bool streaming, size_given;

        if (size < 2)
                return;
        /* Small sizes: every input byte after these is one response. */
        blob_size = data[0] % 1024;
        chunk_size = data[1] % 17;
        streaming = data[1] & 0x80 && chunk_size > 0;
        data += 2;
        size -= 2;
        if (streaming ? blob_upload_init_streaming(&u, chunk_size) < 0
                      : blob_upload_init(&u, DIGEST, blob_size, chunk_size) < 0)
                abort();
        size_given = !streaming;

        for (;;) {
                struct blob_upload_response resp = { 0 };
                struct error err = ERROR_INIT;

                /* A streaming blob ends when an input byte has its top bit
                 * set, or when its next chunk would pass its end. */
                if (!size_given && size > 0 &&
                    ((data[0] & 0x80) || (u.state == BLOB_UPLOAD_SEND && u.offset + u.chunk_size > blob_size))) {
                        if (blob_upload_finish_input(&u, DIGEST, MAX(blob_size, u.offset)) < 0)
                                abort();
                        size_given = true;
                }
                if (size == 0 || blob_upload_next(&u, &req) == 0)
                        break;
                if (req.offset < 0 || req.length < 0 || req.offset + req.length > MAX(blob_size, u.offset))
                        abort();
                if (req.content_range && req.length == 0)
                        abort();

                resp.status = statuses[data[0] % ARRAY_SIZE(statuses)];
                resp.location = data[0] & 0x10 ? location : NULL;
                resp.range = data[0] & 0x20 ? range : NULL;
                resp.chunk_min = data[0] & 0x40 ? chunk_min : NULL;
                data++;
                size--;
                if (blob_upload_handle(&u, &resp, &err) < 0) {
                        error_clear(&err);
                        break;
                }
                if (u.offset < 0 || (size_given && u.offset > u.size))
                        abort();
        }
        blob_upload_done(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *location, *range, *chunk_min;
        int64_t n;

        if (size > 4096)
                return 0;
        location = take_line(&data, &size);
        range = take_line(&data, &size);
        chunk_min = take_line(&data, &size);
        if (!location || !range || !chunk_min)
                goto out;

        check_url(location);
        blob_upload_parse_range(range, &n);
        blob_upload_parse_chunk_min(chunk_min, &n);
        run_upload(location, range, chunk_min, data, size);
out:
        free(location);
        free(range);
        free(chunk_min);
        return 0;
}
