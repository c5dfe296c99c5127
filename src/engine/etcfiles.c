/* SPDX-License-Identifier: Apache-2.0 */
#include "etcfiles.h"

#include <fcntl.h>
#include <stdio.h>

#include "container.h"
#include "daemon.h"
#include "etcfiles-internal.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "strv.h"

#define HOST_FILE_MAX (1u << 20)

static char *read_host_file(const char *path)
{
        char *text = NULL;

        if (fs_read_file_at(AT_FDCWD, path, HOST_FILE_MAX, &text, NULL) < 0)
                return NULL;
        return text;
}

/* The DNS settings of c: each of its own lists when not empty, else the
 * daemon's. The vectors belong to *storage. */
static int container_dns(const struct daemon_config *config, struct container *c, char **storage[3],
                         struct etcfiles_dns *ret)
{
        static const char *const keys[] = { "Dns", "DnsSearch", "DnsOptions" };
        char *const *defaults[] = { config->dns, config->dns_search, config->dns_options };
        char *const *chosen[3];

        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                int r = json_array_to_strv(json_field_array(c->host_config, keys[i]), &storage[i]);

                if (r < 0)
                        return r;
                chosen[i] = storage[i] && *storage[i] ? storage[i] : defaults[i];
        }
        *ret = (struct etcfiles_dns){ .servers = chosen[0], .search = chosen[1], .options = chosen[2] };
        return 0;
}

static void free_storage(char **storage[3])
{
        for (size_t i = 0; i < 3; i++)
                strv_free(storage[i]);
}

/* Builds the resolv.conf text of c from the host's file and its DNS
 * settings. */
static int resolv_text(const struct daemon_config *config, struct container *c, const struct etcfiles_network *net,
                       char **ret, struct error *err)
{
        _cleanup_free_ char *host = read_host_file("/etc/resolv.conf");
        char **storage[3] = { NULL, NULL, NULL };
        struct etcfiles_dns dns;
        int r;

        r = container_dns(config, c, storage, &dns);
        if (r >= 0)
                r = etcfiles_resolv_text(host, &dns, net, ret, err);
        free_storage(storage);
        return r;
}

static int write_resolv(const struct daemon_config *config, struct container *c, int dirfd,
                        const struct etcfiles_network *net, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        int r;

        r = resolv_text(config, c, net, &text, err);
        if (r < 0)
                return r;
        return fs_replace_at(dirfd, "resolv.conf", text, strlen(text), 0644);
}

static bool on_host_network(struct container *c)
{
        return streq(json_field_string(c->host_config, "NetworkMode", ""), "host");
}

static int hosts_text(struct container *c, const struct etcfiles_network *net, char **ret, struct error *err)
{
        json_object *extra = json_field_array(c->host_config, "ExtraHosts");
        _cleanup_free_ char *host_hosts = NULL;

        /* The host network shares the host's names, so its file is the
         * base there. */
        if (on_host_network(c))
                host_hosts = read_host_file("/etc/hosts");
        return etcfiles_hosts_text(json_field_string(c->config, "Hostname", ""),
                                   json_field_string(c->config, "Domainname", ""), host_hosts, extra, net, ret, err);
}

int etcfiles_write_network(const struct daemon_config *config, struct container *c, int dirfd,
                           const struct etcfiles_network *net, struct error *err)
{
        _cleanup_free_ char *hostname = NULL, *hosts = NULL;
        int r;

        /* These files are written again at every start, so they are not synced. */
        if (asprintf(&hostname, "%s\n", json_field_string(c->config, "Hostname", "")) < 0)
                return -ENOMEM;
        r = fs_replace_at(dirfd, "hostname", hostname, strlen(hostname), 0644);
        if (r >= 0)
                r = hosts_text(c, net, &hosts, err);
        if (r >= 0)
                r = fs_replace_at(dirfd, "hosts", hosts, strlen(hosts), 0644);
        if (r >= 0)
                r = write_resolv(config, c, dirfd, net, err);
        if (r < 0)
                return error_set_errno(err, r, "writing /etc files of container %s failed", c->id);
        return 0;
}

int etcfiles_write(const struct daemon_config *config, struct container *c, int dirfd, struct error *err)
{
        return etcfiles_write_network(config, c, dirfd, NULL, err);
}

/* Replaces the contents of dirfd/name and keeps its inode, so that bind
 * mounts of it show the new contents.
 * NOTE: a reader between the write and the truncation sees the new text
 * followed by the tail of the old one. */
static int rewrite_in_place(int dirfd, const char *name, const char *text, size_t len)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        int r;

        if (fd < 0 && errno == ENOENT)
                return fs_replace_at(dirfd, name, text, len, 0644);
        if (fd < 0)
                return -errno;
        r = fs_write_all(fd, text, len);
        if (r < 0)
                return r;
        if (ftruncate(fd, (off_t)len) < 0)
                return -errno;
        return 0;
}

int etcfiles_update_hosts(struct container *c, int dirfd, const struct etcfiles_network *net, struct error *err)
{
        _cleanup_free_ char *hosts = NULL;
        int r;

        r = hosts_text(c, net, &hosts, err);
        if (r >= 0)
                r = rewrite_in_place(dirfd, "hosts", hosts, strlen(hosts));
        if (r < 0)
                return error_set_errno(err, r, "updating /etc/hosts of container %s failed", c->id);
        return 0;
}

int etcfiles_update_resolv(const struct daemon_config *config, struct container *c, int dirfd,
                           const struct etcfiles_network *net, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        int r;

        r = resolv_text(config, c, net, &text, err);
        if (r >= 0)
                r = rewrite_in_place(dirfd, "resolv.conf", text, strlen(text));
        if (r < 0)
                return error_set_errno(err, r, "updating /etc/resolv.conf of container %s failed", c->id);
        return 0;
}

int etcfiles_dns_upstreams(const struct daemon_config *config, struct container *c, char ***ret)
{
        _cleanup_free_ char *host = read_host_file("/etc/resolv.conf");
        char **storage[3] = { NULL, NULL, NULL };
        struct etcfiles_dns dns;
        int r;

        r = container_dns(config, c, storage, &dns);
        if (r >= 0)
                r = etcfiles_upstreams(host, &dns, ret);
        free_storage(storage);
        return r;
}
