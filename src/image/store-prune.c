/* SPDX-License-Identifier: Apache-2.0 */
/* POST /images/prune, following Docker Engine 20.10's ImagesPrune: each
 * candidate goes through the same deletion as DELETE /images/{name}, and
 * images that conflict are skipped without an error. */
#include <stdio.h>

#include "jsonutil.h"
#include "store-internal.h"
#include "strv.h"

struct layer_size {
        char chain_id[DIGEST_STRING_MAX];
        int64_t size;
};

static bool prune_candidate(const struct image *img, const struct image_prune_options *opts)
{
        json_object *labels = json_field_object(img->container_config, "Labels");

        if (opts->has_until && img->created_ns > opts->until_ns)
                return false;
        if (img->container_config) {
                if (!json_labels_match(opts->labels, labels, false))
                        return false;
                /* label! keeps out only the images that match all of its
                 * entries, so this is not json_labels_match's negate, which
                 * requires that none of them match. */
                if (opts->not_labels && json_object_array_length(opts->not_labels) > 0 &&
                    json_labels_match(opts->not_labels, labels, false))
                        return false;
        }
        /* Dangling only: images without tags (digest references do not
         * count as names here) and without children, which would keep
         * them anyway. */
        return !opts->dangling_only || (strv_length(img->repo_tags) == 0 && !img->has_children);
}

/* Records every layer's size, for what the deletions free. */
static int layer_sizes(struct image_store *s, struct layer_size **ret, size_t *ret_n)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);
        struct layer_size *sizes = calloc(s->n_layers + 1, sizeof(*sizes));

        if (!sizes)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_layers; i++) {
                snprintf(sizes[i].chain_id, sizeof(sizes[i].chain_id), "%s", s->layers[i]->chain_id);
                sizes[i].size = s->layers[i]->size;
        }
        *ret = sizes;
        *ret_n = s->n_layers;
        return 0;
}

/* Deletes one name as DELETE /images/{name} without force would, adding
 * its records to deleted. Conflicts and vanished images are skipped. */
static int prune_name(struct image_store *s, const char *name, json_object *deleted)
{
        _cleanup_json_ json_object *records = NULL;
        int r;

        r = image_store_delete(s, name, false, true, &records, NULL);
        if (r == -EBUSY || r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (size_t i = 0; i < json_object_array_length(records); i++)
                json_object_array_add(deleted, json_object_get(json_object_array_get_idx(records, i)));
        return 0;
}

/* The names to delete for one image: its references, or its ID when it
 * has none. */
static int prune_names(const struct image *img, char ***names)
{
        char **refs[] = { img->repo_tags, img->repo_digests };
        bool named = strv_length(img->repo_tags) + strv_length(img->repo_digests) > 0;
        int r;

        if (!named)
                return strv_append(names, img->id);
        for (size_t i = 0; i < ARRAY_SIZE(refs); i++)
                STRV_FOREACH (ref, refs[i]) {
                        r = strv_append(names, *ref);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static uint64_t reclaimed(json_object *deleted, const struct layer_size *sizes, size_t n)
{
        uint64_t total = 0;

        for (size_t i = 0; i < json_object_array_length(deleted); i++) {
                const char *id = json_field_string(json_object_array_get_idx(deleted, i), "Deleted", NULL);

                for (size_t j = 0; id && j < n; j++)
                        if (streq(sizes[j].chain_id, id))
                                total += (uint64_t)sizes[j].size;
        }
        return total;
}

int image_store_prune(struct image_store *s, const struct image_prune_options *opts, json_object **ret_deleted,
                      uint64_t *ret_reclaimed)
{
        _cleanup_json_ json_object *deleted = json_object_new_array();
        _cleanup_free_ struct layer_size *sizes = NULL;
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        struct image **images = NULL;
        size_t n_sizes = 0;
        int r;

        if (!names)
                return -ENOMEM;
        r = layer_sizes(s, &sizes, &n_sizes);
        if (r < 0)
                return r;
        r = image_store_list(s, &images);
        if (r < 0)
                return r;

        /* The snapshots go before the deletions, which would otherwise
         * find the layers still in use by them. */
        for (size_t i = 0; images[i] && r >= 0; i++)
                if (prune_candidate(images[i], opts))
                        r = prune_names(images[i], &names);
        image_list_free(images);
        if (r < 0)
                return r;

        STRV_FOREACH (name, names) {
                r = prune_name(s, *name, deleted);
                if (r < 0)
                        return r;
        }

        *ret_reclaimed = reclaimed(deleted, sizes, n_sizes);
        *ret_deleted = TAKE_PTR(deleted);
        return 0;
}
