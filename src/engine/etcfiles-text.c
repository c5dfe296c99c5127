/* SPDX-License-Identifier: Apache-2.0 */
/* The contents of a container's /etc/hosts and /etc/resolv.conf, built as
 * dockerd 20.10 and its libnetwork build them. */
#include <arpa/inet.h>
#include <stdio.h>

#include "etcfiles-internal.h"
#include "jsonutil.h"
#include "strv.h"

#define EMBEDDED_DNS_ADDRESS "127.0.0.11"

static const char default_hosts[] = "127.0.0.1\tlocalhost\n"
                                    "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                    "fe00::0\tip6-localnet\n"
                                    "ff00::0\tip6-mcastprefix\n"
                                    "ff02::1\tip6-allnodes\n"
                                    "ff02::2\tip6-allrouters\n";

static bool is_loopback_nameserver(const char *address)
{
        return startswith(address, "127.") || streq(address, "::1");
}

static bool is_ipv4(const char *address)
{
        struct in_addr a;

        return inet_pton(AF_INET, address, &a) == 1;
}

/* Returns the value after `keyword` and blanks on a resolv.conf line, or
 * NULL when the line is another one. */
static const char *line_value(const char *line, const char *keyword)
{
        const char *rest = startswith(line, keyword);

        if (!rest || (*rest != ' ' && *rest != '\t'))
                return NULL;
        return rest + strspn(rest, " \t");
}

/* Collects the whitespace-separated words of every `keyword` line. For
 * "search", only the last line counts, as for the resolver. */
static int collect_words(char *const *lines, const char *keyword, char ***ret)
{
        _cleanup_strv_free_ char **words = NULL;

        STRV_FOREACH (line, lines) {
                const char *value = line_value(*line, keyword);
                _cleanup_strv_free_ char **split = NULL;

                if (!value)
                        continue;
                split = strv_split(value, " \t", false);
                if (!split)
                        return -ENOMEM;
                if (streq(keyword, "search"))
                        strv_free(TAKE_PTR(words));
                STRV_FOREACH (word, split)
                        if (strv_append(&words, *word) < 0)
                                return -ENOMEM;
        }
        *ret = TAKE_PTR(words);
        return 0;
}

/* Writes a resolv.conf as libnetwork's resolvconf.Build: search, the
 * nameservers, then options. A search list of "." writes no search line. */
static void write_resolv(FILE *out, char *const *servers, char *const *search, char *const *options)
{
        if (search && *search && !(streq(search[0], ".") && !search[1])) {
                fputs("search", out);
                STRV_FOREACH (domain, search)
                        fprintf(out, " %s", *domain);
                fputc('\n', out);
        }
        STRV_FOREACH (server, servers)
                fprintf(out, "nameserver %s\n", *server);
        if (options && *options) {
                fputs("options", out);
                STRV_FOREACH (option, options)
                        fprintf(out, " %s", *option);
                fputc('\n', out);
        }
}

/* Writes the host's lines without loopback nameservers. With fallback,
 * when no nameserver remains, appends dockerd's defaults.
 * NOTE: those are Google's public resolvers, 8.8.8.8 and 8.8.4.4, as in
 * dockerd; give the daemon --dns to keep containers off them. */
static void write_host_resolv(FILE *out, char *const *lines, bool fallback)
{
        bool any = false;

        STRV_FOREACH (line, lines) {
                const char *address = line_value(*line, "nameserver");

                if (address && is_loopback_nameserver(address))
                        continue;
                any = any || address;
                fprintf(out, "%s\n", *line);
        }
        if (fallback && !any)
                fputs("nameserver 8.8.8.8\nnameserver 8.8.4.4\n", out);
}

