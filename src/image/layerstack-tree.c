/* SPDX-License-Identifier: Apache-2.0 */
/* The merged directory tree of a layer stack, read by directory fds. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "layerstack-internal.h"
#include "strv.h"

void layerstack_entries_clear(struct layerstack_entries *list)
{
        for (size_t i = 0; i < list->n; i++)
                free(list->items[i].name);
        free(list->items);
        *list = (struct layerstack_entries){ 0 };
}

void layerstack_dir_clear(struct layerstack_dir *dir)
{
        for (size_t i = 0; i < dir->n; i++)
                close(dir->fds[i]);
        free(dir->fds);
        free(dir->layers);
        *dir = (struct layerstack_dir){ 0 };
}

bool layerstack_fd_opaque(int fd)
{
        char value[2];

        return fgetxattr(fd, OVERLAY_OPAQUE_XATTR, value, sizeof(value)) == 1 && value[0] == 'y';
}

static uint32_t map_one(const struct layerstack *fs, uint32_t id, bool group)
{
        int64_t mapped = fs->map_id(id, group, fs->userdata);

        return mapped < 0 ? LAYERSTACK_OVERFLOW_ID : (uint32_t)mapped;
}

void layerstack_map_owner(const struct layerstack *fs, size_t layer, struct stat *st)
{
        if (!fs->layers[layer].host_ids || !fs->map_id)
                return;
        st->st_uid = map_one(fs, st->st_uid, false);
        st->st_gid = map_one(fs, st->st_gid, true);
}

char *layerstack_path_join(const char *dir, const char *name)
{
        char *path = NULL;

        if (asprintf(&path, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
                return NULL;
        return path;
}

static bool is_whiteout(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static int dir_add(struct layerstack_dir *dir, int fd, size_t layer)
{
        int *fds = realloc(dir->fds, (dir->n + 1) * sizeof(*fds));
        size_t *layers;

        if (!fds)
                return -ENOMEM;
        dir->fds = fds;
        layers = realloc(dir->layers, (dir->n + 1) * sizeof(*layers));
        if (!layers)
                return -ENOMEM;
        dir->layers = layers;
        dir->fds[dir->n] = fd;
        dir->layers[dir->n] = layer;
        dir->n++;
        return 0;
}

/* Adds fd (taken over); *ret_stop is set when the layers below are hidden. */
static int dir_push(struct layerstack_dir *dir, int fd, size_t layer, bool *ret_stop)
{
        bool opaque = layerstack_fd_opaque(fd);
        int r;

        r = dir_add(dir, fd, layer);
        if (r < 0) {
                close(fd);
                return r;
        }
        if (dir->n == 1)
                dir->opaque = opaque;
        *ret_stop = opaque;
        return 0;
}

