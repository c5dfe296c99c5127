/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /images/load: the archive is spooled to disk, then loaded image by
 * image as Docker's tarexporter does: docker-archive (manifest.json) first,
 * else an OCI image layout (index.json).
 */
#include "load.h"

#include <stdarg.h>
#include <stdio.h>

#include "config.h"
#include "jsonutil.h"
#include "store-internal.h"
#include "strv.h"

#define MANIFEST_FILE "manifest.json"
#define OCI_INDEX     "index.json"

void archive_manifest_free(struct archive_manifest *m, size_t n)
{
        for (size_t i = 0; m && i < n; i++) {
                free(m[i].config);
                strv_free(m[i].repo_tags);
                strv_free(m[i].layers);
        }
        free(m);
}

static int parse_entry(json_object *obj, struct archive_manifest *ret, struct error *err)
{
        const char *config = json_field_string(obj, "Config", NULL);

        if (!json_object_is_type(obj, json_type_object) || isempty(config))
                return error_set(err, -EINVAL, "invalid manifest: an entry has no Config");
        if (json_array_to_strv(json_field_array(obj, "RepoTags"), &ret->repo_tags) < 0 ||
            json_array_to_strv(json_field_array(obj, "Layers"), &ret->layers) < 0)
                return error_set(err, -EINVAL, "invalid manifest: RepoTags and Layers must be arrays of strings");
        if (json_field_check(obj, "RepoTags", json_type_array, "manifestItem", err) < 0 ||
            json_field_check(obj, "Layers", json_type_array, "manifestItem", err) < 0)
                return -EINVAL;

        ret->config = strdup(config);
        if (!ret->config || (!ret->repo_tags && !(ret->repo_tags = calloc(1, sizeof(char *)))) ||
            (!ret->layers && !(ret->layers = calloc(1, sizeof(char *)))))
                return -ENOMEM;
        return 0;
}

int archive_manifest_parse(const char *buf, size_t len, struct archive_manifest **ret, size_t *ret_n, struct error *err)
{
        _cleanup_json_ json_object *root = NULL;
        struct archive_manifest *entries;
        size_t n;
        int r;

        r = json_parse_buffer(buf, len, &root, err);
        if (r < 0)
                return error_prefix(err, r, "invalid manifest");
        if (!json_object_is_type(root, json_type_array))
                return error_set(err, -EINVAL, "invalid manifest: not a JSON array");

        n = json_object_array_length(root);
        entries = calloc(n + 1, sizeof(*entries));
        if (!entries)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = parse_entry(json_object_array_get_idx(root, i), &entries[i], err);
                if (r < 0) {
                        archive_manifest_free(entries, n);
                        return r;
                }
        }
        *ret = entries;
        *ret_n = n;
        return 0;
}

void loader_message(struct loader *l, const char *fmt, ...)
{
        _cleanup_free_ char *text = NULL;
        va_list ap;
        int r;

        if (!l->cb || !l->cb->message)
                return;
        va_start(ap, fmt);
        r = vasprintf(&text, fmt, ap);
        va_end(ap);
        if (r >= 0)
                l->cb->message(text, l->cb->userdata);
}

struct layer_progress {
        struct loader *loader;
        char short_id[13];
};

static void report_layer_progress(int64_t current, int64_t total, void *userdata)
{
        struct layer_progress *p = userdata;

        p->loader->cb->progress(p->short_id, current, total, p->loader->cb->userdata);
}

/* Docker loads only images of its own OS; an empty OS is fine too. */
static int check_os(struct loader *l, json_object *config)
{
        const char *os = json_object_get_string(config_field(config, "os"));

        if (!isempty(os) && !streq(os, "linux"))
                return error_set(l->err, -EINVAL, "cannot load %s image on linux", os);
        return 0;
}

static int load_layer(struct loader *l, const char *parent, const char *diff_id, const char *path, const char *digest,
                      size_t index, struct layer **ret)
{
        _cleanup_close_ int fd = -1;
        struct layer_progress progress = { .loader = l };
        struct layer_source src = {
                .index = index,
                .expected_diff_id = diff_id,
                .expected_blob = digest,
                .progress = l->cb && l->cb->progress ? report_layer_progress : NULL,
                .userdata = &progress,
        };
        int r;

        snprintf(progress.short_id, sizeof(progress.short_id), "%s", digest_hex(diff_id));
        r = spool_open(l->spool, path, &fd, l->err);
        if (r < 0)
                return r;
        src.fd = fd;
        return store_layer_create(l->store, parent, &src, ret, l->err);
}

static void put_layers(struct image_store *s, struct layer **layers, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (layers[i])
                        store_layer_put(s, layers[i]);
}

int loader_add_image(struct loader *l, const char *config, size_t config_len, char *const *layer_paths,
                     char *const *layer_digests, char *ret_id)
{
        _cleanup_json_ json_object *parsed = NULL;
        _cleanup_strv_free_ char **diff_ids = NULL;
        _cleanup_free_ struct layer **layers = NULL;
        size_t n = strv_length(layer_paths);
        char chain[DIGEST_STRING_MAX];
        int r;

        r = store_config_parse(config, config_len, &parsed, &diff_ids, l->err);
        if (r < 0)
                return r;
        r = check_os(l, parsed);
        if (r < 0)
                return r;
        if (strv_length(diff_ids) != n)
                return error_set(l->err, -EINVAL, "invalid manifest, layers length mismatch: expected %zu, got %zu", n,
                                 strv_length(diff_ids));

        layers = calloc(n + 1, sizeof(*layers));
        if (!layers)
                return -ENOMEM;

        /* Layers already stored are taken as they are, as Docker does. */
        for (size_t i = 0; i < n && r >= 0; i++) {
                const char *parent = i > 0 ? layers[i - 1]->chain_id : NULL;

                r = digest_chain_id(parent, diff_ids[i], chain);
                if (r >= 0 && store_layer_get(l->store, chain, &layers[i]) < 0)
                        r = load_layer(l, parent, diff_ids[i], layer_paths[i], layer_digests ? layer_digests[i] : NULL,
                                       i, &layers[i]);
        }
        if (r >= 0)
                r = store_image_add(l->store, config, config_len, layers, n, ret_id, l->err);

        put_layers(l->store, layers, n);
        return r;
}

