/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker diff: the upper directory compared with the layers below it, with
 * the rules of dockerd 20.10's tree comparison (ChangesDirs in its archive
 * package). Only paths present in the upper directory can differ, so the
 * walk follows the upper directory and looks each name up below:
 *
 *  - a name missing below is added, and so is everything under it;
 *  - a name present below is modified when its mode, owner or device
 *    differs, for non-directories also its size or mtime (seconds, and
 *    nanoseconds unless one side has none), or its security.capability;
 *  - a whiteout of a name present below is a deletion, and so is every
 *    name below an opaque directory that the directory no longer holds;
 *  - a directory with any change inside is modified, unless it is added
 *    or modified itself, and it is listed before the changes inside it.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/xattr.h>

#include "jsonutil.h"
#include "layerstack-internal.h"
#include "strv.h"

enum change_kind {
        CHANGE_MODIFY = 0,
        CHANGE_ADD = 1,
        CHANGE_DELETE = 2,
};

struct change {
        char *path;
        enum change_kind kind;
};

struct walk {
        const struct layerstack *fs;
        struct change *items;
        size_t n, allocated;
        struct error *err;
};

static void walk_clear(struct walk *w)
{
        for (size_t i = 0; i < w->n; i++)
                free(w->items[i].path);
        free(w->items);
}

/* Inserts a change at position at (w->n appends). Takes path over. */
static int insert_change(struct walk *w, size_t at, char *path, enum change_kind kind)
{
        if (!path)
                return -ENOMEM;
        if (w->n == w->allocated) {
                size_t n = w->allocated ? w->allocated * 2 : 32;
                struct change *grown = realloc(w->items, n * sizeof(*grown));

                if (!grown) {
                        free(path);
                        return -ENOMEM;
                }
                w->items = grown;
                w->allocated = n;
        }
        memmove(&w->items[at + 1], &w->items[at], (w->n - at) * sizeof(*w->items));
        w->items[at] = (struct change){ .path = path, .kind = kind };
        w->n++;
        return 0;
}

static int add_change(struct walk *w, const char *path, enum change_kind kind)
{
        return insert_change(w, w->n, strdup(path), kind);
}

/* Paths here start with "/": the root is "", its children "/name". */
static char *child_path(const char *path, const char *name)
{
        char *child = NULL;

        if (asprintf(&child, "%s/%s", path, name) < 0)
                return NULL;
        return child;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
        return a->tv_sec == b->tv_sec && (a->tv_nsec == b->tv_nsec || a->tv_nsec == 0 || b->tv_nsec == 0);
}

/* dockerd's statDifferent: sizes and mtimes of directories change with
 * their entries, so they do not count. */
static bool stat_different(const struct stat *old, const struct stat *new)
{
        if (old->st_mode != new->st_mode || old->st_uid != new->st_uid || old->st_gid != new->st_gid ||
            old->st_rdev != new->st_rdev)
                return true;
        return !S_ISDIR(old->st_mode) && (!same_time(&old->st_mtim, &new->st_mtim) || old->st_size != new->st_size);
}

/* Reads name's security.capability in the directory dir_fd without
 * following a symlink: the /proc/self/fd link pins the directory. */
static ssize_t read_capability(int dir_fd, const char *name, char *buf, size_t size)
{
        char path[64 + NAME_MAX];
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir_fd, name);
        n = lgetxattr(path, FILE_CAPABILITY_XATTR, buf, size);
        return n < 0 ? 0 : n;
}

static int fd_of_layer(const struct layerstack_dir *dir, size_t layer)
{
        for (size_t i = 0; i < dir->n; i++)
                if (dir->layers[i] == layer)
                        return dir->fds[i];
        return -1;
}

