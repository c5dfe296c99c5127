/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <inttypes.h>
#include <strings.h>

#include "http-private.h"
#include "log.h"
#include "strv.h"
#include "timeutil.h"

struct http_request *request_ref(struct http_request *req)
{
        __atomic_add_fetch(&req->n_refs, 1, __ATOMIC_RELAXED);
        return req;
}

void request_unref(struct http_request *req)
{
        struct http_server *server;

        if (!req || __atomic_sub_fetch(&req->n_refs, 1, __ATOMIC_ACQ_REL) > 0)
                return;

        server = req->server;
        reply_free(req);
        if (req->stream)
                stream_free(req->stream);
        if (req->body_fd >= 0)
                close(req->body_fd);
        if (req->feed_fd >= 0)
                close(req->feed_fd);
        json_object_put(req->json);
        free(req->body);
        strv_free(req->headers);
        strv_free(req->query);
        for (size_t i = 0; i < HTTP_MAX_PATH_PARAMS; i++)
                free(req->params[i]);
        free(req->version);
        free(req->path);
        free(req->method);
        free(req->target);
        pthread_cond_destroy(&req->cond);
        pthread_mutex_destroy(&req->lock);
        free(req);
        server_unref(server);
}

/* Called by libmicrohttpd with the raw request target before it parses the
 * request. The object returned here is the request's *con_cls, freed by
 * request_completed: libmicrohttpd calls that for every request that got
 * this far, including those it rejects itself (431 for huge headers). */
void *request_uri_logger(void *cls, const char *uri, struct MHD_Connection *connection)
{
        struct http_listener *listener = cls;
        struct http_server *server = listener->server;
        struct http_request *req = calloc(1, sizeof(*req));

        if (!req)
                return NULL;
        req->target = strdup(uri);
        if (!req->target) {
                free(req);
                return NULL;
        }

        req->n_refs = 1;
        req->listener = listener;
        req->server = server;
        req->connection = connection;
        req->client_fd = -1;
        req->body_fd = -1;
        req->feed_fd = -1;
        req->start_ns = timeutil_monotonic_ns();
        pthread_mutex_init(&req->lock, NULL);
        pthread_cond_init(&req->cond, NULL);

        pthread_mutex_lock(&server->lock);
        server->n_refs++;
        server->n_active++;
        pthread_mutex_unlock(&server->lock);
        return req;
}

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
        char ***cursor = cls;

        *(*cursor)++ = strdup(key);
        *(*cursor)++ = strdup(value ?: "");
        return MHD_YES;
}

/* Copies the request headers, because callbacks on other threads may read
 * them after libmicrohttpd has freed the connection's memory. */
static int copy_headers(struct http_request *req)
{
        int n = MHD_get_connection_values(req->connection, MHD_HEADER_KIND, NULL, NULL);
        char **cursor;

        req->headers = calloc((size_t)MAX(n, 0) * 2 + 1, sizeof(char *));
        if (!req->headers)
                return -ENOMEM;
        cursor = req->headers;
        MHD_get_connection_values(req->connection, MHD_HEADER_KIND, copy_header, &cursor);
        for (char **p = req->headers; p < cursor; p++)
                if (!*p)
                        return -ENOMEM;
        return 0;
}

static int copy_params(struct http_request *req)
{
        for (size_t i = 0; i < req->match.n_params; i++) {
                req->params[i] = strndup(req->path + req->match.params[i].offset, req->match.params[i].len);
                if (!req->params[i])
                        return -ENOMEM;
        }
        return 0;
}

static size_t count_headers(const struct http_request *req, const char *name, const char **ret_last)
{
        size_t n = 0;

        for (char **p = req->headers; p && p[0]; p += 2)
                if (strcasecmp(p[0], name) == 0) {
                        *ret_last = p[1];
                        n++;
                }
        return n;
}

/* Rejects the framings that let two readers of one request disagree on
 * where its body ends (request smuggling). libmicrohttpd 0.9.75 takes the
 * first of several Content-Length headers and prefers chunked over a
 * Content-Length. It reads a body of unknown transfer coding until the
 * connection closes. */
static int check_framing(struct http_request *req)
{
        const char *te = NULL, *cl = NULL, *first_cl = NULL;
        size_t n_te = count_headers(req, "Transfer-Encoding", &te);
        size_t n_cl = count_headers(req, "Content-Length", &cl);

        if (n_te > 1 || (n_te == 1 && strcasecmp(te, "chunked") != 0)) {
                http_reply_error_status(req, MHD_HTTP_NOT_IMPLEMENTED, "unsupported transfer encoding \"%s\"", te);
                return -EINVAL;
        }
        if (n_te > 0 && n_cl > 0) {
                http_reply_error_status(req, MHD_HTTP_BAD_REQUEST,
                                        "invalid request: both Transfer-Encoding and Content-Length are set");
                return -EINVAL;
        }

        for (char **p = req->headers; n_cl > 1 && p[0]; p += 2) {
                if (strcasecmp(p[0], "Content-Length") != 0)
                        continue;
                if (first_cl && !streq(first_cl, p[1])) {
                        http_reply_error_status(req, MHD_HTTP_BAD_REQUEST,
                                                "invalid request: conflicting Content-Length headers");
                        return -EINVAL;
                }
                first_cl = p[1];
        }
        if (cl && (cl[0] == '\0' || cl[strspn(cl, "0123456789")] != '\0')) {
                http_reply_error_status(req, MHD_HTTP_BAD_REQUEST, "invalid Content-Length \"%s\"", cl);
                return -EINVAL;
        }
        return 0;
}