int layerstack_dir_open_root(const struct layerstack *fs, size_t first, struct layerstack_dir *ret)
{
        struct layerstack_dir dir = { 0 };
        bool stop = false;
        int r;

        for (size_t i = first; i < fs->n_layers && !stop; i++) {
                int fd = openat(fs->layers[i].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (fd < 0) {
                        r = -errno;
                        layerstack_dir_clear(&dir);
                        return r;
                }
                r = dir_push(&dir, fd, i, &stop);
                if (r < 0) {
                        layerstack_dir_clear(&dir);
                        return r;
                }
        }
        *ret = dir;
        return 0;
}

/* One name as readdir found it in one contributor. */
struct raw_name {
        char *name;
        size_t contributor; /* index in layerstack_dir.fds: lower is higher up */
};

struct raw_names {
        struct raw_name *items;
        size_t n, allocated;
};

static void raw_names_clear(struct raw_names *names)
{
        for (size_t i = 0; i < names->n; i++)
                free(names->items[i].name);
        free(names->items);
}

static int raw_names_add(struct raw_names *names, const char *name, size_t contributor)
{
        if (names->n == names->allocated) {
                size_t allocated = names->allocated ? names->allocated * 2 : 64;
                struct raw_name *grown = realloc(names->items, allocated * sizeof(*grown));

                if (!grown)
                        return -ENOMEM;
                names->items = grown;
                names->allocated = allocated;
        }
        names->items[names->n].name = strdup(name);
        if (!names->items[names->n].name)
                return -ENOMEM;
        names->items[names->n++].contributor = contributor;
        return 0;
}

static int read_names(int dir_fd, size_t contributor, struct raw_names *names)
{
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;
        int r = 0;

        /* A new open description, so each listing starts at offset 0. */
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                close(fd);
                return r;
        }
        errno = 0;
        while (r >= 0 && (de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = raw_names_add(names, de->d_name, contributor);
                errno = 0;
        }
        if (r >= 0 && errno != 0)
                r = -errno;
        closedir(d);
        return r;
}

static int compare_raw_names(const void *a, const void *b)
{
        const struct raw_name *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        return x->contributor < y->contributor ? -1 : x->contributor > y->contributor;
}

static int entries_add(struct layerstack_entries *list, size_t *allocated, struct layerstack_entry *e)
{
        if (list->n == *allocated) {
                size_t n = *allocated ? *allocated * 2 : 32;
                struct layerstack_entry *grown = realloc(list->items, n * sizeof(*grown));

                if (!grown)
                        return -ENOMEM;
                list->items = grown;
                *allocated = n;
        }
        list->items[list->n++] = *e;
        return 0;
}

/* Stats name in contributor i of dir. -ENOENT when it vanished. */
static int stat_in(const struct layerstack *fs, const struct layerstack_dir *dir, size_t i, const char *name,
                   struct layerstack_entry *ret)
{
        struct stat st;

        if (fstatat(dir->fds[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        *ret = (struct layerstack_entry){ .layer = dir->layers[i], .whiteout = is_whiteout(&st) };
        /* overlayfs creates whiteouts as its mounter, host root, which the
         * container's map does not cover; Docker leaves them as they are. */
        if (!ret->whiteout)
                layerstack_map_owner(fs, dir->layers[i], &st);
        ret->st = st;
        return 0;
}

int layerstack_dir_list(const struct layerstack *fs, const struct layerstack_dir *dir, unsigned flags,
                        struct layerstack_entries *ret)
{
        struct raw_names names = { 0 };
        struct layerstack_entries list = { 0 };
        const char *prev = NULL;
        size_t allocated = 0;
        int r = 0;

        for (size_t i = 0; i < dir->n && r >= 0; i++)
                r = read_names(dir->fds[i], i, &names);
        if (r >= 0 && names.n > 0)
                qsort(names.items, names.n, sizeof(*names.items), compare_raw_names);

        /* The first of each run of equal names is the topmost one: it
         * decides, a whiteout hiding the rest. */
        for (size_t i = 0; i < names.n && r >= 0; i++) {
                struct layerstack_entry e;

                if (prev && streq(names.items[i].name, prev))
                        continue;
                /* The string stays alive, in names or in list. */
                prev = names.items[i].name;
                r = stat_in(fs, dir, names.items[i].contributor, names.items[i].name, &e);
                if (r == -ENOENT) {
                        r = 0;
                        continue;
                }
                if (r < 0 || (e.whiteout && !(flags & LAYERSTACK_LIST_WHITEOUTS)))
                        continue;
                e.name = TAKE_PTR(names.items[i].name);
                r = entries_add(&list, &allocated, &e);
                if (r < 0)
                        free(e.name);
        }
        raw_names_clear(&names);
        if (r < 0) {
                layerstack_entries_clear(&list);
                return r;
        }
        *ret = list;
        return 0;
}

int layerstack_dir_lookup(const struct layerstack *fs, const struct layerstack_dir *dir, const char *name,
                          struct layerstack_entry *ret)
{
        for (size_t i = 0; i < dir->n; i++) {
                int r = stat_in(fs, dir, i, name, ret);

                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                return ret->whiteout ? -ENOENT : 0;
        }
        return -ENOENT;
}

int layerstack_dir_open_child(const struct layerstack *fs, const struct layerstack_dir *dir, const char *name,
                              struct layerstack_dir *ret)
{
        struct layerstack_dir child = { 0 };
        bool stop = false;
        int r = 0;

        for (size_t i = 0; i < dir->n && !stop && r >= 0; i++) {
                struct stat st;
                int fd;

                if (fstatat(dir->fds[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                r = -errno;
                        continue;
                }
                /* A whiteout or a file hides the layers below; a file on
                 * top means the merged entry is no directory. */
                if (!S_ISDIR(st.st_mode)) {
                        if (child.n == 0 && !is_whiteout(&st))
                                r = -ENOTDIR;
                        break;
                }
                fd = openat(dir->fds[i], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        /* Replaced meanwhile: the layers below no longer count. */
                        if (child.n == 0)
                                r = errno == ELOOP ? -ENOTDIR : -errno;
                        break;
                }
                r = dir_push(&child, fd, dir->layers[i], &stop);
        }
        if (r >= 0 && child.n == 0)
                r = -ENOENT;
        if (r < 0) {
                layerstack_dir_clear(&child);
                return r;
        }
        *ret = child;
        return 0;
}

int layerstack_dir_open_top_child(const struct layerstack_dir *dir, const char *name, struct layerstack_dir *ret)
{
        struct layerstack_dir child = { 0 };
        bool stop;
        int fd;

        fd = openat(dir->fds[0], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOTDIR || errno == ELOOP ? -ENOENT : -errno;
        fd = dir_push(&child, fd, dir->layers[0], &stop);
        if (fd < 0)
                return fd;
        *ret = child;
        return 0;
}

int layerstack_lookup(const struct layerstack *fs, const char *path, struct stat *ret)
{
        _cleanup_strv_free_ char **parts = strv_split(path, "/", false);
        struct layerstack_dir dir = { 0 };
        int r;

        if (!parts)
                return -ENOMEM;
        if (!parts[0])
                return -EINVAL;
        r = layerstack_dir_open_root(fs, 0, &dir);
        for (size_t i = 0; r >= 0 && parts[i]; i++) {
                struct layerstack_dir child = { 0 };
                struct layerstack_entry e;

                r = layerstack_dir_lookup(fs, &dir, parts[i], &e);
                if (r < 0)
                        break;
                if (!parts[i + 1]) {
                        *ret = e.st;
                        break;
                }
                if (!S_ISDIR(e.st.st_mode)) {
                        r = -ENOTDIR;
                        break;
                }
                r = layerstack_dir_open_child(fs, &dir, parts[i], &child);
                layerstack_dir_clear(&dir);
                dir = child;
        }
        layerstack_dir_clear(&dir);
        return r;
}
