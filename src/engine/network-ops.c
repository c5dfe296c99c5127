/* SPDX-License-Identifier: Apache-2.0 */
/* The network endpoints of the API: create, inspect, list, remove, prune,
 * with dockerd 20.10's replies and messages. */
#include <arpa/inet.h>
#include <stdio.h>

#include "crash-point.h"
#include "daemon.h"
#include "engine-internal.h"
#include "fsutil.h"
#include "image/timestamp.h"
#include "jsonutil.h"
#include "log.h"
#include "network-internal.h"
#include "strv.h"
#include "timeutil.h"

json_object *network_to_json_locked(struct network *n)
{
        json_object *obj = json_object_new_object(), *containers = json_object_new_object();

        json_object_object_foreach (n->object, key, value)
                json_object_object_add(obj, key, json_object_get(value));
        for (size_t i = 0; i < n->n_endpoints; i++) {
                struct network_endpoint *ep = n->endpoints[i];
                json_object *entry = json_object_new_object();
                char text[NETNS_ADDR_FORMAT_MAX], mac[18];

                snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", ep->mac[0], ep->mac[1], ep->mac[2],
                         ep->mac[3], ep->mac[4], ep->mac[5]);
                json_object_object_add(entry, "Name", json_object_new_string(ep->container_name));
                json_object_object_add(entry, "EndpointID", json_object_new_string(ep->endpoint_id));
                json_object_object_add(entry, "MacAddress",
                                       json_object_new_string(ep->mac[0] || ep->mac[1] ? mac : ""));
                json_object_object_add(entry, "IPv4Address",
                                       json_object_new_string(ep->v4.family ? netns_addr_format(&ep->v4, text) : ""));
                json_object_object_add(entry, "IPv6Address",
                                       json_object_new_string(ep->v6.family ? netns_addr_format(&ep->v6, text) : ""));
                json_object_object_add(containers, ep->container_id, entry);
        }
        /* Containers comes before Options, as dockerd orders the fields. */
        json_object_object_del(obj, "Options");
        json_object_object_del(obj, "Labels");
        json_object_object_add(obj, "Containers", containers);
        json_object_object_add(obj, "Options", json_object_get(json_object_object_get(n->object, "Options")));
        json_object_object_add(obj, "Labels", json_object_get(json_object_object_get(n->object, "Labels")));
        return obj;
}

/* ---- Create ---- */

static int check_request(json_object *req, struct error *err)
{
        static const struct {
                const char *key;
                json_type type;
        } fields[] = {
                { "Name", json_type_string },
                { "Driver", json_type_string },
                { "CheckDuplicate", json_type_boolean },
                { "Internal", json_type_boolean },
                { "Attachable", json_type_boolean },
                { "Ingress", json_type_boolean },
                { "EnableIPv6", json_type_boolean },
                { "ConfigOnly", json_type_boolean },
                { "IPAM", json_type_object },
                { "ConfigFrom", json_type_object },
                { "Scope", json_type_string },
        };
        int r;

        if (!req)
                return error_set(err, -EINVAL, "got EOF while reading request body");
        if (!json_object_is_type(req, json_type_object))
                return error_set(err, -EINVAL,
                                 "json: cannot unmarshal %s into Go value of type types.NetworkCreateRequest",
                                 json_object_is_type(req, json_type_array) ? "array" : "value");
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
                r = json_field_check(req, fields[i].key, fields[i].type, "NetworkCreateRequest", err);
                if (r < 0)
                        return r;
        }
        r = json_field_check_string_map(req, "Options", "NetworkCreateRequest", err);
        if (r >= 0)
                r = json_field_check_string_map(req, "Labels", "NetworkCreateRequest", err);
        return r;
}

/* Checks the IPAM.Config entries as dockerd does and copies them as they
 * are stored: Subnet, IPRange and Gateway when given. */
