/* SPDX-License-Identifier: Apache-2.0 */
/* Tar entries of files read by directory fd, as Docker's archive package
 * writes them. The format is PAX, with mtimes in whole seconds, no atime or
 * ctime and no user or group names. Directories are named with a trailing
 * slash, and security.capability is the only xattr kept. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/xattr.h>

#include "layerstack-internal.h"

#define COPY_BUFFER_SIZE (64 * 1024)
#define WHITEOUT_PREFIX  ".wh."
#define WHITEOUT_OPAQUE  ".wh..wh..opq"
#define CAPABILITY_MAX   1024

/* The first path of an inode with several links. */
struct seen_inode {
        dev_t dev;
        ino_t ino;
        char *path;
};

struct layerstack_tar {
        struct archive *archive;
        layerstack_write_fn write;
        void *userdata;
        int write_error; /* the first error of the write callback */
        bool discard;    /* drop what libarchive writes: after an error, or while freed unfinished */
        struct seen_inode *seen;
        size_t n_seen;
        char buf[COPY_BUFFER_SIZE];
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive_entry *, archive_entry_free)

/* A failed write is reported as a success, so that libarchive stays
 * usable and frees everything. The writer discards the rest, and the
 * callers check write_error after each call. */
static la_ssize_t write_callback(struct archive *a, void *userdata, const void *buf, size_t len)
{
        struct layerstack_tar *t = userdata;
        int r;

        (void)a;
        if (t->discard)
                return (la_ssize_t)len;
        r = t->write(t->userdata, buf, len);
        if (r < 0) {
                t->write_error = r;
                t->discard = true;
        }
        return (la_ssize_t)len;
}

int layerstack_tar_new(layerstack_write_fn write, void *userdata, struct layerstack_tar **ret, struct error *err)
{
        _cleanup_(layerstack_tar_freep) struct layerstack_tar *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        t->write = write;
        t->userdata = userdata;
        t->archive = archive_write_new();
        if (!t->archive)
                return -ENOMEM;

        /* No blocking: an empty archive is exactly its two zero blocks,
         * the 1024 bytes whose digest is the diff ID of Docker's empty
         * layer. */
        if (archive_write_set_format_pax_restricted(t->archive) != ARCHIVE_OK ||
            archive_write_set_bytes_per_block(t->archive, 0) != ARCHIVE_OK ||
            archive_write_open2(t->archive, t, NULL, write_callback, NULL, NULL) != ARCHIVE_OK)
                return error_set(err, -EIO, "failed to start a tar: %s", archive_error_string(t->archive));
        *ret = TAKE_PTR(t);
        return 0;
}

void layerstack_tar_free(struct layerstack_tar *t)
{
        if (!t)
                return;
        if (t->archive) {
                /* Freeing closes the archive, which writes its last
                 * blocks: an unfinished tar must not look complete. */
                t->discard = true;
                archive_write_free(t->archive);
        }
        for (size_t i = 0; i < t->n_seen; i++)
                free(t->seen[i].path);
        free(t->seen);
        free(t);
}

static int archive_failed(struct layerstack_tar *t, const char *path, struct error *err)
{
        if (t->write_error < 0)
                return error_set_errno(err, t->write_error, "failed to write the tar");
        return error_set(err, -EIO, "failed to add %s to the tar: %s", path, archive_error_string(t->archive));
}

/* Returns the first path of st's inode, or records path as that. */
static int hardlink_target(struct layerstack_tar *t, const char *path, const struct stat *st, const char **ret)
{
        struct seen_inode *grown;

        *ret = NULL;
        if (S_ISDIR(st->st_mode) || st->st_nlink <= 1)
                return 0;
        for (size_t i = 0; i < t->n_seen; i++)
                if (t->seen[i].dev == st->st_dev && t->seen[i].ino == st->st_ino) {
                        *ret = t->seen[i].path;
                        return 0;
                }

        grown = realloc(t->seen, (t->n_seen + 1) * sizeof(*grown));
        if (!grown)
                return -ENOMEM;
        t->seen = grown;
        t->seen[t->n_seen].path = strdup(path);
        if (!t->seen[t->n_seen].path)
                return -ENOMEM;
        t->seen[t->n_seen].dev = st->st_dev;
        t->seen[t->n_seen].ino = st->st_ino;
        t->n_seen++;
        return 0;
}

static struct archive_entry *entry_new(const char *path, const struct stat *st)
{
        struct archive_entry *e = archive_entry_new();
        _cleanup_free_ char *name = NULL;

        if (!e)
                return NULL;
        if (S_ISDIR(st->st_mode) && asprintf(&name, "%s/", path) < 0) {
                archive_entry_free(e);
                return NULL;
        }
        archive_entry_set_pathname(e, name ?: path);
        archive_entry_set_mode(e, st->st_mode);
        archive_entry_set_uid(e, st->st_uid);
        archive_entry_set_gid(e, st->st_gid);
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);
        if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
                archive_entry_set_rdev(e, st->st_rdev);
        return e;
}

/* Opens a regular file for its content: never through a symlink and never
 * blocking on a FIFO that replaced it. -ENOENT when it is gone or no
 * longer a regular file. */
