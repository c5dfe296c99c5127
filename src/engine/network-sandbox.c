/* SPDX-License-Identifier: Apache-2.0 */
/* A running container's network sandbox: its namespace, its record for
 * a restarted daemon, the nftables rules, start, stop and restore. */
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
#include "timeutil.h"
#include "userns.h"

#define RECORD_MAX (1u << 20)

/* ---- The sandbox record ---- */

static char *record_name(const char *id)
{
        char *name = NULL;

        return asprintf(&name, "%s.json", id) < 0 ? NULL : name;
}

/* Writes <exec-root>/netns/<id>.json: the endpoints of the sandbox, with
 * their veths, and the published ports. Call with the lock held. */
int sandbox_record_write(struct network_store *s, struct sandbox *sb, json_object *networks)
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
        if (sb->links)
                json_object_object_add(record, "Links", json_object_get(sb->links));
        if (sb->link_env)
                json_object_object_add(record, "LinkEnv", json_array_from_strv(sb->link_env));
        /* No fsync: a power failure ends the container and its namespace,
         * so after a reboot the record describes nothing that runs. */
        return json_file_replace(dirfd, name, record, 0600);
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

/* NOTE: a container's start and stop with published ports also rebuild the
 * whole table. That takes 0.1 to 0.3 ms for a few ports but grows with all
 * published ports, to about 7 ms for 200 (bench/nft-bench). */
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
                        /* ip-masq is an option of the default bridge only. */
                        .masquerade = n->masquerade,
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
 * the DNS server served the sandbox, for the caller to remove it.
 * The veths are not deleted here, because a synchronous deletion costs
 * the kernel about 30 ms of RCU waits. Removing the namespace drops the
 * last reference once the container's processes are gone, and the kernel
 * then deletes the pairs in the background. Their addresses can go back to
 * the pool at once: the peer ends sit in the dying namespace, and a new
 * host end gets a new random name. */
static bool teardown_locked(struct network_store *s, struct sandbox *sb, bool *ret_ports)
{
        bool dns = sb->dns;
        int r;

        for (size_t i = 0; i < s->n; i++)
                network_endpoint_remove(s->items[i], sb->container_id, false);
        *ret_ports = sb->ports && portmap_publishes(sb->ports);
        if (sb->ports)
                portmap_release(sb->ports);
        r = netns_remove(sb->path, NULL);
        if (r < 0)
                log_warn_errno(r, "Failed to remove the network namespace %s: %m", sb->path);
        record_remove(s, sb->container_id);
        return dns;
}

/* Microseconds between two timeutil_monotonic_ns values, for the debug
 * log of the network steps. */
static long long step_us(int64_t from_ns, int64_t to_ns)
{
        return (long long)((to_ns - from_ns) / 1000);
}

/* Tears down the sandbox of container id; returns whether there was one. */
static bool stop_sandbox(struct engine *e, const char *id)
{
        struct network_store *s = engine_network_store(e);
        struct sandbox *sb;
        bool dns = false, ports = false;
        int64_t mark[4]; /* start, teardown, nftables, DNS */

        pthread_mutex_lock(&s->lock);
        mark[0] = mark[1] = mark[2] = timeutil_monotonic_ns();
        sb = sandbox_find_locked(s, id);
        if (sb) {
                dns = teardown_locked(s, sb, &ports);
                sandbox_forget(s, sb);
                mark[1] = timeutil_monotonic_ns();
                if (ports) {
                        _cleanup_error_ struct error nft_err = ERROR_INIT;

                        if (network_nft_apply_locked(s, &nft_err) < 0)
                                log_error("Failed to apply the nftables rules after container %s stopped: %s", id,
                                          error_message(&nft_err, -EIO));
                }
                mark[2] = timeutil_monotonic_ns();
        }
        pthread_mutex_unlock(&s->lock);
        if (dns && s->dns)
                dns_server_remove(s->dns, id);
        mark[3] = timeutil_monotonic_ns();
        if (sb)
                log_debug("Tore down the network of container %s in %lld us: namespace and endpoints %lld, "
                          "nftables %lld, DNS %lld",
                          id, step_us(mark[0], mark[3]), step_us(mark[0], mark[1]), step_us(mark[1], mark[2]),
                          step_us(mark[2], mark[3]));
        return sb != NULL;
}

/* Sends the network event action ("connect", "disconnect") for c and
 * every bridge network of networks that it had an endpoint on, and for
 * "none" and "host" as dockerd 20.10 does. A container on those has no
 * NetworkID in its settings, so they are found by name. */
