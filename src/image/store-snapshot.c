/* SPDX-License-Identifier: Apache-2.0 */
/* Name resolution and the struct image snapshots callers hold. */
#include <stdio.h>

#include "idutil.h"
#include "store-internal.h"
#include "strv.h"

static void image_free(struct image *img)
{
        json_object_put(img->config);
        json_object_put(img->container_config);
        strv_free(img->repo_tags);
        strv_free(img->repo_digests);
        strv_free(img->layer_dirs);
        strv_free(img->diff_ids);
        strv_free(img->chain_ids);
        free(img->layer_sizes);
        free(img->layers);
        free(img);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct image *, image_free)

struct image *image_ref(struct image *img)
{
        if (img)
                __atomic_add_fetch(&img->refcount, 1, __ATOMIC_RELAXED);
        return img;
}

void image_unref(struct image *img)
{
        struct image_store *s;

        if (!img || __atomic_sub_fetch(&img->refcount, 1, __ATOMIC_ACQ_REL) > 0)
                return;

        s = img->store;
        if (s && img->n_layers > 0) {
                {
                        _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

                        for (size_t i = 0; i < img->n_layers; i++)
                                store_layer_unref(s, img->layers[i]);
                }
                store_flush_removals(s);
        }
        image_free(img);
        store_unref(s);
}

json_object *image_container_config(const struct image *img)
{
        return img->container_config;
}

static int snapshot_tags(struct image_store *s, struct image_entry *e, struct image *img)
{
        _cleanup_free_ struct tag_entry **tags = NULL;
        size_t n = 0;

        tags = store_tags_of(s, e->id, &n);
        if (!tags)
                return -ENOMEM;
        img->repo_tags = calloc(1, sizeof(char *));
        img->repo_digests = calloc(1, sizeof(char *));
        if (!img->repo_tags || !img->repo_digests)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                int r = strv_append(tags[i]->ref.digest ? &img->repo_digests : &img->repo_tags, tags[i]->familiar);

                if (r < 0)
                        return r;
        }
        return 0;
}

static int snapshot_layers(struct image_entry *e, struct image *img)
{
        size_t n = e->n_layers;

        img->layer_dirs = calloc(n + 1, sizeof(char *));
        img->diff_ids = calloc(n + 1, sizeof(char *));
        img->chain_ids = calloc(n + 1, sizeof(char *));
        img->layer_sizes = calloc(n + 1, sizeof(int64_t));
        img->layers = calloc(n + 1, sizeof(struct layer *));
        if (!img->layer_dirs || !img->diff_ids || !img->chain_ids || !img->layer_sizes || !img->layers)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                struct layer *l = e->layers[i];

                img->layer_dirs[i] = strdup(l->dir);
                img->diff_ids[i] = strdup(l->diff_id);
                img->chain_ids[i] = strdup(l->chain_id);
                if (!img->layer_dirs[i] || !img->diff_ids[i] || !img->chain_ids[i])
                        return -ENOMEM;
                img->layer_sizes[i] = l->size;
                img->size += l->size;
        }
        return 0;
}

bool store_image_has_children(struct image_store *s, const char *id)
{
        for (size_t i = 0; i < s->n_images; i++)
                if (!s->images[i]->deleted && streq(s->images[i]->parent, id))
                        return true;
        return false;
}

int store_image_snapshot(struct image_store *s, struct image_entry *e, struct image **ret)
{
        _cleanup_(image_freep) struct image *img = calloc(1, sizeof(*img));
        int r;

        if (!img)
                return -ENOMEM;
        snprintf(img->id, sizeof(img->id), "%s", e->id);
        img->config = json_object_get(e->config);
        img->container_config = json_object_get(e->container_config);
        img->created_ns = e->created_ns;
        img->last_tag_ns = e->last_tag_ns;
        img->deleted = e->deleted;
        snprintf(img->parent_id, sizeof(img->parent_id), "%s", e->parent);
        img->has_children = store_image_has_children(s, e->id);

        r = snapshot_tags(s, e, img);
        if (r < 0)
                return r;
        r = snapshot_layers(e, img);
        if (r < 0)
                return r;

        /* From here on the snapshot keeps its layers and the store alive.
         * Callers hold at least the read lock, so the counts are atomic. */
        for (size_t i = 0; i < e->n_layers; i++) {
                img->layers[i] = e->layers[i];
                store_layer_ref(e->layers[i]);
        }
        img->n_layers = e->n_layers;
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
        img->store = s;
        img->refcount = 1;

        *ret = TAKE_PTR(img);
        return 0;
}

