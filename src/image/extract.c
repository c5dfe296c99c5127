/* SPDX-License-Identifier: Apache-2.0 */
/* Creates the entries of a layer tar below the layer directory. */
#include "extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "fsutil.h"

#define WHITEOUT_PREFIX      ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE      ".wh..wh..opq"
#define OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"

struct extractor {
        struct archive *a;
        int rootfd;
        bool chown;
        const char *name;              /* the entry being extracted, for messages */
        struct extract_dir_times dirs; /* paths relative to rootfd */
        struct error *err;
};

static int entry_error(struct extractor *x, int code, const char *problem)
{
        return error_set(x->err, code, "invalid layer archive: entry \"%s\": %s", x->name, problem);
}

static int entry_error_errno(struct extractor *x, int code, const char *step)
{
        return error_set(x->err, code, "failed to extract \"%s\": %s: %s", x->name, step, strerror(-code));
}

static void entry_times(struct archive_entry *e, struct timespec ret[2])
{
        ret[1].tv_sec = archive_entry_mtime(e);
        ret[1].tv_nsec = archive_entry_mtime_nsec(e);
        ret[0] = ret[1];
        if (archive_entry_atime_is_set(e)) {
                ret[0].tv_sec = archive_entry_atime(e);
                ret[0].tv_nsec = archive_entry_atime_nsec(e);
        }
}

static int apply_xattrs(struct extractor *x, struct archive_entry *e, int fd, int parentfd, const char *base)
{
        int r = extract_entry_xattrs(e, fd, parentfd, base);

        if (r < 0)
                return entry_error_errno(x, r, "setting extended attributes failed");
        return 0;
}

/* Ownership, then mode (chown clears setuid bits), then xattrs (chown
 * clears security.capability too). */
