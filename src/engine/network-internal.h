/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>
#include <stdint.h>

#include "idutil.h"
#include "ipam.h"
#include "network.h"

struct container;

struct dns_server;
struct portmap;

/* Shared between the network store's source files only. */

/* The length of a JSON array, 0 for NULL or another type. */
static inline size_t json_array_count(json_object *array)
{
        return json_object_is_type(array, json_type_array) ? json_object_array_length(array) : 0;
}

/* A running container's interface on a network. */
struct network_endpoint {
        char container_id[ID_LENGTH + 1];
        char *container_name; /* without "/" */
        char endpoint_id[ID_LENGTH + 1];
        uint8_t mac[6];
        struct netns_addr v4, v6; /* family 0 when absent */
        char **aliases;           /* DNS names besides the container's name */
        char ifname[16];          /* inside the container: eth0, eth1, ... */
        char host_ifname[16];     /* the host end of the veth */
};

struct network {
        char id[ID_LENGTH + 1];
        json_object *object; /* Docker's network object without Containers */
        const char *name;    /* points into object */
        const char *driver;  /* bridge, host or null */
        int64_t created_ns;
        bool predefined; /* bridge, host, none */
        bool internal;
        bool enable_ipv6;
        bool icc, masquerade;
        char bridge[16]; /* the bridge interface name */
        unsigned mtu;
        struct netns_addr gateway4, gateway6; /* family 0 when none */
        struct ipam_pool pool4, pool6;        /* subnet family 0 when none */
        bool bridge_up;
        struct network_endpoint **endpoints;
        size_t n_endpoints;
};

/* A running container's network namespace and published ports. */
struct sandbox {
        char container_id[ID_LENGTH + 1];
        char sandbox_id[ID_LENGTH + 1];
        char *path; /* the bound namespace, <exec-root>/netns/<id> */
        struct portmap *ports;
        bool dns;              /* registered with the DNS server */
        json_object *links;    /* resolved --link targets (network-links.c), or NULL */
        char **link_env;       /* the variables of the links on the default bridge */
        unsigned next_ifindex; /* N of the next ethN */
        /* The container's runtime creates the namespace, inside the
         * container's user namespace, and network_container_created binds
         * it on path: a remapped container cannot join a namespace the
         * daemon's user namespace owns. */
        bool deferred;
};

struct network_store {
        struct engine *engine;
        pthread_mutex_t lock; /* guards everything below */
        char *dir;            /* <data-root>/networks */
        char *netns_dir;      /* <exec-root>/netns */
        int dirfd;
        struct network **items;
        size_t n;
        struct sandbox **sandboxes;
        size_t n_sandboxes;
        /* The IDs of the running containers on the host network. They
         * have no sandbox, and this list pairs their connect and
         * disconnect events. */
        char **host_members;
        struct dns_server *dns; /* started with the first user-network container */
        bool nft_enabled;       /* "iptables": the daemon manages its nftables table */
        bool bridge_none;       /* --bridge none: no default bridge network */
        bool ip_forward;        /* "ip-forward": bridges turn forwarding on */
        /* The interface alias of the bridges this daemon creates, "sockerless
         * DATA-ROOT", or NULL when the data root is too long for an alias. */
        char *bridge_alias;
};

/* Returns the store of the engine. */
struct network_store *engine_network_store(struct engine *e);

/* Finds a network by full ID, exact name, or unique ID prefix, as dockerd
 * does: -ENOENT "network REF not found". Call with the lock held. */
int network_find_locked(struct network_store *s, const char *ref, struct network **ret, struct error *err);

/* Docker's network object with Containers (the endpoints). Call with the lock held. */
json_object *network_to_json_locked(struct network *n);

/* Writes network.json. Call with the lock held. */
int network_save(struct network_store *s, struct network *n);

/* Brings up the bridge of a bridge network with its gateways. */
int network_bridge_up(struct network_store *s, struct network *n, struct error *err);

/* Applies the nftables rules of every bridge network and published port.
 * Call with the lock held. No-op when the daemon does not manage them. */
int network_nft_apply_locked(struct network_store *s, struct error *err);

/* Sets up the derived fields of n (bridge name, pools, gateways) from its object. */
int network_derive(struct network *n, struct error *err);

void network_free(struct network *n);
void sandbox_free(struct sandbox *sb);

