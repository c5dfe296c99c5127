/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <sys/types.h>

#include "error.h"

struct engine;
struct container;

/*
 * The namespaces a container shares with the host or with another
 * container (IpcMode and PidMode "container:X", IpcMode "host" and
 * "shareable"), and the /dev/shm that goes with its IPC namespace. With
 * --userns-remap, a container that joins the network, IPC or PID
 * namespace of another one also joins its user namespace, as with dockerd.
 *
 * As with dockerd, a container with IpcMode "shareable" gets a tmpfs on the
 * host at <data-root>/containers/<id>/mounts/shm while it runs, bound on its
 * /dev/shm, so that the containers joining its IPC namespace bind the same.
 */

/* The namespaces and the /dev/shm one start shares, found before the
 * config is built. */
struct namespace_shares {
        pid_t ipc_pid;    /* the process whose IPC namespace to join, 0 for none */
        pid_t pid_pid;    /* the process whose PID namespace to join, 0 for none */
        pid_t user_pid;   /* the process whose user namespace to join, 0 for none */
        char *shm_source; /* host directory to bind on /dev/shm, or NULL */
        char *net_path;   /* the network namespace to join (network.h), or NULL for a new one */
};

/* Looks up the X of IpcMode and PidMode "container:X" at create and
 * stores its full ID in hc, as dockerd does. A missing X is "No such
 * container: X" (-EINVAL). */
int namespace_modes_resolve_donors(struct engine *e, json_object *hc, struct error *err);

/* Finds what a start of c shares: the running containers it joins and the
 * source of its /dev/shm, mounting the tmpfs of a shareable container.
 * Call without c->lock held: it locks the containers it joins. */
int namespace_shares_prepare(struct engine *e, struct container *c, struct namespace_shares *ret, struct error *err);

void namespace_shares_clear(struct namespace_shares *s);

/* Unmounts the shareable /dev/shm of c, if it has one mounted; for when c
 * ends, fails to start, or is removed. */
void namespace_shares_release(struct engine *e, struct container *c);
