/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedded DNS server: one thread with one epoll set serves every
 * sandbox. A sandbox is a UDP and a TCP socket bound to 127.0.0.11:53 in a
 * container's network namespace. Queries for names the engine resolves are
 * answered from the lookup callbacks. Others are forwarded to the
 * sandbox's upstreams through sockets of the server thread, which lives in
 * the daemon's network namespace.
 *
 * Only the server thread touches sandboxes, connections and forwards.
 * dns_server_add and dns_server_remove post a command and wait until the
 * thread has run it, so the lookup callbacks never run concurrently with
 * them and must not wait for a lock held around those calls.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "dns-server-internal.h"
#include "log.h"
#include "netns.h"

uint64_t dns_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int dns_epoll_add(struct dns_server *s, int fd, uint32_t events, struct dns_handle *h)
{
        struct epoll_event ev = { .events = events, .data.ptr = h };

        if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return -errno;
        return 0;
}

int dns_epoll_modify(struct dns_server *s, int fd, uint32_t events, struct dns_handle *h)
{
        struct epoll_event ev = { .events = events, .data.ptr = h };

        if (epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0)
                return -errno;
        return 0;
}

/* Parses "IP", "IP:port" or "[IPv6]:port"; a bare IPv6 address has port 53. */
static int upstream_parse(const char *s, struct dns_upstream *ret)
{
        char host[INET6_ADDRSTRLEN + 1];
        const char *port_text = NULL;
        unsigned long port = 53;
        struct sockaddr_in sin = { .sin_family = AF_INET };
        struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

        if (s[0] == '[') {
                const char *close = strchr(s, ']');

                if (!close || (size_t)(close - s - 1) >= sizeof(host))
                        return -EINVAL;
                memcpy(host, s + 1, (size_t)(close - s - 1));
                host[close - s - 1] = '\0';
                if (close[1] == ':')
                        port_text = close + 2;
                else if (close[1] != '\0')
                        return -EINVAL;
        } else {
                const char *colon = strchr(s, ':');

                if (colon && strchr(colon + 1, ':'))
                        colon = NULL; /* a bare IPv6 address */
                if (strlen(s) >= sizeof(host))
                        return -EINVAL;
                strcpy(host, s);
                if (colon) {
                        host[colon - s] = '\0';
                        port_text = colon + 1;
                }
        }

        if (port_text) {
                char *end;

                if (port_text[0] < '0' || port_text[0] > '9')
                        return -EINVAL;
                errno = 0;
                port = strtoul(port_text, &end, 10);
                if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
                        return -EINVAL;
        }

        if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
                sin.sin_port = htons((uint16_t)port);
                memcpy(&ret->addr, &sin, sizeof(sin));
                ret->addr_len = sizeof(sin);
                return 0;
        }
        if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
                sin6.sin6_port = htons((uint16_t)port);
                memcpy(&ret->addr, &sin6, sizeof(sin6));
                ret->addr_len = sizeof(sin6);
                return 0;
        }
        return -EINVAL;
}

/* Creates a socket of type in ns_fd bound to 127.0.0.11:53. */
static int open_listener(int ns_fd, int type, struct error *err)
{
        struct sockaddr_in sin = {
                .sin_family = AF_INET,
                .sin_port = htons(53),
                .sin_addr.s_addr = htonl(DNS_SERVER_ADDRESS),
        };
        const char *proto = type == SOCK_STREAM ? "TCP" : "UDP";
        _cleanup_close_ int fd = -1;
        int one = 1;

        fd = netns_socket(ns_fd, AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, fd, "failed to create a %s socket in the container's network namespace",
                                       proto);
        /* Only for TCP: on UDP, SO_REUSEADDR would let a second socket bind
         * the same address and take some of the queries. */
        if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return error_set_errno(err, -errno, "failed to set SO_REUSEADDR on the %s socket", proto);
        if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
                return error_set_errno(err, -errno, "failed to bind the %s socket to 127.0.0.11:53", proto);
        if (type == SOCK_STREAM && listen(fd, 64) < 0)
                return error_set_errno(err, -errno, "failed to listen on 127.0.0.11:53 over TCP");
        return TAKE_FD(fd);
}

