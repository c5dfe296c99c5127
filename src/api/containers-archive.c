/* SPDX-License-Identifier: Apache-2.0 */
/* docker cp: HEAD, GET and PUT /containers/{id}/archive, with dockerd
 * 20.10's status codes and messages. */
#include "api.h"
#include "base64.h"
#include "engine/archive.h"
#include "log.h"

#define PATH_STAT_HEADER "X-Docker-Container-Path-Stat"

/* Replies with dockerd's 404 for a missing path, naming the container as
 * the client named it, or with the error. */
static void reply_archive_error(struct http_request *req, const char *path, int code, const struct error *err)
{
        if (code == -ENOENT && !(err && err->message)) {
                http_reply_error_status(req, 404, "Could not find the file %s in container %s", path,
                                        http_path_param(req, "id"));
                return;
        }
        api_reply_error(req, code, err);
}

static int add_stat_header(struct http_request *req, const struct copy_path_stat *stat)
{
        _cleanup_free_ char *json = copy_path_stat_to_json(stat), *encoded = NULL;

        if (!json)
                return -ENOMEM;
        encoded = base64_encode(json, strlen(json));
        if (!encoded)
                return -ENOMEM;
        return http_reply_add_header(req, PATH_STAT_HEADER, encoded);
}

void api_container_archive_head(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        struct copy_path_stat stat = { 0 };
        const char *path = http_query(req, "path");
        int r;

        if (!c)
                return;
        r = engine_container_archive_stat(api_daemon(req)->engine, c, path, &stat, &err);
        if (r >= 0)
                r = add_stat_header(req, &stat);
        copy_path_stat_clear(&stat);
        if (r < 0)
                return reply_archive_error(req, path, r, &err);
        http_reply_empty(req, 200);
}

struct archive_job {
        struct container_archive *archive;
        const char *container_id;
};

static int stream_write(const void *data, size_t len, void *userdata)
{
        return http_stream_write(userdata, data, len);
}

static void archive_stream(struct http_stream *stream, void *userdata)
{
        struct archive_job *job = userdata;
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = engine_container_archive_write(job->archive, stream_write, stream, &err);
        /* The status went out with the headers: a failure can only cut
         * the archive short, as with dockerd. */
        if (r < 0 && r != -EPIPE)
                log_error("Archiving a path of container %s failed: %s", job->container_id, error_message(&err, r));
}

void api_container_archive_get(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        struct container_archive *archive = NULL;
        const char *path = http_query(req, "path");
        struct archive_job job;
        int r;

        if (!c)
                return;
        r = engine_container_archive_open(api_daemon(req)->engine, c, path, &archive, &err);
        if (r >= 0)
                r = add_stat_header(req, engine_container_archive_path_stat(archive));
        if (r < 0) {
                engine_container_archive_close(archive);
                return reply_archive_error(req, path, r, &err);
        }

        engine_event_container(api_daemon(req)->engine, c, "archive-path", NULL);
        /* On this HTTP_BODY_STREAM route the stream runs here, before the
         * call returns, so the archive (and the op_lock of a stopped
         * container) is released on this thread. */
        job = (struct archive_job){ .archive = archive, .container_id = c->id };
        http_reply_stream(req, 200, "application/x-tar", archive_stream, &job);
        engine_container_archive_close(archive);
}

void api_container_archive_put(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *path = http_query(req, "path");
        struct engine_extract_request opts = {
                .no_overwrite_dir_non_dir = http_query_bool(req, "noOverwriteDirNonDir", false),
                .copy_uid_gid = http_query_bool(req, "copyUIDGID", false),
        };
        int r;

        if (!c)
                return;
        r = engine_container_extract(api_daemon(req)->engine, c, path, http_request_body_fd(req), &opts, &err);
        if (r < 0)
                return reply_archive_error(req, path, r, &err);
        engine_event_container(api_daemon(req)->engine, c, "extract-to-dir", NULL);
        log_debug("Extracted an archive to %s in container %s", path, c->id);
        http_reply_empty(req, 200);
}
