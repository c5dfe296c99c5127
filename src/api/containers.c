/* SPDX-License-Identifier: Apache-2.0 */
/* The container endpoints: create, inspect, start, stop, kill, restart,
 * wait, remove, and the route table. */
#include <signal.h>
#include <stdio.h>

#include "api.h"
#include "engine/signals.h"
#include "jsonutil.h"
#include "log.h"

/* Poll interval of a blocked wait, to notice a client that went away. */
#define WAIT_POLL_MS 1000

void api_reply_error(struct http_request *req, int code, const struct error *err)
{
        unsigned status = http_status_for_error(code);

        if (status >= 500)
                log_error("%s %s failed: %s", http_request_method(req), http_request_path(req),
                          error_message(err, code));
        http_reply_error(req, code, err);
}

struct container *api_find_container(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct container *c = NULL;
        int r;

        r = engine_container_find(api_daemon(req)->engine, http_path_param(req, "id"), &c, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return NULL;
        }
        return c;
}

void api_container_create(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_container_ struct container *c = NULL;
        json_object *warnings = json_object_new_array(), *reply;
        int r;

        r = engine_container_create(api_daemon(req)->engine, http_request_json(req), http_query(req, "name"),
                                    http_request_pool(req), warnings, &c, &err);
        if (r < 0) {
                json_object_put(warnings);
                api_reply_error(req, r, &err);
                return;
        }
        log_info("Container %s created (%s)", c->id, c->name);
        reply = json_object_new_object();
        json_object_object_add(reply, "Id", json_object_new_string(c->id));
        json_object_object_add(reply, "Warnings", warnings);
        http_reply_json(req, 201, reply);
}

void api_container_inspect(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        json_object *obj;

        if (!c)
                return;
        pthread_mutex_lock(&c->lock);
        obj = api_container_inspect_json(api_daemon(req), c);
        pthread_mutex_unlock(&c->lock);
        if (http_query_bool(req, "size", false))
                obj = api_container_inspect_with_sizes(api_daemon(req), c, obj);
        http_reply_json(req, 200, obj);
}

void api_container_start(struct http_request *req)
{
        _cleanup_container_ struct container *c = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        size_t body_len = 0;
        int r;

        /* API 1.24 dropped the HostConfig that older clients sent here. */
        if (http_request_body(req, &body_len) && body_len > 0) {
                http_reply_error_status(req, 400,
                                        "starting container with non-empty request body was deprecated since API "
                                        "v1.22 and removed in v1.24");
                return;
        }
        c = api_find_container(req);
        if (!c)
                return;
        r = engine_container_start(api_daemon(req)->engine, c, &err);
        if (r == -EALREADY) {
                http_reply_empty(req, 304);
                return;
        }
        if (r < 0) {
                /* Logged here with the container's ID, so not again by
                 * api_reply_error. */
                log_warn("Container %s failed to start: %s", c->id, error_message(&err, r));
                http_reply_error(req, r, &err);
                return;
        }
        http_reply_empty(req, 204);
}

/* Reads the stop timeout "t" (seconds); absent gives -1, the container's default. */
static int query_timeout(struct http_request *req, int *ret, struct error *err)
{
        int64_t t;
        int r;

        r = http_query_int(req, "t", -1, &t, err);
        if (r < 0)
                return r;
        *ret = t < -1 ? -1 : (t > INT32_MAX ? INT32_MAX : (int)t);
        return 0;
}

typedef int (*timed_operation_fn)(struct engine *e, struct container *c, int timeout, struct error *err);

/* Runs stop or restart with the request's timeout. -EALREADY (a stop of a
 * container that is not running) is 304, as in dockerd. */
static void run_timed_operation(struct http_request *req, timed_operation_fn operation)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        int timeout, r;

        if (!c)
                return;
        r = query_timeout(req, &timeout, &err);
        if (r >= 0)
                r = operation(api_daemon(req)->engine, c, timeout, &err);
        if (r == -EALREADY)
                http_reply_empty(req, 304);
        else if (r < 0)
                api_reply_error(req, r, &err);
        else
                http_reply_empty(req, 204);
}

void api_container_stop(struct http_request *req)
{
        run_timed_operation(req, engine_container_stop);
}

void api_container_restart(struct http_request *req)
{
        run_timed_operation(req, engine_container_restart);
}