/* Finds the one image whose ID starts with prefix (plain hex or
 * "sha256:" + hex), as Docker's digest set lookup does. */
static struct image_entry *find_by_prefix(struct image_store *s, const char *name)
{
        const char *hex = startswith(name, DIGEST_PREFIX) ?: name;
        struct image_entry *found = NULL;
        size_t len = strlen(hex);

        if (len == 0 || len > 64 || !id_is_prefix(hex))
                return NULL;
        for (size_t i = 0; i < s->n_images; i++) {
                struct image_entry *e = s->images[i];

                if (e->deleted || strncmp(e->id, hex, len) != 0)
                        continue;
                if (found)
                        return NULL; /* ambiguous */
                found = e;
        }
        return found;
}

static struct image_entry *find_live(struct image_store *s, const char *id)
{
        struct image_entry *e = store_image_find(s, id);

        return e && !e->deleted ? e : NULL;
}

/* The image a name reference points at, following Docker's reference
 * store rules: with a digest only the digest counts. */
static struct image_entry *find_by_reference(struct image_store *s, struct reference *ref)
{
        _cleanup_free_ char *full = NULL;
        struct tag_entry *t;

        if (ref->digest) {
                free(ref->tag);
                ref->tag = NULL;
        } else if (reference_tag_name_only(ref) < 0)
                return NULL;

        full = reference_string(ref);
        if (!full)
                return NULL;
        t = store_tag_find(s, full);
        return t ? find_live(s, t->image_id) : NULL;
}

int store_image_resolve(struct image_store *s, const char *name, struct image_entry **ret, struct error *err)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_free_ char *familiar = NULL;
        struct image_entry *e;
        int r;

        /* A bare 64-hex string or a valid digest is an image ID. */
        if (reference_is_identifier(name) || reference_digest_validate(name, NULL) >= 0) {
                const char *hex = startswith(name, DIGEST_PREFIX);

                bool bare = reference_is_identifier(name);

                e = hex || bare ? find_live(s, hex ?: name) : NULL;
                if (!e)
                        return error_set(err, -ENOENT, "No such image: %s%s", bare ? DIGEST_PREFIX : "", name);
                *ret = e;
                return 0;
        }

        r = reference_parse_normalized(name, &ref, err);
        if (r < 0)
                return r;

        e = find_by_reference(s, &ref) ?: find_by_prefix(s, name);
        if (e) {
                *ret = e;
                return 0;
        }

        if (!ref.tag && !ref.digest && reference_tag_name_only(&ref) < 0)
                return -ENOMEM;
        familiar = reference_familiar_string(&ref);
        return error_set(err, -ENOENT, "No such image: %s", familiar ?: name);
}

int image_store_lookup(struct image_store *s, const char *ref, struct image **ret, struct error *err)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);
        struct image_entry *e;
        int r;

        r = store_image_resolve(s, ref, &e, err);
        if (r < 0)
                return r;
        return store_image_snapshot(s, e, ret);
}

int image_store_list(struct image_store *s, struct image ***ret)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);
        struct image **list = calloc(s->n_images + 1, sizeof(*list));
        size_t n = 0;

        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_images; i++) {
                int r;

                if (s->images[i]->deleted)
                        continue;
                r = store_image_snapshot(s, s->images[i], &list[n]);
                if (r < 0) {
                        image_list_free(list);
                        return r;
                }
                n++;
        }
        *ret = list;
        return 0;
}

void image_list_free(struct image **list)
{
        for (size_t i = 0; list && list[i]; i++)
                image_unref(list[i]);
        free(list);
}
