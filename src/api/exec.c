/* SPDX-License-Identifier: Apache-2.0 */
/* The exec endpoints: create, start (hijacked like attach, or detached),
 * resize and inspect, with dockerd 20.10's checks, statuses and texts. */
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>

#include "api.h"
#include "engine/exec.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "pool/backend.h"

/* Docker's stream number of stdout in a framed stream. */
#define STREAM_STDOUT 1

void api_exec_create(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_container_ struct container *c = NULL;
        _cleanup_exec_ struct exec *x = NULL;
        struct exec_config config = {};
        json_object *reply;
        int r;

        /* dockerd checks the body before it looks for the container. */
        r = exec_config_parse(http_request_json(req), &config, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        c = api_find_container(req);
        if (!c) {
                exec_config_clear(&config);
                return;
        }
        r = engine_exec_create(api_daemon(req)->engine, c, http_path_param(req, "id"), &config, &x, &err);
        exec_config_clear(&config);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        reply = json_object_new_object();
        json_object_object_add(reply, "Id", json_object_new_string(x->id));
        http_reply_json(req, 201, reply);
}

/* Looks up the exec of the {id} parameter and checks its container as
 * dockerd's getExecConfig does. On failure replies and returns NULL. */
static struct exec *find_active_exec(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_exec_ struct exec *x = NULL;
        struct container *c;
        char status[128];
        int r;

        r = engine_exec_find(api_daemon(req)->engine, http_path_param(req, "id"), &x, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return NULL;
        }
        c = x->container;
        pthread_mutex_lock(&c->lock);
        switch (c->state.status) {
        case CONTAINER_RUNNING:
                r = 0;
                break;
        case CONTAINER_PAUSED:
                r = error_set(&err, -EBUSY, "Container %s is paused, unpause the container before exec", c->id);
                break;
        case CONTAINER_RESTARTING:
                r = error_set(&err, -EBUSY, "Container %s is restarting, wait until the container is running", c->id);
                break;
        default:
                api_container_status_text(&c->state, status, sizeof(status));
                r = error_set(&err, -EIO, "Container %s is not running: %s", c->id, status);
        }
        pthread_mutex_unlock(&c->lock);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return NULL;
        }
        return TAKE_PTR(x);
}

