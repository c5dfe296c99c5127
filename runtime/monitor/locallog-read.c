/* SPDX-License-Identifier: Apache-2.0 */
/* Reading the local log driver's files: records to entries, and --tail. */
#include "locallog.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonlog.h"
#include "macro.h"

int locallog_parse_record(uint8_t *record, size_t len, struct jsonlog_entry *ret)
{
        struct locallog_entry e;
        uint8_t *line;
        int r;

        r = locallog_decode_entry(record, len, &e);
        if (r < 0)
                return r;

        *ret = (struct jsonlog_entry){ .time_ns = e.time_ns };
        if (e.source_len == 6 && memcmp(e.source, "stdout", 6) == 0)
                ret->stream = JSONLOG_STDOUT;
        else if (e.source_len == 6 && memcmp(e.source, "stderr", 6) == 0)
                ret->stream = JSONLOG_STDERR;
        else
                return -EBADMSG;

        /* The decoder points into its input, so the line lies in the
         * writable record. */
        line = e.line ? record + (e.line - record) : record + len;
        ret->data = (const char *)line;
        ret->len = e.line_len;
        /* NOTE: dockerd 20.10 adds no newline to the part that ends a long
         * line (last set), so its docker logs runs such a line into the
         * next one. This reader ends the line as json-file does. */
        if (!e.partial || (e.has_metadata && e.last))
                line[ret->len++] = '\n';
        return 0;
}

static int read_length_at(int fd, off_t pos, uint32_t *ret)
{
        uint8_t buf[LOCALLOG_LENGTH_SIZE];
        ssize_t n = pread(fd, buf, sizeof(buf), pos);

        if (n < 0)
                return -errno;
        if (n != (ssize_t)sizeof(buf))
                return -EBADMSG;
        *ret = locallog_read_length(buf);
        return 0;
}

/* Returns the start of the record that ends at end, or -EBADMSG when the
 * lengths there do not describe one. */
static int64_t record_before(int fd, off_t end)
{
        uint32_t len, header;
        off_t start;
        int r;

        if (end < 2 * LOCALLOG_LENGTH_SIZE)
                return -EBADMSG;
        r = read_length_at(fd, end - LOCALLOG_LENGTH_SIZE, &len);
        if (r < 0)
                return r;
        if (len > LOCALLOG_RECORD_MAX || (off_t)len > end - 2 * LOCALLOG_LENGTH_SIZE)
                return -EBADMSG;
        start = end - 2 * LOCALLOG_LENGTH_SIZE - (off_t)len;
        r = read_length_at(fd, start, &header);
        if (r < 0)
                return r;
        return header == len ? start : -EBADMSG;
}

/* Returns the end of the record that starts at start, or -EBADMSG when no
 * whole record fits before size. */
static int64_t record_after(int fd, off_t start, off_t size)
{
        uint32_t len, trailer;
        off_t end;
        int r;

        if (size - start < 2 * LOCALLOG_LENGTH_SIZE)
                return -EBADMSG;
        r = read_length_at(fd, start, &len);
        if (r < 0)
                return r;
        if (len > LOCALLOG_RECORD_MAX || (off_t)len > size - start - 2 * LOCALLOG_LENGTH_SIZE)
                return -EBADMSG;
        end = start + 2 * LOCALLOG_LENGTH_SIZE + (off_t)len;
        r = read_length_at(fd, end - LOCALLOG_LENGTH_SIZE, &trailer);
        if (r < 0)
                return r;
        return trailer == len ? end : -EBADMSG;
}

/* Counts the file's records from its start, as the reader will read them,
 * and finds the start of the last *remaining of them. */
static int find_tail_start_forward(int fd, off_t size, int64_t *remaining, off_t *ret_start)
{
        int64_t total = 0, skip;
        off_t pos = 0;

        for (int64_t end; (end = record_after(fd, pos, size)) >= 0; pos = end)
                total++;
        if (total < *remaining) {
                *remaining -= total;
                return 0;
        }

        skip = total - *remaining;
        pos = 0;
        for (int64_t i = 0; i < skip; i++)
                pos = record_after(fd, pos, size);
        *ret_start = pos;
        return 1;
}

int locallog_find_tail_start(int fd, int64_t *remaining, off_t *ret_start)
{
        struct stat st;
        int64_t found = 0;
        off_t pos;

        if (fstat(fd, &st) < 0)
                return -errno;
        pos = st.st_size;

        while (found < *remaining && pos > 0) {
                int64_t start = record_before(fd, pos);

                if (start == -EBADMSG)
                        return find_tail_start_forward(fd, st.st_size, remaining, ret_start);
                if (start < 0)
                        return (int)start;
                pos = start;
                found++;
        }

        if (found == *remaining) {
                *ret_start = pos;
                return 1;
        }
        *remaining -= found;
        return 0;
}
