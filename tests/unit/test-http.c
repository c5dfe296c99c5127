/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the HTTP layer (src/http/) against a real server on a unix
 * socket in a temporary directory, driven with libcurl and raw sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "fsutil.h"
#include "http/http-parse.h"
#include "http/http.h"
#include "jsonutil.h"
#include "log.h"
#include "strv.h"
#include "timeutil.h"
#include "unixsock.h"

static int write_string(int fd, const char *s)
{
        return fs_write_all(fd, s, strlen(s));
}

/* ---- What handlers observed, for checks made after a request ---- */

static struct {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int stream_result;   /* first failed http_stream_write, or 1 when all succeeded */
        int idle_stream_end; /* revents seen by the idle stream, or -1 */
        int body_errno;      /* errno of the failed body read, or 0 */
        ssize_t body_bytes;  /* bytes the stream-body handler read */
        bool body_done;
        bool hijack_eof; /* the fallback hijack read end of file */
        int failures;    /* checks that failed on server threads */
} observed = {
        .lock = PTHREAD_MUTEX_INITIALIZER,
        .cond = PTHREAD_COND_INITIALIZER,
};

/* Checks a condition on a server thread, where a cmocka assertion cannot
 * unwind; the last test asserts that none failed. */
#define server_check(cond)                                                                              \
        do {                                                                                            \
                if (!(cond)) {                                                                          \
                        fprintf(stderr, "server thread check failed: %s (line %d)\n", #cond, __LINE__); \
                        __atomic_add_fetch(&observed.failures, 1, __ATOMIC_RELAXED);                    \
                }                                                                                       \
        } while (0)

static void observed_reset(void)
{
        pthread_mutex_lock(&observed.lock);
        observed.stream_result = 0;
        observed.idle_stream_end = -1;
        observed.body_errno = 0;
        observed.body_bytes = 0;
        observed.body_done = false;
        observed.hijack_eof = false;
        pthread_mutex_unlock(&observed.lock);
}

/* Waits up to 5 s for *field to differ from unset. */
static int observed_wait(const int *field, int unset)
{
        struct timespec deadline;
        int value;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 5;
        pthread_mutex_lock(&observed.lock);
        while (*field == unset && pthread_cond_timedwait(&observed.cond, &observed.lock, &deadline) == 0)
                ;
        value = *field;
        pthread_mutex_unlock(&observed.lock);
        return value;
}

static bool observed_wait_body(void)
{
        struct timespec deadline;
        bool done;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 5;
        pthread_mutex_lock(&observed.lock);
        while (!observed.body_done && pthread_cond_timedwait(&observed.cond, &observed.lock, &deadline) == 0)
                ;
        done = observed.body_done;
        pthread_mutex_unlock(&observed.lock);
        return done;
}

/* ---- Handlers of the test routes ---- */

static void handle_ping(struct http_request *req)
{
        server_check(http_reply_add_header(req, "Cache-Control", "no-cache, no-store, must-revalidate") == 0);
        server_check(http_reply_add_header(req, "Bad\r\nName", "x") == -EINVAL);
        server_check(http_reply_add_header(req, "X-Injected", "a\r\nb: c") == -EINVAL);
        http_reply_data(req, 200, "text/plain; charset=utf-8", "OK", 2);
}

static void handle_param(struct http_request *req, const char *route, const char *param)
{
        json_object *obj = json_object_new_object();

        json_set_string(obj, "route", route);
        json_set_string(obj, "value", param ? http_path_param(req, param) : NULL);
        json_set_string(obj, "path", http_request_path(req));
        json_object_object_add(obj, "version", json_object_new_int((int)http_request_api_version(req)));
        json_set_string(obj, "pool", http_request_pool(req));
        json_set_string(obj, "method", http_request_method(req));
        http_reply_json(req, 200, obj);
}

static void handle_container(struct http_request *req)
{
        handle_param(req, "container", "id");
}

static void handle_image_json(struct http_request *req)
{
        handle_param(req, "image-json", "name");
}

static void handle_image_history(struct http_request *req)
{
        handle_param(req, "image-history", "name");
}

static void handle_image_delete(struct http_request *req)
{
        handle_param(req, "image-delete", "name");
}

static void handle_image_list(struct http_request *req)
{
        handle_param(req, "image-list", NULL);
}

static void handle_query(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *obj = json_object_new_object(), *filters = NULL;
        int64_t limit = 0;
        int r;

        r = http_query_int(req, "limit", -1, &limit, &err);
        if (r < 0) {
                json_object_put(obj);
                http_reply_error(req, r, &err);
                return;
        }
        r = http_query_filters(req, &filters, &err);
        if (r < 0) {
                json_object_put(obj);
                http_reply_error(req, r, &err);
                return;
        }
        json_object_object_add(obj, "all", json_object_new_boolean(http_query_bool(req, "all", true)));
        json_object_object_add(obj, "limit", json_object_new_int64(limit));
        json_object_object_add(obj, "filters", filters);
        json_set_string(obj, "text", http_query(req, "text"));
        json_set_string(obj, "agent", http_header(req, "user-agent"));
        http_reply_json(req, 200, obj);
}

static void handle_echo(struct http_request *req)
{
        json_object *obj = json_object_new_object();
        json_object *body = http_request_json(req);
        size_t len = 0;

        http_request_body(req, &len);
        json_object_object_add(obj, "body", body ? json_object_get(body) : NULL);
        json_object_object_add(obj, "length", json_object_new_int64((int64_t)len));
        http_reply_json(req, 201, obj);
}

static void handle_load(struct http_request *req)
{
        char buf[65536];
        ssize_t total = 0, n;
        int saved = 0;

        for (;;) {
                n = read(http_request_body_fd(req), buf, sizeof(buf));
                if (n > 0) {
                        total += n;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        saved = errno;
                break;
        }

        pthread_mutex_lock(&observed.lock);
        observed.body_bytes = total;
        observed.body_errno = saved;
        observed.body_done = true;
        pthread_cond_broadcast(&observed.cond);
        pthread_mutex_unlock(&observed.lock);

        if (saved) {
                http_reply_error_status(req, 400, "reading the body failed: %s", strerror(saved));
                return;
        }
        http_reply_json(req, 200, json_object_new_int64(total));
}

static void handle_load_slow(struct http_request *req)
{
        usleep(2500 * 1000);
        handle_load(req);
}

static void handle_slow(struct http_request *req)
{
        usleep(2500 * 1000);
        http_reply_empty(req, 204);
}

static void handle_load_reject(struct http_request *req)
{
        http_reply_error_status(req, 400, "rejected before reading");
}

struct stream_args {
        int count;
        int delay_ms;
};

static void record_stream_result(int result)
{
        pthread_mutex_lock(&observed.lock);
        observed.stream_result = result;
        pthread_cond_broadcast(&observed.cond);
        pthread_mutex_unlock(&observed.lock);
}

static void write_lines(struct http_stream *stream, void *userdata)
{
        struct stream_args *args = userdata;
        int result = 1;

        for (int i = 0; i < args->count; i++) {
                char line[32];
                int r;

                if (i > 0 && args->delay_ms > 0)
                        usleep((useconds_t)args->delay_ms * 1000);
                snprintf(line, sizeof(line), "line %d\n", i);
                r = http_stream_write(stream, line, strlen(line));
                if (r < 0) {
                        result = r;
                        break;
                }
        }
        if (result < 0)
                server_check(http_stream_closed(stream));
        free(args);
        record_stream_result(result);
}

static void handle_stream(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct stream_args *args = calloc(1, sizeof(*args));
        int64_t count = 0, delay = 0;

        server_check(args != NULL);
        if (!args)
                return;
        server_check(http_query_int(req, "count", 3, &count, &err) == 0);
        server_check(http_query_int(req, "delay_ms", 0, &delay, &err) == 0);
        args->count = (int)count;
        args->delay_ms = (int)delay;
        http_reply_stream(req, 200, "application/json", write_lines, args);
}

static void wait_hangup(struct http_stream *stream, void *userdata)
{
        struct pollfd pfd = { .fd = http_stream_poll_fd(stream), .events = 0 };
        int revents = 0;

        server_check(http_stream_write(stream, "ready\n", 6) == 0);
        if (poll(&pfd, 1, 10000) > 0)
                revents = pfd.revents;

        pthread_mutex_lock(&observed.lock);
        observed.idle_stream_end = revents;
        pthread_cond_broadcast(&observed.cond);
        pthread_mutex_unlock(&observed.lock);
}

static void handle_idle_stream(struct http_request *req)
{
        http_reply_stream(req, 200, "application/json", wait_hangup, NULL);
}

static void write_body_size(struct http_stream *stream, void *userdata)
{
        ssize_t *total = userdata;
        char line[64];

        snprintf(line, sizeof(line), "{\"read\":%zd}\n", *total);
        server_check(http_stream_write(stream, line, strlen(line)) == 0);
        server_check(http_stream_write_json(stream, json_object_new_string("done")) == 0);
}

static void handle_load_stream(struct http_request *req)
{
        char buf[65536];
        ssize_t total = 0, n;

        while ((n = read(http_request_body_fd(req), buf, sizeof(buf))) > 0)
                total += n;
        http_reply_stream(req, 200, "application/json", write_body_size, &total);
}

static void hijack_echo(int fd, const void *pending, size_t pending_len, void *userdata)
{
        char buf[256], reply[300];
        ssize_t n;
        int len;

        server_check(write_string(fd, "hello\n") == 0);
        len = snprintf(reply, sizeof(reply), "pending:%.*s\n", (int)pending_len, (const char *)pending);
        server_check(fs_write_all(fd, reply, (size_t)len) == 0);

        n = read(fd, buf, sizeof(buf));
        if (n == 0) {
                pthread_mutex_lock(&observed.lock);
                observed.hijack_eof = true;
                pthread_mutex_unlock(&observed.lock);
                /* The client may have closed already. */
                (void)write_string(fd, "eof\n");
        } else if (n > 0) {
                len = snprintf(reply, sizeof(reply), "echo:%.*s", (int)n, buf);
                (void)fs_write_all(fd, reply, (size_t)len);
        }
        close(fd);
}

static void handle_hijack(struct http_request *req)
{
        http_hijack(req, "application/vnd.docker.raw-stream", hijack_echo, NULL);
}

static void handle_noreply(struct http_request *req)
{
}

static void handle_twice(struct http_request *req)
{
        http_reply_empty(req, 204);
        http_reply_json(req, 200, json_object_new_string("dropped"));
}

static void handle_error(struct http_request *req)
{
        struct error err = ERROR_INIT;

        error_set(&err, -ENOENT, "No such container: %s", http_path_param(req, "id"));
        http_reply_error(req, -ENOENT, &err);
        error_clear(&err);
}

static const struct http_route routes[] = {
        { "GET", "/_ping", handle_ping, HTTP_BODY_JSON },
        { "HEAD", "/_ping", handle_ping, HTTP_BODY_JSON },
        { "GET", "/containers/{id}/json", handle_container, HTTP_BODY_JSON },
        { "GET", "/containers/{id}/error", handle_error, HTTP_BODY_JSON },
        { "GET", "/images/json", handle_image_list, HTTP_BODY_JSON },
        { "GET", "/images/{name*}/json", handle_image_json, HTTP_BODY_JSON },
        { "GET", "/images/{name*}/history", handle_image_history, HTTP_BODY_JSON },
        { "DELETE", "/images/{name*}", handle_image_delete, HTTP_BODY_JSON },
        { "GET", "/query", handle_query, HTTP_BODY_JSON },
        { "POST", "/echo", handle_echo, HTTP_BODY_JSON },
        { "POST", "/load", handle_load, HTTP_BODY_STREAM },
        { "POST", "/load-reject", handle_load_reject, HTTP_BODY_STREAM },
        { "POST", "/load-slow", handle_load_slow, HTTP_BODY_STREAM },
        { "GET", "/slow", handle_slow, HTTP_BODY_JSON },
        { "POST", "/load-stream", handle_load_stream, HTTP_BODY_STREAM },
        { "GET", "/stream", handle_stream, HTTP_BODY_JSON },
        { "GET", "/idle-stream", handle_idle_stream, HTTP_BODY_JSON },
        { "POST", "/hijack", handle_hijack, HTTP_BODY_JSON },
        { "GET", "/noreply", handle_noreply, HTTP_BODY_JSON },
        { "GET", "/twice", handle_twice, HTTP_BODY_JSON },
};

/* ---- The server under test ---- */

static char tmpdir[] = "/tmp/test-http-XXXXXX";
static char socket_path[256];
static struct http_server *server;

static int start_server(void)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct http_listener_config config = {
                .address = NULL,
                .gid = (gid_t)-1,
                .pool = "ci",
        };
        char address[300];

        snprintf(address, sizeof(address), "unix://%s", socket_path);
        config.address = address;
        if (http_server_new(routes, ARRAY_SIZE(routes), NULL, &server) < 0)
                return -1;
        if (http_server_listen(server, &config, &err) < 0) {
                fprintf(stderr, "listen: %s\n", error_message(&err, -EIO));
                return -1;
        }
        return 0;
}

static int setup(void **state)
{
        if (!mkdtemp(tmpdir))
                return -1;
        snprintf(socket_path, sizeof(socket_path), "%s/api.sock", tmpdir);
        if (getenv("TEST_HTTP_DEBUG"))
                log_set_level(LOG_LEVEL_DEBUG);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        return start_server();
}

static int teardown(void **state)
{
        http_server_free(server);
        curl_global_cleanup();
        return fs_rm_rf_at(AT_FDCWD, tmpdir);
}

/* ---- Clients ---- */

struct response {
        long status;
        char *body;
        size_t body_len;
        char *headers;
        size_t headers_len;
};

static void response_done(struct response *r)
{
        free(r->body);
        free(r->headers);
        *r = (struct response){ 0 };
}

static size_t append(char **buf, size_t *len, const char *data, size_t n)
{
        char *grown = realloc(*buf, *len + n + 1);

        assert_non_null(grown);
        memcpy(grown + *len, data, n);
        *len += n;
        grown[*len] = '\0';
        *buf = grown;
        return n;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
        struct response *r = userdata;

        return append(&r->body, &r->body_len, data, size * n);
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
        struct response *r = userdata;

        return append(&r->headers, &r->headers_len, data, size * n);
}

struct upload {
        const char *data;
        size_t len;
        size_t pos;
};

static size_t on_read(char *buf, size_t size, size_t n, void *userdata)
{
        struct upload *u = userdata;
        size_t count = MIN(size * n, u->len - u->pos);

        memcpy(buf, u->data + u->pos, count);
        u->pos += count;
        return count;
}

/* Sends a request with libcurl. content_type NULL sends none; chunked
 * uploads body with Transfer-Encoding: chunked. */
static void request_full(const char *method, const char *path, const char *content_type, const char *body,
                         size_t body_len, bool chunked, struct response *ret)
{
        CURL *curl = curl_easy_init();
        struct curl_slist *headers = NULL;
        struct upload upload = { body, body_len, 0 };
        char url[4096], header[512];

        *ret = (struct response){ 0 };
        assert_non_null(curl);
        snprintf(url, sizeof(url), "http://localhost%s", path);
        curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket_path);
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, ret);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, ret);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "test-http/1");

        if (streq(method, "HEAD"))
                curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
        else
                curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);

        if (body) {
                curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
                curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
                curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
                if (chunked)
                        headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
                else
                        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body_len);
                headers = curl_slist_append(headers, "Expect:");
        }
        if (content_type) {
                snprintf(header, sizeof(header), "Content-Type: %s", content_type);
                headers = curl_slist_append(headers, header);
        } else {
                headers = curl_slist_append(headers, "Content-Type:");
        }
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

        assert_int_equal(curl_easy_perform(curl), CURLE_OK);
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &ret->status);
        if (!ret->body)
                ret->body = strdup("");
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);
}

