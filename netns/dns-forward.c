/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Forwarding of queries the lookup callbacks do not resolve. Each upstream
 * is tried in order, over UDP unless the client used TCP, and again over
 * TCP when its UDP reply is truncated. An upstream that times out, fails
 * or replies SERVFAIL or REFUSED passes the query to the next one, as
 * Docker's resolver does (moby libnetwork/resolver.go, forwardExtDNS). When none is left the client gets SERVFAIL.
 *
 * The sockets are created by the server thread, so they live in the
 * daemon's network namespace. Docker forwards from the container's
 * namespace instead (except to loopback upstreams), so there a container
 * without a route out gets no external names, and upstreams see the
 * container's address. Here upstreams see the host, and a container on an
 * --internal network still resolves external names.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "dns-server-internal.h"
#include "log.h"

struct dns_forward {
        struct dns_forward *next;
        struct dns_handle handle;
        struct dns_client client;
        struct dns_query q;
        uint8_t *query; /* the client's query, with upstream_id in place of its ID */
        size_t query_len;
        uint16_t upstream_id;
        size_t upstream; /* index in the sandbox's upstreams */
        bool tcp;
        int fd;
        uint64_t deadline;

        /* TCP exchange: the length-prefixed query and the reply so far. */
        bool connected;
        uint8_t *out;
        size_t out_len, out_done;
        uint8_t *in;
        size_t in_len;

        /* A truncated UDP reply, relayed when the TCP reply is too large
         * for the client's UDP limit. */
        uint8_t *truncated;
        size_t truncated_len;
};

