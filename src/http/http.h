/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "macro.h"

/*
 * The HTTP layer: listeners over libmicrohttpd, the route table, request
 * bodies, and the replies handlers send. Handlers see a struct http_request
 * and answer with exactly one of the http_reply_* or http_hijack calls.
 * Every connection runs in its own thread, so a handler may block.
 */

/* API versions as major * 100 + minor: 1.41 is 141. */
#define HTTP_API_VERSION_MIN     112
#define HTTP_API_VERSION_MAX     141
#define HTTP_API_VERSION_DEFAULT HTTP_API_VERSION_MAX

struct http_server;
struct http_request;

/* How a route takes its request body. */
enum http_body {
        /* Any body is read whole (up to HTTP_JSON_BODY_MAX) and must be JSON
         * when not empty: Content-Type application/json. */
        HTTP_BODY_JSON,
        /* The handler reads the body as a stream from http_request_body_fd(). */
        HTTP_BODY_STREAM,
};

#define HTTP_JSON_BODY_MAX   (16u * 1024 * 1024)
#define HTTP_MAX_PATH_PARAMS 4

typedef void (*http_handler_fn)(struct http_request *req);

struct http_route {
        const char *method;  /* "GET", "POST", "PUT", "DELETE", "HEAD" */
        const char *pattern; /* "/containers/{id}/json": {x} matches one segment,
                                {x*} matches the rest of the path (image names
                                with slashes) */
        http_handler_fn handler;
        enum http_body body;
};

/* Listener configuration: one per -H address. */
struct http_listener_config {
        const char *address; /* "unix:///run/sockerless.sock" or "fd://" */
        mode_t mode;         /* socket mode, 0660 by default */
        gid_t gid;           /* group owning the socket, (gid_t)-1 to keep root's */
        const char *pool;    /* pool whose socket this is, or NULL for the default */
};

/* Creates a server over the routes (the table must outlive the server).
 * userdata is returned by http_request_userdata for every request. */
int http_server_new(const struct http_route *routes, size_t n_routes, void *userdata, struct http_server **ret);

/* Binds a listener (bind, chmod, chown, then listen) and starts serving it. */
int http_server_listen(struct http_server *s, const struct http_listener_config *config, struct error *err);

/* Serves an already listening socket, as systemd socket activation passes. */
int http_server_listen_fd(struct http_server *s, int fd, const char *pool, struct error *err);

/* Stops accepting, waits for running requests up to timeout_ms, then closes
 * the listeners and removes their socket files. */
void http_server_stop(struct http_server *s, int timeout_ms);
void http_server_free(struct http_server *s);

/* ---- Request accessors ---- */

const char *http_request_method(const struct http_request *req);
/* The path without its version prefix: "/containers/json". */
const char *http_request_path(const struct http_request *req);
/* The API version of the request, from its /vX.Y prefix or the default. */
unsigned http_request_api_version(const struct http_request *req);
void *http_request_userdata(const struct http_request *req);
/* The pool of the listener the request came in on, or NULL. */
const char *http_request_pool(const struct http_request *req);

/* Returns the path parameter {name}, already URL-decoded, or NULL. */
const char *http_path_param(const struct http_request *req, const char *name);

/* Returns the decoded query parameter, or NULL when absent. */
const char *http_query(const struct http_request *req, const char *key);

/* Parses a query boolean as Docker does: "1", "true", "True" are true,
 * "0", "false", "False" and "" are false; absent gives fallback. Anything
 * else is fallback too (Docker ignores it). */
bool http_query_bool(const struct http_request *req, const char *key, bool fallback);

/* Parses a query integer. Absent gives fallback (returns 0); a malformed
 * value returns -EINVAL with a Docker-style message in err. */
int http_query_int(const struct http_request *req, const char *key, int64_t fallback, int64_t *ret, struct error *err);

/* Parses the "filters" query parameter, a JSON object of arrays of strings
 * or Docker's older map form {"key":{"value":true}}. Returns a new object
 * mapping each key to an array of strings (empty object when absent). */
int http_query_filters(const struct http_request *req, json_object **ret, struct error *err);

/* Returns a request header, or NULL. */
const char *http_header(const struct http_request *req, const char *name);

/* The parsed JSON body of an HTTP_BODY_JSON route, or NULL when the body
 * was empty. The object belongs to the request. */
json_object *http_request_json(const struct http_request *req);

/* The raw body bytes of an HTTP_BODY_JSON route. */
const char *http_request_body(const struct http_request *req, size_t *ret_len);

/* For HTTP_BODY_STREAM routes: a readable fd delivering the body, then EOF.
 * The handler runs on its own thread while the body arrives. */
int http_request_body_fd(const struct http_request *req);

/* ---- Replies ---- */

/* Sends obj (consumed) as application/json with the status. */
void http_reply_json(struct http_request *req, unsigned status, json_object *obj);

/* Sends a status with no body (204, 304). */
void http_reply_empty(struct http_request *req, unsigned status);

/* Sends bytes with a content type (copied). */
void http_reply_data(struct http_request *req, unsigned status, const char *content_type, const void *data, size_t len);

/* Sends {"message": "..."} with the status Docker uses for the error code
 * (see http_status_for_error) and the message in err, or strerror(code). */
void http_reply_error(struct http_request *req, int code, const struct error *err);

/* Same with an explicit status and message. */
void http_reply_error_status(struct http_request *req, unsigned status, const char *fmt, ...) _printf_(3, 4);

/* Maps a negative errno to Docker's status: -ENOENT 404, -EEXIST/-EBUSY 409,
 * -EINVAL/-ERANGE 400, -EACCES/-EPERM 403, -EAGAIN 429, -ENOTSUP 501,
 * -EALREADY 304, -ETIMEDOUT 504, anything else 500. */
unsigned http_status_for_error(int code);

/* A streaming reply. The callback writes with http_stream_write and
 * returns when done; it runs in the connection's thread, so it may block
 * (logs --follow, events, wait). Headers are sent before the first write.
 * Writes fail with -EPIPE once the client has gone. */
struct http_stream;
typedef void (*http_stream_fn)(struct http_stream *stream, void *userdata);

void http_reply_stream(struct http_request *req, unsigned status, const char *content_type, http_stream_fn fn,
                       void *userdata);
int http_stream_write(struct http_stream *stream, const void *data, size_t len);
/* Writes obj (consumed) followed by "\n", as Docker's progress and event streams do. */
int http_stream_write_json(struct http_stream *stream, json_object *obj);
/* Tells whether the client has closed its connection. */
bool http_stream_closed(struct http_stream *stream);

/* Hijacks the connection for attach and exec: replies "101 UPGRADED" with
 * Connection: Upgrade, Upgrade: tcp and the content type, then calls fn with
 * the raw client socket (a dup the callee owns and must close) and any bytes
 * the client sent after its request headers. Clients that did not ask for an
 * upgrade get "200 OK" and a streamed body carrying what fn writes to its
 * fd; reads from that fd see end of file at once. */
typedef void (*http_hijack_fn)(int fd, const void *pending, size_t pending_len, void *userdata);
void http_hijack(struct http_request *req, const char *content_type, http_hijack_fn fn, void *userdata);
