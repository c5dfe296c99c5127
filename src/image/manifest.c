/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing of registry manifests and indexes. */
#include "manifest.h"

#include <string.h>
#include <strings.h>

#include "jsonutil.h"
#include "reference.h"

void manifest_done(struct manifest *m)
{
        free(m->media_type);
        free(m->config.media_type);
        for (size_t i = 0; i < m->n_layers; i++)
                free(m->layers[i].media_type);
        free(m->layers);
        for (size_t i = 0; i < m->n_manifests; i++)
                free(m->manifests[i].media_type);
        free(m->manifests);
        *m = (struct manifest){ 0 };
}

/* The media type of a Content-Type header, without parameters, in *ret
 * (a new string), or NULL when the header says nothing specific. */
static int header_media_type(const char *content_type, char **ret)
{
        size_t len;

        *ret = NULL;
        if (!content_type)
                return 0;
        len = strcspn(content_type, "; \t");
        if (len == 0 || (len == 16 && strncasecmp(content_type, "application/json", 16) == 0) ||
            (len == 10 && strncasecmp(content_type, "text/plain", 10) == 0))
                return 0;
        *ret = strndup(content_type, len);
        return *ret ? 0 : -ENOMEM;
}

static bool is_index_type(const char *type)
{
        return streq(type, MEDIA_TYPE_DOCKER_LIST) || streq(type, MEDIA_TYPE_OCI_INDEX);
}

static bool is_image_type(const char *type)
{
        return streq(type, MEDIA_TYPE_DOCKER_MANIFEST) || streq(type, MEDIA_TYPE_OCI_MANIFEST);
}

static bool is_schema1_type(const char *type)
{
        return streq(type, MEDIA_TYPE_DOCKER_SCHEMA1) || streq(type, MEDIA_TYPE_DOCKER_SIGNED);
}

/* Decides the kind from the document when the header did not: its
 * mediaType, then its schemaVersion and shape. */
static int detect_type(json_object *root, char **ret)
{
        const char *type = json_field_string(root, "mediaType", NULL);

        if (type)
                *ret = strdup(type);
        else if (json_field_int(root, "schemaVersion", 0) == 1)
                *ret = strdup(MEDIA_TYPE_DOCKER_SCHEMA1);
        else if (json_field_array(root, "manifests"))
                *ret = strdup(MEDIA_TYPE_OCI_INDEX);
        else
                *ret = strdup(MEDIA_TYPE_OCI_MANIFEST);
        return *ret ? 0 : -ENOMEM;
}

static int copy_field(json_object *obj, const char *key, char *ret, size_t size)
{
        const char *value = json_field_string(obj, key, "");

        if (strlen(value) >= size)
                return -EINVAL;
        memcpy(ret, value, strlen(value) + 1);
        return 0;
}

static int parse_platform(json_object *obj, struct platform *ret, struct error *err)
{
        struct platform p = { 0 };

        if (copy_field(obj, "os", p.os, sizeof(p.os)) < 0 ||
            copy_field(obj, "architecture", p.architecture, sizeof(p.architecture)) < 0 ||
            copy_field(obj, "variant", p.variant, sizeof(p.variant)) < 0 ||
            copy_field(obj, "os.version", p.os_version, sizeof(p.os_version)) < 0)
                return error_set(err, -EINVAL, "invalid manifest: a platform field is longer than %d bytes",
                                 PLATFORM_FIELD_MAX - 1);
        *ret = p;
        return 0;
}

static int parse_descriptor(json_object *obj, const char *what, struct descriptor *ret, struct error *err)
{
        const char *digest = json_field_string(obj, "digest", NULL);
        int64_t n;

        if (!json_object_is_type(obj, json_type_object))
                return error_set(err, -EINVAL, "invalid manifest: %s is not an object", what);
        if (!digest)
                return error_set(err, -EINVAL, "invalid manifest: %s has no digest", what);
        if (reference_digest_validate(digest, NULL) < 0)
                return error_set(err, -EINVAL, "invalid manifest: %s has an invalid digest \"%s\"", what, digest);
        if (!digest_is_sha256(digest))
                return error_set(err, -EINVAL,
                                 "invalid manifest: %s uses the digest algorithm of \"%s\"; only sha256 is supported",
                                 what, digest);
        if (json_field_check(obj, "size", json_type_int, "Descriptor", err) < 0 ||
            json_field_check(obj, "mediaType", json_type_string, "Descriptor", err) < 0)
                return -EINVAL;
        n = json_field_int(obj, "size", -1);
        if (n < 0)
                return error_set(err, -EINVAL, "invalid manifest: %s has no valid size", what);

        memcpy(ret->digest, digest, DIGEST_STRING_MAX);
        ret->size = n;
        ret->media_type = strdup(json_field_string(obj, "mediaType", ""));
        if (!ret->media_type)
                return -ENOMEM;
        if (json_field_object(obj, "platform")) {
                ret->has_platform = true;
                return parse_platform(json_field_object(obj, "platform"), &ret->platform, err);
        }
        return 0;
}

static int parse_descriptors(json_object *list, const char *what, struct descriptor **ret, size_t *ret_n,
                             struct error *err)
{
        size_t n = json_object_array_length(list);
        struct descriptor *all;
        int r;