static void write_u16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static uint16_t read_u16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static const char *upstream_name(const struct dns_forward *f, char *buf, size_t size)
{
        const struct dns_upstream *u = &f->client.sandbox->upstreams[f->upstream];
        char host[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0;

        if (u->addr.ss_family == AF_INET) {
                const struct sockaddr_in *sin = (const struct sockaddr_in *)&u->addr;

                inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
                port = ntohs(sin->sin_port);
        } else {
                const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&u->addr;

                inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
                port = ntohs(sin6->sin6_port);
        }
        snprintf(buf, size, "%s%s%s:%u", u->addr.ss_family == AF_INET6 ? "[" : "", host,
                 u->addr.ss_family == AF_INET6 ? "]" : "", port);
        return buf;
}

static void close_socket(struct dns_forward *f)
{
        if (f->fd >= 0)
                close(f->fd);
        f->fd = -1;
        free(f->out);
        f->out = NULL;
        free(f->in);
        f->in = NULL;
        f->out_len = f->out_done = f->in_len = 0;
        f->connected = false;
}

/* Takes f off the list; it is freed after the current epoll batch. */
static void finish(struct dns_server *s, struct dns_forward *f)
{
        if (f->handle.dead)
                return;

        close_socket(f);
        f->handle.dead = true;
        f->client.sandbox->n_forwards--;

        for (struct dns_forward **p = &s->forwards; *p; p = &(*p)->next)
                if (*p == f) {
                        *p = f->next;
                        break;
                }
        f->next = s->dead_forwards;
        s->dead_forwards = f;
}

static void fail(struct dns_server *s, struct dns_forward *f)
{
        uint8_t buf[DNS_UDP_MAX_SIZE];
        struct dns_client client = f->client;
        int len;

        finish(s, f);
        if (f->truncated) {
                write_u16(f->truncated, f->q.id);
                s->stats.forwarded++;
                dns_client_reply(s, &client, f->truncated, f->truncated_len);
                return;
        }

        /* The stored query carries the upstream ID, q the client's. */
        s->stats.failed++;
        len = dns_response_rcode(f->query, &f->q, DNS_RCODE_SERVFAIL, buf, sizeof(buf));
        if (len > 0)
                dns_client_reply(s, &client, buf, (size_t)len);
}

static int start_attempt(struct dns_server *s, struct dns_forward *f);

/* Moves to the next upstream, or fails the query when none is left. */
static void next_upstream(struct dns_server *s, struct dns_forward *f)
{
        close_socket(f);
        for (;;) {
                f->upstream++;
                f->tcp = f->client.conn != NULL;
                if (f->upstream >= f->client.sandbox->n_upstreams) {
                        fail(s, f);
                        return;
                }
                if (start_attempt(s, f) >= 0)
                        return;
        }
}

static uint16_t random_id(struct dns_server *s)
{
        uint16_t id;

        if (getrandom(&id, sizeof(id), GRND_NONBLOCK) == sizeof(id))
                return id;
        return s->next_id++;
}

/* Opens a socket to the current upstream and sends the query (UDP) or
 * starts connecting (TCP). */
static int start_attempt(struct dns_server *s, struct dns_forward *f)
{
        const struct dns_upstream *u = &f->client.sandbox->upstreams[f->upstream];
        char name[INET6_ADDRSTRLEN + 10];
        int r;

        close_socket(f);
        f->upstream_id = random_id(s);
        write_u16(f->query, f->upstream_id);
        f->deadline = dns_now_usec() + DNS_UPSTREAM_TIMEOUT_USEC;

        f->fd = socket(u->addr.ss_family, (f->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (f->fd < 0) {
                r = -errno;
                goto fail;
        }
        if (connect(f->fd, (const struct sockaddr *)&u->addr, u->addr_len) < 0 && errno != EINPROGRESS) {
                r = -errno;
                goto fail;
        }

        if (f->tcp) {
                f->out = malloc(2 + f->query_len);
                if (!f->out) {
                        r = -ENOMEM;
                        goto fail;
                }
                write_u16(f->out, (uint16_t)f->query_len);
                memcpy(f->out + 2, f->query, f->query_len);
                f->out_len = 2 + f->query_len;
                r = dns_epoll_add(s, f->fd, EPOLLOUT, &f->handle);
        } else {
                if (send(f->fd, f->query, f->query_len, MSG_DONTWAIT) < 0) {
                        r = -errno;
                        goto fail;
                }
                r = dns_epoll_add(s, f->fd, EPOLLIN, &f->handle);
        }
        if (r < 0)
                goto fail;
        return 0;

fail:
        log_debug_errno(r, "DNS server: failed to query %s for %s over %s: %m", upstream_name(f, name, sizeof(name)),
                        f->client.sandbox->key, f->tcp ? "TCP" : "UDP");
        close_socket(f);
        return r;
}

void dns_forward_start(struct dns_server *s, const struct dns_client *client, const uint8_t *query, size_t len,
                       const struct dns_query *q)
{
        struct dns_forward *f;

        f = calloc(1, sizeof(*f));
        if (f)
                f->query = malloc(len);
        if (!f || !f->query) {
                uint8_t buf[DNS_UDP_MAX_SIZE];
                int n;

                if (f)
                        free(f);
                s->stats.errors++;
                n = dns_response_rcode(query, q, DNS_RCODE_SERVFAIL, buf, sizeof(buf));
                if (n > 0)
                        dns_client_reply(s, client, buf, (size_t)n);
                return;
        }

        memcpy(f->query, query, len);
        f->query_len = len;
        f->q = *q;
        f->client = *client;
        f->fd = -1;
        f->handle = (struct dns_handle){ .kind = DNS_HANDLE_FORWARD, .owner = f };
        f->tcp = client->conn != NULL;
        client->sandbox->n_forwards++;
        f->next = s->forwards;
        s->forwards = f;

        if (start_attempt(s, f) < 0)
                next_upstream(s, f);
}

/* Checks that a reply belongs to the query: its ID, the QR bit and the
 * same question, ignoring ASCII case. A reply without a question, as some
 * servers send with FORMERR or NOTIMP, matches on the ID alone. */
static bool reply_matches(const struct dns_forward *f, const uint8_t *msg, size_t len)
{
        if (len < DNS_HEADER_SIZE || read_u16(msg) != f->upstream_id || !(read_u16(msg + 2) & DNS_FLAG_QR))
                return false;
        if (read_u16(msg + 4) == 0)
                return true;
        if (read_u16(msg + 4) != 1 || len < f->q.question_end)
                return false;
        for (size_t i = DNS_HEADER_SIZE; i < f->q.question_end; i++)
                if (tolower(msg[i]) != tolower(f->query[i]))
                        return false;
        return true;
}

static void handle_reply(struct dns_server *s, struct dns_forward *f, uint8_t *msg, size_t len)
{
        struct dns_client client = f->client;
        int rcode;

        if (!reply_matches(f, msg, len))
                return; /* not for this query, keep waiting */

        rcode = read_u16(msg + 2) & 0xf;
        if (rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED) {
                char name[INET6_ADDRSTRLEN + 10];

                log_debug("DNS server: upstream %s replied %s for %s, trying the next one",
                          upstream_name(f, name, sizeof(name)), rcode == DNS_RCODE_SERVFAIL ? "SERVFAIL" : "REFUSED",
                          f->q.name);
                next_upstream(s, f);
                return;
        }

        if (!f->tcp && (read_u16(msg + 2) & DNS_FLAG_TC)) {
                /* Retry over TCP with the same upstream, and keep this
                 * reply in case the full one does not fit the client. */
                free(f->truncated);
                f->truncated = malloc(len);
                if (f->truncated) {
                        memcpy(f->truncated, msg, len);
                        f->truncated_len = len;
                }
                f->tcp = true;
                if (start_attempt(s, f) < 0)
                        next_upstream(s, f);
                return;
        }

        if (len > dns_client_max_size(&client, &f->q) && f->truncated) {
                msg = f->truncated;
                len = f->truncated_len;
        }

        write_u16(msg, f->q.id);
        finish(s, f);
        s->stats.forwarded++;
        dns_client_reply(s, &client, msg, len);
}

static void udp_event(struct dns_server *s, struct dns_forward *f)
{
        uint8_t buf[DNS_TCP_MAX_SIZE];

        for (;;) {
                ssize_t n = recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        /* ECONNREFUSED: nothing listens on the upstream. */
                        next_upstream(s, f);
                        return;
                }
                handle_reply(s, f, buf, (size_t)n);
                if (f->handle.dead || f->fd < 0 || f->tcp)
                        return;
        }
}

static void tcp_event(struct dns_server *s, struct dns_forward *f, uint32_t events)
{
        ssize_t n;

        if (!f->connected) {
                int error = 0;
                socklen_t error_len = sizeof(error);

                if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &error, &error_len) < 0 || error != 0) {
                        next_upstream(s, f);
                        return;
                }
                f->connected = true;
        }

        if (f->out_done < f->out_len) {
                n = send(f->fd, f->out + f->out_done, f->out_len - f->out_done, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                                next_upstream(s, f);
                        return;
                }
                f->out_done += (size_t)n;
                if (f->out_done == f->out_len && dns_epoll_modify(s, f->fd, EPOLLIN, &f->handle) < 0)
                        next_upstream(s, f);
                return;
        }

        if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                return;
        if (!f->in) {
                f->in = malloc(2 + DNS_TCP_MAX_SIZE);
                if (!f->in) {
                        next_upstream(s, f);
                        return;
                }
        }
        n = recv(f->fd, f->in + f->in_len, 2 + DNS_TCP_MAX_SIZE - f->in_len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                next_upstream(s, f);
                return;
        }
        f->in_len += (size_t)n;
        if (f->in_len >= 2 && f->in_len >= 2 + (size_t)read_u16(f->in)) {
                /* The reply moves out of f->in, which the next attempt
                 * frees. */
                size_t len = read_u16(f->in);
                _cleanup_free_ uint8_t *msg = malloc(len ? len : 1);

                if (!msg) {
                        next_upstream(s, f);
                        return;
                }
                memcpy(msg, f->in + 2, len);
                handle_reply(s, f, msg, len);
                if (!f->handle.dead && f->fd >= 0 && f->tcp && f->in && f->in_len >= 2)
                        next_upstream(s, f); /* a TCP reply that did not match */
        }
}

