/* SPDX-License-Identifier: Apache-2.0 */
#include <poll.h>
#include <sys/socket.h>

#include "http-private.h"
#include "log.h"

/* Bytes libmicrohttpd requests from the reader at a time. The buffer comes
 * out of the connection's memory (HTTP_CONNECTION_MEMORY). */
#define STREAM_BLOCK_SIZE (16u * 1024)

/*
 * A stream reply runs through a unix socket pair: the callback writes into
 * one end from its own thread, and libmicrohttpd's content reader, on the
 * connection thread, reads the other end and sends what it finds as one
 * chunk. The pair's buffer bounds what waits between the two, so a slow
 * client slows the writer down instead of growing memory. When the client
 * goes, the reading end is closed and the writer's next send fails with
 * EPIPE.
 */

static void mark_closed(struct http_stream *stream)
{
        __atomic_store_n(&stream->closed, true, __ATOMIC_RELEASE);
}

static int stream_new(struct http_request *req, struct http_stream **ret)
{
        struct http_stream *stream = calloc(1, sizeof(*stream));
        int sv[2];

        if (!stream)
                return -ENOMEM;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                int r = negative_errno();

                free(stream);
                return r;
        }

        stream->req = req;
        stream->read_fd = sv[0];
        stream->write_fd = sv[1];
        pthread_mutex_init(&stream->write_lock, NULL);
        *ret = stream;
        return 0;
}

void stream_free(struct http_stream *stream)
{
        if (stream->read_fd >= 0)
                close(stream->read_fd);
        if (stream->write_fd >= 0)
                close(stream->write_fd);
        pthread_mutex_destroy(&stream->write_lock);
        free(stream);
}

void stream_hangup(struct http_stream *stream)
{
        mark_closed(stream);
        if (stream->read_fd >= 0) {
                close(stream->read_fd);
                stream->read_fd = -1;
        }
}

/* Runs the callback; closing the writing end afterwards ends the reply. */
static void stream_run(struct http_stream *stream)
{
        if (stream->hijack_fn) {
                int fd = TAKE_FD(stream->write_fd);

                stream->hijack_fn(fd, NULL, 0, stream->userdata);
                return;
        }

        stream->fn(stream, stream->userdata);
        pthread_mutex_lock(&stream->write_lock);
        close(stream->write_fd);
        stream->write_fd = -1;
        pthread_mutex_unlock(&stream->write_lock);
}

static void *stream_thread(void *arg)
{
        struct http_stream *stream = arg;
        struct http_request *req = stream->req;

        stream_run(stream);
        request_unref(req);
        heap_trim();
        return NULL;
}

void stream_start(struct http_request *req, unsigned status, const char *content_type, http_stream_fn fn,
                  http_hijack_fn hijack_fn, void *userdata)
{
        struct http_stream *stream = NULL;
        int r;

        r = stream_new(req, &stream);
        if (r < 0) {
                http_reply_error(req, r, NULL);
                return;
        }
        stream->fn = fn;
        stream->hijack_fn = hijack_fn;
        stream->userdata = userdata;

        /* The hijack fallback has nothing to read: its fd reads end of file. */
        if (hijack_fn)
                shutdown(stream->read_fd, SHUT_WR);

        pthread_mutex_lock(&req->lock);
        if (req->reply_kind != REPLY_NONE) {
                pthread_mutex_unlock(&req->lock);
                log_debug("http: %s %s: dropping a second reply (stream)", req->method, req->target);
                stream_free(stream);
                return;
        }
        if (req->gone)
                stream_hangup(stream);

        /* On the connection thread the callback needs a thread of its own,
         * because that thread must return to libmicrohttpd to send. */
        if (!req->on_worker) {
                request_ref(req);
                r = thread_start_detached(stream_thread, stream);
                if (r < 0)
                        request_unref(req);
        }
        if (r < 0) {
                pthread_mutex_unlock(&req->lock);
                stream_free(stream);
                http_reply_error_status(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "failed to start a stream thread: %s",
                                        strerror(-r));
                return;
        }

        reply_claim(req, REPLY_STREAM, status, content_type);
        req->stream = stream;
        reply_publish(req);
        pthread_mutex_unlock(&req->lock);

        if (req->on_worker)
                stream_run(stream);
}

void http_reply_stream(struct http_request *req, unsigned status, const char *content_type, http_stream_fn fn,
                       void *userdata)
{
        stream_start(req, status, content_type, fn, NULL, userdata);
}

/* libmicrohttpd's content reader. Blocking is allowed in thread-per-
 * connection mode; besides the stream it watches the client, whose
 * hang-up must end a quiet stream, and the server's stop. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
        struct http_stream *stream = cls;
        struct pollfd fds[3] = {
                { .fd = stream->read_fd, .events = POLLIN },
                { .fd = stream->req->client_fd, .events = POLLRDHUP },
                { .fd = stream->req->server->stop_fd, .events = POLLIN },
        };

        for (;;) {
                ssize_t n = recv(stream->read_fd, buf, max, MSG_DONTWAIT);

                if (n > 0)
                        return n;
                if (n == 0)
                        return MHD_CONTENT_READER_END_OF_STREAM;
                if (errno != EAGAIN && errno != EINTR)
                        return MHD_CONTENT_READER_END_WITH_ERROR;

                if (poll(fds, ARRAY_SIZE(fds), -1) < 0 && errno != EINTR)
                        return MHD_CONTENT_READER_END_WITH_ERROR;
                if (fds[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
                        mark_closed(stream);
                        return MHD_CONTENT_READER_END_WITH_ERROR;
                }
                if (fds[2].revents & POLLIN)
                        return MHD_CONTENT_READER_END_WITH_ERROR;
        }
}

struct MHD_Response *stream_response_new(struct http_stream *stream)
{
        return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK_SIZE, stream_read, stream, NULL);
}

int http_stream_write(struct http_stream *stream, const void *data, size_t len)
{
        const char *p = data;
        int r = 0;

        if (http_stream_closed(stream))
                return -EPIPE;

        pthread_mutex_lock(&stream->write_lock);
        while (len > 0 && stream->write_fd >= 0) {
                ssize_t n = send(stream->write_fd, p, len, MSG_NOSIGNAL);

                if (n >= 0) {
                        p += n;
                        len -= (size_t)n;
                        continue;
                }
                if (errno == EINTR)
                        continue;
                r = errno == EPIPE || errno == ECONNRESET ? -EPIPE : -errno;
                break;
        }
        if (len > 0 && r == 0)
                r = -EPIPE;
        pthread_mutex_unlock(&stream->write_lock);

        if (r == -EPIPE)
                mark_closed(stream);
        return r;
}

int http_stream_write_json(struct http_stream *stream, json_object *obj)
{
        _cleanup_free_ char *line = NULL;
        size_t len = 0;

        line = reply_json_line(obj, &len);
        json_object_put(obj);
        if (!line)
                return -ENOMEM;
        return http_stream_write(stream, line, len);
}

bool http_stream_closed(struct http_stream *stream)
{
        return __atomic_load_n(&stream->closed, __ATOMIC_ACQUIRE);
}

int http_stream_poll_fd(struct http_stream *stream)
{
        return stream->write_fd;
}
