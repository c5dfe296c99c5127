/* SPDX-License-Identifier: Apache-2.0 */
/* GET /distribution/{name}/json: what a name points to in its registry,
 * as dockerd 20.10's distribution router replies to it. */
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "manifest.h"
#include "pull-internal.h"

/* The HTTP status docker/distribution attaches to each error code, which dockerd replies with when it passes a registry
 * error on. */
static unsigned status_of_code(const char *code)
{
        static const struct {
                const char *code;
                unsigned status;
        } codes[] = {
                { "UNAUTHORIZED", 401 },     { "DENIED", 403 },       { "NAME_UNKNOWN", 404 },
                { "MANIFEST_UNKNOWN", 404 }, { "BLOB_UNKNOWN", 404 }, { "MANIFEST_BLOB_UNKNOWN", 404 },
                { "NAME_INVALID", 400 },     { "TAG_INVALID", 400 },  { "DIGEST_INVALID", 400 },
                { "MANIFEST_INVALID", 400 }, { "SIZE_INVALID", 400 }, { "TOOMANYREQUESTS", 429 },
                { "UNAVAILABLE", 503 },      { "UNSUPPORTED", 405 },
        };

        for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
                if (streq(code, codes[i].code))
                        return codes[i].status;
        return 500;
}

static int response_failure(const struct registry_response *resp, unsigned *ret_status, struct error *err)
{
        _cleanup_free_ char *code = NULL, *message = NULL;

        *ret_status = registry_response_first_error(resp, &code, &message) >= 0 ? status_of_code(code) : 500;
        return registry_response_error(resp, err);
}

/* Picks the first mirror that responds to GET /v2/, else the registry, as
 * dockerd's GetRepository does. */
static int open_client(struct registry_context *ctx, const char *domain, const struct registry_auth *auth,
                       struct registry_client **ret, struct error *err)
{
        char *const *mirrors = registry_context_mirrors(ctx, domain);

        for (size_t i = 0; mirrors[i]; i++) {
                _cleanup_(registry_client_freep) struct registry_client *c = NULL;
                _cleanup_registry_response_ struct registry_response resp = { 0 };
                struct registry_request ping = { .path = "" };

                if (registry_client_new_mirror(ctx, mirrors[i], auth, &c, NULL) < 0 ||
                    registry_request(c, &ping, &resp, NULL) < 0 || (resp.status != 200 && resp.status != 401))
                        continue;
                *ret = TAKE_PTR(c);
                return 0;
        }
        return registry_client_new(ctx, domain, auth, ret, err);
}

/* A platform in the field order of Go's v1.Platform, empty optional
 * fields left out. */
static json_object *platform_json(const struct platform *p, json_object *features)
{
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "architecture", json_object_new_string(p->architecture));
        json_object_object_add(obj, "os", json_object_new_string(p->os));
        if (!isempty(p->os_version))
                json_object_object_add(obj, "os.version", json_object_new_string(p->os_version));
        if (features && json_object_array_length(features) > 0)
                json_object_object_add(obj, "os.features", json_object_get(features));
        if (!isempty(p->variant))
                json_object_object_add(obj, "variant", json_object_new_string(p->variant));
        return obj;
}

static void copy_config_field(json_object *config, const char *key, char *ret, size_t size)
{
        snprintf(ret, size, "%s", json_field_string(config, key, ""));
}

/* The platform of a Docker schema 2 image, read from its config; an
 * unreadable config gives no platform, as in dockerd. */
static json_object *config_platforms(struct registry_client *c, const char *repository, const struct manifest *m)
{
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_json_ json_object *config = NULL;
        _cleanup_free_ char *path = NULL;
        struct registry_request req = { .repository = repository, .max_body = CONFIG_MAX_SIZE };
        struct platform p = { 0 };
        json_object *list;

        if (asprintf(&path, "blobs/%s", m->config.digest) < 0)
                return NULL;
        req.path = path;
        if (registry_request(c, &req, &resp, NULL) < 0 || resp.status != 200 ||
            json_parse_buffer(resp.body ?: "", resp.body_len, &config, NULL) < 0 ||
            !json_object_is_type(config, json_type_object))
                return NULL;
        copy_config_field(config, "os", p.os, sizeof(p.os));
        copy_config_field(config, "architecture", p.architecture, sizeof(p.architecture));
        copy_config_field(config, "variant", p.variant, sizeof(p.variant));
        copy_config_field(config, "os.version", p.os_version, sizeof(p.os_version));
        if (isempty(p.os) && isempty(p.architecture))
                return NULL;
        list = json_object_new_array();
        json_object_array_add(list, platform_json(&p, json_field_array(config, "os.features")));
        return list;
}

/* dockerd reports the platforms of manifest lists, OCI indexes, Docker
 * schema 2 manifests and schema 1 manifests, and none (null) for an OCI
 * image manifest. */
