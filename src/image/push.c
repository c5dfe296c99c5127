/* SPDX-License-Identifier: Apache-2.0 */
/* docker push: the tags to push, and for each its layers, config and
 * manifest (push.h). */
#include "push.h"

#include <stdio.h>
#include <strings.h>

#include "blob-upload.h"
#include "log.h"
#include "push-internal.h"
#include "store-internal.h"
#include "strv.h"

/* One tag to push and the image it names. */
struct push_target {
        char *tag;
        char image_id[65];
};

static void targets_free(struct push_target *targets, size_t n)
{
        for (size_t i = 0; targets && i < n; i++)
                free(targets[i].tag);
        free(targets);
}

static int parse_target(const char *name, const char *tag, struct reference *ret, struct error *err)
{
        int r = reference_parse_normalized(name, ret, err);

        if (r >= 0 && !isempty(tag))
                r = reference_set_tag(ret, tag, err);
        return r;
}

int image_push_validate(const char *name, const char *tag, struct error *err)
{
        _cleanup_reference_ struct reference ref = { 0 };

        return parse_target(name, tag, &ref, err);
}

static bool same_repository(const struct reference *a, const struct reference *b)
{
        return streq(a->domain, b->domain) && streq(a->path, b->path);
}

/* Finds the tags to push, as dockerd's pushV2Repository does: the one tag
 * the reference names, or every tag of its repository (sorted by name,
 * as the store keeps them). */
static int find_targets(struct image_store *s, const struct reference *ref, struct push_target **ret, size_t *ret_n,
                        struct error *err)
{
        _cleanup_free_ char *familiar = NULL;
        struct push_target *targets = NULL;
        bool any_reference = false;
        size_t n = 0;

        {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);

                targets = calloc(s->n_tags + 1, sizeof(*targets));
                if (!targets)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_tags; i++) {
                        const struct tag_entry *t = s->tags[i];

                        if (!same_repository(&t->ref, ref))
                                continue;
                        any_reference = true;
                        if (!t->ref.tag || (ref->tag && !streq(t->ref.tag, ref->tag)))
                                continue;
                        targets[n].tag = strdup(t->ref.tag);
                        if (!targets[n].tag) {
                                targets_free(targets, n);
                                return -ENOMEM;
                        }
                        snprintf(targets[n].image_id, sizeof(targets[n].image_id), "%s", t->image_id);
                        n++;
                }
        }

        if (!any_reference || (n == 0 && !ref->tag && !ref->digest)) {
                targets_free(targets, n);
                familiar = reference_familiar_name(ref);
                if (!familiar)
                        return -ENOMEM;
                if (!any_reference)
                        return error_set(err, -ENOENT, "An image does not exist locally with the tag: %s", familiar);
                return error_set(err, -ENOENT, "no tags to push for %s", familiar);
        }
        if (n == 0 && ref->tag) {
                targets_free(targets, n);
                familiar = reference_familiar_string(ref);
                if (!familiar)
                        return -ENOMEM;
                return error_set(err, -ENOENT, "tag does not exist: %s", familiar);
        }
        if (!ref->tag && ref->digest) {
                targets_free(targets, n);
                return error_set(err, -EINVAL, "cannot push a digest reference");
        }

        *ret = targets;
        *ret_n = n;
        return 0;
}

static int compare_targets(const void *a, const void *b)
{
        return strcmp(((const struct push_target *)a)->tag, ((const struct push_target *)b)->tag);
}

/* Copies the image's config blob, byte for byte. */
static int config_copy(struct image_store *s, const char *image_id, char **ret, size_t *ret_len)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);
        struct image_entry *e = store_image_find(s, image_id);

        if (!e)
                return -ENOENT;
        *ret = malloc(e->config_len + 1);
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, e->config_bytes, e->config_len);
        (*ret)[e->config_len] = '\0';
        *ret_len = e->config_len;
        return 0;
}

/* Adds "<repository>@<digest>" to the image, as dockerd does after a
 * push; a digest reference that names another image stays. */