static void request(const char *method, const char *path, struct response *ret)
{
        request_full(method, path, NULL, NULL, 0, false, ret);
}

static json_object *body_json(const struct response *r)
{
        json_object *obj = NULL;

        assert_int_equal(json_parse_buffer(r->body, r->body_len, &obj, NULL), 0);
        assert_non_null(obj);
        return obj;
}

static void assert_message(const struct response *r, long status, const char *message)
{
        _cleanup_json_ json_object *obj = NULL;

        assert_int_equal(r->status, status);
        obj = body_json(r);
        assert_string_equal(json_field_string(obj, "message", ""), message);
}

static int raw_connect(void)
{
        int fd = unixsock_connect(socket_path, SOCK_STREAM);

        assert_true(fd >= 0);
        return fd;
}

/* Reads what arrives within timeout_ms (or until the server closes). */
static char *raw_read(int fd, int timeout_ms, size_t *ret_len)
{
        char *buf = NULL, chunk[65536];
        size_t len = 0;
        int64_t deadline = timeutil_monotonic_ns() + (int64_t)timeout_ms * 1000000;

        append(&buf, &len, "", 0);
        for (;;) {
                int64_t left = (deadline - timeutil_monotonic_ns()) / 1000000;
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
                        break;
                n = read(fd, chunk, sizeof(chunk));
                if (n <= 0)
                        break;
                append(&buf, &len, chunk, (size_t)n);
        }
        if (ret_len)
                *ret_len = len;
        return buf;
}

