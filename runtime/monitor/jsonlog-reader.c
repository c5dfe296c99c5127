/* SPDX-License-Identifier: Apache-2.0 */
#include "jsonlog.h"

#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "locallog.h"
#include "timeutil.h"

#define READ_CHUNK (64 * 1024)

/* A line longer than this is no entry the writer makes; it is skipped
 * without being held in memory. */
#define LINE_BYTES_MAX (4 * 1024 * 1024)

/* Rotated files beyond this number are not looked for. */
#define ROTATED_FILES_MAX 1000

struct log_file {
        int fd; /* -1 when the file is missing or done with */
        bool live;
};

struct jsonlog_reader {
        char *path;
        enum jsonlog_format format;
        struct log_file *files; /* oldest first; the last one is live */
        size_t n_files;
        size_t current;

        /* Buffered bytes of the current file: buf[start, end) is unread and
         * read_pos is the file offset of buf[end]. */
        char *buf;
        size_t start, end, cap;
        off_t read_pos;
        bool skipping; /* inside a line over LINE_BYTES_MAX */
        bool damaged;  /* a local record's lengths are wrong: the rest of the file is dropped */

        int inotify_fd;
};

static void reset_buffer(struct jsonlog_reader *r, off_t pos)
{
        r->start = r->end = 0;
        r->read_pos = pos;
        r->skipping = false;
        r->damaged = false;
}

static int open_file(const char *path)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

        if (fd < 0)
                return errno == ENOENT ? -1 : -errno;
        return fd;
}