static bool capability_different(const struct layerstack_dir *old_dir, const struct layerstack_entry *old,
                                 const struct layerstack_dir *upper, const char *name)
{
        char a[1024], b[1024];
        int old_fd = fd_of_layer(old_dir, old->layer);
        ssize_t na, nb;

        if (old_fd < 0)
                return false;
        na = read_capability(old_fd, name, a, sizeof(a));
        nb = read_capability(upper->fds[0], name, b, sizeof(b));
        return na != nb || memcmp(a, b, (size_t)na) != 0;
}

static int changes_dir(struct walk *w, const struct layerstack_dir *upper, const struct layerstack_dir *old,
                       const char *path, bool listed, unsigned depth);

/* The upper directory's child dir name and, when old has a directory
 * there, old's; then the changes inside. */
static int descend(struct walk *w, const struct layerstack_dir *upper, const struct layerstack_dir *old,
                   const char *name, bool old_is_dir, const char *path, bool listed, unsigned depth)
{
        struct layerstack_dir upper_child = { 0 }, old_child = { 0 };
        int r;

        r = layerstack_dir_open_top_child(upper, name, &upper_child);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return error_set_errno(w->err, r, "failed to open %s", path);

        if (old_is_dir) {
                r = layerstack_dir_open_child(w->fs, old, name, &old_child);
                if (r == -ENOENT || r == -ENOTDIR)
                        r = 0;
                else if (r < 0)
                        r = error_set_errno(w->err, r, "failed to open %s in the image", path);
        }
        if (r >= 0)
                r = changes_dir(w, &upper_child, old_child.n > 0 ? &old_child : NULL, path, listed, depth + 1);
        layerstack_dir_clear(&upper_child);
        layerstack_dir_clear(&old_child);
        return r;
}

static int change_entry(struct walk *w, const struct layerstack_dir *upper, const struct layerstack_dir *old,
                        const struct layerstack_entry *e, const char *path, unsigned depth)
{
        struct layerstack_entry before;
        bool listed = false;
        int r = -ENOENT;

        if (old) {
                r = layerstack_dir_lookup(w->fs, old, e->name, &before);
                if (r < 0 && r != -ENOENT)
                        return error_set_errno(w->err, r, "failed to read %s in the image", path);
        }
        if (r == -ENOENT) {
                r = add_change(w, path, CHANGE_ADD);
                if (r >= 0 && S_ISDIR(e->st.st_mode))
                        r = descend(w, upper, NULL, e->name, false, path, true, depth);
                return r;
        }

        if (stat_different(&before.st, &e->st) || capability_different(old, &before, upper, e->name)) {
                r = add_change(w, path, CHANGE_MODIFY);
                if (r < 0)
                        return r;
                listed = true;
        }
        if (!S_ISDIR(e->st.st_mode))
                return 0;
        return descend(w, upper, old, e->name, S_ISDIR(before.st.st_mode), path, listed, depth);
}

static bool listed_in(const struct layerstack_entries *list, const char *name)
{
        for (size_t i = 0; i < list->n; i++)
                if (!list->items[i].whiteout && streq(list->items[i].name, name))
                        return true;
        return false;
}

/* The names of old that were deleted: whited out, or not kept by an
 * opaque upper directory. */
