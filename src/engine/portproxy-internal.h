/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portproxy.h"

/* Bytes buffered per direction of a connection. */
#define PORTPROXY_BUFFER_SIZE (32 * 1024)

/* The type of object that an epoll event's data.ptr points at. Each such
 * struct starts with this field. */
enum proxy_source_kind {
        PROXY_SOURCE_LISTENER,
        PROXY_SOURCE_END,
        PROXY_SOURCE_FLOW,
        PROXY_SOURCE_WAKE,
};

struct proxy_port;
struct proxy_conn;
struct proxy_flow;

/* One socket of a relayed connection, with the bytes read from it that
 * still have to go to the other end. */
struct proxy_end {
        enum proxy_source_kind kind; /* PROXY_SOURCE_END */
        struct proxy_conn *conn;
        int fd;
        uint32_t events;   /* the epoll events registered, when registered */
        bool registered;   /* fd is in the epoll set */
        bool hangup;       /* epoll reported EPOLLHUP */
        bool read_eof;     /* read() returned 0 */
        bool write_shut;   /* shutdown(SHUT_WR) was sent */
        size_t start, len; /* the pending bytes in buf */
        char buf[PORTPROXY_BUFFER_SIZE];
};

/* A client connection and its connection to the container. */
struct proxy_conn {
        struct proxy_port *port;
        struct proxy_end client, container;
        bool connecting; /* the connect() to the container is in progress */
        bool dead;       /* closed, waiting to be freed after the current events */
        struct proxy_conn *prev, *next;
};

/* The datagrams of one UDP client: a socket connected to the container
 * carries its datagrams there and receives the replies. */
struct proxy_flow {
        enum proxy_source_kind kind; /* PROXY_SOURCE_FLOW */
        struct proxy_port *port;
        int fd;
        struct sockaddr_in6 client;
        uint64_t last_active_ms; /* CLOCK_MONOTONIC of the last datagram either way */
        bool dead;               /* closed, waiting to be freed after the current events */
        struct proxy_flow *prev, *next;
};

/* Errors of one port, counted for the summary when the port goes. Each
 * kind is logged at its first occurrence only. */
struct proxy_counters {
        unsigned long accepted;       /* connections, or UDP flows started */
        unsigned long rejected;       /* over PORTPROXY_CONNECTIONS_MAX */
        unsigned long expired;        /* UDP flows idle for PORTPROXY_UDP_TIMEOUT_MS */
        unsigned long accept_failed;  /* out of descriptors or memory */
        unsigned long connect_failed; /* the container refused or was unreachable */
        unsigned long resets;         /* a peer reset its connection */
        unsigned long relay_failed;   /* any other error while relaying */
};

struct proxy_port {
        enum proxy_source_kind kind; /* PROXY_SOURCE_LISTENER */
        int fd;                      /* owned by the caller of portproxy_add */
        int protocol;                /* IPPROTO_TCP or IPPROTO_UDP */
        struct sockaddr_in target;
        char label[64];
        bool paused; /* accept() ran out of descriptors, so EPOLLIN is off */
        bool dead;
        struct proxy_conn *conns;
        size_t n_conns;
        /* UDP flows, least recently active first. */
        struct proxy_flow *flows, *flows_tail;
        size_t n_flows;
        struct proxy_counters counters;
        struct proxy_port *next;
};

/* The proxy's state. lock guards all of it, and the thread holds it while
 * it handles a batch of events. Closed ports and connections stay in the
 * dead lists until the batch is over, because later events of the batch
 * may still point at them. */
struct proxy {
        pthread_mutex_t lock;
        int epoll_fd;
        int wake_fd; /* an eventfd that makes the thread free the dead lists */
        enum proxy_source_kind wake_kind;
        bool started;
        struct proxy_port *ports;
        struct proxy_port *dead_ports;
        struct proxy_conn *dead_conns;
        struct proxy_flow *dead_flows;
        size_t n_paused;
};

extern struct proxy proxy;

/* Accepts the pending connections of port and connects each to the
 * container. */
void proxy_port_accept(struct proxy_port *port);

/* Handles the epoll events of one end of a connection. */
void proxy_end_handle(struct proxy_end *end, uint32_t events);

/* Closes a connection's sockets, with a reset when abort is set, and moves
 * it to the dead list. */
void proxy_conn_close(struct proxy_conn *conn, bool abort);

/* Frees the dead connections. */
void proxy_conns_free_dead(void);

/* Counts an error of port and logs the first one of its kind. */
void proxy_count_error(struct proxy_port *port, unsigned long *counter, int error, const char *operation);

/* Reads the pending datagrams of a UDP port and sends each to the
 * container through its client's flow, which it starts if needed. */
void proxy_udp_port_read(struct proxy_port *port);

/* Sends the replies pending on a flow's socket back to its client. */
void proxy_flow_handle(struct proxy_flow *flow);

/* Closes a flow's socket and moves it to the dead list. */
void proxy_flow_close(struct proxy_flow *flow);

/* Closes the flows idle for PORTPROXY_UDP_TIMEOUT_MS at now_ms, and
 * returns the milliseconds until the next one expires, or -1 when no
 * port has a flow. */
int proxy_flows_expire(uint64_t now_ms);

/* Frees the dead flows. */
void proxy_flows_free_dead(void);

/* Logs the counters of a UDP port that stops. */
void proxy_udp_log_summary(const struct proxy_port *port);

/* Returns CLOCK_MONOTONIC in milliseconds. */
uint64_t proxy_now_ms(void);