/* Sends raw bytes on a new connection and returns what comes back. The
 * server may close before it has read everything (431, 414), so a failed
 * write only ends the sending. */
static char *raw_exchange(const char *data, size_t len, int timeout_ms)
{
        _cleanup_close_ int fd = raw_connect();
        int r;

        r = fs_write_all(fd, data, len);
        assert_true(r == 0 || r == -EPIPE || r == -ECONNRESET);
        return raw_read(fd, timeout_ms, NULL);
}

static char *raw_exchange_string(const char *data, int timeout_ms)
{
        return raw_exchange(data, strlen(data), timeout_ms);
}

/* ---- Routing ---- */

static void route_path_param(void **state)
{
        struct response r;
        _cleanup_json_ json_object *obj = NULL;

        request("GET", "/v1.41/containers/abc/json", &r);
        assert_int_equal(r.status, 200);
        obj = body_json(&r);
        assert_string_equal(json_field_string(obj, "route", ""), "container");
        assert_string_equal(json_field_string(obj, "value", ""), "abc");
        assert_string_equal(json_field_string(obj, "path", ""), "/containers/abc/json");
        assert_int_equal(json_field_int(obj, "version", 0), 141);
        assert_string_equal(json_field_string(obj, "pool", ""), "ci");
        assert_string_equal(json_field_string(obj, "method", ""), "GET");
        response_done(&r);
}

static void route_check(const char *method, const char *path, const char *route, const char *value)
{
        _cleanup_json_ json_object *obj = NULL;
        struct response r;

        request(method, path, &r);
        assert_int_equal(r.status, 200);
        obj = body_json(&r);
        assert_string_equal(json_field_string(obj, "route", ""), route);
        if (value)
                assert_string_equal(json_field_string(obj, "value", ""), value);
        response_done(&r);
}

static void route_rest_param(void **state)
{
        route_check("GET", "/images/a/b:c/json", "image-json", "a/b:c");
        route_check("GET", "/v1.41/images/registry:5000/team/app:1.2/json", "image-json", "registry:5000/team/app:1.2");
        route_check("GET", "/images/a/json/history", "image-history", "a/json");
        route_check("GET", "/images/a/history/json", "image-json", "a/history");
        route_check("GET", "/images/json", "image-list", NULL);
        route_check("GET", "/images/sha256%3Aabc/json", "image-json", "sha256:abc");
        route_check("GET", "/images/a%2Fb/json", "image-json", "a/b");
        route_check("DELETE", "/images/x/y:z", "image-delete", "x/y:z");
        route_check("DELETE", "/images/x/json", "image-delete", "x/json");
}

static void route_not_found(void **state)
{
        struct response r;

        request("GET", "/nope", &r);
        assert_message(&r, 404, "page not found");
        assert_string_equal(r.body, "{\"message\":\"page not found\"}\n");
        response_done(&r);

        /* dockerd replies 404 to a known path with the wrong method too. */
        request("POST", "/containers/abc/json", &r);
        assert_message(&r, 404, "page not found");
        response_done(&r);

        /* A container name cannot contain a slash, even an escaped one. */
        request("GET", "/containers/a%2Fb/json", &r);
        assert_message(&r, 404, "page not found");
        response_done(&r);

        request("GET", "/v1.41", &r);
        assert_message(&r, 404, "page not found");
        response_done(&r);

        request("GET", "/v1.50/nope", &r);
        assert_message(&r, 404, "page not found");
        response_done(&r);

        request("GET", "/containers/abc/json/", &r);
        assert_message(&r, 404, "page not found");
        response_done(&r);
}

static void route_head(void **state)
{
        struct response r;

        /* GET routes do not match HEAD, as with gorilla/mux. */
        request("HEAD", "/containers/abc/json", &r);
        assert_int_equal(r.status, 404);
        response_done(&r);

        request("HEAD", "/_ping", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "");
        assert_non_null(strstr(r.headers, "Content-Length: 2\r\n"));
        response_done(&r);
}

static void route_versions(void **state)
{
        _cleanup_json_ json_object *obj = NULL;
        struct response r;

        request("GET", "/containers/x/json", &r);
        obj = body_json(&r);
        assert_int_equal(json_field_int(obj, "version", 0), 141);
        json_object_put(TAKE_PTR(obj));
        response_done(&r);

        request("GET", "/v1.24/containers/x/json", &r);
        obj = body_json(&r);
        assert_int_equal(json_field_int(obj, "version", 0), 124);
        json_object_put(TAKE_PTR(obj));
        response_done(&r);

        request("GET", "/v1.50/containers/x/json", &r);
        assert_message(&r, 400, "client version 1.50 is too new. Maximum supported API version is 1.41");
        response_done(&r);

        request("GET", "/v1.41.1/containers/x/json", &r);
        assert_message(&r, 400, "client version 1.41.1 is too new. Maximum supported API version is 1.41");
        response_done(&r);

        request("GET", "/v1.23/containers/x/json", &r);
        assert_message(&r, 400,
                       "client version 1.23 is too old. Minimum supported API version is 1.24, "
                       "please upgrade your client to a newer version");
        response_done(&r);

        request("GET", "/v1/containers/x/json", &r);
        assert_message(&r, 400,
                       "client version 1 is too old. Minimum supported API version is 1.24, "
                       "please upgrade your client to a newer version");
        response_done(&r);

        request("GET", "/v2/containers/x/json", &r);
        assert_int_equal(r.status, 400);
        response_done(&r);
}

static void route_redirects_unclean_paths(void **state)
{
        struct response r;

        request("GET", "/v1.41/containers//json?all=1", &r);
        assert_int_equal(r.status, 301);
        assert_non_null(strstr(r.headers, "Location: /v1.41/containers/json?all=1\r\n"));
        response_done(&r);

        request("GET", "/containers/a/../b/json", &r);
        assert_int_equal(r.status, 301);
        assert_non_null(strstr(r.headers, "Location: /containers/b/json\r\n"));
        response_done(&r);

        /* A decoded CR LF must not split the Location header. */
        request("GET", "/containers/%0d%0aX-Evil:%201/../json", &r);
        assert_int_equal(r.status, 301);
        assert_null(strstr(r.headers, "\r\nX-Evil"));
        assert_non_null(strstr(r.headers, "Location: /containers/json\r\n"));
        response_done(&r);
}

static void route_invalid_escapes(void **state)
{
        struct response r;

        request("GET", "/containers/%zz/json", &r);
        assert_message(&r, 400, "invalid URL escape \"%zz\"");
        response_done(&r);

        request("GET", "/containers/abc/json?all=%zz", &r);
        assert_message(&r, 400, "invalid URL escape \"%zz\"");
        response_done(&r);

        request("GET", "/containers/abc/json?all=%4", &r);
        assert_message(&r, 400, "invalid URL escape \"%4\"");
        response_done(&r);

        request("GET", "/containers/a%00b/json", &r);
        assert_message(&r, 400, "invalid URL escape \"%00\": NUL bytes are not allowed");
        response_done(&r);
}

static void route_error_replies(void **state)
{
        struct response r;

        request("GET", "/containers/abc/error", &r);
        assert_message(&r, 404, "No such container: abc");
        response_done(&r);

        request("GET", "/noreply", &r);
        assert_message(&r, 500, "internal error: the handler sent no reply");
        response_done(&r);

        request("GET", "/twice", &r);
        assert_int_equal(r.status, 204);
        assert_string_equal(r.body, "");
        assert_null(strstr(r.headers, "Content-Type"));
        response_done(&r);
}

