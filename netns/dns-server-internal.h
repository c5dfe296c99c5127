/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* State of the DNS server thread, shared by dns-server.c (the thread, the
 * sandboxes), dns-query.c (answers), dns-tcp.c (client connections) and
 * dns-forward.c (upstream queries). Only the server thread uses it. */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns.h"

#define DNS_SERVER_ADDRESS 0x7f00000b /* 127.0.0.11 */

/* Forwarded queries waiting for an upstream, per sandbox. Docker's resolver
 * (moby libnetwork/resolver.go, maxConcurrent) allows 1024 per container and
 * replies REFUSED when no slot frees up within 4 s. Here REFUSED is at once. */
#define DNS_MAX_FORWARDS 1024
/* Client TCP connections per sandbox; more are accepted and closed. */
#define DNS_MAX_TCP_CONNS 32
/* Time a client TCP connection may take to send a query, and the idle time
 * after a reply before it is closed. */
#define DNS_TCP_TIMEOUT_USEC (10 * 1000000ULL)
/* Time one upstream has to reply before the next is tried, extIOTimeout in
 * moby's libnetwork/resolver.go. */
#define DNS_UPSTREAM_TIMEOUT_USEC (4 * 1000000ULL)
/* Addresses taken from the lookup callback for one query. */
#define DNS_MAX_ADDRS 64

enum dns_handle_kind {
        DNS_HANDLE_WAKE,
        DNS_HANDLE_UDP,
        DNS_HANDLE_TCP_LISTEN,
        DNS_HANDLE_TCP_CONN,
        DNS_HANDLE_FORWARD,
};

/* The epoll data of one file descriptor. dead is set when the fd is closed,
 * so events of the current batch for it are skipped; the owner is freed
 * after the batch. */
struct dns_handle {
        enum dns_handle_kind kind;
        bool dead;
        void *owner;
};

struct dns_upstream {
        struct sockaddr_storage addr;
        socklen_t addr_len;
};

struct dns_sandbox {
        struct dns_sandbox *next;
        char *key;
        int udp_fd, tcp_fd;
        struct dns_handle udp_handle, tcp_handle;
        struct dns_upstream upstreams[DNS_SERVER_MAX_UPSTREAMS];
        size_t n_upstreams;
        unsigned n_tcp_conns;
        unsigned n_forwards;
};

struct dns_tcp_conn;
struct dns_forward;

/* The destination of a reply: a UDP peer of the sandbox's socket, or a TCP
 * connection. */
struct dns_client {
        struct dns_sandbox *sandbox;
        struct dns_tcp_conn *conn; /* NULL for UDP */
        struct sockaddr_storage peer;
        socklen_t peer_len;
};

enum dns_command_kind {
        DNS_COMMAND_ADD,
        DNS_COMMAND_REMOVE,
        DNS_COMMAND_FIND,
        DNS_COMMAND_STATS,
        DNS_COMMAND_STOP,
};

struct dns_command {
        struct dns_command *next;
        enum dns_command_kind kind;
        struct dns_sandbox *sandbox; /* ADD: the new sandbox */
        const char *key;             /* REMOVE, FIND */
        struct dns_server_stats *stats;
        int result;
        bool done;
};

struct dns_server {
        const struct dns_lookup_ops *ops;
        void *userdata;

        pthread_t thread;
        int epoll_fd;
        int wake_fd;
        struct dns_handle wake_handle;
        bool stopping;

        /* Commands from other threads, under lock. exited is set when the
         * thread has ended, after which callers run commands themselves. */
        pthread_mutex_t lock;
        pthread_cond_t done_cond;
        struct dns_command *commands, **commands_tail;
        bool exited;

        struct dns_sandbox *sandboxes, *dead_sandboxes;
        struct dns_tcp_conn *conns, *dead_conns;
        struct dns_forward *forwards, *dead_forwards;

        unsigned rotation; /* round-robin offset of address records */
        uint16_t next_id;  /* IDs of forwarded queries */
        struct dns_server_stats stats;
};

uint64_t dns_now_usec(void);
int dns_epoll_add(struct dns_server *s, int fd, uint32_t events, struct dns_handle *h);
int dns_epoll_modify(struct dns_server *s, int fd, uint32_t events, struct dns_handle *h);

/* dns-query.c */
void dns_udp_receive(struct dns_server *s, struct dns_sandbox *sb);
/* Replies to the query in buf or starts forwarding it. Returns false when
 * it was dropped with no reply. */
bool dns_handle_query(struct dns_server *s, const struct dns_client *client, const uint8_t *buf, size_t len);
void dns_client_reply(struct dns_server *s, const struct dns_client *client, const uint8_t *msg, size_t len);
/* The largest reply the client accepts: its EDNS0 UDP size, or 512 bytes
 * without one, and 65535 over TCP. */
size_t dns_client_max_size(const struct dns_client *client, const struct dns_query *q);

/* dns-tcp.c */
void dns_tcp_accept(struct dns_server *s, struct dns_sandbox *sb);
void dns_tcp_conn_event(struct dns_server *s, struct dns_tcp_conn *conn, uint32_t events);
/* Queues a reply on conn and resumes reading its next query. */
void dns_tcp_conn_reply(struct dns_server *s, struct dns_tcp_conn *conn, const uint8_t *msg, size_t len);
void dns_tcp_close_sandbox(struct dns_server *s, struct dns_sandbox *sb);
void dns_tcp_deadline(struct dns_server *s, uint64_t *deadline);
void dns_tcp_expire(struct dns_server *s, uint64_t now);
void dns_tcp_free_dead(struct dns_server *s);

/* dns-forward.c */
void dns_forward_start(struct dns_server *s, const struct dns_client *client, const uint8_t *query, size_t len,
                       const struct dns_query *q);
void dns_forward_event(struct dns_server *s, struct dns_forward *f, uint32_t events);
void dns_forwards_cancel_sandbox(struct dns_server *s, struct dns_sandbox *sb);
void dns_forwards_cancel_conn(struct dns_server *s, struct dns_tcp_conn *conn);
void dns_forwards_deadline(struct dns_server *s, uint64_t *deadline);
void dns_forwards_expire(struct dns_server *s, uint64_t now);
void dns_forwards_free_dead(struct dns_server *s);
