/* SPDX-License-Identifier: Apache-2.0 */
/* The tar archive of GET /containers/{id}/archive. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "copy.h"
#include "userns.h"

/* The uid and gid of files the container's user namespace does not map,
 * as the kernel shows them inside (overflowuid). */
#define UNMAPPED_ID 65534

#define DATA_CHUNK (64 * 1024)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_write_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive_entry *, archive_entry_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

/* A file with several links, archived once; later names become hard links. */
struct linked_file {
        dev_t dev;
        ino_t ino;
        char *name;
};

struct tar_writer {
        struct archive *a;
        const struct copy_idmaps *maps;
        copy_write_fn write;
        void *userdata;
        int write_error; /* the callback's error, which libarchive does not keep */
        struct linked_file *links;
        size_t n_links;
        struct error *err;
};

static la_ssize_t write_callback(struct archive *a, void *userdata, const void *buffer, size_t length)
{
        struct tar_writer *w = userdata;
        int r = w->write(buffer, length, w->userdata);

        if (r < 0) {
                w->write_error = r;
                archive_set_error(a, -r, "writing the archive failed");
                return -1;
        }
        return (la_ssize_t)length;
}

static int tar_error(struct tar_writer *w, const char *name)
{
        if (w->write_error < 0)
                return w->write_error;
        return error_set(w->err, -EIO, "archiving %s failed: %s", name,
                         archive_error_string(w->a) ?: "libarchive error");
}

static int64_t to_container(const struct userns_idmap *map, uint32_t id)
{
        int64_t mapped;

        if (!map)
                return id;
        mapped = userns_idmap_to_container(map, id);
        return mapped < 0 ? UNMAPPED_ID : mapped;
}

/* Returns the name of an earlier entry this file is a hard link of, or
 * records it as the first one. */
static const char *hardlink_of(struct tar_writer *w, const struct stat *st, const char *name)
{
        struct linked_file *grown;

        if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
                return NULL;
        for (size_t i = 0; i < w->n_links; i++)
                if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino)
                        return w->links[i].name;
        grown = realloc(w->links, (w->n_links + 1) * sizeof(*grown));
        if (!grown)
                return NULL;
        w->links = grown;
        w->links[w->n_links] = (struct linked_file){ .dev = st->st_dev, .ino = st->st_ino, .name = strdup(name) };
        if (w->links[w->n_links].name)
                w->n_links++;
        return NULL;
}

/* Copies exactly size bytes of fd into the entry: a file that shrank
 * meanwhile is padded with zeros, one that grew is cut, so the archive
 * stays well formed. */
static int write_data(struct tar_writer *w, int fd, int64_t size, const char *name)
{
        _cleanup_free_ char *buf = malloc(DATA_CHUNK);
        int64_t done = 0;

        if (!buf)
                return -ENOMEM;
        while (done < size) {
                size_t want = (size_t)MIN((int64_t)DATA_CHUNK, size - done);
                ssize_t n = read(fd, buf, want);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(w->err, -errno, "reading %s failed", name);
                if (n == 0) {
                        memset(buf, 0, want);
                        n = (ssize_t)want;
                }
                if (archive_write_data(w->a, buf, (size_t)n) < 0)
                        return tar_error(w, name);
                done += n;
        }
        return 0;
}

static void add_capability_xattr(struct archive_entry *e, int fd)
{
        char value[256];
        ssize_t n = fgetxattr(fd, "security.capability", value, sizeof(value));

        /* dockerd archives this attribute only, for file capabilities. */
        if (n > 0)
                archive_entry_xattr_add_entry(e, "security.capability", value, (size_t)n);
}

static int write_entry(struct tar_writer *w, int dirfd, const char *base, const char *name, const struct stat *st,
                       int fd)
{
        _cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();
        const char *link = hardlink_of(w, st, name);

        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, name);
        archive_entry_set_mode(e, st->st_mode);
        archive_entry_set_uid(e, to_container(w->maps->uids, st->st_uid));
        archive_entry_set_gid(e, to_container(w->maps->gids, st->st_gid));
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);

        if (link) {
                archive_entry_set_hardlink(e, link);
                archive_entry_set_size(e, 0);
        } else if (S_ISREG(st->st_mode))
                archive_entry_set_size(e, st->st_size);
        else if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(dirfd, base, target, sizeof(target) - 1);

                if (n < 0)
                        return error_set_errno(w->err, -errno, "reading the link %s failed", name);
                target[n] = '\0';
                archive_entry_set_symlink(e, target);
        } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
                archive_entry_set_rdev(e, st->st_rdev);
        if (fd >= 0)
                add_capability_xattr(e, fd);

        if (archive_write_header(w->a, e) < ARCHIVE_WARN)
                return tar_error(w, name);
        if (!link && S_ISREG(st->st_mode))
                return write_data(w, fd, st->st_size, name);
        return 0;
}

