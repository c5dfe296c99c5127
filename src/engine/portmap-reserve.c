/* SPDX-License-Identifier: Apache-2.0 */
/* Host port reservation: the sockets that hold published ports, and the
 * daemon-wide table of those ports. The table separates a port taken by
 * another container from a port taken by another program, because dockerd
 * reports the two with different messages. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>

#include "fsutil.h"
#include "portmap-internal.h"
#include "portproxy.h"

/* dockerd's fallback when ip_local_port_range cannot be read. */
#define EPHEMERAL_FIRST_DEFAULT 49153
#define EPHEMERAL_LAST_DEFAULT  65535

struct held_port {
        int protocol;
        int family;
        union portmap_addr addr;
        uint16_t port;
};

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static struct held_port *held;
static size_t n_held;
/* The last ephemeral port handed out per protocol and address (port is the
 * cursor). The next search starts after it, as in dockerd's allocator, so
 * a released port is not reused at once. */
static struct held_port *cursors;
static size_t n_cursors;

static bool held_find(int protocol, int family, const union portmap_addr *addr, uint16_t port, size_t *ret_index)
{
        for (size_t i = 0; i < n_held; i++) {
                if (held[i].protocol == protocol && held[i].family == family && held[i].port == port &&
                    memcmp(&held[i].addr, addr, sizeof(*addr)) == 0) {
                        if (ret_index)
                                *ret_index = i;
                        return true;
                }
        }
        return false;
}

static int held_add(int protocol, int family, const union portmap_addr *addr, uint16_t port)
{
        struct held_port *grown = reallocarray(held, n_held + 1, sizeof(*held));

        if (!grown)
                return -ENOMEM;
        held = grown;
        held[n_held++] = (struct held_port){ .protocol = protocol, .family = family, .addr = *addr, .port = port };
        return 0;
}

static void held_remove(int protocol, int family, const union portmap_addr *addr, uint16_t port)
{
        size_t i;

        if (held_find(protocol, family, addr, port, &i))
                held[i] = held[--n_held];
}

/* Returns the ephemeral cursor of a protocol and address, creating it. */
static uint16_t *find_cursor(int protocol, int family, const union portmap_addr *addr)
{
        struct held_port *grown;

        for (size_t i = 0; i < n_cursors; i++)
                if (cursors[i].protocol == protocol && cursors[i].family == family &&
                    memcmp(&cursors[i].addr, addr, sizeof(*addr)) == 0)
                        return &cursors[i].port;
        grown = reallocarray(cursors, n_cursors + 1, sizeof(*cursors));
        if (!grown)
                return NULL;
        cursors = grown;
        cursors[n_cursors] = (struct held_port){ .protocol = protocol, .family = family, .addr = *addr };
        return &cursors[n_cursors++].port;
}

/* The address a binding reserves in family: its HostIp, or any. */
static union portmap_addr family_addr(const struct portmap_binding *b, int family)
{
        union portmap_addr addr = { 0 };

        if (b->host_family == family)
                addr = b->host_addr;
        return addr;
}

static const char *protocol_name(int protocol)
{
        if (protocol == IPPROTO_UDP)
                return "udp";
        if (protocol == IPPROTO_SCTP)
                return "sctp";
        return "tcp";
}

/* Formats "0.0.0.0:80" or "[::]:80" as Go's net.JoinHostPort does; with
 * bare, "::" as dockerd's allocator prints it, ":::80". */
static void format_endpoint(char *buf, size_t size, int family, const union portmap_addr *addr, uint16_t port,
                            bool bare)
{
        char text[INET6_ADDRSTRLEN];

        inet_ntop(family, addr, text, sizeof(text));
        if (family == AF_INET6 && !bare)
                snprintf(buf, size, "[%s]:%u", text, port);
        else
                snprintf(buf, size, "%s:%u", text, port);
}

/* Opens a socket bound to addr:port. IPv4 stream sockets also listen.
 * IPv6 ones listen only once the userland proxy serves them
 * (portmap_proxy_start), for a container without IPv6. For a container
 * with IPv6 the nftables rules take the connections before they reach
 * the socket. UDP sockets keep SO_REUSEADDR off, because two bound
 * sockets that both set it may share a port.
 * NOTE: for the same reason, another program that sets SO_REUSEADDR can
 * bind the IPv6 TCP port while it is only reserved, that is while its
 * container has an IPv6 address.
 * Returns the fd or a negative errno.
 * NOTE: SCTP needs the kernel's sctp module; without it the start fails
 * with "protocol not supported", as with dockerd. */
