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
 * and reply with exactly one of the http_reply_* or http_hijack calls.
 * Every connection runs in its own thread, so a handler may block.
 *
 * The server ignores SIGPIPE for the whole process (when it still has its
 * default action), because handlers write to sockets whose peer may have
 * gone: a write then fails with EPIPE instead of killing the daemon.
 */

/* API versions as major * 100 + minor: 1.41 is 141. */
/* 1.24 is the oldest version the docker CLI still speaks; older versions
 * had behaviours (a HostConfig in the start request) this daemon lacks. */
#define HTTP_API_VERSION_MIN     124
#define HTTP_API_VERSION_MAX     141
#define HTTP_API_VERSION_DEFAULT HTTP_API_VERSION_MAX

struct http_server;
struct http_request;

/* The way a route receives its request body. */
enum http_body {
        /* Any body is read whole (up to HTTP_JSON_BODY_MAX) and must be JSON
         * when not empty: Content-Type application/json. */
        HTTP_BODY_JSON,
        /* The handler reads the body as a stream from http_request_body_fd(). */
        HTTP_BODY_STREAM,
};

#define HTTP_JSON_BODY_MAX   (16u * 1024 * 1024)
#define HTTP_MAX_PATH_PARAMS 4

/* Stack size of every thread that runs a handler or a callback. Only the
 * pages a thread touches count towards the daemon's memory. */
#define HTTP_THREAD_STACK_SIZE (512u * 1024)

/* Memory for one connection's request line, headers and buffers; requests
 * that do not fit get 414 or 431. libmicrohttpd touches all of it, so it
 * sets the cost of an idle keep-alive connection: about 80 KiB of RSS with
 * its thread (measured with 100 connections on x86_64). NOTE: Go's
 * net/http accepts 1 MiB of headers; a larger X-Registry-Config header of
 * docker build would get 431 here. */
#define HTTP_CONNECTION_MEMORY (64u * 1024)

/* Connections served at once by one listener; more are closed at once. */
#define HTTP_MAX_CONNECTIONS 1024

/* Seconds an idle or stalled connection stays open (keep-alive, or a
 * client that stops sending in the middle of its request). Streams,
 * HTTP_BODY_STREAM bodies and hijacked connections have no timeout. */
#define HTTP_IDLE_TIMEOUT_DEFAULT 120

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
        const char *address; /* "unix:///run/sockerless.sock", "fd://" (every socket
                                systemd passed) or "fd://N" (the one at fd N) */
        mode_t mode;         /* socket mode; 0 means 0660 */
        gid_t gid;           /* group owning the socket, (gid_t)-1 to keep root's */
        const char *pool;    /* pool whose socket this is, or NULL for the default */
};

/* Creates a server over the routes (the table must outlive the server).
 * userdata is returned by http_request_userdata for every request. */
int http_server_new(const struct http_route *routes, size_t n_routes, void *userdata, struct http_server **ret);

/* Sets the idle timeout (HTTP_IDLE_TIMEOUT_DEFAULT seconds) of the
 * listeners started after this call. */
void http_server_set_idle_timeout(struct http_server *s, unsigned seconds);

/* Binds a listener (bind, chmod, chown, then listen) and starts serving it.
 * "unix://" alone means HTTP_DEFAULT_UNIX_PATH. "tcp://" addresses return
 * -EOPNOTSUPP until the layer supports TLS; other schemes -EINVAL. */
int http_server_listen(struct http_server *s, const struct http_listener_config *config, struct error *err);

#define HTTP_DEFAULT_UNIX_PATH "/run/sockerless.sock"

/* Serves an already listening stream socket, as systemd socket activation
 * passes. The server owns fd on success; on failure it stays the caller's. */
int http_server_listen_fd(struct http_server *s, int fd, const char *pool, struct error *err);

/* Stops accepting: closes the listeners and removes their socket files.
 * Then waits up to timeout_ms for running requests, ends the streams still
 * running (their writes fail with -EPIPE) and closes every connection.
 * Hijacked connections belong to their callbacks and stay open. A handler
 * that has not replied yet is waited for however long it takes, so handlers
 * must not block without bound before they reply. */
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

/* Returns every decoded value of a repeated query parameter in order
 * (POST /images/create takes several "changes"), as a new NULL-terminated
 * array (empty when absent) that the caller frees with strv_free. */
int http_query_all(const struct http_request *req, const char *key, char ***ret);