static void emit_events(struct engine *e, struct container *c, const char *action, json_object *networks)
{
        struct network_store *s = engine_network_store(e);

        json_object_object_foreach (networks, name, settings) {
                const char *id = json_field_string(settings, "NetworkID", "");
                struct network event = { .name = name };
                char driver[16] = "";
                struct network *n;
                bool wanted;

                pthread_mutex_lock(&s->lock);
                if (network_find_locked(s, *id ? id : name, &n, NULL) >= 0) {
                        snprintf(event.id, sizeof(event.id), "%s", n->id);
                        snprintf(driver, sizeof(driver), "%s", n->driver);
                }
                pthread_mutex_unlock(&s->lock);
                /* An endpoint's network is a bridge. none and host have no endpoint. */
                wanted = *id ? streq(driver, "bridge") : streq(driver, "null") || streq(driver, "host");
                if (!wanted)
                        continue;
                event.driver = driver;
                network_event(e, action, &event, c->id);
        }
}

/* Records that container id runs on the host network; returns whether
 * it was not recorded yet. */
static bool host_member_add(struct network_store *s, const char *id)
{
        bool added = false;

        pthread_mutex_lock(&s->lock);
        if (!strv_contains(s->host_members, id))
                added = strv_append(&s->host_members, id) >= 0;
        pthread_mutex_unlock(&s->lock);
        return added;
}

/* Forgets that container id runs on the host network; returns whether it
 * was recorded. */
static bool host_member_remove(struct network_store *s, const char *id)
{
        bool found;

        pthread_mutex_lock(&s->lock);
        found = strv_remove(s->host_members, id);
        pthread_mutex_unlock(&s->lock);
        return found;
}

