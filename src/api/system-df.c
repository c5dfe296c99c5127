/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /system/df with dockerd 20.10's reply for API 1.41: the image list
 * with each image's container count and the size of its layers that other
 * images share, every container with its sizes, the bytes of all layers
 * that images use, the volumes without mount options with their sizes
 * and references, and the build cache (none yet).
 */
#include <stdio.h>

#include "api.h"
#include "engine/volumes.h"
#include "image/image.h"
#include "image/render.h"
#include "jsonutil.h"
#include "log.h"
#include "strv.h"

/* How many images use each layer, by chain ID. */
struct layer_use {
        const char *chain_id;
        int64_t size;
        unsigned images;
};

struct layer_uses {
        struct layer_use *items;
        size_t n;
};

static int count_layer(struct layer_uses *uses, const char *chain_id, int64_t size)
{
        struct layer_use *grown;

        for (size_t i = 0; i < uses->n; i++)
                if (streq(uses->items[i].chain_id, chain_id)) {
                        uses->items[i].images++;
                        return 0;
                }
        grown = realloc(uses->items, (uses->n + 1) * sizeof(*grown));
        if (!grown)
                return -ENOMEM;
        uses->items = grown;
        uses->items[uses->n++] = (struct layer_use){ chain_id, size, 1 };
        return 0;
}

static const struct layer_use *find_use(const struct layer_uses *uses, const char *chain_id)
{
        for (size_t i = 0; i < uses->n; i++)
                if (streq(uses->items[i].chain_id, chain_id))
                        return &uses->items[i];
        return NULL;
}

static int count_layers(struct image **images, struct layer_uses *uses)
{
        for (size_t i = 0; images[i]; i++)
                for (size_t j = 0; images[i]->chain_ids[j]; j++) {
                        int r = count_layer(uses, images[i]->chain_ids[j], images[i]->layer_sizes[j]);

                        if (r < 0)
                                return r;
                }
        return 0;
}

/* Docker's SharedSize: the image's layers that another image uses too. */
static int64_t shared_size(const struct image *img, const struct layer_uses *uses)
{
        int64_t shared = 0;

        for (size_t j = 0; img->chain_ids[j]; j++) {
                const struct layer_use *use = find_use(uses, img->chain_ids[j]);

                if (use && use->images > 1)
                        shared += use->size;
        }
        return shared;
}

static int64_t containers_of(const char *image_id, struct container **list, size_t n)
{
        int64_t count = 0;

        for (size_t i = 0; i < n; i++)
                count += !list[i]->state.removed && streq(list[i]->image_id, image_id);
        return count;
}

/* Fills in Containers and SharedSize, which the image list leaves at -1. */
static void add_image_usage(json_object *summaries, struct image **images, const struct layer_uses *uses,
                            struct container **containers, size_t n_containers)
{
        for (size_t i = 0; i < json_object_array_length(summaries); i++) {
                json_object *summary = json_object_array_get_idx(summaries, i);
                const char *id = json_field_string(summary, "Id", "");

                for (size_t j = 0; images[j]; j++) {
                        if (!streq(id + strlen("sha256:"), images[j]->id))
                                continue;
                        json_object_object_add(
                                summary, "Containers",
                                json_object_new_int64(containers_of(images[j]->id, containers, n_containers)));
                        json_object_object_add(summary, "SharedSize",
                                               json_object_new_int64(shared_size(images[j], uses)));
                }
        }
}

/* A container summary with SizeRw and SizeRootFs after Ports, where
 * Docker's types.Container has them. Sizes of 0 are left out (omitempty);
 * -1 means they could not be computed, as in dockerd. */
static json_object *with_sizes(json_object *summary, int64_t rw, int64_t root_fs)
{
        json_object *out = json_object_new_object();

        json_object_object_foreach (summary, key, value) {
                json_object_object_add(out, key, json_object_get(value));
                if (!streq(key, "Ports"))
                        continue;
                if (rw != 0)
                        json_object_object_add(out, "SizeRw", json_object_new_int64(rw));
                if (root_fs != 0)
                        json_object_object_add(out, "SizeRootFs", json_object_new_int64(root_fs));
        }
        return out;
}

json_object *api_container_summary_with_sizes(struct daemon *d, struct container *c)
{
        _cleanup_json_ json_object *summary = NULL;
        int64_t rw = -1, root_fs = -1;
        int r;

        pthread_mutex_lock(&c->lock);
        summary = api_container_summary_json(d, c);
        pthread_mutex_unlock(&c->lock);

        /* The walk of the writable layer runs without the lock. */
        r = engine_container_size(d->engine, c, &rw, &root_fs);
        if (r < 0 && r != -ENOENT)
                log_warn_errno(r, "Failed to compute the size of container %s: %m", c->id);
        return with_sizes(summary, rw, root_fs);
}

static json_object *container_usage(struct daemon *d, struct container **list, size_t n)
{
        json_object *out = json_object_new_array();

        for (size_t i = 0; i < n; i++)
                if (!list[i]->state.removed)
                        json_object_array_add(out, api_container_summary_with_sizes(d, list[i]));
        return out;
}

/* Docker's LayersSize: every layer that some image uses, once. */
static int64_t layers_size(const struct layer_uses *uses)
{
        int64_t total = 0;

        for (size_t i = 0; i < uses->n; i++)
                total += uses->items[i].size;
        return total;
}

void api_system_df(struct http_request *req)
{
        struct daemon *d = api_daemon(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *filters = json_object_new_object();
        struct layer_uses uses = { 0 };
        struct container **containers = NULL;
        struct image **images = NULL;
        json_object *summaries = NULL, *reply;
        size_t n_containers = 0;
        int r;

        r = image_render_list(d->images, filters, false, &summaries, &err);
        if (r >= 0)
                r = image_store_list(d->images, &images);
        if (r >= 0)
                r = count_layers(images, &uses);
        if (r >= 0)
                r = engine_container_list(d->engine, &containers, &n_containers);
        if (r < 0) {
                json_object_put(summaries);
                image_list_free(images);
                free(uses.items);
                return api_reply_error(req, r, &err);
        }

        add_image_usage(summaries, images, &uses, containers, n_containers);
        reply = json_object_new_object();
        json_object_object_add(reply, "LayersSize", json_object_new_int64(layers_size(&uses)));
        json_object_object_add(reply, "Images", summaries);
        json_object_object_add(reply, "Containers", container_usage(d, containers, n_containers));
        /* NOTE: no build cache exists yet. dockerd 20.10.24 without
         * BuildKit replies null for it, and so does this. */
        json_object_object_add(reply, "Volumes", volume_store_usage(d->volumes));
        json_object_object_add(reply, "BuildCache", NULL);
        json_object_object_add(reply, "BuilderSize", json_object_new_int64(0));

        engine_container_list_free(containers, n_containers);
        image_list_free(images);
        free(uses.items);
        http_reply_json(req, 200, reply);
}
