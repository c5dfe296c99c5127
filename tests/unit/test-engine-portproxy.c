/* SPDX-License-Identifier: Apache-2.0 */
/* The UDP flows of the port proxy: one flow per client address, the
 * order in which idle flows expire, the limit of flows per port and the
 * sockets closed at removal. The proxy relays from [::1] to a socket of
 * the test on 127.0.0.1, which plays the container, so each datagram the
 * test receives there proves that the proxy has handled the ones sent
 * before it on the same client socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/portproxy-internal.h"
#include "macro.h"

/* A guard against a hang of the proxy, not a measured time. */
#define RECEIVE_TIMEOUT_S 10

struct fixture {
        int proxy_fd;  /* bound on [::1], handed to the proxy */
        int target_fd; /* the container's socket on 127.0.0.1 */
        struct sockaddr_in6 proxy_addr;
        struct sockaddr_in target_addr;
};

static int bind_loopback(int family, void *addr, socklen_t len)
{
        int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct timeval timeout = { .tv_sec = RECEIVE_TIMEOUT_S };

        assert_true(fd >= 0);
        if (bind(fd, addr, len) < 0 || getsockname(fd, addr, &len) < 0) {
                close(fd);
                return -errno;
        }
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)), 0);
        return fd;
}

static int client_socket(void)
{
        int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct timeval timeout = { .tv_sec = RECEIVE_TIMEOUT_S };

        assert_true(fd >= 0);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)), 0);
        return fd;
}

static int setup(void **state)
{
        static struct fixture f;
        char label[64];

        f.proxy_addr = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
        f.target_addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        f.proxy_fd = bind_loopback(AF_INET6, &f.proxy_addr, sizeof(f.proxy_addr));
        if (f.proxy_fd < 0)
                return -1; /* no IPv6 on this machine */
        f.target_fd = bind_loopback(AF_INET, &f.target_addr, sizeof(f.target_addr));
        assert_true(f.target_fd >= 0);
        snprintf(label, sizeof(label), "[::1]:%u/udp", ntohs(f.proxy_addr.sin6_port));
        assert_int_equal(portproxy_add(f.proxy_fd, IPPROTO_UDP, &f.target_addr, label), 0);
        *state = &f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        portproxy_remove(f->proxy_fd);
        close(f->proxy_fd);
        close(f->target_fd);
        return 0;
}

/* A port's flow table as the proxy's thread left it. Tests copy it under
 * the lock and assert after unlocking, because a failed assertion jumps
 * out of the test and the teardown needs the lock. */
struct flow_table {
        size_t n_flows;
        struct proxy_counters counters;
        bool ordered; /* the list runs from the least recently active flow */
        uint64_t oldest_ms, newest_ms;
        in_port_t oldest_client_port; /* network byte order */
};

static struct proxy_port *find_port_locked(const struct fixture *f)
{
        for (struct proxy_port *port = proxy.ports; port; port = port->next)
                if (port->fd == f->proxy_fd)
                        return port;
        return NULL;
}

static void copy_table_locked(const struct proxy_port *port, struct flow_table *table)
{
        uint64_t last = 0;
        size_t n = 0;

        *table = (struct flow_table){ .n_flows = port->n_flows, .counters = port->counters, .ordered = true };
        for (const struct proxy_flow *flow = port->flows; flow; flow = flow->next, n++) {
                if (flow->last_active_ms < last || (!flow->next && flow != port->flows_tail))
                        table->ordered = false;
                last = flow->last_active_ms;
        }
        if (n != port->n_flows || (n == 0 && port->flows_tail))
                table->ordered = false;
        if (port->flows) {
                table->oldest_ms = port->flows->last_active_ms;
                table->oldest_client_port = port->flows->client.sin6_port;
                table->newest_ms = port->flows_tail->last_active_ms;
        }
}

static struct flow_table read_table(const struct fixture *f)
{
        struct flow_table table = { 0 };
        struct proxy_port *port;

        pthread_mutex_lock(&proxy.lock);
        port = find_port_locked(f);
        if (port)
                copy_table_locked(port, &table);
        pthread_mutex_unlock(&proxy.lock);
        assert_non_null(port);
        assert_true(table.ordered);
        return table;
}