        if (n > MANIFEST_MAX_ENTRIES)
                return error_set(err, -EINVAL, "invalid manifest: more than %u %s", MANIFEST_MAX_ENTRIES, what);
        all = calloc(n + 1, sizeof(*all));
        if (!all)
                return -ENOMEM;
        /* Stored before parsing, so that manifest_done frees partial work. */
        *ret = all;
        *ret_n = n;
        for (size_t i = 0; i < n; i++) {
                r = parse_descriptor(json_object_array_get_idx(list, i), what, &all[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_image(json_object *root, struct manifest *m, struct error *err)
{
        json_object *config = json_field_object(root, "config"), *layers = json_field_array(root, "layers");
        int r;

        if (json_field_int(root, "schemaVersion", 0) != 2)
                return error_set(err, -EINVAL, "invalid manifest: schemaVersion must be 2");
        if (!config)
                return error_set(err, -EINVAL, "invalid manifest: no config descriptor");
        if (!layers && json_field_check(root, "layers", json_type_array, "Manifest", err) < 0)
                return -EINVAL;
        r = parse_descriptor(config, "the config", &m->config, err);
        if (r < 0)
                return r;
        if (!layers)
                return 0;
        return parse_descriptors(layers, "layers", &m->layers, &m->n_layers, err);
}

static int parse_index(json_object *root, struct manifest *m, struct error *err)
{
        json_object *list = json_field_array(root, "manifests");

        if (json_field_int(root, "schemaVersion", 0) != 2)
                return error_set(err, -EINVAL, "invalid manifest list: schemaVersion must be 2");
        if (!list)
                return error_set(err, -EINVAL, "invalid manifest list: no manifests array");
        return parse_descriptors(list, "manifests", &m->manifests, &m->n_manifests, err);
}

/* A body that claims one kind must not carry the fields of another
 * (docker/distribution rejects such ambiguous documents too). */
static int check_type_agrees(json_object *root, const char *type, struct error *err)
{
        const char *declared = json_field_string(root, "mediaType", NULL);

        if (declared && !streq(declared, type))
                return error_set(err, -EINVAL, "invalid manifest: mediaType \"%s\" does not match the Content-Type %s",
                                 declared, type);
        return 0;
}

int manifest_parse(const char *content_type, const char *buf, size_t len, struct manifest *ret, struct error *err)
{
        _cleanup_json_ json_object *root = NULL;
        _cleanup_(manifest_donep) struct manifest m = { 0 };
        int r;

        if (len > MANIFEST_MAX_SIZE)
                return error_set(err, -EINVAL, "invalid manifest: larger than %u bytes", MANIFEST_MAX_SIZE);
        r = json_parse_buffer(buf, len, &root, err);
        if (r < 0)
                return error_prefix(err, -EINVAL, "invalid manifest");
        if (!json_object_is_type(root, json_type_object))
                return error_set(err, -EINVAL, "invalid manifest: not a JSON object");
        if (json_field_check(root, "mediaType", json_type_string, "Manifest", err) < 0)
                return -EINVAL;

        r = header_media_type(content_type, &m.media_type);
        if (r < 0)
                return r;
        if (m.media_type) {
                r = check_type_agrees(root, m.media_type, err);
                if (r < 0)
                        return r;
        } else {
                r = detect_type(root, &m.media_type);
                if (r < 0)
                        return r;
        }

        if (is_schema1_type(m.media_type))
                m.kind = MANIFEST_SCHEMA1;
        else if (is_index_type(m.media_type)) {
                m.kind = MANIFEST_INDEX;
                r = parse_index(root, &m, err);
        } else if (is_image_type(m.media_type)) {
                m.kind = MANIFEST_IMAGE;
                r = parse_image(root, &m, err);
        } else
                return error_set(err, -EINVAL, "unsupported manifest media type \"%s\"", m.media_type);
        if (r < 0)
                return r;

        *ret = m;
        m = (struct manifest){ 0 };
        return 0;
}

int manifest_check_config_type(const struct manifest *m, struct error *err)
{
        static const struct {
                const char *type;
                const char *class;
        } classes[] = {
                { "application/vnd.docker.plugin.v1+json", "plugin" },
                { "application/vnd.cncf.helm.config.v1+json", "Helm Chart" },
                { "application/vnd.oci.image.config.v1+json", "image" },
                { "application/vnd.docker.container.image.v1+json", "image" },
        };
        const char *type = m->config.media_type;
        const char *class = "unknown";

        /* An OCI manifest may leave the config type out; Docker then
         * reads the config as an image config. */
        if (isempty(type) || streq(type, MEDIA_TYPE_DOCKER_CONFIG) || streq(type, MEDIA_TYPE_OCI_CONFIG))
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(classes); i++)
                if (streq(type, classes[i].type))
                        class = classes[i].class;
        return error_set(err, -EINVAL, "Encountered remote \"%s\"(%s) when fetching", type, class);
}

int layer_media_type_compression(const char *media_type, enum layer_compression *ret)
{
        static const struct {
                const char *type;
                enum layer_compression compression;
        } types[] = {
                { "application/vnd.docker.image.rootfs.diff.tar.gzip", LAYER_GZIP },
                { "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", LAYER_GZIP },
                { "application/vnd.docker.image.rootfs.diff.tar.zstd", LAYER_ZSTD },
                { "application/vnd.oci.image.layer.v1.tar", LAYER_UNCOMPRESSED },
                { "application/vnd.oci.image.layer.v1.tar+gzip", LAYER_GZIP },
                { "application/vnd.oci.image.layer.v1.tar+zstd", LAYER_ZSTD },
                { "application/vnd.oci.image.layer.nondistributable.v1.tar", LAYER_UNCOMPRESSED },
                { "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LAYER_GZIP },
                { "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", LAYER_ZSTD },
        };

        for (size_t i = 0; i < ARRAY_SIZE(types); i++)
                if (streq_ptr(media_type, types[i].type)) {
                        *ret = types[i].compression;
                        return 0;
                }
        return -EINVAL;
}
