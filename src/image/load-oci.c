/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI image layouts (image-spec v1: oci-layout, index.json, blobs/): each
 * descriptor of index.json is one image, an index is narrowed to this host's
 * platform, and every blob is verified against its digest. The image is
 * named by its "io.containerd.image.name" annotation, else by an
 * "org.opencontainers.image.ref.name" that is a full reference (a bare tag
 * names no repository); the descriptor's digest becomes its repo digest.
 */
#include <stdio.h>

#include "config.h"
#include "jsonutil.h"
#include "load.h"
#include "store-internal.h"
#include "strv.h"

#define INDEX_DEPTH_MAX 4

#define MEDIA_OCI_INDEX     "application/vnd.oci.image.index.v1+json"
#define MEDIA_DOCKER_LIST   "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_OCI_MANIFEST  "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_DOCKER_SCHEMA "application/vnd.docker.distribution.manifest.v2+json"

/* Reads and verifies the blob a descriptor points at. */
static int read_blob(struct loader *l, json_object *descriptor, size_t max, char **ret, size_t *ret_len)
{
        const char *digest = json_field_string(descriptor, "digest", "");
        _cleanup_free_ char *path = NULL, *buf = NULL;
        char actual[DIGEST_STRING_MAX];
        size_t len;
        int r;

        if (!digest_is_sha256(digest))
                return error_set(l->err, -EINVAL, "invalid OCI layout: unsupported digest \"%s\"", digest);
        if (asprintf(&path, "blobs/sha256/%s", digest_hex(digest)) < 0)
                return -ENOMEM;

        r = spool_read(l->spool, path, max, &buf, &len, l->err);
        if (r < 0)
                return r;
        r = digest_buffer(buf, len, actual);
        if (r < 0)
                return r;
        if (!streq(actual, digest))
                return error_set(l->err, -EBADMSG, "invalid OCI layout: blob %s has digest %s", digest, actual);

        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int read_json_blob(struct loader *l, json_object *descriptor, json_object **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = read_blob(l, descriptor, METADATA_MAX_SIZE, &buf, &len);
        if (r < 0)
                return r;
        r = json_parse_buffer(buf, len, ret, l->err);
        if (r < 0)
                return error_prefix(l->err, r, "invalid OCI layout: blob %s",
                                    json_field_string(descriptor, "digest", ""));
        return 0;
}

static bool is_index(json_object *descriptor, json_object *blob)
{
        const char *media = json_field_string(descriptor, "mediaType", NULL);

        if (media)
                return streq(media, MEDIA_OCI_INDEX) || streq(media, MEDIA_DOCKER_LIST);
        return json_field_array(blob, "manifests") != NULL;
}

/* Tells whether a platform object names this host: linux, the same
 * architecture, and for arm64 the variant v8 or none. */
static bool platform_matches(json_object *platform)
{
        const char *os = json_field_string(platform, "os", "");
        const char *arch = json_field_string(platform, "architecture", "");
        const char *variant = json_field_string(platform, "variant", "");
        const char *host_variant = config_host_variant();

        if (!streq(os, "linux") || !streq(arch, config_host_architecture()))
                return false;
        if (streq(arch, "arm64"))
                return isempty(variant) || streq(variant, "v8");
        return isempty(variant) || !host_variant || streq(variant, host_variant);
}

static json_object *select_manifest(json_object *index)
{
        json_object *manifests = json_field_array(index, "manifests");

        for (size_t i = 0; manifests && i < json_object_array_length(manifests); i++) {
                json_object *d = json_object_array_get_idx(manifests, i);

                if (platform_matches(json_field_object(d, "platform")))
                        return d;
        }
        return NULL;
}

/* Follows indexes from top down to an image manifest for this host. */
static int resolve_manifest(struct loader *l, json_object *top, json_object **ret)
{
        _cleanup_json_ json_object *descriptor = json_object_get(top);

        for (unsigned depth = 0; depth <= INDEX_DEPTH_MAX; depth++) {
                _cleanup_json_ json_object *blob = NULL;
                json_object *next;
                int r;

                r = read_json_blob(l, descriptor, &blob);
                if (r < 0)
                        return r;
                if (!is_index(descriptor, blob)) {
                        *ret = TAKE_PTR(blob);
                        return 0;
                }

                next = select_manifest(blob);
                if (!next)
                        return error_set(l->err, -ENOENT,
                                         "no matching manifest for linux/%s in the manifest list entries",
                                         config_host_architecture());
                /* next belongs to blob, which goes at the end of this round. */
                json_object_put(descriptor);
                descriptor = json_object_get(next);
        }
        return error_set(l->err, -EINVAL, "invalid OCI layout: indexes nested too deeply");
}

static int manifest_layers(struct loader *l, json_object *manifest, char ***ret_paths, char ***ret_digests)
{
        _cleanup_strv_free_ char **paths = NULL, **digests = NULL;
        json_object *layers = json_field_array(manifest, "layers");
        size_t n = layers ? json_object_array_length(layers) : 0;

        paths = calloc(n + 1, sizeof(char *));
        digests = calloc(n + 1, sizeof(char *));
        if (!paths || !digests)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *digest = json_field_string(json_object_array_get_idx(layers, i), "digest", "");

                if (!digest_is_sha256(digest))
                        return error_set(l->err, -EINVAL, "invalid OCI layout: unsupported layer digest \"%s\"",
                                         digest);
                if (asprintf(&paths[i], "blobs/sha256/%s", digest_hex(digest)) < 0 || !(digests[i] = strdup(digest)))
                        return -ENOMEM;
        }
        *ret_paths = TAKE_PTR(paths);
        *ret_digests = TAKE_PTR(digests);
        return 0;
}

