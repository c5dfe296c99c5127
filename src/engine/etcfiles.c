/* SPDX-License-Identifier: Apache-2.0 */
#include "etcfiles.h"

#include <stdio.h>

#include "container.h"
#include "daemon.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "strv.h"

#define HOST_FILE_MAX (1u << 20)

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

/* Appends the host's resolv.conf lines, without loopback nameservers. */
static void append_host_resolv(FILE *out)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **lines = NULL;

        if (fs_read_file_at(AT_FDCWD, "/etc/resolv.conf", HOST_FILE_MAX, &text, NULL) < 0)
                return;
        lines = strv_split(text, "\n", false);
        STRV_FOREACH (line, lines) {
                const char *address = startswith(*line, "nameserver");

                if (address) {
                        address += strspn(address, " \t");
                        if (is_loopback_nameserver(address))
                                continue;
                }
                fprintf(out, "%s\n", *line);
        }
}

static void append_list(FILE *out, const char *keyword, char **items, json_object *override)
{
        size_t n = override ? json_object_array_length(override) : 0;

        if (n > 0) {
                fprintf(out, "%s", keyword);
                for (size_t i = 0; i < n; i++)
                        fprintf(out, " %s", json_object_get_string(json_object_array_get_idx(override, i)));
                fputc('\n', out);
        } else if (items && *items) {
                fprintf(out, "%s", keyword);
                STRV_FOREACH (item, items)
                        fprintf(out, " %s", *item);
                fputc('\n', out);
        }
}

static int write_resolv(const struct daemon_config *config, struct container *c, int dirfd)
{
        json_object *dns = json_field_array(c->host_config, "Dns");
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);

        if (!out)
                return -ENOMEM;
        if ((dns && json_object_array_length(dns) > 0) || (config->dns && *config->dns)) {
                size_t n = dns ? json_object_array_length(dns) : 0;

                for (size_t i = 0; i < n; i++)
                        fprintf(out, "nameserver %s\n", json_object_get_string(json_object_array_get_idx(dns, i)));
                if (n == 0)
                        STRV_FOREACH (server, config->dns)
                                fprintf(out, "nameserver %s\n", *server);
                append_list(out, "search", config->dns_search, json_field_array(c->host_config, "DnsSearch"));
                append_list(out, "options", config->dns_options, json_field_array(c->host_config, "DnsOptions"));
        } else {
                append_host_resolv(out);
        }
        if (fclose(out) != 0)
                return -ENOMEM;
        return fs_write_atomic_at(dirfd, "resolv.conf", text, size, 0644);
}

/* Appends --add-host entries as dockerd writes them: "IP\tNAME". */
static void append_extra_hosts(FILE *out, json_object *extra)
{
        for (size_t i = 0; extra && i < json_object_array_length(extra); i++) {
                const char *entry = json_object_get_string(json_object_array_get_idx(extra, i));
                const char *colon = strchr(entry, ':');

                if (colon)
                        fprintf(out, "%s\t%.*s\n", colon + 1, (int)(colon - entry), entry);
        }
}

static int write_hosts(struct container *c, int dirfd)
{
        _cleanup_free_ char *host_hosts = NULL, *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);

        if (!out)
                return -ENOMEM;
        if (streq(json_field_string(c->host_config, "NetworkMode", ""), "host") &&
            fs_read_file_at(AT_FDCWD, "/etc/hosts", HOST_FILE_MAX, &host_hosts, NULL) >= 0)
                fputs(host_hosts, out);
        else
                fputs(default_hosts, out);
        append_extra_hosts(out, json_field_array(c->host_config, "ExtraHosts"));
        if (fclose(out) != 0)
                return -ENOMEM;
        return fs_write_atomic_at(dirfd, "hosts", text, size, 0644);
}

int etcfiles_write(const struct daemon_config *config, struct container *c, int dirfd, struct error *err)
{
        _cleanup_free_ char *hostname = NULL;
        int r;

        if (asprintf(&hostname, "%s\n", json_field_string(c->config, "Hostname", "")) < 0)
                return -ENOMEM;
        r = fs_write_atomic_at(dirfd, "hostname", hostname, strlen(hostname), 0644);
        if (r >= 0)
                r = write_hosts(c, dirfd);
        if (r >= 0)
                r = write_resolv(config, c, dirfd);
        if (r < 0)
                return error_set_errno(err, r, "writing /etc files of container %s failed", c->id);
        return 0;
}