/* Expires the flows of every port at now_ms, and returns the expiry's
 * result and the table after it. */
static int expire_at(const struct fixture *f, uint64_t now_ms, struct flow_table *table)
{
        struct proxy_port *port;
        int wait_ms;

        pthread_mutex_lock(&proxy.lock);
        wait_ms = proxy_flows_expire(now_ms);
        port = find_port_locked(f);
        if (port)
                copy_table_locked(port, table);
        pthread_mutex_unlock(&proxy.lock);
        assert_non_null(port);
        assert_true(table->ordered);
        return wait_ms;
}

/* Sets the activity time of a port's oldest flow to now and that of its
 * newest to step_ms later, which keeps their order. */
static void spread_activity(const struct fixture *f, uint64_t step_ms)
{
        struct proxy_port *port;

        pthread_mutex_lock(&proxy.lock);
        port = find_port_locked(f);
        if (port && port->flows) {
                port->flows->last_active_ms = proxy_now_ms();
                port->flows_tail->last_active_ms = port->flows->last_active_ms + step_ms;
        }
        pthread_mutex_unlock(&proxy.lock);
        assert_non_null(port);
}

static in_port_t local_port(int fd)
{
        struct sockaddr_in6 addr;
        socklen_t len = sizeof(addr);

        assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
        return addr.sin6_port;
}

static void send_text(const struct fixture *f, int client, const char *text)
{
        assert_int_equal(
                sendto(client, text, strlen(text), 0, (const struct sockaddr *)&f->proxy_addr, sizeof(f->proxy_addr)),
                (ssize_t)strlen(text));
}

/* Receives a datagram on the container's socket, asserts its text and
 * returns the address of the flow that sent it. */
static struct sockaddr_in receive_at_target(const struct fixture *f, const char *expected)
{
        struct sockaddr_in from;
        socklen_t len = sizeof(from);
        char buf[128];
        ssize_t n = recvfrom(f->target_fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);

        assert_true(n >= 0);
        buf[n] = '\0';
        assert_string_equal(buf, expected);
        return from;
}

static void reply_and_receive(const struct fixture *f, const struct sockaddr_in *flow, int client, const char *text)
{
        char buf[128];
        ssize_t n;

        assert_int_equal(sendto(f->target_fd, text, strlen(text), 0, (const struct sockaddr *)flow, sizeof(*flow)),
                         (ssize_t)strlen(text));
        n = recv(client, buf, sizeof(buf) - 1, 0);
        assert_true(n >= 0);
        buf[n] = '\0';
        assert_string_equal(buf, text);
}

static bool same_flow(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
}

static void udp_flow_per_client(void **state)
{
        struct fixture *f = *state;
        int a = client_socket(), b = client_socket();
        struct sockaddr_in flow_a, flow_b, again;
        struct flow_table table;

        send_text(f, a, "a1");
        flow_a = receive_at_target(f, "a1");
        send_text(f, b, "b1");
        flow_b = receive_at_target(f, "b1");
        assert_false(same_flow(&flow_a, &flow_b));
        reply_and_receive(f, &flow_b, b, "to b");
        reply_and_receive(f, &flow_a, a, "to a");
        send_text(f, a, "a2");
        again = receive_at_target(f, "a2");
        assert_true(same_flow(&again, &flow_a));

        table = read_table(f);
        assert_int_equal(table.n_flows, 2);
        assert_int_equal(table.counters.accepted, 2);
        close(a);
        close(b);
}

