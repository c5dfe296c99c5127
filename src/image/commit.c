/* SPDX-License-Identifier: Apache-2.0 */
/* POST /commit: a container's changes become a layer on top of its
 * image's, in a child image as dockerd 20.10's NewChildImage makes it. */
#include <stdio.h>

#include "config.h"
#include "jsonutil.h"
#include "store-internal.h"
#include "timeutil.h"

/* The diff ID of a tar without entries, whose layer Docker leaves out of
 * rootfs.diff_ids (layer.EmptyLayer). */
#define EMPTY_LAYER_DIFF_ID "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

static json_object *string_or_null(const char *s)
{
        return isempty(s) ? NULL : json_object_new_string(s);
}

/* Adds key unless value is NULL (Go's omitempty). */
static void add_optional(json_object *obj, const char *key, json_object *value)
{
        if (value)
                json_object_object_add(obj, key, value);
}

static json_object *history_entry(const struct image_commit_options *opts, const char *created, bool empty_layer)
{
        json_object *entry = json_object_new_object(), *cmd;
        _cleanup_free_ char *created_by = NULL;
        size_t len = 0;

        /* created_by is the container's Cmd joined by spaces. */
        cmd = json_field_array(opts->container_config, "Cmd");
        for (size_t i = 0; cmd && i < json_object_array_length(cmd); i++)
                len += strlen(json_object_get_string(json_object_array_get_idx(cmd, i))) + 1;
        created_by = calloc(1, len + 1);
        for (size_t i = 0; created_by && cmd && i < json_object_array_length(cmd); i++) {
                if (i > 0)
                        strcat(created_by, " ");
                strcat(created_by, json_object_get_string(json_object_array_get_idx(cmd, i)));
        }

        json_object_object_add(entry, "created", json_object_new_string(created));
        add_optional(entry, "author", string_or_null(opts->author));
        add_optional(entry, "created_by", string_or_null(created_by));
        add_optional(entry, "comment", string_or_null(opts->comment));
        if (empty_layer)
                json_object_object_add(entry, "empty_layer", json_object_new_boolean(true));
        return entry;
}

static json_object *child_history(const struct image *parent, json_object *entry)
{
        json_object *history = json_object_new_array(), *old = config_history(parent->config);

        for (size_t i = 0; old && i < json_object_array_length(old); i++)
                json_object_array_add(history, json_object_get(json_object_array_get_idx(old, i)));
        json_object_array_add(history, entry);
        return history;
}

static json_object *child_rootfs(const struct image *parent, const char *diff_id)
{
        json_object *rootfs = json_object_new_object(), *diff_ids = json_object_new_array();

        for (char **id = parent->diff_ids; id && *id; id++)
                json_object_array_add(diff_ids, json_object_new_string(*id));
        if (diff_id)
                json_object_array_add(diff_ids, json_object_new_string(diff_id));
        json_object_object_add(rootfs, "type", json_object_new_string("layers"));
        json_object_object_add(rootfs, "diff_ids", diff_ids);
        return rootfs;
}

static json_object *parent_field(const struct image *parent, const char *key)
{
        json_object *value = config_field(parent->config, key);

        if (!value || json_object_is_type(value, json_type_null))
                return NULL;
        if (json_object_is_type(value, json_type_string) && json_object_get_string_len(value) == 0)
                return NULL;
        return json_object_get(value);
}

/* The child image's config: the top-level keys sorted, as Docker's Image
 * type marshals them through a map. diff_id is NULL for an empty layer. */