static void status_for_errors(void **state)
{
        assert_int_equal(http_status_for_error(-ENOENT), 404);
        assert_int_equal(http_status_for_error(-EEXIST), 409);
        assert_int_equal(http_status_for_error(-EBUSY), 409);
        assert_int_equal(http_status_for_error(-EINVAL), 400);
        assert_int_equal(http_status_for_error(-ERANGE), 400);
        assert_int_equal(http_status_for_error(-EACCES), 403);
        assert_int_equal(http_status_for_error(-EPERM), 403);
        assert_int_equal(http_status_for_error(-EAGAIN), 429);
        assert_int_equal(http_status_for_error(-ENOTSUP), 501);
        assert_int_equal(http_status_for_error(-EALREADY), 304);
        assert_int_equal(http_status_for_error(-ETIMEDOUT), 504);
        assert_int_equal(http_status_for_error(-EIO), 500);
}

/* ---- Headers ---- */

static void headers_match_dockerd(void **state)
{
        _cleanup_free_ char *reply = NULL;
        const char *expected_order[] = { "HTTP/1.1 200 OK\r\n",
                                         "Api-Version: 1.41\r\n",
                                         "Cache-Control: no-cache, no-store, must-revalidate\r\n",
                                         "Content-Type: text/plain; charset=utf-8\r\n",
                                         "Docker-Experimental: false\r\n",
                                         "Ostype: linux\r\n",
                                         "Server: Sockerless/" PACKAGE_VERSION " (linux)\r\n",
                                         "Date: ",
                                         "Content-Length: 2\r\n",
                                         "\r\nOK" };
        const char *p;

        reply = raw_exchange_string("GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2000);
        p = reply;
        for (size_t i = 0; i < ARRAY_SIZE(expected_order); i++) {
                const char *found = strstr(p, expected_order[i]);

                if (!found)
                        fail_msg("missing or out of order: %s in\n%s", expected_order[i], reply);
                p = found + strlen(expected_order[i]);
        }
        assert_null(strstr(reply, "Date: Date"));
}

static void headers_on_errors(void **state)
{
        struct response r;

        request("GET", "/nope", &r);
        assert_non_null(strstr(r.headers, "Api-Version: 1.41\r\n"));
        assert_non_null(strstr(r.headers, "Content-Type: application/json\r\n"));
        assert_non_null(strstr(r.headers, "Ostype: linux\r\n"));
        response_done(&r);
}

/* ---- Query ---- */

static void query_values(void **state)
{
        _cleanup_json_ json_object *obj = NULL;
        struct response r;

        request("GET", "/query?limit=-5&text=a+b%20c%2B&all=0", &r);
        assert_int_equal(r.status, 200);
        obj = body_json(&r);
        assert_int_equal(json_field_int(obj, "limit", 0), -5);
        assert_string_equal(json_field_string(obj, "text", ""), "a b c+");
        assert_false(json_field_bool(obj, "all", true));
        assert_string_equal(json_field_string(obj, "agent", ""), "test-http/1");
        assert_int_equal(json_object_object_length(json_field_object(obj, "filters")), 0);
        json_object_put(TAKE_PTR(obj));
        response_done(&r);

        request("GET", "/query?text=first&text=second&&limit=", &r);
        obj = body_json(&r);
        assert_string_equal(json_field_string(obj, "text", ""), "first");
        assert_int_equal(json_field_int(obj, "limit", 0), -1);
        assert_true(json_field_bool(obj, "all", false));
        response_done(&r);
}

static void query_bools(void **state)
{
        static const struct {
                const char *query;
                bool expected;
        } cases[] = {
                { "all=1", true },        { "all=true", true },   { "all=True", true }, { "all=yes", true },
                { "all=2", true },        { "all=0", false },     { "all=", false },    { "all", false },
                { "all=false", false },   { "all=FALSE", false }, { "all=no", false },  { "all=none", false },
                { "all=+false+", false }, { "other=0", true },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_json_ json_object *obj = NULL;
                struct response r;
                char path[128];

                snprintf(path, sizeof(path), "/query?%s", cases[i].query);
                request("GET", path, &r);
                obj = body_json(&r);
                if (json_field_bool(obj, "all", !cases[i].expected) != cases[i].expected)
                        fail_msg("query %s: expected %d", cases[i].query, cases[i].expected);
                response_done(&r);
        }
}

static void query_bad_int(void **state)
{
        struct response r;

        request("GET", "/query?limit=abc", &r);
        assert_message(&r, 400, "invalid value for query parameter limit: \"abc\" is not an integer");
        response_done(&r);

        request("GET", "/query?limit=99999999999999999999", &r);
        assert_message(&r, 400, "invalid value for query parameter limit: 99999999999999999999 is out of range");
        response_done(&r);

        request("GET", "/query?limit=%205", &r);
        assert_int_equal(r.status, 400);
        response_done(&r);
}

static void query_filters_forms(void **state)
{
        const char *paths[] = {
                "/query?filters=%7B%22label%22%3A%5B%22a%3Db%22%2C%22c%22%5D%7D",
                "/query?filters=%7B%22label%22%3A%7B%22a%3Db%22%3Atrue%2C%22c%22%3Afalse%7D%7D",
        };

        for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
                _cleanup_json_ json_object *obj = NULL;
                json_object *labels;
                struct response r;

                request("GET", paths[i], &r);
                assert_int_equal(r.status, 200);
                obj = body_json(&r);
                labels = json_field_array(json_field_object(obj, "filters"), "label");
                assert_non_null(labels);
                assert_int_equal(json_object_array_length(labels), 2);
                assert_string_equal(json_object_get_string(json_object_array_get_idx(labels, 0)), "a=b");
                assert_string_equal(json_object_get_string(json_object_array_get_idx(labels, 1)), "c");
                response_done(&r);
        }
}

static void query_filters_invalid(void **state)
{
        struct response r;

        request("GET", "/query?filters=%7Bbad", &r);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "\"invalid filter: "));
        response_done(&r);

        request("GET", "/query?filters=%5B%5D", &r);
        assert_message(&r, 400, "invalid filter: expected a JSON object, got array");
        response_done(&r);
}

static void filters_parser(void **state)
{
        static const struct {
                const char *text;
                const char *expected; /* NULL: rejected */
        } cases[] = {
                { NULL, "{}" },
                { "", "{}" },
                { "null", "{}" },
                { "{}", "{}" },
                { "{\"a\":[\"x\",\"y\",\"x\"]}", "{\"a\":[\"x\",\"y\"]}" },
                { "{\"a\":{\"x\":true,\"y\":false}}", "{\"a\":[\"x\",\"y\"]}" },
                { "{\"a\":null}", "{\"a\":[]}" },
                { "{\"a\":[]}", "{\"a\":[]}" },
                { "{\"a\":[1]}", NULL },
                { "{\"a\":{\"x\":1}}", NULL },
                { "{\"a\":\"x\"}", NULL },
                { "[]", NULL },
                { "\"x\"", NULL },
                { "{", NULL },
                { "{} {}", NULL },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_json_ json_object *obj = NULL;
                int r = http_filters_parse(cases[i].text, &obj, &err);

                if (!cases[i].expected) {
                        if (r != -EINVAL)
                                fail_msg("filters %s: expected -EINVAL, got %d", cases[i].text, r);
                        assert_non_null(startswith(error_message(&err, r), "invalid filter"));
                        continue;
                }
                if (r != 0)
                        fail_msg("filters %s: %s", cases[i].text, error_message(&err, r));
                assert_string_equal(json_to_string(obj), cases[i].expected);
        }
}

static void version_compare(void **state)
{
        assert_int_equal(http_version_compare("1.41", "1.41"), 0);
        assert_int_equal(http_version_compare("1.41.0", "1.41"), 0);
        assert_true(http_version_compare("1.9", "1.12") < 0);
        assert_true(http_version_compare("1.41.1", "1.41") > 0);
        assert_true(http_version_compare("2", "1.41") > 0);
        assert_true(http_version_compare("1.x", "1.1") < 0);
        assert_true(http_version_compare("1.99999999999999999999999", "1.41") > 0);
}