void api_container_kill(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *name = http_query(req, "signal");
        int sig = SIGKILL, r;

        if (!c)
                return;
        if (!isempty(name)) {
                sig = signal_from_string(name);
                if (sig < 0) {
                        http_reply_error_status(req, 400, "Invalid signal: %s", name);
                        return;
                }
        }
        r = engine_container_kill(api_daemon(req)->engine, c, sig, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        http_reply_empty(req, 204);
}

void api_container_remove(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        if (!c)
                return;
        if (http_query_bool(req, "link", false)) {
                http_reply_error_status(req, 400, "Conflict, cannot remove the default link name of the container");
                return;
        }
        r = engine_container_remove(api_daemon(req)->engine, c, http_query_bool(req, "force", false),
                                    http_query_bool(req, "v", false), &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        log_info("Container %s removed", c->id);
        http_reply_empty(req, 204);
}

/* ---- wait ---- */

struct wait_job {
        struct container *container;
        struct wait_ticket ticket;
};

static void wait_stream(struct http_stream *stream, void *userdata)
{
        struct wait_job *job = userdata;
        _cleanup_free_ char *error = NULL;
        json_object *reply, *error_obj = NULL;
        int exit_code = 0;

        /* Block until the condition holds, checking now and then that the
         * client is still there. */
        while (engine_container_wait(job->container, &job->ticket, WAIT_POLL_MS, &exit_code, &error) == 0)
                if (http_stream_closed(stream))
                        goto done;

        /* dockerd reports the container's error to a wait for its end, but
         * not to a wait for its removal, which `docker run --rm` uses. */
        if (error && job->ticket.condition != WAIT_REMOVED) {
                error_obj = json_object_new_object();
                json_object_object_add(error_obj, "Message", json_object_new_string(error));
        }
        reply = json_object_new_object();
        json_object_object_add(reply, "Error", error_obj);
        json_object_object_add(reply, "StatusCode", json_object_new_int(exit_code));
        http_stream_write_json(stream, reply);
done:
        container_unref(job->container);
        free(job);
}

/* As in dockerd 20.10, a condition other than next-exit and removed,
 * unknown ones included, is not-running. */
static enum wait_condition parse_condition(const char *s)
{
        if (streq_ptr(s, "next-exit"))
                return WAIT_NEXT_EXIT;
        if (streq_ptr(s, "removed"))
                return WAIT_REMOVED;
        return WAIT_NOT_RUNNING;
}

void api_container_wait(struct http_request *req)
{
        /* Before API 1.30 there was no condition: every wait was not-running. */
        const char *condition_text = http_request_api_version(req) >= 130 ? http_query(req, "condition") : NULL;
        enum wait_condition condition = parse_condition(condition_text);
        struct container *c;
        struct wait_job *job;

        c = api_find_container(req);
        if (!c)
                return;
        job = calloc(1, sizeof(*job));
        if (!job) {
                container_unref(c);
                http_reply_error_status(req, 500, "out of memory");
                return;
        }
        job->container = c;
        /* The snapshot is taken before the reply's headers go out: a client
         * that starts the container once it has them misses no exit. */
        engine_container_wait_prepare(c, condition, &job->ticket);
        http_reply_stream(req, 200, "application/json", wait_stream, job);
}

void api_container_resize(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        int64_t height = 0, width = 0;
        int r;

        if (!c)
                return;
        r = http_query_int(req, "h", 0, &height, &err);
        if (r >= 0)
                r = http_query_int(req, "w", 0, &width, &err);
        if (r >= 0 && (height < 0 || width < 0 || height > 65535 || width > 65535))
                r = error_set(&err, -EINVAL, "invalid terminal size %lldx%lld", (long long)height, (long long)width);
        if (r >= 0)
                r = engine_container_resize(api_daemon(req)->engine, c, (unsigned)height, (unsigned)width, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        http_reply_empty(req, 200);
}

const struct http_route api_container_routes[] = {
        { "POST", "/containers/create", api_container_create, HTTP_BODY_JSON },
        { "GET", "/containers/json", api_container_list, HTTP_BODY_JSON },
        { "POST", "/containers/prune", api_container_prune, HTTP_BODY_JSON },
        { "GET", "/containers/{id}/json", api_container_inspect, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/start", api_container_start, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/stop", api_container_stop, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/restart", api_container_restart, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/kill", api_container_kill, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/wait", api_container_wait, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/attach", api_container_attach, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/resize", api_container_resize, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/update", api_container_update, HTTP_BODY_JSON },
        { "GET", "/containers/{id}/logs", api_container_logs, HTTP_BODY_JSON },
        { "GET", "/containers/{id}/top", api_container_top, HTTP_BODY_JSON },
        { "GET", "/containers/{id}/stats", api_container_stats, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/pause", api_container_pause, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/unpause", api_container_unpause, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/rename", api_container_rename, HTTP_BODY_JSON },
        { "GET", "/containers/{id}/changes", api_container_changes, HTTP_BODY_JSON },
        { "GET", "/containers/{id}/export", api_container_export, HTTP_BODY_STREAM },
        { "POST", "/commit", api_commit, HTTP_BODY_JSON },
        { "HEAD", "/containers/{id}/archive", api_container_archive_head, HTTP_BODY_JSON },
        /* A stream route, so that the reply is written on the handler's thread. */
        { "GET", "/containers/{id}/archive", api_container_archive_get, HTTP_BODY_STREAM },
        { "PUT", "/containers/{id}/archive", api_container_archive_put, HTTP_BODY_STREAM },
        { "DELETE", "/containers/{id}", api_container_remove, HTTP_BODY_JSON },
};
const size_t api_container_routes_count = ARRAY_SIZE(api_container_routes);
