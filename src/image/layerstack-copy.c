/* SPDX-License-Identifier: Apache-2.0 */
/* Copying a directory of the merged layers out, for the image's files
 * that a new volume receives. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fsutil.h"
#include "layerstack-internal.h"
#include "strv.h"

struct copy {
        const struct layerstack *fs;
        layerstack_owner_fn owner;
        void *userdata;
};

/* Returns the fd of dir in the layer that contains entry, or -1. */
static int entry_dir_fd(const struct layerstack_dir *dir, const struct layerstack_entry *entry)
{
        for (size_t i = 0; i < dir->n; i++)
                if (dir->layers[i] == entry->layer)
                        return dir->fds[i];
        return -1;
}

/* Gives dest_fd/name the owner, mode and times of st (owner first, so
 * that set-id bits survive). */
static int copy_metadata(struct copy *cp, int dest_fd, const char *name, const struct stat *st)
{
        uid_t uid = st->st_uid;
        gid_t gid = st->st_gid;
        struct timespec times[2] = { st->st_atim, st->st_mtim };
        int flags = name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH;
        const char *path = name ? name : "";

        if (cp->owner)
                cp->owner(&uid, &gid, cp->userdata);
        if (fchownat(dest_fd, path, uid, gid, flags) < 0)
                return -errno;
        if (!S_ISLNK(st->st_mode)) {
                int r = name ? fchmodat(dest_fd, name, st->st_mode & 07777, 0) : fchmod(dest_fd, st->st_mode & 07777);

                if (r < 0)
                        return -errno;
        }
        if (utimensat(dest_fd, path, times, flags) < 0)
                return -errno;
        return 0;
}

static int copy_file(int src_dir, int dest_fd, const char *name)
{
        _cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int out = -1;

        if (in < 0)
                return -errno;
        out = openat(dest_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return -errno;
        return fs_copy_fd(in, out);
}

static int copy_symlink(int src_dir, int dest_fd, const char *name, const struct stat *st)
{
        _cleanup_free_ char *target = malloc((size_t)st->st_size + 1);
        ssize_t n;

        if (!target)
                return -ENOMEM;
        n = readlinkat(src_dir, name, target, (size_t)st->st_size + 1);
        if (n < 0)
                return -errno;
        if ((size_t)n > (size_t)st->st_size)
                return -EIO;
        target[n] = '\0';
        return symlinkat(target, dest_fd, name) < 0 ? -errno : 0;
}

static int copy_tree(struct copy *cp, const struct layerstack_dir *dir, int dest_fd, unsigned depth, struct error *err);

static int copy_dir_entry(struct copy *cp, const struct layerstack_dir *dir, const struct layerstack_entry *entry,
                          int dest_fd, unsigned depth, struct error *err)
{
        _cleanup_(layerstack_dir_clear) struct layerstack_dir child = { 0 };
        _cleanup_close_ int child_fd = -1;
        int r;

        if (mkdirat(dest_fd, entry->name, 0700) < 0)
                return -errno;
        child_fd = openat(dest_fd, entry->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child_fd < 0)
                return -errno;
        r = layerstack_dir_open_child(cp->fs, dir, entry->name, &child);
        if (r >= 0)
                r = copy_tree(cp, &child, child_fd, depth + 1, err);
        /* The times last, after the entries changed them. */
        if (r >= 0)
                r = copy_metadata(cp, child_fd, NULL, &entry->st);
        return r;
}

static int copy_entry(struct copy *cp, const struct layerstack_dir *dir, const struct layerstack_entry *entry,
                      int dest_fd, unsigned depth, struct error *err)
{
        int src_dir = entry_dir_fd(dir, entry);
        mode_t type = entry->st.st_mode & S_IFMT;
        int r;

        if (src_dir < 0)
                return -ENOENT;
        switch (type) {
        case S_IFDIR:
                return copy_dir_entry(cp, dir, entry, dest_fd, depth, err);
        case S_IFREG:
                r = copy_file(src_dir, dest_fd, entry->name);
                break;
        case S_IFLNK:
                r = copy_symlink(src_dir, dest_fd, entry->name, &entry->st);
                break;
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
                r = mknodat(dest_fd, entry->name, type | 0600, entry->st.st_rdev) < 0 ? -errno : 0;
                break;
        default:
                /* Sockets are not copied, as Docker skips them in layers. */
                return 0;
        }
        if (r >= 0)
                r = copy_metadata(cp, dest_fd, entry->name, &entry->st);
        return r;
}

static int copy_tree(struct copy *cp, const struct layerstack_dir *dir, int dest_fd, unsigned depth, struct error *err)
{
        _cleanup_(layerstack_entries_clear) struct layerstack_entries entries = { 0 };
        int r;

        if (depth > LAYERSTACK_MAX_DEPTH)
                return error_set(err, -ELOOP, "the image's directories are nested deeper than %d levels",
                                 LAYERSTACK_MAX_DEPTH);
        r = layerstack_dir_list(cp->fs, dir, 0, &entries);
        if (r < 0)
                return r;
        for (size_t i = 0; i < entries.n; i++) {
                r = copy_entry(cp, dir, &entries.items[i], dest_fd, depth, err);
                if (r < 0)
                        return error_set_errno(err, r, "copying %s failed", entries.items[i].name);
        }
        return 0;
}

/* Opens path of the merged tree: -ENOENT when a component is missing or
 * is not a plain directory (a symbolic link is not followed). */
static int open_path(const struct layerstack *fs, const char *path, struct layerstack_dir *ret, struct stat *ret_st)
{
        _cleanup_strv_free_ char **parts = strv_split(path, "/", false);
        struct layerstack_dir dir = { 0 };
        int r;

        if (!parts)
                return -ENOMEM;
        r = layerstack_dir_open_root(fs, 0, &dir);
        if (r < 0)
                return r;
        if (fstat(dir.fds[0], ret_st) < 0) {
                layerstack_dir_clear(&dir);
                return -errno;
        }
        STRV_FOREACH (p, parts) {
                struct layerstack_entry entry = { 0 };
                struct layerstack_dir child = { 0 };

                if (isempty(*p) || streq(*p, "."))
                        continue;
                r = layerstack_dir_lookup(fs, &dir, *p, &entry);
                if (r >= 0 && !S_ISDIR(entry.st.st_mode))
                        r = S_ISLNK(entry.st.st_mode) ? -ENOENT : -ENOTDIR;
                if (r >= 0)
                        r = layerstack_dir_open_child(fs, &dir, *p, &child);
                layerstack_dir_clear(&dir);
                if (r < 0)
                        return r;
                dir = child;
                *ret_st = entry.st;
        }
        *ret = dir;
        return 0;
}

int layerstack_copy_dir(const struct layerstack *fs, const char *path, int dest_fd, layerstack_owner_fn owner,
                        void *userdata, struct error *err)
{
        _cleanup_(layerstack_dir_clear) struct layerstack_dir dir = { 0 };
        struct copy cp = { fs, owner, userdata };
        struct stat st;
        int r;

        r = open_path(fs, path, &dir, &st);
        if (r < 0 || dest_fd < 0)
                return r;
        r = copy_tree(&cp, &dir, dest_fd, 0, err);
        if (r >= 0)
                r = copy_metadata(&cp, dest_fd, NULL, &st);
        return r;
}
