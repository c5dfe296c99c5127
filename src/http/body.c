/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>

#include "http-private.h"
#include "jsonutil.h"
#include "log.h"

static size_t token_length(const char *s)
{
        size_t n = 0;

        while (s[n] > 0x20 && s[n] < 0x7f && !strchr("()<>@,;:\\\"/[]?=", s[n]))
                n++;
        return n;
}

/* Returns the reason Go's mime.ParseMediaType gives for a malformed media
 * type, or NULL. Parameters after ";" are not checked. */
static const char *media_type_error(const char *p, size_t *ret_type_len, const char **ret_subtype,
                                    size_t *ret_subtype_len)
{
        size_t type_len, subtype_len;
        const char *subtype, *rest;

        type_len = token_length(p);
        if (type_len == 0)
                return "mime: no media type";
        if (p[type_len] != '/')
                return "mime: expected slash after first token";
        subtype = p + type_len + 1;
        subtype_len = token_length(subtype);
        if (subtype_len == 0)
                return "mime: expected token after slash";
        rest = subtype + subtype_len;
        rest += strspn(rest, " \t");
        if (*rest != '\0' && *rest != ';')
                return "mime: unexpected content after media subtype";

        *ret_type_len = type_len;
        *ret_subtype = subtype;
        *ret_subtype_len = subtype_len;
        return NULL;
}

/* Checks that a non-empty body is JSON as Docker's CheckForJSON does, with
 * its messages. Docker clients before 23.0 sent "text/plain" on requests
 * without a body, so only requests with a body get here. */
static int check_content_type(struct http_request *req)
{
        const char *content_type = http_header(req, "Content-Type") ?: "";
        const char *p = content_type + strspn(content_type, " \t");
        const char *reason, *subtype = NULL;
        size_t type_len = 0, subtype_len = 0;

        reason = media_type_error(p, &type_len, &subtype, &subtype_len);
        if (reason) {
                http_reply_error_status(req, MHD_HTTP_BAD_REQUEST, "malformed Content-Type header (%s): %s",
                                        content_type, reason);
                return -EINVAL;
        }
        if (type_len != 11 || strncasecmp(p, "application", 11) != 0 || subtype_len != 4 ||
            strncasecmp(subtype, "json", 4) != 0) {
                http_reply_error_status(req, MHD_HTTP_BAD_REQUEST,
                                        "Content-Type specified (%s) must be 'application/json'", content_type);
                return -EINVAL;
        }
        return 0;
}

static void reply_too_large(struct http_request *req)
{
        http_reply_error_status(req, MHD_HTTP_CONTENT_TOO_LARGE,
                                "request body is too large: the limit for JSON bodies is %u bytes", HTTP_JSON_BODY_MAX);
}

enum MHD_Result body_json_begin(struct http_request *req)
{
        const char *length = http_header(req, "Content-Length");

        /* A Content-Length settles both checks before the body is read, and
         * a reply queued now is the only early one libmicrohttpd sends. */
        if (length) {
                unsigned long long n = strtoull(length, NULL, 10);

                if (n > HTTP_JSON_BODY_MAX) {
                        reply_too_large(req);
                        return reply_queue(req);
                }
                if (n > 0 && check_content_type(req) < 0)
                        return reply_queue(req);
                req->body_checked = n > 0;
        }

        req->state = REQUEST_JSON_BODY;
        return MHD_YES;
}

enum MHD_Result body_json_receive(struct http_request *req, const char *data, size_t len)
{
        size_t needed;

        if (!req->body_checked) {
                req->body_checked = true;
                if (check_content_type(req) < 0)
                        return reply_send_early(req);
        }
        if (len > HTTP_JSON_BODY_MAX - req->body_len) {
                reply_too_large(req);
                return reply_send_early(req);
        }

        needed = req->body_len + len + 1;
        if (needed > req->body_allocated) {
                size_t size = MIN(MAX(needed, req->body_allocated * 2), (size_t)HTTP_JSON_BODY_MAX + 1);
                char *grown = realloc(req->body, size);

                if (!grown)
                        return MHD_NO;
                req->body = grown;
                req->body_allocated = size;
        }
        memcpy(req->body + req->body_len, data, len);
        req->body_len += len;
        req->body[req->body_len] = '\0';
        return MHD_YES;
}

int body_json_finish(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *message;
        size_t i = 0;
        int r;

        /* Go's json.Decoder returns io.EOF for a blank body too, so the
         * handler decides whether it needs a body. */
        while (i < req->body_len && isspace((unsigned char)req->body[i]))
                i++;
        if (i == req->body_len)
                return 0;

        /* NOTE: json_parse_buffer cannot tell that a top-level literal
         * such as "null" or 42 has ended without a byte after it. The
         * buffer has room for one, and a trailing space changes nothing. */
        req->body[req->body_len] = ' ';
        r = json_parse_buffer(req->body, req->body_len + 1, &req->json, &err);
        req->body[req->body_len] = '\0';
        if (r == -ENOMEM) {
                http_reply_error(req, r, NULL);
                return r;
        }
        if (r < 0) {
                message = error_message(&err, r);
                http_reply_error_status(req, MHD_HTTP_BAD_REQUEST, "%s%s",
                                        startswith(message, "invalid JSON") ? "" : "invalid JSON: ", message);
                return r;
        }
        return 0;
}