void api_exec_inspect(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_exec_ struct exec *x = NULL;
        struct engine *e = api_daemon(req)->engine;
        int r;

        r = engine_exec_find(e, http_path_param(req, "id"), &x, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        /* A client inspects an exec as soon as its stream ends; the end
         * was reported before, and may still be on its way. */
        engine_exec_sync(e, x);
        http_reply_json(req, 200, engine_exec_inspect_json(e, x));
}

/* ---- start ---- */

/* Parses the start body (Docker's ExecStartCheck). */
static int parse_start_options(json_object *body, struct exec_start_options *ret, struct error *err)
{
        int r;

        if (!body)
                return error_set(err, -EINVAL, "got EOF while reading request body");
        if (!json_object_is_type(body, json_type_object))
                return error_set(err, -EINVAL, "json: cannot unmarshal %s into Go value of type types.ExecStartCheck",
                                 json_object_is_type(body, json_type_array) ? "array" : "value");
        r = json_field_check(body, "Detach", json_type_boolean, "ExecStartCheck", err);
        if (r >= 0)
                r = json_field_check(body, "Tty", json_type_boolean, "ExecStartCheck", err);
        if (r < 0)
                return r;
        ret->detach = json_field_bool(body, "Detach", false);
        ret->tty = json_field_bool(body, "Tty", false);
        return 0;
}

struct start_job {
        struct daemon *daemon;
        struct exec *exec;
        struct exec_start_options options;
};

/* dockerd writes a failure of an attached start into the stream, framed
 * as stdout unless the client reads a raw stream, followed by CRLF. */
static void write_start_error(int fd, bool raw, const char *message)
{
        _cleanup_free_ char *text = NULL;
        uint8_t header[8] = { STREAM_STDOUT, 0, 0, 0 };
        uint32_t size;
        int n;

        n = asprintf(&text, "%s\r\n", message);
        if (n < 0)
                return;
        size = htonl((uint32_t)n);
        memcpy(header + 4, &size, sizeof(size));
        if (!raw && fs_write_all(fd, header, sizeof(header)) < 0)
                return;
        (void)fs_write_all(fd, text, (size_t)n);
}

static struct attach_request *client_request(int fd, const void *pending, size_t pending_len)
{
        struct attach_request *client = calloc(1, sizeof(*client));

        if (!client)
                return NULL;
        client->fd = fd;
        if (pending_len > 0) {
                client->pending = malloc(pending_len);
                if (!client->pending) {
                        free(client);
                        return NULL;
                }
                memcpy(client->pending, pending, pending_len);
                client->pending_len = pending_len;
        }
        return client;
}

static void start_hijacked(int fd, const void *pending, size_t pending_len, void *userdata)
{
        struct start_job *job = userdata;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_close_ int reply_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        struct attach_request *client = client_request(fd, pending, pending_len);
        int r;

        /* The backend takes the client; the copy is for a failure to report. */
        if (!client) {
                close(fd);
                r = -ENOMEM;
        } else if (reply_fd < 0) {
                attach_request_free(client);
                r = -errno;
        } else
                r = engine_exec_start(job->daemon->engine, job->exec, &job->options, client, &err);
        if (r < 0) {
                log_warn("Running exec %s failed: %s", job->exec->id, error_message(&err, r));
                if (reply_fd >= 0)
                        write_start_error(reply_fd, job->options.tty, error_message(&err, r));
        }
        exec_unref(job->exec);
        free(job);
}

void api_exec_start(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_exec_ struct exec *x = NULL;
        struct exec_start_options options = {};
        struct start_job *job;
        int r;

        r = parse_start_options(http_request_json(req), &options, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        x = find_active_exec(req);
        if (!x)
                return;

        if (options.detach) {
                r = engine_exec_start(api_daemon(req)->engine, x, &options, NULL, &err);
                if (r < 0) {
                        api_reply_error(req, r, &err);
                        return;
                }
                http_reply_empty(req, 200);
                return;
        }

        job = calloc(1, sizeof(*job));
        if (!job) {
                http_reply_error_status(req, 500, "out of memory");
                return;
        }
        job->daemon = api_daemon(req);
        job->exec = TAKE_PTR(x);
        job->options = options;
        /* API 1.41 and older reply with the raw-stream type, tty or not. */
        http_hijack(req, "application/vnd.docker.raw-stream", start_hijacked, job);
}

/* ---- resize ---- */

/* Parses a query integer with the messages of Go's strconv.Atoi, which
 * dockerd returns as they are. */
static int parse_atoi(struct http_request *req, const char *key, int64_t *ret, struct error *err)
{
        const char *text = http_query(req, key) ?: "";
        char *end;
        long long v;

        errno = 0;
        v = strtoll(text, &end, 10);
        if (!*text || *end || end == text || isspace((unsigned char)*text))
                return error_set(err, -EINVAL, "strconv.Atoi: parsing \"%s\": invalid syntax", text);
        if (errno == ERANGE)
                return error_set(err, -EINVAL, "strconv.Atoi: parsing \"%s\": value out of range", text);
        *ret = v;
        return 0;
}

void api_exec_resize(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_exec_ struct exec *x = NULL;
        int64_t height = 0, width = 0;
        int r;

        r = parse_atoi(req, "h", &height, &err);
        if (r >= 0)
                r = parse_atoi(req, "w", &width, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        x = find_active_exec(req);
        if (!x)
                return;
        /* dockerd passes any size on; a terminal takes 16-bit sizes, and
         * others are ignored here. */
        if (height >= 0 && width >= 0 && height <= UINT16_MAX && width <= UINT16_MAX)
                r = engine_exec_resize(api_daemon(req)->engine, x, (unsigned)height, (unsigned)width, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        http_reply_empty(req, 200);
}

const struct http_route api_exec_routes[] = {
        { "POST", "/containers/{id}/exec", api_exec_create, HTTP_BODY_JSON },
        { "POST", "/exec/{id}/start", api_exec_start, HTTP_BODY_JSON },
        { "POST", "/exec/{id}/resize", api_exec_resize, HTTP_BODY_JSON },
        { "GET", "/exec/{id}/json", api_exec_inspect, HTTP_BODY_JSON },
};
const size_t api_exec_routes_count = ARRAY_SIZE(api_exec_routes);