static int add_digest_reference(struct image_store *s, const struct reference *repo, const char *digest,
                                const char *image_id)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_free_ char *full = NULL;
        struct tag_entry *existing;
        struct image_entry *e;
        int r;

        r = reference_copy(repo, &ref);
        if (r < 0)
                return r;
        free(ref.tag);
        ref.tag = NULL;
        free(ref.digest);
        ref.digest = strdup(digest);
        full = reference_string(&ref);
        if (!ref.digest || !full)
                return -ENOMEM;

        _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

        existing = store_tag_find(s, full);
        e = store_image_find(s, image_id);
        if (existing || !e || e->deleted)
                return 0;
        r = store_tag_set(s, &ref, image_id);
        if (r >= 0)
                r = store_tags_save(s);
        return r;
}

/* Lists the distinct layers of an image, top first as dockerd pushes them. */
static int layers_of(const struct image *img, struct push_layer **ret, size_t *ret_n)
{
        size_t n_layers = strv_length(img->diff_ids), n = 0;
        struct push_layer *layers = calloc(n_layers + 1, sizeof(*layers));

        if (!layers)
                return -ENOMEM;
        for (size_t i = n_layers; i > 0; i--) {
                const char *diff_id = img->diff_ids[i - 1];
                bool seen = false;

                for (size_t j = 0; j < n && !seen; j++)
                        seen = streq(layers[j].diff_id, diff_id);
                if (seen)
                        continue;
                layers[n].diff_id = diff_id;
                layers[n].chain_id = img->chain_ids[i - 1];
                layers[n].size = img->layer_sizes[i - 1];
                snprintf(layers[n].short_id, sizeof(layers[n].short_id), "%.12s", digest_hex(diff_id));
                n++;
        }
        *ret = layers;
        *ret_n = n;
        return 0;
}

/* Builds the manifest's layer list, lowest first, from the pushed blobs. */
static int manifest_layers(const struct image *img, const struct push_layer *layers, size_t n,
                           struct blob_descriptor **ret)
{
        size_t n_layers = strv_length(img->diff_ids);
        struct blob_descriptor *blobs = calloc(n_layers + 1, sizeof(*blobs));

        if (!blobs)
                return -ENOMEM;
        for (size_t i = 0; i < n_layers; i++)
                for (size_t j = 0; j < n; j++)
                        if (streq(layers[j].diff_id, img->diff_ids[i]))
                                blobs[i] = layers[j].blob;
        *ret = blobs;
        return 0;
}

/* Uploads the config blob unless the repository has it. */
static int push_config(struct push_session *p, struct registry_client *c, const char *config, size_t len,
                       const char *digest, struct error *err)
{
        struct push_blob_source src = { .fd = -1, .data = config, .size = (int64_t)len };
        int64_t size;
        int r;

        r = push_blob_exists(c, p->repository, digest, &size, err);
        if (r != 0)
                return r;
        return push_blob_upload(c, p->repository, digest, &src, 0, err);
}

static int push_tag(struct push_session *p, struct registry_client *c, const struct reference *repo,
                    const struct push_target *target, struct error *err)
{
        _cleanup_image_ struct image *img = NULL;
        _cleanup_free_ struct push_layer *layers = NULL;
        _cleanup_free_ struct blob_descriptor *blobs = NULL;
        _cleanup_free_ char *config = NULL, *manifest = NULL;
        struct blob_descriptor config_blob = { 0 };
        char id[DIGEST_STRING_MAX], manifest_digest[DIGEST_STRING_MAX];
        size_t n = 0, config_len = 0, manifest_len = 0;
        int r;

        /* The image may have gone since the tags were read. */
        snprintf(id, sizeof(id), DIGEST_PREFIX "%s", target->image_id);
        r = image_store_lookup(p->store, id, &img, NULL);
        if (r >= 0)
                r = config_copy(p->store, target->image_id, &config, &config_len);
        if (r == -ENOENT)
                return error_set(err, r, "No such image: %s", id);
        if (r < 0)
                return r;

        r = layers_of(img, &layers, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = push_output_layer(p, &layers[i], "Preparing");
                if (r < 0)
                        return error_set(err, r, "the client closed the connection");
        }

        r = push_layers(p, layers, n, err);
        if (r < 0)
                return r;

        snprintf(config_blob.digest, sizeof(config_blob.digest), "%s", id);
        config_blob.size = (int64_t)config_len;
        r = push_config(p, c, config, config_len, id, err);
        if (r < 0)
                return r;

        r = manifest_layers(img, layers, n, &blobs);
        if (r >= 0)
                r = push_manifest_build(&config_blob, blobs, strv_length(img->diff_ids), &manifest, &manifest_len);
        if (r >= 0)
                r = digest_buffer(manifest, manifest_len, manifest_digest);
        if (r < 0)
                return r;
        r = push_manifest_put(c, p->repository, target->tag, manifest, manifest_len, err);
        if (r < 0)
                return r;

        r = add_digest_reference(p->store, repo, manifest_digest, target->image_id);
        if (r < 0)
                log_debug_errno(r, "Failed to add the digest reference %s to image %s: %m", manifest_digest,
                                target->image_id);

        r = push_output_result(p, target->tag, manifest_digest, manifest_len);
        return r < 0 ? error_set(err, r, "the client closed the connection") : 0;
}

