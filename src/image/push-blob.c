/* SPDX-License-Identifier: Apache-2.0 */
/* The registry requests of a push: blob existence, cross-repository
 * mounts, blob uploads driven by the blob_upload state machine, and the
 * manifest. */
#include <inttypes.h>
#include <stdio.h>

#include "blob-upload.h"
#include "log.h"
#include "push-internal.h"

#define OCTET_STREAM "application/octet-stream"

static const char *response_header(const struct registry_response *resp, const char *name)
{
        return registry_response_header(resp, name);
}

int push_blob_exists(struct registry_client *c, const char *repository, const char *digest, int64_t *ret_size,
                     struct error *err)
{
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_free_ char *path = NULL;
        const char *length;
        int r;

        if (asprintf(&path, "blobs/%s", digest) < 0)
                return -ENOMEM;
        r = registry_request(
                c,
                &(struct registry_request){
                        .method = "HEAD", .repository = repository, .path = path, .actions = REGISTRY_PULL_PUSH },
                &resp, err);
        if (r < 0)
                return r;
        if (resp.status == 404)
                return 0;
        if (resp.status != 200)
                return registry_response_error(&resp, err);

        length = response_header(&resp, "Content-Length");
        *ret_size = length ? strtoll(length, NULL, 10) : -1;
        return 1;
}

/* Escapes a query value as Go's url.QueryEscape does for the characters
 * a repository path or a digest can hold. */
static char *query_escape(const char *value)
{
        char *escaped = malloc(strlen(value) * 3 + 1), *p = escaped;

        if (!escaped)
                return NULL;
        for (; *value; value++) {
                if (*value == ':' || *value == '/')
                        p += sprintf(p, "%%%02X", (unsigned char)*value);
                else
                        *p++ = *value;
        }
        *p = '\0';
        return escaped;
}

/* Ends an upload session the registry opened when it did not mount. The
 * registry drops abandoned sessions itself, so a failure only costs it
 * some space until then. */
static void cancel_session(struct registry_client *c, const char *repository, const struct registry_response *resp)
{
        _cleanup_registry_response_ struct registry_response deleted = { 0 };
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *location = NULL;
        int r;

        if (registry_response_location(resp, &location) < 0)
                return;
        r = registry_request(
                c,
                &(struct registry_request){
                        .method = "DELETE", .repository = repository, .path = location, .actions = REGISTRY_PULL_PUSH },
                &deleted, &err);
        if (r < 0 || deleted.status >= 300)
                log_debug("Failed to cancel the upload session %s: %s", location,
                          r < 0 ? error_message(&err, r) : "unexpected status");
}

int push_blob_mount(struct registry_client *c, const char *repository, const char *digest, const char *from,
                    struct error *err)
{
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_free_ char *path = NULL, *from_escaped = query_escape(from), *digest_escaped = query_escape(digest);
        _cleanup_free_ char *scope = NULL;
        char *scopes[2] = { NULL, NULL };
        int r;

        if (!from_escaped || !digest_escaped ||
            asprintf(&path, "blobs/uploads/?from=%s&mount=%s", from_escaped, digest_escaped) < 0 ||
            asprintf(&scope, "repository:%s:pull", from) < 0)
                return -ENOMEM;
        scopes[0] = scope;

        /* The token must also allow pulling from the source repository. */
        r = registry_request(c,
                             &(struct registry_request){ .method = "POST",
                                                         .repository = repository,
                                                         .path = path,
                                                         .actions = REGISTRY_PULL_PUSH,
                                                         .scopes = scopes },
                             &resp, err);
        if (r < 0)
                return r;
        if (resp.status == 201)
                return 1;
        if (resp.status == 202) {
                cancel_session(c, repository, &resp);
                return 0;
        }
        return registry_response_error(&resp, err);
}

/* The body of one upload request: a range of the blob. */
struct body_range {
        const struct push_blob_source *src;
        int64_t start, end, pos;
};

static ssize_t read_range(void *buf, size_t size, void *userdata)
{
        struct body_range *b = userdata;
        size_t want = (size_t)MIN((int64_t)size, b->end - b->pos);
        ssize_t n;

        if (b->src->cancel && __atomic_load_n(b->src->cancel, __ATOMIC_RELAXED))
                return -ECANCELED;
        if (want == 0)
                return 0;
        if (b->src->data) {
                memcpy(buf, b->src->data + b->pos, want);
                n = (ssize_t)want;
        } else {
                n = pread(b->src->fd, buf, want, b->pos);
                if (n < 0)
                        return -errno;
                /* The file is the blob: a short one changed under us. */
                if (n == 0)
                        return -EIO;
        }
        b->pos += n;
        return n;
}

static int rewind_range(void *userdata)
{
        struct body_range *b = userdata;

        b->pos = b->start;
        return 0;
}

