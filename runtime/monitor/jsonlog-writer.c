/* SPDX-License-Identifier: Apache-2.0 */
#include "jsonlog.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "idutil.h"
#include "locallog.h"
#include "timeutil.h"

/* Output of one stream that has not been logged yet: the start of a line
 * whose newline has not arrived. Once a line has been logged in part, its
 * remaining entries carry the time of the first part, as dockerd's do. */
struct pending_line {
        char *data; /* JSONLOG_LINE_MAX bytes, allocated on first use */
        size_t len;
        bool partial;
        int64_t partial_time_ns;
        /* The local format's metadata of the line being logged in parts:
         * its random id and the number of parts logged so far. */
        char partial_id[ID_LENGTH + 1];
        int32_t parts;
};

struct jsonlog_writer {
        char *path;
        int fd;
        enum jsonlog_format format;
        int64_t max_size;
        int max_files;
        bool compress;
        char *attrs; /* a JSON object's text, or NULL */
        int64_t size;
        struct pending_line lines[2];
        char *entry; /* formatting buffer */
        size_t entry_size;
        /* Entries formatted but not written yet: a buffer on the stack of
         * jsonlog_writer_write_at while it runs, else NULL. */
        char *batch;
        size_t batch_len;
};

/* The size of that buffer. The entries of one read of a container's pipe
 * go out in one write per 16 KiB instead of one per line. */
#define BATCH_SIZE (16 * 1024)

/* A formatting buffer above this size is freed after use, so that one long
 * line does not keep its worst-case buffer for the life of the container. */
#define ENTRY_BUFFER_KEEP 4096

static int open_log_file(const char *path, int extra_flags)
{
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | extra_flags, 0640);

        return fd < 0 ? -errno : fd;
}