static int build_ipam_config(json_object *configs, json_object **ret, struct error *err)
{
        json_object *out = json_object_new_array();

        for (size_t i = 0; i < json_array_count(configs); i++) {
                json_object *in = json_object_array_get_idx(configs, i), *entry = json_object_new_object();
                static const char *const keys[] = { "Subnet", "IPRange", "Gateway" };
                struct netns_addr subnet;
                const char *subnet_text = json_field_string(in, "Subnet", "");

                json_object_array_add(out, entry);
                if (!*subnet_text) {
                        json_object_put(out);
                        return error_set(err, -EINVAL, "invalid pool request: an IPAM config needs a Subnet");
                }
                if (netns_addr_parse(subnet_text, &subnet) < 0 || !strchr(subnet_text, '/')) {
                        json_object_put(out);
                        return error_set(err, -EINVAL, "invalid subnet %s : invalid CIDR address: %s", subnet_text,
                                         subnet_text);
                }
                for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
                        const char *value = json_field_string(in, keys[k], "");

                        if (*value)
                                json_object_object_add(entry, keys[k], json_object_new_string(value));
                }
        }
        *ret = out;
        return 0;
}

/* Adds an automatic IPv4 subnet from the default pools when the request
 * gave none, as {Subnet, Gateway} as dockerd shows it. */
static int add_default_subnet(struct network_store *s, json_object *configs, struct error *err)
{
        _cleanup_free_ struct ipam_default_pool *pools = NULL;
        _cleanup_free_ struct netns_addr *taken = NULL;
        size_t n_pools = 0, n_taken = 0;
        char text[NETNS_ADDR_FORMAT_MAX], gw[INET6_ADDRSTRLEN];
        struct netns_addr subnet, gateway;
        json_object *entry;
        int r;

        for (size_t i = 0; i < json_array_count(configs); i++)
                if (!strchr(json_field_string(json_object_array_get_idx(configs, i), "Subnet", ":"), ':'))
                        return 0;
        r = network_default_pools(s, &pools, &n_pools, err);
        if (r >= 0)
                r = network_taken_subnets(s, true, &taken, &n_taken);
        if (r >= 0)
                r = ipam_pick_subnet(pools, n_pools, taken, n_taken, &subnet, err);
        if (r < 0)
                return r;
        gateway = subnet;
        gateway.addr.v4.s_addr = htonl(ntohl(subnet.addr.v4.s_addr) + 1);
        entry = json_object_new_object();
        json_object_object_add(entry, "Subnet", json_object_new_string(netns_addr_format(&subnet, text)));
        json_object_object_add(entry, "Gateway",
                               json_object_new_string(inet_ntop(AF_INET, &gateway.addr, gw, sizeof(gw))));
        /* IPv4 comes first, as dockerd lists it. */
        json_object_array_put_idx(configs, json_object_array_length(configs), NULL);
        for (size_t i = json_object_array_length(configs) - 1; i > 0; i--)
                json_object_array_put_idx(configs, i, json_object_get(json_object_array_get_idx(configs, i - 1)));
        json_object_array_put_idx(configs, 0, entry);
        return 0;
}

/* Checks that the new network's subnets overlap no other network's. */
static int check_overlaps(struct network_store *s, struct network *n, struct error *err)
{
        for (size_t i = 0; i < s->n; i++) {
                struct network *other = s->items[i];

                if ((n->pool4.subnet.family && other->pool4.subnet.family &&
                     ipam_subnets_overlap(&n->pool4.subnet, &other->pool4.subnet)) ||
                    (n->pool6.subnet.family && other->pool6.subnet.family &&
                     ipam_subnets_overlap(&n->pool6.subnet, &other->pool6.subnet)))
                        return error_set(err, -EPERM, "Pool overlaps with other one on this address space");
                if (streq(n->bridge, other->bridge))
                        return error_set(err, -EEXIST, "bridge name %s is already used by network %s", n->bridge,
                                         other->name);
        }
        return 0;
}

static json_object *copy_or_empty(json_object *obj)
{
        return obj ? json_tokener_parse(json_to_string(obj)) : json_object_new_object();
}