static int redirect(struct http_request *req, const char *location)
{
        int r = http_reply_add_header(req, "Location", location);

        if (r < 0)
                return r;
        http_reply_empty(req, MHD_HTTP_MOVED_PERMANENTLY);
        return 0;
}

/* Routes a request as dockerd does: the path is decoded and must be clean
 * (gorilla/mux redirects otherwise), then the first route matching method
 * and path wins (404 otherwise), then the version prefix is checked, then
 * the query. Returns 0 when the handler should run, or -errno once a
 * reply is set. */
static int route_request(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct http_server *s = req->server;
        struct http_uri uri = { 0 };
        int r;

        r = http_uri_parse(req->target, &uri, &err);
        if (r < 0) {
                http_reply_error(req, r, &err);
                return r;
        }
        if (uri.redirect) {
                r = redirect(req, uri.redirect);
                http_uri_done(&uri);
                return r < 0 ? r : -EAGAIN;
        }
        req->path = TAKE_PTR(uri.path);
        req->version = TAKE_PTR(uri.version);

        req->route = http_routes_find(s->routes, s->n_routes, req->method, req->path, &req->match);
        if (!req->route) {
                http_uri_done(&uri);
                http_reply_error_status(req, MHD_HTTP_NOT_FOUND, "page not found");
                return -ENOENT;
        }

        r = http_version_check(req->version, &req->api_version, &err);
        if (r >= 0)
                r = copy_params(req);
        if (r >= 0)
                r = http_query_parse(uri.raw_query, &req->query, &err);
        http_uri_done(&uri);
        if (r < 0) {
                http_reply_error(req, r, &err);
                return r;
        }
        return 0;
}

static enum MHD_Result request_begin(struct http_request *req, const char *method, const char *version)
{
        const union MHD_ConnectionInfo *info;
        int r;

        info = MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        req->client_fd = info ? info->connect_fd : -1;

        req->method = strdup(method);
        if (!req->method || copy_headers(req) < 0)
                return MHD_NO;
        /* libmicrohttpd 0.9.75 upgrades HTTP/1.1 connections only; older
         * clients get the hijack fallback. */
        req->upgrade = http_header(req, "Upgrade") && streq(version, MHD_HTTP_VERSION_1_1);

        r = route_request(req);
        if (r >= 0)
                r = check_framing(req);
        if (r == -ENOMEM && req->reply_kind == REPLY_NONE)
                return MHD_NO;
        if (r < 0)
                return reply_queue(req);

        if (req->route->body == HTTP_BODY_STREAM)
                return body_stream_begin(req);
        return body_json_begin(req);
}

/* Runs the handler of an HTTP_BODY_JSON route on the connection thread;
 * reply_queue turns a missing reply into a 500. */
static enum MHD_Result request_dispatch_json(struct http_request *req)
{
        if (body_json_finish(req) >= 0)
                req->route->handler(req);
        return reply_queue(req);
}

enum MHD_Result request_access_handler(void *cls, struct MHD_Connection *connection, const char *url,
                                       const char *method, const char *version, const char *upload_data,
                                       size_t *upload_data_size, void **con_cls)
{
        struct http_request *req = *con_cls;
        size_t len = *upload_data_size;

        if (!req)
                return MHD_NO;
        *upload_data_size = 0;

        switch (req->state) {
        case REQUEST_NEW:
                return request_begin(req, method, version);
        case REQUEST_JSON_BODY:
                return len > 0 ? body_json_receive(req, upload_data, len) : request_dispatch_json(req);
        case REQUEST_STREAM_BODY:
                if (len > 0)
                        return body_stream_receive(req, upload_data, len);
                body_stream_finish(req);
                body_stream_wait_reply(req);
                return reply_queue(req);
        case REQUEST_DISCARD:
                if (len > 0)
                        return MHD_YES;
                body_stream_wait_reply(req);
                return reply_queue(req);
        case REQUEST_DRAIN:
                /* Dropping is bounded: past the limit the connection closes. */
                req->drained += len;
                return len > 0 && req->drained <= HTTP_DRAIN_MAX ? MHD_YES : MHD_NO;
        case REQUEST_QUEUED:
                break;
        }
        return MHD_YES;
}

