/* SPDX-License-Identifier: Apache-2.0 */
/* The two tars of a container's filesystem: its changes (docker commit)
 * and its merged tree (docker export). */
#include "layerstack-internal.h"

struct walk {
        const struct layerstack *fs;
        struct layerstack_tar *tar;
        struct error *err;
};

static int too_deep(struct walk *w, const char *path)
{
        return error_set(w->err, -ELOOP, "%s is nested deeper than %d directories, more than this daemon can copy",
                         path, LAYERSTACK_MAX_DEPTH);
}

static int diff_dir(struct walk *w, const struct layerstack_dir *dir, const char *path, unsigned depth);

static int diff_entry(struct walk *w, const struct layerstack_dir *dir, const struct layerstack_entry *e,
                      const char *path, unsigned depth)
{
        struct layerstack_dir child = { 0 };
        int r;

        if (e->whiteout)
                return layerstack_tar_add_whiteout(w->tar, path, &e->st, w->err);
        if (!S_ISDIR(e->st.st_mode))
                return layerstack_tar_add(w->tar, path, dir->fds[0], e->name, &e->st, w->err);

        r = layerstack_dir_open_top_child(dir, e->name, &child);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return error_set_errno(w->err, r, "failed to open %s", path);
        r = layerstack_tar_add(w->tar, path, dir->fds[0], e->name, &e->st, w->err);
        if (r >= 0 && child.opaque)
                r = layerstack_tar_add_opaque(w->tar, path, &e->st, w->err);
        if (r >= 0)
                r = diff_dir(w, &child, path, depth + 1);
        layerstack_dir_clear(&child);
        return r;
}

static int diff_dir(struct walk *w, const struct layerstack_dir *dir, const char *path, unsigned depth)
{
        struct layerstack_entries list = { 0 };
        int r;

        if (depth > LAYERSTACK_MAX_DEPTH)
                return too_deep(w, path);
        r = layerstack_dir_list(w->fs, dir, LAYERSTACK_LIST_WHITEOUTS, &list);
        if (r < 0)
                return error_set_errno(w->err, r, "failed to read the directory /%s", path);

        for (size_t i = 0; i < list.n && r >= 0; i++) {
                _cleanup_free_ char *child_path = layerstack_path_join(path, list.items[i].name);

                r = child_path ? diff_entry(w, dir, &list.items[i], child_path, depth) : -ENOMEM;
        }
        layerstack_entries_clear(&list);
        return r;
}

/* Runs a walk from the root of the view starting at layer first, then
 * ends the tar. */
static int write_tar(const struct layerstack *fs, size_t first,
                     int (*walk_dir)(struct walk *, const struct layerstack_dir *, const char *, unsigned),
                     layerstack_write_fn write, void *userdata, struct error *err)
{
        _cleanup_(layerstack_tar_freep) struct layerstack_tar *tar = NULL;
        struct layerstack_dir root = { 0 };
        struct walk w = { .fs = fs, .err = err };
        int r;

        if (fs->n_layers == 0)
                return error_set(err, -EINVAL, "no layers to read");
        r = layerstack_tar_new(write, userdata, &tar, err);
        if (r < 0)
                return r;
        w.tar = tar;

        r = layerstack_dir_open_root(fs, first, &root);
        if (r < 0)
                return error_set_errno(err, r, "failed to open the root directory");
        r = walk_dir(&w, &root, "", 0);
        layerstack_dir_clear(&root);
        if (r < 0)
                return r;
        return layerstack_tar_finish(tar, err);
}

int layerstack_write_diff(const struct layerstack *fs, layerstack_write_fn write, void *userdata, struct error *err)
{
        struct layerstack upper;

        if (fs->n_layers == 0)
                return error_set(err, -EINVAL, "no layers to read");
        /* The upper directory alone: its whiteouts and opaque markers
         * become tar entries instead of hiding anything. */
        upper = *fs;
        upper.n_layers = 1;
        return write_tar(&upper, 0, diff_dir, write, userdata, err);
}

static int export_dir(struct walk *w, const struct layerstack_dir *dir, const char *path, unsigned depth);

static int export_entry(struct walk *w, const struct layerstack_dir *dir, const struct layerstack_entry *e,
                        const char *path, unsigned depth)
{
        struct layerstack_dir child = { 0 };
        size_t i;
        int r;

        /* The fd of the layer the entry comes from. */
        for (i = 0; i < dir->n && dir->layers[i] != e->layer; i++)
                ;
        if (i == dir->n)
                return -EIO;
        if (!S_ISDIR(e->st.st_mode))
                return layerstack_tar_add(w->tar, path, dir->fds[i], e->name, &e->st, w->err);

        r = layerstack_dir_open_child(w->fs, dir, e->name, &child);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return error_set_errno(w->err, r, "failed to open /%s", path);
        r = layerstack_tar_add(w->tar, path, dir->fds[i], e->name, &e->st, w->err);
        if (r >= 0)
                r = export_dir(w, &child, path, depth + 1);
        layerstack_dir_clear(&child);
        return r;
}

static int export_dir(struct walk *w, const struct layerstack_dir *dir, const char *path, unsigned depth)
{
        struct layerstack_entries list = { 0 };
        int r;

        if (depth > LAYERSTACK_MAX_DEPTH)
                return too_deep(w, path);
        r = layerstack_dir_list(w->fs, dir, 0, &list);
        if (r < 0)
                return error_set_errno(w->err, r, "failed to read the directory /%s", path);

        for (size_t i = 0; i < list.n && r >= 0; i++) {
                _cleanup_free_ char *child_path = layerstack_path_join(path, list.items[i].name);

                r = child_path ? export_entry(w, dir, &list.items[i], child_path, depth) : -ENOMEM;
        }
        layerstack_entries_clear(&list);
        return r;
}

int layerstack_write_export(const struct layerstack *fs, layerstack_write_fn write, void *userdata, struct error *err)
{
        return write_tar(fs, 0, export_dir, write, userdata, err);
}
