/* SPDX-License-Identifier: Apache-2.0 */
/* docker diff, commit and export of a local container, which read its
 * layer directories directly instead of a mount. */
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
