/* SPDX-License-Identifier: Apache-2.0 */
/* Legacy links (--link NAME:ALIAS). On the default bridge, the linking
 * container gets a hosts entry and environment variables of each running
 * target, as dockerd 20.10 writes them. On a user-defined network, the
 * alias is a DNS name of the target for the linking container only. */
#include <stdio.h>

#include "engine-internal.h"
#include "etcfiles.h"
#include "jsonutil.h"
#include "network-internal.h"
#include "strv.h"

/* Splits "NAME[:ALIAS]" (NAME may start with "/") into its parts. */
static int split_link(const char *link, char **ret_name, char **ret_alias)
{
        const char *colon = strchr(link, ':');
        const char *name = link[0] == '/' ? link + 1 : link;

        *ret_name = colon ? strndup(name, (size_t)(colon - name)) : strdup(name);
        *ret_alias = strdup(colon ? colon + 1 : name);
        if (!*ret_name || !*ret_alias)
                return -ENOMEM;
        if (!**ret_name || !**ret_alias)
                return -EINVAL;
        return 0;
}

int network_links_check(struct engine *e, json_object *host_config, struct error *err)
{
        json_object *links = json_field_array(host_config, "Links");

        for (size_t i = 0; i < json_array_count(links); i++) {
                const char *link = json_object_get_string(json_object_array_get_idx(links, i));
                _cleanup_free_ char *name = NULL, *alias = NULL;
                struct container *target = NULL;
                int r;

                r = split_link(link, &name, &alias);
                if (r == -EINVAL)
                        return error_set(err, -EINVAL, "invalid link %s: expected NAME or NAME:ALIAS", link);
                if (r < 0)
                        return r;
                /* dockerd resolves the target at create. */
                r = engine_container_find(e, name, &target, NULL);
                if (r < 0)
                        return error_set(err, -EINVAL, "Could not get container for %s", name);
                container_unref(target);
        }
        return 0;
}

/* Copies what the hosts file and the variables of a link need from the
 * running target, as a JSON object that keeps the strings alive. */
static int describe_target(struct engine *e, const char *own_name, const char *name, const char *alias,
                           json_object **ret, struct error *err)
{
        struct container *target = NULL;
        json_object *info, *bridge;
        bool running;
        int r;

        r = engine_container_find(e, name, &target, NULL);
        if (r < 0)
                return error_set(err, -EINVAL, "Could not get container for %s", name);
        pthread_mutex_lock(&target->lock);
        running = container_is_running(target);
        bridge = target->networks ? json_object_object_get(target->networks, "bridge") : NULL;
        info = json_object_new_object();
        json_set_string(info, "Alias", alias);
        json_set_string(info, "Name", target->name + (target->name[0] == '/'));
        json_set_string(info, "Hostname", json_field_string(target->config, "Hostname", ""));
        json_set_string(info, "Address", json_field_string(bridge, "IPAddress", ""));
        json_object_object_add(info, "Env", json_object_get(json_field_array(target->config, "Env")));
        json_object_object_add(info, "ExposedPorts",
                               json_object_get(json_field_object(target->config, "ExposedPorts")));
        pthread_mutex_unlock(&target->lock);
        container_unref(target);

        if (!running) {
                json_object_put(info);
                return error_set(err, -EINVAL, "Cannot link to a non running container: /%s AS /%s/%s", name, own_name,
                                 alias);
        }
        *ret = info;
        return 0;
}

int network_links_resolve(struct engine *e, struct container *c, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *links = NULL, *resolved = json_object_new_array();
        _cleanup_free_ char *own_name = NULL;

        pthread_mutex_lock(&c->lock);
        links = json_object_get(json_field_array(c->host_config, "Links"));
        own_name = strdup(c->name + (c->name[0] == '/'));
        pthread_mutex_unlock(&c->lock);
        if (!own_name)
                return -ENOMEM;

        for (size_t i = 0; i < json_array_count(links); i++) {
                _cleanup_free_ char *name = NULL, *alias = NULL;
                json_object *info = NULL;
                int r;

                r = split_link(json_object_get_string(json_object_array_get_idx(links, i)), &name, &alias);
                if (r >= 0)
                        r = describe_target(e, own_name, name, alias, &info, err);
                if (r < 0)
                        return r;
                json_object_array_add(resolved, info);
        }
        *ret = TAKE_PTR(resolved);
        return 0;
}

int network_links_to_etcfiles(json_object *resolved, struct etcfiles_link **ret, size_t *ret_n)
{
        size_t n = json_array_count(resolved);
        struct etcfiles_link *links;

        *ret = NULL;
        *ret_n = 0;
        if (n == 0)
                return 0;
        links = calloc(n, sizeof(*links));
        if (!links)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *info = json_object_array_get_idx(resolved, i);

                links[i] = (struct etcfiles_link){
                        .alias = json_field_string(info, "Alias", ""),
                        .name = json_field_string(info, "Name", ""),
                        .hostname = json_field_string(info, "Hostname", ""),
                        .address = json_field_string(info, "Address", ""),
                        .env = json_field_array(info, "Env"),
                        .exposed = json_field_object(info, "ExposedPorts"),
                };
        }
        *ret = links;
        *ret_n = n;
        return 0;
}

char **network_container_link_env(struct engine *e, struct container *c)
{
        struct network_store *s = engine_network_store(e);
        struct sandbox *sb;
        char **env = NULL;

        pthread_mutex_lock(&s->lock);
        sb = sandbox_find_locked(s, c->id);
        STRV_FOREACH (entry, sb ? sb->link_env : NULL)
                if (strv_append(&env, *entry) < 0)
                        break;
        pthread_mutex_unlock(&s->lock);
        return env;
}