static struct dns_sandbox *sandbox_find(struct dns_server *s, const char *key)
{
        for (struct dns_sandbox *sb = s->sandboxes; sb; sb = sb->next)
                if (streq(sb->key, key))
                        return sb;
        return NULL;
}

static void sandbox_close(struct dns_server *s, struct dns_sandbox *sb)
{
        /* Connections and forwards point to their sandbox, so they go first. */
        dns_forwards_cancel_sandbox(s, sb);
        dns_tcp_close_sandbox(s, sb);

        if (sb->udp_fd >= 0)
                close(sb->udp_fd);
        if (sb->tcp_fd >= 0)
                close(sb->tcp_fd);
        sb->udp_fd = sb->tcp_fd = -1;
        sb->udp_handle.dead = sb->tcp_handle.dead = true;
}

static void run_add(struct dns_server *s, struct dns_command *cmd)
{
        struct dns_sandbox *sb = cmd->sandbox;
        int r;

        if (sandbox_find(s, sb->key)) {
                cmd->result = -EEXIST;
                return;
        }

        r = dns_epoll_add(s, sb->udp_fd, EPOLLIN, &sb->udp_handle);
        if (r < 0) {
                cmd->result = r;
                return;
        }
        r = dns_epoll_add(s, sb->tcp_fd, EPOLLIN, &sb->tcp_handle);
        if (r < 0) {
                (void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, sb->udp_fd, NULL);
                cmd->result = r;
                return;
        }

        sb->next = s->sandboxes;
        s->sandboxes = sb;
        cmd->sandbox = NULL; /* owned by the server now */
        cmd->result = 0;
}

static void run_remove(struct dns_server *s, struct dns_command *cmd)
{
        for (struct dns_sandbox **p = &s->sandboxes; *p; p = &(*p)->next) {
                struct dns_sandbox *sb = *p;

                if (!streq(sb->key, cmd->key))
                        continue;
                *p = sb->next;
                sandbox_close(s, sb);
                /* Events of this batch may still point to it. */
                sb->next = s->dead_sandboxes;
                s->dead_sandboxes = sb;
                cmd->result = 0;
                return;
        }
        cmd->result = -ENOENT;
}

static void free_dead_objects(struct dns_server *s);

static void run_one(struct dns_server *s, struct dns_command *cmd)
{
        switch (cmd->kind) {
        case DNS_COMMAND_ADD:
                run_add(s, cmd);
                break;
        case DNS_COMMAND_REMOVE:
                run_remove(s, cmd);
                break;
        case DNS_COMMAND_FIND:
                cmd->result = sandbox_find(s, cmd->key) ? 0 : -ENOENT;
                break;
        case DNS_COMMAND_STATS:
                *cmd->stats = s->stats;
                cmd->result = 0;
                break;
        case DNS_COMMAND_STOP:
                s->stopping = true;
                cmd->result = 0;
                break;
        }
}