static json_object *build_object(json_object *req, const char *id, json_object *ipam_config)
{
        json_object *obj = json_object_new_object(), *ipam = json_object_new_object(), *from = json_object_new_object();
        json_object *req_ipam = json_field_object(req, "IPAM");
        /* The Go SDK sends an empty Driver by default, and dockerd creates a bridge for it. */
        const char *driver = json_field_string(req, "Driver", "");
        char created[64];

        json_object_object_add(obj, "Name", json_object_new_string(json_field_string(req, "Name", "")));
        json_object_object_add(obj, "Id", json_object_new_string(id));
        json_object_object_add(
                obj, "Created",
                json_object_new_string(timeutil_format_rfc3339(timeutil_now_ns(), created, sizeof(created))));
        json_object_object_add(obj, "Scope", json_object_new_string("local"));
        json_object_object_add(obj, "Driver", json_object_new_string(*driver ? driver : "bridge"));
        json_object_object_add(obj, "EnableIPv6", json_object_new_boolean(json_field_bool(req, "EnableIPv6", false)));
        json_object_object_add(ipam, "Driver",
                               json_object_new_string(json_field_string(req_ipam, "Driver", "default")));
        json_object_object_add(ipam, "Options", copy_or_empty(json_field_object(req_ipam, "Options")));
        json_object_object_add(ipam, "Config", ipam_config);
        json_object_object_add(obj, "IPAM", ipam);
        json_object_object_add(obj, "Internal", json_object_new_boolean(json_field_bool(req, "Internal", false)));
        json_object_object_add(obj, "Attachable", json_object_new_boolean(json_field_bool(req, "Attachable", false)));
        json_object_object_add(obj, "Ingress", json_object_new_boolean(false));
        json_object_object_add(
                from, "Network",
                json_object_new_string(json_field_string(json_field_object(req, "ConfigFrom"), "Network", "")));
        json_object_object_add(obj, "ConfigFrom", from);
        json_object_object_add(obj, "ConfigOnly", json_object_new_boolean(json_field_bool(req, "ConfigOnly", false)));
        json_object_object_add(obj, "Options", copy_or_empty(json_field_object(req, "Options")));
        json_object_object_add(obj, "Labels", copy_or_empty(json_field_object(req, "Labels")));
        return obj;
}

static int check_names(struct network_store *s, json_object *req, struct error *err)
{
        const char *name = json_field_string(req, "Name", "");
        const char *driver = json_field_string(req, "Driver", "");

        if (!*name)
                return error_set(err, -EINVAL, "network name is required");
        if (network_name_predefined(name))
                return error_set(err, -EPERM, "operation is not permitted on predefined %s network ", name);
        if (*driver && !streq(driver, "bridge")) {
                if (streq(driver, "host") || streq(driver, "null"))
                        return error_set(err, -EPERM, "only one instance of \"%s\" network is allowed", driver);
                return error_set(err, -ENOENT, "plugin \"%s\" not found", driver);
        }
        if (json_field_bool(req, "Ingress", false))
                return error_set(err, -EOPNOTSUPP, "ingress networks need swarm mode, which this daemon does not have");
        if (json_field_bool(req, "CheckDuplicate", false))
                for (size_t i = 0; i < s->n; i++)
                        if (streq(s->items[i]->name, name))
                                return error_set(err, -EEXIST, "network with name %s already exists", name);
        return 0;
}

