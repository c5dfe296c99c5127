/* SPDX-License-Identifier: Apache-2.0 */
/* docker pull: the name, the endpoint and the manifest (step 1), then the
 * progress stream, the config, the tag and the status (step 2). The
 * messages follow dockerd 20.10's distribution/pull_v2.go. */
#include <stdio.h>
#include <string.h>

#include "jsonmessage.h"
#include "jsonutil.h"
#include "log.h"
#include "pull-internal.h"
#include "strv.h"

void pull_write(struct image_pull *p, char *line)
{
        if (!line)
                return;
        if (!atomic_load(&p->client_gone) && p->write && p->write(line, p->write_userdata) < 0)
                atomic_store(&p->client_gone, true);
        free(line);
}

void pull_status(struct image_pull *p, const char *status)
{
        pull_write(p, jsonmessage_status(status));
}

void pull_progress(struct image_pull *p, const char *id, const char *action, int64_t current, int64_t total)
{
        pull_write(p, jsonmessage_progress(id, action, current, total));
}

void image_pull_free(struct image_pull *p)
{
        if (!p)
                return;
        registry_client_free(p->client);
        reference_done(&p->ref);
        free(p->repository);
        free(p->familiar);
        free(p->familiar_name);
        free(p->tag_or_digest);
        strv_free(p->tags);
        manifest_done(&p->manifest);
        free(p);
}

/* Builds the reference of fromImage and tag as dockerd's PullImage does:
 * a trailing ":" is dropped and a tag that parses as a digest pins the
 * digest. A name without either gets "latest", and *ret_all_tags is set
 * because every tag is to be pulled (docker pull --all-tags sends no tag). */
static int pull_reference(const char *name, const char *tag, struct reference *ret, bool *ret_all_tags,
                          struct error *err)
{
        _cleanup_free_ char *trimmed = strndup(name, strlen(name) - (endswith(name, ":") ? 1 : 0));
        _cleanup_reference_ struct reference ref = { 0 };
        int r;

        if (!trimmed)
                return -ENOMEM;
        r = reference_parse_normalized(trimmed, &ref, err);
        if (r < 0)
                return r;
        if (!isempty(tag)) {
                if (reference_digest_validate(tag, NULL) >= 0) {
                        free(ref.tag);
                        free(ref.digest);
                        ref.tag = NULL;
                        ref.digest = strdup(tag);
                        if (!ref.digest)
                                return -ENOMEM;
                } else {
                        r = reference_set_tag(&ref, tag, err);
                        if (r < 0)
                                return r;
                }
        }
        *ret_all_tags = !ref.tag && !ref.digest;
        r = reference_tag_name_only(&ref);
        if (r < 0)
                return r;
        if (ref.digest && !digest_is_sha256(ref.digest))
                return error_set(err, -EINVAL, "unsupported digest algorithm in \"%s\": only sha256 is supported",
                                 ref.digest);
        *ret = ref;
        ref = (struct reference){ 0 };
        return 0;
}

/* dockerd's translatePullError: the registry's first error code decides
 * between "not found" texts and the error as the registry stated it. */
static int translate_error(struct image_pull *p, const struct registry_response *resp, struct error *err)
{
        _cleanup_error_ struct error cause = ERROR_INIT;
        _cleanup_free_ char *code = NULL, *message = NULL;
        int r;

        r = registry_response_error(resp, &cause);
        if (registry_response_first_error(resp, &code, &message) >= 0) {
                const char *text = error_message(&cause, r);

                if (streq(code, "DENIED"))
                        return error_set(err, -ENOENT,
                                         "pull access denied for %s, repository does not exist or may require "
                                         "'docker login': %s",
                                         p->familiar_name, text);
                if (streq(code, "MANIFEST_UNKNOWN"))
                        return error_set(err, -ENOENT, "manifest for %s not found: %s", p->familiar, text);
                if (streq(code, "NAME_UNKNOWN"))
                        return error_set(err, -ENOENT, "repository %s not found: %s", p->familiar_name, text);
        }
        return error_set(err, r, "%s", error_message(&cause, r));
}

static int check_manifest_digest(const char *body, size_t len, const char *expected, char *ret_digest,
                                 struct error *err)
{
        int r = digest_buffer(body, len, ret_digest);

        if (r < 0)
                return r;
        if (expected && !streq(expected, ret_digest))
                return error_set(err, -EBADMSG, "manifest verification failed for digest %s", expected);
        return 0;
}

