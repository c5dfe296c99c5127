/* SPDX-License-Identifier: Apache-2.0 */
#include "portmap.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "jsonutil.h"
#include "netns/link.h"
#include "netns/nft.h"
#include "portmap-internal.h"
#include "strv.h"

/* Parses a decimal port, 0 to 65535, as Go's strconv.ParseUint(s, 10, 16). */
static int parse_port_number(const char *s, size_t len, uint16_t *ret)
{
        unsigned long value = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                value = value * 10 + (unsigned long)(s[i] - '0');
                if (value > UINT16_MAX)
                        return -EINVAL;
        }
        *ret = (uint16_t)value;
        return 0;
}

static int parse_protocol(const char *name, int *ret)
{
        if (streq(name, "tcp"))
                *ret = IPPROTO_TCP;
        else if (streq(name, "udp"))
                *ret = IPPROTO_UDP;
        else if (streq(name, "sctp"))
                *ret = IPPROTO_SCTP;
        else
                return -EINVAL;
        return 0;
}

/* Parses a container port key, "80" or "80/udp", into the port, the
 * protocol and the key as Docker writes it back ("80/tcp"). */
static int parse_key(const char *raw, uint16_t *ret_port, int *ret_protocol, char key[static PORTMAP_KEY_MAX],
                     struct error *err)
{
        const char *slash = strchr(raw, '/');
        size_t port_len = slash ? (size_t)(slash - raw) : strlen(raw);
        char protocol[8] = "tcp";

        if (parse_port_number(raw, port_len, ret_port) < 0 || *ret_port == 0)
                return error_set(err, -EINVAL, "invalid port specification: \"%.*s\"", (int)port_len, raw);
        if (slash && slash[1] != '\0') {
                size_t n = strlen(slash + 1);

                if (n >= sizeof(protocol))
                        return error_set(err, -EINVAL, "invalid proto: %s", slash + 1);
                for (size_t i = 0; i <= n; i++)
                        protocol[i] =
                                (char)((slash[1 + i] >= 'A' && slash[1 + i] <= 'Z') ? slash[1 + i] + 32 : slash[1 + i]);
        }
        if (parse_protocol(protocol, ret_protocol) < 0)
                return error_set(err, -EINVAL, "invalid proto: %s", slash + 1);
        snprintf(key, PORTMAP_KEY_MAX, "%u/%s", *ret_port, protocol);
        return 0;
}

/* Parses a HostPort: "" or "0" (ephemeral), "8080", or a range "8000-8010".
 * A "/PROTOCOL" suffix is ignored, as dockerd ignores it. */
static int parse_host_port(const char *raw, uint16_t *ret_first, uint16_t *ret_last, struct error *err)
{
        size_t len = strcspn(raw, "/");
        const char *dash = memchr(raw, '-', len);
        uint16_t first, last;

        if (len == 0) {
                *ret_first = *ret_last = 0;
                return 0;
        }
        if (!dash) {
                if (parse_port_number(raw, len, &first) < 0)
                        goto invalid;
                last = first;
        } else if (parse_port_number(raw, (size_t)(dash - raw), &first) < 0 ||
                   parse_port_number(dash + 1, len - (size_t)(dash - raw) - 1, &last) < 0 || last < first) {
                goto invalid;
        }
        if (first == 0 && last != 0)
                goto invalid;
        *ret_first = first;
        *ret_last = last;
        return 0;
invalid:
        return error_set(err, -EINVAL, "invalid port specification: \"%s\"", raw);
}

/* Parses a HostIp: "" (every address), an IPv4 or an IPv6 address. */
static int parse_host_ip(const char *raw, int *ret_family, union portmap_addr *ret_addr, struct error *err)
{
        *ret_addr = (union portmap_addr){ 0 };
        if (raw[0] == '\0') {
                *ret_family = AF_UNSPEC;
                return 0;
        }
        if (inet_pton(AF_INET, raw, &ret_addr->v4) == 1) {
                *ret_family = AF_INET;
                return 0;
        }
        if (inet_pton(AF_INET6, raw, &ret_addr->v6) == 1) {
                *ret_family = AF_INET6;
                return 0;
        }
        /* NOTE: dockerd 20.10 accepts any text here and then publishes on
         * every address; rejecting it at create is deliberate. */
        return error_set(err, -EINVAL, "invalid IP address in port binding: \"%s\"", raw);
}