/* The image's name from the descriptor's annotations, if it has one. */
static int descriptor_name(json_object *descriptor, struct reference *ret)
{
        json_object *annotations = json_field_object(descriptor, "annotations");
        const char *keys[] = { "io.containerd.image.name", "org.opencontainers.image.ref.name" };

        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                const char *name = json_field_string(annotations, keys[i], NULL);
                struct reference ref = { 0 };

                /* A bare tag ("1.35") has no slash and no colon and would
                 * parse as an image "library/1.35"; it names no repository. */
                if (isempty(name) || (!strchr(name, '/') && !strchr(name, ':')))
                        continue;
                if (reference_parse_normalized(name, &ref, NULL) < 0)
                        continue;
                if (!ref.tag && !ref.digest && reference_tag_name_only(&ref) < 0) {
                        reference_done(&ref);
                        return -ENOMEM;
                }
                *ret = ref;
                return 1;
        }
        return 0;
}

static int tag_image(struct loader *l, json_object *descriptor, const char *id)
{
        _cleanup_reference_ struct reference name = { 0 }, canonical = { 0 };
        int r;

        r = descriptor_name(descriptor, &name);
        if (r <= 0) {
                if (r == 0)
                        loader_message(l, "Loaded image ID: " DIGEST_PREFIX "%s\n", id);
                return r;
        }
        r = loader_tag(l, &name, id);
        if (r < 0)
                return r;

        /* What a pull of this index records: name@<descriptor digest>. */
        r = reference_copy(&name, &canonical);
        if (r < 0)
                return r;
        free(canonical.tag);
        canonical.tag = NULL;
        free(canonical.digest);
        canonical.digest = strdup(json_field_string(descriptor, "digest", ""));
        if (!canonical.digest)
                return -ENOMEM;
        return loader_tag(l, &canonical, id);
}

static int load_descriptor(struct loader *l, json_object *descriptor)
{
        _cleanup_json_ json_object *manifest = NULL;
        _cleanup_strv_free_ char **paths = NULL, **digests = NULL;
        _cleanup_free_ char *config = NULL;
        size_t config_len;
        char id[65];
        int r;

        r = resolve_manifest(l, descriptor, &manifest);
        if (r < 0)
                return r;
        r = read_blob(l, json_field_object(manifest, "config"), CONFIG_MAX_SIZE, &config, &config_len);
        if (r < 0)
                return r;
        r = manifest_layers(l, manifest, &paths, &digests);
        if (r < 0)
                return r;

        r = loader_add_image(l, config, config_len, paths, digests, id);
        if (r < 0)
                return r;
        r = tag_image(l, descriptor, id);
        if (r < 0)
                return r;
        loader_event(l, id);
        return 0;
}

int load_oci_layout(struct loader *l)
{
        _cleanup_json_ json_object *index = NULL;
        _cleanup_free_ char *buf = NULL;
        json_object *manifests;
        size_t len;
        int r;

        r = spool_read(l->spool, "index.json", METADATA_MAX_SIZE, &buf, &len, l->err);
        if (r < 0)
                return r;
        r = json_parse_buffer(buf, len, &index, l->err);
        if (r < 0)
                return error_prefix(l->err, r, "invalid OCI layout: index.json");

        manifests = json_field_array(index, "manifests");
        if (!manifests || json_object_array_length(manifests) == 0)
                return error_set(l->err, -EINVAL, "invalid OCI layout: index.json lists no manifests");

        for (size_t i = 0; i < json_object_array_length(manifests); i++) {
                r = load_descriptor(l, json_object_array_get_idx(manifests, i));
                if (r < 0)
                        return r;
        }
        return 0;
}
