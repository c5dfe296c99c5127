/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

struct daemon_config;
struct container;

/* Writes the container's hostname, hosts and resolv.conf into its data
 * directory (dirfd), as dockerd generates them. On the host network, hosts
 * is the host's own /etc/hosts, otherwise Docker's localhost entries.
 * resolv.conf lists the daemon's "dns" servers when configured, else the
 * host's nameservers minus loopback ones, which a container cannot reach.
 * Call with c->lock held. */
int etcfiles_write(const struct daemon_config *config, struct container *c, int dirfd, struct error *err);
