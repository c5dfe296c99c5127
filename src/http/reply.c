/* SPDX-License-Identifier: Apache-2.0 */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "http-private.h"
#include "jsonutil.h"
#include "log.h"
#include "strv.h"

#define SERVER_HEADER "Sockerless/" PACKAGE_VERSION " (linux)"

struct header {
        const char *name;
        const char *value;
};

bool reply_claim(struct http_request *req, enum reply_kind kind, unsigned status, const char *content_type)
{
        if (req->reply_kind != REPLY_NONE)
                return false;

        /* Out of memory, the reply goes without its content type. */
        if (content_type)
                req->content_type = strdup(content_type);
        req->reply_kind = kind;
        req->status = status;

        /* Once a streaming-body handler has replied it reads no more: the
         * connection thread must stop waiting for room in the feed. Only a
         * shutdown of both directions wakes a poll() for POLLOUT on the
         * other end of a unix socket pair (with POLLHUP). */
        if (req->on_worker && req->body_fd >= 0)
                shutdown(req->body_fd, SHUT_RDWR);
        return true;
}

void reply_publish(struct http_request *req)
{
        pthread_cond_broadcast(&req->cond);
}

/* Sets a buffered reply, taking body. */
static void reply_buffer(struct http_request *req, unsigned status, const char *content_type, char *body, size_t len)
{
        pthread_mutex_lock(&req->lock);
        if (!reply_claim(req, REPLY_BUFFER, status, content_type)) {
                pthread_mutex_unlock(&req->lock);
                log_debug("http: %s %s: dropping a second reply (status %u)", req->method, req->target, status);
                free(body);
                return;
        }
        req->reply_body = body;
        req->reply_body_len = len;
        reply_publish(req);
        pthread_mutex_unlock(&req->lock);
}

char *reply_json_line(json_object *obj, size_t *ret_len)
{
        const char *text = obj ? json_to_string(obj) : "null";
        size_t len = strlen(text);
        char *line = malloc(len + 2);

        if (!line)
                return NULL;
        memcpy(line, text, len);
        line[len] = '\n';
        line[len + 1] = '\0';
        *ret_len = len + 1;
        return line;
}

void http_reply_json(struct http_request *req, unsigned status, json_object *obj)
{
        size_t len = 0;
        char *line = reply_json_line(obj, &len);

        json_object_put(obj);
        if (!line) {
                http_reply_error(req, -ENOMEM, NULL);
                return;
        }
        reply_buffer(req, status, "application/json", line, len);
}

void http_reply_empty(struct http_request *req, unsigned status)
{
        reply_buffer(req, status, NULL, NULL, 0);
}

void http_reply_data(struct http_request *req, unsigned status, const char *content_type, const void *data, size_t len)
{
        char *copy = malloc(len + 1);

        if (!copy) {
                http_reply_error(req, -ENOMEM, NULL);
                return;
        }
        memcpy(copy, data, len);
        copy[len] = '\0';
        reply_buffer(req, status, content_type, copy, len);
}

static void reply_message(struct http_request *req, unsigned status, const char *message)
{
        _cleanup_json_ json_object *obj = json_object_new_object();
        size_t len = 0;
        char *line;

        if (obj)
                json_set_string(obj, "message", message);
        line = obj ? reply_json_line(obj, &len) : NULL;
        if (!line) {
                /* Out of memory: a fixed reply still reports the failure. */
                static const char fallback[] = "{\"message\":\"out of memory\"}\n";

                line = strdup(fallback);
                len = line ? strlen(line) : 0;
                status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        }
        reply_buffer(req, status, "application/json", line, len);
}

void http_reply_error(struct http_request *req, int code, const struct error *err)
{
        reply_message(req, http_status_for_error(code), error_message(err, code));
}

void http_reply_error_status(struct http_request *req, unsigned status, const char *fmt, ...)
{
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&message, fmt, ap);
        va_end(ap);
        reply_message(req, status, r >= 0 ? message : "out of memory");
}