int network_create(struct engine *e, json_object *req, json_object **ret, struct error *err)
{
        struct network_store *s = engine_network_store(e);
        _cleanup_json_ json_object *configs = NULL;
        struct network *n = NULL;
        char id[ID_LENGTH + 1];
        json_object *reply;
        int r;

        r = check_request(req, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&s->lock);
        r = check_names(s, req, err);
        if (r >= 0)
                r = build_ipam_config(json_field_array(json_field_object(req, "IPAM"), "Config"), &configs, err);
        if (r >= 0 && !json_field_bool(req, "ConfigOnly", false))
                r = add_default_subnet(s, configs, err);
        if (r >= 0 && json_field_bool(req, "EnableIPv6", false)) {
                bool has_v6 = false;

                for (size_t i = 0; i < json_array_count(configs); i++)
                        has_v6 |= !!strchr(json_field_string(json_object_array_get_idx(configs, i), "Subnet", ""), ':');
                if (!has_v6)
                        r = error_set(err, -EINVAL,
                                      "could not find an available, non-overlapping IPv6 address pool among the "
                                      "defaults to assign to the network");
        }
        if (r >= 0)
                r = id_generate(id);
        if (r >= 0) {
                n = calloc(1, sizeof(*n));
                r = n ? 0 : -ENOMEM;
        }
        if (r >= 0) {
                memcpy(n->id, id, sizeof(n->id));
                n->object = build_object(req, id, TAKE_PTR(configs));
                r = network_derive(n, err);
        }
        if (r >= 0)
                r = check_overlaps(s, n, err);
        if (r >= 0 && !json_field_bool(req, "ConfigOnly", false))
                r = network_bridge_up(s, n, err);
        if (r >= 0) {
                crash_point("network-create.after-bridge");
                r = network_save(s, n);
        }
        if (r >= 0) {
                struct network **items = reallocarray(s->items, s->n + 1, sizeof(*items));

                r = items ? 0 : -ENOMEM;
                if (items) {
                        s->items = items;
                        s->items[s->n++] = n;
                }
        }
        if (r < 0) {
                if (n && n->bridge_up)
                        netns_link_delete(n->bridge, NULL);
                if (n)
                        fs_rm_rf_at(s->dirfd, n->id);
                pthread_mutex_unlock(&s->lock);
                network_free(n);
                return r;
        }
        crash_point("network-create.after-definition");
        if (n->bridge_up) {
                _cleanup_error_ struct error nft_err = ERROR_INIT;

                if (network_nft_apply_locked(s, &nft_err) < 0)
                        log_error("Failed to apply the nftables rules for network %s: %s", n->name,
                                  error_message(&nft_err, -EIO));
        }
        pthread_mutex_unlock(&s->lock);

        log_info("Network %s (%s) created", n->name, n->id);
        network_event(e, "create", n, NULL);
        reply = json_object_new_object();
        json_object_object_add(reply, "Id", json_object_new_string(id));
        json_object_object_add(reply, "Warning", json_object_new_string(""));
        *ret = reply;
        return 0;
}

/* ---- Inspect and list ---- */

int network_inspect(struct engine *e, const char *ref, json_object **ret, struct error *err)
{
        struct network_store *s = engine_network_store(e);
        struct network *n;
        int r;

        pthread_mutex_lock(&s->lock);
        r = network_find_locked(s, ref, &n, err);
        if (r >= 0)
                *ret = network_to_json_locked(n);
        pthread_mutex_unlock(&s->lock);
        return r;
}

static bool any_value_matches(json_object *values, const char *subject, bool prefix)
{
        if (!values)
                return true;
        for (size_t i = 0; i < json_object_array_length(values); i++) {
                const char *v = json_object_get_string(json_object_array_get_idx(values, i));

                if (prefix ? startswith(subject, v) != NULL : strstr(subject, v) != NULL)
                        return true;
        }
        return false;
}

static int check_filters(json_object *filters, int *ret_dangling, struct error *err)
{
        static const char *const known[] = { "driver", "id", "label", "name", "scope", "type", "dangling" };
        json_object *values;

        *ret_dangling = -1;
        json_object_object_foreach (filters, key, value) {
                bool ok = false;

                (void)value;
                for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                        ok |= streq(key, known[i]);
                if (!ok)
                        return error_set(err, -EINVAL, "Invalid filter '%s'", key);
        }
        values = json_field_array(filters, "type");
        for (size_t i = 0; i < json_array_count(values); i++) {
                const char *v = json_object_get_string(json_object_array_get_idx(values, i));

                if (!streq(v, "custom") && !streq(v, "builtin"))
                        return error_set(err, -EINVAL, "invalid filter: 'type'='%s'", v);
        }
        values = json_field_array(filters, "dangling");
        for (size_t i = 0; i < json_array_count(values); i++) {
                const char *v = json_object_get_string(json_object_array_get_idx(values, i));

                if (streq(v, "true") || streq(v, "1"))
                        *ret_dangling = 1;
                else if (streq(v, "false") || streq(v, "0"))
                        *ret_dangling = 0;
                else
                        return error_set(err, -EINVAL, "Invalid filter 'dangling=%s'", v);
        }
        return 0;
}