/* Sends the request the state machine names and feeds it the response. */
static int upload_step(struct registry_client *c, const char *repository, struct blob_upload *u,
                       const struct blob_upload_request *step, const struct push_blob_source *src, struct error *err)
{
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_free_ char *range = NULL, *location = NULL;
        struct body_range body = { src, step->offset, step->offset + step->length, step->offset };
        char *headers[3] = { NULL, NULL, NULL };
        struct registry_request req = {
                .method = step->method,
                .repository = repository,
                .path = step->url ?: "blobs/uploads/",
                .actions = REGISTRY_PULL_PUSH,
                .headers = headers,
        };
        struct blob_upload_response answer;
        int r;

        if (step->length > 0 || step->content_range) {
                headers[0] = (char *)"Content-Type: " OCTET_STREAM;
                req.read_body = read_range;
                req.rewind_body = rewind_range;
                req.body_size = step->length;
                req.body_userdata = &body;
        }
        if (step->content_range) {
                if (asprintf(&range, "Content-Range: %" PRId64 "-%" PRId64, step->offset,
                             step->offset + step->length - 1) < 0)
                        return -ENOMEM;
                headers[1] = range;
        }

        r = registry_request(c, &req, &resp, err);
        if (r < 0)
                return r;

        r = registry_response_location(&resp, &location);
        if (r == -EBADMSG)
                return error_set(err, r, "invalid upload Location from the registry: '%s'",
                                 response_header(&resp, "Location"));
        if (r < 0 && r != -ENOENT)
                return r;

        answer = (struct blob_upload_response){
                .status = resp.status,
                .location = location,
                .range = response_header(&resp, "Range"),
                .chunk_min = response_header(&resp, "OCI-Chunk-Min-Length"),
        };
        r = blob_upload_handle(u, &answer, err);
        if (r == -EPROTO)
                return registry_response_error(&resp, err);
        return r;
}

int push_blob_upload(struct registry_client *c, const char *repository, const char *digest,
                     const struct push_blob_source *src, int64_t chunk_size, struct error *err)
{
        _cleanup_blob_upload_ struct blob_upload u = { 0 };
        struct blob_upload_request step;
        int r;

        r = blob_upload_init(&u, digest, src->size, chunk_size);
        if (r < 0)
                return r;

        while (blob_upload_next(&u, &step) > 0) {
                if (src->cancel && __atomic_load_n(src->cancel, __ATOMIC_RELAXED))
                        return -ECANCELED;
                r = upload_step(c, repository, &u, &step, src, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int push_blob_upload_stream(struct registry_client *c, const char *repository, const struct push_blob_stream *s,
                            int64_t chunk_size, struct error *err)
{
        _cleanup_blob_upload_ struct blob_upload u = { 0 };
        struct push_blob_source src = { .fd = s->fd, .size = -1, .cancel = s->cancel };
        struct blob_upload_request step;
        bool complete = false;
        int r;

        r = blob_upload_init_streaming(&u, chunk_size);
        if (r < 0)
                return r;

        for (;;) {
                /* A PATCH waits until its whole chunk is in the file. */
                if (!complete && u.state == BLOB_UPLOAD_SEND) {
                        char digest[DIGEST_STRING_MAX];
                        int64_t size;

                        r = s->wait_for(u.offset + u.chunk_size, digest, &size, s->userdata);
                        if (r < 0)
                                return r;
                        if (r > 0) {
                                complete = true;
                                r = blob_upload_finish_input(&u, digest, size);
                                if (r < 0)
                                        return error_set(err, -EIO,
                                                         "the registry has more of the blob than its %" PRId64 " bytes",
                                                         size);
                        }
                }
                if (blob_upload_next(&u, &step) == 0)
                        return 0;
                if (s->cancel && __atomic_load_n(s->cancel, __ATOMIC_RELAXED))
                        return -ECANCELED;
                r = upload_step(c, repository, &u, &step, &src, err);
                if (r < 0)
                        return r;
        }
}

int push_manifest_put(struct registry_client *c, const char *repository, const char *reference, const char *manifest,
                      size_t len, struct error *err)
{
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_free_ char *path = NULL;
        char *headers[] = { (char *)"Content-Type: " MEDIA_TYPE_DOCKER_MANIFEST, NULL };
        int r;

        if (asprintf(&path, "manifests/%s", reference) < 0)
                return -ENOMEM;
        r = registry_request(c,
                             &(struct registry_request){ .method = "PUT",
                                                         .repository = repository,
                                                         .path = path,
                                                         .actions = REGISTRY_PULL_PUSH,
                                                         .headers = headers,
                                                         .body = manifest,
                                                         .body_len = len },
                             &resp, err);
        if (r < 0)
                return r;
        if (resp.status != 201 && resp.status != 200 && resp.status != 202)
                return registry_response_error(&resp, err);
        return 0;
}
