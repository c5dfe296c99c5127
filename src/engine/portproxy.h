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

/* Connections relayed at once per port. Further clients are reset. */
#define PORTPROXY_CONNECTIONS_MAX 1024

/* Makes fd, a bound TCP socket that the caller keeps owning, listen, and
 * relays every connection it accepts to target. label names the port in
 * log messages ("[::]:8080/tcp"). Adding an fd that is already proxied
 * does nothing. Returns 0 or a negative errno. */
int portproxy_add(int fd, const struct sockaddr_in *target, const char *label);

/* Stops proxying fd: resets its open connections and closes their
 * sockets before returning, but leaves fd itself open. An fd that is not
 * proxied is ignored. */
void portproxy_remove(int fd);