static char *child_config(const struct image *parent, const struct image_commit_options *opts, json_object *config,
                          const char *diff_id)
{
        _cleanup_json_ json_object *image = json_object_new_object();
        char created[TIMEUTIL_RFC3339_MAX];
        const char *architecture = json_object_get_string(config_field(parent->config, "architecture"));

        timeutil_format_rfc3339(timeutil_now_ns(), created, sizeof(created));

        json_object_object_add(
                image, "architecture",
                json_object_new_string(!isempty(architecture) ? architecture : config_host_architecture()));
        add_optional(image, "author", string_or_null(opts->author));
        json_object_object_add(image, "config", json_object_get(config));
        json_object_object_add(image, "container", json_object_new_string(opts->container_id));
        json_object_object_add(image, "container_config", config_container_normalize(opts->container_config));
        json_object_object_add(image, "created", json_object_new_string(created));
        add_optional(image, "docker_version", string_or_null(opts->docker_version));
        json_object_object_add(image, "history", child_history(parent, history_entry(opts, created, !diff_id)));
        json_object_object_add(image, "os", json_object_new_string("linux"));
        add_optional(image, "os.features", parent_field(parent, "os.features"));
        add_optional(image, "os.version", parent_field(parent, "os.version"));
        json_object_object_add(image, "rootfs", child_rootfs(parent, diff_id));
        add_optional(image, "variant", parent_field(parent, "variant"));
        return strdup(json_to_string(image));
}

/* Records the parent, which docker inspect shows and rmi checks. */
static int set_parent(struct image_store *s, const char *id, const struct image *parent, struct error *err)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);
        struct image_entry *e = store_image_find(s, id);
        int r;

        /* A concurrent rmi may have removed the image already. */
        if (!e || e->deleted)
                return error_set(err, -ENOENT, "No such image: " DIGEST_PREFIX "%s", id);
        snprintf(e->parent, sizeof(e->parent), "%s", parent->id);
        r = store_meta_write(s, e);
        if (r < 0)
                return error_set_errno(err, r, "failed to save the image metadata");
        return 0;
}

/* Extracts the stream's layer on top of parent_chain, then checks that
 * its writer succeeded. The layer is NULL for Docker's empty layer. */
static int read_layer(struct image_store *s, const char *parent_chain, const struct image_layer_stream *stream,
                      struct layer **ret, struct error *err)
{
        _cleanup_error_ struct error extract_err = ERROR_INIT;
        struct layer_source src = { .fd = stream->fd };
        struct layer *layer = NULL;
        int r, finished;

        r = store_layer_create(s, parent_chain, &src, &layer, &extract_err);
        /* A writer that failed explains a broken tar better than the
         * extraction does. */
        finished = stream->finish(stream->userdata, err);
        if (finished < 0 || r < 0) {
                if (r >= 0)
                        store_layer_put(s, layer);
                if (finished < 0)
                        return finished;
                return error_set(err, r, "%s", error_message(&extract_err, r));
        }

        /* Like Docker, the empty layer is stored and dropped again. */
        if (streq(layer->diff_id, EMPTY_LAYER_DIFF_ID)) {
                store_layer_put(s, layer);
                layer = NULL;
        }
        *ret = layer;
        return 0;
}

int image_store_commit(struct image_store *s, const struct image *parent, const struct image_layer_stream *stream,
                       const struct image_commit_options *opts, json_object *config, char *ret_id, struct error *err)
{
        _cleanup_free_ struct layer **layers = NULL;
        _cleanup_free_ char *bytes = NULL;
        const char *parent_chain = parent->n_layers > 0 ? parent->chain_ids[parent->n_layers - 1] : NULL;
        struct layer *layer = NULL;
        size_t n = parent->n_layers;
        char id[65];
        int r;

        if (parent->deleted) {
                stream->finish(stream->userdata, NULL);
                return error_set(err, -ENOENT, "No such image: " DIGEST_PREFIX "%s", parent->id);
        }
        r = read_layer(s, parent_chain, stream, &layer, err);
        if (r < 0)
                return r;

        layers = calloc(n + 2, sizeof(*layers));
        bytes = layers ? child_config(parent, opts, config, layer ? layer->diff_id : NULL) : NULL;
        if (!bytes) {
                if (layer)
                        store_layer_put(s, layer);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                layers[i] = parent->layers[i];
        if (layer)
                layers[n++] = layer;

        r = store_image_add(s, bytes, strlen(bytes), layers, n, id, err);
        if (layer)
                store_layer_put(s, layer);
        if (r < 0)
                return r;
        r = set_parent(s, id, parent, err);
        if (r < 0)
                return r;

        snprintf(ret_id, DIGEST_STRING_MAX, DIGEST_PREFIX "%s", id);
        return 0;
}
