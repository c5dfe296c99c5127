/* SPDX-License-Identifier: Apache-2.0 */
/* docker network connect and disconnect. */
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

/* ---- Connect and disconnect ---- */

static void add_short_id_alias(json_object *settings, const char *id)
{
        json_object *aliases = json_field_array(settings, "Aliases");
        char short_id[ID_SHORT_LENGTH + 1];

        snprintf(short_id, sizeof(short_id), "%.12s", id);
        if (!aliases) {
                aliases = json_object_new_array();
                json_object_object_add(settings, "Aliases", aliases);
        }
        for (size_t i = 0; i < json_object_array_length(aliases); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(aliases, i)), short_id))
                        return;
        json_object_array_add(aliases, json_object_new_string(short_id));
}

void network_refresh_etcfiles(struct engine *e, struct container *c)
{
        _cleanup_free_ char *dir = engine_container_data_dir(e, c);
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_close_ int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        struct network_etcfiles etc;
        int r;

        if (fd < 0)
                return;
        pthread_mutex_lock(&c->lock);
        r = network_container_etcfiles(e, c, &etc);
        if (r >= 0)
                r = etcfiles_update_hosts(c, fd, &etc.net, &err);
        if (r >= 0)
                r = etcfiles_update_resolv(&e->daemon->config, c, fd, &etc.net, &err);
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                log_warn("Container %s: %s", c->id, error_message(&err, r));
}

/* Writes the sandbox record of a running c again after its networks
 * changed. Takes c->lock, then the store's. */
static void rewrite_record(struct engine *e, struct container *c)
{
        struct network_store *s = engine_network_store(e);
        _cleanup_json_ json_object *networks = NULL;
        struct sandbox *sb;

        pthread_mutex_lock(&c->lock);
        networks = c->networks ? json_tokener_parse(json_to_string(c->networks)) : json_object_new_object();
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_lock(&s->lock);
        sb = sandbox_find_locked(s, c->id);
        if (sb && sandbox_record_write(s, sb, networks) < 0)
                log_warn("Failed to record the network sandbox of container %s", c->id);
        pthread_mutex_unlock(&s->lock);
}

int network_connect(struct engine *e, const char *ref, struct container *c, json_object *config, struct error *err)
{
        struct network_store *s = engine_network_store(e);
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
        settings = network_settings_new(config);
        if (r >= 0 && running) {
                sb = sandbox_find_locked(s, c->id);
                if (!sb)
                        r = error_set(err, -EINVAL, "container %s has no network namespace to connect", c->id);
                if (r >= 0) {
                        ns_fd = netns_open(sb->path);
                        r = ns_fd < 0 ? error_set_errno(err, ns_fd, "opening %s failed", sb->path) : 0;
                }
                if (r >= 0)
                        r = network_attach_locked(s, sb, cname, n, settings,
                                                  json_field_string(config, "MacAddress", ""), ns_fd, err);
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

        /* As dockerd, a user network's aliases get the short ID at once. */
        if (!running && !network_name_predefined(network_name))
                add_short_id_alias(settings, c->id);
        pthread_mutex_lock(&c->lock);
        if (!c->networks)
                c->networks = json_object_new_object();
        json_object_object_add(c->networks, network_name, settings);
        r = engine_container_save_definition(e, c);
        pthread_mutex_unlock(&c->lock);
        if (running) {
                rewrite_record(e, c);
                network_refresh_etcfiles(e, c);
        }
        if (dns_needed && path && network_dns_register(e, c, path, NULL) >= 0) {
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
        struct network_store *s = engine_network_store(e);
        _cleanup_free_ char *network_name = NULL;
        struct network *n, copy;
        struct sandbox *sb;
        bool connected;
        int r;

        pthread_mutex_lock(&c->op_lock);
        pthread_mutex_lock(&s->lock);
        r = network_find_locked(s, ref, &n, err);
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
                /* dockerd 20.10 replies 500 here. */
                return error_set(err, -EIO, "container %s is not connected to network %s", c->id, network_name);
        }
        if (streq(copy.driver, "host") || streq(copy.driver, "null")) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EPERM,
                                 "container cannot be disconnected from host network or connected to host network");
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
                network_endpoint_remove(n, c->id, true);
        }
        pthread_mutex_unlock(&s->lock);

        pthread_mutex_lock(&c->lock);
        if (c->networks)
                json_object_object_del(c->networks, network_name);
        r = engine_container_save_definition(e, c);
        pthread_mutex_unlock(&c->lock);
        rewrite_record(e, c);
        network_refresh_etcfiles(e, c);
        pthread_mutex_unlock(&c->op_lock);
        network_event(e, "disconnect", &copy, c->id);
        return r;
}
