/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "link.h"
#include "error.h"

/*
 * The embedded DNS server that containers on user-defined networks reach at
 * 127.0.0.11:53, as Docker's: container names and aliases come from the
 * engine, other names go to upstream resolvers.
 */

/* DNS wire format (RFC 1035): parse a query, build responses. Pure code. */

#define DNS_TTL           600  /* seconds, as Docker's resolver */
#define DNS_UDP_MAX_SIZE  512  /* bytes of a UDP message without EDNS0 */
#define DNS_EDNS_UDP_SIZE 1232 /* the UDP size this server advertises, the DNS Flag Day 2020 value */
#define DNS_TCP_MAX_SIZE  65535
#define DNS_HEADER_SIZE   12

#define DNS_TYPE_A    1
#define DNS_TYPE_PTR  12
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT  41
#define DNS_CLASS_IN  1

#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5

/* Header flag bits, in host byte order of the 16-bit flags field. */
#define DNS_FLAG_QR     0x8000 /* response */
#define DNS_FLAG_AA     0x0400 /* authoritative answer */
#define DNS_FLAG_TC     0x0200 /* truncated */
#define DNS_FLAG_RD     0x0100 /* recursion desired */
#define DNS_FLAG_RA     0x0080 /* recursion available */
#define DNS_OPCODE_MASK 0x7800

struct dns_query {
        uint16_t id;
        uint16_t flags;
        char name[256]; /* lower-case, no trailing dot; "" for the root */
        uint16_t qtype, qclass;
        size_t question_end;    /* offset just after the question section */
        uint16_t edns_udp_size; /* from an EDNS0 OPT record, at least 512; 0 without one */
};

/* Parses a standard query with exactly one question. Returns 0, or -EBADMSG
 * on anything malformed: short header, a response, QDCOUNT != 1, a bad label,
 * a name longer than 255 bytes, a compression pointer in the question
 * (queries have no earlier name to point to, so they are rejected rather than
 * followed), or a cut additional record. */
int dns_query_parse(const uint8_t *buf, size_t len, struct dns_query *ret);

/* Picks the reply to a message that dns_query_parse rejected: NOTIMP for
 * another opcode than QUERY, FORMERR when QDCOUNT, ANCOUNT or NSCOUNT is
 * wrong. Returns -EBADMSG when no reply is due: a short header, a response
 * (so two servers cannot bounce errors), or a bad question section. */
int dns_query_error_rcode(const uint8_t *buf, size_t len);

/* Each builder below writes a response to q (whose raw bytes are query) into
 * buf of size bytes, copying the question, and returns its length. Records
 * that do not fit in size are left out and the TC bit is set. When q has an
 * OPT record the response ends with one too, advertising
 * DNS_EDNS_UDP_SIZE. They return -EMSGSIZE when not even the header, the
 * question and that OPT record fit. */

/* A or AAAA records for q's name with the addresses of q's type (others are
 * skipped); n == 0 gives a NOERROR response with no answers. */
int dns_response_addrs(const uint8_t *query, const struct dns_query *q, const struct netns_addr *addrs, size_t n,
                       uint8_t *buf, size_t size);

/* One PTR record for q's name pointing to target (without trailing dot). */
int dns_response_ptr(const uint8_t *query, const struct dns_query *q, const char *target, uint8_t *buf, size_t size);

/* A response with no answers and the given rcode (NXDOMAIN, SERVFAIL...). */
int dns_response_rcode(const uint8_t *query, const struct dns_query *q, int rcode, uint8_t *buf, size_t size);

/* A header-only response with rcode (FORMERR, NOTIMP) to a message that
 * did not parse, with its ID, opcode and RD bit. Returns the length, or
 * -EBADMSG when query or buf is shorter than a header. */
int dns_response_error(const uint8_t *query, size_t len, int rcode, uint8_t *buf, size_t size);

/* Converts a reverse name ("4.3.2.1.in-addr.arpa" or the 32 nibbles of
 * ip6.arpa, lower-case, no trailing dot) to its address. Returns 0, or
 * -EINVAL when name is not a full reverse name of one address. */
int dns_ptr_name_to_addr(const char *name, struct netns_addr *ret);

/* The resolver service. */

struct dns_server;

struct dns_lookup_ops {
        /* Fills up to max addresses of `family` that `name` has for the
         * container `sandbox` (the key given to dns_server_add): container
         * names, network aliases, short IDs on networks it shares.
         * Returns the count, 0 when unknown. Called from the server thread. */
        int (*lookup)(void *userdata, const char *sandbox, const char *name, int family, struct netns_addr *addrs,
                      size_t max);
        /* Reverse: name of the container with this address on a network
         * the sandbox shares, written to buf; 0 when found, a negative
         * errno (-ENOENT) otherwise. Called from the server thread. */
        int (*reverse)(void *userdata, const char *sandbox, const struct netns_addr *addr, char *buf, size_t len);
};

/* Counters of the server thread, for logs and tests. */
struct dns_server_stats {
        uint64_t queries;      /* queries parsed, UDP and TCP */
        uint64_t malformed;    /* messages dropped or replied to with FORMERR or NOTIMP */
        uint64_t local;        /* answered from the lookup callbacks */
        uint64_t forwarded;    /* relayed from an upstream */
        uint64_t failed;       /* answered SERVFAIL */
        uint64_t tcp_rejected; /* TCP connections closed at the limit */
        uint64_t errors;       /* socket errors the thread survived */
};

/* Creates the server and starts its thread, with no sandbox yet. ops and
 * userdata must outlive the server. dns_server_add, dns_server_remove,
 * dns_server_get_stats and dns_server_free wait for the server thread, which
 * may be inside a lookup callback, so callers must not hold a lock that the
 * callbacks take. */
int dns_server_new(const struct dns_lookup_ops *ops, void *userdata, struct dns_server **ret, struct error *err);

/* Starts serving 127.0.0.11:53 (UDP and TCP) inside network namespace ns_fd
 * for the container `sandbox`. Names the lookup does not resolve are
 * forwarded to upstreams, tried in order, given as "IP", "IP:port" or
 * "[IPv6]:port". The caller keeps ns_fd. Returns -EEXIST when sandbox is
 * already served, or -EINVAL on an invalid upstream. Upstreams beyond
 * DNS_SERVER_MAX_UPSTREAMS are ignored, with a warning in the log. */
#define DNS_SERVER_MAX_UPSTREAMS 8
int dns_server_add(struct dns_server *s, const char *sandbox, int ns_fd, const char *const *upstreams, size_t n,
                   struct error *err);

/* Stops serving sandbox and closes its sockets before returning. Returns
 * -ENOENT when it is not served. */
int dns_server_remove(struct dns_server *s, const char *sandbox);

void dns_server_get_stats(struct dns_server *s, struct dns_server_stats *ret);

/* Stops the thread and closes every socket. Accepts NULL. */
void dns_server_free(struct dns_server *s);
