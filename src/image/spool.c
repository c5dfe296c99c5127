/* SPDX-License-Identifier: Apache-2.0 */
#include "spool.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "extract.h"
#include "fsutil.h"

#define LINK_HOPS_MAX 16

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)

struct member {
        char *path;     /* cleaned path inside the archive */
        char *link;     /* the cleaned path a link points to, or NULL */
        unsigned index; /* the spooled file's name, for regular files */
};

struct spool {
        int tmp_fd;
        char dirname[32];
        int dirfd;
        struct member *members;
        size_t n_members;
};

void spool_free(struct spool *sp)
{
        if (!sp)
                return;
        for (size_t i = 0; i < sp->n_members; i++) {
                free(sp->members[i].path);
                free(sp->members[i].link);
        }
        free(sp->members);
        if (sp->dirfd >= 0) {
                close(sp->dirfd);
                fs_rm_rf_at(sp->tmp_fd, sp->dirname);
        }
        free(sp);
}

static int add_member(struct spool *sp, char *path, char *link)
{
        struct member *grown = realloc(sp->members, (sp->n_members + 1) * sizeof(*sp->members));

        if (!grown) {
                free(path);
                free(link);
                return -ENOMEM;
        }
        sp->members = grown;
        sp->members[sp->n_members] = (struct member){ .path = path, .link = link, .index = (unsigned)sp->n_members };
        sp->n_members++;
        return 0;
}

static int copy_data(struct archive *a, int fd, struct error *err)
{
        const void *buf;
        size_t len;
        la_int64_t offset;

        for (;;) {
                int k = archive_read_data_block(a, &buf, &len, &offset);
                int r;

                if (k == ARCHIVE_EOF)
                        return 0;
                if (k < ARCHIVE_WARN)
                        return error_set(err, -EINVAL, "Error processing tar file: %s",
                                         archive_error_string(a) ?: "unreadable data");
                if (lseek(fd, offset, SEEK_SET) < 0)
                        return error_set_errno(err, -errno, "failed to store the archive");
                r = fs_write_all(fd, buf, len);
                if (r < 0)
                        return error_set_errno(err, r, "failed to store the archive");
        }
}

/* A symlink's target is relative to its own directory; a hard link's to
 * the archive root. */
static int link_path(const char *path, const char *target, bool symbolic, char **ret)
{
        _cleanup_free_ char *joined = NULL;
        const char *slash = strrchr(path, '/');

        if (!symbolic || target[0] == '/' || !slash)
                return extract_clean_path(target[0] == '/' ? target + 1 : target, ret);
        if (asprintf(&joined, "%.*s/%s", (int)(slash - path), path, target) < 0)
                return -ENOMEM;
        return extract_clean_path(joined, ret);
}

static int spool_entry(struct spool *sp, struct archive *a, struct archive_entry *e, struct error *err)
{
        _cleanup_free_ char *path = NULL, *link = NULL;
        const char *name = archive_entry_pathname(e), *hardlink = archive_entry_hardlink(e);
        _cleanup_close_ int fd = -1;
        char file[16];
        int r;

        if (!name || extract_clean_path(name[0] == '/' ? name + 1 : name, &path) < 0)
                return error_set(err, -EINVAL, "Error processing tar file: invalid member name \"%s\"", name ?: "");

        if (hardlink || archive_entry_filetype(e) == AE_IFLNK) {
                const char *target = hardlink ?: archive_entry_symlink(e);

                if (!target || link_path(path, target, !hardlink, &link) < 0)
                        return error_set(err, -EINVAL, "Error processing tar file: link \"%s\" leaves the archive",
                                         name);
                return add_member(sp, TAKE_PTR(path), TAKE_PTR(link));
        }
        if (archive_entry_filetype(e) != AE_IFREG)
                return 0;

        snprintf(file, sizeof(file), "%zu", sp->n_members);
        fd = openat(sp->dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return error_set_errno(err, -errno, "failed to store the archive");
        r = copy_data(a, fd, err);
        if (r < 0)
                return r;
        /* A sparse member may end in a hole. */
        if (ftruncate(fd, archive_entry_size(e)) < 0)
                return error_set_errno(err, -errno, "failed to store the archive");
        return add_member(sp, TAKE_PTR(path), NULL);
}

static int read_members(struct spool *sp, int fd, struct error *err)
{
        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();
        struct archive_entry *e;

        if (!a)
                return -ENOMEM;
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_empty(a);
        if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK)
                return error_set(err, -EINVAL, "Error processing tar file: %s",
                                 archive_error_string(a) ?: "unreadable");

        for (;;) {
                int k = archive_read_next_header(a, &e);
                int r;

                if (k == ARCHIVE_EOF)
                        return 0;
                if (k < ARCHIVE_WARN)
                        return error_set(err, -EINVAL, "Error processing tar file: %s",
                                         archive_error_string(a) ?: "unreadable header");
                r = spool_entry(sp, a, e, err);
                if (r < 0)
                        return r;
        }
}