static int apply_fd_metadata(struct extractor *x, struct archive_entry *e, int fd)
{
        if (x->chown && fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
                return entry_error_errno(x, -errno, "changing the owner failed");
        if (fchmod(fd, archive_entry_perm(e)) < 0)
                return entry_error_errno(x, -errno, "changing the mode failed");
        return apply_xattrs(x, e, fd, -1, NULL);
}

/* The same for entries that cannot be opened, by name below parentfd. */
static int apply_name_metadata(struct extractor *x, struct archive_entry *e, int parentfd, const char *base,
                               bool is_symlink)
{
        struct timespec times[2];
        int r;

        if (x->chown &&
            fchownat(parentfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error_errno(x, -errno, "changing the owner failed");
        /* fchmodat follows symlinks, so it is for the device node or FIFO
         * this entry just created with mknodat, never for a symlink. */
        if (!is_symlink && fchmodat(parentfd, base, archive_entry_perm(e), 0) < 0)
                return entry_error_errno(x, -errno, "changing the mode failed");
        r = apply_xattrs(x, e, -1, parentfd, base);
        if (r < 0)
                return r;

        entry_times(e, times);
        if (utimensat(parentfd, base, times, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error_errno(x, -errno, "setting the times failed");
        return 0;
}

/* Removes what an earlier entry left at parentfd/base, unless both are
 * directories, which merge. Returns 1 when a directory was kept. */
static int remove_existing(struct extractor *x, int parentfd, const char *base, bool is_dir)
{
        struct stat st;

        if (fstatat(parentfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : entry_error_errno(x, -errno, "inspecting the existing file failed");

        if (S_ISDIR(st.st_mode)) {
                int r;

                if (is_dir)
                        return 1;
                r = fs_rm_rf_at(parentfd, base);
                if (r < 0)
                        return entry_error_errno(x, r, "removing the existing directory failed");
                return 0;
        }
        if (unlinkat(parentfd, base, 0) < 0)
                return entry_error_errno(x, -errno, "removing the existing file failed");
        return 0;
}

static int write_data(struct extractor *x, int fd, int64_t size)
{
        enum extract_data_step step;
        int r = extract_entry_data(x->a, fd, size, &step);

        if (r >= 0)
                return 0;
        switch (step) {
        case EXTRACT_DATA_READ:
                return entry_error(x, -EINVAL, archive_error_string(x->a) ?: "reading the data failed");
        case EXTRACT_DATA_WRITE:
                return entry_error_errno(x, r, "writing the file failed");
        case EXTRACT_DATA_TRUNCATE:
                break;
        }
        return entry_error_errno(x, r, "setting the file size failed");
}

static int extract_regular(struct extractor *x, struct archive_entry *e, int parentfd, const char *base)
{
        _cleanup_close_ int fd = -1;
        struct timespec times[2];
        int r;

        r = remove_existing(x, parentfd, base, false);
        if (r < 0)
                return r;

        fd = openat(parentfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return entry_error_errno(x, -errno, "creating the file failed");

        r = write_data(x, fd, archive_entry_size(e));
        if (r < 0)
                return r;

        r = apply_fd_metadata(x, e, fd);
        if (r < 0)
                return r;

        entry_times(e, times);
        if (futimens(fd, times) < 0)
                return entry_error_errno(x, -errno, "setting the times failed");
        return 0;
}

static int defer_dir_times(struct extractor *x, struct archive_entry *e, const char *rel)
{
        struct timespec times[2];

        entry_times(e, times);
        return extract_dir_times_add(&x->dirs, rel, times);
}

static int extract_directory(struct extractor *x, struct archive_entry *e, int parentfd, const char *base,
                             const char *rel)
{
        _cleanup_close_ int fd = -1;
        int r;

        r = remove_existing(x, parentfd, base, true);
        if (r < 0)
                return r;
        if (r == 0 && mkdirat(parentfd, base, 0700) < 0)
                return entry_error_errno(x, -errno, "creating the directory failed");

        fd = openat(parentfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return entry_error_errno(x, -errno, "opening the directory failed");

        r = apply_fd_metadata(x, e, fd);
        if (r < 0)
                return r;
        return defer_dir_times(x, e, rel);
}

static int extract_symlink(struct extractor *x, struct archive_entry *e, int parentfd, const char *base)
{
        const char *target = archive_entry_symlink(e);
        int r;

        if (isempty(target))
                return entry_error(x, -EINVAL, "symbolic link without a target");

        r = remove_existing(x, parentfd, base, false);
        if (r < 0)
                return r;

        /* The target is only data: it is never followed here. */
        if (symlinkat(target, parentfd, base) < 0)
                return entry_error_errno(x, -errno, "creating the symbolic link failed");
        return apply_name_metadata(x, e, parentfd, base, true);
}

static int extract_hardlink(struct extractor *x, const char *target, int parentfd, const char *base, const char *rel)
{
        _cleanup_free_ char *target_rel = NULL;
        _cleanup_close_ int target_parent = -1;
        const char *target_base;
        char *slash;
        struct stat st;
        int r;

        r = extract_clean_path(target, &target_rel);
        if (r == -EINVAL || (r >= 0 && isempty(target_rel)))
                return entry_error(x, -EINVAL, "hard link target leaves the layer directory");
        if (r < 0)
                return r;
        if (streq(target_rel, rel))
                return entry_error(x, -EINVAL, "hard link to itself");

        slash = strrchr(target_rel, '/');
        target_base = slash ? slash + 1 : target_rel;
        if (slash)
                *slash = '\0';

        r = extract_open_dir(x->rootfd, slash ? target_rel : "", false, &target_parent);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return entry_error(x, -EINVAL,
                                   "hard link target is not inside the layer (a parent is missing, "
                                   "a symbolic link or not a directory)");
        if (fstatat(target_parent, target_base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error(x, -EINVAL, "hard link target does not exist in the layer");
        if (S_ISDIR(st.st_mode))
                return entry_error(x, -EINVAL, "hard link target is a directory");

        r = remove_existing(x, parentfd, base, false);
        if (r < 0)
                return r;

        /* linkat without AT_SYMLINK_FOLLOW links a symlink itself, never
         * what it points to. */
        if (linkat(target_parent, target_base, parentfd, base, 0) < 0)
                return entry_error_errno(x, -errno, "creating the hard link failed");
        return 0;
}

/* NOTE: only root creates device nodes, and overlay whiteouts need the
 * trusted.overlay namespace, so a rootless daemon cannot extract images
 * that contain either yet. Docker skips device nodes in a user namespace. */
static int extract_node(struct extractor *x, struct archive_entry *e, int parentfd, const char *base)
{
        mode_t type = archive_entry_filetype(e);
        dev_t dev = type == AE_IFIFO ? 0 : archive_entry_rdev(e);
        int r;

        r = remove_existing(x, parentfd, base, false);
        if (r < 0)
                return r;
        if (mknodat(parentfd, base, type | archive_entry_perm(e), dev) < 0)
                return entry_error_errno(x, -errno, "creating the device node failed");
        return apply_name_metadata(x, e, parentfd, base, false);
}

/* ".wh..wh..opq" marks its directory opaque; ".wh.NAME" hides NAME of the
 * layers below with a 0:0 character device, as overlayfs expects. */
static int extract_whiteout(struct extractor *x, struct archive_entry *e, int parentfd, const char *base)
{
        const char *hidden;
        int r;

        if (streq(base, WHITEOUT_OPAQUE)) {
                if (fsetxattr(parentfd, OVERLAY_OPAQUE_XATTR, "y", 1, 0) < 0)
                        return entry_error_errno(x, -errno, "marking the directory opaque failed");
                return 0;
        }
        /* Other AUFS metadata (.wh..wh.plnk, .wh..wh.aufs) means nothing
         * to overlayfs; Docker skips it too. */
        if (startswith(base, WHITEOUT_META_PREFIX))
                return 0;

        hidden = base + strlen(WHITEOUT_PREFIX);
        if (isempty(hidden) || streq(hidden, ".") || streq(hidden, ".."))
                return entry_error(x, -EINVAL, "whiteout without a valid name");

        r = remove_existing(x, parentfd, hidden, false);
        if (r < 0)
                return r;
        if (mknodat(parentfd, hidden, S_IFCHR, makedev(0, 0)) < 0)
                return entry_error_errno(x, -errno, "creating the whiteout failed");
        if (x->chown && fchownat(parentfd, hidden, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                                 AT_SYMLINK_NOFOLLOW) < 0)
                return entry_error_errno(x, -errno, "changing the owner failed");
        return 0;
}

static int extract_by_type(struct extractor *x, struct archive_entry *e, int parentfd, const char *base,
                           const char *rel)
{
        const char *hardlink = archive_entry_hardlink(e);

        if (startswith(base, WHITEOUT_PREFIX))
                return extract_whiteout(x, e, parentfd, base);
        if (hardlink)
                return extract_hardlink(x, hardlink, parentfd, base, rel);

        switch (archive_entry_filetype(e)) {
        case AE_IFREG:
                return extract_regular(x, e, parentfd, base);
        case AE_IFDIR:
                return extract_directory(x, e, parentfd, base, rel);
        case AE_IFLNK:
                return extract_symlink(x, e, parentfd, base);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                return extract_node(x, e, parentfd, base);
        default:
                return entry_error(x, -EINVAL, "unsupported entry type");
        }
}

static int extract_entry(struct extractor *x, struct archive_entry *e)
{
        _cleanup_free_ char *rel = NULL, *parent = NULL;
        _cleanup_close_ int parentfd = -1;
        const char *slash, *base;
        int r;

        x->name = archive_entry_pathname(e);
        if (!x->name)
                return error_set(x->err, -EINVAL, "invalid layer archive: an entry has no name");

        r = extract_clean_path(x->name, &rel);
        if (r == -EINVAL)
                return entry_error(x, r, x->name[0] == '/' ? "absolute path" : "path leaves the layer directory");
        if (r < 0)
                return r;

        /* The root itself keeps the mode the store gave it, as Docker's
         * overlay2 driver does. */
        if (isempty(rel)) {
                if (archive_entry_filetype(e) != AE_IFDIR || archive_entry_hardlink(e))
                        return entry_error(x, -EINVAL, "the layer root is not a directory");
                return 0;
        }

        slash = strrchr(rel, '/');
        base = slash ? slash + 1 : rel;
        parent = slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
        if (!parent)
                return -ENOMEM;

        r = extract_open_dir(x->rootfd, parent, true, &parentfd);
        if (r == -ELOOP || r == -ENOTDIR || r == -EXDEV)
                return entry_error(x, -EINVAL, "a parent directory is a symbolic link or not a directory");
        if (r < 0)
                return entry_error_errno(x, r, "opening the parent directory failed");

        return extract_by_type(x, e, parentfd, base, rel);
}

static int apply_dir_times(struct extractor *x)
{
        for (size_t i = 0; i < x->dirs.n_items; i++) {
                const struct extract_dir_time *dir = &x->dirs.items[i];
                _cleanup_close_ int fd = -1;

                /* A later entry may have replaced the directory. */
                if (extract_open_dir(x->rootfd, dir->path, false, &fd) < 0)
                        continue;
                if (futimens(fd, dir->times) < 0)
                        return error_set_errno(x->err, -errno, "failed to set the times of \"%s\"", dir->path);
        }
        return 0;
}

int extract_archive(struct archive *a, int rootfd, struct error *err)
{
        struct extractor x = {
                .a = a,
                .rootfd = rootfd,
                .chown = geteuid() == 0,
                .err = err,
        };
        struct archive_entry *e;
        int r = 0;

        for (;;) {
                int k = archive_read_next_header(a, &e);

                if (k == ARCHIVE_EOF)
                        break;
                if (k < ARCHIVE_WARN) {
                        r = error_set(err, -EINVAL, "invalid layer archive: %s",
                                      archive_error_string(a) ?: "unreadable entry");
                        break;
                }
                r = extract_entry(&x, e);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = apply_dir_times(&x);

        extract_dir_times_free(&x.dirs);
        return r;
}