static void udp_flows_expire_in_order(void **state)
{
        struct fixture *f = *state;
        int a = client_socket(), b = client_socket();
        struct sockaddr_in flow_b;
        struct flow_table table;
        uint64_t expiry_a, expiry_b;
        int wait_ms;

        /* a, then b, then a again: b is the least recently active. */
        send_text(f, a, "a1");
        receive_at_target(f, "a1");
        send_text(f, b, "b1");
        receive_at_target(f, "b1");
        send_text(f, a, "a2");
        receive_at_target(f, "a2");

        table = read_table(f);
        assert_int_equal(table.n_flows, 2);
        assert_int_equal(table.oldest_client_port, local_port(b));
        /* The datagrams may fall within one millisecond, so the flows get
         * activity times 500 ms apart. */
        spread_activity(f, 500);
        table = read_table(f);
        expiry_b = table.oldest_ms + PORTPROXY_UDP_TIMEOUT_MS;
        expiry_a = table.newest_ms + PORTPROXY_UDP_TIMEOUT_MS;
        assert_int_equal(expiry_a - expiry_b, 500);

        wait_ms = expire_at(f, expiry_b - 1, &table);
        assert_int_equal(wait_ms, 1);
        assert_int_equal(table.n_flows, 2);

        wait_ms = expire_at(f, expiry_b, &table);
        assert_int_equal(table.n_flows, 1);
        assert_int_equal(table.counters.expired, 1);
        assert_int_equal(wait_ms, (int)(expiry_a - expiry_b));

        wait_ms = expire_at(f, expiry_a, &table);
        assert_int_equal(table.n_flows, 0);
        assert_int_equal(table.counters.expired, 2);
        assert_int_equal(wait_ms, -1);

        /* The client of an expired flow gets a new one. */
        send_text(f, b, "b2");
        flow_b = receive_at_target(f, "b2");
        reply_and_receive(f, &flow_b, b, "to b");
        table = read_table(f);
        assert_int_equal(table.n_flows, 1);
        assert_int_equal(table.counters.accepted, 3);
        close(a);
        close(b);
}

static void udp_flow_limit(void **state)
{
        struct fixture *f = *state;
        struct rlimit limit = { .rlim_cur = 4096, .rlim_max = 4096 };
        int clients[PORTPROXY_CONNECTIONS_MAX + 1];
        struct flow_table table;

        /* The test's clients and the proxy's flows take a descriptor each,
         * and only root may raise the hard limit. */
        if (setrlimit(RLIMIT_NOFILE, &limit) < 0)
                skip();
        for (size_t i = 0; i < ARRAY_SIZE(clients); i++) {
                char text[32];

                clients[i] = client_socket();
                snprintf(text, sizeof(text), "client %zu", i);
                send_text(f, clients[i], text);
                if (i < PORTPROXY_CONNECTIONS_MAX)
                        receive_at_target(f, text);
        }
        /* The proxy reads its socket in order, so this arrives only after
         * the datagram of the client over the limit was handled. */
        send_text(f, clients[0], "after the limit");
        receive_at_target(f, "after the limit");

        table = read_table(f);
        assert_int_equal(table.n_flows, PORTPROXY_CONNECTIONS_MAX);
        assert_int_equal(table.counters.rejected, 1);
        for (size_t i = 0; i < ARRAY_SIZE(clients); i++)
                close(clients[i]);
}

static void udp_remove_closes_flows(void **state)
{
        struct fixture *f = *state;
        int client = client_socket(), probe;
        struct sockaddr_in flow;
        char byte;

        send_text(f, client, "hello");
        flow = receive_at_target(f, "hello");
        portproxy_remove(f->proxy_fd);

        /* The flow's socket is closed, so a datagram to it is refused. */
        probe = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(probe >= 0);
        assert_int_equal(setsockopt(probe, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ .tv_sec = RECEIVE_TIMEOUT_S },
                                    sizeof(struct timeval)),
                         0);
        assert_int_equal(connect(probe, (const struct sockaddr *)&flow, sizeof(flow)), 0);
        assert_int_equal(send(probe, "x", 1, 0), 1);
        assert_int_equal(recv(probe, &byte, 1, 0), -1);
        assert_int_equal(errno, ECONNREFUSED);
        close(probe);
        close(client);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(udp_flow_per_client, setup, teardown),
                cmocka_unit_test_setup_teardown(udp_flows_expire_in_order, setup, teardown),
                cmocka_unit_test_setup_teardown(udp_flow_limit, setup, teardown),
                cmocka_unit_test_setup_teardown(udp_remove_closes_flows, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
