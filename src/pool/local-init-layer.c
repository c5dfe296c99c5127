/* SPDX-License-Identifier: Apache-2.0 */
/* A local container's init layer, made at create as dockerd makes its
 * own, and the lower directories the container's overlay stacks. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "engine/engine.h"
#include "fsutil.h"
#include "image/image.h"
#include "image/layerstack.h"
#include "local-internal.h"
#include "strv.h"

#define INIT_LAYER_DIR "init"

/* What dockerd's init layer holds: the mount points of the container's
 * kernel filesystems and generated /etc files, /.dockerenv and /etc/mtab.
 * In a layer below the writable one they never count as the container's
 * changes, yet exist before its mounts need them. */
static const struct {
        const char *path;
        mode_t type;
        const char *target; /* of a symlink */
} init_entries[] = {
        { "dev/pts", S_IFDIR, NULL },     { "dev/shm", S_IFDIR, NULL },
        { "proc", S_IFDIR, NULL },        { "sys", S_IFDIR, NULL },
        { ".dockerenv", S_IFREG, NULL },  { "etc/resolv.conf", S_IFREG, NULL },
        { "etc/hosts", S_IFREG, NULL },   { "etc/hostname", S_IFREG, NULL },
        { "dev/console", S_IFREG, NULL }, { "etc/mtab", S_IFLNK, "/proc/mounts" },
};

/* The image's layers, topmost first, to look paths up in. */
struct image_layers {
        struct layerstack_layer *layers;
        size_t n;
        struct layerstack fs;
};

static void image_layers_clear(struct image_layers *l)
{
        for (size_t i = 0; i < l->n; i++)
                close(l->layers[i].fd);
        free(l->layers);
}

static int image_layers_open(struct container *c, struct image_layers *ret)
{
        size_t n = strv_length(c->image->layer_dirs);
        struct image_layers l = { .layers = calloc(n + 1, sizeof(*l.layers)) };

        if (!l.layers)
                return -ENOMEM;
        for (size_t i = n; i > 0; i--) {
                int fd = open(c->image->layer_dirs[i - 1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (fd < 0) {
                        int r = -errno;

                        image_layers_clear(&l);
                        return r;
                }
                l.layers[l.n++] = (struct layerstack_layer){ .fd = fd };
        }
        l.fs = (struct layerstack){ .layers = l.layers, .n_layers = l.n };
        *ret = l;
        return 0;
}

/* Creates the directories above path that the init layer lacks, each
 * with the mode and owner the image gives it (as overlayfs's copy-up
 * keeps them in dockerd's init layer), else mode 0755 and root. */
static int create_parents(int init_fd, const struct layerstack *image, const char *path)
{
        _cleanup_free_ char *prefix = strdup(path);

        if (!prefix)
                return -ENOMEM;
        for (char *slash = strchr(prefix, '/'); slash; slash = strchr(slash + 1, '/')) {
                struct stat st;
                int r;

                *slash = '\0';
                if (fstatat(init_fd, prefix, &st, AT_SYMLINK_NOFOLLOW) >= 0) {
                        *slash = '/';
                        continue;
                }
                if (mkdirat(init_fd, prefix, 0755) < 0)
                        return -errno;
                r = layerstack_lookup(image, prefix, &st);
                if (r >= 0 && (fchownat(init_fd, prefix, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                               fchmodat(init_fd, prefix, st.st_mode & 07777, 0) < 0))
                        return -errno;
                if (r < 0 && fchmodat(init_fd, prefix, 0755, 0) < 0)
                        return -errno;
                *slash = '/';
        }
        return 0;
}

static int create_entry(int init_fd, size_t i)
{
        const char *path = init_entries[i].path;
        int fd;

        switch (init_entries[i].type) {
        case S_IFDIR:
                if (mkdirat(init_fd, path, 0755) < 0)
                        return -errno;
                break;
        case S_IFLNK:
                return symlinkat(init_entries[i].target, init_fd, path) < 0 ? -errno : 0;
        default:
                /* dockerd creates these files with mode 0755 too. */
                fd = openat(init_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
                if (fd < 0)
                        return -errno;
                close(fd);
        }
        /* The umask must not change the modes. */
        return fchmodat(init_fd, path, 0755, 0) < 0 ? -errno : 0;
}

/* Adds one entry where the image has nothing at its path and only
 * directories on the way. So the image's own files stay, and an image
 * whose /proc is a symlink still meets the runtime's refusal to mount
 * procfs through it. */
static int add_entry(int init_fd, const struct layerstack *image, size_t i)
{
        struct stat st;
        int r;

        r = layerstack_lookup(image, init_entries[i].path, &st);
        if (r >= 0 || r == -ENOTDIR)
                return 0;
        if (r != -ENOENT)
                return r;
        r = create_parents(init_fd, image, init_entries[i].path);
        if (r < 0)
                return r;
        return create_entry(init_fd, i);
}

int local_init_layer_create(struct container *c, int data_fd, struct error *err)
{
        struct image_layers image = { 0 };
        _cleanup_close_ int init_fd = -1;
        int r;

        if (mkdirat(data_fd, INIT_LAYER_DIR, 0755) < 0)
                return error_set_errno(err, -errno, "creating the init layer failed");
        init_fd = openat(data_fd, INIT_LAYER_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (init_fd < 0 || fchmod(init_fd, 0755) < 0)
                return error_set_errno(err, -errno, "opening the init layer failed");
        r = image_layers_open(c, &image);
        if (r < 0)
                return error_set_errno(err, r, "opening the layers of image %s failed", c->image_id);

        for (size_t i = 0; i < ARRAY_SIZE(init_entries) && r >= 0; i++) {
                r = add_entry(init_fd, &image.fs, i);
                if (r < 0)
                        error_set_errno(err, r, "creating /%s in the init layer failed", init_entries[i].path);
        }
        image_layers_clear(&image);
        return r;
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
