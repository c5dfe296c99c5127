/* SPDX-License-Identifier: Apache-2.0 */
/* Image configs, their index and the snapshots handed to callers. */
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config.h"
#include "fsutil.h"
#include "idutil.h"
#include "jsonutil.h"
#include "log.h"
#include "store-internal.h"
#include "strv.h"
#include "timeutil.h"

void store_image_entry_free(struct image_entry *e)
{
        if (!e)
                return;
        free(e->config_bytes);
        json_object_put(e->config);
        json_object_put(e->container_config);
        free(e->layers);
        free(e);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct image_entry *, store_image_entry_free)

struct image_entry *store_image_find(struct image_store *s, const char *id)
{
        for (size_t i = 0; i < s->n_images; i++)
                if (streq(s->images[i]->id, id))
                        return s->images[i];
        return NULL;
}

static int count_non_empty_history(json_object *config)
{
        json_object *history = config_history(config);
        int n = 0;

        for (size_t i = 0; history && i < json_object_array_length(history); i++) {
                json_object *empty = config_field(json_object_array_get_idx(history, i), "empty_layer");

                if (!json_object_get_boolean(empty))
                        n++;
        }
        return n;
}

int store_config_parse(const char *bytes, size_t len, json_object **ret_config, char ***ret_diff_ids, struct error *err)
{
        _cleanup_json_ json_object *config = NULL;
        _cleanup_strv_free_ char **diff_ids = NULL;
        json_object *rootfs, *ids;
        int r;

        r = json_parse_buffer(bytes, len, &config, err);
        if (r < 0)
                return error_prefix(err, r, "invalid image config");
        if (!json_object_is_type(config, json_type_object))
                return error_set(err, -EINVAL, "invalid image config: not a JSON object");

        rootfs = config_field(config, "rootfs");
        if (!json_object_is_type(rootfs, json_type_object))
                return error_set(err, -EINVAL, "invalid image JSON, no RootFS key");
        if (!streq_ptr(json_object_get_string(config_field(rootfs, "type")), "layers"))
                return error_set(err, -EINVAL, "invalid image config: rootfs type is not \"layers\"");

        ids = config_field(rootfs, "diff_ids");
        if (ids && !json_object_is_type(ids, json_type_null) && json_array_to_strv(ids, &diff_ids) < 0)
                return error_set(err, -EINVAL, "invalid image config: diff_ids is not an array of strings");
        STRV_FOREACH (id, diff_ids)
                if (!digest_is_sha256(*id))
                        return error_set(err, -EINVAL, "invalid image config: unsupported diff ID \"%s\"", *id);

        if ((size_t)count_non_empty_history(config) > strv_length(diff_ids))
                return error_set(err, -EINVAL, "too many non-empty layers in History section");

        if (!diff_ids) {
                diff_ids = calloc(1, sizeof(char *));
                if (!diff_ids)
                        return -ENOMEM;
        }
        *ret_config = TAKE_PTR(config);
        *ret_diff_ids = TAKE_PTR(diff_ids);
        return 0;
}

static int images_append(struct image_store *s, struct image_entry *e)
{
        struct image_entry **grown = realloc(s->images, (s->n_images + 1) * sizeof(*s->images));

        if (!grown)
                return -ENOMEM;
        s->images = grown;
        s->images[s->n_images++] = e;
        return 0;
}

/* Builds an entry over parsed config bytes (taken over on success) and
 * its layers, taking a reference on each. */
static int entry_new(const char *id, char *bytes, size_t len, json_object *config, struct layer **layers,
                     size_t n_layers, struct image_entry **ret)
{
        _cleanup_(store_image_entry_freep) struct image_entry *e = calloc(1, sizeof(*e));

        if (!e)
                return -ENOMEM;
        e->layers = calloc(n_layers + 1, sizeof(*e->layers));
        if (!e->layers)
                return -ENOMEM;

        snprintf(e->id, sizeof(e->id), "%s", id);
        e->config_bytes = bytes;
        e->config_len = len;
        e->config = json_object_get(config);
        if (config_field(config, "config") && !json_object_is_type(config_field(config, "config"), json_type_null))
                e->container_config = config_container_normalize(config_field(config, "config"));
        e->created_ns = config_created_ns(config);
        for (size_t i = 0; i < n_layers; i++) {
                e->layers[i] = layers[i];
                store_layer_ref(layers[i]);
        }
        e->n_layers = n_layers;

        *ret = TAKE_PTR(e);
        return 0;
}

