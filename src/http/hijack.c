/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>

#include "http-private.h"
#include "log.h"

struct hijack {
        struct http_request *req;
        int fd;
        char *pending;
        size_t pending_len;
};

static void *hijack_thread(void *arg)
{
        struct hijack *h = arg;

        h->req->hijack_fn(h->fd, h->pending, h->pending_len, h->req->hijack_userdata);
        request_unref(h->req);
        free(h->pending);
        free(h);
        return NULL;
}

/* Called by libmicrohttpd on the connection thread once the 101 reply is
 * out. The callee gets a dup of the socket, because libmicrohttpd 0.9.75
 * only close()s its own fd after MHD_UPGRADE_ACTION_CLOSE (no shutdown()).
 * So the dup keeps the connection open for as long as the callee wants,
 * and the connection thread ends instead of waiting for the session. */
static void upgrade_handler(void *cls, struct MHD_Connection *connection, void *con_cls, const char *extra_in,
                            size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
        struct http_request *req = cls;
        _cleanup_free_ struct hijack *h = calloc(1, sizeof(*h));
        _cleanup_close_ int fd = fcntl(sock, F_DUPFD_CLOEXEC, 3);
        int flags, r;

        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        if (!h || fd < 0) {
                log_debug("http: %s %s: dropping the hijacked connection: %s", req->method, req->target,
                          strerror(h ? errno : ENOMEM));
                return;
        }

        /* libmicrohttpd made the socket non-blocking; callees expect the
         * plain blocking socket that dockerd's hijack hands out. */
        flags = fcntl(fd, F_GETFL);
        if (flags >= 0)
                fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);

        if (extra_in_size > 0) {
                h->pending = malloc(extra_in_size);
                if (!h->pending) {
                        log_debug("http: %s %s: dropping the hijacked connection: out of memory", req->method,
                                  req->target);
                        return;
                }
                memcpy(h->pending, extra_in, extra_in_size);
                h->pending_len = extra_in_size;
        }

        h->req = request_ref(req);
        h->fd = fd;
        r = thread_start_detached(hijack_thread, h);
        if (r < 0) {
                log_debug_errno(r, "http: %s %s: failed to start the hijack thread: %m", req->method, req->target);
                request_unref(req);
                free(h->pending);
                return;
        }
        TAKE_PTR(h);
        TAKE_FD(fd);
}

struct MHD_Response *hijack_response_new(struct http_request *req)
{
        struct MHD_Response *response = MHD_create_response_for_upgrade(upgrade_handler, req);

        if (!response)
                return NULL;

        /* The headers dockerd sends with its "101 UPGRADED"; libmicrohttpd
         * adds "Connection: Upgrade" itself. */
        if ((req->content_type &&
             MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type) != MHD_YES) ||
            MHD_add_response_header(response, MHD_HTTP_HEADER_UPGRADE, "tcp") != MHD_YES) {
                MHD_destroy_response(response);
                return NULL;
        }
        return response;
}

void http_hijack(struct http_request *req, const char *content_type, http_hijack_fn fn, void *userdata)
{
        if (!req->upgrade) {
                stream_start(req, MHD_HTTP_OK, content_type, NULL, fn, userdata);
                return;
        }

        pthread_mutex_lock(&req->lock);
        if (!reply_claim(req, REPLY_UPGRADE, MHD_HTTP_SWITCHING_PROTOCOLS, content_type)) {
                pthread_mutex_unlock(&req->lock);
                log_debug("http: %s %s: dropping a second reply (hijack)", req->method, req->target);
                return;
        }
        req->hijack_fn = fn;
        req->hijack_userdata = userdata;
        reply_publish(req);
        pthread_mutex_unlock(&req->lock);
}
