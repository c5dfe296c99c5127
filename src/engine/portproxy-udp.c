/* SPDX-License-Identifier: Apache-2.0 */
/* The UDP flows of the port proxy. Each client address that sends to a
 * proxied UDP port gets a flow: a socket connected to the container,
 * which carries the client's datagrams there and receives the replies,
 * which go back to the client from the port's socket. A flow ends after
 * PORTPROXY_UDP_TIMEOUT_MS without a datagram in either direction.
 * NOTE: replies leave the port's socket (bound to :: in most cases) from
 * the source address that routing picks. On a host with several IPv6
 * addresses, that may differ from the address the client sent to, as
 * with docker-proxy of dockerd 20.10. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "portproxy-internal.h"

/* Datagrams read per event, so that one busy port or flow does not
 * starve the others. */
#define DATAGRAMS_PER_EVENT 32

/* Larger than any UDP payload over IPv4 or IPv6 without jumbograms
 * (65507 and 65527 bytes). The proxy's one thread uses it while it holds
 * the lock. */
static char datagram[64 * 1024];

static bool same_client(const struct sockaddr_in6 *a, const struct sockaddr_in6 *b)
{
        return a->sin6_port == b->sin6_port && a->sin6_scope_id == b->sin6_scope_id &&
               memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
}

static void flow_unlink(struct proxy_flow *flow)
{
        struct proxy_port *port = flow->port;

        if (flow->prev)
                flow->prev->next = flow->next;
        else
                port->flows = flow->next;
        if (flow->next)
                flow->next->prev = flow->prev;
        else
                port->flows_tail = flow->prev;
        flow->prev = flow->next = NULL;
        port->n_flows--;
}

static void flow_append(struct proxy_flow *flow)
{
        struct proxy_port *port = flow->port;

        flow->prev = port->flows_tail;
        flow->next = NULL;
        if (port->flows_tail)
                port->flows_tail->next = flow;
        else
                port->flows = flow;
        port->flows_tail = flow;
        port->n_flows++;
}

/* Records a datagram of flow: stores the time and moves the flow to the
 * end of the port's list, which keeps the list ordered by that time. */
static void flow_touch(struct proxy_flow *flow)
{
        flow->last_active_ms = proxy_now_ms();
        if (flow->port->flows_tail == flow)
                return;
        flow_unlink(flow);
        flow_append(flow);
}

void proxy_flow_close(struct proxy_flow *flow)
{
        if (flow->dead)
                return;
        (void)epoll_ctl(proxy.epoll_fd, EPOLL_CTL_DEL, flow->fd, NULL);
        close(flow->fd);
        flow->fd = -1;
        flow_unlink(flow);
        flow->dead = true;
        /* The list of dead flows reuses next. */
        flow->next = proxy.dead_flows;
        proxy.dead_flows = flow;
}

void proxy_flows_free_dead(void)
{
        while (proxy.dead_flows) {
                struct proxy_flow *flow = proxy.dead_flows;

                proxy.dead_flows = flow->next;
                free(flow);
        }
}

int proxy_flows_expire(uint64_t now_ms)
{
        uint64_t next = UINT64_MAX;

        for (struct proxy_port *port = proxy.ports; port; port = port->next) {
                while (port->flows && port->flows->last_active_ms + PORTPROXY_UDP_TIMEOUT_MS <= now_ms) {
                        port->counters.expired++;
                        proxy_flow_close(port->flows);
                }
                if (port->flows && port->flows->last_active_ms + PORTPROXY_UDP_TIMEOUT_MS < next)
                        next = port->flows->last_active_ms + PORTPROXY_UDP_TIMEOUT_MS;
        }
        if (next == UINT64_MAX)
                return -1;
        return (int)(next - now_ms);
}

/* Starts the flow of client, or returns NULL after counting why not. */
static struct proxy_flow *flow_start(struct proxy_port *port, const struct sockaddr_in6 *client)
{
        struct epoll_event ev = { .events = EPOLLIN };
        struct proxy_flow *flow;
        int fd;

