/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a layer blob: one libarchive reader decompresses the raw bytes
 * (hashing them as they come from the fd: the blob digest), a second one
 * reads the tar from the first one's output (hashing it: the diff ID). Both
 * digests are complete only once every byte has passed, so after the tar's
 * end both streams are drained to their ends.
 */
#include "extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "tar-split.h"
#include "timeutil.h"

#define READ_BUFFER_SIZE    (64 * 1024)
#define PROGRESS_EVERY_MAX  (512 * 1024)
#define PROGRESS_RATE_LIMIT (100 * 1000 * 1000) /* ns between intermediate reports */

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)

struct raw_source {
        int fd;
        struct digester digest;
        int64_t current, total;
        int64_t last_update, last_report_ns;
        extract_progress_fn progress;
        void *userdata;
        char buf[READ_BUFFER_SIZE];
};

struct tar_source {
        struct archive *decompressor;
        struct digester digest;
        struct tar_split_recorder *recorder; /* or NULL */
        char buf[READ_BUFFER_SIZE];
};

/* Reports progress as Docker's progress reader does: after 1% of the
 * total (at most 512 KiB) more was read, at most every 100 ms, and always
 * once the total is reached. */
static void report_progress(struct raw_source *src)
{
        int64_t every = PROGRESS_EVERY_MAX, now;

        if (!src->progress)
                return;
        if (src->total > 0 && src->total / 100 < every)
                every = src->total / 100;
        if (src->current - src->last_update <= every && src->current != src->total)
                return;
        src->last_update = src->current;

        now = timeutil_monotonic_ns();
        if (src->current != src->total && now - src->last_report_ns < PROGRESS_RATE_LIMIT)
                return;
        src->last_report_ns = now;
        src->progress(src->current, src->total, src->userdata);
}

static ssize_t read_raw(struct raw_source *src)
{
        ssize_t n;

        do
                n = read(src->fd, src->buf, sizeof(src->buf));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;

        digester_update(&src->digest, src->buf, (size_t)n);
        if (n > 0) {
                src->current += n;
                report_progress(src);
        }
        return n;
}

static la_ssize_t raw_read(struct archive *a, void *data, const void **ret_buf)
{
        struct raw_source *src = data;
        ssize_t n = read_raw(src);

        if (n < 0) {
                archive_set_error(a, (int)-n, "reading the layer failed: %s", strerror((int)-n));
                return -1;
        }
        *ret_buf = src->buf;
        return n;
}

static la_ssize_t read_decompressed(struct tar_source *src)
{
        la_ssize_t n = archive_read_data(src->decompressor, src->buf, sizeof(src->buf));

        if (n > 0) {
                digester_update(&src->digest, src->buf, (size_t)n);
                if (src->recorder)
                        tar_split_recorder_feed(src->recorder, src->buf, (size_t)n);
        }
        return n;
}

static la_ssize_t tar_read(struct archive *a, void *data, const void **ret_buf)
{
        struct tar_source *src = data;
        la_ssize_t n = read_decompressed(src);

        if (n < 0) {
                archive_set_error(a, EINVAL, "%s", archive_error_string(src->decompressor) ?: "decompression failed");
                return -1;
        }
        *ret_buf = src->buf;
        return n;
}

static void raw_source_free(struct raw_source *src)
{
        if (src) {
                digester_done(&src->digest);
                free(src);
        }
}

static void tar_source_free(struct tar_source *src)
{
        if (src) {
                digester_done(&src->digest);
                free(src);
        }
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct raw_source *, raw_source_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tar_source *, tar_source_free)

static int open_decompressor(struct raw_source *raw, struct archive **ret, bool *ret_empty, struct error *err)
{
        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();
        struct archive_entry *e;
        int k;

        if (!a)
                return -ENOMEM;
        archive_read_support_filter_all(a);
        archive_read_support_format_raw(a);
        archive_read_support_format_empty(a);
        if (archive_read_open(a, raw, NULL, raw_read, NULL) != ARCHIVE_OK)
                return error_set(err, -EINVAL, "invalid layer: %s", archive_error_string(a) ?: "unreadable");

        k = archive_read_next_header(a, &e);
        if (k < ARCHIVE_WARN)
                return error_set(err, -EINVAL, "invalid layer: %s", archive_error_string(a) ?: "unreadable");

        *ret_empty = k == ARCHIVE_EOF;
        *ret = TAKE_PTR(a);
        return 0;
}

static int extract_tar(struct tar_source *tar, int rootfd, struct error *err)
{
        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();

        if (!a)
                return -ENOMEM;
        archive_read_support_format_tar(a);
        archive_read_support_format_empty(a);
        if (archive_read_open(a, tar, NULL, tar_read, NULL) != ARCHIVE_OK)
                return error_set(err, -EINVAL, "invalid layer archive: %s", archive_error_string(a) ?: "unreadable");
        return extract_archive(a, rootfd, err);
}

