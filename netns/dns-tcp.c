/* SPDX-License-Identifier: Apache-2.0 */
/* Client TCP connections: queries with a two-byte length prefix
 * (RFC 1035 section 4.2.2), one at a time per connection. */
#include <sys/epoll.h>
#include <sys/socket.h>

#include "dns-server-internal.h"
#include "log.h"

struct dns_tcp_conn {
        struct dns_tcp_conn *next;
        struct dns_handle handle;
        struct dns_sandbox *sandbox;
        int fd;
        uint64_t deadline;
        bool busy;       /* a query waits for its reply */
        bool processing; /* conn_process_input is running */
        uint8_t in[2 + DNS_TCP_MAX_SIZE];
        size_t in_len;
        uint8_t *out;
        size_t out_len, out_done;
};

static void conn_close(struct dns_server *s, struct dns_tcp_conn *conn)
{
        if (conn->handle.dead)
                return;
        if (conn->busy)
                dns_forwards_cancel_conn(s, conn);

        close(conn->fd);
        conn->fd = -1;
        conn->handle.dead = true;
        conn->sandbox->n_tcp_conns--;

        for (struct dns_tcp_conn **p = &s->conns; *p; p = &(*p)->next)
                if (*p == conn) {
                        *p = conn->next;
                        break;
                }
        conn->next = s->dead_conns;
        s->dead_conns = conn;
}

void dns_tcp_accept(struct dns_server *s, struct dns_sandbox *sb)
{
        struct dns_tcp_conn *conn;
        int fd, r;

        fd = accept4(sb->tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                        s->stats.errors++;
                        log_debug_errno(-errno, "DNS server: failed to accept a TCP connection for %s: %m", sb->key);
                }
                return;
        }

        if (sb->n_tcp_conns >= DNS_MAX_TCP_CONNS) {
                s->stats.tcp_rejected++;
                close(fd);
                return;
        }

        conn = calloc(1, sizeof(*conn));
        if (!conn) {
                s->stats.errors++;
                close(fd);
                return;
        }
        conn->handle = (struct dns_handle){ .kind = DNS_HANDLE_TCP_CONN, .owner = conn };
        conn->sandbox = sb;
        conn->fd = fd;
        conn->deadline = dns_now_usec() + DNS_TCP_TIMEOUT_USEC;

        r = dns_epoll_add(s, fd, EPOLLIN, &conn->handle);
        if (r < 0) {
                s->stats.errors++;
                close(fd);
                free(conn);
                return;
        }
        sb->n_tcp_conns++;
        conn->next = s->conns;
        s->conns = conn;
}

/* Runs the complete queries in conn->in, one at a time: reading pauses
 * while a query waits for its reply or the reply waits to be written. */
static void conn_process_input(struct dns_server *s, struct dns_tcp_conn *conn)
{
        struct dns_client client = { .sandbox = conn->sandbox, .conn = conn };

        /* A reply written at once calls back here, and the loop below
         * already continues with the next query. */
        if (conn->processing)
                return;
        conn->processing = true;

        while (!conn->handle.dead && !conn->busy && !conn->out && conn->in_len >= 2) {
                size_t msg_len = (size_t)conn->in[0] << 8 | conn->in[1];
                bool handled;

                if (conn->in_len < 2 + msg_len)
                        break;

                conn->busy = true;
                if (dns_epoll_modify(s, conn->fd, 0, &conn->handle) < 0) {
                        s->stats.errors++;
                        conn_close(s, conn);
                        break;
                }
                handled = dns_handle_query(s, &client, conn->in + 2, msg_len);
                if (conn->handle.dead)
                        break;
                if (!handled) {
                        /* Nothing will be sent back, so the client would
                         * only wait for the timeout. */
                        conn_close(s, conn);
                        break;
                }
                memmove(conn->in, conn->in + 2 + msg_len, conn->in_len - 2 - msg_len);
                conn->in_len -= 2 + msg_len;
        }

        conn->processing = false;
}

static void conn_write(struct dns_server *s, struct dns_tcp_conn *conn)
{
        while (conn->out_done < conn->out_len) {
                ssize_t n = send(conn->fd, conn->out + conn->out_done, conn->out_len - conn->out_done,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        log_debug_errno(-errno, "DNS server: failed to send a TCP reply for %s: %m",
                                        conn->sandbox->key);
                        conn_close(s, conn);
                        return;
                }
                conn->out_done += (size_t)n;
        }

        if (conn->out_done < conn->out_len) {
                if (dns_epoll_modify(s, conn->fd, EPOLLOUT, &conn->handle) < 0) {
                        s->stats.errors++;
                        conn_close(s, conn);
                }
                return;
        }

        free(conn->out);
        conn->out = NULL;
        conn->out_len = conn->out_done = 0;
        conn->deadline = dns_now_usec() + DNS_TCP_TIMEOUT_USEC;
        if (dns_epoll_modify(s, conn->fd, EPOLLIN, &conn->handle) < 0) {
                s->stats.errors++;
                conn_close(s, conn);
                return;
        }
        conn_process_input(s, conn);
}

void dns_tcp_conn_reply(struct dns_server *s, struct dns_tcp_conn *conn, const uint8_t *msg, size_t len)
{
        if (conn->handle.dead || len > DNS_TCP_MAX_SIZE)
                return;

        conn->busy = false;
        conn->out = malloc(2 + len);
        if (!conn->out) {
                s->stats.errors++;
                conn_close(s, conn);
                return;
        }
        conn->out[0] = (uint8_t)(len >> 8);
        conn->out[1] = (uint8_t)len;
        memcpy(conn->out + 2, msg, len);
        conn->out_len = 2 + len;
        conn->out_done = 0;
        conn_write(s, conn);
}

static void conn_read(struct dns_server *s, struct dns_tcp_conn *conn)
{
        ssize_t n;

        n = recv(conn->fd, conn->in + conn->in_len, sizeof(conn->in) - conn->in_len, MSG_DONTWAIT);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return;
                conn_close(s, conn);
                return;
        }
        if (n == 0) {
                conn_close(s, conn);
                return;
        }
        conn->in_len += (size_t)n;
        conn_process_input(s, conn);
}

void dns_tcp_conn_event(struct dns_server *s, struct dns_tcp_conn *conn, uint32_t events)
{
        if (conn->out && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
                conn_write(s, conn);
        else if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                conn_read(s, conn);
}

void dns_tcp_close_sandbox(struct dns_server *s, struct dns_sandbox *sb)
{
        struct dns_tcp_conn *conn = s->conns;

        while (conn) {
                struct dns_tcp_conn *next = conn->next;

                if (conn->sandbox == sb)
                        conn_close(s, conn);
                conn = next;
        }
}

void dns_tcp_deadline(struct dns_server *s, uint64_t *deadline)
{
        for (struct dns_tcp_conn *conn = s->conns; conn; conn = conn->next)
                if (!conn->busy && conn->deadline < *deadline)
                        *deadline = conn->deadline;
}

void dns_tcp_expire(struct dns_server *s, uint64_t now)
{
        struct dns_tcp_conn *conn = s->conns;

        /* A connection waiting for an upstream is bounded by the forward's
         * own timeout instead. */
        while (conn) {
                struct dns_tcp_conn *next = conn->next;

                if (!conn->busy && conn->deadline <= now)
                        conn_close(s, conn);
                conn = next;
        }
}

void dns_tcp_free_dead(struct dns_server *s)
{
        while (s->dead_conns) {
                struct dns_tcp_conn *conn = s->dead_conns;

                s->dead_conns = conn->next;
                free(conn->out);
                free(conn);
        }
}