/* Tells whether name is one of the predefined networks' (bridge, host, none). */
bool network_name_predefined(const char *name);

/* Collects the subnets a new network must not overlap: those of the
 * networks, and with with_routes the routes of the daemon's namespace.
 * Call with the lock held. */
int network_taken_subnets(struct network_store *s, bool with_routes, struct netns_addr **ret, size_t *ret_n);

/* Returns the daemon's "default-address-pools", or Docker's. */
int network_default_pools(struct network_store *s, struct ipam_default_pool **ret, size_t *ret_n, struct error *err);
void network_endpoint_free(struct network_endpoint *ep);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct network_endpoint *, network_endpoint_free)

/* Returns the sandbox of container id, or NULL. Call with the lock held. */
struct sandbox *sandbox_find_locked(struct network_store *s, const char *id);

/* Starts the userland proxy for the ports of sb that its container's
 * addresses leave unreachable (portmap_proxy_start). Call with the lock
 * held, after the endpoints are attached and the ports reserved. */
int sandbox_proxy_ports_locked(struct network_store *s, struct sandbox *sb);

/* ---- EndpointSettings of a container's networks (network-container.c) ---- */

/* Clears the fields that a start fills (addresses, IDs, MAC). */
void network_settings_clear(json_object *settings);

/* Returns new EndpointSettings with what config (EndpointConfig of a
 * request, or NULL) sets: IPAMConfig, Links, Aliases and DriverOpts. */
json_object *network_settings_new(json_object *config);

/* Returns the network name that a NetworkMode stands for: "bridge" for "default". */
const char *network_of_mode(const char *mode);

bool network_is_default_bridge(const char *name);

/* ---- Endpoints (network-endpoint.c) ---- */

/* Tells whether the container sandbox has an endpoint on n. */
bool network_has_container(const struct network *n, const char *sandbox);

/* Has the embedded DNS server serve c in the namespace at path. Call with
 * neither c->lock nor the store's lock held. */
int network_dns_register(struct engine *e, struct container *c, const char *path, struct error *err);

/* Parses "aa:bb:cc:dd:ee:ff" into mac. */
int network_mac_parse(const char *s, uint8_t mac[static 6]);

/* Adds ep to the endpoints of n, which takes it. */
void network_endpoint_add(struct network *n, struct network_endpoint *ep);

/* Removes the endpoint of container id from n, releasing its addresses
 * and deleting its veth when delete_link. */
void network_endpoint_remove(struct network *n, const char *id, bool delete_link);

/* Connects the sandbox sb to n: addresses, a veth in the namespace ns_fd,
 * DNS names. settings (EndpointSettings) get the runtime fields; mac_text
 * may set the MAC address. Call with the lock held. */
int network_attach_locked(struct network_store *s, struct sandbox *sb, const char *container_name, struct network *n,
                          json_object *settings, const char *mac_text, int ns_fd, struct error *err);

/* ---- Legacy links (network-links.c) ---- */

/* Checks HostConfig.Links at create: each NAME[:ALIAS] names an existing
 * container, with dockerd's "Could not get container for NAME". */
int network_links_check(struct engine *e, json_object *host_config, struct error *err);

/* Looks up the targets of c's links, which must run, as an array of
 * {Alias, Name, Hostname, Address, Env, ExposedPorts}. Takes the targets'
 * locks, so call it without c->lock or the store's lock. */
int network_links_resolve(struct engine *e, struct container *c, json_object **ret, struct error *err);

/* Builds the etcfiles_link array of resolved links; the strings point into
 * resolved. *ret is freed with free(). */
int network_links_to_etcfiles(json_object *resolved, struct etcfiles_link **ret, size_t *ret_n);

/* ---- Sandboxes (network-sandbox.c) ---- */

/* Writes the record of sb with the container's networks. Call with the lock held. */
int sandbox_record_write(struct network_store *s, struct sandbox *sb, json_object *networks);

/* Rewrites /etc/hosts and resolv.conf of a running c after its networks
 * changed, in place because they are bind-mounted. */
void network_refresh_etcfiles(struct engine *e, struct container *c);

/* Sends a network event with Docker's attributes (name, type, and
 * container when not NULL). */
void network_event(struct engine *e, const char *action, const struct network *n, const char *container);