/* Returns the IDs of the networks that stored containers, running or
 * not, are connected to. Takes the containers' locks, so call it without
 * the store's lock. */
static char **connected_network_ids(struct engine *e)
{
        struct container **list = NULL;
        char **ids = NULL;
        size_t count = 0;

        if (engine_container_list(e, &list, &count) < 0)
                return NULL;
        for (size_t i = 0; i < count; i++) {
                json_object *networks;

                pthread_mutex_lock(&list[i]->lock);
                networks = list[i]->networks;
                if (networks) {
                        json_object_object_foreach (networks, name, settings) {
                                (void)name;
                                strv_append(&ids, json_field_string(settings, "NetworkID", ""));
                        }
                }
                pthread_mutex_unlock(&list[i]->lock);
        }
        engine_container_list_free(list, count);
        return ids;
}

static bool list_matches(struct network *n, json_object *filters, int dangling)
{
        json_object *types = json_field_array(filters, "type");

        if (!any_value_matches(json_field_array(filters, "driver"), n->driver, false) ||
            !any_value_matches(json_field_array(filters, "id"), n->id, true) ||
            !any_value_matches(json_field_array(filters, "name"), n->name, false) ||
            !any_value_matches(json_field_array(filters, "scope"), "local", false))
                return false;
        if (!json_labels_match(json_field_array(filters, "label"), json_field_object(n->object, "Labels"), false))
                return false;
        if (types) {
                bool match = false;

                for (size_t i = 0; i < json_object_array_length(types); i++) {
                        const char *t = json_object_get_string(json_object_array_get_idx(types, i));

                        match |= streq(t, n->predefined ? "builtin" : "custom");
                }
                if (!match)
                        return false;
        }
        if (dangling >= 0) {
                /* dockerd 20.10 tests the Containers of its list, which
                 * is always empty, so every user-defined network is
                 * dangling, even one in use, and no predefined one is. */
                bool is_dangling = !n->predefined;

                if (is_dangling != (dangling == 1))
                        return false;
        }
        return true;
}

int network_list(struct engine *e, json_object *filters, json_object **ret, struct error *err)
{
        struct network_store *s = engine_network_store(e);
        json_object *list;
        int dangling, r;

        r = check_filters(filters, &dangling, err);
        if (r < 0)
                return r;
        list = json_object_new_array();
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n; i++) {
                json_object *obj;

                if (!list_matches(s->items[i], filters, dangling))
                        continue;
                obj = network_to_json_locked(s->items[i]);
                /* dockerd's list leaves Containers empty. */
                json_object_object_add(obj, "Containers", json_object_new_object());
                json_object_array_add(list, obj);
        }
        pthread_mutex_unlock(&s->lock);
        *ret = list;
        return 0;
}

/* ---- Remove and prune ---- */

/* Removes n from the store, its bridge and its directory. Call with the lock held. */
static void remove_locked(struct network_store *s, struct network *n)
{
        _cleanup_error_ struct error link_err = ERROR_INIT;
        int r;

        for (size_t i = 0; i < s->n; i++)
                if (s->items[i] == n) {
                        memmove(s->items + i, s->items + i + 1, (s->n - i - 1) * sizeof(*s->items));
                        s->n--;
                        break;
                }
        /* The directory goes first: a daemon killed after it leaves only the
         * bridge, which the next start deletes as unused. */
        r = fs_rm_rf_at(s->dirfd, n->id);
        if (r < 0)
                log_warn_errno(r, "Failed to remove the directory of network %s: %m", n->id);
        crash_point("network-rm.after-files");
        if (n->bridge_up &&
            !json_field_object(json_field_object(n->object, "Options"), "com.docker.network.bridge.default_bridge")) {
                r = netns_link_delete(n->bridge, &link_err);
                if (r < 0)
                        log_warn("Failed to delete the bridge %s of network %s: %s", n->bridge, n->name,
                                 error_message(&link_err, r));
        }
}

