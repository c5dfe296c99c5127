/* SPDX-License-Identifier: Apache-2.0 */
/* Holds: the layers a container keeps on disk, recorded so that they
 * survive a daemon restart. */
#include <fcntl.h>
#include <stdio.h>

#include "jsonutil.h"
#include "log.h"
#include "store-internal.h"
#include "strv.h"

#define HOLDER_MAX 128

static void hold_free(struct hold_entry *h)
{
        if (h) {
                free(h->holder);
                free(h->layers);
                free(h);
        }
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct hold_entry *, hold_free)

/* A holder names a file: letters, digits, '_', '-' and '.', not first. */
static bool holder_valid(const char *holder)
{
        size_t len = strlen(holder);

        if (len == 0 || len > HOLDER_MAX || holder[0] == '.')
                return false;
        for (size_t i = 0; i < len; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", holder[i]))
                        return false;
        return true;
}

static struct hold_entry *hold_find(struct image_store *s, const char *holder, size_t *ret_index)
{
        for (size_t i = 0; i < s->n_holds; i++)
                if (streq(s->holds[i]->holder, holder)) {
                        if (ret_index)
                                *ret_index = i;
                        return s->holds[i];
                }
        return NULL;
}

static int holds_append(struct image_store *s, struct hold_entry *h)
{
        struct hold_entry **grown = realloc(s->holds, (s->n_holds + 1) * sizeof(*s->holds));

        if (!grown)
                return -ENOMEM;
        s->holds = grown;
        s->holds[s->n_holds++] = h;
        return 0;
}

/* Builds a hold over the named layers, taking a reference on each. */
static int hold_new(struct image_store *s, const char *holder, const char *image_id, char *const *chain_ids,
                    struct hold_entry **ret)
{
        _cleanup_(hold_freep) struct hold_entry *h = calloc(1, sizeof(*h));
        size_t n = strv_length(chain_ids);

        if (!h)
                return -ENOMEM;
        h->holder = strdup(holder);
        h->layers = calloc(n + 1, sizeof(*h->layers));
        if (!h->holder || !h->layers)
                return -ENOMEM;
        snprintf(h->image_id, sizeof(h->image_id), "%s", image_id);

        for (size_t i = 0; i < n; i++) {
                h->layers[i] = store_layer_find(s, chain_ids[i]);
                if (!h->layers[i])
                        return -ENOENT;
        }
        for (size_t i = 0; i < n; i++)
                store_layer_ref(h->layers[i]);
        h->n_layers = n;

        *ret = TAKE_PTR(h);
        return 0;
}

static int hold_write(struct image_store *s, struct hold_entry *h)
{
        _cleanup_json_ json_object *obj = json_object_new_object();
        json_object *layers = json_object_new_array();
        char name[HOLDER_MAX + 8], id[DIGEST_STRING_MAX];

        snprintf(id, sizeof(id), DIGEST_PREFIX "%s", h->image_id);
        json_object_object_add(obj, "Image", json_object_new_string(id));
        json_object_object_add(obj, "Layers", layers);
        for (size_t i = 0; i < h->n_layers; i++)
                json_object_array_add(layers, json_object_new_string(h->layers[i]->chain_id));

        snprintf(name, sizeof(name), "%s.json", h->holder);
        return json_file_write_atomic(s->holds_fd, name, obj, 0600);
}

/* Drops h from the index and its references. Write lock held. */
static void hold_drop(struct image_store *s, size_t index)
{
        struct hold_entry *h = s->holds[index];

        s->holds[index] = s->holds[--s->n_holds];
        for (size_t i = 0; i < h->n_layers; i++)
                store_layer_unref(s, h->layers[i]);
        hold_free(h);
}

static int hold_load_one(struct image_store *s, const char *filename)
{
        _cleanup_(hold_freep) struct hold_entry *h = NULL;
        _cleanup_json_ json_object *obj = NULL;
        _cleanup_strv_free_ char **chain_ids = NULL;
        _cleanup_free_ char *holder = NULL;
        const char *image;
        int r;

        if (!endswith(filename, ".json") || filename[0] == '.') {
                unlinkat(s->holds_fd, filename, 0);
                return 0;
        }
        holder = strndup(filename, strlen(filename) - strlen(".json"));
        if (!holder)
                return -ENOMEM;

        image = NULL;
        if (json_file_read(s->holds_fd, filename, METADATA_MAX_SIZE, &obj) >= 0)
                image = json_field_string(obj, "Image", NULL);
        if (!holder_valid(holder) || !image || !digest_is_sha256(image) ||
            json_array_to_strv(json_field_array(obj, "Layers"), &chain_ids) < 0) {
                log_debug("Removing invalid hold '%s' from the image store", filename);
                unlinkat(s->holds_fd, filename, 0);
                return 0;
        }

        r = hold_new(s, holder, digest_hex(image), chain_ids, &h);
        if (r == -ENOENT) {
                /* The layers went missing outside our control; the hold
                 * has nothing left to keep. */
                log_debug("Removing hold '%s' whose layers are missing", holder);
                unlinkat(s->holds_fd, filename, 0);
                return 0;
        }
        if (r < 0)
                return r;

        r = holds_append(s, h);
        if (r < 0)
                return r;
        h = NULL;
        return 0;
}

int store_holds_load(struct image_store *s)
{
        int r = store_load_each(s, s->holds_fd, hold_load_one);

        if (r < 0)
                return r;

        store_images_collect(s);
        return 0;
}

int image_store_hold(struct image_store *s, const struct image *img, const char *holder, struct error *err)
{
        _cleanup_(hold_freep) struct hold_entry *h = NULL;
        _cleanup_unlock_ pthread_rwlock_t *lock = NULL;
        size_t index;
        int r;

        if (!holder_valid(holder))
                return error_set(err, -EINVAL, "invalid image holder name \"%s\"", holder);

        lock = store_write_lock(s);
        r = hold_new(s, holder, img->id, img->chain_ids, &h);
        if (r == -ENOENT)
                return error_set(err, r, "the layers of image %s are no longer stored", img->id);
        if (r < 0)
                return r;

        r = hold_write(s, h);
        if (r < 0) {
                for (size_t i = 0; i < h->n_layers; i++)
                        store_layer_unref(s, h->layers[i]);
                return error_set_errno(err, r, "failed to record the hold of %s on image %s", holder, img->id);
        }

        if (hold_find(s, holder, &index))
                hold_drop(s, index);
        r = holds_append(s, h);
        if (r < 0)
                return r;
        h = NULL;

        /* The replaced hold may have been the last one on a deleted image. */
        store_images_collect(s);
        return 0;
}

int image_store_hold_lookup(struct image_store *s, const char *holder, struct image **ret)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);
        struct hold_entry *h = hold_find(s, holder, NULL);
        struct image_entry *e = h ? store_image_find(s, h->image_id) : NULL;

        if (!e)
                return -ENOENT;
        return store_image_snapshot(s, e, ret);
}

int image_store_release(struct image_store *s, const char *holder)
{
        char name[HOLDER_MAX + 8];
        size_t index;

        if (!holder_valid(holder))
                return -EINVAL;

        {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

                if (!hold_find(s, holder, &index))
                        return 0;
                snprintf(name, sizeof(name), "%s.json", holder);
                if (unlinkat(s->holds_fd, name, 0) < 0 && errno != ENOENT)
                        return -errno;
                hold_drop(s, index);
                store_images_collect(s);
        }
        store_flush_removals(s);
        return 0;
}

int image_store_holders(struct image_store *s, char ***ret)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);
        _cleanup_strv_free_ char **list = calloc(1, sizeof(char *));

        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_holds; i++) {
                int r = strv_append(&list, s->holds[i]->holder);

                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(list);
        return 0;
}
