/* SPDX-License-Identifier: Apache-2.0 */
/* A running container's network sandbox: its namespace, one veth per
 * bridge network, addresses from the networks' pools, DNS and published
 * ports. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "create-options.h"
#include "daemon.h"
#include "engine-internal.h"
#include "etcfiles.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "netns/dns.h"
#include "netns/netns.h"
#include "netns/nft.h"
#include "network-internal.h"
#include "portmap.h"
#include "strv.h"

#define RECORD_MAX (1u << 20)

/* The fields of EndpointSettings that a start fills and a stop clears, in
 * dockerd's order, with the fields the user sets before them and
 * DriverOpts after. */
static const struct {
        const char *name;
        bool integer;
} runtime_fields[] = {
        { "NetworkID", false },         { "EndpointID", false },         { "Gateway", false },
        { "IPAddress", false },         { "IPPrefixLen", true },         { "IPv6Gateway", false },
        { "GlobalIPv6Address", false }, { "GlobalIPv6PrefixLen", true }, { "MacAddress", false },
};

static void clear_runtime_fields(json_object *settings)
{
        for (size_t i = 0; i < ARRAY_SIZE(runtime_fields); i++)
                json_object_object_add(settings, runtime_fields[i].name,
                                       runtime_fields[i].integer ? json_object_new_int(0) : json_object_new_string(""));
}

static json_object *new_endpoint_settings(json_object *config)
{
        json_object *settings = json_object_new_object();
        static const char *const kept[] = { "IPAMConfig", "Links", "Aliases" };

        for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
                json_object_object_add(settings, kept[i], json_object_get(json_object_object_get(config, kept[i])));
        clear_runtime_fields(settings);
        json_object_object_add(settings, "DriverOpts", json_object_get(json_object_object_get(config, "DriverOpts")));
        return settings;
}

static struct network_store *store(struct engine *e)
{
        return engine_network_store(e);
}

/* The network name that NetworkMode stands for: "bridge" for "default". */
static const char *mode_network(const char *mode)
{
        return streq(mode, "default") ? "bridge" : mode;
}

static bool is_default_bridge(const char *name)
{
        return streq(name, "bridge");
}

static int check_conflicts(json_object *hc, json_object *config, const char *mode, struct error *err)
{
        bool links = json_array_count(json_field_array(hc, "Links")) > 0;

        if (streq(mode, "host") && links)
                return error_set(err, -EINVAL,
                                 "conflicting options: host type networking can't be used with links. "
                                 "This would result in undefined behavior");
        if (!startswith(mode, "container:"))
                return 0;
        if (links)
                return error_set(err, -EINVAL,
                                 "conflicting options: container type network can't be used with links. "
                                 "This would result in undefined behavior");
        if (json_array_count(json_field_array(hc, "Dns")) > 0)
                return error_set(err, -EINVAL, "conflicting options: dns and the network mode");
        if (json_array_count(json_field_array(hc, "ExtraHosts")) > 0)
                return error_set(err, -EINVAL, "conflicting options: custom host-to-IP mapping and the network mode");
        if (*json_field_string(config, "MacAddress", ""))
                return error_set(err, -EINVAL, "conflicting options: mac-address and the network mode");
        if ((json_field_object(hc, "PortBindings") &&
             json_object_object_length(json_field_object(hc, "PortBindings")) > 0) ||
            json_field_bool(hc, "PublishAllPorts", false))
                return error_set(err, -EINVAL,
                                 "conflicting options: port publishing and the container type network mode");
        return 0;
}

int network_container_create(struct engine *e, struct container *c, json_object *request, struct error *err)
{
        json_object *endpoints = json_field_object(json_field_object(request, "NetworkingConfig"), "EndpointsConfig");
        const char *mode = json_field_string(c->host_config, "NetworkMode", "default");
        json_object *networks = json_object_new_object(), *config = NULL;
        const char *name = mode_network(mode);
        int r;

        r = check_conflicts(c->host_config, c->config, mode, err);
        if (r < 0) {
                json_object_put(networks);
                return r;
        }
        if (endpoints && json_object_object_length(endpoints) > 1) {
                _cleanup_free_ char *list = NULL;

                json_object_object_foreach (endpoints, key, value) {
                        char *joined = NULL;

                        (void)value;
                        if (asprintf(&joined, "%s%s%s", list ? list : "", list ? ", " : "", key) < 0) {
                                json_object_put(networks);
                                return -ENOMEM;
                        }
                        free(list);
                        list = joined;
                }
                json_object_put(networks);
                return error_set(err, -EINVAL, "Container cannot be connected to network endpoints: %s", list);
        }
        if (!startswith(mode, "container:")) {
                struct network_store *s = store(e);
                struct network *n;

                /* A network given by ID is recorded by its name, as dockerd does. */
                pthread_mutex_lock(&s->lock);
                if (network_find_locked(s, name, &n, NULL) >= 0 && !streq(name, "bridge"))
                        name = strdupa(n->name);
                pthread_mutex_unlock(&s->lock);
                if (endpoints) {
                        json_object_object_foreach (endpoints, key, value) {
                                (void)key;
                                config = value;
                        }
                }
                json_object_object_add(networks, name, new_endpoint_settings(config));
        }
        json_object_put(c->networks);
        c->networks = networks;
        return 0;
}

bool network_container_on(struct container *c, const char *ref)
{
        if (!c->networks)
                return false;
        json_object_object_foreach (c->networks, name, settings) {
                const char *id = json_field_string(settings, "NetworkID", "");

                if (streq(name, ref) || (*id && startswith(id, ref)))
                        return true;
        }
        return false;
}

char *network_container_names(struct container *c)
{
        _cleanup_free_ char *list = NULL;

        if (!c->networks)
                return strdup("");
        json_object_object_foreach (c->networks, name, settings) {
                char *joined = NULL;

                (void)settings;
                if (asprintf(&joined, "%s%s%s", list ? list : "", list ? "," : "", name) < 0)
                        return NULL;
                free(list);
                list = joined;
        }
        return list ? TAKE_PTR(list) : strdup("");
}

/* ---- DNS ---- */

/* Tells whether name is the container name or an alias of ep. */
static bool endpoint_named(const struct network_endpoint *ep, const char *name)
{
        if (ep->container_name && strcasecmp(ep->container_name, name) == 0)
                return true;
        STRV_FOREACH (alias, ep->aliases)
                if (strcasecmp(*alias, name) == 0)
                        return true;
        return false;
}

/* Tells whether the container sandbox has an endpoint on n. */
static bool network_has_container(const struct network *n, const char *sandbox)
{
        for (size_t i = 0; i < n->n_endpoints; i++)
                if (streq(n->endpoints[i]->container_id, sandbox))
                        return true;
        return false;
}

