/* SPDX-License-Identifier: Apache-2.0 */
/* The network store: loading, saving and finding networks, and the
 * predefined networks of the daemon. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "daemon.h"
#include "engine-internal.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "netns/dns.h"
#include "netns/nft.h"
#include "portmap.h"
#include "network-internal.h"
#include "strv.h"
#include "timeutil.h"

#define NETWORK_JSON_MAX (1u << 20)

void network_endpoint_free(struct network_endpoint *ep)
{
        if (!ep)
                return;
        free(ep->container_name);
        strv_free(ep->aliases);
        free(ep);
}

void network_free(struct network *n)
{
        if (!n)
                return;
        for (size_t i = 0; i < n->n_endpoints; i++)
                network_endpoint_free(n->endpoints[i]);
        free(n->endpoints);
        ipam_pool_clear(&n->pool4);
        ipam_pool_clear(&n->pool6);
        json_object_put(n->object);
        free(n);
}

static const char *option(struct network *n, const char *key, const char *fallback)
{
        return json_field_string(json_field_object(n->object, "Options"), key, fallback);
}

/* Reads one IPAM.Config entry into the pool of its family. */
static int derive_pool(struct network *n, json_object *config, struct error *err)
{
        const char *subnet_text = json_field_string(config, "Subnet", "");
        const char *range_text = json_field_string(config, "IPRange", "");
        const char *gateway_text = json_field_string(config, "Gateway", "");
        struct netns_addr subnet, range, gateway;
        struct ipam_pool *pool;
        struct netns_addr *gw;
        int r;

        if (netns_addr_parse(subnet_text, &subnet) < 0)
                return error_set(err, -EINVAL, "invalid subnet %s : invalid CIDR address: %s", subnet_text,
                                 subnet_text);
        if (*range_text && netns_addr_parse(range_text, &range) < 0)
                return error_set(err, -EINVAL, "invalid ip-range %s : invalid CIDR address: %s", range_text,
                                 range_text);
        pool = subnet.family == AF_INET ? &n->pool4 : &n->pool6;
        gw = subnet.family == AF_INET ? &n->gateway4 : &n->gateway6;
        if (pool->subnet.family)
                return error_set(err, -EINVAL, "multiple %s subnets are not supported",
                                 subnet.family == AF_INET ? "IPv4" : "IPv6");
        r = ipam_pool_init(pool, &subnet, *range_text ? &range : NULL, err);
        if (r < 0)
                return r;
        if (*gateway_text) {
                /* dockerd 20.10 replies 500 to a gateway outside the subnet. */
                if (netns_addr_parse(gateway_text, &gateway) < 0 || gateway.family != subnet.family)
                        return error_set(err, -EINVAL, "invalid gateway %s", gateway_text);
                if (!ipam_pool_contains(pool, &gateway))
                        return error_set(err, -EIO, "failed to allocate gateway (%s): Address out of range",
                                         gateway_text);
                r = ipam_pool_reserve(pool, &gateway, err);
                if (r < 0)
                        return r;
        } else {
                r = ipam_pool_allocate(pool, &gateway, err);
                if (r < 0)
                        return error_prefix(err, r, "no address for the gateway of subnet %s", subnet_text);
        }
        gateway.prefixlen = pool->subnet.prefixlen;
        *gw = gateway;
        return 0;
}

