/* SPDX-License-Identifier: Apache-2.0 */
/* Extracting the tar archive of PUT /containers/{id}/archive with the
 * rules of dockerd's archive.Unpack, by file descriptor in the scope of
 * the container's root. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "copy.h"
#include "fsutil.h"
#include "image/extract.h"
#include "strv.h"
#include "userns.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)

struct extractor {
        struct archive *a;
        int root_fd;
        const char *dest; /* absolute path of the destination in the container */
        const struct copy_extract_options *opts;
        const char *name;  /* the entry being extracted, for messages */
        char *parent_path; /* the parent directory of the last entry, and its fd */
        int parent_fd;
        struct extract_dir_times dirs; /* absolute paths in the container */
        struct error *err;
};

static int fail_errno(struct extractor *x, int code, const char *step, const char *path)
{
        return error_set(x->err, code, "%s %s: %s", step, path, strerror(-code));
}

/* Joins the destination and a tar entry name lexically, as Go's
 * filepath.Join does. Returns -EXDEV when the result leaves dest. */
static int join_in_dest(const char *dest, const char *name, char **ret)
{
        _cleanup_strv_free_ char **parts = strv_split(name, "/", false);
        _cleanup_free_ const char **kept = NULL;
        size_t n = 0, len = strlen(dest) + strlen(name) + 2;
        char *out, *p;

        if (!parts)
                return -ENOMEM;
        kept = calloc(strv_length(parts) + 1, sizeof(*kept));
        out = malloc(len);
        if (!kept || !out) {
                free(out);
                return -ENOMEM;
        }
        STRV_FOREACH (part, parts) {
                if (streq(*part, "."))
                        continue;
                if (streq(*part, "..")) {
                        if (n == 0) {
                                free(out);
                                return -EXDEV;
                        }
                        n--;
                        continue;
                }
                kept[n++] = *part;
        }
        p = out + sprintf(out, "%s", streq(dest, "/") ? "" : dest);
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "/%s", kept[i]);
        if (p == out)
                strcpy(out, "/");
        *ret = out;
        return 0;
}

/* Tells whether path is dest or below it. */
static bool inside(const char *dest, const char *path)
{
        const char *rest = startswith(path, dest);

        return streq(dest, "/") || (rest && (*rest == '\0' || *rest == '/'));
}

static void forget_parent(struct extractor *x)
{
        free(x->parent_path);
        x->parent_path = NULL;
        if (x->parent_fd >= 0)
                close(x->parent_fd);
        x->parent_fd = -1;
}

/* Opens the parent directory of path, creating what is missing as the
 * container's root, as dockerd's MkdirAllAndChownNew does. The last
 * parent is kept, since entries of one directory come together. */
static int open_parent(struct extractor *x, const char *path, int *ret_fd)
{
        _cleanup_free_ char *parent = strdup(path);
        struct copy_target t = { .parent_fd = -1, .fd = -1 };
        char *slash;
        int r;

        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        slash[slash == parent ? 1 : 0] = '\0';
        if (x->parent_path && streq(x->parent_path, parent)) {
                *ret_fd = x->parent_fd;
                return 0;
        }

        r = copy_resolve(x->root_fd, parent, COPY_FOLLOW_FINAL | COPY_CREATE_DIRS, x->opts->root_uid, x->opts->root_gid,
                         &t);
        if (r < 0)
                return fail_errno(x, r, "mkdir", parent);
        if (copy_on_pseudo_fs(t.fd)) {
                copy_target_clear(&t);
                return fail_errno(x, -EROFS, "mkdir", parent);
        }
        forget_parent(x);
        x->parent_path = TAKE_PTR(parent);
        x->parent_fd = TAKE_FD(t.fd);
        copy_target_clear(&t);
        *ret_fd = x->parent_fd;
        return 0;
}

/* dockerd's handling of what exists at path: directories merge, anything
 * else is removed first, unless noOverwriteDirNonDir forbids it. Returns
 * 1 when an existing directory is kept. */