static bool same_file(int fd_a, int fd_b)
{
        struct stat a, b;

        return fstat(fd_a, &a) == 0 && fstat(fd_b, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int add_file(struct jsonlog_reader *r, int fd, bool live)
{
        struct log_file *files = realloc(r->files, (r->n_files + 1) * sizeof(*files));

        if (!files)
                return -ENOMEM;
        r->files = files;
        r->files[r->n_files++] = (struct log_file){ .fd = fd, .live = live };
        return 0;
}

/* Opens path.N ... path.1, newest first so that a rotation while opening
 * shows up as the same file twice, which is dropped, rather than a gap. */
static int open_rotated(struct jsonlog_reader *r, int live_fd, int *fds, size_t *ret_n)
{
        char name[4096];
        size_t n = 0;

        for (int i = 1; i <= ROTATED_FILES_MAX; i++) {
                int fd;

                snprintf(name, sizeof(name), "%s.%d", r->path, i);
                fd = open_file(name);
                if (fd == -1) {
                        snprintf(name, sizeof(name), "%s.%d.gz", r->path, i);
                        fd = jsonlog_open_gzip(name);
                }
                if (fd == -1)
                        break;
                if (fd < 0) {
                        while (n > 0)
                                close(fds[--n]);
                        return fd;
                }
                if ((live_fd >= 0 && same_file(fd, live_fd)) || (n > 0 && same_file(fd, fds[n - 1]))) {
                        close(fd);
                        continue;
                }
                fds[n++] = fd;
        }
        *ret_n = n;
        return 0;
}

enum jsonlog_format jsonlog_format_for_driver(const char *type)
{
        return type && streq(type, "local") ? JSONLOG_FORMAT_LOCAL : JSONLOG_FORMAT_JSON_FILE;
}

int jsonlog_reader_open(const char *path, struct jsonlog_reader **ret)
{
        return jsonlog_reader_open_format(path, JSONLOG_FORMAT_JSON_FILE, ret);
}

int jsonlog_reader_open_format(const char *path, enum jsonlog_format format, struct jsonlog_reader **ret)
{
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        _cleanup_free_ int *fds = NULL;
        int live_fd, k;
        size_t n = 0;

        if (strlen(path) + 16 > 4096)
                return -ENAMETOOLONG;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->inotify_fd = -1;
        r->format = format;
        r->path = strdup(path);
        fds = calloc(ROTATED_FILES_MAX, sizeof(int));
        if (!r->path || !fds)
                return -ENOMEM;

        live_fd = open_file(path);
        if (live_fd < -1)
                return live_fd;
        k = open_rotated(r, live_fd, fds, &n);
        if (k < 0) {
                if (live_fd >= 0)
                        close(live_fd);
                return k;
        }

        for (size_t i = n; i > 0; i--) {
                k = add_file(r, fds[i - 1], false);
                if (k < 0) {
                        for (size_t j = i; j > 0; j--)
                                close(fds[j - 1]);
                        if (live_fd >= 0)
                                close(live_fd);
                        return k;
                }
        }
        k = add_file(r, live_fd, true);
        if (k < 0) {
                if (live_fd >= 0)
                        close(live_fd);
                return k;
        }

        r->cap = READ_CHUNK;
        r->buf = malloc(r->cap);
        if (!r->buf)
                return -ENOMEM;
        reset_buffer(r, 0);
        *ret = TAKE_PTR(r);
        return 0;
}

static struct log_file *live_file(struct jsonlog_reader *r)
{
        return &r->files[r->n_files - 1];
}

/* Finds where the last *remaining lines of fd begin, scanning backwards
 * through buf. Returns 1 with *ret_start when they all lie in this file;
 * otherwise returns 0 and subtracts the lines of the file from *remaining.
 * In the live file a last line without its newline is still being written
 * and does not count; in a finished file it is a line of its own. */
static int find_tail_start(struct jsonlog_reader *r, int fd, bool live, int64_t *remaining, off_t *ret_start)
{
        struct stat st;
        bool end_known = !live;
        int64_t lines = 0;
        off_t pos, end;

        if (fstat(fd, &st) < 0)
                return -errno;
        end = pos = st.st_size;
        if (end_known && *remaining == 0) {
                *ret_start = end;
                return 1;
        }

        while (pos > 0) {
                size_t chunk = (size_t)MIN((off_t)r->cap, pos);
                ssize_t n;

                pos -= (off_t)chunk;
                n = pread(fd, r->buf, chunk, pos);
                if (n < 0)
                        return -errno;
                if ((size_t)n != chunk)
                        return -EIO;

                for (size_t i = chunk; i > 0; i--) {
                        off_t at = pos + (off_t)i - 1;

                        if (r->buf[i - 1] != '\n')
                                continue;
                        if (!end_known) {
                                end = at + 1;
                                end_known = true;
                                if (*remaining == 0) {
                                        *ret_start = end;
                                        return 1;
                                }
                                continue;
                        }
                        /* The newline ending the last line starts none. */
                        if (at >= end - 1)
                                continue;
                        if (++lines == *remaining) {
                                *ret_start = at + 1;
                                return 1;
                        }
                }
        }

        if (!end_known)
                end = 0;
        if (end > 0)
                lines++;
        if (lines == *remaining) {
                *ret_start = 0;
                return 1;
        }
        *remaining -= lines;
        return 0;
}

static int seek_file(struct log_file *f, off_t pos)
{
        if (f->fd >= 0 && lseek(f->fd, pos, SEEK_SET) < 0)
                return -errno;
        return 0;
}

static int position_at(struct jsonlog_reader *r, size_t index, off_t pos)
{
        int k;

        for (size_t i = index; i < r->n_files; i++) {
                k = seek_file(&r->files[i], i == index ? pos : 0);
                if (k < 0)
                        return k;
        }
        r->current = index;
        reset_buffer(r, pos);
        return 0;
}

int jsonlog_reader_tail(struct jsonlog_reader *r, int64_t n)
{
        int64_t remaining = n;
        off_t start = 0;
        int k;

        if (n < 0)
                return position_at(r, 0, 0);

        for (size_t i = r->n_files; i > 0; i--) {
                struct log_file *f = &r->files[i - 1];

                if (f->fd < 0)
                        continue;
                if (r->format == JSONLOG_FORMAT_LOCAL)
                        k = locallog_find_tail_start(f->fd, &remaining, &start);
                else
                        k = find_tail_start(r, f->fd, f->live, &remaining, &start);
                if (k < 0)
                        return k;
                if (k > 0)
                        return position_at(r, i - 1, start);
        }
        return position_at(r, 0, 0);
}

/* Takes the next complete line out of the buffer. */
static bool take_line(struct jsonlog_reader *r, char **ret, size_t *ret_len)
{
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);

        if (!nl)
                return false;
        *ret = r->buf + r->start;
        *ret_len = (size_t)(nl - *ret);
        r->start = (size_t)(nl - r->buf) + 1;
        return true;
}

/* Takes the next whole record of the local format out of the buffer. The
 * record's protobuf part is returned, followed in the buffer by its
 * length. A length that cannot be right marks the file damaged. */
static bool take_record(struct jsonlog_reader *r, char **ret, size_t *ret_len)
{
        const uint8_t *p = (const uint8_t *)r->buf + r->start;
        size_t have = r->end - r->start;
        uint32_t len;

        if (r->damaged || have < LOCALLOG_LENGTH_SIZE)
                return false;
        len = locallog_read_length(p);
        if (len > LOCALLOG_RECORD_MAX) {
                r->damaged = true;
                return false;
        }
        if (have < (size_t)len + 2 * LOCALLOG_LENGTH_SIZE)
                return false;
        if (locallog_read_length(p + LOCALLOG_LENGTH_SIZE + len) != len) {
                r->damaged = true;
                return false;
        }
        *ret = r->buf + r->start + LOCALLOG_LENGTH_SIZE;
        *ret_len = len;
        r->start += (size_t)len + 2 * LOCALLOG_LENGTH_SIZE;
        return true;
}

/* Makes room after the unread bytes. A line too long to keep is dropped and
 * the rest of it skipped. Returns 0 or -ENOMEM. */
static int make_room(struct jsonlog_reader *r)
{
        if (r->skipping || r->damaged)
                r->start = r->end;
        if (r->start > 0) {
                memmove(r->buf, r->buf + r->start, r->end - r->start);
                r->end -= r->start;
                r->start = 0;
        }
        if (r->end < r->cap)
                return 0;
        if (r->cap >= LINE_BYTES_MAX) {
                r->skipping = true;
                r->start = r->end = 0;
                return 0;
        }

        {
                char *p = realloc(r->buf, r->cap * 2);

                if (!p)
                        return -ENOMEM;
                r->buf = p;
                r->cap *= 2;
        }
        return 0;
}

static ssize_t fill(struct jsonlog_reader *r, int fd)
{
        ssize_t n;
        int k = make_room(r);

        if (k < 0)
                return k;
        do
                n = read(fd, r->buf + r->end, r->cap - r->end);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        r->end += (size_t)n;
        r->read_pos += n;
        return n;
}

/* After a rotation the file once live is path.K; when more than one
 * rotation happened since, path.(K - 1) to path.1 are newer and come next.
 * When it is gone from the names altogether, every rotated file is newer. */
static int add_newer_files(struct jsonlog_reader *r, int old_fd)
{
        char name[4096];
        int found = 0, last = 0, k;

        for (int i = 1; i <= ROTATED_FILES_MAX && !found; i++) {
                int fd;

                snprintf(name, sizeof(name), "%s.%d", r->path, i);
                fd = open_file(name);
                if (fd < 0)
                        break;
                if (same_file(fd, old_fd))
                        found = i;
                last = i;
                close(fd);
        }

        for (int i = found ? found - 1 : last; i >= 1; i--) {
                int fd;

                snprintf(name, sizeof(name), "%s.%d", r->path, i);
                fd = open_file(name);
                if (fd == -1)
                        continue;
                if (fd < 0)
                        return fd;
                k = add_file(r, fd, false);
                if (k < 0) {
                        close(fd);
                        return k;
                }
        }
        return 0;
}

/* Checks the live file at its end. A rotation turns it into an older file
 * and opens the new one, and a truncation (rotation of a single file)
 * starts it over. Returns 1 when reading can go on. */
static int follow_live(struct jsonlog_reader *r)
{
        struct log_file *f = live_file(r);
        struct stat st, cur;
        int fd, k;

        if (stat(r->path, &st) < 0) {
                if (errno != ENOENT)
                        return -errno;
                if (f->fd < 0)
                        return 0;
                st.st_ino = 0;
        }

        if (f->fd < 0) {
                fd = open_file(r->path);
                if (fd < 0)
                        return fd == -1 ? 0 : fd;
                f->fd = fd;
                reset_buffer(r, 0);
                return 1;
        }

        if (fstat(f->fd, &cur) < 0)
                return -errno;
        if (st.st_ino != 0 && cur.st_ino == st.st_ino && cur.st_dev == st.st_dev) {
                if (cur.st_size >= r->read_pos)
                        return 0;
                if (lseek(f->fd, 0, SEEK_SET) < 0)
                        return -errno;
                reset_buffer(r, 0);
                return 1;
        }

        /* Rotated: finish the old file (the writer may have added to it
         * after our last read), then the files rotated after it, then the
         * new one. */
        f->live = false;
        k = add_newer_files(r, f->fd);
        if (k < 0)
                return k;
        fd = open_file(r->path);
        if (fd < -1)
                return fd;
        k = add_file(r, fd, true);
        if (k < 0) {
                if (fd >= 0)
                        close(fd);
                return k;
        }
        return 1;
}

/* Reads on in a file that no longer grows; at its end the last bytes, if
 * they lack a newline, are one more line. */
static int finish_file(struct jsonlog_reader *r, char **ret, size_t *ret_len)
{
        struct log_file *f = &r->files[r->current];
        /* A local record cut short is no entry. */
        bool have = r->end > r->start && !r->skipping && r->format == JSONLOG_FORMAT_JSON_FILE;

        *ret = r->buf + r->start;
        *ret_len = r->end - r->start;
        close(f->fd);
        f->fd = -1;
        r->current++;
        reset_buffer(r, 0);
        return have ? 1 : 0;
}

/* Returns 1 with the next raw line or record, 0 at the end for now. */
static int next_line(struct jsonlog_reader *r, char **ret, size_t *ret_len)
{
        for (;;) {
                struct log_file *f = &r->files[r->current];
                ssize_t n;
                int k;

                if (r->format == JSONLOG_FORMAT_LOCAL) {
                        if (take_record(r, ret, ret_len))
                                return 1;
                } else if (take_line(r, ret, ret_len)) {
                        if (!r->skipping)
                                return 1;
                        r->skipping = false;
                        continue;
                }

                if (f->fd < 0 && !f->live) {
                        r->current++;
                        reset_buffer(r, 0);
                        continue;
                }
                if (f->fd >= 0) {
                        n = fill(r, f->fd);
                        if (n < 0)
                                return (int)n;
                        if (n > 0)
                                continue;
                }

                if (!f->live) {
                        if (finish_file(r, ret, ret_len) > 0)
                                return 1;
                        continue;
                }
                k = follow_live(r);
                if (k <= 0)
                        return k;
        }
}

int jsonlog_reader_next(struct jsonlog_reader *r, struct jsonlog_entry *ret)
{
        for (;;) {
                char *line;
                size_t len;
                int k = next_line(r, &line, &len);

                if (k <= 0)
                        return k;
                if (r->format == JSONLOG_FORMAT_LOCAL)
                        k = locallog_parse_record((uint8_t *)line, len, ret);
                else
                        k = jsonlog_parse_line(line, len, ret);
                if (k == 0)
                        return 1;
        }
}

static int watch_directory(struct jsonlog_reader *r)
{
        _cleanup_free_ char *copy = strdup(r->path);
        int fd;

        if (!copy)
                return -ENOMEM;
        fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (inotify_add_watch(fd, dirname(copy), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) < 0) {
                int k = -errno;

                close(fd);
                return k;
        }
        r->inotify_fd = fd;
        return 0;
}

/* Tells whether the log changed since reading stopped at its end. */
static bool has_more(struct jsonlog_reader *r)
{
        struct log_file *f = live_file(r);
        struct stat st, cur;

        if (r->current != r->n_files - 1)
                return true;
        if (stat(r->path, &st) < 0)
                return f->fd >= 0;
        if (f->fd < 0 || fstat(f->fd, &cur) < 0)
                return true;
        return cur.st_ino != st.st_ino || cur.st_dev != st.st_dev || cur.st_size != r->read_pos;
}

/* Reads the queued events; returns true when one concerns the log. */
static bool read_events(struct jsonlog_reader *r)
{
        _cleanup_free_ char *copy = strdup(r->path);
        const char *base = copy ? basename(copy) : "";
        size_t base_len = strlen(base);
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        bool relevant = false;
        ssize_t n;

        while ((n = read(r->inotify_fd, buf, sizeof(buf))) > 0) {
                for (char *p = buf; p < buf + n;) {
                        struct inotify_event *ev = (struct inotify_event *)p;

                        if (ev->len == 0 || strncmp(ev->name, base, base_len) != 0 ||
                            (ev->name[base_len] != '\0' && ev->name[base_len] != '.'))
                                relevant |= ev->len == 0 || !copy;
                        else
                                relevant = true;
                        p += sizeof(*ev) + ev->len;
                }
        }
        return relevant;
}

int jsonlog_reader_wait(struct jsonlog_reader *r, int timeout_ms)
{
        int64_t deadline = timeutil_monotonic_ns() + (int64_t)timeout_ms * 1000000;
        int k;

        if (r->inotify_fd < 0) {
                k = watch_directory(r);
                if (k < 0)
                        return k;
        }
        if (has_more(r)) {
                read_events(r);
                return 1;
        }

        for (;;) {
                struct pollfd pfd = { .fd = r->inotify_fd, .events = POLLIN };
                int wait_ms = -1;

                if (timeout_ms >= 0) {
                        int64_t left = deadline - timeutil_monotonic_ns();

                        if (left <= 0)
                                return 0;
                        wait_ms = (int)((left + 999999) / 1000000);
                }
                k = poll(&pfd, 1, wait_ms);
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (k > 0 && read_events(r))
                        return 1;
        }
}

void jsonlog_reader_free(struct jsonlog_reader *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n_files; i++)
                if (r->files[i].fd >= 0)
                        close(r->files[i].fd);
        if (r->inotify_fd >= 0)
                close(r->inotify_fd);
        free(r->files);
        free(r->buf);
        free(r->path);
        free(r);
}
