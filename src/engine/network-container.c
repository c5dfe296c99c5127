/* SPDX-License-Identifier: Apache-2.0 */
/* The networks of a container: what create records, and what inspect,
 * docker ps and the /etc files show of them. */
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

void network_settings_clear(json_object *settings)
{
        for (size_t i = 0; i < ARRAY_SIZE(runtime_fields); i++)
                json_object_object_add(settings, runtime_fields[i].name,
                                       runtime_fields[i].integer ? json_object_new_int(0) : json_object_new_string(""));
}

json_object *network_settings_new(json_object *config)
{
        json_object *settings = json_object_new_object();
        static const char *const kept[] = { "IPAMConfig", "Links", "Aliases" };

        for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
                json_object_object_add(settings, kept[i], json_object_get(json_object_object_get(config, kept[i])));
        network_settings_clear(settings);
        json_object_object_add(settings, "DriverOpts", json_object_get(json_object_object_get(config, "DriverOpts")));
        return settings;
}

/* The network name that NetworkMode stands for: "bridge" for "default". */
const char *network_of_mode(const char *mode)
{
        return streq(mode, "default") ? "bridge" : mode;
}

bool network_is_default_bridge(const char *name)
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
        const char *name = network_of_mode(mode);
        int r;

        r = check_conflicts(c->host_config, c->config, mode, err);
        if (r >= 0)
                r = network_links_check(e, c->host_config, err);
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
        if (startswith(mode, "container:")) {
                struct container *donor = NULL;
                char full[sizeof("container:") + ID_LENGTH];

                /* Stored by full ID, as dockerd does. */
                r = engine_container_find(e, create_mode_container(mode), &donor, err);
                if (r < 0) {
                        json_object_put(networks);
                        return r == -ENOENT ? -EINVAL : r;
                }
                snprintf(full, sizeof(full), "container:%s", donor->id);
                container_unref(donor);
                json_set_string(c->host_config, "NetworkMode", full);
        } else {
                struct network_store *s = engine_network_store(e);
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
                json_object_object_add(networks, name, network_settings_new(config));
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

/* ---- Inspect ---- */

json_object *network_container_settings_json(struct engine *e, struct container *c)
{
        struct network_store *s = engine_network_store(e);
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
                        json_object *copy = NULL;

                        if (json_object_deep_copy(settings, &copy, NULL) < 0)
                                continue;
                        if (!running || !sb)
                                network_settings_clear(copy);
                        json_object_object_add(networks, name, copy);
                        if (streq(name, "bridge") && !s->bridge_none)
                                bridge = copy;
                }
        }
        /* NOTE: the endpoint of "none" has no EndpointID, which dockerd
         * shows. */
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

/* ---- /etc files ---- */

int network_container_etcfiles(struct engine *e, struct container *c, struct network_etcfiles *ret)
{
        struct network_store *s = engine_network_store(e);
        struct network *bridge;
        struct sandbox *sb;
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
                        if (!network_is_default_bridge(name) && !streq(name, "host") && !streq(name, "none"))
                                ret->net.embedded_dns = true;
                }
        }
        ret->net.endpoints = ret->endpoints;
        ret->net.n_endpoints = n;
        pthread_mutex_lock(&s->lock);
        sb = sandbox_find_locked(s, c->id);
        if (sb && sb->links && !ret->net.embedded_dns) {
                ret->links_json = json_object_get(sb->links);
                if (network_links_to_etcfiles(ret->links_json, &ret->links, &ret->net.n_links) >= 0)
                        ret->net.links = ret->links;
        }
        if (!s->bridge_none && network_find_locked(s, "bridge", &bridge, NULL) >= 0 && bridge->gateway4.family &&
            inet_ntop(AF_INET, &bridge->gateway4.addr, ret->gateway, sizeof(ret->gateway)))
                ret->net.host_gateway = ret->gateway;
        pthread_mutex_unlock(&s->lock);
        return 0;
}

void network_etcfiles_clear(struct network_etcfiles *etc)
{
        free(etc->links);
        json_object_put(etc->links_json);
        etc->links = NULL;
        etc->links_json = NULL;
}
