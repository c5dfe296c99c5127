/* SPDX-License-Identifier: Apache-2.0 */
/* The environment variables of legacy links, as dockerd 20.10's links
 * package builds them. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>

#include "etcfiles.h"
#include "strv.h"

struct link_port {
        unsigned number;
        char protocol[8]; /* "tcp", "udp" or "sctp" */
};

/* dockerd's order: by number, and tcp before the other protocols of the
 * same number. */
static int compare_ports(const void *a, const void *b)
{
        const struct link_port *p = a, *q = b;
        bool p_tcp = streq(p->protocol, "tcp"), q_tcp = streq(q->protocol, "tcp");

        if (p->number != q->number)
                return p->number < q->number ? -1 : 1;
        return (int)q_tcp - (int)p_tcp;
}

static int collect_ports(json_object *exposed, struct link_port **ret, size_t *ret_n)
{
        size_t n = 0, max = exposed ? (size_t)json_object_object_length(exposed) : 0;
        _cleanup_free_ struct link_port *ports = max > 0 ? calloc(max, sizeof(*ports)) : NULL;

        if (max > 0 && !ports)
                return -ENOMEM;
        if (exposed) {
                json_object_object_foreach (exposed, key, value) {
                        struct link_port *p = &ports[n];
                        const char *slash = strchr(key, '/');

                        (void)value;
                        if (sscanf(key, "%u", &p->number) != 1)
                                continue;
                        snprintf(p->protocol, sizeof(p->protocol), "%s", slash && slash[1] ? slash + 1 : "tcp");
                        n++;
                }
        }
        qsort(ports, n, sizeof(*ports), compare_ports);
        *ret = TAKE_PTR(ports);
        *ret_n = n;
        return 0;
}

/* Appends "KEY=VALUE" to *env, or replaces the value of KEY in place when
 * *env has it: dockerd merges the variables so, which drops the repeated
 * _ADDR and _PROTO of a port that starts a range. */
static int append_format(char ***env, const char *fmt, ...) _printf_(2, 3);
static int append_format(char ***env, const char *fmt, ...)
{
        va_list ap;
        char *s;
        size_t key_len;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        key_len = strcspn(s, "=");
        for (char **entry = *env; entry && *entry; entry++) {
                if (strncmp(*entry, s, key_len + 1) == 0) {
                        free(*entry);
                        *entry = s;
                        return 0;
                }
        }
        return strv_consume(env, s);
}

static void upper(char *dst, const char *src, size_t size)
{
        size_t i = 0;

        for (; src[i] && i + 1 < size; i++)
                dst[i] = src[i] == '-' ? '_' : (char)toupper((unsigned char)src[i]);
        dst[i] = '\0';
}

/* The index of the last port of the run of consecutive numbers that starts
 * at index, as dockerd's nextContiguous. */
static size_t next_contiguous(const struct link_port *ports, size_t n, size_t index)
{
        unsigned value = ports[index].number;

        for (size_t i = index + 1; i < n; i++) {
                if (ports[i].number > value + 1)
                        return i - 1;
                value++;
        }
        return n - 1;
}

static int append_ranges(char ***env, const char *alias, const char *ip, const struct link_port *ports, size_t n)
{
        for (size_t i = 0; i < n;) {
                const struct link_port *p = &ports[i], *q;
                size_t j = next_contiguous(ports, n, i);
                char proto[8], end_proto[8];
                int r = 0;

                if (j <= i + 1) {
                        i++;
                        continue;
                }
                q = &ports[j];
                upper(proto, p->protocol, sizeof(proto));
                upper(end_proto, q->protocol, sizeof(end_proto));
                r = append_format(env, "%s_PORT_%u_%s_START=%s://%s:%u", alias, p->number, proto, p->protocol, ip,
                                  p->number);
                if (r >= 0)
                        r = append_format(env, "%s_PORT_%u_%s_ADDR=%s", alias, p->number, proto, ip);
                if (r >= 0)
                        r = append_format(env, "%s_PORT_%u_%s_PROTO=%s", alias, p->number, proto, p->protocol);
                if (r >= 0)
                        r = append_format(env, "%s_PORT_%u_%s_PORT_START=%u", alias, p->number, proto, p->number);
                if (r >= 0)
                        r = append_format(env, "%s_PORT_%u_%s_END=%s://%s:%u", alias, p->number, end_proto, q->protocol,
                                          ip, q->number);
                if (r >= 0)
                        r = append_format(env, "%s_PORT_%u_%s_PORT_END=%u", alias, p->number, end_proto, q->number);
                if (r < 0)
                        return r;
                i = j + 1;
        }
        return 0;
}

static int append_ports(char ***env, const char *alias, const char *ip, const struct link_port *ports, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const struct link_port *p = &ports[i];
                char proto[8];
                int r;

                upper(proto, p->protocol, sizeof(proto));
                r = append_format(env, "%s_PORT_%u_%s=%s://%s:%u", alias, p->number, proto, p->protocol, ip, p->number);
                if (r >= 0)
                        r = append_format(env, "%s_PORT_%u_%s_ADDR=%s", alias, p->number, proto, ip);
                if (r >= 0)
                        r = append_format(env, "%s_PORT_%u_%s_PORT=%u", alias, p->number, proto, p->number);
                if (r >= 0)
                        r = append_format(env, "%s_PORT_%u_%s_PROTO=%s", alias, p->number, proto, p->protocol);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Copies the linked container's variables as ALIAS_ENV_KEY=VALUE, except
 * HOME and PATH, as dockerd does. */
static int append_child_env(char ***env, const char *alias, json_object *child_env)
{
        size_t n = child_env ? json_object_array_length(child_env) : 0;

        for (size_t i = 0; i < n; i++) {
                const char *entry = json_object_get_string(json_object_array_get_idx(child_env, i));
                const char *eq = entry ? strchr(entry, '=') : NULL;
                size_t len;
                int r;

                if (!eq)
                        continue;
                len = (size_t)(eq - entry);
                if (len == 4 && (strncmp(entry, "HOME", 4) == 0 || strncmp(entry, "PATH", 4) == 0))
                        continue;
                r = append_format(env, "%s_ENV_%.*s=%s", alias, (int)len, entry, eq + 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int append_link(char ***env, const char *own_name, const struct etcfiles_link *link)
{
        _cleanup_free_ struct link_port *ports = NULL;
        const char *ip = link->address ? link->address : "";
        char alias[256];
        size_t n;
        int r;

        upper(alias, link->alias, sizeof(alias));
        r = collect_ports(link->exposed, &ports, &n);
        if (r < 0)
                return r;
        if (n > 0) {
                r = append_format(env, "%s_PORT=%s://%s:%u", alias, ports[0].protocol, ip, ports[0].number);
                if (r < 0)
                        return r;
        }
        r = append_ranges(env, alias, ip, ports, n);
        if (r >= 0)
                r = append_ports(env, alias, ip, ports, n);
        if (r >= 0)
                r = append_format(env, "%s_NAME=/%s/%s", alias, own_name, link->alias);
        if (r >= 0)
                r = append_child_env(env, alias, link->env);
        return r;
}

int etcfiles_link_env(const char *own_name, const struct etcfiles_link *links, size_t n_links, char ***env)
{
        for (size_t i = 0; i < n_links; i++) {
                int r = append_link(env, own_name, &links[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}
