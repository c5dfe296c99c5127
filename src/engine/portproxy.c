/* SPDX-License-Identifier: Apache-2.0 */
/* The proxy's thread and its ports: registration, removal and the epoll
 * loop. Connections are relayed in portproxy-conn.c, and UDP datagrams in
 * portproxy-udp.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "portproxy-internal.h"

/* Pending connections per port. */
#define LISTEN_BACKLOG 128
/* Events handled per epoll_wait. */
#define EVENTS_MAX 64
/* How long a port whose accept() ran out of descriptors waits before it
 * accepts again, in milliseconds. */
#define PAUSE_MS 1000

void proxy_count_error(struct proxy_port *port, unsigned long *counter, int error, const char *operation)
{
        if ((*counter)++ == 0)
                log_warn_errno(error, "Proxy of %s: %s: %m (further errors of this kind are counted only)", port->label,
                               operation);
}

uint64_t proxy_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct proxy proxy = {
        .lock = PTHREAD_MUTEX_INITIALIZER,
        .epoll_fd = -1,
        .wake_fd = -1,
        .wake_kind = PROXY_SOURCE_WAKE,
};

static void resume_paused_ports(void)
{
        for (struct proxy_port *port = proxy.ports; port; port = port->next) {
                struct epoll_event ev = { .events = EPOLLIN, .data.ptr = port };

                if (!port->paused)
                        continue;
                if (epoll_ctl(proxy.epoll_fd, EPOLL_CTL_MOD, port->fd, &ev) < 0)
                        log_warn("Proxy of %s: failed to accept connections again: %m", port->label);
                port->paused = false;
        }
        proxy.n_paused = 0;
}

static void free_dead_ports(void)
{
        while (proxy.dead_ports) {
                struct proxy_port *port = proxy.dead_ports;

                proxy.dead_ports = port->next;
                free(port);
        }
}

static void *proxy_thread(void *arg)
{
        struct epoll_event events[EVENTS_MAX];

        (void)arg;
        for (;;) {
                int timeout, flow_timeout, n;

                pthread_mutex_lock(&proxy.lock);
                timeout = proxy.n_paused > 0 ? PAUSE_MS : -1;
                flow_timeout = proxy_flows_expire(proxy_now_ms());
                if (flow_timeout >= 0 && (timeout < 0 || flow_timeout < timeout))
                        timeout = flow_timeout;
                proxy_flows_free_dead();
                pthread_mutex_unlock(&proxy.lock);
                n = epoll_wait(proxy.epoll_fd, events, EVENTS_MAX, timeout);
                if (n < 0 && errno != EINTR) {
                        log_error("The port proxy stopped: epoll_wait failed: %m");
                        return NULL;
                }

                pthread_mutex_lock(&proxy.lock);
                /* NOTE: a flow's expiry also ends the wait, so a paused
                 * port may accept again before PAUSE_MS has passed. */
                if (n == 0)
                        resume_paused_ports();
                for (int i = 0; i < n; i++) {
                        enum proxy_source_kind *kind = events[i].data.ptr;

                        if (*kind == PROXY_SOURCE_WAKE) {
                                uint64_t count;

                                (void)!read(proxy.wake_fd, &count, sizeof(count));
                        } else if (*kind == PROXY_SOURCE_LISTENER) {
                                struct proxy_port *port = events[i].data.ptr;

                                if (port->dead)
                                        continue;
                                if (port->protocol == IPPROTO_UDP)
                                        proxy_udp_port_read(port);
                                else
                                        proxy_port_accept(port);
                        } else if (*kind == PROXY_SOURCE_FLOW) {
                                struct proxy_flow *flow = events[i].data.ptr;

                                if (!flow->dead)
                                        proxy_flow_handle(flow);
                        } else {
                                struct proxy_end *end = events[i].data.ptr;

                                if (!end->conn->dead)
                                        proxy_end_handle(end, events[i].events);
                        }
                }
                proxy_conns_free_dead();
                proxy_flows_free_dead();
                free_dead_ports();
                pthread_mutex_unlock(&proxy.lock);
        }
        return NULL;
}

