/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "error.h"
#include "etcfiles.h"

struct engine;
struct container;

/*
 * Networks as dockerd 20.10 shows them: the predefined "bridge", "host" and
 * "none" and user-defined bridge networks, one directory each:
 *
 *   <data-root>/networks/<id>/network.json   Docker's network object without
 *                                            Containers
 *
 * A running container's connections live in its sandbox: a network
 * namespace bound on <exec-root>/netns/<id> and the record
 * <exec-root>/netns/<id>.json of its endpoints (addresses, MACs, veths) and
 * published ports, from which a restarted daemon rebuilds the address
 * pools, the DNS entries and the nftables rules. The networks a container
 * is connected to, with their aliases and requested addresses, are kept in
 * its container.json ("Networks", Docker's EndpointSettings by network
 * name). Thread-safe.
 */
struct network_store;

/* Opens the store under the data root, creates the predefined networks
 * (keeping their IDs across restarts), and brings up the bridges of the
 * bridge networks. */
int network_store_open(struct engine *e, struct network_store **ret, struct error *err);
void network_store_free(struct network_store *s);

/* POST /networks/create: a request body as Docker's NetworkCreateRequest.
 * Returns {"Id", "Warning"} and sends the "create" event. Errors are
 * dockerd's: 409 for a duplicate name with CheckDuplicate, 403 for a
 * predefined name, 400 for invalid options or subnets. */
int network_create(struct engine *e, json_object *request, json_object **ret, struct error *err);

/* GET /networks/{id}: by full ID, name, or unique ID prefix. */
int network_inspect(struct engine *e, const char *ref, json_object **ret, struct error *err);

/* GET /networks with filters driver, id, label, name, scope, type and
 * dangling. */
int network_list(struct engine *e, json_object *filters, json_object **ret, struct error *err);

/* DELETE /networks/{id}: 403 for a predefined network and for one with
 * active endpoints, with dockerd's texts. */
int network_remove(struct engine *e, const char *ref, struct error *err);

/* POST /networks/prune: removes the user-defined networks without
 * endpoints or connected containers that match until and label filters.
 * Their names go into ret_deleted. */
int network_prune(struct engine *e, json_object *filters, json_object *ret_deleted, struct error *err);

/* Connects c to a network (POST /networks/{id}/connect): a stopped
 * container records it, a running one gets an interface at once. */
int network_connect(struct engine *e, const char *ref, struct container *c, json_object *endpoint_config,
                    struct error *err);

/* Disconnects c from a network (POST /networks/{id}/disconnect). */
int network_disconnect(struct engine *e, const char *ref, struct container *c, bool force, struct error *err);

/* ---- Containers (network-sandbox.c) ---- */

/* Fills c->networks at create from HostConfig.NetworkMode and the
 * request's NetworkingConfig.EndpointsConfig, as dockerd records them.
 * Checks "conflicting options" as dockerd does. Call before c is
 * published. */
int network_container_create(struct engine *e, struct container *c, json_object *request, struct error *err);

/* Builds the sandbox of c before its start: a network namespace with one
 * veth per bridge network, addresses, DNS and published ports. Nothing
 * for the host network; "none" gets a namespace with lo only.
 * Call with op_lock held and c->lock not held. */
int network_container_start(struct engine *e, struct container *c, struct error *err);

/* Completes the sandbox that network_container_start deferred for a
 * remapped container, once the runtime has created the container (pid is
 * its init, waiting to be started): binds its network namespace and adds
 * the endpoints, DNS and published ports. 0 when nothing was deferred.
 * Call with op_lock held and c->lock not held. */
int network_container_created(struct engine *e, struct container *c, pid_t pid, struct error *err);

/* Removes the sandbox of c (after it ended or failed to start): endpoints,
 * addresses, DNS, published ports and the namespace. */
void network_container_stop(struct engine *e, struct container *c);

/* The network namespace path of a running c for its OCI config, or NULL
 * when c gets a new namespace (newly allocated). */
char *network_container_netns_path(struct engine *e, struct container *c);

/* Rebuilds the sandbox state of c, running since before the daemon
 * started, from its record; removes the sandbox of a c that no longer
 * runs. */
void network_container_restore(struct engine *e, struct container *c);

/* Removes sandboxes of containers that do not exist and applies the
 * nftables rules once, after every container was restored. */
void network_restore_finish(struct engine *e);

/* NetworkSettings of c as dockerd shows it. Call with c->lock held. */
json_object *network_container_settings_json(struct engine *e, struct container *c);

/* Tells whether c is connected to the network ref (a name or ID), for
 * docker ps --filter network. Call with c->lock held. */
bool network_container_on(struct container *c, const char *ref);

/* Gives c's endpoints its new name (docker rename), which the embedded
 * DNS server then returns instead of the old one. name may start with "/". */
void network_container_renamed(struct engine *e, struct container *c, const char *name);

/* Docker's NetworkSettings.Networks name list of c ("bridge", "n1,n2"),
 * for docker ps. Call with c->lock held. */
char *network_container_names(struct container *c);

/* The facts of c's /etc files (etcfiles.h), with the storage they point
 * into: c's addresses, the embedded DNS server on user-defined networks,
 * and host-gateway as the default bridge's gateway. Valid while c->lock is
 * held and c->networks unchanged. */
struct network_etcfiles {
        struct etcfiles_network net;
        struct etcfiles_endpoint endpoints[16];
        char gateway[46];
        json_object *links_json;     /* the resolved links that links point into */
        struct etcfiles_link *links; /* legacy links on the default bridge */
};
int network_container_etcfiles(struct engine *e, struct container *c, struct network_etcfiles *ret);
void network_etcfiles_clear(struct network_etcfiles *etc);

/* Returns the environment variables of c's legacy links (NULL for none),
 * which its processes get after TERM, as dockerd sets them. */
char **network_container_link_env(struct engine *e, struct container *c);