static void run_commands(struct dns_server *s)
{
        uint64_t count;

        if (read(s->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
                s->stats.errors++;

        pthread_mutex_lock(&s->lock);
        while (s->commands) {
                struct dns_command *cmd = s->commands;

                s->commands = cmd->next;
                if (!s->commands)
                        s->commands_tail = &s->commands;
                pthread_mutex_unlock(&s->lock);

                run_one(s, cmd);

                pthread_mutex_lock(&s->lock);
                cmd->done = true;
                pthread_cond_broadcast(&s->done_cond);
        }
        pthread_mutex_unlock(&s->lock);
}

/* Posts cmd to the server thread and waits until it has run. After the
 * thread has ended (on an epoll error) the caller runs cmd itself. */
static int run_command(struct dns_server *s, struct dns_command *cmd)
{
        uint64_t one = 1;

        pthread_mutex_lock(&s->lock);
        if (s->exited) {
                run_one(s, cmd);
                free_dead_objects(s);
                pthread_mutex_unlock(&s->lock);
                return cmd->result;
        }
        cmd->next = NULL;
        cmd->done = false;
        *s->commands_tail = cmd;
        s->commands_tail = &cmd->next;
        pthread_mutex_unlock(&s->lock);

        if (write(s->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
                log_warn_errno(-errno, "DNS server: failed to wake the server thread: %m");

        pthread_mutex_lock(&s->lock);
        while (!cmd->done)
                pthread_cond_wait(&s->done_cond, &s->lock);
        pthread_mutex_unlock(&s->lock);
        return cmd->result;
}

static void sandbox_free(struct dns_sandbox *sb)
{
        if (!sb)
                return;
        if (sb->udp_fd >= 0)
                close(sb->udp_fd);
        if (sb->tcp_fd >= 0)
                close(sb->tcp_fd);
        free(sb->key);
        free(sb);
}

static void free_dead_objects(struct dns_server *s)
{
        while (s->dead_sandboxes) {
                struct dns_sandbox *sb = s->dead_sandboxes;

                s->dead_sandboxes = sb->next;
                sandbox_free(sb);
        }
        dns_forwards_free_dead(s);
        dns_tcp_free_dead(s);
}

static int next_timeout_msec(struct dns_server *s)
{
        uint64_t deadline = UINT64_MAX, now;

        dns_forwards_deadline(s, &deadline);
        dns_tcp_deadline(s, &deadline);
        if (deadline == UINT64_MAX)
                return -1;

        now = dns_now_usec();
        if (deadline <= now)
                return 0;
        return (int)MIN((deadline - now + 999) / 1000, (uint64_t)60000);
}

static void dispatch(struct dns_server *s, struct dns_handle *h, uint32_t events)
{
        if (h->dead)
                return;

        switch (h->kind) {
        case DNS_HANDLE_WAKE:
                run_commands(s);
                break;
        case DNS_HANDLE_UDP:
                dns_udp_receive(s, h->owner);
                break;
        case DNS_HANDLE_TCP_LISTEN:
                dns_tcp_accept(s, h->owner);
                break;
        case DNS_HANDLE_TCP_CONN:
                dns_tcp_conn_event(s, h->owner, events);
                break;
        case DNS_HANDLE_FORWARD:
                dns_forward_event(s, h->owner, events);
                break;
        }
}

static void *server_thread(void *userdata)
{
        struct dns_server *s = userdata;
        struct epoll_event events[64];

        while (!s->stopping) {
                int n = epoll_wait(s->epoll_fd, events, (int)ARRAY_SIZE(events), next_timeout_msec(s));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        s->stats.errors++;
                        log_error_errno(-errno, "DNS server: epoll_wait failed, stopping: %m");
                        break;
                }

                for (int i = 0; i < n; i++)
                        dispatch(s, events[i].data.ptr, events[i].events);

                dns_forwards_expire(s, dns_now_usec());
                dns_tcp_expire(s, dns_now_usec());
                free_dead_objects(s);
        }

        /* Commands posted from now on run in their callers. */
        pthread_mutex_lock(&s->lock);
        s->exited = true;
        pthread_mutex_unlock(&s->lock);
        run_commands(s);
        return NULL;
}

int dns_server_new(const struct dns_lookup_ops *ops, void *userdata, struct dns_server **ret, struct error *err)
{
        _cleanup_free_ struct dns_server *s = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return error_set(err, -ENOMEM, "out of memory");
        s->ops = ops;
        s->userdata = userdata;
        s->epoll_fd = s->wake_fd = -1;
        s->commands_tail = &s->commands;
        s->wake_handle.kind = DNS_HANDLE_WAKE;
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->done_cond, NULL);
        if (getrandom(&s->next_id, sizeof(s->next_id), GRND_NONBLOCK) < 0)
                s->next_id = (uint16_t)dns_now_usec();

        s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (s->epoll_fd < 0) {
                r = error_set_errno(err, -errno, "failed to create the DNS server's epoll instance");
                goto fail;
        }
        s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->wake_fd < 0) {
                r = error_set_errno(err, -errno, "failed to create the DNS server's eventfd");
                goto fail;
        }
        r = dns_epoll_add(s, s->wake_fd, EPOLLIN, &s->wake_handle);
        if (r < 0) {
                error_set_errno(err, r, "failed to watch the DNS server's eventfd");
                goto fail;
        }

        r = pthread_create(&s->thread, NULL, server_thread, s);
        if (r != 0) {
                r = error_set_errno(err, -r, "failed to start the DNS server thread");
                goto fail;
        }

        *ret = TAKE_PTR(s);
        return 0;

fail:
        if (s->epoll_fd >= 0)
                close(s->epoll_fd);
        if (s->wake_fd >= 0)
                close(s->wake_fd);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->done_cond);
        return r;
}