/* Sends the manifest request; the response goes to *ret for the caller to
 * judge. */
static int request_manifest(struct registry_client *c, const char *method, const char *repository,
                            const char *tag_or_digest, struct registry_response *ret, struct error *err)
{
        _cleanup_free_ char *path = NULL;
        char *headers[] = { (char *)MANIFEST_ACCEPT_HEADERS, NULL };
        struct registry_request req = {
                .method = method,
                .repository = repository,
                .headers = headers,
                .max_body = MANIFEST_MAX_SIZE,
        };

        if (asprintf(&path, "manifests/%s", tag_or_digest) < 0)
                return -ENOMEM;
        req.path = path;
        return registry_request(c, &req, ret, err);
}

int pull_fetch_manifest(struct registry_client *c, const char *repository, const char *tag_or_digest,
                        const char *expected_digest, struct manifest *ret, char *ret_digest, struct error *err)
{
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        int r;

        r = request_manifest(c, "GET", repository, tag_or_digest, &resp, err);
        if (r < 0)
                return r;
        if (resp.status != 200)
                return registry_response_error(&resp, err);
        r = check_manifest_digest(resp.body ?: "", resp.body_len, expected_digest, ret_digest, err);
        if (r < 0)
                return r;
        return manifest_parse(registry_response_header(&resp, "Content-Type"), resp.body ?: "", resp.body_len, ret,
                              err);
}

static int check_schema1(struct image_pull *p, struct error *err)
{
        if (p->manifest.kind != MANIFEST_SCHEMA1)
                return 0;
        return error_set(err, -EINVAL,
                         "%s is a Docker image manifest version 2, schema 1, which Sockerless does not pull: "
                         "push the image again with a current client to store it as schema 2 or OCI",
                         p->familiar);
}

/* Resolves the tag to a digest with HEAD, as dockerd 20.10.24 does before
 * it fetches the manifest by digest. Without a usable response ret stays
 * empty and the caller fetches by tag, which also brings the registry's
 * error details. */
static int resolve_tag(struct image_pull *p, struct registry_client *c, char *ret, struct error *err)
{
        _cleanup_registry_response_ struct registry_response head = { 0 };
        int r;

        ret[0] = '\0';
        r = request_manifest(c, "HEAD", p->repository, p->ref.tag, &head, err);
        if (r < 0)
                return r;
        if (head.status == 200 && registry_response_digest(&head, ret) < 0)
                ret[0] = '\0';
        return 0;
}

/* Sets err to the failure r of an endpoint. Returns -EAGAIN (with the
 * cause logged) when the next endpoint should be tried instead: dockerd
 * moves on after any error of a mirror, and after transport errors (no
 * status) of the registry itself. */
static int endpoint_error(int r, bool mirror, long status, const struct error *cause, struct error *err)
{
        if (r != -ENOMEM && (mirror || status == 0)) {
                log_info("Attempting next endpoint for pull after error: %s", error_message(cause, r));
                error_set(err, r, "%s", error_message(cause, r));
                return -EAGAIN;
        }
        return error_set(err, r, "%s", error_message(cause, r));
}

/* Fetches the manifest from one endpoint. Returns -EAGAIN as
 * endpoint_error does. */
static int try_endpoint(struct image_pull *p, struct registry_client *c, bool mirror, struct error *err)
{
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_error_ struct error cause = ERROR_INIT;
        char resolved[DIGEST_STRING_MAX] = "";
        const char *expected = p->ref.digest;
        int r = 0;

        if (!expected) {
                r = resolve_tag(p, c, resolved, &cause);
                if (r >= 0 && resolved[0])
                        expected = resolved;
        }
        if (r >= 0)
                r = request_manifest(c, "GET", p->repository, expected ?: p->ref.tag, &resp, &cause);
        if (r >= 0 && resp.status != 200)
                r = translate_error(p, &resp, &cause);
        if (r < 0)
                return endpoint_error(r, mirror, resp.status, &cause, err);

        r = manifest_parse(registry_response_header(&resp, "Content-Type"), resp.body ?: "", resp.body_len,
                           &p->manifest, err);
        if (r < 0)
                return r;
        /* A signed schema 1 manifest's digest covers its payload without
         * the signatures; it is rejected later anyway. */
        if (p->manifest.kind == MANIFEST_SCHEMA1)
                return 0;
        return check_manifest_digest(resp.body ?: "", resp.body_len, expected, p->manifest_digest, err);
}