void loader_event(struct loader *l, const char *id)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(l->store);

        store_event(l->store, "load", id, NULL);
}

int loader_tag(struct loader *l, const struct reference *ref, const char *image_id)
{
        _cleanup_free_ char *full = reference_string(ref), *familiar = reference_familiar_string(ref);
        char previous[65] = "";
        struct tag_entry *t;
        int r;

        if (!full || !familiar)
                return -ENOMEM;

        {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(l->store);
                struct image_entry *e = store_image_find(l->store, image_id);

                /* A concurrent rmi may have removed the image already. */
                if (!e || e->deleted)
                        return error_set(l->err, -ENOENT, "No such image: " DIGEST_PREFIX "%s", image_id);
                t = store_tag_find(l->store, full);
                if (t)
                        snprintf(previous, sizeof(previous), "%s", t->image_id);
                r = store_tag_set(l->store, ref, image_id);
                if (r >= 0)
                        r = store_tags_save(l->store);
        }
        if (r < 0)
                return error_set_errno(l->err, r, "failed to save the tag %s", familiar);

        if (*previous && !streq(previous, image_id))
                loader_message(l,
                               "The image %s already exists, renaming the old one with ID " DIGEST_PREFIX
                               "%s to empty string\n",
                               familiar, previous);
        if (!ref->digest)
                loader_message(l, "Loaded image: %s\n", familiar);
        return 0;
}

/* A member named blobs/sha256/<hex> (Docker 25+) must have that digest. */
static int check_blob_name(struct loader *l, const char *path, const char *data, size_t len)
{
        const char *hex = startswith(path, "blobs/sha256/");
        char digest[DIGEST_STRING_MAX];
        int r;

        if (!hex)
                return 0;
        r = digest_buffer(data, len, digest);
        if (r < 0)
                return r;
        if (!streq(digest_hex(digest), hex))
                return error_set(l->err, -EBADMSG, "invalid archive: %s has digest %s", path, digest);
        return 0;
}

static int load_manifest_entry(struct loader *l, const struct archive_manifest *m)
{
        _cleanup_strv_free_ char **digests = NULL;
        _cleanup_free_ char *config = NULL;
        size_t config_len, n = strv_length(m->layers);
        char id[65];
        int r;

        r = spool_read(l->spool, m->config, CONFIG_MAX_SIZE, &config, &config_len, l->err);
        if (r < 0)
                return r;
        r = check_blob_name(l, m->config, config, config_len);
        if (r < 0)
                return r;

        /* Docker 25+ names layers by digest (blobs/sha256/<hex>): verify
         * those against their names too. */
        digests = calloc(n + 1, sizeof(char *));
        if (!digests)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *hex = startswith(m->layers[i], "blobs/sha256/");

                if (hex && asprintf(&digests[i], DIGEST_PREFIX "%s", hex) < 0)
                        return -ENOMEM;
        }

        r = loader_add_image(l, config, config_len, m->layers, digests, id);
        if (r < 0)
                return r;

        STRV_FOREACH (tag, m->repo_tags) {
                _cleanup_reference_ struct reference ref = { 0 };

                if (reference_parse_normalized(*tag, &ref, NULL) < 0 || !ref.tag || ref.digest)
                        return error_set(l->err, -EINVAL, "invalid tag \"%s\"", *tag);
                r = loader_tag(l, &ref, id);
                if (r < 0)
                        return r;
        }
        if (strv_length(m->repo_tags) == 0)
                loader_message(l, "Loaded image ID: " DIGEST_PREFIX "%s\n", id);
        loader_event(l, id);
        return 0;
}

static int load_docker_archive(struct loader *l)
{
        struct archive_manifest *manifest = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len, n = 0;
        int r;

        r = spool_read(l->spool, MANIFEST_FILE, METADATA_MAX_SIZE, &buf, &len, l->err);
        if (r < 0)
                return r;
        r = archive_manifest_parse(buf, len, &manifest, &n, l->err);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n && r >= 0; i++)
                r = load_manifest_entry(l, &manifest[i]);
        archive_manifest_free(manifest, n);
        return r;
}

int image_store_load(struct image_store *s, int fd, const struct image_load_callbacks *cb, struct error *err)
{
        _cleanup_spool_ struct spool *spool = NULL;
        struct loader l = { .store = s, .cb = cb, .err = err };
        int r;

        r = spool_archive(s->tmp_fd, fd, &spool, err);
        if (r < 0)
                return r;
        l.spool = spool;

        if (spool_has(spool, MANIFEST_FILE))
                return load_docker_archive(&l);
        if (spool_has(spool, OCI_INDEX))
                return load_oci_layout(&l);
        return error_set(err, -EINVAL,
                         "invalid image archive: it contains neither manifest.json (docker save) nor index.json "
                         "(OCI image layout)");
}