static void pattern_validation(void **state)
{
        assert_int_equal(http_pattern_validate("/containers/{id}/json"), 0);
        assert_int_equal(http_pattern_validate("/images/{name*}/json"), 0);
        assert_int_equal(http_pattern_validate("/images/{name*}"), 0);
        assert_int_equal(http_pattern_validate("/a/{x}/{y}/{z}/{w}"), 0);
        assert_int_equal(http_pattern_validate("/a/{x}/{y}/{z}/{w}/{v}"), -EINVAL);
        assert_int_equal(http_pattern_validate("containers"), -EINVAL);
        assert_int_equal(http_pattern_validate("/a/{}"), -EINVAL);
        assert_int_equal(http_pattern_validate("/a/{x"), -EINVAL);
        assert_int_equal(http_pattern_validate("/a/x}"), -EINVAL);
        assert_int_equal(http_pattern_validate("/a/{x}y"), -EINVAL);
        assert_int_equal(http_pattern_validate("/a/{x*}/{y}"), -EINVAL);
        assert_int_equal(http_pattern_validate("/a/{x*}/{y*}"), -EINVAL);
}

static void server_rejects_bad_routes(void **state)
{
        static const struct http_route bad[] = { { "GET", "/a/{x*}/{y}", handle_noreply, HTTP_BODY_JSON } };
        struct http_server *s = NULL;

        assert_int_equal(http_server_new(bad, ARRAY_SIZE(bad), NULL, &s), -EINVAL);
        assert_null(s);
}

/* ---- JSON bodies ---- */

static void body_json_echo(void **state)
{
        _cleanup_json_ json_object *obj = NULL;
        struct response r;
        const char *body = "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}";

        request_full("POST", "/echo", "application/json", body, strlen(body), false, &r);
        assert_int_equal(r.status, 201);
        obj = body_json(&r);
        assert_string_equal(json_field_string(json_field_object(obj, "body"), "Image", ""), "busybox");
        assert_int_equal(json_field_int(obj, "length", 0), strlen(body));
        json_object_put(TAKE_PTR(obj));
        response_done(&r);

        request_full("POST", "/echo", "Application/JSON; charset=utf-8", body, strlen(body), true, &r);
        assert_int_equal(r.status, 201);
        obj = body_json(&r);
        assert_string_equal(json_field_string(json_field_object(obj, "body"), "Image", ""), "busybox");
        response_done(&r);
}

static void body_json_empty(void **state)
{
        _cleanup_json_ json_object *obj = NULL;
        struct response r;

        /* Docker clients before 23.0 send text/plain on empty POSTs. */
        request_full("POST", "/echo", "text/plain", "", 0, false, &r);
        assert_int_equal(r.status, 201);
        obj = body_json(&r);
        assert_null(json_field_object(obj, "body"));
        assert_int_equal(json_field_int(obj, "length", -1), 0);
        json_object_put(TAKE_PTR(obj));
        response_done(&r);

        request_full("POST", "/echo", "application/json", " \n", 2, false, &r);
        assert_int_equal(r.status, 201);
        response_done(&r);
}

static void body_json_content_type(void **state)
{
        struct response r;

        request_full("POST", "/echo", "text/plain", "{}", 2, false, &r);
        assert_message(&r, 400, "Content-Type specified (text/plain) must be 'application/json'");
        response_done(&r);

        request_full("POST", "/echo", NULL, "{}", 2, false, &r);
        assert_message(&r, 400, "malformed Content-Type header (): mime: no media type");
        response_done(&r);

        request_full("POST", "/echo", ";;", "{}", 2, false, &r);
        assert_message(&r, 400, "malformed Content-Type header (;;): mime: no media type");
        response_done(&r);

        request_full("POST", "/echo", "application/json+x y", "{}", 2, false, &r);
        assert_message(&r, 400,
                       "malformed Content-Type header (application/json+x y): "
                       "mime: unexpected content after media subtype");
        response_done(&r);

        /* A chunked body is checked when its first bytes arrive. */
        request_full("POST", "/echo", "text/plain", "{}", 2, true, &r);
        assert_message(&r, 400, "Content-Type specified (text/plain) must be 'application/json'");
        response_done(&r);
}

static void body_json_malformed(void **state)
{
        struct response r;

        request_full("POST", "/echo", "application/json", "{bad", 4, false, &r);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "\"message\":\"invalid JSON: "));
        response_done(&r);

        request_full("POST", "/echo", "application/json", "{} x", 4, false, &r);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "\"message\":\"invalid JSON"));
        response_done(&r);

        request_full("POST", "/echo", "application/json", "{\"a\":\"x\0y\"}", 11, false, &r);
        assert_int_equal(r.status, 400);
        response_done(&r);
}

static void body_json_too_large(void **state)
{
        _cleanup_free_ char *reply = NULL;
        size_t size = HTTP_JSON_BODY_MAX + 1;
        _cleanup_free_ char *big = malloc(size);
        struct response r;

        assert_non_null(big);
        memset(big, ' ', size);
        big[0] = '[';
        big[size - 1] = ']';

        /* A Content-Length beyond the limit gets 413 before the body is sent. */
        reply = raw_exchange_string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                    "Content-Length: 16777217\r\n\r\n[",
                                    2000);
        assert_non_null(startswith(reply, "HTTP/1.1 413 "));
        assert_non_null(strstr(reply, "request body is too large"));

        /* A chunked body gets it as soon as it crosses the limit. */
        request_full("POST", "/echo", "application/json", big, size, true, &r);
        assert_message(&r, 413, "request body is too large: the limit for JSON bodies is 16777216 bytes");
        response_done(&r);

        request_full("POST", "/echo", "application/json", big, size - 1, false, &r);
        assert_int_equal(r.status, 400);
        response_done(&r);
}

static void body_framing_conflicts(void **state)
{
        _cleanup_free_ char *both = NULL, *twice = NULL, *gzip = NULL, *bad_length = NULL;

        both = raw_exchange_string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                   "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                                   2000);
        assert_non_null(startswith(both, "HTTP/1.1 400 "));
        assert_non_null(strstr(both, "both Transfer-Encoding and Content-Length are set"));

        twice = raw_exchange_string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                    "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{} ",
                                    2000);
        assert_non_null(startswith(twice, "HTTP/1.1 400 "));
        assert_non_null(strstr(twice, "conflicting Content-Length headers"));

        gzip = raw_exchange_string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                   "Transfer-Encoding: gzip\r\n\r\n{}",
                                   2000);
        assert_non_null(startswith(gzip, "HTTP/1.1 501 "));
        assert_non_null(strstr(gzip, "unsupported transfer encoding \\\"gzip\\\""));

        bad_length = raw_exchange_string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 2000);
        assert_non_null(startswith(bad_length, "HTTP/1.1 400 "));
}

/* With Content-Length: 0 the handler gets no body, and the bytes after the
 * headers are read as the next request, which fails: they never reach a
 * handler as a body. */
static void body_zero_length_then_bytes(void **state)
{
        _cleanup_free_ char *reply = NULL;
        const char *second;

        reply = raw_exchange_string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                    "Content-Length: 0\r\n\r\n{\"Image\":\"evil\"}",
                                    2000);
        assert_non_null(startswith(reply, "HTTP/1.1 201 "));
        assert_non_null(strstr(reply, "{\"body\":null,\"length\":0}\n"));
        assert_null(strstr(reply, "evil"));
        second = strstr(reply + 1, "HTTP/1.1 ");
        if (second)
                assert_null(startswith(second, "HTTP/1.1 2"));
}

