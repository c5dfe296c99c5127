/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoints: a container's interfaces on networks, with addresses from
 * the networks' pools, and the names the embedded DNS server returns. */
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

/* Tells whether name is the container name or an alias of ep, alone or
 * followed by ".NETWORK" (n's name), as dockerd resolves them. */
static bool endpoint_named_on(const struct network_endpoint *ep, const struct network *n, const char *name)
{
        size_t len = strlen(name), suffix = strlen(n->name);

        if (endpoint_named(ep, name))
                return true;
        if (len > suffix + 1 && name[len - suffix - 1] == '.' && strcasecmp(name + len - suffix, n->name) == 0) {
                _cleanup_free_ char *base = strndup(name, len - suffix - 1);

                return base && endpoint_named(ep, base);
        }
        return false;
}

/* Tells whether the container sandbox has an endpoint on n. */
bool network_has_container(const struct network *n, const char *sandbox)
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
        struct sandbox *sb;
        size_t count = 0;

        pthread_mutex_lock(&s->lock);
        /* A link alias names its target for the linking container only. */
        sb = sandbox_find_locked(s, sandbox);
        for (size_t i = 0; sb && i < json_array_count(sb->links); i++) {
                json_object *link = json_object_array_get_idx(sb->links, i);

                if (strcasecmp(json_field_string(link, "Alias", ""), name) == 0) {
                        name = json_field_string(link, "Name", name);
                        break;
                }
        }
        for (size_t i = 0; i < s->n && count < max; i++) {
                struct network *n = s->items[i];

                if (n->predefined || !network_has_container(n, sandbox))
                        continue;
                for (size_t j = 0; j < n->n_endpoints && count < max; j++) {
                        struct network_endpoint *ep = n->endpoints[j];
                        const struct netns_addr *a = family == AF_INET ? &ep->v4 : &ep->v6;

                        if (a->family == family && endpoint_named_on(ep, n, name))
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
/* Tells whether every endpoint of container id is on an internal network. */
static bool only_internal_networks(struct network_store *s, const char *id)
{
        bool any = false, internal = true;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n; i++)
                if (network_has_container(s->items[i], id)) {
                        any = true;
                        internal &= s->items[i]->internal;
                }
        pthread_mutex_unlock(&s->lock);
        return any && internal;
}

int network_dns_register(struct engine *e, struct container *c, const char *path, struct error *err)
{
        struct network_store *s = engine_network_store(e);
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
        /* dockerd forwards from the container's namespace, so a container
         * only on internal networks resolves no external names. */
        if (only_internal_networks(s, c->id)) {
                strv_free(upstreams);
                upstreams = NULL;
        }
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

int network_mac_parse(const char *s, uint8_t mac[static 6])
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

void network_endpoint_add(struct network *n, struct network_endpoint *ep)
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
void network_endpoint_remove(struct network *n, const char *id, bool delete_link)
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

/* Reserves the address a connect or create asked for. dockerd 20.10
 * replies 500 to one outside the network's subnets. */
static int reserve_requested(struct ipam_pool *pool, const struct netns_addr *addr, const char *text, struct error *err)
{
        if (!ipam_pool_contains(pool, addr))
                return error_set(err, -EIO, "Invalid address %s: It does not belong to any of this network's subnets",
                                 text);
        return ipam_pool_reserve(pool, addr, err);
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
                        r = reserve_requested(&n->pool4, &ep->v4, want4, err);
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
                        r = reserve_requested(&n->pool6, &ep->v6, want6, err);
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
int network_attach_locked(struct network_store *s, struct sandbox *sb, const char *container_name, struct network *n,
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
                if (network_mac_parse(mac_text, ep->mac) < 0) {
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
                if (r >= 0 && !strv_contains(names, short_id))
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
        /* As in dockerd, the first network of the container gives its
         * default routes and the others only their subnets' routes. */
        if (sb->next_ifindex == 0 && !n->internal && n->gateway4.family && ep->v4.family)
                gateways[n_gateways++] = n->gateway4;
        if (sb->next_ifindex == 0 && !n->internal && n->gateway6.family && ep->v6.family)
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
        network_endpoint_add(n, TAKE_PTR(ep));
        return 0;
}

void network_container_renamed(struct engine *e, struct container *c, const char *name)
{
        struct network_store *s = engine_network_store(e);

        if (name[0] == '/')
                name++;
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n; i++)
                for (size_t j = 0; j < s->items[i]->n_endpoints; j++) {
                        struct network_endpoint *ep = s->items[i]->endpoints[j];
                        char *copy;

                        if (!streq(ep->container_id, c->id) || !(copy = strdup(name)))
                                continue;
                        free(ep->container_name);
                        ep->container_name = copy;
                }
        pthread_mutex_unlock(&s->lock);
}
