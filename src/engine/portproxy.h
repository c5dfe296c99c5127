/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <netinet/in.h>

/*
 * The userland proxy of published ports. The kernel's DNAT cannot send a
 * connection to an IPv6 address on to a container that has only IPv4, so
 * the daemon relays those connections itself, as dockerd 20.10 does with
 * docker-proxy. One thread serves every proxied port with epoll. It is
 * started by the first portproxy_add and lives as long as the daemon.
 * Sockets it opens towards containers belong to the network namespace of
 * the thread that made that first call.
 */

/* Connections relayed at once per TCP port, and client addresses served
 * at once per UDP port. Further TCP clients are reset, and datagrams of
 * further UDP clients are dropped. */
#define PORTPROXY_CONNECTIONS_MAX 1024

/* How long a UDP client's flow lives without a datagram in either
 * direction: 90 s, as in docker-proxy of dockerd 20.10. */
#define PORTPROXY_UDP_TIMEOUT_MS (90 * 1000)

/* Relays the traffic that fd, a bound socket that the caller keeps
 * owning, receives to target. protocol is IPPROTO_TCP, for which fd is
 * made to listen and each connection it accepts is relayed, or
 * IPPROTO_UDP, for which each client address gets its own flow towards
 * target. label names the port in log messages ("[::]:8080/tcp").
 * Adding an fd that is already proxied does nothing. Returns 0 or a
 * negative errno (-EPROTONOSUPPORT for another protocol). */
int portproxy_add(int fd, int protocol, const struct sockaddr_in *target, const char *label);

/* Stops proxying fd: resets its open connections, closes their sockets
 * and those of its UDP flows before returning, but leaves fd itself
 * open. An fd that is not proxied is ignored. */
void portproxy_remove(int fd);