unsigned http_status_for_error(int code)
{
        switch (code) {
        case -ENOENT:
                return MHD_HTTP_NOT_FOUND;
        case -EEXIST:
        case -EBUSY:
                return MHD_HTTP_CONFLICT;
        case -EINVAL:
        case -ERANGE:
                return MHD_HTTP_BAD_REQUEST;
        case -EACCES:
        case -EPERM:
                return MHD_HTTP_FORBIDDEN;
        case -EAGAIN:
                return MHD_HTTP_TOO_MANY_REQUESTS;
        case -ENOTSUP:
                return MHD_HTTP_NOT_IMPLEMENTED;
        case -EALREADY:
                return MHD_HTTP_NOT_MODIFIED;
        case -ETIMEDOUT:
                return MHD_HTTP_GATEWAY_TIMEOUT;
        default:
                return MHD_HTTP_INTERNAL_SERVER_ERROR;
        }
}

int http_reply_add_header(struct http_request *req, const char *name, const char *value)
{
        int r;

        if (isempty(name) || strpbrk(name, "\r\n: ") || strpbrk(value, "\r\n"))
                return -EINVAL;

        pthread_mutex_lock(&req->lock);
        r = strv_append(&req->reply_headers, name);
        if (r >= 0)
                r = strv_append(&req->reply_headers, value);
        pthread_mutex_unlock(&req->lock);
        return r;
}

/* Formats the current time as Go's http.TimeFormat, with English names
 * whatever the locale. */
static void format_date(char *buf, size_t size)
{
        static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        time_t now = time(NULL);
        struct tm tm;

        gmtime_r(&now, &tm);
        snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool has_header(const struct header *headers, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(headers[i].name, name) == 0)
                        return true;
        return false;
}

static int compare_headers(const void *a, const void *b)
{
        return strcasecmp(((const struct header *)a)->name, ((const struct header *)b)->name);
}

/* Collects the reply's headers in the order dockerd sends them: Go writes
 * a handler's headers sorted by name, then Date. Headers the handler added
 * replace the common ones of the same name. The array is allocated; its
 * strings belong to req and to the two buffers. */
static struct header *collect_headers(struct http_request *req, char *version, size_t version_size, char *date,
                                      size_t date_size, size_t *ret_n)
{
        size_t n_extra = strv_length(req->reply_headers) / 2, n = 0;
        struct header *headers = calloc(n_extra + 6, sizeof(struct header));
        const struct header common[] = {
                { "Api-Version", version }, { "Content-Type", req->content_type }, { "Docker-Experimental", "false" },
                { "Ostype", "linux" },      { "Server", SERVER_HEADER },
        };

        if (!headers)
                return NULL;
        snprintf(version, version_size, "%u.%u", HTTP_API_VERSION_MAX / 100, HTTP_API_VERSION_MAX % 100);
        format_date(date, date_size);

        for (size_t i = 0; i < n_extra; i++)
                headers[n++] = (struct header){ req->reply_headers[2 * i], req->reply_headers[2 * i + 1] };
        for (size_t i = 0; i < ARRAY_SIZE(common); i++)
                if (common[i].value && !has_header(headers, n, common[i].name))
                        headers[n++] = common[i];
        qsort(headers, n, sizeof(struct header), compare_headers);
        headers[n++] = (struct header){ "Date", date };

        *ret_n = n;
        return headers;
}

static int add_headers(struct http_request *req, struct MHD_Response *response)
{
        char version[16], date[64];
        _cleanup_free_ struct header *headers = NULL;
        size_t n = 0;

        headers = collect_headers(req, version, sizeof(version), date, sizeof(date), &n);
        if (!headers)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (MHD_add_response_header(response, headers[i].name, headers[i].value) != MHD_YES)
                        return -EINVAL;
        return 0;
}

static struct MHD_Response *buffer_response_new(struct http_request *req)
{
        struct MHD_Response *response;