/* Checks the ndots options as libnetwork does and sets *ret when one is set. */
static int find_ndots(char *const *options, bool *ret, struct error *err)
{
        *ret = false;
        STRV_FOREACH (option, options) {
                const char *value = startswith(*option, "ndots:");
                char *end;
                long n;

                if (!strstr(*option, "ndots"))
                        continue;
                if (!value || strchr(value, ':'))
                        return error_set(err, -EINVAL, "invalid ndots option %s", *option);
                errno = 0;
                n = strtol(value, &end, 10);
                if (errno != 0 || end == value || *end != '\0')
                        return error_set(err, -EINVAL, "invalid number for ndots option: %s", value);
                if (n < 0)
                        return error_set(err, -EINVAL, "invalid number for ndots option: %ld", n);
                *ret = true;
                return 0;
        }
        return 0;
}

/* The resolv.conf of a container on a user-defined network: the embedded
 * server, the IPv6 nameservers (which it does not forward to), and the
 * search and options of the file the container would have had without it. */
static int write_embedded_resolv(FILE *out, const char *plain, struct error *err)
{
        _cleanup_strv_free_ char **lines = strv_split(plain, "\n", false);
        _cleanup_strv_free_ char **servers = NULL, **search = NULL, **options = NULL;
        bool ndots;
        int r;

        if (!lines || strv_append(&servers, EMBEDDED_DNS_ADDRESS) < 0)
                return -ENOMEM;
        STRV_FOREACH (line, lines) {
                const char *address = line_value(*line, "nameserver");

                if (address && strchr(address, ':') && strv_append(&servers, address) < 0)
                        return -ENOMEM;
        }
        r = collect_words(lines, "search", &search);
        if (r >= 0)
                r = collect_words(lines, "options", &options);
        if (r >= 0)
                r = find_ndots(options, &ndots, err);
        if (r < 0)
                return r;
        if (!ndots && strv_append(&options, "ndots:0") < 0)
                return -ENOMEM;
        write_resolv(out, servers, search, options);
        return 0;
}

static bool is_set(char *const *v)
{
        return v && *v;
}

/* The resolv.conf a container has without the embedded server. */
static int plain_resolv_text(const char *host_resolv, const struct etcfiles_dns *dns, bool fallback, char **ret)
{
        _cleanup_strv_free_ char **lines = strv_split(host_resolv ? host_resolv : "", "\n", false);
        _cleanup_strv_free_ char **servers = NULL, **search = NULL, **options = NULL;
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *out;
        int r = 0;

        if (!lines)
                return -ENOMEM;
        out = open_memstream(&text, &size);
        if (!out)
                return -ENOMEM;
        if (is_set(dns->servers) || is_set(dns->search) || is_set(dns->options)) {
                /* Unset parts come from the host, as in dockerd. */
                STRV_FOREACH (line, lines) {
                        const char *address = line_value(*line, "nameserver");

                        if (address && !is_loopback_nameserver(address) && strv_append(&servers, address) < 0)
                                r = -ENOMEM;
                }
                if (r >= 0)
                        r = collect_words(lines, "search", &search);
                if (r >= 0)
                        r = collect_words(lines, "options", &options);
                if (r >= 0)
                        write_resolv(out, is_set(dns->servers) ? dns->servers : servers,
                                     is_set(dns->search) ? dns->search : search,
                                     is_set(dns->options) ? dns->options : options);
        } else {
                write_host_resolv(out, lines, fallback);
        }
        if (fclose(out) != 0)
                return -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(text);
        return 0;
}