/* Reads every page of the repository's tag list into *ret. The status of
 * the last response goes to *ret_status. */
static int fetch_tag_list(struct image_pull *p, struct registry_client *c, char ***ret, long *ret_status,
                          struct error *err)
{
        _cleanup_strv_free_ char **tags = NULL;
        _cleanup_free_ char *next = NULL;
        int r;

        *ret_status = 0;
        for (unsigned page = 0;; page++) {
                _cleanup_registry_response_ struct registry_response resp = { 0 };
                _cleanup_free_ char *link = NULL;
                struct registry_request req = { .repository = p->repository, .path = next ?: "tags/list" };

                /* A guard against a registry whose Link headers loop. */
                if (page == PULL_TAG_LIST_MAX_PAGES)
                        return error_set(err, -ELOOP, "the tag list of %s has more than %u pages", p->familiar_name,
                                         PULL_TAG_LIST_MAX_PAGES);
                r = registry_request(c, &req, &resp, err);
                *ret_status = resp.status;
                if (r < 0)
                        return r;
                if (resp.status != 200)
                        return translate_error(p, &resp, err);
                r = pull_tags_parse_page(resp.body ?: "", resp.body_len, &tags, err);
                if (r < 0)
                        return r;
                r = pull_tags_next_link(registry_response_header(&resp, "Link"), &link);
                if (r == -EBADMSG)
                        return error_set(err, r, "invalid Link header in the tag list of %s", p->familiar_name);
                if (r < 0)
                        return r;
                if (!link)
                        break;
                free(next);
                next = TAKE_PTR(link);
        }
        if (!tags && !(tags = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(tags);
        return 0;
}

static int fill_names(struct image_pull *p)
{
        p->repository = strdup(p->ref.path);
        p->familiar = reference_familiar_string(&p->ref);
        p->familiar_name = reference_familiar_name(&p->ref);
        /* dockerd shows the tag, or the whole reference of a digest. */
        p->tag_or_digest = strdup(p->ref.digest ? p->familiar : p->ref.tag);
        return p->repository && p->familiar && p->familiar_name && p->tag_or_digest ? 0 : -ENOMEM;
}

/* Points a pull of every tag at one tag, with no manifest yet. */
static int select_tag(struct image_pull *p, const char *tag, struct error *err)
{
        int r = reference_set_tag(&p->ref, tag, err);

        if (r < 0)
                return r;
        free(p->repository);
        free(p->familiar);
        free(p->familiar_name);
        free(p->tag_or_digest);
        p->repository = p->familiar = p->familiar_name = p->tag_or_digest = NULL;
        manifest_done(&p->manifest);
        p->manifest_digest[0] = '\0';
        return fill_names(p);
}

/* For a pull of every tag: lists the tags on one endpoint and fetches the
 * manifest of the first there. Returns -EAGAIN as endpoint_error does. */
static int try_endpoint_tags(struct image_pull *p, struct registry_client *c, bool mirror, struct error *err)
{
        _cleanup_error_ struct error cause = ERROR_INIT;
        long status;
        int r;

        strv_free(p->tags);
        p->tags = NULL;
        r = fetch_tag_list(p, c, &p->tags, &status, &cause);
        if (r < 0)
                return endpoint_error(r, mirror, status, &cause, err);
        p->tag_index = 0;
        if (!p->tags[0])
                return 0;
        r = select_tag(p, p->tags[0], err);
        if (r < 0)
                return r;
        return try_endpoint(p, c, mirror, err);
}

typedef int (*endpoint_fn)(struct image_pull *p, struct registry_client *c, bool mirror, struct error *err);

/* Tries the mirrors of the name's domain, then the registry itself, with
 * try_endpoint or try_endpoint_tags.
 * NOTE: the endpoint that served the manifest serves the whole pull;
 * dockerd also moves to the next endpoint after a failed layer. */
static int fetch_top_manifest(struct image_pull *p, endpoint_fn try, const struct registry_auth *auth,
                              struct error *err)
{
        char *const *mirrors = registry_context_mirrors(p->ctx, p->ref.domain);
        _cleanup_error_ struct error last = ERROR_INIT;
        int r = 0;

        for (size_t i = 0; mirrors[i]; i++) {
                _cleanup_(registry_client_freep) struct registry_client *c = NULL;

                error_clear(&last);
                r = registry_client_new_mirror(p->ctx, mirrors[i], auth, &c, &last);
                if (r >= 0)
                        r = try(p, c, true, &last);
                if (r >= 0) {
                        p->client = TAKE_PTR(c);
                        return 0;
                }
                if (r != -EAGAIN && r != -EINVAL)
                        return error_set(err, r, "%s", error_message(&last, r));
        }

        {
                _cleanup_(registry_client_freep) struct registry_client *c = NULL;

                error_clear(&last);
                r = registry_client_new(p->ctx, p->ref.domain, auth, &c, &last);
                if (r >= 0)
                        r = try(p, c, false, &last);
                if (r == -EAGAIN)
                        r = last.code ?: -EIO;
                if (r < 0)
                        return error_set(err, r, "%s", error_message(&last, r));
                p->client = TAKE_PTR(c);
        }
        return 0;
}

static int check_manifest_kind(struct image_pull *p, struct error *err)
{
        int r = check_schema1(p, err);

        if (r >= 0 && p->manifest.kind == MANIFEST_IMAGE)
                r = manifest_check_config_type(&p->manifest, err);
        return r;
}

int image_pull_prepare(struct image_store *s, struct registry_context *ctx, const struct image_pull_options *opts,
                       struct image_pull **ret, struct error *err)
{
        _cleanup_(image_pull_freep) struct image_pull *p = calloc(1, sizeof(*p));
        bool all_tags;
        int r;

        if (!p)
                return -ENOMEM;
        p->store = s;
        p->ctx = ctx;
        p->max_parallel = opts->max_concurrent_downloads ?: PULL_DEFAULT_CONCURRENT_DOWNLOADS;
        p->max_attempts = opts->max_download_attempts ?: PULL_DEFAULT_DOWNLOAD_ATTEMPTS;

        r = pull_reference(opts->name, opts->tag, &p->ref, &all_tags, err);
        if (r < 0)
                return r;
        r = fill_names(p);
        if (r < 0)
                return r;
        if (!isempty(opts->platform)) {
                r = platform_parse(opts->platform, &p->platform, err);
                if (r < 0)
                        return r;
                p->platform_given = true;
        } else
                platform_default(&p->platform);

        r = fetch_top_manifest(p, all_tags ? try_endpoint_tags : try_endpoint, opts->auth, err);
        if (r >= 0 && (!all_tags || p->tags[0]))
                r = check_manifest_kind(p, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

/* Picks the platform's manifest of an index and fetches it. */
static int resolve_index(struct image_pull *p, struct manifest *ret, struct error *err)
{
        char wanted[3 * PLATFORM_FIELD_MAX + 4], digest[DIGEST_STRING_MAX];
        const struct descriptor *d;
        int i, r;

        i = manifest_select_platform(&p->manifest, &p->platform);
        if (i < 0) {
                platform_format(&p->platform, wanted, sizeof(wanted));
                return error_set(err, -ENOENT, "no matching manifest for %s in the manifest list entries", wanted);
        }
        d = &p->manifest.manifests[i];
        r = pull_fetch_manifest(p->client, p->repository, d->digest, d->digest, ret, digest, err);
        if (r < 0)
                return r;
        if (ret->kind != MANIFEST_IMAGE)
                return error_set(err, -EINVAL, "invalid manifest list: entry %s is not an image manifest", d->digest);
        return manifest_check_config_type(ret, err);
}

static int collect_config(const void *data, size_t size, void *userdata)
{
        struct spool_buffer {
                char *data;
                size_t len;
        } *buf = userdata;
        char *grown;

        if (buf->len + size > CONFIG_MAX_SIZE)
                return -EFBIG;
        grown = realloc(buf->data, buf->len + size + 1);
        if (!grown)
                return -ENOMEM;
        memcpy(grown + buf->len, data, size);
        grown[buf->len + size] = '\0';
        buf->data = grown;
        buf->len += size;
        return 0;
}

/* Fetches the image config blob and verifies its digest. */
static int fetch_config(struct image_pull *p, const struct descriptor *d, char **ret, size_t *ret_len,
                        struct error *err)
{
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        struct {
                char *data;
                size_t len;
        } buf = { 0 };
        _cleanup_free_ char *path = NULL;
        char digest[DIGEST_STRING_MAX];
        struct registry_request req = {
                .repository = p->repository,
                .write_body = collect_config,
                .write_userdata = &buf,
        };
        int r;

        if (asprintf(&path, "blobs/%s", d->digest) < 0)
                return -ENOMEM;
        req.path = path;
        r = registry_request(p->client, &req, &resp, err);
        if (r >= 0 && resp.status != 200)
                r = registry_response_error(&resp, err);
        if (r >= 0)
                r = digest_buffer(buf.data ?: "", buf.len, digest);
        if (r >= 0 && !streq(digest, d->digest))
                r = error_set(err, -EBADMSG, "image config verification failed for digest %s", d->digest);
        if (r == -EFBIG)
                r = error_set(err, r, "image config %s is larger than %u bytes", d->digest, CONFIG_MAX_SIZE);
        if (r < 0) {
                free(buf.data);
                return r;
        }
        *ret = buf.data;
        *ret_len = buf.len;
        return 0;
}

static int check_config(json_object *config, char *const *diff_ids, const struct manifest *m, struct error *err)
{
        const char *os = json_field_string(config, "os", "");

        if (!isempty(os) && !streq(os, "linux"))
                return error_set(err, -EINVAL, "image operating system \"%s\" cannot be used on this platform", os);
        if (strv_length(diff_ids) != m->n_layers)
                return error_set(err, -EINVAL, "layers from manifest don't match image configuration");
        return 0;
}

/* Points ref at image_id. Returns 1 when it pointed there already. */
static int set_reference(struct image_pull *p, const struct reference *ref, const char *image_id, struct error *err)
{
        _cleanup_free_ char *full = reference_string(ref);
        _cleanup_unlock_ pthread_rwlock_t *lock = NULL;
        struct image_entry *e;
        struct tag_entry *t;
        int r;

        if (!full)
                return -ENOMEM;
        lock = store_write_lock(p->store);
        e = store_image_find(p->store, image_id);
        if (!e || e->deleted)
                return error_set(err, -ENOENT, "No such image: " DIGEST_PREFIX "%s", image_id);
        t = store_tag_find(p->store, full);
        if (t && streq(t->image_id, image_id))
                return 1;
        r = store_tag_set(p->store, ref, image_id);
        if (r >= 0)
                r = store_tags_save(p->store);
        if (r < 0)
                return error_set_errno(err, r, "failed to save the reference %s", full);
        return 0;
}

/* Records the tag (when pulled by tag) and the digest reference, as
 * dockerd does. Returns 1 when the requested reference was up to date. */
static int record_references(struct image_pull *p, const char *image_id, struct error *err)
{
        _cleanup_reference_ struct reference by_digest = { 0 };
        int r, up_to_date = 0;

        r = reference_copy(&p->ref, &by_digest);
        if (r < 0)
                return r;
        free(by_digest.tag);
        by_digest.tag = NULL;
        free(by_digest.digest);
        by_digest.digest = strdup(p->manifest_digest);
        if (!by_digest.digest)
                return -ENOMEM;

        if (p->ref.tag) {
                up_to_date = r = set_reference(p, &p->ref, image_id, err);
                if (r < 0)
                        return r;
        }
        r = set_reference(p, &by_digest, image_id, err);
        if (r < 0)
                return r;
        return p->ref.tag ? up_to_date : r;
}

/* Sends the pull event for name, with the labels of image_id. */
static void report_event(struct image_pull *p, const char *name, const char *image_id)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(p->store);

        if (p->store->event)
                p->store->event("pull", name, p->familiar_name, store_image_labels(p->store, image_id),
                                p->store->event_userdata);
}

static void put_layers(struct image_pull *p, struct layer **layers)
{
        for (size_t i = 0; layers && layers[i]; i++)
                store_layer_put(p->store, layers[i]);
        free(layers);
}

/* Tells whether the image of config digest is in the store already;
 * dockerd then downloads nothing, not even the config. */
static bool have_image(struct image_pull *p, const char *digest, char *ret_id)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(p->store);
        struct image_entry *e = store_image_find(p->store, digest_hex(digest));

        if (!e || e->deleted)
                return false;
        snprintf(ret_id, 65, "%s", e->id);
        return true;
}

/* The config, the layers and the image of one image manifest. */
static int pull_image(struct image_pull *p, const struct manifest *m, char *ret_id, struct error *err)
{
        _cleanup_json_ json_object *config = NULL;
        _cleanup_strv_free_ char **diff_ids = NULL;
        _cleanup_free_ char *config_bytes = NULL;
        struct layer **layers = NULL;
        size_t config_len;
        int r;

        if (have_image(p, m->config.digest, ret_id))
                return 0;
        r = fetch_config(p, &m->config, &config_bytes, &config_len, err);
        if (r < 0)
                return r;
        r = store_config_parse(config_bytes, config_len, &config, &diff_ids, err);
        if (r < 0)
                return r;
        r = check_config(config, diff_ids, m, err);
        if (r < 0)
                return r;

        r = pull_layers(p, m, diff_ids, &layers, err);
        if (r < 0)
                return r;
        /* An extraction cannot stop half-way, so a client that went
         * during the last one cancels the pull here. */
        if (atomic_load(&p->client_gone))
                r = error_set(err, -ECANCELED, "the client closed the connection");
        else
                r = store_image_add(p->store, config_bytes, config_len, layers, m->n_layers, ret_id, err);
        put_layers(p, layers);
        return r;
}

/* Pulls the reference p points at, from "Pulling from" to "Digest:". The
 * image's ID goes to ret_id. Returns 1 when the reference pointed at that
 * image already. */
static int pull_one(struct image_pull *p, char *ret_id, struct error *err)
{
        _cleanup_manifest_ struct manifest platform_manifest = { 0 };
        _cleanup_free_ char *pulling = NULL, *digest_line = NULL;
        const struct manifest *m = &p->manifest;
        int r, up_to_date;

        if (asprintf(&pulling, "Pulling from %s", p->repository) < 0)
                return -ENOMEM;
        pull_write(p, jsonmessage_status_id(p->tag_or_digest, pulling));

        if (m->kind == MANIFEST_INDEX) {
                r = resolve_index(p, &platform_manifest, err);
                if (r < 0)
                        return r;
                m = &platform_manifest;
        }
        r = pull_image(p, m, ret_id, err);
        if (r < 0)
                return r;
        up_to_date = r = record_references(p, ret_id, err);
        if (r < 0)
                return r;

        if (asprintf(&digest_line, "Digest: %s", p->manifest_digest) < 0)
                return -ENOMEM;
        pull_status(p, digest_line);
        return up_to_date;
}

static int write_status(struct image_pull *p, bool up_to_date, const char *name)
{
        const char *result = up_to_date ? "Image is up to date" : "Downloaded newer image";
        _cleanup_free_ char *line = NULL;

        if (asprintf(&line, "Status: %s for %s", result, name) < 0)
                return -ENOMEM;
        pull_status(p, line);
        return 0;
}

/* Fetches the manifest of the next tag of a pull of every tag from the
 * endpoint that listed the tags. */
static int next_tag(struct image_pull *p, struct error *err)
{
        int r = select_tag(p, p->tags[p->tag_index], err);

        if (r >= 0)
                r = try_endpoint(p, p->client, false, err);
        if (r == -EAGAIN)
                r = err->code ?: -EIO;
        if (r >= 0)
                r = check_manifest_kind(p, err);
        return r;
}

/* Pulls each tag in turn, as dockerd 20.10's pullV2Repository does: the
 * messages of each tag up to "Digest:", then one status line and one
 * event for the repository's name. */
static int pull_all_tags(struct image_pull *p, struct error *err)
{
        bool up_to_date = true;
        char id[65] = "";
        int r;

        for (; p->tags[p->tag_index]; p->tag_index++) {
                if (p->tag_index > 0) {
                        r = next_tag(p, err);
                        if (r < 0)
                                return r;
                }
                r = pull_one(p, id, err);
                if (r < 0)
                        return r;
                up_to_date = up_to_date && r > 0;
        }
        if (id[0])
                report_event(p, p->familiar_name, id);
        return write_status(p, up_to_date, p->familiar_name);
}

int image_pull_run(struct image_pull *p, image_pull_write_fn write, void *userdata, struct error *err)
{
        char id[65];
        int r;

        p->write = write;
        p->write_userdata = userdata;
        if (p->tags)
                return pull_all_tags(p, err);

        r = pull_one(p, id, err);
        if (r < 0)
                return r;
        report_event(p, p->familiar, id);
        return write_status(p, r > 0, p->familiar);
}