static int collect_deletions(struct walk *w, const struct layerstack_dir *upper, const struct layerstack_dir *old,
                             const struct layerstack_entries *list, char ***ret)
{
        struct layerstack_entries before = { 0 };
        struct layerstack_entry e;
        int r = 0;

        for (size_t i = 0; i < list->n && r >= 0; i++) {
                if (!list->items[i].whiteout)
                        continue;
                r = layerstack_dir_lookup(w->fs, old, list->items[i].name, &e);
                if (r == -ENOENT) {
                        r = 0;
                        continue;
                }
                if (r >= 0)
                        r = strv_append(ret, list->items[i].name);
        }
        if (r < 0 || !upper->opaque)
                return r;

        r = layerstack_dir_list(w->fs, old, 0, &before);
        for (size_t i = 0; i < before.n && r >= 0; i++)
                if (!listed_in(list, before.items[i].name) && !strv_contains(*ret, before.items[i].name))
                        r = strv_append(ret, before.items[i].name);
        layerstack_entries_clear(&before);
        return r;
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int add_deletions(struct walk *w, const struct layerstack_dir *upper, const struct layerstack_dir *old,
                         const struct layerstack_entries *list, const char *path)
{
        _cleanup_strv_free_ char **deleted = NULL;
        int r;

        if (!old)
                return 0;
        r = collect_deletions(w, upper, old, list, &deleted);
        if (r < 0)
                return error_set_errno(w->err, r, "failed to compare %s with the image", *path ? path : "/");
        if (!deleted)
                return 0;

        qsort(deleted, strv_length(deleted), sizeof(char *), compare_strings);
        STRV_FOREACH (name, deleted) {
                r = insert_change(w, w->n, child_path(path, *name), CHANGE_DELETE);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* listed: the directory itself is already in the list as added or
 * modified, so changes inside do not list it again. */
static int changes_dir(struct walk *w, const struct layerstack_dir *upper, const struct layerstack_dir *old,
                       const char *path, bool listed, unsigned depth)
{
        struct layerstack_entries list = { 0 };
        size_t at_entry = w->n;
        int r;

        if (depth > LAYERSTACK_MAX_DEPTH)
                return error_set(w->err, -ELOOP,
                                 "%s is nested deeper than %d directories, more than this daemon can compare", path,
                                 LAYERSTACK_MAX_DEPTH);
        r = layerstack_dir_list(w->fs, upper, LAYERSTACK_LIST_WHITEOUTS, &list);
        if (r < 0)
                return error_set_errno(w->err, r, "failed to read the directory %s", *path ? path : "/");

        for (size_t i = 0; i < list.n && r >= 0; i++) {
                _cleanup_free_ char *p = NULL;

                if (list.items[i].whiteout)
                        continue;
                p = child_path(path, list.items[i].name);
                r = p ? change_entry(w, upper, old, &list.items[i], p, depth) : -ENOMEM;
        }
        if (r >= 0)
                r = add_deletions(w, upper, old, &list, path);
        layerstack_entries_clear(&list);
        if (r < 0)
                return r;

        if (w->n > at_entry && !listed && *path)
                return insert_change(w, at_entry, strdup(path), CHANGE_MODIFY);
        return 0;
}

static json_object *changes_json(const struct walk *w)
{
        json_object *array;

        if (w->n == 0)
                return NULL;
        array = json_object_new_array();
        for (size_t i = 0; i < w->n; i++) {
                json_object *change = json_object_new_object();

                json_object_object_add(change, "Path", json_object_new_string(w->items[i].path));
                json_object_object_add(change, "Kind", json_object_new_int(w->items[i].kind));
                json_object_array_add(array, change);
        }
        return array;
}

int layerstack_changes(const struct layerstack *fs, json_object **ret, struct error *err)
{
        struct layerstack_dir upper = { 0 }, old = { 0 };
        struct layerstack upper_only = *fs;
        struct walk w = { .fs = fs, .err = err };
        int r;

        if (fs->n_layers == 0)
                return error_set(err, -EINVAL, "no layers to compare");
        upper_only.n_layers = 1;
        r = layerstack_dir_open_root(&upper_only, 0, &upper);
        if (r >= 0 && fs->n_layers > 1)
                r = layerstack_dir_open_root(fs, 1, &old);
        if (r < 0) {
                layerstack_dir_clear(&upper);
                return error_set_errno(err, r, "failed to open the root directory");
        }

        r = changes_dir(&w, &upper, old.n > 0 ? &old : NULL, "", false, 0);
        layerstack_dir_clear(&upper);
        layerstack_dir_clear(&old);
        if (r >= 0)
                *ret = changes_json(&w);
        walk_clear(&w);
        return r;
}