static void *worker_main(void *arg)
{
        struct http_request *req = arg;
        bool replied;

        req->route->handler(req);

        pthread_mutex_lock(&req->lock);
        replied = req->reply_kind != REPLY_NONE;
        pthread_mutex_unlock(&req->lock);
        if (!replied) {
                log_debug("http: handler of %s %s sent no reply", req->method, req->route->pattern);
                http_reply_error_status(req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                        "internal error: the handler sent no reply");
        }

        request_unref(req);
        heap_trim();
        return NULL;
}

enum MHD_Result body_stream_begin(struct http_request *req)
{
        int sv[2], r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                http_reply_error(req, negative_errno(), NULL);
                return reply_queue(req);
        }
        req->body_fd = sv[0];
        req->feed_fd = sv[1];

        /* A byte left unread in the feeding end: when the body breaks off,
         * that end is closed with it unread, and Linux then fails the
         * handler's next read with ECONNRESET once the data sent so far is
         * read. A complete body drains the byte first, so the handler reads
         * a clean end of file. */
        if (send(req->body_fd, "", 1, MSG_NOSIGNAL) != 1) {
                http_reply_error(req, negative_errno(), NULL);
                return reply_queue(req);
        }

        req->on_worker = true;
        req->state = REQUEST_STREAM_BODY;
        r = thread_start_detached(worker_main, request_ref(req));
        if (r < 0) {
                request_unref(req);
                req->on_worker = false;
                http_reply_error_status(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "failed to start a handler thread: %s",
                                        strerror(-r));
                return reply_queue(req);
        }
        return MHD_YES;
}

/* Waits until the feed has room, or the server stops. The handler may read
 * slower than the idle timeout allows, and libmicrohttpd would close the
 * connection after such a wait, so the timeout is off meanwhile: it only
 * limits how long the client itself stalls. */
static int wait_writable(struct http_request *req)
{
        struct pollfd fds[2] = {
                { .fd = req->feed_fd, .events = POLLOUT },
                { .fd = req->server->stop_fd, .events = POLLIN },
        };
        int r = 0;

        MHD_set_connection_option(req->connection, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
        while (poll(fds, ARRAY_SIZE(fds), -1) < 0)
                if (errno != EINTR) {
                        r = -errno;
                        break;
                }
        MHD_set_connection_option(req->connection, MHD_CONNECTION_OPTION_TIMEOUT, req->server->idle_timeout_s);

        if (r == 0 && (fds[1].revents & POLLIN))
                r = -ECANCELED;
        return r;
}

/* The handler reads no more, because it has replied or returned. A buffered
 * reply goes out now and the connection closes; libmicrohttpd 0.9.75
 * cannot queue a reply in the middle of a body. A stream or hijack reply
 * waits until the rest of the body has been read and dropped. */
static enum MHD_Result handler_stopped_reading(struct http_request *req)
{
        body_stream_wait_reply(req);
        if (req->reply_kind == REPLY_BUFFER)
                return reply_send_early(req);
        req->state = REQUEST_DISCARD;
        return MHD_YES;
}

enum MHD_Result body_stream_receive(struct http_request *req, const char *data, size_t len)
{
        while (len > 0) {
                ssize_t n = send(req->feed_fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
                int r;

                if (n >= 0) {
                        data += n;
                        len -= (size_t)n;
                        continue;
                }
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return handler_stopped_reading(req);

                r = wait_writable(req);
                if (r < 0) {
                        log_debug_errno(r, "http: %s %s: body feed ended: %m", req->method, req->path);
                        return MHD_NO;
                }
        }
        return MHD_YES;
}

void body_stream_finish(struct http_request *req)
{
        char buf[64];

        while (recv(req->feed_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
                ;
        close(req->feed_fd);
        req->feed_fd = -1;
}

void body_stream_abort(struct http_request *req)
{
        close(req->feed_fd);
        req->feed_fd = -1;
}

void body_stream_wait_reply(struct http_request *req)
{
        /* Like wait_writable: a long wait is the handler's, not the client's. */
        MHD_set_connection_option(req->connection, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
        pthread_mutex_lock(&req->lock);
        while (req->reply_kind == REPLY_NONE)
                pthread_cond_wait(&req->cond, &req->lock);
        pthread_mutex_unlock(&req->lock);
        MHD_set_connection_option(req->connection, MHD_CONNECTION_OPTION_TIMEOUT, req->server->idle_timeout_s);
}