int jsonlog_writer_open(const char *path, int64_t max_size, int max_files, struct jsonlog_writer **ret)
{
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        struct stat st;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->fd = -1;
        w->path = strdup(path);
        if (!w->path)
                return -ENOMEM;
        w->max_size = max_size;
        w->max_files = max_files < 1 ? 1 : max_files;

        w->fd = open_log_file(path, 0);
        if (w->fd < 0)
                return w->fd;
        if (fstat(w->fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        w->size = st.st_size;

        *ret = TAKE_PTR(w);
        return 0;
}

void jsonlog_writer_set_format(struct jsonlog_writer *w, enum jsonlog_format format)
{
        w->format = format;
}

void jsonlog_writer_set_compress(struct jsonlog_writer *w, bool compress)
{
        w->compress = compress;
}

int jsonlog_writer_set_attrs(struct jsonlog_writer *w, const char *attrs)
{
        char *copy = attrs ? strdup(attrs) : NULL;

        if (attrs && !copy)
                return -ENOMEM;
        free(w->attrs);
        w->attrs = copy;
        return 0;
}

static int rename_numbered(const char *path, int from, int to, const char *suffix)
{
        char src[4096], dst[4096];

        if (from == 0)
                snprintf(src, sizeof(src), "%s", path);
        else
                snprintf(src, sizeof(src), "%s.%d%s", path, from, suffix);
        snprintf(dst, sizeof(dst), "%s.%d%s", path, to, from == 0 ? "" : suffix);
        if (rename(src, dst) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

/* Shifts path.N to path.(N + 1), dropping the oldest, and starts an empty
 * path, as dockerd's rotation does; a single file is truncated in place. */
static int rotate(struct jsonlog_writer *w)
{
        int fd, r;

        if (strlen(w->path) + 16 > 4096)
                return -ENAMETOOLONG;

        for (int i = w->max_files - 1; i >= 1; i--) {
                r = rename_numbered(w->path, i - 1, i, w->compress ? ".gz" : "");
                if (r < 0)
                        return r;
        }
        if (w->compress && w->max_files > 1) {
                r = jsonlog_compress_rotated(w->path);
                if (r < 0)
                        return r;
        }

        fd = open_log_file(w->path, O_TRUNC);
        if (fd < 0)
                return fd;
        close(w->fd);
        w->fd = fd;
        w->size = 0;
        return 0;
}

static char *entry_buffer(struct jsonlog_writer *w, size_t len)
{
        size_t need = jsonlog_entry_max(len);

        if (need > w->entry_size) {
                char *p = realloc(w->entry, need);

                if (!p)
                        return NULL;
                w->entry = p;
                w->entry_size = need;
        }
        return w->entry;
}

static void entry_buffer_trim(struct jsonlog_writer *w)
{
        if (w->entry_size > ENTRY_BUFFER_KEEP) {
                free(w->entry);
                w->entry = NULL;
                w->entry_size = 0;
        }
}

/* Formats one entry of the local format. line is the pending line of the
 * stream, whose partial state sets the metadata of the entry. */
static size_t format_local(char *buf, int stream, const struct pending_line *line, int64_t time_ns, const void *data,
                           size_t len, bool newline)
{
        struct locallog_entry e = {
                .source = stream == JSONLOG_STDERR ? "stderr" : "stdout",
                .source_len = 6,
                .time_ns = time_ns,
                .line = data,
                .line_len = len,
                .partial = line->partial,
                .has_metadata = line->partial,
                .last = newline,
                .id = line->partial_id,
                .id_len = strlen(line->partial_id),
                .ordinal = newline ? line->parts + 1 : line->parts,
        };

        return locallog_encode_record(&e, (uint8_t *)buf);
}

/* Writes the batched entries: whole entries, so that a reader never sees
 * half of one unless the disk is full. */
static int batch_flush(struct jsonlog_writer *w)
{
        size_t len = w->batch_len;

        if (len == 0)
                return 0;
        w->batch_len = 0;
        return fs_write_all(w->fd, w->batch, len);
}

/* Writes one formatted entry, or adds it to the batch while there is one. */
static int output_entry(struct jsonlog_writer *w, const char *buf, size_t n)
{
        int r;

        if (!w->batch)
                return fs_write_all(w->fd, buf, n);
        if (n > BATCH_SIZE - w->batch_len) {
                r = batch_flush(w);
                if (r < 0)
                        return r;
                if (n > BATCH_SIZE)
                        return fs_write_all(w->fd, buf, n);
        }
        memcpy(w->batch + w->batch_len, buf, n);
        w->batch_len += n;
        return 0;
}

/* Writes one entry. newline is false for the part of a line, which the
 * caller has counted in line->parts already. */
static int write_entry(struct jsonlog_writer *w, int stream, const struct pending_line *line, int64_t time_ns,
                       const void *data, size_t len, bool newline)
{
        char *buf;
        size_t n;
        int r;

        if (w->max_size > 0 && w->size >= w->max_size) {
                r = batch_flush(w);
                if (r >= 0)
                        r = rotate(w);
                if (r < 0)
                        return r;
        }

        /* A local record fits in the room of a json-file entry, because it
         * adds less than 128 bytes to the output it carries. */
        buf = entry_buffer(w, len + (w->attrs ? strlen(w->attrs) + 16 : 0));
        if (!buf)
                return -ENOMEM;
        if (w->format == JSONLOG_FORMAT_LOCAL)
                n = format_local(buf, stream, line, time_ns, data, len, newline);
        else
                n = jsonlog_format_entry_attrs(stream, time_ns, data, len, newline, w->attrs, buf);

        r = output_entry(w, buf, n);
        entry_buffer_trim(w);
        if (r < 0)
                return r;
        w->size += (int64_t)n;
        return 0;
}

static int64_t line_time(struct pending_line *line, int64_t time_ns)
{
        return line->partial ? line->partial_time_ns : time_ns;
}

static int write_partial(struct jsonlog_writer *w, int stream, struct pending_line *line, int64_t time_ns,
                         const char *data, size_t len)
{
        if (!line->partial) {
                line->partial = true;
                line->partial_time_ns = time_ns;
                line->parts = 0;
                line->partial_id[0] = '\0';
                if (w->format == JSONLOG_FORMAT_LOCAL && id_generate(line->partial_id) < 0)
                        return -EIO;
        }
        line->parts++;
        return write_entry(w, stream, line, line->partial_time_ns, data, len, false);
}

static int write_complete(struct jsonlog_writer *w, int stream, struct pending_line *line, int64_t time_ns,
                          const char *data, size_t len)
{
        int r = write_entry(w, stream, line, line_time(line, time_ns), data, len, true);

        line->partial = false;
        return r;
}

/* Logs whole lines straight from data while nothing is pending. Returns the
 * bytes consumed, or a negative errno. */
static ssize_t write_direct(struct jsonlog_writer *w, int stream, struct pending_line *line, int64_t time_ns,
                            const char *data, size_t len)
{
        size_t window = MIN(len, (size_t)JSONLOG_LINE_MAX);
        const char *nl = memchr(data, '\n', window);
        int r;

        if (nl) {
                r = write_complete(w, stream, line, time_ns, data, (size_t)(nl - data));
                return r < 0 ? r : nl - data + 1;
        }
        if (window == JSONLOG_LINE_MAX) {
                r = write_partial(w, stream, line, time_ns, data, window);
                return r < 0 ? r : (ssize_t)window;
        }
        return 0;
}

/* Adds data to the pending line up to its first newline or until the line
 * is full, logging the line then. Returns the bytes consumed. */
static ssize_t write_pending(struct jsonlog_writer *w, int stream, struct pending_line *line, int64_t time_ns,
                             const char *data, size_t len)
{
        size_t room = JSONLOG_LINE_MAX - line->len;
        size_t window = MIN(len, room);
        const char *nl = memchr(data, '\n', window);
        size_t take = nl ? (size_t)(nl - data) : window;
        int r = 0;

        if (!line->data) {
                line->data = malloc(JSONLOG_LINE_MAX);
                if (!line->data)
                        return -ENOMEM;
        }
        memcpy(line->data + line->len, data, take);
        line->len += take;

        if (nl) {
                r = write_complete(w, stream, line, time_ns, line->data, line->len);
                line->len = 0;
                take++;
        } else if (line->len == JSONLOG_LINE_MAX) {
                r = write_partial(w, stream, line, time_ns, line->data, line->len);
                line->len = 0;
        }
        return r < 0 ? r : (ssize_t)take;
}

static void pending_release(struct pending_line *line)
{
        if (line->len == 0) {
                free(line->data);
                line->data = NULL;
        }
}

int jsonlog_writer_write_at(struct jsonlog_writer *w, int stream, int64_t time_ns, const void *data, size_t len)
{
        char batch[BATCH_SIZE];
        struct pending_line *line;
        const char *p = data;
        int r = 0, flushed;

        if (stream != JSONLOG_STDOUT && stream != JSONLOG_STDERR)
                return -EINVAL;
        line = &w->lines[stream - 1];
        w->batch = batch;
        w->batch_len = 0;

        while (len > 0) {
                ssize_t n = 0;

                if (line->len == 0)
                        n = write_direct(w, stream, line, time_ns, p, len);
                if (n == 0)
                        n = write_pending(w, stream, line, time_ns, p, len);
                if (n < 0) {
                        /* The entry is lost but the stream goes on. */
                        r = (int)n;
                        line->len = 0;
                        line->partial = false;
                        break;
                }
                p += n;
                len -= (size_t)n;
        }

        flushed = batch_flush(w);
        w->batch = NULL;
        pending_release(line);
        return r < 0 ? r : flushed;
}

int jsonlog_writer_write(struct jsonlog_writer *w, int stream, const void *data, size_t len)
{
        return jsonlog_writer_write_at(w, stream, timeutil_now_ns(), data, len);
}

int jsonlog_writer_flush(struct jsonlog_writer *w)
{
        int64_t now = timeutil_now_ns();
        int r = 0;

        for (int i = 0; i < 2; i++) {
                struct pending_line *line = &w->lines[i];
                int k;

                if (line->len > 0) {
                        k = write_partial(w, i + 1, line, now, line->data, line->len);
                        if (k < 0 && r == 0)
                                r = k;
                }
                line->len = 0;
                line->partial = false;
                pending_release(line);
        }
        return r;
}

void jsonlog_writer_free(struct jsonlog_writer *w)
{
        if (!w)
                return;
        if (w->fd >= 0)
                close(w->fd);
        for (int i = 0; i < 2; i++)
                free(w->lines[i].data);
        free(w->entry);
        free(w->attrs);
        free(w->path);
        free(w);
}
