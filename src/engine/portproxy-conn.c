/* SPDX-License-Identifier: Apache-2.0 */
/* The connections of the port proxy: accept, the non-blocking connect to
 * the container, and the relay of both directions through a buffer each.
 * When one side ends its stream, the other gets shutdown(SHUT_WR) once
 * the buffered bytes are written, so a half-close passes through. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "portproxy-internal.h"

/* Connections accepted per listener event, so that one busy port does not
 * starve the others. */
#define ACCEPTS_PER_EVENT 32

static void conn_unlink(struct proxy_conn *conn)
{
        struct proxy_port *port = conn->port;

        if (conn->prev)
                conn->prev->next = conn->next;
        else
                port->conns = conn->next;
        if (conn->next)
                conn->next->prev = conn->prev;
        port->n_conns--;
}

static void end_close(struct proxy_end *end, bool abort)
{
        /* A zero linger time makes close() send a reset. */
        struct linger linger = { .l_onoff = 1, .l_linger = 0 };

        if (end->fd < 0)
                return;
        if (end->registered)
                (void)epoll_ctl(proxy.epoll_fd, EPOLL_CTL_DEL, end->fd, NULL);
        if (abort)
                (void)setsockopt(end->fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
        close(end->fd);
        end->fd = -1;
        end->registered = false;
}

void proxy_conn_close(struct proxy_conn *conn, bool abort)
{
        if (conn->dead)
                return;
        end_close(&conn->client, abort);
        end_close(&conn->container, abort);
        conn_unlink(conn);
        conn->dead = true;
        /* The list of dead connections reuses next. */
        conn->prev = NULL;
        conn->next = proxy.dead_conns;
        proxy.dead_conns = conn;
}

void proxy_conns_free_dead(void)
{
        while (proxy.dead_conns) {
                struct proxy_conn *conn = proxy.dead_conns;

                proxy.dead_conns = conn->next;
                free(conn);
        }
}

/* Closes conn with a reset after an error on one of its sockets. */
static void conn_fail(struct proxy_conn *conn, int error)
{
        struct proxy_port *port = conn->port;

        if (error == ECONNRESET || error == EPIPE)
                port->counters.resets++;
        else
                proxy_count_error(port, &port->counters.relay_failed, error, "relaying a connection failed");
        proxy_conn_close(conn, true);
}

/* Registers the events that end waits for: input when its buffer is
 * empty and its stream goes on, output when the other end has bytes for
 * it. An end that hung up and waits for nothing leaves the epoll set,
 * because epoll reports EPOLLHUP whatever the mask. */
static int end_update(struct proxy_end *end, const struct proxy_end *other, bool connecting)
{
        struct epoll_event ev = { .data.ptr = end };

        if (connecting)
                ev.events = end == &end->conn->container ? EPOLLOUT : 0;
        else {
                if (!end->read_eof && end->len == 0)
                        ev.events |= EPOLLIN;
                if (other->len > 0)
                        ev.events |= EPOLLOUT;
        }
        if (end->hangup && ev.events == 0) {
                if (end->registered && epoll_ctl(proxy.epoll_fd, EPOLL_CTL_DEL, end->fd, NULL) < 0)
                        return -errno;
                end->registered = false;
                return 0;
        }
        if (end->registered && end->events == ev.events)
                return 0;
        if (epoll_ctl(proxy.epoll_fd, end->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, end->fd, &ev) < 0)
                return -errno;
        end->registered = true;
        end->events = ev.events;
        return 0;
}

/* Moves bytes from src to dst until a socket would block, and passes the
 * end of src's stream on to dst. Returns 0 or a negative errno. */
static int relay(struct proxy_end *src, struct proxy_end *dst)
{
        for (;;) {
                ssize_t n;

                if (src->len == 0 && !src->read_eof) {
                        n = read(src->fd, src->buf, sizeof(src->buf));
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                                return -errno;
                        if (n == 0)
                                src->read_eof = true;
                        if (n > 0) {
                                src->start = 0;
                                src->len = (size_t)n;
                        }
                }
                if (src->len == 0)
                        break;
                n = send(dst->fd, src->buf + src->start, src->len, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                                return -errno;
                        break;
                }
                src->start += (size_t)n;
                src->len -= (size_t)n;
                if (src->len > 0)
                        break;
        }
        if (src->read_eof && src->len == 0 && !dst->write_shut) {
                if (shutdown(dst->fd, SHUT_WR) < 0 && errno != ENOTCONN)
                        return -errno;
                dst->write_shut = true;
        }
        return 0;
}

/* Relays both directions of conn and closes it when both have ended. */
static void conn_run(struct proxy_conn *conn)
{
        int r;

        r = relay(&conn->client, &conn->container);
        if (r >= 0)
                r = relay(&conn->container, &conn->client);
        if (r < 0) {
                conn_fail(conn, -r);
                return;
        }
        if (conn->client.write_shut && conn->container.write_shut) {
                proxy_conn_close(conn, false);
                return;
        }
        r = end_update(&conn->client, &conn->container, false);
        if (r >= 0)
                r = end_update(&conn->container, &conn->client, false);
        if (r < 0)
                conn_fail(conn, -r);
}

/* Finishes the connect() to the container. */
static void conn_connected(struct proxy_conn *conn)
{
        struct proxy_port *port = conn->port;
        socklen_t len = sizeof(int);
        int error = 0;

        if (getsockopt(conn->container.fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                error = errno;
        if (error != 0) {
                proxy_count_error(port, &port->counters.connect_failed, error, "connecting to the container failed");
                proxy_conn_close(conn, true);
                return;
        }
        conn->connecting = false;
        conn_run(conn);
}

void proxy_end_handle(struct proxy_end *end, uint32_t events)
{
        struct proxy_conn *conn = end->conn;

        if (events & EPOLLHUP)
                end->hangup = true;
        if (conn->connecting) {
                if (end == &conn->container)
                        conn_connected(conn);
                else if (events & (EPOLLHUP | EPOLLERR))
                        /* The client left before the connect() completed. */
                        conn_fail(conn, ECONNRESET);
                return;
        }
        if (events & EPOLLERR) {
                socklen_t len = sizeof(int);
                int error = 0;

                if (getsockopt(end->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                        error = errno;
                if (error != 0) {
                        conn_fail(conn, error);
                        return;
                }
        }
        conn_run(conn);
}

/* Creates a connection for client and starts its connect() to the
 * container. Takes client_fd. */
static int conn_start(struct proxy_port *port, int client_fd)
{
        struct proxy_conn *conn = calloc(1, sizeof(*conn));
        int r;

        if (!conn) {
                close(client_fd);
                return -ENOMEM;
        }
        conn->port = port;
        conn->client = (struct proxy_end){ .kind = PROXY_SOURCE_END, .conn = conn, .fd = client_fd };
        conn->container = (struct proxy_end){ .kind = PROXY_SOURCE_END, .conn = conn, .fd = -1 };
        conn->connecting = true;
        conn->next = port->conns;
        if (port->conns)
                port->conns->prev = conn;
        port->conns = conn;
        port->n_conns++;

        conn->container.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        if (conn->container.fd < 0) {
                r = -errno;
                proxy_count_error(port, &port->counters.relay_failed, -r, "opening a socket to the container failed");
                proxy_conn_close(conn, true);
                return r;
        }
        if (connect(conn->container.fd, (const struct sockaddr *)&port->target, sizeof(port->target)) < 0 &&
            errno != EINPROGRESS) {
                proxy_count_error(port, &port->counters.connect_failed, errno, "connecting to the container failed");
                proxy_conn_close(conn, true);
                return 0;
        }
        r = end_update(&conn->client, &conn->container, true);
        if (r >= 0)
                r = end_update(&conn->container, &conn->client, true);
        if (r < 0) {
                proxy_count_error(port, &port->counters.relay_failed, -r,
                                  "adding a connection to the epoll set failed");
                proxy_conn_close(conn, true);
        }
        return 0;
}

/* Stops accepting on port until the thread resumes it, because a
 * level-triggered listener that cannot accept would be reported again at
 * once. */
static void port_pause(struct proxy_port *port)
{
        struct epoll_event ev = { .events = 0, .data.ptr = port };

        if (port->paused)
                return;
        if (epoll_ctl(proxy.epoll_fd, EPOLL_CTL_MOD, port->fd, &ev) < 0)
                return;
        port->paused = true;
        proxy.n_paused++;
}

void proxy_port_accept(struct proxy_port *port)
{
        for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
                int fd = accept4(port->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd < 0) {
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                                proxy_count_error(port, &port->counters.accept_failed, errno,
                                                  "accepting a connection failed");
                                port_pause(port);
                                return;
                        }
                        /* EAGAIN ends the backlog. ECONNABORTED and the
                         * like concern one client only. */
                        if (errno == EAGAIN)
                                return;
                        continue;
                }
                if (port->n_conns >= PORTPROXY_CONNECTIONS_MAX) {
                        struct linger linger = { .l_onoff = 1, .l_linger = 0 };

                        if (port->counters.rejected++ == 0)
                                log_warn("Proxy of %s: reached the maximum of %d connections, so new clients are reset",
                                         port->label, PORTPROXY_CONNECTIONS_MAX);
                        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
                        close(fd);
                        continue;
                }
                port->counters.accepted++;
                if (conn_start(port, fd) == -ENOMEM) {
                        proxy_count_error(port, &port->counters.accept_failed, ENOMEM, "accepting a connection failed");
                        return;
                }
        }
}
