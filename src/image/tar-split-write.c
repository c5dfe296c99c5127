/* SPDX-License-Identifier: Apache-2.0 */
/* Writes the tar stream a tar-split record describes. */
#include <archive.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "digest.h"
#include "extract.h"
#include "tar-split.h"

#define COPY_BUFFER (64 * 1024)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)

struct layer_writer {
        const char *label; /* names the layer in messages */
        int content_fd;
        tar_split_write_fn write;
        void *userdata;
        struct digester digest;
        unsigned char buf[COPY_BUFFER];
        struct error *err;
};

static int emit(struct layer_writer *w, const void *buf, size_t len)
{
        digester_update(&w->digest, buf, len);
        return w->write(w->userdata, buf, len);
}

static int on_data(const void *buf, size_t len, void *userdata)
{
        return emit(userdata, buf, len);
}

static int file_changed(struct layer_writer *w, const struct tar_split_file *f, const char *how)
{
        return error_set(w->err, -EIO, "layer %s: file \"%s\" changed since it was extracted (%s)", w->label, f->path,
                         how);
}

/* Opens path below the content directory as extraction created it: the
 * parent through extract_open_dir (openat2 with RESOLVE_IN_ROOT and
 * RESOLVE_NO_SYMLINKS, or an O_NOFOLLOW walk), the file without following
 * a symlink and without blocking on a FIFO. */
static int open_payload(struct layer_writer *w, const struct tar_split_file *f, int *ret_fd)
{
        _cleanup_free_ char *parent = strdup(f->path);
        _cleanup_close_ int parent_fd = -1, fd = -1;
        char *slash = parent ? strrchr(parent, '/') : NULL;
        const char *base = slash ? slash + 1 : f->path;
        struct stat st;
        int r;

        if (!parent)
                return -ENOMEM;
        if (slash)
                *slash = '\0';
        r = extract_open_dir(w->content_fd, slash ? parent : "", false, &parent_fd);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return file_changed(w, f, "a parent directory is missing or not a directory");

        fd = openat(parent_fd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return file_changed(w, f, strerror(errno));
        if (fstat(fd, &st) < 0)
                return error_set_errno(w->err, -errno, "failed to inspect \"%s\" in layer %s", f->path, w->label);
        if (!S_ISREG(st.st_mode))
                return file_changed(w, f, "not a regular file");
        if ((uint64_t)st.st_size != f->size) {
                char how[96];

                snprintf(how, sizeof(how), "size %jd bytes, expected %ju", (intmax_t)st.st_size, (uintmax_t)f->size);
                return file_changed(w, f, how);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int copy_range(struct layer_writer *w, int fd, const struct tar_split_file *f,
                      const struct tar_split_range *range)
{
        uint64_t done = 0;

        while (done < range->length) {
                size_t want = (size_t)MIN((uint64_t)sizeof(w->buf), range->length - done);
                ssize_t n = pread(fd, w->buf, want, (off_t)(range->offset + done));
                int r;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(w->err, -errno, "failed to read \"%s\" in layer %s", f->path, w->label);
                if (n == 0)
                        return file_changed(w, f, "it became shorter");
                r = emit(w, w->buf, (size_t)n);
                if (r < 0)
                        return r;
                done += (uint64_t)n;
        }
        return 0;
}

static int on_file(const struct tar_split_file *f, void *userdata)
{
        struct layer_writer *w = userdata;
        _cleanup_close_ int fd = -1;
        int r;

        r = open_payload(w, f, &fd);
        if (r < 0)
                return r;
        for (size_t i = 0; i < f->n_ranges; i++) {
                r = copy_range(w, fd, f, &f->ranges[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static ssize_t record_read(void *source, void *buf, size_t len)
{
        struct archive *a = source;
        la_ssize_t n = archive_read_data(a, buf, len);

        return n < 0 ? -(archive_errno(a) > 0 ? archive_errno(a) : EBADMSG) : (ssize_t)n;
}

/* Opens the gzip stream that follows the record's header. */
static int record_stream_open(int fd, struct archive **ret)
{
        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();
        struct archive_entry *entry;

        if (!a)
                return -ENOMEM;
        if (lseek(fd, TAR_SPLIT_HEADER_SIZE, SEEK_SET) < 0)
                return -errno;
        archive_read_support_filter_gzip(a);
        archive_read_support_format_raw(a);
        if (archive_read_open_fd(a, fd, COPY_BUFFER) != ARCHIVE_OK || archive_read_next_header(a, &entry) != ARCHIVE_OK)
                return -EBADMSG;
        *ret = TAKE_PTR(a);
        return 0;
}

static int write_stream(struct layer_writer *w, int record_fd, uint64_t tar_size, char *ret_digest)
{
        static const struct tar_split_ops ops = { .data = on_data, .file = on_file };
        _cleanup_(archive_read_freep) struct archive *a = NULL;
        int r;

        r = record_stream_open(record_fd, &a);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return error_set(w->err, -EBADMSG, "invalid tar-split record of layer %s: not a gzip stream", w->label);

        r = tar_split_parse(record_read, a, tar_size, &ops, w, w->err);
        if (r < 0)
                return error_prefix(w->err, r, "layer %s", w->label);
        return digester_final(&w->digest, ret_digest);
}

int tar_split_write(int record_fd, int content_fd, const char *label, tar_split_write_fn write, void *userdata,
                    char *ret_digest, struct error *err)
{
        _cleanup_free_ struct layer_writer *w = calloc(1, sizeof(*w));
        unsigned char header[TAR_SPLIT_HEADER_SIZE];
        uint64_t tar_size;
        ssize_t n;
        int r;

        if (!w)
                return -ENOMEM;
        n = pread(record_fd, header, sizeof(header), 0);
        if (n < 0)
                return error_set_errno(err, -errno, "failed to read the tar-split record of layer %s", label);
        if (tar_split_header_parse(header, (size_t)n, &tar_size) < 0)
                return error_set(err, -EBADMSG, "invalid tar-split record of layer %s: bad header", label);

        *w = (struct layer_writer){
                .label = label,
                .content_fd = content_fd,
                .write = write,
                .userdata = userdata,
                .err = err,
        };
        r = digester_init(&w->digest);
        if (r < 0)
                return r;
        r = write_stream(w, record_fd, tar_size, ret_digest);
        digester_done(&w->digest);
        return r;
}
