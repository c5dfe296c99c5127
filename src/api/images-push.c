/* SPDX-License-Identifier: Apache-2.0 */
/* POST /images/{name}/push, with dockerd 20.10's checks before the stream
 * and its JSON message stream after. */
#include <stdio.h>

#include "api/images.h"
#include "daemon.h"
#include "image/jsonmessage.h"
#include "image/push.h"
#include "image/registry.h"
#include "log.h"

struct push_job {
        struct daemon *daemon;
        struct http_stream *stream;
        char *name;
        char *tag;
        struct registry_auth auth;
};

static void push_job_free(struct push_job *job)
{
        if (!job)
                return;
        free(job->name);
        free(job->tag);
        registry_auth_done(&job->auth);
        free(job);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct push_job *, push_job_free)

static int write_line(const char *line, void *userdata)
{
        struct push_job *job = userdata;

        return http_stream_write(job->stream, line, strlen(line));
}

static void push_stream(struct http_stream *stream, void *userdata)
{
        _cleanup_(push_job_freep) struct push_job *job = userdata;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *line = NULL;
        struct image_push_options opts = {
                .name = job->name,
                .tag = job->tag,
                .auth = &job->auth,
                .concurrency = job->daemon->config.max_concurrent_uploads,
                .write = write_line,
                .userdata = job,
        };
        int r;

        job->stream = stream;
        r = image_store_push(job->daemon->images, job->daemon->registries, &opts, &err);
        if (r >= 0)
                return;

        /* dockerd reports push errors inside the stream, after its first
         * line; the daemon's own failures are logged here as well. */
        if (r == -ECANCELED && http_stream_closed(stream)) {
                log_info("Push of %s stopped: the client closed the connection", job->name);
                return;
        }
        log_write(http_status_for_error(r) >= 500 ? LOG_LEVEL_ERROR : LOG_LEVEL_DEBUG, "Failed to push %s%s%s: %s",
                  job->name, isempty(job->tag) ? "" : ":", job->tag, error_message(&err, r));
        line = jsonmessage_error(error_message(&err, r));
        if (line)
                (void)http_stream_write(stream, line, strlen(line));
}

/* Decodes the credentials as dockerd 20.10 does: an X-Registry-Auth
 * header that does not decode means none, and without the header the
 * body must contain the AuthConfig JSON, where old clients send it. */
static int push_credentials(struct http_request *req, struct registry_auth *ret, struct error *err)
{
        const char *header = http_header(req, "X-Registry-Auth");
        const char *body;
        size_t len = 0;
        int r;

        if (!isempty(header)) {
                r = registry_auth_parse(header, ret, NULL);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        *ret = (struct registry_auth){ 0 };
                return 0;
        }

        body = http_request_body(req, &len);
        if (len == 0)
                return error_set(err, -EINVAL, "Bad parameters and missing X-Registry-Auth: EOF");
        r = registry_auth_parse_json(body, len, ret, err);
        if (r < 0 && r != -ENOMEM)
                return error_prefix(err, r, "Bad parameters and missing X-Registry-Auth");
        return r;
}

void api_image_push(struct http_request *req)
{
        _cleanup_(push_job_freep) struct push_job *job = calloc(1, sizeof(*job));
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *tag = http_query(req, "tag");
        int r;

        if (!job)
                return http_reply_error(req, -ENOMEM, NULL);
        job->daemon = http_request_userdata(req);
        job->name = strdup(http_path_param(req, "name"));
        job->tag = strdup(tag ?: "");
        if (!job->name || !job->tag)
                return http_reply_error(req, -ENOMEM, NULL);

        r = push_credentials(req, &job->auth, &err);
        if (r < 0)
                return http_reply_error(req, r, &err);

        /* dockerd 20.10 replies to a malformed name or tag with 500. */
        r = image_push_validate(job->name, job->tag, &err);
        if (r < 0)
                return http_reply_error_status(req, 500, "%s", error_message(&err, r));

        http_reply_stream(req, 200, "application/json", push_stream, TAKE_PTR(job));
}