int spool_archive(int tmp_fd, int fd, struct spool **ret, struct error *err)
{
        struct spool *sp = calloc(1, sizeof(*sp));
        uint64_t nonce;
        int r;

        if (!sp)
                return -ENOMEM;
        sp->tmp_fd = tmp_fd;
        sp->dirfd = -1;

        if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce)) {
                free(sp);
                return error_set_errno(err, -errno, "failed to create a temporary directory");
        }
        snprintf(sp->dirname, sizeof(sp->dirname), "load-%016llx", (unsigned long long)nonce);
        if (mkdirat(tmp_fd, sp->dirname, 0700) < 0) {
                free(sp);
                return error_set_errno(err, -errno, "failed to create a temporary directory");
        }
        sp->dirfd = openat(tmp_fd, sp->dirname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sp->dirfd < 0) {
                r = error_set_errno(err, -errno, "failed to open a temporary directory");
                fs_rm_rf_at(tmp_fd, sp->dirname);
                free(sp);
                return r;
        }

        r = read_members(sp, fd, err);
        if (r < 0) {
                spool_free(sp);
                return r;
        }
        *ret = sp;
        return 0;
}

/* The last member at path wins, as when a tar is extracted. */
static struct member *find_member(struct spool *sp, const char *path)
{
        for (size_t i = sp->n_members; i > 0; i--)
                if (streq(sp->members[i - 1].path, path))
                        return &sp->members[i - 1];
        return NULL;
}

static struct member *resolve(struct spool *sp, const char *path)
{
        _cleanup_free_ char *clean = NULL;
        struct member *m;

        if (extract_clean_path(path, &clean) < 0)
                return NULL;
        m = find_member(sp, clean);
        for (unsigned hops = 0; m && m->link; hops++) {
                if (hops == LINK_HOPS_MAX)
                        return NULL;
                m = find_member(sp, m->link);
        }
        return m;
}

bool spool_has(struct spool *sp, const char *path)
{
        return resolve(sp, path) != NULL;
}

int spool_open(struct spool *sp, const char *path, int *ret_fd, struct error *err)
{
        struct member *m = resolve(sp, path);
        char file[16];
        int fd;

        if (!m)
                return error_set(err, -ENOENT, "invalid archive: file \"%s\" is missing", path);
        snprintf(file, sizeof(file), "%u", m->index);
        fd = openat(sp->dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, -errno, "failed to open \"%s\" of the archive", path);
        *ret_fd = fd;
        return 0;
}

int spool_read(struct spool *sp, const char *path, size_t max, char **ret, size_t *ret_len, struct error *err)
{
        struct member *m = resolve(sp, path);
        char file[16];
        int r;

        if (!m)
                return error_set(err, -ENOENT, "invalid archive: file \"%s\" is missing", path);
        snprintf(file, sizeof(file), "%u", m->index);
        r = fs_read_file_at(sp->dirfd, file, max, ret, ret_len);
        if (r == -EFBIG)
                return error_set(err, r, "invalid archive: \"%s\" is larger than %zu bytes", path, max);
        if (r < 0)
                return error_set_errno(err, r, "failed to read \"%s\" of the archive", path);
        return 0;
}