static int parse_binding(const char *raw_key, json_object *entry, struct portmap_binding *b, struct error *err)
{
        const char *host_port, *host_ip;
        int r;

        *b = (struct portmap_binding){ .fd4 = -1, .fd6 = -1 };
        r = parse_key(raw_key, &b->container_port, &b->protocol, b->key, err);
        if (r < 0)
                return r;
        if (!entry)
                return 0;
        if (!json_object_is_type(entry, json_type_object))
                return error_set(err, -EINVAL, "invalid port binding for %s: expected an object", raw_key);
        host_port = json_field_string(entry, "HostPort", "");
        host_ip = json_field_string(entry, "HostIp", "");
        r = parse_host_port(host_port, &b->range_first, &b->range_last, err);
        if (r < 0)
                return r;
        return parse_host_ip(host_ip, &b->host_family, &b->host_addr, err);
}

static int add_key(struct portmap *pm, const char *key)
{
        if (strv_contains(pm->keys, key))
                return 0;
        return strv_append(&pm->keys, key);
}

static int compare_keys(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int append_binding(struct portmap *pm, const struct portmap_binding *b)
{
        struct portmap_binding *bindings = reallocarray(pm->bindings, pm->n_bindings + 1, sizeof(*bindings));

        if (!bindings)
                return -ENOMEM;
        pm->bindings = bindings;
        pm->bindings[pm->n_bindings++] = *b;
        return 0;
}

/* Adds the bindings of one PortBindings entry. An empty or null list
 * publishes nothing, as with dockerd. */
static int parse_entry(struct portmap *pm, const char *raw_key, json_object *list, struct error *err)
{
        struct portmap_binding b;
        size_t n;
        int r;

        r = parse_binding(raw_key, NULL, &b, err);
        if (r < 0)
                return r;
        if (!list)
                return 0;
        if (!json_object_is_type(list, json_type_array))
                return error_set(err, -EINVAL, "invalid port bindings for %s: expected an array", raw_key);
        n = json_object_array_length(list);
        for (size_t i = 0; i < n; i++) {
                r = parse_binding(raw_key, json_object_array_get_idx(list, i), &b, err);
                if (r >= 0)
                        r = append_binding(pm, &b);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool has_binding(const struct portmap *pm, const char *key)
{
        for (size_t i = 0; i < pm->n_bindings; i++)
                if (streq(pm->bindings[i].key, key))
                        return true;
        return false;
}

/* Gives every exposed port without a binding an ephemeral one on every
 * address, as dockerd does for PublishAllPorts. */
static int publish_all(struct portmap *pm)
{
        STRV_FOREACH (key, pm->keys) {
                struct portmap_binding b;
                int r;

                if (has_binding(pm, *key))
                        continue;
                r = parse_binding(*key, NULL, &b, NULL);
                if (r >= 0)
                        r = append_binding(pm, &b);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Drops the bindings of ports that Config.ExposedPorts does not list:
 * dockerd 20.10 publishes only exposed ports (the docker CLI exposes every
 * port it publishes). */
static void drop_unexposed(struct portmap *pm)
{
        size_t kept = 0;

        for (size_t i = 0; i < pm->n_bindings; i++)
                if (strv_contains(pm->keys, pm->bindings[i].key))
                        pm->bindings[kept++] = pm->bindings[i];
        pm->n_bindings = kept;
}

int portmap_parse(json_object *host_config, json_object *config, struct portmap **ret, struct error *err)
{
        _cleanup_portmap_ struct portmap *pm = calloc(1, sizeof(*pm));
        json_object *bindings = json_field_object(host_config, "PortBindings");
        json_object *exposed = json_field_object(config, "ExposedPorts");
        int r;

        if (!pm)
                return -ENOMEM;
        if (bindings) {
                json_object_object_foreach (bindings, key, list) {
                        r = parse_entry(pm, key, list, err);
                        if (r < 0)
                                return r;
                }
        }
        if (exposed) {
                json_object_object_foreach (exposed, key, value) {
                        struct portmap_binding b;

                        (void)value;
                        r = parse_binding(key, NULL, &b, err);
                        if (r >= 0)
                                r = add_key(pm, b.key);
                        if (r < 0)
                                return r;
                }
        }
        if (config)
                drop_unexposed(pm);
        if (json_field_bool(host_config, "PublishAllPorts", false)) {
                r = publish_all(pm);
                if (r < 0)
                        return r;
        }
        if (pm->keys)
                qsort(pm->keys, strv_length(pm->keys), sizeof(*pm->keys), compare_keys);
        *ret = TAKE_PTR(pm);
        return 0;
}

int portmap_validate(json_object *host_config, struct error *err)
{
        _cleanup_portmap_ struct portmap *pm = NULL;

        return portmap_parse(host_config, NULL, &pm, err);
}

void portmap_free(struct portmap *pm)
{
        if (!pm)
                return;
        portmap_release(pm);
        free(pm->bindings);
        strv_free(pm->keys);
        free(pm);
}

bool portmap_publishes(const struct portmap *pm)
{
        return pm && pm->n_bindings > 0;
}

int portmap_allocate(struct portmap *pm, const char *endpoint_name, const char *endpoint_id, struct error *err)
{
        for (size_t i = 0; i < pm->n_bindings; i++) {
                int r = portmap_reserve(&pm->bindings[i], endpoint_name, endpoint_id, err);

                if (r < 0) {
                        portmap_release(pm);
                        return r;
                }
        }
        return 0;
}

void portmap_release(struct portmap *pm)
{
        for (size_t i = 0; i < pm->n_bindings; i++) {
                struct portmap_binding *b = &pm->bindings[i];

                portmap_unreserve(b);
                if (b->range_first != b->range_last || b->range_first == 0)
                        b->host_port = 0;
        }
}

static const struct netns_addr *find_address(const struct netns_addr *addrs, size_t n, int family)
{
        for (size_t i = 0; i < n; i++)
                if (addrs[i].family == family)
                        return &addrs[i];
        return NULL;
}

static void fill_nft_port(struct nft_port *p, const struct portmap_binding *b, const struct netns_addr *container,
                          const char *bridge)
{
        *p = (struct nft_port){
                .family = container->family,
                .protocol = b->protocol,
                .host_addr_any = b->host_family == AF_UNSPEC,
                .host_port_first = b->host_port,
                .host_port_last = b->host_port,
                .container_port_first = b->container_port,
                .bridge = bridge,
        };
        if (container->family == AF_INET) {
                p->host_addr.v4 = b->host_addr.v4;
                p->container_addr.v4 = container->addr.v4;
        } else {
                p->host_addr.v6 = b->host_addr.v6;
                p->container_addr.v6 = container->addr.v6;
        }
        /* An explicit 0.0.0.0 or :: is any address too. */
        if (!p->host_addr_any && container->family == AF_INET)
                p->host_addr_any = b->host_addr.v4.s_addr == INADDR_ANY;
        else if (!p->host_addr_any)
                p->host_addr_any = IN6_IS_ADDR_UNSPECIFIED(&b->host_addr.v6);
}

int portmap_nft_ports(const struct portmap *pm, const struct netns_addr *addrs, size_t n_addrs, const char *bridge,
                      struct nft_port **ret, size_t *ret_n)
{
        _cleanup_free_ struct nft_port *ports = NULL;
        size_t n = 0;

        if (pm->n_bindings > 0) {
                ports = calloc(pm->n_bindings * 2, sizeof(*ports));
                if (!ports)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < pm->n_bindings; i++) {
                const struct portmap_binding *b = &pm->bindings[i];
                const struct netns_addr *v4 = find_address(addrs, n_addrs, AF_INET);
                const struct netns_addr *v6 = find_address(addrs, n_addrs, AF_INET6);

                /* NOTE: dockerd's userland proxy forwards host IPv6 traffic
                 * to a container without IPv6; the kernel cannot translate
                 * between families, so such a port is only reserved. */
                if (b->fd4 >= 0 && v4)
                        fill_nft_port(&ports[n++], b, v4, bridge);
                if (b->fd6 >= 0 && v6)
                        fill_nft_port(&ports[n++], b, v6, bridge);
        }
        *ret_n = n;
        *ret = n > 0 ? TAKE_PTR(ports) : NULL;
        return 0;
}

static json_object *binding_json(const char *host_ip, uint16_t host_port)
{
        json_object *o = json_object_new_object();
        char port[8];

        snprintf(port, sizeof(port), "%u", host_port);
        json_object_object_add(o, "HostIp", json_object_new_string(host_ip));
        json_object_object_add(o, "HostPort", json_object_new_string(port));
        return o;
}

static void append_address_json(json_object *list, const struct portmap_binding *b, int family)
{
        char text[INET6_ADDRSTRLEN];

        if (b->host_family == AF_UNSPEC)
                strcpy(text, family == AF_INET ? "0.0.0.0" : "::");
        else
                inet_ntop(family, &b->host_addr, text, sizeof(text));
        json_object_array_add(list, binding_json(text, b->host_port));
}

/* Appends the addresses b holds: IPv4 first, then IPv6, as dockerd lists
 * them. */
static void append_binding_json(json_object *list, const struct portmap_binding *b)
{
        if (b->fd4 >= 0)
                append_address_json(list, b, AF_INET);
        if (b->fd6 >= 0)
                append_address_json(list, b, AF_INET6);
}

json_object *portmap_to_json(const struct portmap *pm)
{
        json_object *ports = json_object_new_object();

        if (!pm)
                return ports;
        STRV_FOREACH (key, pm->keys) {
                json_object *list = NULL;

                for (size_t i = 0; i < pm->n_bindings; i++) {
                        const struct portmap_binding *b = &pm->bindings[i];

                        if (!streq(b->key, *key) || (b->fd4 < 0 && b->fd6 < 0))
                                continue;
                        if (!list)
                                list = json_object_new_array();
                        append_binding_json(list, b);
                }
                json_object_object_add(ports, *key, list);
        }
        return ports;
}

/* The state maps each key to the host ports of its bindings in order, 0
 * for a binding without one: {"80/tcp": [8080, 32768]}. */
json_object *portmap_state_to_json(const struct portmap *pm)
{
        json_object *state = json_object_new_object();

        for (size_t i = 0; pm && i < pm->n_bindings; i++) {
                const struct portmap_binding *b = &pm->bindings[i];
                json_object *list = json_object_object_get(state, b->key);

                if (!list) {
                        list = json_object_new_array();
                        json_object_object_add(state, b->key, list);
                }
                json_object_array_add(list, json_object_new_int(b->host_port));
        }
        return state;
}

static struct portmap_binding *find_binding(struct portmap *pm, const char *key, size_t index)
{
        for (size_t i = 0; i < pm->n_bindings; i++) {
                if (!streq(pm->bindings[i].key, key))
                        continue;
                if (index-- == 0)
                        return &pm->bindings[i];
        }
        return NULL;
}

int portmap_state_restore(struct portmap *pm, json_object *state)
{
        if (!state)
                return 0;
        if (!json_object_is_type(state, json_type_object))
                return -EINVAL;
        json_object_object_foreach (state, key, list) {
                size_t n;

                if (!json_object_is_type(list, json_type_array))
                        return -EINVAL;
                n = json_object_array_length(list);
                for (size_t i = 0; i < n; i++) {
                        json_object *value = json_object_array_get_idx(list, i);
                        int64_t port = json_object_get_int64(value);
                        struct portmap_binding *b;

                        if (!json_object_is_type(value, json_type_int) || port < 0 || port > UINT16_MAX)
                                return -EINVAL;
                        b = find_binding(pm, key, i);
                        if (b && port > 0)
                                b->host_port = (uint16_t)port;
                }
        }
        return 0;
}