int dns_server_add(struct dns_server *s, const char *sandbox, int ns_fd, const char *const *upstreams, size_t n,
                   struct error *err)
{
        struct dns_command cmd = { .kind = DNS_COMMAND_ADD }, find = { .kind = DNS_COMMAND_FIND };
        struct dns_sandbox *sb;
        int r;

        if (!sandbox || !*sandbox)
                return error_set(err, -EINVAL, "missing sandbox key for the DNS server");
        /* Docker also drops the upstreams beyond its maximum (3) silently. */
        if (n > DNS_SERVER_MAX_UPSTREAMS) {
                log_warn("DNS server: %s has %zu upstreams, only the first %d are used", sandbox, n,
                         DNS_SERVER_MAX_UPSTREAMS);
                n = DNS_SERVER_MAX_UPSTREAMS;
        }

        /* Checked again when the server takes the sandbox, but a duplicate
         * found here gets -EEXIST before the bind fails with -EADDRINUSE. */
        find.key = sandbox;
        if (run_command(s, &find) >= 0)
                return error_set(err, -EEXIST, "the DNS server already serves %s", sandbox);

        sb = calloc(1, sizeof(*sb));
        if (!sb)
                return error_set(err, -ENOMEM, "out of memory");
        sb->udp_fd = sb->tcp_fd = -1;
        sb->udp_handle = (struct dns_handle){ .kind = DNS_HANDLE_UDP, .owner = sb };
        sb->tcp_handle = (struct dns_handle){ .kind = DNS_HANDLE_TCP_LISTEN, .owner = sb };
        sb->key = strdup(sandbox);
        if (!sb->key) {
                sandbox_free(sb);
                return error_set(err, -ENOMEM, "out of memory");
        }

        for (size_t i = 0; i < n; i++) {
                if (upstream_parse(upstreams[i], &sb->upstreams[i]) < 0) {
                        sandbox_free(sb);
                        return error_set(err, -EINVAL,
                                         "invalid DNS upstream \"%s\": expected IP, IP:port or [IPv6]:port",
                                         upstreams[i]);
                }
        }
        sb->n_upstreams = n;

        sb->udp_fd = r = open_listener(ns_fd, SOCK_DGRAM, err);
        if (r >= 0)
                sb->tcp_fd = r = open_listener(ns_fd, SOCK_STREAM, err);
        if (r < 0) {
                sandbox_free(sb);
                return error_prefix(err, r, "failed to start the DNS server for %s", sandbox);
        }

        cmd.sandbox = sb;
        r = run_command(s, &cmd);
        sandbox_free(cmd.sandbox); /* NULL once the server took it */
        if (r == -EEXIST)
                return error_set(err, r, "the DNS server already serves %s", sandbox);
        if (r < 0)
                return error_set_errno(err, r, "failed to start the DNS server for %s", sandbox);

        log_debug("DNS server: serving %s with %zu upstreams", sandbox, n);
        return 0;
}

int dns_server_remove(struct dns_server *s, const char *sandbox)
{
        struct dns_command cmd = { .kind = DNS_COMMAND_REMOVE, .key = sandbox };
        int r;

        r = run_command(s, &cmd);
        if (r >= 0)
                log_debug("DNS server: stopped serving %s", sandbox);
        return r;
}

void dns_server_get_stats(struct dns_server *s, struct dns_server_stats *ret)
{
        struct dns_command cmd = { .kind = DNS_COMMAND_STATS, .stats = ret };

        (void)run_command(s, &cmd);
}

void dns_server_free(struct dns_server *s)
{
        struct dns_command cmd = { .kind = DNS_COMMAND_STOP };

        if (!s)
                return;

        (void)run_command(s, &cmd);
        pthread_join(s->thread, NULL);

        while (s->sandboxes) {
                struct dns_sandbox *sb = s->sandboxes;

                s->sandboxes = sb->next;
                sandbox_close(s, sb);
                sandbox_free(sb);
        }
        free_dead_objects(s);

        close(s->epoll_fd);
        close(s->wake_fd);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->done_cond);
        free(s);
}
