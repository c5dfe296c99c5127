/* SPDX-License-Identifier: Apache-2.0 */
/* EXPOSE port specs, STOPSIGNAL names and WORKDIR paths. */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <strings.h>

#include "changes-internal.h"
#include "strv.h"

char *changes_join(char *const *words)
{
        size_t len = 1;
        char *joined;

        STRV_FOREACH (w, words)
                len += strlen(*w) + 1;
        joined = calloc(1, len);
        if (!joined)
                return NULL;
        STRV_FOREACH (w, words) {
                if (w != words)
                        strcat(joined, " ");
                strcat(joined, *w);
        }
        return joined;
}

/* Go's strconv.ParseUint(s, 10, 16). */
static bool parse_port(const char *s, size_t len, unsigned *ret)
{
        unsigned long value = 0;

        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (!isdigit((unsigned char)s[i]))
                        return false;
                value = value * 10 + (unsigned long)(s[i] - '0');
                if (value > 65535)
                        return false;
        }
        *ret = (unsigned)value;
        return true;
}

/* nat.ParsePortRange: "80" or "80-90". */
static bool parse_range(const char *s, unsigned *ret_start, unsigned *ret_end)
{
        const char *dash = strchr(s, '-');

        if (!dash)
                return parse_port(s, strlen(s), ret_start) && (*ret_end = *ret_start, true);
        if (!parse_port(s, (size_t)(dash - s), ret_start))
                return false;
        /* Go splits at every '-' and reads only the second part. */
        if (!parse_port(dash + 1, strcspn(dash + 1, "-"), ret_end))
                return false;
        return *ret_end >= *ret_start;
}

static bool ip_valid(const char *ip)
{
        unsigned char buf[16];
        _cleanup_free_ char *bare = NULL;
        size_t len = strlen(ip);

        if (len >= 2 && ip[0] == '[' && ip[len - 1] == ']') {
                bare = strndup(ip + 1, len - 2);
                if (!bare)
                        return false;
                ip = bare;
        }
        return inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1;
}

int changes_expose_port(const char *spec, json_object *ports, struct error *err)
{
        _cleanup_free_ char *copy = strdup(spec), *proto = NULL;
        char *container, *host = NULL, *ip = NULL, *slash;
        unsigned start, end, host_start, host_end;

        if (!copy)
                return -ENOMEM;

        /* [ip:][hostPort:]containerPort[/proto], the ip possibly holding ':'. */
        container = strrchr(copy, ':');
        if (container) {
                *container++ = '\0';
                host = strrchr(copy, ':');
                if (host) {
                        *host++ = '\0';
                        ip = copy;
                } else
                        host = copy;
        } else
                container = copy;

        slash = strchr(container, '/');
        proto = strdup(slash && slash[1] ? slash + 1 : "tcp");
        if (!proto)
                return -ENOMEM;
        if (slash)
                *slash = '\0';
        for (char *p = proto; *p; p++)
                *p = (char)tolower((unsigned char)*p);

        if (!isempty(ip) && !ip_valid(ip))
                return error_set(err, -EINVAL, "Invalid ip address: %s", ip);
        if (!*container)
                return error_set(err, -EINVAL, "No port specified: %s<empty>", spec);
        if (!parse_range(container, &start, &end))
                return error_set(err, -EINVAL, "Invalid containerPort: %s", container);
        if (!isempty(host)) {
                if (!parse_range(host, &host_start, &host_end))
                        return error_set(err, -EINVAL, "Invalid hostPort: %s", host);
                if (end - start != host_end - host_start && end != start)
                        return error_set(err, -EINVAL,
                                         "Invalid ranges specified for container and host Ports: %s and %s", container,
                                         host);
        }
        if (!streq(proto, "tcp") && !streq(proto, "udp") && !streq(proto, "sctp"))
                return error_set(err, -EINVAL, "Invalid proto: %s", slash + 1);

        for (unsigned port = start; port <= end; port++) {
                char key[32];

                snprintf(key, sizeof(key), "%u/%s", port, proto);
                json_object_object_add(ports, key, json_object_new_object());
        }
        return 0;
}

/* The names in Docker's signal.SignalMap on Linux. */
static const char *const signal_names[] = {
        "ABRT", "ALRM", "BUS",  "CHLD", "CLD",  "CONT", "FPE",    "HUP",    "ILL",  "INT",  "IO",     "IOT",
        "KILL", "PIPE", "POLL", "PROF", "PWR",  "QUIT", "SEGV",   "STKFLT", "STOP", "SYS",  "TERM",   "TRAP",
        "TSTP", "TTIN", "TTOU", "URG",  "USR1", "USR2", "VTALRM", "WINCH",  "XCPU", "XFSZ", "UNUSED",
};

static bool realtime_signal_valid(const char *name)
{
        const char *rest;
        char *end;
        long n;

        if (streq(name, "RTMIN") || streq(name, "RTMAX"))
                return true;
        rest = startswith(name, "RTMIN+") ?: startswith(name, "RTMAX-");
        if (!rest || !isdigit((unsigned char)*rest))
                return false;
        n = strtol(rest, &end, 10);
        return !*end && n >= 1 && n <= (startswith(name, "RTMIN+") ? 15 : 14);
}

bool changes_signal_valid(const char *s)
{
        char upper[32];
        const char *name;
        char *end;
        long n;
        size_t i;

        if (isdigit((unsigned char)*s)) {
                errno = 0;
                n = strtol(s, &end, 10);
                return !*end && errno == 0 && n != 0;
        }

        for (i = 0; s[i] && i + 1 < sizeof(upper); i++)
                upper[i] = (char)toupper((unsigned char)s[i]);
        upper[i] = '\0';
        name = startswith(upper, "SIG") ?: upper;
        for (i = 0; i < ARRAY_SIZE(signal_names); i++)
                if (streq(name, signal_names[i]))
                        return true;
        return realtime_signal_valid(name);
}

int changes_path_join(const char *dir, const char *rel, char **ret)
{
        _cleanup_strv_free_ char **parts = NULL, **components = NULL;
        _cleanup_free_ char *joined = NULL;

        if (asprintf(&joined, "/%s/%s", dir, rel) < 0)
                return -ENOMEM;
        parts = strv_split(joined, "/", false);
        components = calloc(strv_length(parts) + 1, sizeof(char *));
        if (!parts || !components)
                return -ENOMEM;

        /* Lexical cleaning: ".." above the root stays at the root. */
        size_t n = 0;
        STRV_FOREACH (part, parts) {
                if (streq(*part, "."))
                        continue;
                if (streq(*part, "..")) {
                        if (n > 0)
                                free(components[--n]);
                        components[n] = NULL;
                        continue;
                }
                components[n] = strdup(*part);
                if (!components[n++])
                        return -ENOMEM;
        }

        free(joined);
        joined = calloc(1, strlen(dir) + strlen(rel) + 3);
        if (!joined)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                strcat(joined, "/");
                strcat(joined, components[i]);
        }
        if (n == 0)
                strcpy(joined, "/");
        *ret = TAKE_PTR(joined);
        return 0;
}