static int compare_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char ***names)
{
        for (char **p = *names; p && *p; p++)
                free(*p);
        free(*names);
}

/* Lists a directory's entries sorted by name, as Go's filepath.Walk
 * visits them. */
static int list_dir(int fd, char ***ret)
{
        _cleanup_(closedirp) DIR *dir = NULL;
        _cleanup_(free_names) char **names = NULL;
        size_t n = 0, allocated = 0;
        struct dirent *de;
        int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

        if (dup_fd < 0)
                return -errno;
        dir = fdopendir(dup_fd);
        if (!dir) {
                close(dup_fd);
                return -errno;
        }
        while ((errno = 0, de = readdir(dir))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (n + 2 > allocated) {
                        char **grown = realloc(names, (allocated = allocated ? allocated * 2 : 32) * sizeof(*grown));

                        if (!grown)
                                return -ENOMEM;
                        names = grown;
                }
                names[n] = strdup(de->d_name);
                if (!names[n])
                        return -ENOMEM;
                names[++n] = NULL;
        }
        if (errno)
                return -errno;
        if (n > 0)
                qsort(names, n, sizeof(*names), compare_names);
        *ret = TAKE_PTR(names);
        return 0;
}

static int write_tree(struct tar_writer *w, int dirfd, const char *base, const char *name);

static int write_children(struct tar_writer *w, int fd, const char *name)
{
        _cleanup_(free_names) char **children = NULL;
        int r;

        r = list_dir(fd, &children);
        if (r < 0)
                return error_set_errno(w->err, r, "listing %s failed", name);
        for (char **child = children; child && *child; child++) {
                _cleanup_free_ char *child_name = NULL;

                if (asprintf(&child_name, "%s%s%s", name, endswith(name, "/") ? "" : "/", *child) < 0)
                        return -ENOMEM;
                r = write_tree(w, fd, *child, child_name);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Opens a regular file or directory dirfd/base without following it.
 * O_NONBLOCK keeps a FIFO swapped in meanwhile from blocking the open,
 * and the caller then finds its type changed. Returns -1 for other types. */
static int open_entry(int dirfd, const char *base, const struct stat *st)
{
        if (S_ISREG(st->st_mode))
                return openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (S_ISDIR(st->st_mode))
                return openat(dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return -1;
}

/* Archives dirfd/base as name, and everything below it. */
static int write_tree(struct tar_writer *w, int dirfd, const char *base, const char *name)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                /* Removed since the directory was listed. */
                return errno == ENOENT ? 0 : error_set_errno(w->err, -errno, "reading %s failed", name);
        if (S_ISSOCK(st.st_mode))
                return 0;

        if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
                struct stat opened;

                fd = open_entry(dirfd, base, &st);
                if (fd < 0)
                        return errno == ENOENT ? 0 : error_set_errno(w->err, -errno, "opening %s failed", name);
                /* What was opened is what was stat'ed, or the entry was
                 * replaced in between and its new type is archived. */
                if (fstat(fd, &opened) < 0)
                        return error_set_errno(w->err, -errno, "reading %s failed", name);
                if (opened.st_ino != st.st_ino || opened.st_dev != st.st_dev ||
                    (opened.st_mode & S_IFMT) != (st.st_mode & S_IFMT))
                        return error_set(w->err, -EAGAIN, "%s changed while it was archived", name);
                st = opened;
        }

        r = write_entry(w, dirfd, base, name, &st, fd);
        if (r < 0 || !S_ISDIR(st.st_mode) || copy_on_pseudo_fs(fd))
                return r;
        return write_children(w, fd, name);
}

int copy_tar_write(const struct copy_target *target, const char *top_name, const struct copy_idmaps *maps,
                   copy_write_fn write, void *userdata, struct error *err)
{
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        struct tar_writer w = { .a = a, .maps = maps, .write = write, .userdata = userdata, .err = err };
        int r;

        if (!a)
                return -ENOMEM;
        /* ustar, with pax headers only for what ustar cannot hold (long
         * names, large ids), as Go's archive/tar writes for dockerd. */
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK || archive_write_set_bytes_in_last_block(a, 1) ||
            archive_write_open(a, &w, NULL, write_callback, NULL) != ARCHIVE_OK)
                return error_set(err, -EIO, "starting the archive failed: %s", archive_error_string(a) ?: "");

        r = write_tree(&w, target->parent_fd, target->name, top_name);
        if (r >= 0 && archive_write_close(a) != ARCHIVE_OK)
                r = tar_error(&w, top_name);

        for (size_t i = 0; i < w.n_links; i++)
                free(w.links[i].name);
        free(w.links);
        return r;
}