int network_derive(struct network *n, struct error *err)
{
        json_object *configs = json_field_array(json_field_object(n->object, "IPAM"), "Config");
        const char *created = json_field_string(n->object, "Created", "");
        int r;

        n->name = json_field_string(n->object, "Name", "");
        n->driver = json_field_string(n->object, "Driver", "bridge");
        n->internal = json_field_bool(n->object, "Internal", false);
        n->enable_ipv6 = json_field_bool(n->object, "EnableIPv6", false);
        n->icc = !streq(option(n, "com.docker.network.bridge.enable_icc", "true"), "false");
        n->masquerade = !streq(option(n, "com.docker.network.bridge.enable_ip_masquerade", "true"), "false");
        n->mtu = (unsigned)strtoul(option(n, "com.docker.network.driver.mtu", "0"), NULL, 10);
        if (timeutil_parse_rfc3339(created, &n->created_ns) < 0)
                n->created_ns = 0;
        if (!streq(n->driver, "bridge"))
                return 0;
        snprintf(n->bridge, sizeof(n->bridge), "%s", option(n, "com.docker.network.bridge.name", ""));
        if (!n->bridge[0])
                snprintf(n->bridge, sizeof(n->bridge), "br-%.12s", n->id);
        for (size_t i = 0; i < json_array_count(configs); i++) {
                r = derive_pool(n, json_object_array_get_idx(configs, i), err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int network_save(struct network_store *s, struct network *n)
{
        _cleanup_close_ int fd = -1;
        int r;

        if (mkdirat(s->dirfd, n->id, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Failed to create the directory of network %s: %m", n->name);
        fd = openat(s->dirfd, n->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        r = fd < 0 ? -errno : json_file_write_atomic(fd, "network.json", n->object, 0600);
        if (r < 0)
                log_error_errno(r, "Failed to write the definition of network %s: %m", n->name);
        return r;
}

int network_find_locked(struct network_store *s, const char *ref, struct network **ret, struct error *err)
{
        struct network *by_name = NULL, *by_prefix = NULL;
        size_t names = 0, prefixes = 0;

        for (size_t i = 0; i < s->n; i++) {
                struct network *n = s->items[i];

                if (streq(n->id, ref)) {
                        *ret = n;
                        return 0;
                }
                if (streq(n->name, ref)) {
                        by_name = n;
                        names++;
                }
                if (id_is_prefix(ref) && startswith(n->id, ref)) {
                        by_prefix = n;
                        prefixes++;
                }
        }
        if (names > 1)
                return error_set(err, -EINVAL, "network %s is ambiguous (%zu matches found based on name)", ref, names);
        if (by_name) {
                *ret = by_name;
                return 0;
        }
        if (prefixes > 1)
                return error_set(err, -EINVAL, "network %s is ambiguous (%zu matches found based on ID prefix)", ref,
                                 prefixes);
        if (by_prefix) {
                *ret = by_prefix;
                return 0;
        }
        return error_set(err, -ENOENT, "network %s not found", ref);
}

struct sandbox *sandbox_find_locked(struct network_store *s, const char *id)
{
        for (size_t i = 0; i < s->n_sandboxes; i++)
                if (streq(s->sandboxes[i]->container_id, id))
                        return s->sandboxes[i];
        return NULL;
}

void network_event(struct engine *e, const char *action, const struct network *n, const char *container)
{
        char *attributes[] = { (char *)"container",
                               (char *)container,
                               (char *)"name",
                               (char *)n->name,
                               (char *)"type",
                               (char *)n->driver,
                               NULL };

        engine_event_emit(e, "network", action, n->id, container ? attributes : attributes + 2);
}

static int store_add(struct network_store *s, struct network *n)
{
        struct network **items = reallocarray(s->items, s->n + 1, sizeof(*items));

        if (!items)
                return -ENOMEM;
        s->items = items;
        s->items[s->n++] = n;
        return 0;
}

static int load_one(struct network_store *s, const char *id, struct network **ret)
{
        _cleanup_json_ json_object *object = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        char name[ID_LENGTH + 16];
        struct network *n;
        int r;

        snprintf(name, sizeof(name), "%.64s/network.json", id);
        r = json_file_read(s->dirfd, name, NETWORK_JSON_MAX, &object);
        if (r < 0)
                return r;
        if (!streq(json_field_string(object, "Id", ""), id))
                return -EINVAL;
        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        memcpy(n->id, id, ID_LENGTH + 1);
        n->object = TAKE_PTR(object);
        r = network_derive(n, &err);
        if (r < 0) {
                log_error("Network %s: %s", id, error_message(&err, r));
                network_free(n);
                return r;
        }
        *ret = n;
        return 0;
}

static void remove_network_dir(struct network_store *s, const char *id)
{
        int r = fs_rm_rf_at(s->dirfd, id);

        if (r < 0)
                log_warn_errno(r, "Failed to remove the directory of network %s: %m", id);
}

static void load_all(struct network_store *s)
{
        _cleanup_close_ int fd = dup(s->dirfd);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (!dir)
                return;
        TAKE_FD(fd);
        while ((de = readdir(dir))) {
                struct network *n = NULL;
                int r;

                if (!id_is_hex(de->d_name, ID_LENGTH))
                        continue;
                r = load_one(s, de->d_name, &n);
                if (r == -ENOENT) {
                        /* A create that a crash interrupted before it
                         * wrote network.json. */
                        log_info("Removing network directory %s, which has no network.json", de->d_name);
                        remove_network_dir(s, de->d_name);
                        continue;
                }
                if (r < 0) {
                        log_error_errno(r, "Skipping network %s, which could not be loaded: %m", de->d_name);
                        continue;
                }
                if (store_add(s, n) < 0)
                        network_free(n);
        }
        closedir(dir);
}

bool network_name_predefined(const char *name)
{
        return streq(name, "bridge") || streq(name, "host") || streq(name, "none");
}

void sandbox_free(struct sandbox *sb)
{
        if (!sb)
                return;
        portmap_free(sb->ports);
        json_object_put(sb->links);
        strv_free(sb->link_env);
        free(sb->path);
        free(sb);
}

/* Returns the predefined network called name, or NULL. */
static struct network *find_predefined(struct network_store *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->items[i]->predefined && streq(s->items[i]->name, name))
                        return s->items[i];
        return NULL;
}

/* Replaces or adds the predefined network name with object, keeping the
 * ID and creation time of the stored one. */
static int define_predefined(struct network_store *s, const char *name, json_object *object, struct error *err)
{
        struct network *old = NULL, *n;
        char created[64];
        int r;

        for (size_t i = 0; i < s->n; i++)
                if (streq(s->items[i]->name, name))
                        old = s->items[i];
        n = calloc(1, sizeof(*n));
        if (!n) {
                json_object_put(object);
                return -ENOMEM;
        }
        if (old) {
                memcpy(n->id, old->id, sizeof(n->id));
                json_object_object_add(object, "Created",
                                       json_object_new_string(json_field_string(old->object, "Created", "")));
        } else {
                r = id_generate(n->id);
                if (r < 0) {
                        json_object_put(object);
                        free(n);
                        return r;
                }
                json_object_object_add(
                        object, "Created",
                        json_object_new_string(timeutil_format_rfc3339(timeutil_now_ns(), created, sizeof(created))));
        }
        json_object_object_add(object, "Id", json_object_new_string(n->id));
        n->object = object;
        n->predefined = true;
        r = network_derive(n, err);
        if (r < 0) {
                network_free(n);
                return r;
        }
        if (old) {
                for (size_t i = 0; i < s->n; i++)
                        if (s->items[i] == old)
                                s->items[i] = n;
                network_free(old);
        } else if (store_add(s, n) < 0) {
                network_free(n);
                return -ENOMEM;
        }
        return network_save(s, n);
}

static json_object *new_network_object(const char *name, const char *driver, json_object *ipam_config,
                                       json_object *options)
{
        json_object *obj = json_object_new_object(), *ipam = json_object_new_object(), *from;

        json_object_object_add(obj, "Name", json_object_new_string(name));
        json_object_object_add(obj, "Id", json_object_new_string(""));
        json_object_object_add(obj, "Created", json_object_new_string(""));
        json_object_object_add(obj, "Scope", json_object_new_string("local"));
        json_object_object_add(obj, "Driver", json_object_new_string(driver));
        json_object_object_add(obj, "EnableIPv6", json_object_new_boolean(false));
        json_object_object_add(ipam, "Driver", json_object_new_string("default"));
        json_object_object_add(ipam, "Options", NULL);
        json_object_object_add(ipam, "Config", ipam_config ? ipam_config : json_object_new_array());
        json_object_object_add(obj, "IPAM", ipam);
        json_object_object_add(obj, "Internal", json_object_new_boolean(false));
        json_object_object_add(obj, "Attachable", json_object_new_boolean(false));
        json_object_object_add(obj, "Ingress", json_object_new_boolean(false));
        from = json_object_new_object();
        json_object_object_add(from, "Network", json_object_new_string(""));
        json_object_object_add(obj, "ConfigFrom", from);
        json_object_object_add(obj, "ConfigOnly", json_object_new_boolean(false));
        json_object_object_add(obj, "Options", options ? options : json_object_new_object());
        json_object_object_add(obj, "Labels", json_object_new_object());
        return obj;
}

/* Collects the subnets that a new network must not overlap: those of the
 * networks and the routes of the daemon's namespace. */
int network_taken_subnets(struct network_store *s, bool with_routes, struct netns_addr **ret, size_t *ret_n)
{
        _cleanup_free_ struct netns_addr *routes = NULL;
        struct netns_addr *taken;
        size_t n_routes = 0, n = 0;

        if (with_routes && netns_routes_list(&routes, &n_routes, NULL) < 0)
                n_routes = 0;
        taken = calloc(s->n * 2 + n_routes + 1, sizeof(*taken));
        if (!taken)
                return -ENOMEM;
        for (size_t i = 0; i < s->n; i++) {
                if (s->items[i]->pool4.subnet.family)
                        taken[n++] = s->items[i]->pool4.subnet;
                if (s->items[i]->pool6.subnet.family)
                        taken[n++] = s->items[i]->pool6.subnet;
        }
        for (size_t i = 0; i < n_routes; i++)
                taken[n++] = routes[i];
        *ret = taken;
        *ret_n = n;
        return 0;
}

/* The default pools of the daemon: "default-address-pools" or Docker's. */
int network_default_pools(struct network_store *s, struct ipam_default_pool **ret, size_t *ret_n, struct error *err)
{
        json_object *configured = s->engine->daemon->config.default_address_pools;
        struct ipam_default_pool *pools;
        size_t n = json_array_count(configured);
        int r;

        if (n == 0) {
                pools = calloc(ipam_docker_default_pools_count, sizeof(*pools));
                if (!pools)
                        return -ENOMEM;
                memcpy(pools, ipam_docker_default_pools, ipam_docker_default_pools_count * sizeof(*pools));
                *ret = pools;
                *ret_n = ipam_docker_default_pools_count;
                return 0;
        }
        pools = calloc(n, sizeof(*pools));
        if (!pools)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = ipam_default_pool_parse(json_object_array_get_idx(configured, i), &pools[i], err);
                if (r < 0) {
                        free(pools);
                        return r;
                }
        }
        *ret = pools;
        *ret_n = n;
        return 0;
}

/* The subnet and gateway of the default bridge: --bip, or the first
 * default pool that collides with no route. */
static int default_bridge_config(struct network_store *s, json_object **ret, struct error *err)
{
        const struct daemon_config *config = &s->engine->daemon->config;
        json_object *entry = json_object_new_object(), *configs = json_object_new_array();
        char text[NETNS_ADDR_FORMAT_MAX];
        struct netns_addr subnet;
        int r;

        json_object_array_add(configs, entry);
        if (config->bip) {
                if (netns_addr_parse(config->bip, &subnet) < 0 || subnet.family != AF_INET) {
                        json_object_put(configs);
                        return error_set(err, -EINVAL, "invalid --bip %s: expected an IPv4 address with a prefix",
                                         config->bip);
                }
                /* --bip gives the bridge's own address with the prefix. */
                struct netns_addr gateway = subnet;
                char gw[INET6_ADDRSTRLEN];

                ipam_addr_mask(&subnet);
                json_object_object_add(entry, "Subnet", json_object_new_string(netns_addr_format(&subnet, text)));
                json_object_object_add(entry, "Gateway",
                                       json_object_new_string(inet_ntop(AF_INET, &gateway.addr, gw, sizeof(gw))));
        } else {
                _cleanup_free_ struct ipam_default_pool *pools = NULL;
                _cleanup_free_ struct netns_addr *taken = NULL;
                size_t n_pools = 0, n_taken = 0;

                r = network_default_pools(s, &pools, &n_pools, err);
                if (r >= 0)
                        r = network_taken_subnets(s, true, &taken, &n_taken);
                if (r >= 0) {
                        /* The default bridge's own stored subnet does not count. */
                        struct network *old = find_predefined(s, "bridge");

                        for (size_t i = 0; old && i < n_taken; i++)
                                if (old->pool4.subnet.family &&
                                    !memcmp(&taken[i], &old->pool4.subnet, sizeof(taken[i])))
                                        taken[i].prefixlen = 0;
                        r = ipam_pick_subnet(pools, n_pools, taken, n_taken, &subnet, err);
                }
                if (r < 0) {
                        json_object_put(configs);
                        return r;
                }
                json_object_object_add(entry, "Subnet", json_object_new_string(netns_addr_format(&subnet, text)));
        }
        if (config->fixed_cidr)
                json_object_object_add(entry, "IPRange", json_object_new_string(config->fixed_cidr));
        *ret = configs;
        return 0;
}

static json_object *default_bridge_options(const struct daemon_config *config, const char *bridge)
{
        json_object *options = json_object_new_object();
        char mtu[16];

        snprintf(mtu, sizeof(mtu), "%u", config->mtu ? config->mtu : 1500);
        json_object_object_add(options, "com.docker.network.bridge.default_bridge", json_object_new_string("true"));
        json_object_object_add(options, "com.docker.network.bridge.enable_icc",
                               json_object_new_string(config->icc ? "true" : "false"));
        json_object_object_add(options, "com.docker.network.bridge.enable_ip_masquerade",
                               json_object_new_string(config->ip_masq ? "true" : "false"));
        json_object_object_add(options, "com.docker.network.bridge.host_binding_ipv4",
                               json_object_new_string("0.0.0.0"));
        json_object_object_add(options, "com.docker.network.bridge.name", json_object_new_string(bridge));
        json_object_object_add(options, "com.docker.network.driver.mtu", json_object_new_string(mtu));
        return options;
}

/* Defines bridge (unless --bridge none), host and none. */
static int define_predefined_networks(struct network_store *s, struct error *err)
{
        const struct daemon_config *config = &s->engine->daemon->config;
        int r;

        /* Docker forbids these names to user networks, so the stored
         * networks of these names are the predefined ones. */
        for (size_t i = 0; i < s->n; i++)
                s->items[i]->predefined = network_name_predefined(s->items[i]->name);

        if (!s->bridge_none) {
                const char *bridge = config->bridge ? config->bridge : "sockerless0";
                json_object *configs = NULL, *object;

                r = default_bridge_config(s, &configs, err);
                if (r < 0)
                        return r;
                object = new_network_object("bridge", "bridge", configs, default_bridge_options(config, bridge));
                json_object_object_add(object, "EnableIPv6", json_object_new_boolean(config->ipv6));
                if (config->ipv6 && config->fixed_cidr_v6) {
                        json_object *v6 = json_object_new_object();

                        json_object_object_add(v6, "Subnet", json_object_new_string(config->fixed_cidr_v6));
                        json_object_array_add(configs, v6);
                }
                r = define_predefined(s, "bridge", object, err);
                if (r < 0)
                        return error_prefix(err, r, "the default bridge network");
        } else {
                struct network *old = find_predefined(s, "bridge");

                /* Without a default bridge its record goes, as dockerd's
                 * does, once no container uses it. */
                if (old && old->n_endpoints == 0) {
                        for (size_t i = 0; i < s->n; i++)
                                if (s->items[i] == old)
                                        s->items[i] = s->items[--s->n];
                        remove_network_dir(s, old->id);
                        network_free(old);
                }
        }
        r = define_predefined(s, "host", new_network_object("host", "host", NULL, NULL), err);
        if (r >= 0)
                r = define_predefined(s, "none", new_network_object("none", "null", NULL, NULL), err);
        return r;
}

int network_bridge_up(struct network_store *s, struct network *n, struct error *err)
{
        struct netns_addr addrs[2];
        size_t n_addrs = 0;
        struct netns_bridge_config cfg;
        int r;

        if (!streq(n->driver, "bridge") || n->bridge_up)
                return 0;
        if (n->gateway4.family)
                addrs[n_addrs++] = n->gateway4;
        if (n->gateway6.family)
                addrs[n_addrs++] = n->gateway6;
        cfg = (struct netns_bridge_config){
                .name = n->bridge,
                .mtu = n->mtu,
                .addrs = addrs,
                .n_addrs = n_addrs,
                .enable_ipv6 = n->enable_ipv6,
                .keep_forwarding = !s->ip_forward,
                .alias = s->bridge_alias,
        };
        r = netns_bridge_ensure(&cfg, err);
        if (r < 0)
                return error_prefix(err, r, "creating the bridge %s of network %s failed", n->bridge, n->name);
        n->bridge_up = true;
        return 0;
}

static bool bridge_in_use(struct network_store *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->items[i]->bridge_up && streq(s->items[i]->bridge, name))
                        return true;
        return false;
}

/* Deletes the bridges that this daemon created and no network uses: those
 * of a network whose create or rm a crash interrupted, and the default
 * bridge after a restart with --bridge none or another --bridge. The alias
 * names the data root, so the bridges of another daemon in the same
 * namespace stay. */
static void remove_unused_bridges(struct network_store *s)
{
        _cleanup_error_ struct error list_err = ERROR_INIT;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        if (!s->bridge_alias)
                return;
        r = netns_bridges_list(s->bridge_alias, &names, &list_err);
        if (r < 0) {
                log_warn("Failed to look for unused bridges: %s", error_message(&list_err, r));
                return;
        }
        STRV_FOREACH (name, names) {
                _cleanup_error_ struct error link_err = ERROR_INIT;

                if (bridge_in_use(s, *name))
                        continue;
                r = netns_link_delete(*name, &link_err);
                if (r < 0)
                        log_warn("Failed to delete the unused bridge %s: %s", *name, error_message(&link_err, r));
                else
                        log_info("Deleted the bridge %s, which no network uses", *name);
        }
}

int network_store_open(struct engine *e, struct network_store **ret, struct error *err)
{
        const struct daemon_config *config = &e->daemon->config;
        struct network_store *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->engine = e;
        s->dirfd = -1;
        pthread_mutex_init(&s->lock, NULL);
        s->nft_enabled = config->iptables;
        s->bridge_none = config->bridge && streq(config->bridge, "none");
        s->ip_forward = config->ip_forward;
        /* IFALIASZ is 256 with the terminating NUL. */
        if (asprintf(&s->bridge_alias, "sockerless %s", config->data_root) < 0) {
                s->bridge_alias = NULL;
                network_store_free(s);
                return -ENOMEM;
        }
        if (strlen(s->bridge_alias) > 255) {
                log_warn("The data root %s is too long to mark the daemon's bridges, which a crash can leave behind",
                         config->data_root);
                free(s->bridge_alias);
                s->bridge_alias = NULL;
        }
        s->dir = fs_path_join(config->data_root, "networks");
        s->netns_dir = fs_path_join(config->exec_root, "netns");
        if (!s->dir || !s->netns_dir) {
                network_store_free(s);
                return -ENOMEM;
        }
        r = fs_mkdir_p(s->dir, 0700);
        if (r >= 0)
                r = fs_mkdir_p(s->netns_dir, 0700);
        if (r < 0) {
                error_set_errno(err, r, "creating %s failed", s->dir);
                network_store_free(s);
                return r;
        }
        s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->dirfd < 0) {
                r = error_set_errno(err, -errno, "opening %s failed", s->dir);
                network_store_free(s);
                return r;
        }
        load_all(s);
        r = define_predefined_networks(s, err);
        if (r < 0) {
                network_store_free(s);
                return r;
        }
        for (size_t i = 0; i < s->n; i++) {
                _cleanup_error_ struct error bridge_err = ERROR_INIT;

                r = network_bridge_up(s, s->items[i], &bridge_err);
                if (r < 0)
                        log_error("%s", error_message(&bridge_err, r));
        }
        remove_unused_bridges(s);
        *ret = s;
        return 0;
}

void network_store_free(struct network_store *s)
{
        if (!s)
                return;
        dns_server_free(s->dns);
        for (size_t i = 0; i < s->n; i++)
                network_free(s->items[i]);
        free(s->items);
        for (size_t i = 0; i < s->n_sandboxes; i++)
                sandbox_free(s->sandboxes[i]);
        free(s->sandboxes);
        strv_free(s->host_members);
        if (s->dirfd >= 0)
                close(s->dirfd);
        free(s->dir);
        free(s->netns_dir);
        free(s->bridge_alias);
        pthread_mutex_destroy(&s->lock);
        free(s);
}