static int read_meta(struct image_store *s, struct image_entry *e)
{
        _cleanup_json_ json_object *meta = NULL;
        const char *parent;
        char name[80];
        int64_t ns;

        snprintf(name, sizeof(name), "%s.json", e->id);
        if (json_file_read(s->meta_fd, name, METADATA_MAX_SIZE, &meta) < 0)
                return 0;
        if (timeutil_parse_rfc3339(json_field_string(meta, "LastTagTime", ""), &ns) >= 0)
                e->last_tag_ns = ns;
        e->deleted = json_field_bool(meta, "Deleted", false);
        parent = json_field_string(meta, "Parent", "");
        if (digest_is_sha256(parent))
                snprintf(e->parent, sizeof(e->parent), "%s", digest_hex(parent));
        return 0;
}

int store_meta_write(struct image_store *s, struct image_entry *e)
{
        _cleanup_json_ json_object *meta = json_object_new_object();
        char name[80], time[TIMEUTIL_RFC3339_MAX];

        snprintf(name, sizeof(name), "%s.json", e->id);
        json_object_object_add(meta, "LastTagTime",
                               json_object_new_string(timeutil_format_rfc3339(e->last_tag_ns, time, sizeof(time))));
        if (e->deleted)
                json_object_object_add(meta, "Deleted", json_object_new_boolean(true));
        if (*e->parent) {
                char parent[DIGEST_STRING_MAX];

                snprintf(parent, sizeof(parent), DIGEST_PREFIX "%s", e->parent);
                json_object_object_add(meta, "Parent", json_object_new_string(parent));
        }
        return json_file_write_atomic(s->meta_fd, name, meta, 0600);
}

/* Resolves the chain of layers for diff_ids; -ENOENT when one is missing. */
static int find_layers(struct image_store *s, char **diff_ids, struct layer ***ret)
{
        size_t n = strv_length(diff_ids);
        _cleanup_free_ struct layer **layers = calloc(n + 1, sizeof(*layers));
        char chain[DIGEST_STRING_MAX];

        if (!layers)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r = digest_chain_id(i > 0 ? chain : NULL, diff_ids[i], chain);

                if (r < 0)
                        return r;
                layers[i] = store_layer_find(s, chain);
                if (!layers[i])
                        return -ENOENT;
        }
        *ret = TAKE_PTR(layers);
        return 0;
}

static void remove_image_files(struct image_store *s, const char *id)
{
        char name[NAME_MAX + 8];

        snprintf(name, sizeof(name), "%s.json", id);
        unlinkat(s->meta_fd, name, 0);
        unlinkat(s->configs_fd, id, 0);
}

/* Reads configs/<name>; a file that is not a usable image is removed. */
static int image_load_one(struct image_store *s, const char *name)
{
        _cleanup_(store_image_entry_freep) struct image_entry *e = NULL;
        _cleanup_json_ json_object *config = NULL;
        _cleanup_strv_free_ char **diff_ids = NULL;
        _cleanup_free_ struct layer **layers = NULL;
        _cleanup_free_ char *bytes = NULL;
        char digest[DIGEST_STRING_MAX];
        size_t len;
        int r;

        if (!id_is_hex(name, 64) || fs_read_file_at(s->configs_fd, name, CONFIG_MAX_SIZE, &bytes, &len) < 0 ||
            digest_buffer(bytes, len, digest) < 0 || !streq(digest_hex(digest), name) ||
            store_config_parse(bytes, len, &config, &diff_ids, NULL) < 0 || find_layers(s, diff_ids, &layers) < 0) {
                log_debug("Removing unusable image config '%s' from the image store", name);
                remove_image_files(s, name);
                return 0;
        }

        r = entry_new(name, bytes, len, config, layers, strv_length(diff_ids), &e);
        if (r < 0)
                return r;
        bytes = NULL;
        read_meta(s, e);

        r = images_append(s, e);
        if (r < 0)
                return r;
        e = NULL;
        return 0;
}