/* Hashes what follows the tar's end: the padding after its end marker,
 * then anything after the compressed stream. */
static int drain(struct raw_source *raw, struct tar_source *tar, bool empty, struct error *err)
{
        ssize_t n;

        if (!empty) {
                la_ssize_t k;

                while ((k = read_decompressed(tar)) > 0)
                        ;
                if (k < 0)
                        return error_set(err, -EINVAL, "invalid layer: %s",
                                         archive_error_string(tar->decompressor) ?: "decompression failed");
        }
        while ((n = read_raw(raw)) > 0)
                ;
        if (n < 0)
                return error_set_errno(err, (int)n, "failed to read the layer");
        return 0;
}

int extract_layer(int fd, int rootfd, extract_progress_fn progress, void *userdata, struct extract_layer_result *ret,
                  struct error *err)
{
        return extract_layer_recorded(fd, rootfd, NULL, progress, userdata, ret, err);
}

int extract_layer_recorded(int fd, int rootfd, struct tar_split_recorder *recorder, extract_progress_fn progress,
                           void *userdata, struct extract_layer_result *ret, struct error *err)
{
        _cleanup_(raw_source_freep) struct raw_source *raw = calloc(1, sizeof(*raw));
        _cleanup_(tar_source_freep) struct tar_source *tar = calloc(1, sizeof(*tar));
        _cleanup_(archive_read_freep) struct archive *decompressor = NULL;
        struct extract_layer_result result = { 0 };
        struct stat st;
        bool empty = false;
        int r;

        if (!raw || !tar)
                return -ENOMEM;
        raw->fd = fd;
        raw->progress = progress;
        raw->userdata = userdata;
        raw->total = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
        tar->recorder = recorder;

        r = digester_init(&raw->digest);
        if (r < 0)
                return r;
        r = digester_init(&tar->digest);
        if (r < 0)
                return r;

        r = open_decompressor(raw, &decompressor, &empty, err);
        if (r < 0)
                return r;
        tar->decompressor = decompressor;

        if (!empty) {
                r = extract_tar(tar, rootfd, err);
                if (r < 0)
                        return r;
        }

        r = drain(raw, tar, empty, err);
        if (r < 0)
                return r;

        r = digester_final(&raw->digest, result.blob_digest);
        if (r < 0)
                return r;
        r = digester_final(&tar->digest, result.diff_id);
        if (r < 0)
                return r;

        r = extract_dir_size(rootfd, &result.size);
        if (r < 0)
                return error_set_errno(err, r, "failed to compute the layer size");

        *ret = result;
        return 0;
}

struct inode_set {
        struct {
                dev_t dev;
                ino_t ino;
        } * items;
        size_t n, allocated;
};

/* Records an inode; returns 1 when it was seen before. */
static int inode_set_add(struct inode_set *set, dev_t dev, ino_t ino)
{
        for (size_t i = 0; i < set->n; i++)
                if (set->items[i].dev == dev && set->items[i].ino == ino)
                        return 1;

        if (set->n == set->allocated) {
                size_t allocated = set->allocated ? set->allocated * 2 : 64;
                void *grown = realloc(set->items, allocated * sizeof(*set->items));

                if (!grown)
                        return -ENOMEM;
                set->items = grown;
                set->allocated = allocated;
        }
        set->items[set->n].dev = dev;
        set->items[set->n].ino = ino;
        set->n++;
        return 0;
}

static int dir_size(int dirfd, struct inode_set *seen, int64_t *total)
{
        _cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *dir;
        int r = 0;

        if (fd < 0)
                return -errno;
        dir = fdopendir(fd);
        if (!dir)
                return -errno;
        fd = -1;

        while (r >= 0 && (errno = 0, de = readdir(dir))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }

                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub =
                                openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        r = sub < 0 ? -errno : dir_size(sub, seen, total);
                        continue;
                }
                /* Hard links count once, as Docker's directory.Size does. */
                if (st.st_size > 0 && st.st_nlink > 1) {
                        r = inode_set_add(seen, st.st_dev, st.st_ino);
                        if (r != 0) {
                                r = r > 0 ? 0 : r;
                                continue;
                        }
                }
                *total += st.st_size;
        }
        if (r >= 0 && errno != 0)
                r = -errno;
        closedir(dir);
        return r;
}

int extract_dir_size(int rootfd, int64_t *ret)
{
        struct inode_set seen = { 0 };
        int64_t total = 0;
        int r;

        r = dir_size(rootfd, &seen, &total);
        free(seen.items);
        if (r < 0)
                return r;
        *ret = total;
        return 0;
}
