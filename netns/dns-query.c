/* SPDX-License-Identifier: Apache-2.0 */
/* Replies to queries from the lookup callbacks, or hands them to forwarding. */
#include <arpa/inet.h>

#include "dns-server-internal.h"
#include "log.h"

size_t dns_client_max_size(const struct dns_client *client, const struct dns_query *q)
{
        if (client->conn)
                return DNS_TCP_MAX_SIZE;
        return q->edns_udp_size ? q->edns_udp_size : DNS_UDP_MAX_SIZE;
}

void dns_client_reply(struct dns_server *s, const struct dns_client *client, const uint8_t *msg, size_t len)
{
        if (client->conn) {
                dns_tcp_conn_reply(s, client->conn, msg, len);
                return;
        }

        if (sendto(client->sandbox->udp_fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *)&client->peer,
                   client->peer_len) < 0) {
                s->stats.errors++;
                log_debug_errno(-errno, "DNS server: failed to send a UDP reply for %s: %m", client->sandbox->key);
        }
}

static void reply_rcode(struct dns_server *s, const struct dns_client *client, const uint8_t *query,
                        const struct dns_query *q, int rcode)
{
        uint8_t buf[DNS_UDP_MAX_SIZE];
        int len;

        len = dns_response_rcode(query, q, rcode, buf, sizeof(buf));
        if (len > 0)
                dns_client_reply(s, client, buf, (size_t)len);
}

/* Rotates addrs left by offset. One counter serves all names, so the
 * queries of one name alone start with each container in turn. */
static void rotate_addrs(struct netns_addr *addrs, size_t n, unsigned offset)
{
        struct netns_addr tmp[DNS_MAX_ADDRS];
        size_t k;

        if (n < 2)
                return;
        k = offset % n;
        memcpy(tmp, addrs, n * sizeof(*addrs));
        for (size_t i = 0; i < n; i++)
                addrs[i] = tmp[(i + k) % n];
}

static int lookup(struct dns_server *s, const struct dns_client *client, const char *name, int family,
                  struct netns_addr *addrs)
{
        int n = s->ops->lookup(s->userdata, client->sandbox->key, name, family, addrs, DNS_MAX_ADDRS);

        return n < 0 ? 0 : MIN(n, DNS_MAX_ADDRS);
}

/* Replies to q from the lookup callbacks. Returns false when they do not
 * resolve the name, so the query is forwarded. */
static bool answer_locally(struct dns_server *s, const struct dns_client *client, const uint8_t *query,
                           const struct dns_query *q)
{
        struct netns_addr addrs[DNS_MAX_ADDRS];
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = dns_client_max_size(client, q);
        int n, len = -1;

        if (q->qclass != DNS_CLASS_IN || q->name[0] == '\0')
                return false;

        buf = malloc(size);
        if (!buf)
                return false;

        if (q->qtype == DNS_TYPE_PTR) {
                struct netns_addr addr;
                char target[256];

                if (dns_ptr_name_to_addr(q->name, &addr) < 0 || !s->ops->reverse ||
                    s->ops->reverse(s->userdata, client->sandbox->key, &addr, target, sizeof(target)) < 0)
                        return false;
                target[sizeof(target) - 1] = '\0';
                len = dns_response_ptr(query, q, target, buf, size);
                if (len < 0)
                        log_warn("DNS server: invalid name \"%s\" for the address in %s", target, q->name);
        } else if (q->qtype == DNS_TYPE_A || q->qtype == DNS_TYPE_AAAA) {
                int family = q->qtype == DNS_TYPE_A ? AF_INET : AF_INET6;

                n = lookup(s, client, q->name, family, addrs);
                if (n > 0) {
                        if (n > 1)
                                rotate_addrs(addrs, (size_t)n, s->rotation++);
                        len = dns_response_addrs(query, q, addrs, (size_t)n, buf, size);
                } else if (lookup(s, client, q->name, family == AF_INET ? AF_INET6 : AF_INET, addrs) > 0) {
                        /* The container exists without an address of this
                         * family: an empty NOERROR. Docker replies so to
                         * AAAA but forwards A of an IPv6-only container. */
                        len = dns_response_addrs(query, q, NULL, 0, buf, size);
                }
        } else if (lookup(s, client, q->name, AF_INET, addrs) > 0 || lookup(s, client, q->name, AF_INET6, addrs) > 0) {
                /* Docker replies an empty NOERROR to MX queries of container
                 * names, as here. NOTE: it forwards TXT, CNAME and other
                 * types even for container names, but here they get an
                 * empty NOERROR too, so no container name leaves the host. */
                len = dns_response_addrs(query, q, NULL, 0, buf, size);
        }

        if (len < 0)
                return false;
        s->stats.local++;
        dns_client_reply(s, client, buf, (size_t)len);
        return true;
}

bool dns_handle_query(struct dns_server *s, const struct dns_client *client, const uint8_t *buf, size_t len)
{
        struct dns_query q;
        int r;

        r = dns_query_parse(buf, len, &q);
        if (r < 0) {
                uint8_t reply[DNS_HEADER_SIZE];
                int rcode = dns_query_error_rcode(buf, len);

                s->stats.malformed++;
                if (rcode < 0 || dns_response_error(buf, len, rcode, reply, sizeof(reply)) < 0)
                        return false;
                dns_client_reply(s, client, reply, sizeof(reply));
                return true;
        }
        s->stats.queries++;

        if (answer_locally(s, client, buf, &q))
                return true;

        if (client->sandbox->n_upstreams == 0) {
                /* Docker replies SERVFAIL when no upstream replies either. */
                s->stats.failed++;
                reply_rcode(s, client, buf, &q, DNS_RCODE_SERVFAIL);
                return true;
        }
        if (client->sandbox->n_forwards >= DNS_MAX_FORWARDS) {
                s->stats.failed++;
                reply_rcode(s, client, buf, &q, DNS_RCODE_REFUSED);
                return true;
        }
        dns_forward_start(s, client, buf, len, &q);
        return true;
}

void dns_udp_receive(struct dns_server *s, struct dns_sandbox *sb)
{
        uint8_t buf[DNS_TCP_MAX_SIZE];

        /* A bounded batch, so one busy sandbox cannot starve the others. */
        for (int i = 0; i < 32; i++) {
                struct dns_client client = { .sandbox = sb, .peer_len = sizeof(client.peer) };
                ssize_t n;

                n = recvfrom(sb->udp_fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&client.peer,
                             &client.peer_len);
                if (n < 0) {
                        if (errno != EAGAIN && errno != EINTR) {
                                s->stats.errors++;
                                log_debug_errno(-errno, "DNS server: failed to receive on UDP for %s: %m", sb->key);
                        }
                        return;
                }
                dns_handle_query(s, &client, buf, (size_t)n);
                if (sb->udp_handle.dead)
                        return;
        }
}