void dns_forward_event(struct dns_server *s, struct dns_forward *f, uint32_t events)
{
        if (f->fd < 0)
                return;
        if (f->tcp)
                tcp_event(s, f, events);
        else
                udp_event(s, f);
}

/* Drops the forwards of sandbox sb, or of connection conn, without a reply. */
static void cancel_forwards(struct dns_server *s, const struct dns_sandbox *sb, const struct dns_tcp_conn *conn)
{
        struct dns_forward *f = s->forwards;

        while (f) {
                struct dns_forward *next = f->next;

                if ((sb && f->client.sandbox == sb) || (conn && f->client.conn == conn))
                        finish(s, f);
                f = next;
        }
}

void dns_forwards_cancel_sandbox(struct dns_server *s, struct dns_sandbox *sb)
{
        cancel_forwards(s, sb, NULL);
}

void dns_forwards_cancel_conn(struct dns_server *s, struct dns_tcp_conn *conn)
{
        cancel_forwards(s, NULL, conn);
}

void dns_forwards_deadline(struct dns_server *s, uint64_t *deadline)
{
        for (struct dns_forward *f = s->forwards; f; f = f->next)
                if (f->deadline < *deadline)
                        *deadline = f->deadline;
}

void dns_forwards_expire(struct dns_server *s, uint64_t now)
{
        struct dns_forward *f = s->forwards;

        while (f) {
                struct dns_forward *next = f->next;

                if (f->deadline <= now) {
                        char name[INET6_ADDRSTRLEN + 10];

                        log_debug("DNS server: upstream %s timed out for %s (%s)", upstream_name(f, name, sizeof(name)),
                                  f->q.name, f->client.sandbox->key);
                        next_upstream(s, f);
                }
                /* next_upstream finishes at most f itself, because a TCP
                 * client has one forward at a time. */
                f = next;
        }
}

void dns_forwards_free_dead(struct dns_server *s)
{
        while (s->dead_forwards) {
                struct dns_forward *f = s->dead_forwards;

                s->dead_forwards = f->next;
                free(f->query);
                free(f->truncated);
                free(f);
        }
}
