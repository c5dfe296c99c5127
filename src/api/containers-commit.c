/* SPDX-License-Identifier: Apache-2.0 */
/* docker diff, export and commit: GET /containers/{id}/changes, GET
 * /containers/{id}/export and POST /commit, with dockerd 20.10's replies. */
#include <stdio.h>

#include "api.h"
#include "engine/commit.h"
#include "engine/create-config.h"
#include "image/config.h"
#include "image/image.h"
#include "image/reference.h"
#include "jsonutil.h"
#include "log.h"
#include "strv.h"

void api_container_changes(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *changes = NULL;
        int r;

        if (!c)
                return;
        r = engine_container_changes(api_daemon(req)->engine, c, &changes, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        /* dockerd replies null, not [], when nothing changed. */
        http_reply_json(req, 200, changes);
}

struct export_job {
        struct engine *engine;
        struct container *container;
};

static int stream_write(void *userdata, const void *buf, size_t len)
{
        return http_stream_write(userdata, buf, len);
}

static void export_stream(struct http_stream *stream, void *userdata)
{
        struct export_job *job = userdata;
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = engine_container_export(job->engine, job->container, stream_write, stream, &err);
        /* The status went out with the headers: a failure can only cut
         * the tar short, without its end-of-archive blocks, as with
         * dockerd. */
        if (r < 0 && r != -EPIPE)
                log_error("Exporting container %s failed: %s", job->container->id, error_message(&err, r));
}

void api_container_export(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        struct export_job job;
        int r;

        if (!c)
                return;
        r = engine_container_export_check(api_daemon(req)->engine, c, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);

        /* On this HTTP_BODY_STREAM route the stream runs here, before the
         * call returns, so the container reference outlives it. */
        job = (struct export_job){ .engine = api_daemon(req)->engine, .container = c };
        http_reply_stream(req, 200, "application/x-tar", export_stream, &job);
}

/* The config the request body carries, as dockerd's DecodeConfig reads
 * it: NULL for no body, null, or an object without config fields. */
static int body_config(struct http_request *req, json_object **ret, struct error *err)
{
        json_object *body = http_request_json(req);
        int r;

        *ret = NULL;
        if (!body)
                return 0;
        r = create_request_check(body, err);
        if (r < 0)
                return r;
        if (config_container_has_fields(body))
                *ret = body;
        return 0;
}

/* pause defaults to true from API 1.13 on, also when given empty. */
static bool pause_requested(struct http_request *req)
{
        const char *value = http_query(req, "pause");

        if (isempty(value))
                return http_request_api_version(req) >= 113;
        return http_query_bool(req, "pause", false);
}

/* Tags the new image as dockerd's TagImage does: a malformed repository
 * or tag is a 500, other errors keep their status. The image stays. */
static int tag_commit(struct http_request *req, const char *id, struct error *err)
{
        _cleanup_reference_ struct reference ref = { 0 };
        const char *repo = http_query(req, "repo"), *tag = http_query(req, "tag");
        int r;

        if (isempty(repo))
                return 0;
        r = reference_parse_normalized(repo, &ref, err);
        if (r >= 0 && !isempty(tag))
                r = reference_set_tag(&ref, tag, err);
        if (r < 0)
                return -EIO;
        return image_store_tag(api_daemon(req)->images, id, repo, tag, err);
}

/* dockerd's "commit" event: the comment, the new image's ID and the
 * reference it was tagged with, in its familiar form. */
static void commit_event(struct http_request *req, struct container *c, const char *id, const char *comment)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_free_ char *image_ref = NULL;
        const char *repo = http_query(req, "repo"), *tag = http_query(req, "tag");

        if (!isempty(repo) && reference_parse_normalized(repo, &ref, NULL) >= 0 &&
            (isempty(tag) || reference_set_tag(&ref, tag, NULL) >= 0))
                image_ref = reference_familiar_string(&ref);
        engine_event_container(api_daemon(req)->engine, c, "commit", "comment", comment ?: "", "imageID", id,
                               "imageRef", image_ref ?: "", NULL);
}

void api_commit(struct http_request *req)
{
        _cleanup_container_ struct container *c = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_strv_free_ char **changes = NULL;
        const char *name = http_query(req, "container");
        struct engine_commit_request commit = {
                .author = http_query(req, "author"),
                .comment = http_query(req, "comment"),
                .pause = pause_requested(req),
        };
        json_object *reply;
        char id[80];
        int r;

        if (isempty(name))
                return http_reply_error_status(req, 400, "invalid name or ID supplied: \"\"");
        r = engine_container_find(api_daemon(req)->engine, name, &c, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);

        /* dockerd 20.10 replies to a config it cannot decode with 500. */
        r = body_config(req, &commit.config, &err);
        if (r < 0)
                return api_reply_error(req, -EIO, &err);
        r = http_query_all(req, "changes", &changes);
        if (r < 0)
                return api_reply_error(req, r, NULL);
        commit.changes = changes;

        r = engine_container_commit(api_daemon(req)->engine, c, &commit, id, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);

        r = tag_commit(req, id, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        commit_event(req, c, id, commit.comment);

        reply = json_object_new_object();
        json_object_object_add(reply, "Id", json_object_new_string(id));
        http_reply_json(req, 201, reply);
}