static int replace_existing(struct extractor *x, int parent_fd, const char *base, const char *path, bool is_dir)
{
        struct stat st;
        int r;

        if (fstatat(parent_fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : fail_errno(x, -errno, "lstat", path);
        if (x->opts->no_overwrite_dir_non_dir && S_ISDIR(st.st_mode) && !is_dir)
                return error_set(x->err, -EISDIR, "cannot overwrite directory \"%s\" with non-directory \"%s\"", path,
                                 x->dest);
        if (x->opts->no_overwrite_dir_non_dir && !S_ISDIR(st.st_mode) && is_dir)
                return error_set(x->err, -ENOTDIR, "cannot overwrite non-directory \"%s\" with directory \"%s\"", path,
                                 x->dest);
        if (S_ISDIR(st.st_mode) && is_dir)
                return 1;

        r = fs_rm_rf_at(parent_fd, base);
        if (r < 0)
                return fail_errno(x, r, "remove", path);
        /* The kept parent may have been what was removed: the next entry
         * resolves its parent again. */
        free(x->parent_path);
        x->parent_path = NULL;
        return 0;
}

static int write_data(struct extractor *x, int fd, int64_t size, const char *path)
{
        enum extract_data_step step;
        int r = extract_entry_data(x->a, fd, size, &step);

        if (r >= 0)
                return 0;
        switch (step) {
        case EXTRACT_DATA_READ:
                return error_set(x->err, -EIO, "%s", archive_error_string(x->a) ?: "unexpected EOF");
        case EXTRACT_DATA_WRITE:
                return fail_errno(x, r, "write", path);
        case EXTRACT_DATA_TRUNCATE:
                break;
        }
        return fail_errno(x, r, "truncate", path);
}

static int create_regular(struct extractor *x, struct archive_entry *e, int parent_fd, const char *base,
                          const char *path)
{
        _cleanup_close_ int fd = -1;

        fd = openat(parent_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return fail_errno(x, -errno, "open", path);
        return write_data(x, fd, archive_entry_size(e), path);
}

/* dockerd's check: a relative target, taken from the link's directory,
 * may not lead out of the destination. dockerd joins an absolute target
 * to that directory, so it always stays inside. */
static int create_symlink(struct extractor *x, struct archive_entry *e, int parent_fd, const char *base,
                          const char *path)
{
        const char *target = archive_entry_symlink(e);
        _cleanup_free_ char *dir = strdup(path), *joined = NULL;
        int r;

        if (!dir || !target)
                return error_set(x->err, -EINVAL, "invalid symlink \"%s\" -> \"\"", path);
        *strrchr(dir, '/') = '\0';
        r = target[0] == '/' ? 0 : join_in_dest(isempty(dir) ? "/" : dir, target, &joined);
        if (r == -EXDEV || (joined && !inside(x->dest, joined)))
                return error_set(x->err, -EXDEV, "invalid symlink \"%s\" -> \"%s\"", path, target);
        if (r < 0)
                return r;
        if (symlinkat(target, parent_fd, base) < 0)
                return fail_errno(x, -errno, "symlink", path);
        return 0;
}

static int create_hardlink(struct extractor *x, const char *link, int parent_fd, const char *base, const char *path)
{
        _cleanup_free_ char *target = NULL;
        struct copy_target t = { .parent_fd = -1, .fd = -1 };
        int r;

        r = join_in_dest(x->dest, link, &target);
        if (r == -EXDEV)
                return error_set(x->err, -EXDEV, "invalid hardlink \"%s\" -> \"%s\"", path, link);
        if (r < 0)
                return r;
        /* As link(2) in dockerd's chroot: the target's directories are
         * followed, the target itself is not. */
        r = copy_resolve(x->root_fd, target, 0, 0, 0, &t);
        if (r >= 0 && (t.fd < 0 || t.parent_fd < 0))
                r = -ENOENT;
        if (r >= 0 && linkat(t.parent_fd, t.name, parent_fd, base, 0) < 0)
                r = -errno;
        copy_target_clear(&t);
        if (r < 0)
                return fail_errno(x, r, "link", target);
        return 0;
}

static int create_node(struct extractor *x, struct archive_entry *e, int parent_fd, const char *base, const char *path)
{
        mode_t type = archive_entry_filetype(e);
        dev_t dev = type == AE_IFIFO ? 0 : archive_entry_rdev(e);

        if (mknodat(parent_fd, base, type | (archive_entry_perm(e) & 07777), dev) < 0)
                return fail_errno(x, -errno, "mknod", path);
        return 0;
}

static int create_entry(struct extractor *x, struct archive_entry *e, int parent_fd, const char *base, const char *path,
                        bool kept_dir)
{
        const char *link = archive_entry_hardlink(e);

        if (link)
                return create_hardlink(x, link, parent_fd, base, path);
        switch (archive_entry_filetype(e)) {
        case AE_IFDIR:
                if (!kept_dir && mkdirat(parent_fd, base, archive_entry_perm(e) & 07777) < 0)
                        return fail_errno(x, -errno, "mkdir", path);
                return 0;
        case AE_IFREG:
                return create_regular(x, e, parent_fd, base, path);
        case AE_IFLNK:
                return create_symlink(x, e, parent_fd, base, path);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                return create_node(x, e, parent_fd, base, path);
        default:
                return error_set(x->err, -EINVAL, "unhandled tar header type %o for \"%s\"",
                                 (unsigned)archive_entry_filetype(e), x->name);
        }
}

/* The owner on the host: the container's user with cp -a, else the
 * archive's ids mapped into the container's user namespace. */
static int entry_owner(struct extractor *x, struct archive_entry *e, uid_t *ret_uid, gid_t *ret_gid)
{
        int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);

        if (x->opts->chown_to_user) {
                *ret_uid = x->opts->uid;
                *ret_gid = x->opts->gid;
                return 0;
        }
        if (uid < 0 || uid > UINT32_MAX - 1 || gid < 0 || gid > UINT32_MAX - 1)
                return error_set(x->err, -EINVAL, "invalid owner %lld:%lld of \"%s\"", (long long)uid, (long long)gid,
                                 x->name);
        if (x->opts->maps.uids && (uid = userns_idmap_to_host(x->opts->maps.uids, (uint32_t)uid)) < 0)
                return error_set(x->err, -EINVAL, "Container ID %lld cannot be mapped to a host ID",
                                 (long long)archive_entry_uid(e));
        if (x->opts->maps.gids && (gid = userns_idmap_to_host(x->opts->maps.gids, (uint32_t)gid)) < 0)
                return error_set(x->err, -EINVAL, "Container ID %lld cannot be mapped to a host ID",
                                 (long long)archive_entry_gid(e));
        *ret_uid = (uid_t)uid;
        *ret_gid = (gid_t)gid;
        return 0;
}

/* Archive xattrs in the overlay namespaces are dropped: they would be
 * overlayfs metadata (redirects, opaque markers) in the writable layer. */
static int apply_xattrs(struct extractor *x, struct archive_entry *e, int parent_fd, const char *base, const char *path)
{
        int r = extract_entry_xattrs(e, -1, parent_fd, base);

        if (r < 0)
                return fail_errno(x, r, "lsetxattr", path);
        return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ret[2])
{
        ret[1] = (struct timespec){ archive_entry_mtime(e), archive_entry_mtime_nsec(e) };
        ret[0] = ret[1];
        /* dockerd never sets an access time before the modification time. */
        if (archive_entry_atime_is_set(e) &&
            (archive_entry_atime(e) > ret[1].tv_sec ||
             (archive_entry_atime(e) == ret[1].tv_sec && archive_entry_atime_nsec(e) > ret[1].tv_nsec)))
                ret[0] = (struct timespec){ archive_entry_atime(e), archive_entry_atime_nsec(e) };
}

static int defer_dir_times(struct extractor *x, struct archive_entry *e, const char *path)
{
        struct timespec times[2];

        entry_times(e, times);
        return extract_dir_times_add(&x->dirs, path, times);
}

/* Owner, extended attributes, mode and times, in dockerd's order: the
 * mode after the owner, since chown clears the setuid bits. */
static int apply_metadata(struct extractor *x, struct archive_entry *e, int parent_fd, const char *base,
                          const char *path)
{
        mode_t type = archive_entry_hardlink(e) ? 0 : archive_entry_filetype(e);
        struct timespec times[2];
        uid_t uid = 0;
        gid_t gid = 0;
        int r;

        r = entry_owner(x, e, &uid, &gid);
        if (r < 0)
                return r;
        if (fchownat(parent_fd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return fail_errno(x, -errno, "lchown", path);
        r = apply_xattrs(x, e, parent_fd, base, path);
        if (r < 0)
                return r;
        if (type == 0)
                return 0;

        /* Never through a link: if the container has put one in place of
         * the entry meanwhile, the mode stays as it is (EOPNOTSUPP). */
        if (type != AE_IFLNK && fchmodat(parent_fd, base, archive_entry_perm(e) & 07777, AT_SYMLINK_NOFOLLOW) < 0 &&
            errno != EOPNOTSUPP)
                return fail_errno(x, -errno, "chmod", path);
        if (type == AE_IFDIR)
                return defer_dir_times(x, e, path);
        entry_times(e, times);
        if (utimensat(parent_fd, base, times, AT_SYMLINK_NOFOLLOW) < 0)
                return fail_errno(x, -errno, "chtimes", path);
        return 0;
}

static int extract_entry(struct extractor *x, struct archive_entry *e)
{
        _cleanup_free_ char *path = NULL;
        const char *base;
        bool is_dir = archive_entry_filetype(e) == AE_IFDIR && !archive_entry_hardlink(e);
        int parent_fd = -1, r, kept;

        x->name = archive_entry_pathname(e);
        if (!x->name)
                return error_set(x->err, -EINVAL, "an archive entry has no name");
        r = join_in_dest(x->dest, x->name, &path);
        if (r == -EXDEV)
                return error_set(x->err, -EXDEV, "\"%s\" is outside of \"%s\"", x->name, x->dest);
        if (r < 0)
                return r;
        /* The destination itself ("." in the archive) keeps what it has. */
        if (streq(path, x->dest))
                return is_dir ? 0
                              : error_set(x->err, -EINVAL, "cannot overwrite directory \"%s\" with \"%s\"", x->dest,
                                          x->name);

        r = open_parent(x, path, &parent_fd);
        if (r < 0)
                return r;
        base = strrchr(path, '/') + 1;
        kept = replace_existing(x, parent_fd, base, path, is_dir);
        if (kept < 0)
                return kept;
        r = create_entry(x, e, parent_fd, base, path, kept > 0);
        if (r < 0)
                return r;
        return apply_metadata(x, e, parent_fd, base, path);
}

static int apply_dir_times(struct extractor *x)
{
        for (size_t i = 0; i < x->dirs.n_items; i++) {
                const struct extract_dir_time *dir = &x->dirs.items[i];
                struct copy_target t = { .parent_fd = -1, .fd = -1 };
                int r = copy_resolve(x->root_fd, dir->path, 0, 0, 0, &t);

                /* A later entry may have replaced the directory. */
                if (r >= 0 && t.parent_fd >= 0 && t.fd >= 0 &&
                    utimensat(t.parent_fd, t.name, dir->times, AT_SYMLINK_NOFOLLOW) < 0)
                        r = -errno;
                copy_target_clear(&t);
                if (r < 0)
                        return fail_errno(x, r, "chtimes", dir->path);
        }
        return 0;
}

static int open_reader(int fd, struct archive **ret, struct error *err)
{
        _cleanup_(archive_read_freep) struct archive *a = archive_read_new();

        if (!a)
                return -ENOMEM;
        /* dockerd decompresses gzip, bzip2, xz and zstd bodies; an empty
         * body is an empty archive. */
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_empty(a);
        if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK)
                return error_set(err, -EINVAL, "%s", archive_error_string(a) ?: "unreadable archive");
        *ret = TAKE_PTR(a);
        return 0;
}

int copy_extract(int root_fd, const char *dest_path, int fd, const struct copy_extract_options *opts, struct error *err)
{
        _cleanup_(archive_read_freep) struct archive *a = NULL;
        struct extractor x = { .root_fd = root_fd, .dest = dest_path, .opts = opts, .parent_fd = -1, .err = err };
        struct archive_entry *e;
        int r;

        r = open_reader(fd, &a, err);
        if (r < 0)
                return r;
        x.a = a;
        for (;;) {
                int k = archive_read_next_header(a, &e);

                if (k == ARCHIVE_EOF)
                        break;
                if (k < ARCHIVE_WARN) {
                        r = error_set(err, -EINVAL, "%s", archive_error_string(a) ?: "unreadable archive entry");
                        break;
                }
                r = extract_entry(&x, e);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = apply_dir_times(&x);

        extract_dir_times_free(&x.dirs);
        forget_parent(&x);
        return r;
}
