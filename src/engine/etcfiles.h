/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

#include "error.h"

struct daemon_config;
struct container;

/* One network the container is connected to, for its /etc/hosts. */
struct etcfiles_endpoint {
        const char *address;  /* IPv4 address without prefix, or NULL */
        const char *address6; /* global IPv6 address without prefix, or NULL */
};

/* A legacy link (--link NAME:ALIAS) of a container on the default bridge. */
struct etcfiles_link {
        const char *alias;    /* ALIAS, or NAME when none was given */
        const char *name;     /* the linked container's name, without "/" */
        const char *hostname; /* its Config.Hostname */
        const char *address;  /* its IPv4 address on the default bridge */
        json_object *env;     /* its Config.Env, an array of "K=V", or NULL */
        json_object *exposed; /* its Config.ExposedPorts, or NULL */
};

/* The network facts of a container that its /etc files contain. */
struct etcfiles_network {
        const struct etcfiles_endpoint *endpoints; /* in connection order */
        size_t n_endpoints;
        const struct etcfiles_link *links;
        size_t n_links;
        /* The address that --add-host NAME:host-gateway stands for: the
         * daemon's --host-gateway-ip, else the default bridge's gateway.
         * With NULL such an entry fails the write, as in dockerd. */
        const char *host_gateway;
        /* The container is on a user-defined network, so its resolv.conf
         * names the embedded DNS server, 127.0.0.11. */
        bool embedded_dns;
};

/* Writes the container's hostname, hosts and resolv.conf into its data
 * directory (dirfd), as dockerd generates them. On the host network, hosts
 * is the host's own /etc/hosts, otherwise Docker's localhost entries. The
 * resolv.conf nameservers are the container's --dns, else the daemon's
 * "dns", else the host's nameservers minus loopback ones, which a container
 * cannot reach. Call with c->lock held. */
int etcfiles_write(const struct daemon_config *config, struct container *c, int dirfd, struct error *err);

/* Like etcfiles_write for a container with networks: hosts also gets the
 * container's addresses, its links and host-gateway, and resolv.conf
 * names the embedded DNS server when net->embedded_dns. When no nameserver
 * is left for a bridge network, resolv.conf gets dockerd's fallback, the
 * public 8.8.8.8 and 8.8.4.4. net NULL is etcfiles_write. */
int etcfiles_write_network(const struct daemon_config *config, struct container *c, int dirfd,
                           const struct etcfiles_network *net, struct error *err);

/* Rewrites the hosts file of a running container after a network connect
 * or disconnect. The file is bind-mounted into the container, so its
 * contents are replaced in place, keeping the inode. Call with c->lock
 * held.
 * NOTE: dockerd 20.10.24 keeps the line of a disconnected network; this
 * writes a line for each endpoint of net only. */
int etcfiles_update_hosts(struct container *c, int dirfd, const struct etcfiles_network *net, struct error *err);

/* Rewrites the resolv.conf of a running container in place, as
 * etcfiles_update_hosts does, after a network connect or disconnect
 * changed whether it uses the embedded DNS server. Call with c->lock held. */
int etcfiles_update_resolv(const struct daemon_config *config, struct container *c, int dirfd,
                           const struct etcfiles_network *net, struct error *err);

/* Returns the IPv4 nameservers that the embedded DNS server forwards to for
 * the container: its --dns, else the daemon's "dns", else the host's
 * nameservers. Loopback ones are included because the DNS server runs in
 * the daemon's namespace. The vector is empty when there are none. */
int etcfiles_dns_upstreams(const struct daemon_config *config, struct container *c, char ***ret);

/* Appends the environment variables of legacy links to *env, as dockerd
 * sets them: ALIAS_NAME, ALIAS_PORT, ALIAS_PORT_80_TCP (with _ADDR, _PORT
 * and _PROTO) and ALIAS_ENV_* for each linked container. own_name is the
 * linking container's name without "/". dockerd puts them before
 * Config.Env, whose entries override them. */
int etcfiles_link_env(const char *own_name, const struct etcfiles_link *links, size_t n_links, char ***env);