        if (!req->reply_body)
                return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        response = MHD_create_response_from_buffer(req->reply_body_len, req->reply_body, MHD_RESPMEM_MUST_FREE);
        if (response)
                req->reply_body = NULL;
        return response;
}

enum MHD_Result reply_queue(struct http_request *req)
{
        struct MHD_Response *response = NULL;
        enum MHD_Result ret;

        if (req->reply_kind == REPLY_NONE) {
                log_debug("http: handler of %s %s sent no reply", req->method, req->target);
                http_reply_error_status(req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                        "internal error: the handler sent no reply");
        }
        req->state = REQUEST_QUEUED;

        switch (req->reply_kind) {
        case REPLY_BUFFER:
                response = buffer_response_new(req);
                break;
        case REPLY_STREAM:
                response = stream_response_new(req->stream);
                /* A stream may stay quiet for longer than the idle timeout
                 * (logs --follow, events). request_completed restores it. */
                MHD_set_connection_option(req->connection, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
                break;
        case REPLY_UPGRADE:
                response = hijack_response_new(req);
                break;
        case REPLY_NONE:
                break;
        }
        if (!response)
                return MHD_NO;

        if (req->reply_kind != REPLY_UPGRADE && add_headers(req, response) < 0) {
                MHD_destroy_response(response);
                return MHD_NO;
        }
        ret = MHD_queue_response(req->connection, req->status, response);
        MHD_destroy_response(response);
        return ret;
}

static int send_all(int fd, const char *data, size_t len, int timeout_ms)
{
        while (len > 0) {
                ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
                struct pollfd pfd = { .fd = fd, .events = POLLOUT };

                if (n >= 0) {
                        data += n;
                        len -= (size_t)n;
                        continue;
                }
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return -errno;
                n = poll(&pfd, 1, timeout_ms);
                if (n == 0)
                        return -ETIMEDOUT;
                if (n < 0 && errno != EINTR)
                        return -errno;
        }
        return 0;
}

/* Writes the reply to the client's socket by hand, as libmicrohttpd 0.9.75
 * cannot queue one in the middle of a request body. */
static void reply_write_early(struct http_request *req)
{
        _cleanup_free_ struct header *headers = NULL;
        _cleanup_free_ char *text = NULL;
        char version[16], date[64];
        unsigned timeout_s = req->server->idle_timeout_s;
        size_t n = 0, size = 0;
        FILE *f;
        int r;

        headers = collect_headers(req, version, sizeof(version), date, sizeof(date), &n);
        f = headers ? open_memstream(&text, &size) : NULL;
        if (!f)
                return;

        fprintf(f, "HTTP/1.1 %u %s\r\n", req->status, MHD_get_reason_phrase_for(req->status));
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s: %s\r\n", headers[i].name, headers[i].value);
        fprintf(f, "Content-Length: %zu\r\nConnection: close\r\n\r\n", req->reply_body_len);
        if (req->reply_body_len > 0)
                fwrite(req->reply_body, 1, req->reply_body_len, f);
        if (fclose(f) != 0)
                return;

        /* The connection closes after this reply whatever happens, so a
         * failure only gets logged. */
        r = send_all(req->client_fd, text, size, timeout_s > 0 ? (int)timeout_s * 1000 : -1);
        if (r < 0)
                log_debug_errno(r, "http: %s %s: sending the early reply failed: %m", req->method, req->target);
}

enum MHD_Result reply_send_early(struct http_request *req)
{
        reply_write_early(req);
        /* The rest of the body is read and dropped before the connection
         * closes: a client still writing it would otherwise get EPIPE and
         * report that instead of the reply (the docker CLI does). */
        req->state = REQUEST_DRAIN;
        req->drained = 0;
        return MHD_YES;
}

void reply_free(struct http_request *req)
{
        free(req->content_type);
        free(req->reply_body);
        strv_free(req->reply_headers);
}