static int dns_lookup(void *userdata, const char *sandbox, const char *name, int family, struct netns_addr *addrs,
                      size_t max)
{
        struct network_store *s = userdata;
        size_t count = 0;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n && count < max; i++) {
                struct network *n = s->items[i];

                if (n->predefined || !network_has_container(n, sandbox))
                        continue;
                for (size_t j = 0; j < n->n_endpoints && count < max; j++) {
                        struct network_endpoint *ep = n->endpoints[j];
                        const struct netns_addr *a = family == AF_INET ? &ep->v4 : &ep->v6;

                        if (a->family == family && endpoint_named(ep, name))
                                addrs[count++] = *a;
                }
        }
        pthread_mutex_unlock(&s->lock);
        return (int)count;
}

static int dns_reverse(void *userdata, const char *sandbox, const struct netns_addr *addr, char *buf, size_t len)
{
        struct network_store *s = userdata;
        int r = -ENOENT;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n && r < 0; i++) {
                struct network *n = s->items[i];

                if (n->predefined || !network_has_container(n, sandbox))
                        continue;
                for (size_t j = 0; j < n->n_endpoints && r < 0; j++) {
                        struct network_endpoint *ep = n->endpoints[j];
                        const struct netns_addr *a = addr->family == AF_INET ? &ep->v4 : &ep->v6;

                        if (a->family == addr->family &&
                            !memcmp(&a->addr, &addr->addr, addr->family == AF_INET ? 4 : 16)) {
                                /* Docker returns NAME.NETWORK. */
                                snprintf(buf, len, "%s.%s", ep->container_name, n->name);
                                r = 0;
                        }
                }
        }
        pthread_mutex_unlock(&s->lock);
        return r;
}

static const struct dns_lookup_ops dns_ops = {
        .lookup = dns_lookup,
        .reverse = dns_reverse,
};

/* Serves DNS in the namespace of c on user-defined networks. Call with
 * neither c->lock nor the store's lock held. */
static int dns_register(struct engine *e, struct container *c, const char *path, struct error *err)
{
        struct network_store *s = store(e);
        _cleanup_strv_free_ char **upstreams = NULL;
        _cleanup_close_ int ns_fd = -1;
        struct dns_server *dns;
        int r;

        pthread_mutex_lock(&s->lock);
        if (!s->dns) {
                r = dns_server_new(&dns_ops, s, &s->dns, err);
                if (r < 0) {
                        pthread_mutex_unlock(&s->lock);
                        return r;
                }
        }
        dns = s->dns;
        pthread_mutex_unlock(&s->lock);

        pthread_mutex_lock(&c->lock);
        r = etcfiles_dns_upstreams(&e->daemon->config, c, &upstreams);
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;
        ns_fd = netns_open(path);
        if (ns_fd < 0)
                return error_set_errno(err, ns_fd, "opening the network namespace %s failed", path);
        r = dns_server_add(dns, c->id, ns_fd, (const char *const *)upstreams, strv_length(upstreams), err);
        if (r == -EEXIST)
                r = 0;
        return r;
}

/* ---- Endpoints ---- */