static void log_access(struct http_request *req, enum MHD_RequestTerminationCode toe)
{
        const union MHD_ConnectionInfo *info =
                MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_HTTP_STATUS);
        unsigned status = req->status ?: (info ? info->http_status : 0);
        int64_t us = (timeutil_monotonic_ns() - req->start_ns) / 1000;
        size_t path_len = strcspn(req->target, "?");

        log_debug("http: %s %.*s %u %" PRId64 ".%03" PRId64 "ms", req->method ?: "-", (int)path_len, req->target,
                  status, us / 1000, us % 1000);
        if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
                log_debug("http: %s %.*s ended early (libmicrohttpd termination code %d)", req->method ?: "-",
                          (int)path_len, req->target, (int)toe);
}

void request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                       enum MHD_RequestTerminationCode toe)
{
        struct http_request *req = *con_cls;
        struct http_server *server;
        struct http_stream *stream;

        if (!req)
                return;
        *con_cls = NULL;
        server = req->server;
        log_access(req, toe);

        pthread_mutex_lock(&req->lock);
        req->gone = true;
        stream = req->stream;
        pthread_mutex_unlock(&req->lock);

        if (req->feed_fd >= 0)
                body_stream_abort(req);
        if (stream)
                stream_hangup(stream);

        /* Streams turn the idle timeout off; the next request on a
         * keep-alive connection gets it back. */
        if (req->state == REQUEST_QUEUED && req->reply_kind == REPLY_STREAM)
                MHD_set_connection_option(connection, MHD_CONNECTION_OPTION_TIMEOUT, server->idle_timeout_s);

        pthread_mutex_lock(&server->lock);
        server->n_active--;
        pthread_cond_broadcast(&server->idle);
        pthread_mutex_unlock(&server->lock);
        request_unref(req);
}

/* ---- Accessors ---- */

const char *http_request_method(const struct http_request *req)
{
        return req->method;
}

const char *http_request_path(const struct http_request *req)
{
        return req->path;
}

unsigned http_request_api_version(const struct http_request *req)
{
        return req->api_version;
}

void *http_request_userdata(const struct http_request *req)
{
        return req->server->userdata;
}

const char *http_request_pool(const struct http_request *req)
{
        return req->listener->pool;
}

const char *http_path_param(const struct http_request *req, const char *name)
{
        size_t len = strlen(name);

        for (size_t i = 0; i < req->match.n_params; i++)
                if (req->match.params[i].name_len == len && memcmp(req->match.params[i].name, name, len) == 0)
                        return req->params[i];
        return NULL;
}

const char *http_query(const struct http_request *req, const char *key)
{
        for (char **p = req->query; p && p[0]; p += 2)
                if (streq(p[0], key))
                        return p[1];
        return NULL;
}

int http_query_all(const struct http_request *req, const char *key, char ***ret)
{
        _cleanup_strv_free_ char **values = calloc(1, sizeof(char *));

        if (!values)
                return -ENOMEM;
        for (char **p = req->query; p && p[0]; p += 2)
                if (streq(p[0], key) && strv_append(&values, p[1]) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(values);
        return 0;
}

const char *http_header(const struct http_request *req, const char *name)
{
        for (char **p = req->headers; p && p[0]; p += 2)
                if (strcasecmp(p[0], name) == 0)
                        return p[1];
        return NULL;
}

bool http_query_bool(const struct http_request *req, const char *key, bool fallback)
{
        static const char *const false_values[] = { "", "0", "no", "false", "none" };
        const char *value = http_query(req, key);
        size_t len;

        if (!value)
                return fallback;

        while (isspace((unsigned char)*value))
                value++;
        len = strlen(value);
        while (len > 0 && isspace((unsigned char)value[len - 1]))
                len--;

        for (size_t i = 0; i < ARRAY_SIZE(false_values); i++)
                if (strlen(false_values[i]) == len && strncasecmp(value, false_values[i], len) == 0)
                        return false;
        return true;
}

int http_query_int(const struct http_request *req, const char *key, int64_t fallback, int64_t *ret, struct error *err)
{
        const char *value = http_query(req, key);
        char *end = NULL;
        long long n;

        if (isempty(value)) {
                *ret = fallback;
                return 0;
        }

        /* strtoll would skip leading spaces, which Go's strconv rejects. */
        if (isspace((unsigned char)value[0]))
                return error_set(err, -EINVAL, "invalid value for query parameter %s: \"%s\" is not an integer", key,
                                 value);
        errno = 0;
        n = strtoll(value, &end, 10);
        if (*end != '\0' || end == value)
                return error_set(err, -EINVAL, "invalid value for query parameter %s: \"%s\" is not an integer", key,
                                 value);
        if (errno == ERANGE)
                return error_set(err, -EINVAL, "invalid value for query parameter %s: %s is out of range", key, value);
        *ret = n;
        return 0;
}

int http_query_filters(const struct http_request *req, json_object **ret, struct error *err)
{
        return http_filters_parse(http_query(req, "filters"), ret, err);
}

json_object *http_request_json(const struct http_request *req)
{
        return req->json;
}

const char *http_request_body(const struct http_request *req, size_t *ret_len)
{
        if (ret_len)
                *ret_len = req->body_len;
        return req->body ?: "";
}

int http_request_body_fd(const struct http_request *req)
{
        return req->body_fd;
}