int store_images_load(struct image_store *s)
{
        return store_load_each(s, s->configs_fd, image_load_one);
}

int store_image_add(struct image_store *s, const char *config, size_t len, struct layer **layers, size_t n_layers,
                    char *ret_id, struct error *err)
{
        _cleanup_(store_image_entry_freep) struct image_entry *e = NULL;
        _cleanup_json_ json_object *parsed = NULL;
        _cleanup_strv_free_ char **diff_ids = NULL;
        _cleanup_free_ char *bytes = NULL;
        _cleanup_unlock_ pthread_rwlock_t *lock = NULL;
        char digest[DIGEST_STRING_MAX];
        struct image_entry *existing;
        int r;

        r = store_config_parse(config, len, &parsed, &diff_ids, err);
        if (r < 0)
                return r;
        if (strv_length(diff_ids) != n_layers)
                return error_set(err, -EINVAL, "invalid manifest, layers length mismatch: expected %zu, got %zu",
                                 n_layers, strv_length(diff_ids));
        r = digest_buffer(config, len, digest);
        if (r < 0)
                return r;

        lock = store_write_lock(s);
        existing = store_image_find(s, digest_hex(digest));
        if (existing) {
                if (existing->deleted) {
                        existing->deleted = false;
                        store_meta_write(s, existing);
                }
                snprintf(ret_id, 65, "%s", existing->id);
                return 0;
        }

        r = fs_write_atomic_at(s->configs_fd, digest_hex(digest), config, len, 0600);
        if (r < 0)
                return error_set_errno(err, r, "failed to write the image config");

        bytes = malloc(len + 1);
        if (!bytes)
                return -ENOMEM;
        memcpy(bytes, config, len);
        bytes[len] = '\0';
        r = entry_new(digest_hex(digest), bytes, len, parsed, layers, n_layers, &e);
        if (r < 0)
                return r;
        bytes = NULL;

        r = images_append(s, e);
        if (r < 0)
                return r;
        snprintf(ret_id, 65, "%s", e->id);
        e = NULL;
        return 0;
}

static bool image_is_held(struct image_store *s, const char *id)
{
        for (size_t i = 0; i < s->n_holds; i++)
                if (streq(s->holds[i]->image_id, id))
                        return true;
        return false;
}

int store_image_remove(struct image_store *s, struct image_entry *e, char ***ret_removed_layers)
{
        size_t i;

        /* A container's hold needs the config after a restart. */
        if (image_is_held(s, e->id)) {
                e->deleted = true;
                return store_meta_write(s, e);
        }

        remove_image_files(s, e->id);
        if (fsync(s->configs_fd) < 0)
                log_debug_errno(-errno, "Failed to sync the image configs directory: %m");

        for (i = 0; i < s->n_images && s->images[i] != e; i++)
                ;
        if (i < s->n_images)
                memmove(s->images + i, s->images + i + 1, (s->n_images - i - 1) * sizeof(*s->images));
        s->n_images--;

        for (size_t j = e->n_layers; j > 0; j--) {
                char chain[DIGEST_STRING_MAX];

                snprintf(chain, sizeof(chain), "%s", e->layers[j - 1]->chain_id);
                if (store_layer_unref(s, e->layers[j - 1]) && ret_removed_layers)
                        strv_append(ret_removed_layers, chain);
        }
        store_image_entry_free(e);
        return 0;
}

/* Removes deleted images that no hold keeps any more. Write lock held. */
void store_images_collect(struct image_store *s)
{
        for (size_t i = s->n_images; i > 0; i--)
                if (s->images[i - 1]->deleted && !image_is_held(s, s->images[i - 1]->id))
                        store_image_remove(s, s->images[i - 1], NULL);
}