/* Reaches the registry once (GET /v2/) before any layer is compressed, as
 * dockerd does, so that an unreachable registry fails the push at once.
 * A 401 only means that requests need credentials, but a Basic challenge
 * without a user name can never be met: dockerd fails with this text. */
static int ping(struct registry_client *c, const struct registry_auth *auth, struct error *err)
{
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        const char *challenge;
        int r;

        r = registry_request(c, &(struct registry_request){ .path = "" }, &resp, err);
        if (r < 0)
                return r;
        challenge = registry_response_header(&resp, "WWW-Authenticate");
        if (resp.status == 401 && challenge && strncasecmp(challenge, "basic", 5) == 0 &&
            (!auth || isempty(auth->username)))
                return error_set(err, -EACCES, "no basic auth credentials");
        return 0;
}

/* Sends the "push" event of dockerd 20.10: the reference as the client
 * named it, with the labels of the image that it names (its tag, or
 * latest when every tag was pushed). */
static void report_event(struct image_store *s, const struct reference *ref, const struct push_target *targets,
                         size_t n)
{
        _cleanup_free_ char *familiar = reference_familiar_string(ref), *name = reference_familiar_name(ref);
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);
        const char *tag = ref->tag ?: "latest";
        const char *image_id = NULL;

        if (!s->event)
                return;
        if (!familiar || !name) {
                log_error("Failed to record the push event of %s: out of memory", ref->path);
                return;
        }
        for (size_t i = 0; i < n; i++)
                if (streq(targets[i].tag, tag))
                        image_id = targets[i].image_id;
        s->event("push", familiar, name, image_id ? store_image_labels(s, image_id) : NULL, s->event_userdata);
}

static void session_done(struct push_session *p)
{
        strv_free(p->done_diff_ids);
        free(p->done_blobs);
        pthread_mutex_destroy(&p->lock);
}

int image_store_push(struct image_store *s, struct registry_context *ctx, const struct image_push_options *opts,
                     struct error *err)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_(registry_client_freep) struct registry_client *client = NULL;
        _cleanup_free_ char *name = NULL, *status = NULL;
        struct push_target *targets = NULL;
        struct push_session p;
        size_t n = 0;
        int r;

        r = parse_target(opts->name, opts->tag, &ref, err);
        if (r < 0)
                return r;
        name = reference_name(&ref);
        if (!name)
                return -ENOMEM;

        p = (struct push_session){
                .store = s,
                .ctx = ctx,
                .auth = opts->auth,
                .domain = ref.domain,
                .repository = ref.path,
                .concurrency = opts->concurrency ?: IMAGE_PUSH_CONCURRENCY,
                .chunk_size = opts->chunk_size ?: BLOB_UPLOAD_CHUNK_SIZE,
                .write = opts->write,
                .userdata = opts->userdata,
        };
        pthread_mutex_init(&p.lock, NULL);

        if (asprintf(&status, "The push refers to repository [%s]", name) < 0)
                r = -ENOMEM;
        else
                r = push_output_status(&p, status);
        if (r >= 0)
                r = find_targets(s, &ref, &targets, &n, err);
        if (r >= 0)
                r = registry_client_new(ctx, ref.domain, opts->auth, &client, err);
        if (r >= 0)
                r = ping(client, opts->auth, err);
        if (r >= 0)
                qsort(targets, n, sizeof(*targets), compare_targets);

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = push_tag(&p, client, &ref, &targets[i], err);
        if (r >= 0)
                report_event(s, &ref, targets, n);

        targets_free(targets, n);
        session_done(&p);
        return r;
}