int network_remove(struct engine *e, const char *ref, struct error *err)
{
        struct network_store *s = engine_network_store(e);
        _cleanup_error_ struct error nft_err = ERROR_INIT;
        struct network *n;
        int r;

        pthread_mutex_lock(&s->lock);
        r = network_find_locked(s, ref, &n, err);
        if (r >= 0 && n->predefined)
                r = error_set(err, -EPERM, "%s is a pre-defined network and cannot be removed", n->name);
        if (r >= 0 && n->n_endpoints > 0)
                r = error_set(err, -EPERM, "error while removing network: network %s id %s has active endpoints",
                              n->name, n->id);
        if (r < 0) {
                pthread_mutex_unlock(&s->lock);
                return r;
        }
        remove_locked(s, n);
        if (n->bridge_up && network_nft_apply_locked(s, &nft_err) < 0)
                log_error("Failed to apply the nftables rules after removing network %s: %s", n->name,
                          error_message(&nft_err, -EIO));
        pthread_mutex_unlock(&s->lock);

        log_info("Network %s (%s) removed", n->name, n->id);
        network_event(e, "destroy", n, NULL);
        network_free(n);
        return 0;
}

static int parse_until(json_object *filters, int64_t *ret_ns, struct error *err)
{
        json_object *until = json_field_array(filters, "until");
        int r;

        if (json_array_count(until) == 0)
                return 0;
        if (json_array_count(until) > 1)
                return error_set(err, -EINVAL, "more than one until filter specified");
        r = timestamp_parse_docker(json_object_get_string(json_object_array_get_idx(until, 0)), timeutil_now_ns(),
                                   ret_ns, err);
        return r < 0 ? r : 1;
}

int network_prune(struct engine *e, json_object *filters, json_object *ret_deleted, struct error *err)
{
        struct network_store *s = engine_network_store(e);
        _cleanup_strv_free_ char **connected = NULL;
        _cleanup_free_ char **names = NULL;
        int64_t until_ns = 0;
        size_t n_names = 0;
        bool has_until;
        int r;

        json_object_object_foreach (filters, key, value) {
                (void)value;
                if (!streq(key, "until") && !streq(key, "label") && !streq(key, "label!"))
                        return error_set(err, -EINVAL, "Invalid filter '%s'", key);
        }
        r = parse_until(filters, &until_ns, err);
        if (r < 0)
                return r;
        has_until = r > 0;
        /* dockerd 20.10 keeps networks that containers are connected to. */
        connected = connected_network_ids(e);

        pthread_mutex_lock(&s->lock);
        names = calloc(s->n + 1, sizeof(*names));
        for (size_t i = 0; names && i < s->n; i++) {
                struct network *n = s->items[i];
                json_object *labels = json_field_object(n->object, "Labels");

                if (n->predefined || n->n_endpoints > 0 || strv_contains(connected, n->id) ||
                    (has_until && n->created_ns > until_ns) ||
                    !json_labels_match(json_field_array(filters, "label"), labels, false) ||
                    !json_labels_match(json_field_array(filters, "label!"), labels, true))
                        continue;
                names[n_names++] = strdup(n->id);
        }
        pthread_mutex_unlock(&s->lock);
        if (!names)
                return -ENOMEM;

        for (size_t i = 0; i < n_names; i++) {
                _cleanup_error_ struct error remove_err = ERROR_INIT;
                _cleanup_free_ char *id = names[i];
                _cleanup_free_ char *name = NULL;
                struct network *n;

                if (!id)
                        continue;
                pthread_mutex_lock(&s->lock);
                if (network_find_locked(s, id, &n, NULL) >= 0)
                        name = strdup(n->name);
                pthread_mutex_unlock(&s->lock);
                if (!name)
                        continue;
                r = network_remove(e, id, &remove_err);
                if (r < 0) {
                        log_warn("Prune: removing network %s failed: %s", name, error_message(&remove_err, r));
                        continue;
                }
                json_object_array_add(ret_deleted, json_object_new_string(name));
        }
        return 0;
}