int etcfiles_resolv_text(const char *host_resolv, const struct etcfiles_dns *dns, const struct etcfiles_network *net,
                         char **ret, struct error *err)
{
        _cleanup_free_ char *plain = NULL, *text = NULL;
        size_t size = 0;
        FILE *out;
        int r;

        r = plain_resolv_text(host_resolv, dns, net != NULL, &plain);
        if (r < 0)
                return r;
        if (!net || !net->embedded_dns) {
                *ret = TAKE_PTR(plain);
                return 0;
        }
        out = open_memstream(&text, &size);
        if (!out)
                return -ENOMEM;
        r = write_embedded_resolv(out, plain, err);
        if (fclose(out) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(text);
        return 0;
}

int etcfiles_upstreams(const char *host_resolv, const struct etcfiles_dns *dns, char ***ret)
{
        _cleanup_strv_free_ char **lines = NULL, **upstreams = NULL;

        if (is_set(dns->servers)) {
                STRV_FOREACH (server, dns->servers)
                        if (is_ipv4(*server) && strv_append(&upstreams, *server) < 0)
                                return -ENOMEM;
        } else {
                lines = strv_split(host_resolv ? host_resolv : "", "\n", false);
                if (!lines)
                        return -ENOMEM;
                STRV_FOREACH (line, lines) {
                        const char *address = line_value(*line, "nameserver");

                        if (address && is_ipv4(address) && strv_append(&upstreams, address) < 0)
                                return -ENOMEM;
                }
        }
        if (!upstreams && !(upstreams = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(upstreams);
        return 0;
}

/* Writes the --add-host entries, "NAME:IP", as "IP\tNAME", with
 * host-gateway replaced by its address. */
static int write_extra_hosts(FILE *out, json_object *extra, const struct etcfiles_network *net, struct error *err)
{
        size_t n = extra ? json_object_array_length(extra) : 0;

        for (size_t i = 0; i < n; i++) {
                const char *entry = json_object_get_string(json_object_array_get_idx(extra, i));
                const char *colon = entry ? strchr(entry, ':') : NULL;
                const char *address;

                if (!colon)
                        continue;
                address = colon + 1;
                if (streq(address, "host-gateway")) {
                        if (!net || !net->host_gateway)
                                return error_set(err, -EINVAL, "unable to derive the IP value for host-gateway");
                        address = net->host_gateway;
                }
                fprintf(out, "%s\t%.*s\n", address, (int)(colon - entry), entry);
        }
        return 0;
}

/* Writes a link as dockerd does: "IP\tALIAS HOSTNAME NAME", without NAME
 * when it equals ALIAS. */
static void write_link(FILE *out, const struct etcfiles_link *link)
{
        if (!link->address || !*link->address)
                return;
        fprintf(out, "%s\t%s %s", link->address, link->alias, link->hostname ? link->hostname : "");
        if (link->name && !streq(link->name, link->alias))
                fprintf(out, " %s", link->name);
        fputc('\n', out);
}

/* Writes the container's own entry for one address: "IP\tHOSTNAME", or
 * "IP\tFQDN HOST" when the hostname has a domain. */
static void write_own_entry(FILE *out, const char *address, const char *hostname, const char *domainname)
{
        const char *dot;

        if (domainname && *domainname) {
                fprintf(out, "%s\t%s.%s %.*s\n", address, hostname, domainname, (int)strcspn(hostname, "."), hostname);
                return;
        }
        dot = strchr(hostname, '.');
        if (dot)
                fprintf(out, "%s\t%s %.*s\n", address, hostname, (int)(dot - hostname), hostname);
        else
                fprintf(out, "%s\t%s\n", address, hostname);
}

int etcfiles_hosts_text(const char *hostname, const char *domainname, const char *base, json_object *extra_hosts,
                        const struct etcfiles_network *net, char **ret, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        int r;

        if (!out)
                return -ENOMEM;
        fputs(base ? base : default_hosts, out);
        r = write_extra_hosts(out, extra_hosts, net, err);
        for (size_t i = 0; r >= 0 && net && i < net->n_links; i++)
                write_link(out, &net->links[i]);
        /* NOTE: dockerd 20.10 writes only the IPv4 address of each network;
         * an IPv6-only network gets its IPv6 address here. */
        for (size_t i = 0; r >= 0 && net && i < net->n_endpoints; i++) {
                const struct etcfiles_endpoint *e = &net->endpoints[i];
                const char *address = e->address && *e->address ? e->address : e->address6;

                if (address && *address)
                        write_own_entry(out, address, hostname, domainname);
        }
        if (fclose(out) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(text);
        return 0;
}