static void format_mac(const uint8_t *mac, char buf[static 18])
{
        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static int parse_mac(const char *s, uint8_t mac[static 6])
{
        unsigned v[6];

        if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
                return -EINVAL;
        for (int i = 0; i < 6; i++)
                mac[i] = (uint8_t)v[i];
        return 0;
}

static void release_addresses(struct network *n, struct network_endpoint *ep)
{
        if (ep->v4.family)
                ipam_pool_release(&n->pool4, &ep->v4);
        if (ep->v6.family)
                ipam_pool_release(&n->pool6, &ep->v6);
}

static void add_endpoint(struct network *n, struct network_endpoint *ep)
{
        struct network_endpoint **list = reallocarray(n->endpoints, n->n_endpoints + 1, sizeof(*list));

        if (!list) {
                network_endpoint_free(ep);
                return;
        }
        n->endpoints = list;
        n->endpoints[n->n_endpoints++] = ep;
}

/* Removes the endpoint of container id from n, releasing its addresses
 * and deleting its veth when delete_link. */
static void remove_endpoint(struct network *n, const char *id, bool delete_link)
{
        for (size_t i = 0; i < n->n_endpoints; i++) {
                struct network_endpoint *ep = n->endpoints[i];
                _cleanup_error_ struct error link_err = ERROR_INIT;

                if (!streq(ep->container_id, id))
                        continue;
                if (delete_link && ep->host_ifname[0] && netns_endpoint_remove(ep->host_ifname, &link_err) < 0)
                        log_warn("Failed to delete the veth %s of container %s: %s", ep->host_ifname, id,
                                 error_message(&link_err, -EIO));
                release_addresses(n, ep);
                network_endpoint_free(ep);
                n->endpoints[i] = n->endpoints[--n->n_endpoints];
                return;
        }
}

/* Allocates the addresses of an endpoint: the requested ones
 * (IPAMConfig) or the next free ones. */
static int allocate_addresses(struct network *n, json_object *settings, struct network_endpoint *ep, struct error *err)
{
        json_object *ipam = json_field_object(settings, "IPAMConfig");
        const char *want4 = json_field_string(ipam, "IPv4Address", "");
        const char *want6 = json_field_string(ipam, "IPv6Address", "");
        int r;

        if ((*want4 || *want6) && n->predefined)
                return error_set(err, -EINVAL, "user specified IP address is supported on user defined networks only");
        if (n->pool4.subnet.family) {
                if (*want4) {
                        if (netns_addr_parse(want4, &ep->v4) < 0 || ep->v4.family != AF_INET)
                                return error_set(err, -EINVAL, "invalid IPv4 address: %s", want4);
                        r = ipam_pool_reserve(&n->pool4, &ep->v4, err);
                } else
                        r = ipam_pool_allocate(&n->pool4, &ep->v4, err);
                if (r == -ENOSPC)
                        return error_set(err, -ENOSPC,
                                         "no available IPv4 addresses on this network's address pools: %s (%s)",
                                         n->name, n->id);
                if (r < 0)
                        return r;
                ep->v4.prefixlen = n->pool4.subnet.prefixlen;
        }
        if (n->pool6.subnet.family && n->enable_ipv6) {
                if (*want6) {
                        if (netns_addr_parse(want6, &ep->v6) < 0 || ep->v6.family != AF_INET6)
                                return error_set(err, -EINVAL, "invalid IPv6 address: %s", want6);
                        r = ipam_pool_reserve(&n->pool6, &ep->v6, err);
                } else
                        r = ipam_pool_allocate(&n->pool6, &ep->v6, err);
                if (r < 0) {
                        if (ep->v4.family)
                                ipam_pool_release(&n->pool4, &ep->v4);
                        ep->v4.family = 0;
                        return r;
                }
                ep->v6.prefixlen = n->pool6.subnet.prefixlen;
        }
        return 0;
}

/* Fills the runtime fields of EndpointSettings from ep. */
static void fill_settings(json_object *settings, const struct network *n, const struct network_endpoint *ep)
{
        char text[INET6_ADDRSTRLEN], mac[18];

        json_set_string(settings, "NetworkID", n->id);
        json_set_string(settings, "EndpointID", ep->endpoint_id);
        format_mac(ep->mac, mac);
        json_set_string(settings, "MacAddress", mac);
        if (ep->v4.family) {
                json_set_string(settings, "IPAddress", inet_ntop(AF_INET, &ep->v4.addr, text, sizeof(text)));
                json_object_object_add(settings, "IPPrefixLen", json_object_new_int((int)ep->v4.prefixlen));
                if (n->gateway4.family && !n->internal)
                        json_set_string(settings, "Gateway", inet_ntop(AF_INET, &n->gateway4.addr, text, sizeof(text)));
        }
        if (ep->v6.family) {
                json_set_string(settings, "GlobalIPv6Address", inet_ntop(AF_INET6, &ep->v6.addr, text, sizeof(text)));
                json_object_object_add(settings, "GlobalIPv6PrefixLen", json_object_new_int((int)ep->v6.prefixlen));
                if (n->gateway6.family && !n->internal)
                        json_set_string(settings, "IPv6Gateway",
                                        inet_ntop(AF_INET6, &n->gateway6.addr, text, sizeof(text)));
        }
}

/* Connects the sandbox sb of container c to n: addresses, veth, DNS
 * names. The settings get the runtime fields. Call with the lock held. */
static int attach_locked(struct network_store *s, struct sandbox *sb, const char *container_name, struct network *n,
                         json_object *settings, const char *mac_text, int ns_fd, struct error *err)
{
        _cleanup_(network_endpoint_freep) struct network_endpoint *ep = calloc(1, sizeof(*ep));
        struct netns_addr addrs[2], gateways[2];
        size_t n_addrs = 0, n_gateways = 0;
        struct netns_endpoint_config cfg;
        char short_id[ID_SHORT_LENGTH + 1];
        char random_id[ID_LENGTH + 1];
        json_object *aliases = json_field_array(settings, "Aliases");
        int r;

        if (!ep)
                return -ENOMEM;
        if (!streq(n->driver, "bridge"))
                return error_set(err, -EINVAL, "container cannot be connected to the %s network", n->name);
        if (json_field_bool(n->object, "ConfigOnly", false))
                return error_set(err, -EPERM, "cannot attach to a config-only network %s", n->name);
        if (json_array_count(aliases) > 0 && n->predefined)
                return error_set(err, -EINVAL,
                                 "network-scoped alias is supported only for containers in user defined networks");
        r = network_bridge_up(s, n, err);
        if (r < 0)
                return r;
        memcpy(ep->container_id, sb->container_id, sizeof(ep->container_id));
        ep->container_name = strdup(container_name);
        if (!ep->container_name || id_generate(ep->endpoint_id) < 0 || id_generate(random_id) < 0)
                return -ENOMEM;
        snprintf(ep->host_ifname, sizeof(ep->host_ifname), "veth%.7s", random_id);
        snprintf(ep->ifname, sizeof(ep->ifname), "eth%u", sb->next_ifindex);
        r = allocate_addresses(n, settings, ep, err);
        if (r < 0)
                return r;

        /* As Docker: 02:42 and the IPv4 address, unless one was given. */
        if (mac_text && *mac_text) {
                if (parse_mac(mac_text, ep->mac) < 0) {
                        release_addresses(n, ep);
                        return error_set(err, -EINVAL, "invalid MAC address: %s", mac_text);
                }
        } else if (ep->v4.family) {
                ep->mac[0] = 0x02;
                ep->mac[1] = 0x42;
                memcpy(ep->mac + 2, &ep->v4.addr.v4, 4);
        } else {
                ep->mac[0] = 0x02;
                memcpy(ep->mac + 1, random_id + 8, 5);
        }
        if (!n->predefined) {
                _cleanup_strv_free_ char **names = NULL;

                snprintf(short_id, sizeof(short_id), "%.12s", sb->container_id);
                r = json_array_to_strv(aliases, &names);
                if (r >= 0)
                        r = strv_append(&names, short_id);
                if (r < 0) {
                        release_addresses(n, ep);
                        return r;
                }
                ep->aliases = TAKE_PTR(names);
        }
        if (ep->v4.family)
                addrs[n_addrs++] = ep->v4;
        if (ep->v6.family)
                addrs[n_addrs++] = ep->v6;
        if (!n->internal && n->gateway4.family && ep->v4.family)
                gateways[n_gateways++] = n->gateway4;
        if (!n->internal && n->gateway6.family && ep->v6.family)
                gateways[n_gateways++] = n->gateway6;
        cfg = (struct netns_endpoint_config){
                .bridge = n->bridge,
                .host_ifname = ep->host_ifname,
                .ns_fd = ns_fd,
                .ifname = ep->ifname,
                .mac = ep->mac,
                .mtu = n->mtu,
                .addrs = addrs,
                .n_addrs = n_addrs,
                .gateways = gateways,
                .n_gateways = n_gateways,
                .hairpin = true,
        };
        r = netns_endpoint_add(&cfg, err);
        if (r < 0) {
                release_addresses(n, ep);
                return error_prefix(err, r, "failed to connect to network %s", n->name);
        }
        sb->next_ifindex++;
        fill_settings(settings, n, ep);
        if (!n->predefined)
                json_object_object_add(settings, "Aliases", json_array_from_strv(ep->aliases));
        add_endpoint(n, TAKE_PTR(ep));
        return 0;
}

/* ---- The sandbox record ---- */

static char *record_name(const char *id)
{
        char *name = NULL;

        return asprintf(&name, "%s.json", id) < 0 ? NULL : name;
}

/* Writes <exec-root>/netns/<id>.json: the endpoints of the sandbox, with
 * their veths, and the published ports. Call with the lock held. */
static int record_write(struct network_store *s, struct sandbox *sb, json_object *networks)
{
        _cleanup_json_ json_object *record = json_object_new_object();
        _cleanup_close_ int dirfd = open(s->netns_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *name = record_name(sb->container_id);
        json_object *endpoints = json_object_new_object();

        if (dirfd < 0 || !name)
                return dirfd < 0 ? -errno : -ENOMEM;
        json_object_object_add(record, "SandboxID", json_object_new_string(sb->sandbox_id));
        json_object_object_add(record, "Networks", json_object_get(networks));
        for (size_t i = 0; i < s->n; i++)
                for (size_t j = 0; j < s->items[i]->n_endpoints; j++) {
                        struct network_endpoint *ep = s->items[i]->endpoints[j];
                        json_object *entry;

                        if (!streq(ep->container_id, sb->container_id))
                                continue;
                        entry = json_object_new_object();
                        json_object_object_add(entry, "Ifname", json_object_new_string(ep->ifname));
                        json_object_object_add(entry, "HostIfname", json_object_new_string(ep->host_ifname));
                        json_object_object_add(endpoints, s->items[i]->id, entry);
                }
        json_object_object_add(record, "Endpoints", endpoints);
        json_object_object_add(record, "NextIfindex", json_object_new_int((int)sb->next_ifindex));
        if (sb->ports)
                json_object_object_add(record, "Ports", portmap_state_to_json(sb->ports));
        return json_file_write_atomic(dirfd, name, record, 0600);
}

static void record_remove(struct network_store *s, const char *id)
{
        _cleanup_free_ char *name = record_name(id);
        _cleanup_free_ char *path = name ? fs_path_join(s->netns_dir, name) : NULL;

        if (path && unlink(path) < 0 && errno != ENOENT)
                log_warn("Failed to remove %s: %m", path);
}

static struct sandbox *sandbox_new(struct network_store *s, const char *id)
{
        struct sandbox *sb = calloc(1, sizeof(*sb));
        struct sandbox **list;

        if (!sb)
                return NULL;
        memcpy(sb->container_id, id, ID_LENGTH + 1);
        sb->path = fs_path_join(s->netns_dir, id);
        list = reallocarray(s->sandboxes, s->n_sandboxes + 1, sizeof(*list));
        if (!sb->path || !list || id_generate(sb->sandbox_id) < 0) {
                free(list == s->sandboxes ? NULL : NULL);
                if (list)
                        s->sandboxes = list;
                sandbox_free(sb);
                return NULL;
        }
        s->sandboxes = list;
        s->sandboxes[s->n_sandboxes++] = sb;
        return sb;
}

static void sandbox_forget(struct network_store *s, struct sandbox *sb)
{
        for (size_t i = 0; i < s->n_sandboxes; i++)
                if (s->sandboxes[i] == sb) {
                        s->sandboxes[i] = s->sandboxes[--s->n_sandboxes];
                        break;
                }
        sandbox_free(sb);
}

/* ---- nftables ---- */

int network_nft_apply_locked(struct network_store *s, struct error *err)
{
        _cleanup_free_ struct nft_network *networks = NULL;
        _cleanup_free_ struct netns_addr *subnets = NULL;
        _cleanup_free_ struct nft_port *ports = NULL;
        size_t n_networks = 0, n_ports = 0, n_subnets = 0;
        struct nft_ruleset rs;

        if (!s->nft_enabled)
                return 0;
        networks = calloc(s->n + 1, sizeof(*networks));
        subnets = calloc(2 * s->n + 1, sizeof(*subnets));
        if (!networks || !subnets)
                return -ENOMEM;
        for (size_t i = 0; i < s->n; i++) {
                struct network *n = s->items[i];
                size_t first = n_subnets;

                if (!n->bridge_up)
                        continue;
                if (n->pool4.subnet.family)
                        subnets[n_subnets++] = n->pool4.subnet;
                if (n->pool6.subnet.family)
                        subnets[n_subnets++] = n->pool6.subnet;
                networks[n_networks++] = (struct nft_network){
                        .bridge = n->bridge,
                        .subnets = subnets + first,
                        .n_subnets = n_subnets - first,
                        .internal = n->internal,
                        .icc = n->icc,
                        .masquerade = n->masquerade && s->engine->daemon->config.ip_masq,
                };
        }
        for (size_t i = 0; i < s->n_sandboxes; i++) {
                struct sandbox *sb = s->sandboxes[i];
                _cleanup_free_ struct nft_port *more = NULL;
                struct network *primary = NULL;
                struct network_endpoint *ep = NULL;
                struct netns_addr addrs[2];
                size_t n_addrs = 0, n_more = 0;
                struct nft_port *grown;

                if (!sb->ports || !portmap_publishes(sb->ports))
                        continue;
                /* Ports go to the container's first bridge endpoint. */
                for (size_t j = 0; j < s->n && !ep; j++)
                        for (size_t k = 0; k < s->items[j]->n_endpoints; k++)
                                if (streq(s->items[j]->endpoints[k]->container_id, sb->container_id) &&
                                    streq(s->items[j]->endpoints[k]->ifname, "eth0")) {
                                        ep = s->items[j]->endpoints[k];
                                        primary = s->items[j];
                                }
                if (!ep)
                        continue;
                if (ep->v4.family)
                        addrs[n_addrs++] = ep->v4;
                if (ep->v6.family)
                        addrs[n_addrs++] = ep->v6;
                if (portmap_nft_ports(sb->ports, addrs, n_addrs, primary->bridge, &more, &n_more) < 0)
                        return -ENOMEM;
                if (n_more == 0)
                        continue;
                grown = reallocarray(ports, n_ports + n_more, sizeof(*ports));
                if (!grown)
                        return -ENOMEM;
                ports = grown;
                memcpy(ports + n_ports, more, n_more * sizeof(*more));
                n_ports += n_more;
        }
        rs = (struct nft_ruleset){
                .table = NFT_TABLE_DEFAULT,
                .networks = networks,
                .n_networks = n_networks,
                .ports = ports,
                .n_ports = n_ports,
        };
        return nft_ruleset_apply(&rs, err);
}

/* ---- Start and stop ---- */

/* Tells how c's namespace is set up from its NetworkMode. */
enum sandbox_kind {
        SANDBOX_HOST,      /* the host's namespace */
        SANDBOX_CONTAINER, /* another container's */
        SANDBOX_PRIVATE,   /* a new namespace with lo only: none, or the bridge with --bridge none */
        SANDBOX_BRIDGE,    /* a bound namespace with endpoints */
};

static enum sandbox_kind sandbox_kind(struct network_store *s, const char *mode)
{
        if (streq(mode, "host"))
                return SANDBOX_HOST;
        if (startswith(mode, "container:"))
                return SANDBOX_CONTAINER;
        if (streq(mode, "none"))
                return SANDBOX_PRIVATE;
        /* dockerd with --bridge none disables networking of containers on
         * the default network, which keep only lo. */
        if (s->bridge_none && (streq(mode, "default") || streq(mode, "bridge")))
                return SANDBOX_PRIVATE;
        return SANDBOX_BRIDGE;
}

/* Tears down what a start built. Call with the lock held; returns whether
 * the DNS server served the sandbox, for the caller to remove it. */
static bool teardown_locked(struct network_store *s, struct sandbox *sb, bool *ret_ports)
{
        bool dns = sb->dns;
        int r;

        for (size_t i = 0; i < s->n; i++)
                remove_endpoint(s->items[i], sb->container_id, true);
        *ret_ports = sb->ports && portmap_publishes(sb->ports);
        if (sb->ports)
                portmap_release(sb->ports);
        r = netns_remove(sb->path, NULL);
        if (r < 0)
                log_warn_errno(r, "Failed to remove the network namespace %s: %m", sb->path);
        record_remove(s, sb->container_id);
        return dns;
}

static void stop_sandbox(struct engine *e, const char *id)
{
        struct network_store *s = store(e);
        struct sandbox *sb;
        bool dns = false, ports = false;

        pthread_mutex_lock(&s->lock);
        sb = sandbox_find_locked(s, id);
        if (sb) {
                dns = teardown_locked(s, sb, &ports);
                sandbox_forget(s, sb);
                if (ports) {
                        _cleanup_error_ struct error nft_err = ERROR_INIT;

                        if (network_nft_apply_locked(s, &nft_err) < 0)
                                log_error("Failed to apply the nftables rules after container %s stopped: %s", id,
                                          error_message(&nft_err, -EIO));
                }
        }
        pthread_mutex_unlock(&s->lock);
        if (dns && s->dns)
                dns_server_remove(s->dns, id);
}

/* Removes the alias of the short ID that a start added to settings. */
static void drop_short_id_alias(json_object *settings, const char *id)
{
        json_object *aliases = json_field_array(settings, "Aliases");
        size_t n = json_array_count(aliases);

        if (n == 0 ||
            strncmp(json_object_get_string(json_object_array_get_idx(aliases, n - 1)), id, ID_SHORT_LENGTH) != 0)
                return;
        if (n == 1)
                json_object_object_add(settings, "Aliases", NULL);
        else
                json_object_array_del_idx(aliases, n - 1, 1);
}

void network_container_stop(struct engine *e, struct container *c)
{
        stop_sandbox(e, c->id);
        pthread_mutex_lock(&c->lock);
        if (c->networks) {
                json_object_object_foreach (c->networks, name, settings) {
                        (void)name;
                        clear_runtime_fields(settings);
                        drop_short_id_alias(settings, c->id);
                }
        }
        pthread_mutex_unlock(&c->lock);
}

/* Copies c's networks and what the start needs, under c->lock. */
static int snapshot(struct container *c, json_object **ret_networks, char **ret_mode, char **ret_name, char **ret_mac)
{
        pthread_mutex_lock(&c->lock);
        *ret_networks = c->networks ? json_tokener_parse(json_to_string(c->networks)) : json_object_new_object();
        *ret_mode = strdup(json_field_string(c->host_config, "NetworkMode", "default"));
        *ret_name = strdup(c->name + (c->name[0] == '/'));
        *ret_mac = strdup(json_field_string(c->config, "MacAddress", ""));
        pthread_mutex_unlock(&c->lock);
        return *ret_networks && *ret_mode && *ret_name && *ret_mac ? 0 : -ENOMEM;
}

/* Attaches every network of networks in order, the one of the network
 * mode first. Call with the lock held. */
static int attach_all_locked(struct network_store *s, struct sandbox *sb, const char *name, const char *mode,
                             const char *mac, json_object *networks, int ns_fd, struct error *err)
{
        const char *primary = mode_network(mode);
        int r;

        for (int pass = 0; pass < 2; pass++) {
                json_object_object_foreach (networks, key, settings) {
                        struct network *n;

                        if ((pass == 0) != streq(key, primary))
                                continue;
                        r = network_find_locked(s, key, &n, err);
                        if (r >= 0)
                                r = attach_locked(s, sb, name, n, settings, pass == 0 ? mac : NULL, ns_fd, err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* Reserves the published ports of c and builds their rules. Call with the lock held. */
static int publish_locked(struct network_store *s, struct container *c, struct sandbox *sb, const char *name,
                          struct error *err)
{
        struct portmap *pm = NULL;
        int r;

        pthread_mutex_lock(&c->lock);
        r = portmap_parse(c->host_config, c->config, &pm, err);
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;
        sb->ports = pm;
        if (!portmap_publishes(pm))
                return 0;
        r = portmap_allocate(pm, name, sb->sandbox_id, err);
        if (r >= 0)
                r = network_nft_apply_locked(s, err);
        return r;
}

static bool on_user_network(struct network_store *s, json_object *networks)
{
        json_object_object_foreach (networks, key, settings) {
                (void)settings;
                if (!is_default_bridge(key))
                        return true;
        }
        (void)s;
        return false;
}

/* Checks that the container whose namespace c joins runs, with dockerd's messages. */
static int check_donor(struct engine *e, const char *ref, struct error *err)
{
        struct container *donor = NULL;
        bool running;
        int r;

        r = engine_container_find(e, ref, &donor, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&donor->lock);
        running = container_is_running(donor);
        pthread_mutex_unlock(&donor->lock);
        r = running ? 0 : error_set(err, -EBUSY, "cannot join network of a non running container: %s", donor->id);
        container_unref(donor);
        return r;
}

int network_container_start(struct engine *e, struct container *c, struct error *err)
{
        struct network_store *s = store(e);
        _cleanup_json_ json_object *networks = NULL;
        _cleanup_free_ char *mode = NULL, *name = NULL, *mac = NULL;
        _cleanup_close_ int ns_fd = -1;
        struct sandbox *sb;
        bool dns;
        int r;

        r = snapshot(c, &networks, &mode, &name, &mac);
        if (r < 0)
                return r;
        if (sandbox_kind(s, mode) == SANDBOX_CONTAINER)
                return check_donor(e, create_mode_container(mode), err);
        if (sandbox_kind(s, mode) != SANDBOX_BRIDGE)
                return 0;

        pthread_mutex_lock(&s->lock);
        /* A sandbox left by an earlier run that was not torn down. */
        sb = sandbox_find_locked(s, c->id);
        if (sb) {
                bool ports;

                teardown_locked(s, sb, &ports);
                sandbox_forget(s, sb);
        }
        sb = sandbox_new(s, c->id);
        if (!sb) {
                pthread_mutex_unlock(&s->lock);
                return -ENOMEM;
        }
        (void)netns_remove(sb->path, NULL);
        r = netns_create(sb->path, err);
        if (r >= 0) {
                ns_fd = netns_open(sb->path);
                if (ns_fd < 0)
                        r = error_set_errno(err, ns_fd, "opening the network namespace %s failed", sb->path);
        }
        if (r >= 0)
                r = attach_all_locked(s, sb, name, mode, mac, networks, ns_fd, err);
        if (r >= 0)
                r = publish_locked(s, c, sb, name, err);
        dns = on_user_network(s, networks);
        if (r >= 0)
                r = record_write(s, sb, networks);
        if (r < 0) {
                bool ports;

                teardown_locked(s, sb, &ports);
                sandbox_forget(s, sb);
                if (ports)
                        network_nft_apply_locked(s, NULL);
                pthread_mutex_unlock(&s->lock);
                return r;
        }
        pthread_mutex_unlock(&s->lock);

        if (dns) {
                r = dns_register(e, c, sb->path, err);
                if (r < 0) {
                        stop_sandbox(e, c->id);
                        return error_prefix(err, r, "starting the DNS server of container %s failed", c->id);
                }
                pthread_mutex_lock(&s->lock);
                sb = sandbox_find_locked(s, c->id);
                if (sb)
                        sb->dns = true;
                pthread_mutex_unlock(&s->lock);
        }

        pthread_mutex_lock(&c->lock);
        json_object_put(c->networks);
        c->networks = TAKE_PTR(networks);
        pthread_mutex_unlock(&c->lock);
        return 0;
}

char *network_container_netns_path(struct engine *e, struct container *c)
{
        struct network_store *s = store(e);
        _cleanup_free_ char *mode = NULL;
        const char *target;
        struct sandbox *sb;
        char *path = NULL;

        pthread_mutex_lock(&c->lock);
        mode = strdup(json_field_string(c->host_config, "NetworkMode", "default"));
        pthread_mutex_unlock(&c->lock);
        if (!mode)
                return NULL;
        target = create_mode_container(mode);
        if (target) {
                struct container *donor = NULL;
                pid_t pid = 0;

                if (engine_container_find(e, target, &donor, NULL) < 0)
                        return NULL;
                pthread_mutex_lock(&s->lock);
                sb = sandbox_find_locked(s, donor->id);
                path = sb ? strdup(sb->path) : NULL;
                pthread_mutex_unlock(&s->lock);
                if (!path) {
                        pthread_mutex_lock(&donor->lock);
                        pid = container_is_running(donor) ? donor->state.pid : 0;
                        pthread_mutex_unlock(&donor->lock);
                        if (pid > 0 && asprintf(&path, "/proc/%d/ns/net", (int)pid) < 0)
                                path = NULL;
                }
                container_unref(donor);
                return path;
        }
        pthread_mutex_lock(&s->lock);
        sb = sandbox_find_locked(s, c->id);
        path = sb ? strdup(sb->path) : NULL;
        pthread_mutex_unlock(&s->lock);
        return path;
}

/* ---- Restore after a daemon restart ---- */

/* Takes back the endpoints that the record lists as the running sandbox
 * of c. Call with the lock held. */
static int restore_locked(struct network_store *s, struct container *c, json_object *record, json_object *networks,
                          const char *name)
{
        json_object *endpoints = json_field_object(record, "Endpoints");
        struct sandbox *sb = sandbox_find_locked(s, c->id) ? NULL : sandbox_new(s, c->id);
        int r;

        if (!sb)
                return -EEXIST;
        snprintf(sb->sandbox_id, sizeof(sb->sandbox_id), "%s", json_field_string(record, "SandboxID", sb->sandbox_id));
        sb->next_ifindex = (unsigned)json_field_int(record, "NextIfindex", 0);
        json_object_object_foreach (networks, key, settings) {
                const char *network_id = json_field_string(settings, "NetworkID", "");
                json_object *entry = json_field_object(endpoints, network_id);
                struct network_endpoint *ep;
                struct network *n;

                (void)key;
                if (!entry || network_find_locked(s, network_id, &n, NULL) < 0) {
                        log_warn("Container %s: its endpoint on network %s is gone", c->id, key);
                        clear_runtime_fields(settings);
                        continue;
                }
                ep = calloc(1, sizeof(*ep));
                if (!ep)
                        return -ENOMEM;
                memcpy(ep->container_id, c->id, sizeof(ep->container_id));
                ep->container_name = strdup(name);
                snprintf(ep->endpoint_id, sizeof(ep->endpoint_id), "%s", json_field_string(settings, "EndpointID", ""));
                snprintf(ep->ifname, sizeof(ep->ifname), "%s", json_field_string(entry, "Ifname", ""));
                snprintf(ep->host_ifname, sizeof(ep->host_ifname), "%s", json_field_string(entry, "HostIfname", ""));
                parse_mac(json_field_string(settings, "MacAddress", ""), ep->mac);
                if (netns_addr_parse(json_field_string(settings, "IPAddress", ""), &ep->v4) >= 0) {
                        ep->v4.prefixlen = n->pool4.subnet.prefixlen;
                        if (ipam_pool_reserve(&n->pool4, &ep->v4, NULL) < 0)
                                log_warn("Container %s: its address on network %s is taken twice", c->id, n->name);
                }
                if (netns_addr_parse(json_field_string(settings, "GlobalIPv6Address", ""), &ep->v6) >= 0) {
                        ep->v6.prefixlen = n->pool6.subnet.prefixlen;
                        (void)ipam_pool_reserve(&n->pool6, &ep->v6, NULL);
                }
                if (!n->predefined) {
                        char short_id[ID_SHORT_LENGTH + 1];

                        snprintf(short_id, sizeof(short_id), "%.12s", c->id);
                        if (json_array_to_strv(json_field_array(settings, "Aliases"), &ep->aliases) < 0 ||
                            strv_append(&ep->aliases, short_id) < 0)
                                log_warn("Container %s: out of memory for its DNS names", c->id);
                }
                add_endpoint(n, ep);
        }
        pthread_mutex_lock(&c->lock);
        r = portmap_parse(c->host_config, c->config, &sb->ports, NULL);
        pthread_mutex_unlock(&c->lock);
        if (r >= 0 && json_field_object(record, "Ports"))
                r = portmap_state_restore(sb->ports, json_field_object(record, "Ports"));
        if (r >= 0 && portmap_publishes(sb->ports))
                r = portmap_allocate(sb->ports, name, sb->sandbox_id, NULL);
        if (r < 0)
                log_warn_errno(r, "Container %s: its published ports could not be reserved again: %m", c->id);
        return 0;
}

void network_container_restore(struct engine *e, struct container *c)
{
        struct network_store *s = store(e);
        _cleanup_json_ json_object *record = NULL;
        _cleanup_close_ int dirfd = open(s->netns_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *file = record_name(c->id), *name = NULL;
        json_object *networks;
        bool running, dns = false;
        char *path;

        pthread_mutex_lock(&c->lock);
        running = container_is_running(c);
        name = strdup(c->name + (c->name[0] == '/'));
        pthread_mutex_unlock(&c->lock);
        if (dirfd < 0 || !file || !name || json_file_read(dirfd, file, RECORD_MAX, &record) < 0) {
                if (!running)
                        network_container_stop(e, c);
                return;
        }
        if (!running) {
                /* The container ended while the daemon was down. */
                _cleanup_free_ char *netns = fs_path_join(s->netns_dir, c->id);

                for (size_t i = 0; i < 2; i++) {
                        json_object *endpoints = json_field_object(record, "Endpoints");

                        (void)i;
                        json_object_object_foreach (endpoints, id, entry) {
                                (void)id;
                                netns_endpoint_remove(json_field_string(entry, "HostIfname", ""), NULL);
                        }
                        break;
                }
                if (netns)
                        netns_remove(netns, NULL);
                record_remove(s, c->id);
                network_container_stop(e, c);
                return;
        }
        networks = json_field_object(record, "Networks");
        pthread_mutex_lock(&s->lock);
        restore_locked(s, c, record, networks, name);
        path = sandbox_find_locked(s, c->id) ? strdup(sandbox_find_locked(s, c->id)->path) : NULL;
        pthread_mutex_unlock(&s->lock);
        dns = on_user_network(s, networks);

        pthread_mutex_lock(&c->lock);
        json_object_put(c->networks);
        c->networks = json_object_get(networks);
        pthread_mutex_unlock(&c->lock);
        if (dns && path) {
                _cleanup_error_ struct error dns_err = ERROR_INIT;
                int r = dns_register(e, c, path, &dns_err);

                if (r < 0)
                        log_error("Container %s: the DNS server could not serve it again: %s", c->id,
                                  error_message(&dns_err, r));
                pthread_mutex_lock(&s->lock);
                if (r >= 0 && sandbox_find_locked(s, c->id))
                        sandbox_find_locked(s, c->id)->dns = true;
                pthread_mutex_unlock(&s->lock);
        }
        free(path);
}

void network_restore_finish(struct engine *e)
{
        struct network_store *s = store(e);
        _cleanup_error_ struct error nft_err = ERROR_INIT;
        _cleanup_close_ int fd = open(s->netns_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (dir) {
                TAKE_FD(fd);
                /* Namespaces and records of containers that are gone. */
                while ((de = readdir(dir))) {
                        char id[ID_LENGTH + 1];
                        bool known;

                        if (strlen(de->d_name) < ID_LENGTH || !id_is_hex(strncpy(id, de->d_name, ID_LENGTH), ID_LENGTH))
                                continue;
                        id[ID_LENGTH] = '\0';
                        pthread_mutex_lock(&s->lock);
                        known = sandbox_find_locked(s, id) != NULL;
                        pthread_mutex_unlock(&s->lock);
                        if (known)
                                continue;
                        if (streq(de->d_name + ID_LENGTH, ".json")) {
                                _cleanup_json_ json_object *record = NULL;

                                if (json_file_read(dirfd(dir), de->d_name, RECORD_MAX, &record) >= 0) {
                                        json_object_object_foreach (json_field_object(record, "Endpoints"), nid,
                                                                    entry) {
                                                (void)nid;
                                                netns_endpoint_remove(json_field_string(entry, "HostIfname", ""), NULL);
                                        }
                                }
                                unlinkat(dirfd(dir), de->d_name, 0);
                        } else if (!de->d_name[ID_LENGTH]) {
                                _cleanup_free_ char *path = fs_path_join(s->netns_dir, de->d_name);

                                if (path)
                                        netns_remove(path, NULL);
                        }
                }
                closedir(dir);
        }
        pthread_mutex_lock(&s->lock);
        if (network_nft_apply_locked(s, &nft_err) < 0)
                log_error("Failed to apply the nftables rules: %s", error_message(&nft_err, -EIO));
        pthread_mutex_unlock(&s->lock);
}

/* ---- Inspect ---- */

json_object *network_container_settings_json(struct engine *e, struct container *c)
{
        struct network_store *s = store(e);
        json_object *ns = json_object_new_object(), *networks = json_object_new_object(), *bridge = NULL;
        static const char *const top_fields[] = { "EndpointID",          "Gateway",   "GlobalIPv6Address",
                                                  "GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen",
                                                  "IPv6Gateway",         "MacAddress" };
        bool running = container_is_running(c);
        struct sandbox *sb;
        char *sandbox_id = NULL, *sandbox_key = NULL;
        json_object *ports = NULL;

        pthread_mutex_lock(&s->lock);
        sb = running ? sandbox_find_locked(s, c->id) : NULL;
        if (sb) {
                sandbox_id = strdup(sb->sandbox_id);
                sandbox_key = strdup(sb->path);
                ports = sb->ports ? portmap_to_json(sb->ports) : NULL;
        }
        pthread_mutex_unlock(&s->lock);

        if (c->networks) {
                json_object_object_foreach (c->networks, name, settings) {
                        json_object *copy = json_tokener_parse(json_to_string(settings));

                        if (!running || !sb)
                                clear_runtime_fields(copy);
                        json_object_object_add(networks, name, copy);
                        if (streq(name, "bridge") && !s->bridge_none)
                                bridge = copy;
                }
        }
        json_object_object_add(ns, "Bridge", json_object_new_string(""));
        json_object_object_add(ns, "SandboxID", json_object_new_string(sandbox_id ? sandbox_id : ""));
        json_object_object_add(ns, "HairpinMode", json_object_new_boolean(false));
        json_object_object_add(ns, "LinkLocalIPv6Address", json_object_new_string(""));
        json_object_object_add(ns, "LinkLocalIPv6PrefixLen", json_object_new_int(0));
        json_object_object_add(ns, "Ports", ports ? ports : json_object_new_object());
        json_object_object_add(ns, "SandboxKey", json_object_new_string(sandbox_key ? sandbox_key : ""));
        json_object_object_add(ns, "SecondaryIPAddresses", NULL);
        json_object_object_add(ns, "SecondaryIPv6Addresses", NULL);
        /* The top-level fields describe the default bridge only. */
        for (size_t i = 0; i < ARRAY_SIZE(top_fields); i++) {
                json_object *value = bridge ? json_object_object_get(bridge, top_fields[i]) : NULL;

                if (value)
                        json_object_object_add(ns, top_fields[i], json_object_get(value));
                else if (strstr(top_fields[i], "PrefixLen"))
                        json_object_object_add(ns, top_fields[i], json_object_new_int(0));
                else
                        json_object_object_add(ns, top_fields[i], json_object_new_string(""));
        }
        json_object_object_add(ns, "Networks", networks);
        free(sandbox_id);
        free(sandbox_key);
        return ns;
}

/* ---- Connect and disconnect ---- */

/* Writes the sandbox record of a running c again after its networks
 * changed. Takes c->lock, then the store's. */
static void rewrite_record(struct engine *e, struct container *c)
{
        struct network_store *s = store(e);
        _cleanup_json_ json_object *networks = NULL;
        struct sandbox *sb;

        pthread_mutex_lock(&c->lock);
        networks = c->networks ? json_tokener_parse(json_to_string(c->networks)) : json_object_new_object();
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_lock(&s->lock);
        sb = sandbox_find_locked(s, c->id);
        if (sb && record_write(s, sb, networks) < 0)
                log_warn("Failed to record the network sandbox of container %s", c->id);
        pthread_mutex_unlock(&s->lock);
}

int network_connect(struct engine *e, const char *ref, struct container *c, json_object *config, struct error *err)
{
        struct network_store *s = store(e);
        _cleanup_free_ char *mode = NULL, *cname = NULL;
        _cleanup_close_ int ns_fd = -1;
        json_object *settings;
        struct network *n;
        struct sandbox *sb;
        bool running, dns_needed = false;
        char *network_name = NULL, *path = NULL;
        int r;

        pthread_mutex_lock(&c->op_lock);
        pthread_mutex_lock(&c->lock);
        running = container_is_running(c);
        mode = strdup(json_field_string(c->host_config, "NetworkMode", "default"));
        cname = strdup(c->name + (c->name[0] == '/'));
        pthread_mutex_unlock(&c->lock);
        if (!mode || !cname) {
                pthread_mutex_unlock(&c->op_lock);
                return -ENOMEM;
        }
        if (streq(mode, "host") || streq(mode, "none") || startswith(mode, "container:")) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EPERM,
                                 "container cannot be disconnected from host network or connected to "
                                 "host network");
        }

        pthread_mutex_lock(&s->lock);
        r = network_find_locked(s, ref, &n, err);
        if (r >= 0 && (streq(n->driver, "host") || streq(n->driver, "null")))
                r = error_set(err, -EPERM,
                              "container cannot be disconnected from host network or connected to host network");
        if (r >= 0 && network_has_container(n, c->id))
                r = error_set(err, -EPERM, "endpoint with name %s already exists in network %s", cname, n->name);
        if (r >= 0)
                network_name = strdup(n->name);
        settings = new_endpoint_settings(config);
        if (r >= 0 && running) {
                sb = sandbox_find_locked(s, c->id);
                if (!sb)
                        r = error_set(err, -EINVAL, "container %s has no network namespace to connect", c->id);
                if (r >= 0) {
                        ns_fd = netns_open(sb->path);
                        r = ns_fd < 0 ? error_set_errno(err, ns_fd, "opening %s failed", sb->path) : 0;
                }
                if (r >= 0)
                        r = attach_locked(s, sb, cname, n, settings, json_field_string(config, "MacAddress", ""), ns_fd,
                                          err);
                if (r >= 0) {
                        dns_needed = !n->predefined && !sb->dns;
                        path = strdup(sb->path);
                }
        }
        pthread_mutex_unlock(&s->lock);
        if (r < 0 || !network_name) {
                json_object_put(settings);
                free(network_name);
                pthread_mutex_unlock(&c->op_lock);
                return r < 0 ? r : -ENOMEM;
        }

        pthread_mutex_lock(&c->lock);
        if (!c->networks)
                c->networks = json_object_new_object();
        json_object_object_add(c->networks, network_name, settings);
        r = engine_container_save_definition(e, c);
        pthread_mutex_unlock(&c->lock);
        if (running)
                rewrite_record(e, c);
        if (dns_needed && path && dns_register(e, c, path, NULL) >= 0) {
                pthread_mutex_lock(&s->lock);
                if ((sb = sandbox_find_locked(s, c->id)))
                        sb->dns = true;
                pthread_mutex_unlock(&s->lock);
        }
        free(path);
        pthread_mutex_unlock(&c->op_lock);

        pthread_mutex_lock(&s->lock);
        if (network_find_locked(s, network_name, &n, NULL) >= 0) {
                struct network copy = *n;

                pthread_mutex_unlock(&s->lock);
                network_event(e, "connect", &copy, c->id);
        } else
                pthread_mutex_unlock(&s->lock);
        free(network_name);
        return r;
}

int network_disconnect(struct engine *e, const char *ref, struct container *c, bool force, struct error *err)
{
        struct network_store *s = store(e);
        _cleanup_free_ char *network_name = NULL;
        struct network *n, copy;
        struct sandbox *sb;
        bool connected;
        int r;

        pthread_mutex_lock(&c->op_lock);
        pthread_mutex_lock(&s->lock);
        r = network_find_locked(s, ref, &n, err);
        if (r >= 0 && (streq(n->driver, "host") || streq(n->driver, "null")))
                r = error_set(err, -EPERM,
                              "container cannot be disconnected from host network or connected to host network");
        if (r >= 0) {
                network_name = strdup(n->name);
                copy = *n;
        }
        pthread_mutex_unlock(&s->lock);
        if (r < 0 || !network_name) {
                pthread_mutex_unlock(&c->op_lock);
                return r < 0 ? r : -ENOMEM;
        }

        pthread_mutex_lock(&c->lock);
        connected = c->networks && json_object_object_get_ex(c->networks, network_name, NULL);
        pthread_mutex_unlock(&c->lock);
        if (!connected && !force) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EPERM, "container %s is not connected to network %s", c->id, network_name);
        }

        pthread_mutex_lock(&s->lock);
        if (network_find_locked(s, network_name, &n, NULL) >= 0 && (sb = sandbox_find_locked(s, c->id))) {
                for (size_t i = 0; i < n->n_endpoints; i++) {
                        struct network_endpoint *ep = n->endpoints[i];
                        _cleanup_close_ int ns_fd = -1;

                        if (!streq(ep->container_id, c->id))
                                continue;
                        ns_fd = netns_open(sb->path);
                        if (ns_fd >= 0)
                                netns_link_delete_in(ns_fd, ep->ifname, NULL);
                        break;
                }
                remove_endpoint(n, c->id, true);
        }
        pthread_mutex_unlock(&s->lock);

        pthread_mutex_lock(&c->lock);
        if (c->networks)
                json_object_object_del(c->networks, network_name);
        r = engine_container_save_definition(e, c);
        pthread_mutex_unlock(&c->lock);
        rewrite_record(e, c);
        pthread_mutex_unlock(&c->op_lock);
        network_event(e, "disconnect", &copy, c->id);
        return r;
}

/* ---- /etc files ---- */

int network_container_etcfiles(struct engine *e, struct container *c, struct network_etcfiles *ret)
{
        struct network_store *s = store(e);
        struct network *bridge;
        size_t n = 0;

        *ret = (struct network_etcfiles){ 0 };
        if (c->networks) {
                json_object_object_foreach (c->networks, name, settings) {
                        const char *v4 = json_field_string(settings, "IPAddress", "");
                        const char *v6 = json_field_string(settings, "GlobalIPv6Address", "");

                        if (n < ARRAY_SIZE(ret->endpoints) && (*v4 || *v6))
                                ret->endpoints[n++] = (struct etcfiles_endpoint){
                                        .address = *v4 ? v4 : NULL,
                                        .address6 = *v6 ? v6 : NULL,
                                };
                        if (!is_default_bridge(name) && !streq(name, "host") && !streq(name, "none"))
                                ret->net.embedded_dns = true;
                }
        }
        ret->net.endpoints = ret->endpoints;
        ret->net.n_endpoints = n;
        pthread_mutex_lock(&s->lock);
        if (!s->bridge_none && network_find_locked(s, "bridge", &bridge, NULL) >= 0 && bridge->gateway4.family &&
            inet_ntop(AF_INET, &bridge->gateway4.addr, ret->gateway, sizeof(ret->gateway)))
                ret->net.host_gateway = ret->gateway;
        pthread_mutex_unlock(&s->lock);
        return 0;
}