static void body_truncated_json(void **state)
{
        _cleanup_free_ char *reply = NULL;

        /* The client closes its side before the body is complete: the
         * handler must not run on half a body, so no reply comes. */
        _cleanup_close_ int fd = raw_connect();
        const char *req = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: 100\r\n\r\n{\"a\":1}";

        assert_int_equal(fs_write_all(fd, req, strlen(req)), 0);
        shutdown(fd, SHUT_WR);
        reply = raw_read(fd, 2000, NULL);
        assert_string_equal(reply, "");
}

/* ---- Streaming bodies ---- */

static void body_stream_large(void **state)
{
        size_t size = 24u * 1024 * 1024 + 17;
        _cleanup_free_ char *data = malloc(size);
        struct response r;

        assert_non_null(data);
        for (size_t i = 0; i < size; i++)
                data[i] = (char)(i * 7);

        observed_reset();
        request_full("POST", "/load", "application/x-tar", data, size, false, &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(strtoll(r.body, NULL, 10), (long long)size);
        response_done(&r);

        observed_reset();
        request_full("POST", "/load", "application/x-tar", data, size, true, &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(strtoll(r.body, NULL, 10), (long long)size);
        response_done(&r);

        observed_reset();
        request("POST", "/load", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "0\n");
        response_done(&r);
}

static void body_stream_early_reply(void **state)
{
        size_t size = 8u * 1024 * 1024;
        _cleanup_free_ char *data = calloc(1, size);
        _cleanup_free_ char *reply = NULL;
        _cleanup_close_ int fd = -1;
        const char *head = "POST /load-reject HTTP/1.1\r\nHost: x\r\nContent-Length: 8388608\r\n\r\n";
        int64_t start;

        /* The reply comes while the client is still sending: the next
         * chunk of body after the handler replied triggers it. The server
         * then reads and drops the rest of the body, so the client can
         * send it all without EPIPE, and closes the connection. */
        fd = raw_connect();
        assert_int_equal(fs_write_all(fd, head, strlen(head)), 0);
        assert_int_equal(fs_write_all(fd, data, 4096), 0);
        usleep(200 * 1000);
        start = timeutil_monotonic_ns();
        assert_int_equal(fs_write_all(fd, data, size - 4096), 0);
        reply = raw_read(fd, 3000, NULL);
        assert_true(timeutil_monotonic_ns() - start < INT64_C(2000000000));
        assert_non_null(startswith(reply, "HTTP/1.1 400 "));
        assert_non_null(strstr(reply, "Connection: close\r\n"));
        assert_non_null(strstr(reply, "{\"message\":\"rejected before reading\"}\n"));
}

static void body_stream_truncated(void **state)
{
        _cleanup_close_ int fd = raw_connect();
        const char *head = "POST /load HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n0123456789";

        observed_reset();
        assert_int_equal(fs_write_all(fd, head, strlen(head)), 0);
        usleep(100 * 1000);
        close(TAKE_FD(fd));

        assert_true(observed_wait_body());
        assert_int_equal(observed.body_errno, ECONNRESET);
        assert_int_equal(observed.body_bytes, 10);
}

static void body_stream_broken_chunks(void **state)
{
        _cleanup_free_ char *reply = NULL;

        observed_reset();
        reply = raw_exchange_string("POST /load HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    "5\r\nabcde\r\nzz\r\nxyz\r\n",
                                    2000);
        assert_true(observed_wait_body());
        assert_int_equal(observed.body_errno, ECONNRESET);
        assert_int_equal(observed.body_bytes, 5);
}

static void body_stream_then_stream_reply(void **state)
{
        const char *body = "0123456789";
        struct response r;

        request_full("POST", "/load-stream", "application/x-tar", body, strlen(body), true, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"read\":10}\n\"done\"\n");
        response_done(&r);
}

/* ---- Streaming replies ---- */

static void stream_chunked_lines(void **state)
{
        _cleanup_free_ char *reply = NULL;

        observed_reset();
        reply = raw_exchange_string("GET /stream?count=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2000);
        assert_non_null(startswith(reply, "HTTP/1.1 200 OK\r\n"));
        assert_non_null(strstr(reply, "Content-Type: application/json\r\n"));
        assert_non_null(strstr(reply, "Transfer-Encoding: chunked\r\n"));
        assert_non_null(strstr(reply, "\r\n\r\n"));
        assert_non_null(strstr(reply, "line 0\n"));
        assert_non_null(strstr(reply, "line 2\n"));
        assert_non_null(strstr(reply, "\r\n0\r\n\r\n"));
        assert_int_equal(observed_wait(&observed.stream_result, 0), 1);
}

static void stream_flushes_each_write(void **state)
{
        _cleanup_close_ int fd = raw_connect();
        _cleanup_free_ char *first = NULL, *second = NULL;
        const char *req = "GET /stream?count=2&delay_ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n";

        observed_reset();
        assert_int_equal(fs_write_all(fd, req, strlen(req)), 0);

        /* The first line must arrive long before the second is written. */
        first = raw_read(fd, 700, NULL);
        assert_non_null(strstr(first, "line 0\n"));
        assert_null(strstr(first, "line 1\n"));
        second = raw_read(fd, 2500, NULL);
        assert_non_null(strstr(second, "line 1\n"));
        assert_int_equal(observed_wait(&observed.stream_result, 0), 1);
}

static void stream_client_disconnects(void **state)
{
        _cleanup_close_ int fd = raw_connect();
        _cleanup_free_ char *first = NULL;
        const char *req = "GET /stream?count=100000&delay_ms=5 HTTP/1.1\r\nHost: x\r\n\r\n";

        observed_reset();
        assert_int_equal(fs_write_all(fd, req, strlen(req)), 0);
        first = raw_read(fd, 300, NULL);
        assert_non_null(strstr(first, "line 0\n"));
        close(TAKE_FD(fd));

        assert_int_equal(observed_wait(&observed.stream_result, 0), -EPIPE);
}

static void stream_idle_hangup(void **state)
{
        _cleanup_close_ int fd = raw_connect();
        _cleanup_free_ char *first = NULL;
        const char *req = "GET /idle-stream HTTP/1.1\r\nHost: x\r\n\r\n";
        int revents;

        observed_reset();
        assert_int_equal(fs_write_all(fd, req, strlen(req)), 0);
        first = raw_read(fd, 300, NULL);
        assert_non_null(strstr(first, "ready\n"));
        close(TAKE_FD(fd));

        revents = observed_wait(&observed.idle_stream_end, -1);
        assert_true(revents & POLLHUP);
}

static void stream_slow_reader(void **state)
{
        _cleanup_close_ int fd = raw_connect();
        const char *req = "GET /stream?count=200000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        size_t total = 0;
        char buf[4096];
        ssize_t n;

        /* 200000 lines do not fit the buffers: the writer must wait for
         * the reader, and nothing may get lost. */
        observed_reset();
        assert_int_equal(fs_write_all(fd, req, strlen(req)), 0);
        usleep(300 * 1000);
        pthread_mutex_lock(&observed.lock);
        assert_int_equal(observed.stream_result, 0);
        pthread_mutex_unlock(&observed.lock);

        while ((n = read(fd, buf, sizeof(buf))) > 0)
                total += (size_t)n;
        assert_true(total > 200000 * 7);
        assert_int_equal(observed_wait(&observed.stream_result, 0), 1);
}

/* ---- Hijack ---- */

static void hijack_upgrade(void **state)
{
        _cleanup_close_ int fd = raw_connect();
        _cleanup_free_ char *head = NULL, *echo = NULL;
        const char *req = "POST /hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                          "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}early";

        assert_int_equal(fs_write_all(fd, req, strlen(req)), 0);
        head = raw_read(fd, 500, NULL);
        assert_non_null(startswith(head, "HTTP/1.1 101 "));
        assert_non_null(strstr(head, "Connection: Upgrade\r\n"));
        assert_non_null(strstr(head, "Upgrade: tcp\r\n"));
        assert_non_null(strstr(head, "Content-Type: application/vnd.docker.raw-stream\r\n"));
        assert_non_null(strstr(head, "\r\n\r\nhello\npending:early\n"));

        assert_int_equal(write_string(fd, "ping\n"), 0);
        echo = raw_read(fd, 2000, NULL);
        assert_string_equal(echo, "echo:ping\n");
}

/* dockerd hijacks when the Upgrade header is there, with or without
 * "Connection: Upgrade". */
static void hijack_upgrade_header_only(void **state)
{
        _cleanup_free_ char *reply = NULL;

        reply = raw_exchange_string("POST /hijack HTTP/1.1\r\nHost: x\r\nUpgrade: tcp\r\n\r\n", 1000);
        assert_non_null(startswith(reply, "HTTP/1.1 101 "));
        assert_non_null(strstr(reply, "\r\n\r\nhello\npending:\n"));
}

static void hijack_fallback(void **state)
{
        _cleanup_free_ char *reply = NULL;

        observed_reset();
        reply = raw_exchange_string("POST /hijack HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 2000);
        assert_non_null(startswith(reply, "HTTP/1.1 200 OK\r\n"));
        assert_non_null(strstr(reply, "Content-Type: application/vnd.docker.raw-stream\r\n"));
        assert_non_null(strstr(reply, "hello\n"));
        assert_non_null(strstr(reply, "eof\n"));
        assert_true(observed.hijack_eof);
        free(reply);

        /* libmicrohttpd upgrades only HTTP/1.1, so HTTP/1.0 falls back too. */
        reply = raw_exchange_string("POST /hijack HTTP/1.0\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
                                    2000);
        assert_non_null(startswith(reply, "HTTP/1.1 200 OK\r\n"));
        assert_non_null(strstr(reply, "hello\n"));
        assert_non_null(strstr(reply, "eof\n"));
}

/* ---- Robustness ---- */

static void robust_long_url(void **state)
{
        size_t size = 2u * 1024 * 1024;
        _cleanup_free_ char *url = malloc(size + 64), *reply = NULL;
        struct response r;

        assert_non_null(url);
        strcpy(url, "GET /containers/");
        memset(url + 16, 'a', size);
        strcpy(url + 16 + size, "/json HTTP/1.1\r\nHost: x\r\n\r\n");
        reply = raw_exchange(url, strlen(url), 3000);
        assert_null(startswith(reply, "HTTP/1.1 200"));

        /* The server still replies. */
        request("GET", "/containers/abc/json", &r);
        assert_int_equal(r.status, 200);
        response_done(&r);
}

static void robust_huge_header(void **state)
{
        size_t size = 2u * 1024 * 1024;
        _cleanup_free_ char *text = malloc(size + 128), *reply = NULL;

        assert_non_null(text);
        strcpy(text, "GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: ");
        memset(text + strlen(text), 'b', size);
        strcpy(text + strlen("GET /_ping HTTP/1.1\r\nHost: x\r\nX-Big: ") + size, "\r\n\r\n");
        reply = raw_exchange(text, strlen(text), 3000);
        assert_null(startswith(reply, "HTTP/1.1 200"));
}

#define RAW(s)                   \
        {                        \
                s, sizeof(s) - 1 \
        }

static void robust_large_header(void **state)
{
        size_t size = 24u * 1024;
        _cleanup_free_ char *value = malloc(size + 1);
        _cleanup_free_ char *text = NULL, *reply = NULL;

        /* An X-Registry-Auth header with long credentials still fits. */
        assert_non_null(value);
        memset(value, 'a', size);
        value[size] = '\0';
        assert_true(asprintf(&text,
                             "GET /_ping HTTP/1.1\r\nHost: x\r\nX-Registry-Auth: %s\r\nConnection: close\r\n\r\n",
                             value) > 0);
        reply = raw_exchange(text, strlen(text), 2000);
        assert_non_null(startswith(reply, "HTTP/1.1 200 OK"));
}

static void robust_garbage(void **state)
{
        static const struct {
                const char *data;
                size_t len;
        } inputs[] = {
                RAW("GARBAGE\r\n\r\n"),
                RAW("GET\r\n\r\n"),
                RAW("GET /_ping HTTP/9.9\r\n\r\n"),
                RAW("GET /_ping HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n"),
                RAW("GET /_p\0ing HTTP/1.1\r\nHost: x\r\n\r\n"),
                RAW("GET /%ff%fe/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
                RAW("GET http://host HTTP/1.1\r\nHost: x\r\n\r\n"),
                RAW("GET http://host/_ping HTTP/1.1\r\nHost: x\r\n\r\n"),
                RAW("GET * HTTP/1.1\r\nHost: x\r\n\r\n"),
                RAW("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n"),
                RAW("\r\n\r\n\r\n"),
                RAW("GET "
                    "/query?filters=%7B%22a%22%3A%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B"
                    "%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5B%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D"
                    "%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%5D%7D HTTP/1.1\r\nHost: x\r\n\r\n"),
                RAW("GET /v1.41/images/%2e%2e/json?a=%ff&b=%0d%0a HTTP/1.1\r\nHost: x\r\n\r\n"),
        };
        struct response r;

        for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
                _cleanup_free_ char *reply = raw_exchange(inputs[i].data, inputs[i].len, 1000);

                /* Each gets an error reply or a closed connection, never a
                 * crash or an internal error. */
                if (startswith(reply, "HTTP/1.1 500"))
                        fail_msg("input %zu got: %s", i, reply);
        }

        request("GET", "/_ping", &r);
        assert_int_equal(r.status, 200);
        response_done(&r);
}

static void *parallel_client(void *arg)
{
        for (int i = 0; i < 5; i++) {
                _cleanup_free_ char *reply =
                        raw_exchange_string("GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);

                if (!startswith(reply, "HTTP/1.1 200 OK"))
                        return (void *)1;
        }
        return NULL;
}

static void robust_many_connections(void **state)
{
        int idle[200];
        pthread_t threads[16];
        struct response r;

        /* Idle connections hold threads but must not block others. */
        for (size_t i = 0; i < ARRAY_SIZE(idle); i++)
                idle[i] = raw_connect();

        for (size_t i = 0; i < ARRAY_SIZE(threads); i++)
                assert_int_equal(pthread_create(&threads[i], NULL, parallel_client, NULL), 0);
        for (size_t i = 0; i < ARRAY_SIZE(threads); i++) {
                void *result;

                assert_int_equal(pthread_join(threads[i], &result), 0);
                assert_null(result);
        }

        for (size_t i = 0; i < ARRAY_SIZE(idle); i++)
                close(idle[i]);

        request("GET", "/_ping", &r);
        assert_int_equal(r.status, 200);
        response_done(&r);
}

/* ---- Listeners and lifecycle ---- */

static void listen_addresses(void **state)
{
        _cleanup_error_ struct error tcp = ERROR_INIT, bad = ERROR_INIT, fd = ERROR_INIT, fdn = ERROR_INIT;
        struct http_server *s = NULL;
        struct http_listener_config config = { .gid = (gid_t)-1 };

        assert_int_equal(http_server_new(routes, ARRAY_SIZE(routes), NULL, &s), 0);

        config.address = "tcp://127.0.0.1:2375";
        assert_int_equal(http_server_listen(s, &config, &tcp), -EOPNOTSUPP);
        assert_non_null(strstr(error_message(&tcp, 0), "tcp://127.0.0.1:2375 is not supported yet"));

        config.address = "npipe:////./pipe/docker_engine";
        assert_int_equal(http_server_listen(s, &config, &bad), -EINVAL);
        assert_non_null(strstr(error_message(&bad, 0), "invalid listen address"));

        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        config.address = "fd://";
        assert_int_equal(http_server_listen(s, &config, &fd), -ENOENT);
        assert_non_null(strstr(error_message(&fd, 0), "no sockets found via socket activation"));

        assert_int_equal(http_server_listen_fd(s, STDIN_FILENO, NULL, &fdn), -ENOTSOCK);
        assert_non_null(strstr(error_message(&fdn, 0), "fd 0 is not a usable socket"));
        http_server_free(s);
}

static void listen_socket_mode(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct http_server *s = NULL;
        char path[300], address[320];
        struct http_listener_config config = { .address = address, .mode = 0600, .gid = getgid() };
        struct stat st;

        snprintf(path, sizeof(path), "%s/mode.sock", tmpdir);
        snprintf(address, sizeof(address), "unix://%s", path);
        assert_int_equal(http_server_new(routes, ARRAY_SIZE(routes), NULL, &s), 0);
        assert_int_equal(http_server_listen(s, &config, &err), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_true(S_ISSOCK(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_gid, getgid());

        http_server_stop(s, 100);
        assert_int_equal(stat(path, &st), -1);
        assert_int_equal(errno, ENOENT);
        http_server_free(s);
}

/* Serves a socket at fd 3 the way systemd passes one. It runs before the
 * other tests, while fd 3 is still free. */
static void listen_socket_activation(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct http_server *s = NULL;
        char dir[] = "/tmp/test-http-activation-XXXXXX", path[300], pid[32];
        _cleanup_free_ char *reply = NULL;
        int sock, fd;

        if (fcntl(3, F_GETFD) >= 0)
                skip();

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/activated.sock", dir);
        sock = unixsock_listen(path, SOCK_STREAM, 0600, (gid_t)-1, 16);
        assert_true(sock >= 0);
        if (sock != 3) {
                assert_int_equal(dup2(sock, 3), 3);
                close(sock);
        }
        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        setenv("LISTEN_PID", pid, 1);
        setenv("LISTEN_FDS", "1", 1);

        assert_int_equal(http_server_new(routes, ARRAY_SIZE(routes), NULL, &s), 0);
        {
                struct http_listener_config wrong = { .address = "fd://4", .gid = (gid_t)-1 };
                _cleanup_error_ struct error wrong_err = ERROR_INIT;

                assert_int_equal(http_server_listen(s, &wrong, &wrong_err), -EINVAL);
        }
        {
                struct http_listener_config config = { .address = "fd://3", .gid = (gid_t)-1 };

                assert_int_equal(http_server_listen(s, &config, &err), 0);
        }

        fd = unixsock_connect(path, SOCK_STREAM);
        assert_true(fd >= 0);
        assert_int_equal(write_string(fd, "GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 0);
        reply = raw_read(fd, 2000, NULL);
        close(fd);
        assert_non_null(startswith(reply, "HTTP/1.1 200 OK"));

        http_server_free(s);
        assert_int_equal(fcntl(3, F_GETFD), -1);
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        assert_int_equal(fs_rm_rf_at(AT_FDCWD, dir), 0);
}

static void stop_ends_streams(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct http_server *s = NULL;
        char path[300], address[320];
        struct http_listener_config config = { .address = address, .gid = (gid_t)-1 };
        _cleanup_free_ char *first = NULL;
        int fd, idle_fd;
        int64_t start;

        snprintf(path, sizeof(path), "%s/stop.sock", tmpdir);
        snprintf(address, sizeof(address), "unix://%s", path);
        assert_int_equal(http_server_new(routes, ARRAY_SIZE(routes), NULL, &s), 0);
        assert_int_equal(http_server_listen(s, &config, &err), 0);

        observed_reset();
        fd = unixsock_connect(path, SOCK_STREAM);
        assert_true(fd >= 0);
        assert_int_equal(write_string(fd, "GET /idle-stream HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
        first = raw_read(fd, 300, NULL);
        assert_non_null(strstr(first, "ready\n"));
        idle_fd = unixsock_connect(path, SOCK_STREAM);
        assert_true(idle_fd >= 0);

        start = timeutil_monotonic_ns();
        http_server_stop(s, 300);
        assert_true(timeutil_monotonic_ns() - start < INT64_C(3000000000));
        assert_true(observed_wait(&observed.idle_stream_end, -1) & POLLHUP);
        assert_true(unixsock_connect(path, SOCK_STREAM) < 0);

        http_server_free(s);
        close(fd);
        close(idle_fd);
}

static void idle_timeout_closes(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct http_server *s = NULL;
        char path[300], address[320];
        struct http_listener_config config = { .address = address, .gid = (gid_t)-1 };
        _cleanup_free_ char *reply = NULL;
        int fd;
        int64_t start;

        snprintf(path, sizeof(path), "%s/timeout.sock", tmpdir);
        snprintf(address, sizeof(address), "unix://%s", path);
        assert_int_equal(http_server_new(routes, ARRAY_SIZE(routes), NULL, &s), 0);
        http_server_set_idle_timeout(s, 1);
        assert_int_equal(http_server_listen(s, &config, &err), 0);

        /* A client that stops in the middle of its headers is cut off. */
        fd = unixsock_connect(path, SOCK_STREAM);
        assert_true(fd >= 0);
        assert_int_equal(write_string(fd, "GET /_ping HTTP/1.1\r\nHo"), 0);
        start = timeutil_monotonic_ns();
        reply = raw_read(fd, 5000, NULL);
        assert_true(timeutil_monotonic_ns() - start < INT64_C(4000000000));
        close(fd);

        /* Handlers slower than the timeout still get their reply out. */
        fd = unixsock_connect(path, SOCK_STREAM);
        assert_true(fd >= 0);
        assert_int_equal(write_string(fd, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
        free(reply);
        reply = raw_read(fd, 4000, NULL);
        assert_non_null(startswith(reply, "HTTP/1.1 204 "));
        close(fd);

        {
                size_t size = 4u * 1024 * 1024;
                _cleanup_free_ char *data = calloc(1, size + 256);
                int n = snprintf(data, 256,
                                 "POST /load-slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                 "Content-Length: %zu\r\n\r\n",
                                 size);

                observed_reset();
                fd = unixsock_connect(path, SOCK_STREAM);
                assert_true(fd >= 0);
                assert_int_equal(fs_write_all(fd, data, (size_t)n + size), 0);
                free(reply);
                reply = raw_read(fd, 6000, NULL);
                assert_non_null(startswith(reply, "HTTP/1.1 200 "));
                assert_non_null(strstr(reply, "\r\n\r\n4194304\n"));
                close(fd);
        }

        /* A client that stalls in the middle of a streamed body is cut off,
         * and the handler reads the body break off. */
        observed_reset();
        fd = unixsock_connect(path, SOCK_STREAM);
        assert_true(fd >= 0);
        assert_int_equal(write_string(fd, "POST /load HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"), 0);
        assert_true(observed_wait_body());
        assert_int_equal(observed.body_errno, ECONNRESET);
        assert_int_equal(observed.body_bytes, 3);
        close(fd);

        /* A stream stays open longer than the timeout. */
        observed_reset();
        fd = unixsock_connect(path, SOCK_STREAM);
        assert_true(fd >= 0);
        assert_int_equal(
                write_string(fd, "GET /stream?count=2&delay_ms=2500 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                0);
        free(reply);
        reply = raw_read(fd, 5000, NULL);
        assert_non_null(strstr(reply, "line 1\n"));
        assert_int_equal(observed_wait(&observed.stream_result, 0), 1);
        close(fd);

        http_server_free(s);
}

static void server_checks_passed(void **state)
{
        assert_int_equal(__atomic_load_n(&observed.failures, __ATOMIC_RELAXED), 0);
}

int main(void)
{
        const struct CMUnitTest first[] = {
                cmocka_unit_test(listen_socket_activation),
        };
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(route_path_param),
                cmocka_unit_test(route_rest_param),
                cmocka_unit_test(route_not_found),
                cmocka_unit_test(route_head),
                cmocka_unit_test(route_versions),
                cmocka_unit_test(route_redirects_unclean_paths),
                cmocka_unit_test(route_invalid_escapes),
                cmocka_unit_test(route_error_replies),
                cmocka_unit_test(status_for_errors),
                cmocka_unit_test(headers_match_dockerd),
                cmocka_unit_test(headers_on_errors),
                cmocka_unit_test(query_values),
                cmocka_unit_test(query_bools),
                cmocka_unit_test(query_bad_int),
                cmocka_unit_test(query_filters_forms),
                cmocka_unit_test(query_filters_invalid),
                cmocka_unit_test(filters_parser),
                cmocka_unit_test(version_compare),
                cmocka_unit_test(pattern_validation),
                cmocka_unit_test(server_rejects_bad_routes),
                cmocka_unit_test(body_json_echo),
                cmocka_unit_test(body_json_empty),
                cmocka_unit_test(body_json_content_type),
                cmocka_unit_test(body_json_malformed),
                cmocka_unit_test(body_json_too_large),
                cmocka_unit_test(body_framing_conflicts),
                cmocka_unit_test(body_zero_length_then_bytes),
                cmocka_unit_test(body_truncated_json),
                cmocka_unit_test(body_stream_large),
                cmocka_unit_test(body_stream_early_reply),
                cmocka_unit_test(body_stream_truncated),
                cmocka_unit_test(body_stream_broken_chunks),
                cmocka_unit_test(body_stream_then_stream_reply),
                cmocka_unit_test(stream_chunked_lines),
                cmocka_unit_test(stream_flushes_each_write),
                cmocka_unit_test(stream_client_disconnects),
                cmocka_unit_test(stream_idle_hangup),
                cmocka_unit_test(stream_slow_reader),
                cmocka_unit_test(hijack_upgrade),
                cmocka_unit_test(hijack_upgrade_header_only),
                cmocka_unit_test(hijack_fallback),
                cmocka_unit_test(robust_long_url),
                cmocka_unit_test(robust_huge_header),
                cmocka_unit_test(robust_large_header),
                cmocka_unit_test(robust_garbage),
                cmocka_unit_test(robust_many_connections),
                cmocka_unit_test(listen_addresses),
                cmocka_unit_test(listen_socket_mode),
                cmocka_unit_test(stop_ends_streams),
                cmocka_unit_test(idle_timeout_closes),
                cmocka_unit_test(server_checks_passed),
        };

        int failed = cmocka_run_group_tests_name("activation", first, NULL, NULL);

        return failed + cmocka_run_group_tests_name("http", tests, setup, teardown);
}