static json_object *platforms_of(struct registry_client *c, const char *repository, const struct manifest *m,
                                 const char *body, size_t len)
{
        json_object *list;

        if (m->kind == MANIFEST_INDEX) {
                list = json_object_new_array();
                for (size_t i = 0; i < m->n_manifests; i++)
                        json_object_array_add(list, platform_json(&m->manifests[i].platform, NULL));
                return list;
        }
        if (m->kind == MANIFEST_SCHEMA1) {
                _cleanup_json_ json_object *root = NULL;
                struct platform p = { .os = "linux" };

                if (json_parse_buffer(body, len, &root, NULL) >= 0)
                        copy_config_field(root, "architecture", p.architecture, sizeof(p.architecture));
                list = json_object_new_array();
                json_object_array_add(list, platform_json(&p, NULL));
                return list;
        }
        if (streq(m->media_type, MEDIA_TYPE_DOCKER_MANIFEST))
                return config_platforms(c, repository, m);
        return NULL;
}

static json_object *descriptor_json(const char *media_type, const char *digest, size_t size)
{
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "mediaType", json_object_new_string(media_type));
        json_object_object_add(obj, "digest", json_object_new_string(digest));
        json_object_object_add(obj, "size", json_object_new_int64((int64_t)size));
        return obj;
}

static int request_manifest(struct registry_client *c, struct registry_request *req, const char *method,
                            const char *tag_or_digest, struct registry_response *ret, struct error *err)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "manifests/%s", tag_or_digest) < 0)
                return -ENOMEM;
        req->method = method;
        req->path = path;
        return registry_request(c, req, ret, err);
}

static int parse_name(const char *name, struct reference *ret, unsigned *ret_status, struct error *err)
{
        int r;

        /* dockerd reads a bare ID or digest as a reference without a
         * name, and replies to it with 500. */
        *ret_status = 500;
        if (reference_is_identifier(name) || startswith(name, "sha256:"))
                return error_set(err, -EINVAL, "no manifest found for full image ID");
        r = reference_parse_normalized(name, ret, err);
        if (r < 0) {
                *ret_status = 400;
                return r;
        }
        r = reference_tag_name_only(ret);
        if (r < 0)
                return r;
        if (ret->digest && !digest_is_sha256(ret->digest))
                return error_set(err, -EINVAL, "unsupported digest algorithm in \"%s\"", ret->digest);
        return 0;
}

int image_distribution_inspect(struct registry_context *ctx, const char *name, const struct registry_auth *auth,
                               json_object **ret, unsigned *ret_status, struct error *err)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_(registry_client_freep) struct registry_client *c = NULL;
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_manifest_ struct manifest m = { 0 };
        char *headers[] = { (char *)MANIFEST_ACCEPT_HEADERS, NULL };
        struct registry_request req = { .headers = headers, .max_body = MANIFEST_MAX_SIZE };
        char digest[DIGEST_STRING_MAX], resolved[DIGEST_STRING_MAX];
        const char *target;
        json_object *result;
        int r;

        r = parse_name(name, &ref, ret_status, err);
        if (r < 0)
                return r;
        target = ref.digest;
        *ret_status = 500;
        r = open_client(ctx, ref.domain, auth, &c, err);
        if (r < 0)
                return r;

        /* A tag is resolved with HEAD first, as dockerd's tag service
         * does; GET by tag follows when HEAD gives no digest, which also
         * brings the registry's error details. */
        req.repository = ref.path;
        if (!ref.digest) {
                r = request_manifest(c, &req, "HEAD", ref.tag, &resp, err);
                if (r < 0)
                        return r;
                if (resp.status == 200 && registry_response_digest(&resp, resolved) >= 0)
                        target = resolved;
                registry_response_done(&resp);
        }
        r = request_manifest(c, &req, "GET", target ?: ref.tag, &resp, err);
        if (r < 0)
                return r;
        if (resp.status != 200)
                return response_failure(&resp, ret_status, err);

        r = manifest_parse(registry_response_header(&resp, "Content-Type"), resp.body ?: "", resp.body_len, &m, err);
        if (r < 0)
                return r;
        r = digest_buffer(resp.body ?: "", resp.body_len, digest);
        if (r < 0)
                return r;
        /* A signed schema 1 manifest's digest covers its payload without
         * the signatures, so the registry's digest stands for it. */
        if (m.kind == MANIFEST_SCHEMA1 && target)
                memcpy(digest, target, sizeof(digest));
        if (target && !streq(target, digest))
                return error_set(err, -EBADMSG, "manifest verification failed for digest %s", target);

        result = json_object_new_object();
        json_object_object_add(result, "Descriptor", descriptor_json(m.media_type, digest, resp.body_len));
        json_object_object_add(result, "Platforms", platforms_of(c, ref.path, &m, resp.body ?: "", resp.body_len));
        *ret = result;
        return 0;
}
