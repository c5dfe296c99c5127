/* SPDX-License-Identifier: Apache-2.0 */
/* POST /images/create?fromSrc=-: one root filesystem tar becomes a
 * one-layer image, as Docker's ImportImage makes it. */
#include <stdio.h>

#include "changes.h"
#include "config.h"
#include "jsonutil.h"
#include "store-internal.h"
#include "timeutil.h"

/* Parses the target reference: repo with the tag applied, or none. */
static int import_reference(const struct image_import_options *opts, struct reference *ret, bool *ret_named,
                            struct error *err)
{
        int r;

        *ret_named = false;
        if (isempty(opts->repo))
                return 0;

        r = reference_parse_normalized(opts->repo, ret, err);
        if (r < 0)
                return r;
        if (ret->digest)
                return error_set(err, -EINVAL, "cannot import digest reference");
        if (!isempty(opts->tag)) {
                r = reference_set_tag(ret, opts->tag, err);
                if (r < 0)
                        return r;
        }
        *ret_named = true;
        return reference_tag_name_only(ret);
}

int image_import_validate(const struct image_import_options *opts, struct error *err)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_json_ json_object *config = NULL;
        bool named;
        int r;

        r = import_reference(opts, &ref, &named, err);
        if (r < 0)
                return r;
        return changes_apply(opts->changes, &config, err);
}

/* The config as Docker writes it for an import: top-level keys sorted (its
 * Image type marshals through a map), the container configs in Go's field
 * order. */
static char *import_config(json_object *container_config, const char *comment, const char *docker_version,
                           const char *diff_id)
{
        _cleanup_json_ json_object *config = json_object_new_object(), *history = json_object_new_object();
        char created[TIMEUTIL_RFC3339_MAX];
        json_object *rootfs = json_object_new_object(), *diff_ids = json_object_new_array(), *entries;
        const char *variant = config_host_variant();

        timeutil_format_rfc3339(timeutil_now_ns(), created, sizeof(created));

        json_object_object_add(config, "architecture", json_object_new_string(config_host_architecture()));
        json_object_object_add(config, "comment", json_object_new_string(comment));
        json_object_object_add(config, "config", json_object_get(container_config));
        json_object_object_add(config, "container_config", config_container_normalize(NULL));
        json_object_object_add(config, "created", json_object_new_string(created));
        if (!isempty(docker_version))
                json_object_object_add(config, "docker_version", json_object_new_string(docker_version));

        json_object_object_add(history, "created", json_object_new_string(created));
        json_object_object_add(history, "comment", json_object_new_string(comment));
        entries = json_object_new_array();
        json_object_array_add(entries, json_object_get(history));
        json_object_object_add(config, "history", entries);

        json_object_object_add(config, "os", json_object_new_string("linux"));
        json_object_array_add(diff_ids, json_object_new_string(diff_id));
        json_object_object_add(rootfs, "type", json_object_new_string("layers"));
        json_object_object_add(rootfs, "diff_ids", diff_ids);
        json_object_object_add(config, "rootfs", rootfs);
        if (variant)
                json_object_object_add(config, "variant", json_object_new_string(variant));

        return strdup(json_to_string(config));
}

static int tag_import(struct image_store *s, const char *id, const struct reference *ref, struct error *err)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);
        struct image_entry *e = store_image_find(s, id);

        /* A concurrent rmi may have removed the image already. */
        if (!e || e->deleted)
                return error_set(err, -ENOENT, "No such image: " DIGEST_PREFIX "%s", id);
        return store_tag_image(s, ref, e, err);
}

int image_store_import(struct image_store *s, int fd, const struct image_import_options *opts, char *ret_id,
                       struct error *err)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_json_ json_object *container_config = NULL;
        _cleanup_free_ char *config = NULL;
        const char *comment = isempty(opts->message) ? "Imported from -" : opts->message;
        struct layer_source src = { .fd = fd };
        struct layer *layer = NULL;
        char id[65];
        bool named;
        int r;

        r = import_reference(opts, &ref, &named, err);
        if (r < 0)
                return r;
        r = changes_apply(opts->changes, &container_config, err);
        if (r < 0)
                return r;

        r = store_layer_create(s, NULL, &src, &layer, err);
        if (r < 0)
                return r;

        config = import_config(container_config, comment, opts->docker_version, layer->diff_id);
        r = config ? store_image_add(s, config, strlen(config), &layer, 1, id, err) : -ENOMEM;
        store_layer_put(s, layer);
        if (r < 0)
                return r;

        if (named) {
                r = tag_import(s, id, &ref, err);
                if (r < 0)
                        return r;
        }
        {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);

                store_event(s, "import", id, NULL);
        }
        snprintf(ret_id, DIGEST_STRING_MAX, DIGEST_PREFIX "%s", id);
        return 0;
}