/* Parses a query boolean as Docker's httputils.BoolValueOrDefault does.
 * An absent key gives fallback. "", "0", "no", "false" and "none" (in any
 * case, spaces trimmed) are false, and any other value is true. */
bool http_query_bool(const struct http_request *req, const char *key, bool fallback);

/* Parses a query integer. Absent or empty gives fallback (returns 0); a
 * malformed or out-of-range value returns -EINVAL with the message in err. */
int http_query_int(const struct http_request *req, const char *key, int64_t fallback, int64_t *ret, struct error *err);

/* Parses the "filters" query parameter, a JSON object of arrays of strings
 * or Docker's map form {"key":{"value":true}}. Returns a new object
 * mapping each key to an array of distinct strings (empty object when
 * absent). Invalid JSON or shapes return -EINVAL with "invalid filter: ...". */
int http_query_filters(const struct http_request *req, json_object **ret, struct error *err);

/* Returns a request header (name in any case), or NULL. */
const char *http_header(const struct http_request *req, const char *name);

/* The parsed JSON body of an HTTP_BODY_JSON route, or NULL when the body
 * was empty. The object belongs to the request. */
json_object *http_request_json(const struct http_request *req);

/* The raw body bytes of an HTTP_BODY_JSON route, NUL-terminated. */
const char *http_request_body(const struct http_request *req, size_t *ret_len);

/* For HTTP_BODY_STREAM routes: a readable fd delivering the body, then end
 * of file. The handler runs on its own thread while the body arrives. When
 * the client fails to send the whole body (it closes early or breaks the
 * chunked framing), a read fails with ECONNRESET instead of ending cleanly.
 * The fd belongs to the request: do not close it. Once the handler has
 * replied, reads see end of file. */
int http_request_body_fd(const struct http_request *req);

/* ---- Replies ---- */

/* Adds a header to the reply the handler sends next (Cache-Control on
 * /_ping, X-Docker-Container-Path-Stat on archive HEAD). Returns -EINVAL
 * for a name or value containing CR or LF. */
int http_reply_add_header(struct http_request *req, const char *name, const char *value);

/* Sends obj (consumed) as application/json with the status. */
void http_reply_json(struct http_request *req, unsigned status, json_object *obj);

/* Sends a status with no body (204, 304) and no Content-Type. */
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

/* A streaming reply, sent with chunked transfer encoding. The callback
 * writes with http_stream_write and returns when done. It runs on a thread
 * of its own, or on an HTTP_BODY_STREAM route on the handler's thread
 * inside this call, so it may block (logs --follow, events, wait).
 * The headers go out without waiting for the first write: when the handler
 * returns, or on an HTTP_BODY_STREAM route once the body is read. Each
 * write is sent at once. Writes fail with -EPIPE once the client has gone.
 * The request stays valid until the callback returns. */
struct http_stream;
typedef void (*http_stream_fn)(struct http_stream *stream, void *userdata);

void http_reply_stream(struct http_request *req, unsigned status, const char *content_type, http_stream_fn fn,
                       void *userdata);
/* Writes all of data, waiting while the client reads slower than the stream
 * writes. Calls from several threads do not interleave within one write. */
int http_stream_write(struct http_stream *stream, const void *data, size_t len);
/* Writes obj (consumed) followed by "\n", as Docker's progress and event streams do. */
int http_stream_write_json(struct http_stream *stream, json_object *obj);
/* Tells whether the client has closed its connection. */
bool http_stream_closed(struct http_stream *stream);
/* Returns an fd that poll() reports with POLLHUP once the client has gone,
 * for callbacks that wait on other fds between writes. Do not read, write
 * or close it. */
int http_stream_poll_fd(struct http_stream *stream);

/* Hijacks the connection for attach and exec: replies 101 with
 * Connection: Upgrade, Upgrade: tcp and the content type. Then fn runs on
 * a thread of its own with the raw client socket, a blocking dup the callee
 * owns and must close, and with the bytes the client sent after its request
 * and body. The server no longer touches the connection. Clients that
 * did not send an Upgrade header, or speak HTTP/1.0, get "200 OK" and a
 * body carrying what fn writes to its fd, a socket the callee owns and
 * must close too. Reads from that fd see end of file at once. */
typedef void (*http_hijack_fn)(int fd, const void *pending, size_t pending_len, void *userdata);
void http_hijack(struct http_request *req, const char *content_type, http_hijack_fn fn, void *userdata);
