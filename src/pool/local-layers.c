/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A local container's filesystem layers: the init layer made at create,
 * the list of lower directories its overlay stacks, and docker diff,
 * commit and export, which read the layers directly instead of a mount.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "daemon.h"
#include "engine/engine.h"
#include "engine/userns.h"
#include "fsutil.h"
#include "image/image.h"
#include "image/layerstack.h"
#include "local-internal.h"
#include "strv.h"

#define INIT_LAYER_DIR "init"

/* What dockerd's init layer holds: the mount points of the container's
 * kernel filesystems and generated /etc files, /.dockerenv, and /etc/mtab.
 * Being a layer below the writable one, they never count as the
 * container's changes, yet exist before its mounts need them. */
static const struct {
        const char *path;
        mode_t type;
        const char *target; /* of a symlink */
} init_entries[] = {
        { "dev", S_IFDIR, NULL },         { "dev/pts", S_IFDIR, NULL },
        { "dev/shm", S_IFDIR, NULL },     { "proc", S_IFDIR, NULL },
        { "sys", S_IFDIR, NULL },         { ".dockerenv", S_IFREG, NULL },
        { "etc", S_IFDIR, NULL },         { "etc/resolv.conf", S_IFREG, NULL },
        { "etc/hosts", S_IFREG, NULL },   { "etc/hostname", S_IFREG, NULL },
        { "dev/console", S_IFREG, NULL }, { "etc/mtab", S_IFLNK, "/proc/mounts" },
};

static int create_init_entry(int init_fd, size_t i)
{
        const char *path = init_entries[i].path;
        int fd;

        switch (init_entries[i].type) {
        case S_IFDIR:
                return mkdirat(init_fd, path, 0755) < 0 ? -errno : 0;
        case S_IFLNK:
                return symlinkat(init_entries[i].target, init_fd, path) < 0 ? -errno : 0;
        default:
                /* dockerd creates these files with mode 0755 too. */
                fd = openat(init_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
                if (fd < 0)
                        return -errno;
                close(fd);
                return 0;
        }
}

int local_init_layer_create(int data_fd, struct error *err)
{
        _cleanup_close_ int init_fd = -1;
        int r;

        if (mkdirat(data_fd, INIT_LAYER_DIR, 0755) < 0)
                return error_set_errno(err, -errno, "creating the init layer failed");
        init_fd = openat(data_fd, INIT_LAYER_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (init_fd < 0)
                return error_set_errno(err, -errno, "opening the init layer failed");
        /* The umask must not change the modes of the image's mount points. */
        if (fchmod(init_fd, 0755) < 0)
                return error_set_errno(err, -errno, "setting the mode of the init layer failed");

        for (size_t i = 0; i < ARRAY_SIZE(init_entries); i++) {
                r = create_init_entry(init_fd, i);
                if (r >= 0 && init_entries[i].type != S_IFLNK)
                        r = fchmodat(init_fd, init_entries[i].path, 0755, 0) < 0 ? -errno : 0;
                if (r < 0)
                        return error_set_errno(err, r, "creating /%s in the init layer failed", init_entries[i].path);
        }
        return 0;
}

char **local_lower_dirs(struct backend *b, struct container *c)
{
        _cleanup_free_ char *data_dir = engine_container_data_dir(b->engine, c);
        _cleanup_free_ char *init = data_dir ? fs_path_join(data_dir, INIT_LAYER_DIR) : NULL;
        _cleanup_strv_free_ char **dirs = NULL;
        struct stat st;

        if (!init)
                return NULL;
        STRV_FOREACH (dir, c->image->layer_dirs)
                if (strv_append(&dirs, *dir) < 0)
                        return NULL;
        /* Containers created before init layers existed have none. */
        if (stat(init, &st) >= 0 && S_ISDIR(st.st_mode) && strv_append(&dirs, init) < 0)
                return NULL;
        if (!dirs)
                dirs = calloc(1, sizeof(char *));
        return TAKE_PTR(dirs);
}

/* The layers of a container opened for layerstack. */
struct stack {
        struct layerstack_layer *layers;
        size_t n;
        const struct userns_remap *remap;
        struct layerstack fs;
};

static void stack_clear(struct stack *s)
{
        for (size_t i = 0; i < s->n; i++)
                close(s->layers[i].fd);
        free(s->layers);
}

static int64_t map_to_container(uint32_t host_id, bool group, void *userdata)
{
        const struct userns_remap *remap = userdata;

        return userns_idmap_to_container(group ? &remap->gids : &remap->uids, host_id);
}

static int stack_add(struct stack *s, const char *dir, bool host_ids)
{
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        s->layers[s->n++] = (struct layerstack_layer){ .fd = fd, .host_ids = host_ids };
        return 0;
}

/* Opens the upper directory and the lower ones, topmost first. */
static int stack_open(struct backend *b, struct container *c, struct stack *ret, struct error *err)
{
        _cleanup_free_ char *data_dir = engine_container_data_dir(b->engine, c);
        _cleanup_free_ char *upper = data_dir ? fs_path_join(data_dir, "upper") : NULL;
        _cleanup_strv_free_ char **lower = NULL;
        struct daemon *d = engine_daemon(b->engine);
        struct stack s = { 0 };
        size_t n;
        bool remapped;
        int r;

        if (!upper)
                return -ENOMEM;
        if (!c->image)
                return error_set(err, -ENOENT, "the image %s of container %s is missing", c->image_id, c->id);
        lower = local_lower_dirs(b, c);
        if (!lower)
                return -ENOMEM;
        n = strv_length(lower);
        s.layers = calloc(n + 1, sizeof(*s.layers));
        if (!s.layers)
                return -ENOMEM;

        pthread_mutex_lock(&c->lock);
        remapped = userns_container_remapped(d->userns_remap, c->host_config);
        pthread_mutex_unlock(&c->lock);

        /* A remapped container writes its upper directory as host ids. */
        r = stack_add(&s, upper, remapped);
        for (size_t i = n; i > 0 && r >= 0; i--)
                r = stack_add(&s, lower[i - 1], false);
        if (r < 0) {
                stack_clear(&s);
                return error_set_errno(err, r, "opening the layers of container %s failed", c->id);
        }

        s.remap = remapped ? d->userns_remap : NULL;
        s.fs = (struct layerstack){
                .layers = s.layers,
                .n_layers = s.n,
                .map_id = remapped ? map_to_container : NULL,
                .userdata = (void *)s.remap,
        };
        *ret = s;
        return 0;
}

int local_changes(struct backend *b, struct container *c, json_object **ret, struct error *err)
{
        struct stack s;
        int r;

        r = stack_open(b, c, &s, err);
        if (r < 0)
                return r;
        r = layerstack_changes(&s.fs, ret, err);
        stack_clear(&s);
        return r;
}

int local_write_diff(struct backend *b, struct container *c, backend_write_fn write, void *userdata, struct error *err)
{
        struct stack s;
        int r;

        r = stack_open(b, c, &s, err);
        if (r < 0)
                return r;
        r = layerstack_write_diff(&s.fs, write, userdata, err);
        stack_clear(&s);
        return r;
}

int local_write_export(struct backend *b, struct container *c, backend_write_fn write, void *userdata,
                       struct error *err)
{
        struct stack s;
        int r;

        r = stack_open(b, c, &s, err);
        if (r < 0)
                return r;
        r = layerstack_write_export(&s.fs, write, userdata, err);
        stack_clear(&s);
        return r;
}