void network_container_stop(struct engine *e, struct container *c)
{
        _cleanup_json_ json_object *networks = NULL;
        bool had_sandbox;

        pthread_mutex_lock(&c->lock);
        networks = c->networks ? json_object_get(c->networks) : NULL;
        pthread_mutex_unlock(&c->lock);
        had_sandbox = stop_sandbox(e, c->id) || host_member_remove(engine_network_store(e), c->id);
        if (had_sandbox && networks) {
                _cleanup_json_ json_object *copy = json_tokener_parse(json_to_string(networks));

                if (copy)
                        emit_events(e, c, "disconnect", copy);
        }
        pthread_mutex_lock(&c->lock);
        if (c->networks) {
                json_object_object_foreach (c->networks, name, settings) {
                        (void)name;
                        network_settings_clear(settings);
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
        const char *primary = network_of_mode(mode);
        int r;

        for (int pass = 0; pass < 2; pass++) {
                json_object_object_foreach (networks, key, settings) {
                        struct network *n;

                        if ((pass == 0) != streq(key, primary))
                                continue;
                        r = network_find_locked(s, key, &n, err);
                        if (r >= 0)
                                r = network_attach_locked(s, sb, name, n, settings, pass == 0 ? mac : NULL, ns_fd, err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* Reserves the published ports pm of c, which sb takes, and builds their
 * rules. Call with the lock held. */
static int publish_locked(struct network_store *s, struct container *c, struct sandbox *sb, struct portmap *pm,
                          const char *name, struct error *err)
{
        int r;

        sb->ports = pm;
        if (!portmap_publishes(pm))
                return 0;
        r = portmap_allocate(pm, name, sb->sandbox_id, err);
        if (r >= 0)
                r = network_nft_apply_locked(s, err);
        if (r >= 0) {
                r = sandbox_proxy_ports_locked(s, sb);
                if (r < 0)
                        r = error_set_errno(err, r, "starting the userland proxy of container %s failed", c->id);
        }
        return r;
}

static bool on_user_network(struct network_store *s, json_object *networks)
{
        json_object_object_foreach (networks, key, settings) {
                (void)settings;
                if (!network_is_default_bridge(key))
                        return true;
        }
        (void)s;
        return false;
}

/* Checks that the container whose namespace c joins runs, with dockerd's
 * messages, and gives c its host and domain names, as dockerd does. */
static int join_donor(struct engine *e, struct container *c, const char *ref, struct error *err)
{
        _cleanup_free_ char *hostname = NULL, *domainname = NULL;
        struct container *donor = NULL;
        bool running;
        int r;

        r = engine_container_find(e, ref, &donor, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&donor->lock);
        running = container_is_running(donor);
        hostname = strdup(json_field_string(donor->config, "Hostname", ""));
        domainname = strdup(json_field_string(donor->config, "Domainname", ""));
        pthread_mutex_unlock(&donor->lock);
        r = running ? 0 : error_set(err, -EBUSY, "cannot join network of a non running container: %s", donor->id);
        container_unref(donor);
        if (r < 0)
                return r;
        if (!hostname || !domainname)
                return -ENOMEM;
        pthread_mutex_lock(&c->lock);
        json_set_string(c->config, "Hostname", hostname);
        json_set_string(c->config, "Domainname", domainname);
        r = engine_container_save_definition(e, c);
        pthread_mutex_unlock(&c->lock);
        return r;
}

/* Keeps the resolved links of the sandbox; on the default bridge they also
 * give the link variables. Call with the lock held. */
static int use_links_locked(struct sandbox *sb, const char *name, bool default_bridge, json_object *links)
{
        _cleanup_free_ struct etcfiles_link *list = NULL;
        size_t n = 0;
        int r;

        sb->links = json_object_get(links);
        if (!default_bridge)
                return 0;
        r = network_links_to_etcfiles(links, &list, &n);
        if (r >= 0)
                r = etcfiles_link_env(name, list, n, &sb->link_env);
        return r;
}

/* Tears down the sandbox of container id that an earlier run left, and
 * adds a new one. Call with the lock held. */
static struct sandbox *sandbox_replace_locked(struct network_store *s, const char *id)
{
        struct sandbox *sb = sandbox_find_locked(s, id);

        if (sb) {
                bool ports;

                teardown_locked(s, sb, &ports);
                sandbox_forget(s, sb);
        }
        return sandbox_new(s, id);
}

/* Makes the namespace of sb: a new one, or the one of the process pid. */
static int sandbox_namespace(struct sandbox *sb, pid_t pid, int *ret_fd, struct error *err)
{
        char source[64];
        int fd, r;

        (void)netns_remove(sb->path, NULL);
        if (pid > 0) {
                snprintf(source, sizeof(source), "/proc/%d/ns/net", (int)pid);
                r = netns_bind(source, sb->path, err);
        } else
                r = netns_create(sb->path, err);
        if (r < 0)
                return r;
        fd = netns_open(sb->path);
        if (fd < 0)
                return error_set_errno(err, fd, "opening the network namespace %s failed", sb->path);
        *ret_fd = fd;
        return 0;
}

/* Builds the sandbox of c in its namespace (a new one, or the one of the
 * process pid): endpoints, links, published ports, its record and DNS. */
static int sandbox_build(struct engine *e, struct container *c, pid_t pid, json_object *links, struct error *err)
{
        struct network_store *s = engine_network_store(e);
        _cleanup_portmap_ struct portmap *pm = NULL;
        _cleanup_json_ json_object *networks = NULL;
        _cleanup_free_ char *mode = NULL, *name = NULL, *mac = NULL;
        _cleanup_close_ int ns_fd = -1;
        struct sandbox *sb;
        bool dns;
        int64_t mark[6]; /* start, namespace, endpoints, published ports, record, DNS */
        int r;

        r = snapshot(c, &networks, &mode, &name, &mac);
        if (r < 0)
                return r;
        /* Before the store's lock: the order is c->lock, then the store's
         * lock, as inspect takes them. */
        pthread_mutex_lock(&c->lock);
        r = portmap_parse(c->host_config, c->config, &pm, err);
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;

        pthread_mutex_lock(&s->lock);
        mark[0] = timeutil_monotonic_ns();
        sb = sandbox_replace_locked(s, c->id);
        if (!sb) {
                pthread_mutex_unlock(&s->lock);
                return -ENOMEM;
        }
        r = sandbox_namespace(sb, pid, &ns_fd, err);
        mark[1] = timeutil_monotonic_ns();
        if (r >= 0)
                r = attach_all_locked(s, sb, name, mode, mac, networks, ns_fd, err);
        mark[2] = timeutil_monotonic_ns();
        if (r >= 0 && json_array_count(links) > 0)
                r = use_links_locked(sb, name, network_is_default_bridge(network_of_mode(mode)), links);
        if (r >= 0)
                r = publish_locked(s, c, sb, TAKE_PTR(pm), name, err);
        mark[3] = timeutil_monotonic_ns();
        dns = on_user_network(s, networks);
        if (r >= 0)
                r = sandbox_record_write(s, sb, networks);
        mark[4] = timeutil_monotonic_ns();
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
                r = network_dns_register(e, c, sb->path, err);
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
        mark[5] = timeutil_monotonic_ns();
        log_debug("Set up the network of container %s in %lld us: namespace %lld, endpoints %lld, "
                  "published ports %lld, record %lld, DNS %lld",
                  c->id, step_us(mark[0], mark[5]), step_us(mark[0], mark[1]), step_us(mark[1], mark[2]),
                  step_us(mark[2], mark[3]), step_us(mark[3], mark[4]), step_us(mark[4], mark[5]));

        emit_events(e, c, "connect", networks);
        pthread_mutex_lock(&c->lock);
        json_object_put(c->networks);
        c->networks = TAKE_PTR(networks);
        pthread_mutex_unlock(&c->lock);
        return 0;
}

/* Keeps a sandbox for c without a namespace, which network_container_created
 * builds. Its link variables are known already: they go into the config. */
static int defer_sandbox(struct network_store *s, struct container *c, const char *name, const char *mode,
                         json_object *links)
{
        struct sandbox *sb;
        int r = 0;

        pthread_mutex_lock(&s->lock);
        sb = sandbox_find_locked(s, c->id);
        if (sb) {
                bool ports;

                teardown_locked(s, sb, &ports);
                sandbox_forget(s, sb);
                if (ports)
                        network_nft_apply_locked(s, NULL);
        }
        sb = sandbox_new(s, c->id);
        if (!sb)
                r = -ENOMEM;
        else
                sb->deferred = true;
        if (sb && json_array_count(links) > 0)
                r = use_links_locked(sb, name, network_is_default_bridge(network_of_mode(mode)), links);
        pthread_mutex_unlock(&s->lock);
        return r;
}

static bool container_remapped(struct engine *e, struct container *c)
{
        bool remapped;

        pthread_mutex_lock(&c->lock);
        remapped = userns_container_remapped(e->daemon->userns_remap, c->host_config);
        pthread_mutex_unlock(&c->lock);
        return remapped;
}

/* Gives c a bound namespace with lo only, as dockerd does for none, so
 * that inspect shows its SandboxID and SandboxKey: a new one, or the one
 * of the process pid. */
static int start_private(struct engine *e, struct container *c, json_object *networks, pid_t pid, struct error *err)
{
        struct network_store *s = engine_network_store(e);
        _cleanup_close_ int ns_fd = -1;
        struct sandbox *sb;
        int r;

        pthread_mutex_lock(&s->lock);
        sb = sandbox_replace_locked(s, c->id);
        r = sb ? sandbox_namespace(sb, pid, &ns_fd, err) : -ENOMEM;
        if (r >= 0)
                r = sandbox_record_write(s, sb, networks);
        if (r < 0 && sb) {
                bool ports;

                teardown_locked(s, sb, &ports);
                sandbox_forget(s, sb);
        }
        pthread_mutex_unlock(&s->lock);
        if (r >= 0)
                emit_events(e, c, "connect", networks);
        return r;
}

int network_container_start(struct engine *e, struct container *c, struct error *err)
{
        struct network_store *s = engine_network_store(e);
        _cleanup_json_ json_object *networks = NULL, *links = NULL;
        _cleanup_free_ char *mode = NULL, *name = NULL, *mac = NULL;
        int64_t started_ns;
        int r;

        started_ns = timeutil_monotonic_ns();
        r = snapshot(c, &networks, &mode, &name, &mac);
        if (r < 0)
                return r;
        if (sandbox_kind(s, mode) == SANDBOX_CONTAINER)
                return join_donor(e, c, create_mode_container(mode), err);
        /* The runtime makes a remapped container's namespace in its user
         * namespace, and network_container_created binds it. */
        if (sandbox_kind(s, mode) == SANDBOX_PRIVATE && container_remapped(e, c))
                return defer_sandbox(s, c, name, mode, NULL);
        if (sandbox_kind(s, mode) == SANDBOX_PRIVATE)
                return start_private(e, c, networks, 0, err);
        if (sandbox_kind(s, mode) == SANDBOX_HOST) {
                if (host_member_add(s, c->id))
                        emit_events(e, c, "connect", networks);
                return 0;
        }
        /* Before the store's lock: it takes the link targets' locks. */
        r = network_links_resolve(e, c, &links, err);
        if (r < 0)
                return r;
        if (container_remapped(e, c))
                return defer_sandbox(s, c, name, mode, links);
        r = sandbox_build(e, c, 0, links, err);
        if (r < 0)
                return r;
        log_debug("Container %s: network sandbox ready in %.2f ms", c->id,
                  (double)(timeutil_monotonic_ns() - started_ns) / 1e6);
        return 0;
}

int network_container_created(struct engine *e, struct container *c, pid_t pid, struct error *err)
{
        struct network_store *s = engine_network_store(e);
        _cleanup_json_ json_object *links = NULL, *networks = NULL;
        _cleanup_free_ char *mode = NULL, *name = NULL, *mac = NULL;
        struct sandbox *sb;
        bool deferred;
        int r;

        pthread_mutex_lock(&s->lock);
        sb = sandbox_find_locked(s, c->id);
        deferred = sb && sb->deferred;
        pthread_mutex_unlock(&s->lock);
        if (!deferred)
                return 0;

        r = snapshot(c, &networks, &mode, &name, &mac);
        if (r < 0)
                return r;
        if (sandbox_kind(s, mode) == SANDBOX_PRIVATE)
                return start_private(e, c, networks, pid, err);
        r = network_links_resolve(e, c, &links, err);
        if (r < 0)
                return r;
        r = sandbox_build(e, c, pid, links, err);
        if (r < 0)
                return r;
        /* The bundle's /etc files were written before the endpoints had
         * addresses. */
        network_refresh_etcfiles(e, c);
        return 0;
}

char *network_container_netns_path(struct engine *e, struct container *c)
{
        struct network_store *s = engine_network_store(e);
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
        path = sb && !sb->deferred ? strdup(sb->path) : NULL;
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
        sb->links = json_object_get(json_field_array(record, "Links"));
        if (json_array_to_strv(json_field_array(record, "LinkEnv"), &sb->link_env) < 0)
                log_warn("Container %s: the variables of its links could not be restored", c->id);
        json_object_object_foreach (networks, key, settings) {
                const char *network_id = json_field_string(settings, "NetworkID", "");
                json_object *entry = json_field_object(endpoints, network_id);
                struct network_endpoint *ep;
                struct network *n;

                (void)key;
                /* none, and the default network with --bridge none, have
                 * no endpoint to take back. */
                if (!*network_id || (network_find_locked(s, network_id, &n, NULL) >= 0 && !streq(n->driver, "bridge")))
                        continue;
                if (!entry || network_find_locked(s, network_id, &n, NULL) < 0) {
                        log_warn("Container %s: its endpoint on network %s is gone", c->id, key);
                        network_settings_clear(settings);
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
                network_mac_parse(json_field_string(settings, "MacAddress", ""), ep->mac);
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
                network_endpoint_add(n, ep);
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
        else if ((r = sandbox_proxy_ports_locked(s, sb)) < 0)
                log_warn_errno(r, "Container %s: the userland proxy of its ports failed to start: %m", c->id);
        return 0;
}

/* Deletes the host ends of the veths that a sandbox record lists. */
static void remove_recorded_endpoints(json_object *record)
{
        json_object *endpoints = json_field_object(record, "Endpoints");

        json_object_object_foreach (endpoints, id, entry) {
                (void)id;
                netns_endpoint_remove(json_field_string(entry, "HostIfname", ""), NULL);
        }
}

/* Binds the namespace of the running c on path again when the bind mount
 * is gone, as when the previous daemon ran in a mount namespace of its own
 * that ended with it. The container's init still holds the namespace. */
static void rebind_namespace(struct container *c, const char *path)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        char source[64];
        pid_t pid;
        int r;

        if (netns_is_bound(path))
                return;
        pthread_mutex_lock(&c->lock);
        pid = c->state.pid;
        pthread_mutex_unlock(&c->lock);
        if (pid <= 0)
                return;
        snprintf(source, sizeof(source), "/proc/%d/ns/net", (int)pid);
        (void)netns_remove(path, NULL);
        r = netns_bind(source, path, &err);
        if (r < 0)
                log_error("Container %s: binding its network namespace again failed: %s", c->id,
                          error_message(&err, r));
}

static bool restored_on_host(struct network_store *s, struct container *c)
{
        bool host;

        pthread_mutex_lock(&c->lock);
        host = sandbox_kind(s, json_field_string(c->host_config, "NetworkMode", "default")) == SANDBOX_HOST;
        pthread_mutex_unlock(&c->lock);
        return host;
}

void network_container_restore(struct engine *e, struct container *c)
{
        struct network_store *s = engine_network_store(e);
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
                else if (restored_on_host(s, c))
                        host_member_add(s, c->id);
                return;
        }
        if (!running) {
                /* The container ended while the daemon was down. */
                _cleanup_free_ char *netns = fs_path_join(s->netns_dir, c->id);

                remove_recorded_endpoints(record);
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
        if (path)
                rebind_namespace(c, path);
        dns = on_user_network(s, networks);

        pthread_mutex_lock(&c->lock);
        json_object_put(c->networks);
        c->networks = json_object_get(networks);
        pthread_mutex_unlock(&c->lock);
        if (dns && path) {
                _cleanup_error_ struct error dns_err = ERROR_INIT;
                int r = network_dns_register(e, c, path, &dns_err);

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
        struct network_store *s = engine_network_store(e);
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
