/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "etcfiles.h"

/* The DNS settings that apply to a container: its own (--dns,
 * --dns-search, --dns-option), else the daemon's. NULL fields are unset. */
struct etcfiles_dns {
        char *const *servers;
        char *const *search;
        char *const *options;
};

/* Builds the text of /etc/resolv.conf from the host's resolv.conf text
 * (NULL when unreadable). Without net, the host's nameservers minus
 * loopback ones are kept. With net, when no nameserver remains, dockerd's
 * public fallback servers are added. With net->embedded_dns, the file names
 * 127.0.0.11 and adds "ndots:0" unless an ndots option is set. Returns 0,
 * -ENOMEM, or -EINVAL with a message for an invalid ndots option. */
int etcfiles_resolv_text(const char *host_resolv, const struct etcfiles_dns *dns, const struct etcfiles_network *net,
                         char **ret, struct error *err);

/* Builds the text of /etc/hosts: base (Docker's default entries when NULL),
 * --add-host entries, links, then one entry per connected network. Returns
 * 0, -ENOMEM, or -EINVAL for a host-gateway entry without
 * net->host_gateway. */
int etcfiles_hosts_text(const char *hostname, const char *domainname, const char *base, json_object *extra_hosts,
                        const struct etcfiles_network *net, char **ret, struct error *err);

/* Returns the IPv4 nameservers the embedded DNS server forwards to: those of
 * dns->servers, else the host's, loopback ones included. */
int etcfiles_upstreams(const char *host_resolv, const struct etcfiles_dns *dns, char ***ret);