        if (port->n_flows >= PORTPROXY_CONNECTIONS_MAX) {
                if (port->counters.rejected++ == 0)
                        log_warn("Proxy of %s: reached the maximum of %d clients, so datagrams of new clients are "
                                 "dropped",
                                 port->label, PORTPROXY_CONNECTIONS_MAX);
                return NULL;
        }
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                proxy_count_error(port, &port->counters.relay_failed, errno,
                                  "opening a socket to the container failed");
                return NULL;
        }
        if (connect(fd, (const struct sockaddr *)&port->target, sizeof(port->target)) < 0) {
                proxy_count_error(port, &port->counters.connect_failed, errno, "connecting to the container failed");
                close(fd);
                return NULL;
        }
        flow = calloc(1, sizeof(*flow));
        if (!flow) {
                proxy_count_error(port, &port->counters.relay_failed, ENOMEM, "starting a flow failed");
                close(fd);
                return NULL;
        }
        flow->kind = PROXY_SOURCE_FLOW;
        flow->port = port;
        flow->fd = fd;
        flow->client = *client;
        ev.data.ptr = flow;
        if (epoll_ctl(proxy.epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                proxy_count_error(port, &port->counters.relay_failed, errno, "adding a flow to the epoll set failed");
                close(fd);
                free(flow);
                return NULL;
        }
        flow_append(flow);
        port->counters.accepted++;
        return flow;
}

static struct proxy_flow *flow_find(struct proxy_port *port, const struct sockaddr_in6 *client)
{
        for (struct proxy_flow *flow = port->flows; flow; flow = flow->next)
                if (same_client(&flow->client, client))
                        return flow;
        return NULL;
}

/* Counts a failed send or receive of a flow. The container's port that
 * is not open shows as ECONNREFUSED, from an ICMP error of an earlier
 * datagram. A full socket buffer drops the datagram, as the network
 * would. */
static void count_flow_error(struct proxy_port *port, int error)
{
        if (error == EAGAIN || error == ENOBUFS)
                return;
        if (error == ECONNREFUSED)
                proxy_count_error(port, &port->counters.connect_failed, error, "the container refused a datagram");
        else
                proxy_count_error(port, &port->counters.relay_failed, error, "relaying a datagram failed");
}

void proxy_udp_port_read(struct proxy_port *port)
{
        for (int i = 0; i < DATAGRAMS_PER_EVENT; i++) {
                struct sockaddr_in6 client;
                socklen_t client_len = sizeof(client);
                struct proxy_flow *flow;
                ssize_t n;

                n = recvfrom(port->fd, datagram, sizeof(datagram), 0, (struct sockaddr *)&client, &client_len);
                if (n < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                                proxy_count_error(port, &port->counters.relay_failed, errno,
                                                  "receiving a datagram failed");
                        return;
                }
                if (client_len != sizeof(client) || client.sin6_family != AF_INET6)
                        continue;
                flow = flow_find(port, &client);
                if (!flow)
                        flow = flow_start(port, &client);
                if (!flow)
                        continue;
                flow_touch(flow);
                if (send(flow->fd, datagram, (size_t)n, 0) < 0)
                        count_flow_error(port, errno);
        }
}

void proxy_flow_handle(struct proxy_flow *flow)
{
        struct proxy_port *port = flow->port;

        for (int i = 0; i < DATAGRAMS_PER_EVENT; i++) {
                ssize_t n = recv(flow->fd, datagram, sizeof(datagram), 0);

                if (n < 0) {
                        /* The error is cleared by this recv(), so the loop
                         * goes on to the datagrams queued after it. */
                        if (errno == ECONNREFUSED) {
                                count_flow_error(port, errno);
                                continue;
                        }
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        count_flow_error(port, errno);
                        proxy_flow_close(flow);
                        return;
                }
                flow_touch(flow);
                if (sendto(port->fd, datagram, (size_t)n, 0, (const struct sockaddr *)&flow->client,
                           sizeof(flow->client)) < 0)
                        count_flow_error(port, errno);
        }
}

void proxy_udp_log_summary(const struct proxy_port *port)
{
        const struct proxy_counters *c = &port->counters;

        if (c->rejected + c->connect_failed + c->relay_failed == 0) {
                log_debug("Proxy of %s stopped after %lu flows, %lu of them expired", port->label, c->accepted,
                          c->expired);
                return;
        }
        log_info("Proxy of %s stopped after %lu flows, %lu of them expired: %lu datagrams dropped from clients over "
                 "the limit of %d, %lu refused by the container, %lu relay errors",
                 port->label, c->accepted, c->expired, c->rejected, PORTPROXY_CONNECTIONS_MAX, c->connect_failed,
                 c->relay_failed);
}