/* Creates the epoll set and the thread. Call with the lock held. */
static int start_locked(void)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &proxy.wake_kind };
        pthread_attr_t attr;
        pthread_t thread;
        int r;

        if (proxy.started)
                return 0;
        proxy.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (proxy.epoll_fd < 0)
                return -errno;
        proxy.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (proxy.wake_fd < 0 || epoll_ctl(proxy.epoll_fd, EPOLL_CTL_ADD, proxy.wake_fd, &ev) < 0) {
                r = -errno;
                goto fail;
        }
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        r = -pthread_create(&thread, &attr, proxy_thread, NULL);
        pthread_attr_destroy(&attr);
        if (r < 0)
                goto fail;
        proxy.started = true;
        return 0;

fail:
        if (proxy.wake_fd >= 0)
                close(proxy.wake_fd);
        close(proxy.epoll_fd);
        proxy.wake_fd = proxy.epoll_fd = -1;
        return r;
}

static struct proxy_port *find_port(int fd)
{
        for (struct proxy_port *port = proxy.ports; port; port = port->next)
                if (port->fd == fd)
                        return port;
        return NULL;
}

int portproxy_add(int fd, int protocol, const struct sockaddr_in *target, const char *label)
{
        struct epoll_event ev = { .events = EPOLLIN };
        struct proxy_port *port;
        int flags, r;

        if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP)
                return -EPROTONOSUPPORT;
        pthread_mutex_lock(&proxy.lock);
        if (find_port(fd)) {
                pthread_mutex_unlock(&proxy.lock);
                return 0;
        }
        r = start_locked();
        if (r < 0)
                goto out;
        port = calloc(1, sizeof(*port));
        if (!port) {
                r = -ENOMEM;
                goto out;
        }
        port->kind = PROXY_SOURCE_LISTENER;
        port->fd = fd;
        port->protocol = protocol;
        port->target = *target;
        snprintf(port->label, sizeof(port->label), "%s", label);
        ev.data.ptr = port;
        /* The reservation socket is blocking, and accept() and recvfrom()
         * must not be. */
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
            (protocol == IPPROTO_TCP && listen(fd, LISTEN_BACKLOG) < 0) ||
            epoll_ctl(proxy.epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                r = -errno;
                free(port);
                goto out;
        }
        port->next = proxy.ports;
        proxy.ports = port;
        log_debug("Proxy of %s started", label);
out:
        pthread_mutex_unlock(&proxy.lock);
        return r;
}

static void log_summary(const struct proxy_port *port)
{
        const struct proxy_counters *c = &port->counters;

        if (port->protocol == IPPROTO_UDP) {
                proxy_udp_log_summary(port);
                return;
        }
        if (c->rejected + c->accept_failed + c->connect_failed + c->relay_failed == 0) {
                log_debug("Proxy of %s stopped after %lu connections, %lu reset by a peer", port->label, c->accepted,
                          c->resets);
                return;
        }
        log_info("Proxy of %s stopped after %lu connections: %lu rejected over the limit of %d, %lu accept errors, "
                 "%lu failed connects to the container, %lu relay errors, %lu reset by a peer",
                 port->label, c->accepted, c->rejected, PORTPROXY_CONNECTIONS_MAX, c->accept_failed, c->connect_failed,
                 c->relay_failed, c->resets);
}

void portproxy_remove(int fd)
{
        struct proxy_port **link, *port;
        uint64_t one = 1;

        pthread_mutex_lock(&proxy.lock);
        for (link = &proxy.ports; *link && (*link)->fd != fd; link = &(*link)->next)
                ;
        port = *link;
        if (!port) {
                pthread_mutex_unlock(&proxy.lock);
                return;
        }
        *link = port->next;
        if (epoll_ctl(proxy.epoll_fd, EPOLL_CTL_DEL, fd, NULL) < 0)
                log_warn("Proxy of %s: failed to remove its socket from the epoll set: %m", port->label);
        if (port->paused)
                proxy.n_paused--;
        /* The container is gone or its port is released, so a connection
         * cut short must not look complete to the client. */
        while (port->conns)
                proxy_conn_close(port->conns, true);
        while (port->flows)
                proxy_flow_close(port->flows);
        port->dead = true;
        port->next = proxy.dead_ports;
        proxy.dead_ports = port;
        log_summary(port);
        /* The thread frees the port after its current batch of events,
         * and recomputes its epoll timeout without the port's flows. */
        (void)!write(proxy.wake_fd, &one, sizeof(one));
        pthread_mutex_unlock(&proxy.lock);
}