static int bind_socket(int protocol, int family, const union portmap_addr *addr, uint16_t port)
{
        _cleanup_close_ int fd = -1;
        struct sockaddr_storage sa = { 0 };
        socklen_t len;
        int type = protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
        bool listens = type == SOCK_STREAM && family == AF_INET;
        int one = 1;

        fd = socket(family, type | SOCK_CLOEXEC, protocol);
        if (fd < 0)
                return -errno;
        /* A connection that the listener accepted before the nftables rules
         * were in place, or that the userland proxy closed first, can leave
         * the port in TIME_WAIT, which must not block the next reservation.
         * The IPv6 stream socket may become the proxy's listener, so it
         * sets the option too. */
        if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return -errno;
        /* The IPv6 socket leaves IPv4 to its own socket. */
        if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
                return -errno;
        if (family == AF_INET) {
                struct sockaddr_in *in = (struct sockaddr_in *)&sa;

                in->sin_family = AF_INET;
                in->sin_addr = addr->v4;
                in->sin_port = htons(port);
                len = sizeof(*in);
        } else {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

                in6->sin6_family = AF_INET6;
                in6->sin6_addr = addr->v6;
                in6->sin6_port = htons(port);
                len = sizeof(*in6);
        }
        if (bind(fd, (struct sockaddr *)&sa, len) < 0)
                return -errno;
        if (listens && listen(fd, 1) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* Whether the daemon's namespace can bind IPv6 sockets at all. dockerd
 * 20.10 publishes a port without HostIp on :: too when it can. */
static bool ipv6_available(void)
{
        _cleanup_close_ int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

        if (fd < 0)
                return false;
        /* Port 0 binds any free port. The ::1 address is missing when IPv6
         * is disabled by sysctl. */
        return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
}

enum reserve_result {
        RESERVED,
        HELD_BY_DAEMON, /* another container of this daemon holds it */
        BIND_FAILED,    /* the kernel refused the bind, errno in *ret_error */
};

/* Tries to hold port in every family of b, all or none. On failure,
 * *ret_family is the family that failed. */
static enum reserve_result try_port(struct portmap_binding *b, uint16_t port, bool want_v4, bool want_v6,
                                    int *ret_family, int *ret_error)
{
        union portmap_addr a4 = family_addr(b, AF_INET), a6 = family_addr(b, AF_INET6);
        int fd4 = -1, fd6 = -1;

        *ret_family = AF_INET;
        if (want_v4 && held_find(b->protocol, AF_INET, &a4, port, NULL))
                return HELD_BY_DAEMON;
        *ret_family = AF_INET6;
        if (want_v6 && held_find(b->protocol, AF_INET6, &a6, port, NULL))
                return HELD_BY_DAEMON;
        *ret_family = want_v4 ? AF_INET : AF_INET6;
        if (want_v4) {
                fd4 = bind_socket(b->protocol, AF_INET, &a4, port);
                if (fd4 < 0) {
                        *ret_error = -fd4;
                        return BIND_FAILED;
                }
        }
        if (want_v6) {
                fd6 = bind_socket(b->protocol, AF_INET6, &a6, port);
                if (fd6 < 0) {
                        *ret_family = AF_INET6;
                        *ret_error = -fd6;
                        if (fd4 >= 0)
                                close(fd4);
                        return BIND_FAILED;
                }
        }
        if ((want_v4 && held_add(b->protocol, AF_INET, &a4, port) < 0) ||
            (want_v6 && held_add(b->protocol, AF_INET6, &a6, port) < 0)) {
                if (want_v4)
                        held_remove(b->protocol, AF_INET, &a4, port);
                if (fd4 >= 0)
                        close(fd4);
                if (fd6 >= 0)
                        close(fd6);
                *ret_error = ENOMEM;
                return BIND_FAILED;
        }
        b->fd4 = fd4;
        b->fd6 = fd6;
        b->host_port = port;
        return RESERVED;
}

static void read_ephemeral_range(uint16_t *ret_first, uint16_t *ret_last)
{
        _cleanup_free_ char *text = NULL;
        unsigned first, last;

        *ret_first = EPHEMERAL_FIRST_DEFAULT;
        *ret_last = EPHEMERAL_LAST_DEFAULT;
        if (fs_read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_local_port_range", 64, &text, NULL) < 0)
                return;
        if (sscanf(text, "%u %u", &first, &last) == 2 && first > 0 && first <= last && last <= UINT16_MAX) {
                *ret_first = (uint16_t)first;
                *ret_last = (uint16_t)last;
        }
}

static int fail_taken(struct portmap_binding *b, enum reserve_result result, int family, int error, uint16_t port,
                      const char *endpoint_name, const char *endpoint_id, struct error *err)
{
        union portmap_addr addr = family_addr(b, family);
        char where[INET6_ADDRSTRLEN + 16];

        if (result == HELD_BY_DAEMON) {
                format_endpoint(where, sizeof(where), family, &addr, port, true);
                return error_set(err, -EADDRINUSE,
                                 "driver failed programming external connectivity on endpoint %s (%s): "
                                 "Bind for %s failed: port is already allocated",
                                 endpoint_name, endpoint_id, where);
        }
        /* dockerd's proxy cannot open an SCTP socket without the kernel's
         * sctp module either, and its message names no address. */
        if (error == EPROTONOSUPPORT)
                return error_set(err, -error,
                                 "driver failed programming external connectivity on endpoint %s (%s): "
                                 "Error starting userland proxy: protocol not supported",
                                 endpoint_name, endpoint_id);
        format_endpoint(where, sizeof(where), family, &addr, port, false);
        return error_set(err, -error,
                         "driver failed programming external connectivity on endpoint %s (%s): "
                         "Error starting userland proxy: listen %s%c %s: bind: %s",
                         endpoint_name, endpoint_id, protocol_name(b->protocol), family == AF_INET ? '4' : '6', where,
                         error == EADDRINUSE ? "address already in use" : strerror(error));
}

/* Reserves one port among first..last, starting after *cursor when given. */
static int reserve_in_range(struct portmap_binding *b, uint16_t first, uint16_t last, uint16_t *cursor, bool want_v4,
                            bool want_v6, const char *endpoint_name, const char *endpoint_id, struct error *err)
{
        uint32_t count = (uint32_t)last - first + 1;
        uint32_t start = cursor && *cursor >= first && *cursor < last ? (uint32_t)(*cursor - first + 1) : 0;

        for (uint32_t i = 0; i < count; i++) {
                uint16_t port = (uint16_t)(first + (start + i) % count);
                int family, error = 0;
                enum reserve_result result = try_port(b, port, want_v4, want_v6, &family, &error);

                if (result == RESERVED) {
                        if (cursor)
                                *cursor = port;
                        return 0;
                }
                /* Only a port in use sends the search on to the next one. */
                if (result == BIND_FAILED && error != EADDRINUSE)
                        return fail_taken(b, result, family, error, port, endpoint_name, endpoint_id, err);
        }
        return error_set(err, -EADDRINUSE,
                         "driver failed programming external connectivity on endpoint %s (%s): "
                         "all ports are allocated",
                         endpoint_name, endpoint_id);
}

int portmap_reserve(struct portmap_binding *b, const char *endpoint_name, const char *endpoint_id, struct error *err)
{
        bool want_v4 = b->host_family != AF_INET6;
        bool want_v6 = b->host_family == AF_INET6 || (b->host_family == AF_UNSPEC && ipv6_available());
        int r;

        portmap_unreserve(b);
        pthread_mutex_lock(&held_lock);
        if (b->host_port != 0 || (b->range_first != 0 && b->range_first == b->range_last)) {
                uint16_t port = b->host_port != 0 ? b->host_port : b->range_first;
                int family, error = 0;
                enum reserve_result result = try_port(b, port, want_v4, want_v6, &family, &error);

                r = result == RESERVED ? 0
                                       : fail_taken(b, result, family, error, port, endpoint_name, endpoint_id, err);
        } else if (b->range_first != 0) {
                r = reserve_in_range(b, b->range_first, b->range_last, NULL, want_v4, want_v6, endpoint_name,
                                     endpoint_id, err);
        } else {
                int family = want_v4 ? AF_INET : AF_INET6;
                union portmap_addr addr = family_addr(b, family);
                uint16_t first, last, *cursor = find_cursor(b->protocol, family, &addr);

                read_ephemeral_range(&first, &last);
                r = cursor ? reserve_in_range(b, first, last, cursor, want_v4, want_v6, endpoint_name, endpoint_id, err)
                           : -ENOMEM;
        }
        pthread_mutex_unlock(&held_lock);
        return r;
}

void portmap_unreserve(struct portmap_binding *b)
{
        union portmap_addr a4 = family_addr(b, AF_INET), a6 = family_addr(b, AF_INET6);

        if (b->fd4 < 0 && b->fd6 < 0)
                return;
        pthread_mutex_lock(&held_lock);
        if (b->fd4 >= 0)
                held_remove(b->protocol, AF_INET, &a4, b->host_port);
        if (b->fd6 >= 0)
                held_remove(b->protocol, AF_INET6, &a6, b->host_port);
        pthread_mutex_unlock(&held_lock);
        if (b->fd4 >= 0)
                close(b->fd4);
        if (b->fd6 >= 0) {
                portproxy_remove(b->fd6);
                close(b->fd6);
        }
        b->fd4 = b->fd6 = -1;
}