static int open_content(int dir_fd, const char *name, struct stat *ret_st)
{
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

        if (fd < 0)
                return errno == ELOOP || errno == ENXIO ? -ENOENT : -errno;
        if (fstat(fd, ret_st) < 0)
                return -errno;
        if (!S_ISREG(ret_st->st_mode))
                return -ENOENT;
        return TAKE_FD(fd);
}

static void add_capability(struct archive_entry *e, int fd)
{
        char value[CAPABILITY_MAX];
        ssize_t n = fgetxattr(fd, FILE_CAPABILITY_XATTR, value, sizeof(value));

        if (n > 0)
                archive_entry_xattr_add_entry(e, FILE_CAPABILITY_XATTR, value, (size_t)n);
}

/* Copies size bytes of fd. A file that shrank meanwhile is padded with
 * zeros by libarchive; one that grew is cut at size. */
static int copy_content(struct layerstack_tar *t, int fd, int64_t size, const char *path, struct error *err)
{
        while (size > 0) {
                ssize_t n = read(fd, t->buf, (size_t)MIN(size, (int64_t)sizeof(t->buf)));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, -errno, "failed to read %s", path);
                if (n == 0)
                        break;
                if (archive_write_data(t->archive, t->buf, (size_t)n) < 0 || t->write_error < 0)
                        return archive_failed(t, path, err);
                size -= n;
        }
        return 0;
}

static int write_header(struct layerstack_tar *t, struct archive_entry *e, const char *path, struct error *err)
{
        int r = archive_write_header(t->archive, e);

        /* A warning is a name that is not valid in the locale's charset,
         * which libarchive stores as raw bytes. */
        if ((r != ARCHIVE_OK && r != ARCHIVE_WARN) || t->write_error < 0)
                return archive_failed(t, path, err);
        return 0;
}

static int add_regular(struct layerstack_tar *t, struct archive_entry *e, const char *path, int dir_fd,
                       const char *name, struct error *err)
{
        _cleanup_close_ int fd = -1;
        struct stat now;
        int r;

        fd = open_content(dir_fd, name, &now);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open %s", path);

        archive_entry_set_size(e, now.st_size);
        add_capability(e, fd);
        r = write_header(t, e, path, err);
        if (r < 0)
                return r;
        return copy_content(t, fd, now.st_size, path, err);
}

int layerstack_tar_add(struct layerstack_tar *t, const char *path, int dir_fd, const char *name, const struct stat *st,
                       struct error *err)
{
        _cleanup_(archive_entry_freep) struct archive_entry *e = NULL;
        const char *link_target = NULL;
        char target[PATH_MAX + 1];
        int r;

        if (S_ISSOCK(st->st_mode))
                return 0;
        e = entry_new(path, st);
        if (!e)
                return -ENOMEM;

        r = hardlink_target(t, path, st, &link_target);
        if (r < 0)
                return r;
        if (link_target) {
                archive_entry_set_hardlink(e, link_target);
                archive_entry_set_size(e, 0);
                return write_header(t, e, path, err);
        }

        if (S_ISREG(st->st_mode))
                return add_regular(t, e, path, dir_fd, name, err);
        if (S_ISLNK(st->st_mode)) {
                ssize_t n = readlinkat(dir_fd, name, target, sizeof(target) - 1);

                if (n < 0 && (errno == ENOENT || errno == EINVAL))
                        return 0;
                if (n < 0)
                        return error_set_errno(err, -errno, "failed to read the symlink %s", path);
                target[n] = '\0';
                archive_entry_set_symlink(e, target);
        }
        return write_header(t, e, path, err);
}

static int add_empty_file(struct layerstack_tar *t, const char *path, mode_t mode, const struct stat *owner,
                          int64_t mtime, struct error *err)
{
        _cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();

        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, path);
        archive_entry_set_mode(e, S_IFREG | mode);
        archive_entry_set_uid(e, owner->st_uid);
        archive_entry_set_gid(e, owner->st_gid);
        archive_entry_set_mtime(e, mtime, 0);
        archive_entry_set_size(e, 0);
        return write_header(t, e, path, err);
}

int layerstack_tar_add_whiteout(struct layerstack_tar *t, const char *path, const struct stat *st, struct error *err)
{
        _cleanup_free_ char *whiteout = NULL;
        const char *slash = strrchr(path, '/');
        int dir_len = slash ? (int)(slash - path + 1) : 0;

        if (asprintf(&whiteout, "%.*s" WHITEOUT_PREFIX "%s", dir_len, path, path + dir_len) < 0)
                return -ENOMEM;
        return add_empty_file(t, whiteout, 0600, st, st->st_mtim.tv_sec, err);
}

int layerstack_tar_add_opaque(struct layerstack_tar *t, const char *path, const struct stat *dir_st, struct error *err)
{
        _cleanup_free_ char *marker = layerstack_path_join(path, WHITEOUT_OPAQUE);

        if (!marker)
                return -ENOMEM;
        return add_empty_file(t, marker, dir_st->st_mode & 0777, dir_st, 0, err);
}

int layerstack_tar_finish(struct layerstack_tar *t, struct error *err)
{
        int r = archive_write_close(t->archive);

        if (r != ARCHIVE_OK || t->write_error < 0)
                return archive_failed(t, "the end of the archive", err);
        archive_write_free(t->archive);
        t->archive = NULL;
        return 0;
}
