/* SPDX-License-Identifier: Apache-2.0 */
/* Test driver for the netns library: one command per library function, so
 * that netns-links.sh can call them from a shell. Exits 0 on success and 1
 * with the library's message on stderr otherwise. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "netns/link.h"
#include "netns/netns.h"

static const char *usage =
        "usage: netns-tool COMMAND ARGS...\n"
        "  create PATH | create-in-thread PATH | remove PATH\n"
        "  bridge NAME MTU ipv4|ipv6 [ADDRESS/PREFIX...]\n"
        "  endpoint BRIDGE HOST_IFNAME NETNS_PATH IFNAME MTU MAC|- hairpin|nohairpin [addr=A/P|gw=G...]\n"
        "  endpoint-remove HOST_IFNAME | delete NAME | delete-in NETNS_PATH IFNAME | exists NAME\n"
        "  routes | sysctl NETNS_PATH|- KEY VALUE | parse TEXT\n";

#define MAX_ADDRS 8

static int fail(int r, const struct error *err, const char *command)
{
        fprintf(stderr, "netns-tool: %s failed: %s\n", command, error_message(err, r));
        return 1;
}

static int parse_addr_arg(const char *text, struct netns_addr *ret)
{
        if (netns_addr_parse(text, ret) < 0) {
                fprintf(stderr, "netns-tool: invalid address \"%s\"\n", text);
                return -EINVAL;
        }
        return 0;
}

static int parse_mac(const char *text, uint8_t mac[6])
{
        unsigned b[6];

        if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
                return -EINVAL;
        for (size_t i = 0; i < 6; i++)
                mac[i] = (uint8_t)b[i];
        return 0;
}

static int cmd_bridge(int argc, char **argv)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct netns_addr addrs[MAX_ADDRS];
        struct netns_bridge_config cfg = { .name = argv[0], .mtu = (unsigned)atoi(argv[1]), .addrs = addrs };
        int r;

        cfg.enable_ipv6 = streq(argv[2], "ipv6");
        for (int i = 3; i < argc && cfg.n_addrs < MAX_ADDRS; i++)
                if (parse_addr_arg(argv[i], &addrs[cfg.n_addrs++]) < 0)
                        return 2;
        r = netns_bridge_ensure(&cfg, &err);
        return r < 0 ? fail(r, &err, "bridge") : 0;
}

static int cmd_endpoint(int argc, char **argv)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_close_ int ns_fd = -1;
        struct netns_addr addrs[MAX_ADDRS], gateways[MAX_ADDRS];
        uint8_t mac[6];
        struct netns_endpoint_config cfg = {
                .bridge = argv[0],
                .host_ifname = argv[1],
                .ifname = argv[3],
                .mtu = (unsigned)atoi(argv[4]),
                .addrs = addrs,
                .gateways = gateways,
                .hairpin = streq(argv[6], "hairpin"),
        };
        int r;

        if (!streq(argv[5], "-")) {
                if (parse_mac(argv[5], mac) < 0) {
                        fprintf(stderr, "netns-tool: invalid MAC address \"%s\"\n", argv[5]);
                        return 2;
                }
                cfg.mac = mac;
        }
        for (int i = 7; i < argc; i++) {
                const char *value;

                if ((value = startswith(argv[i], "addr=")) && cfg.n_addrs < MAX_ADDRS) {
                        if (parse_addr_arg(value, &addrs[cfg.n_addrs++]) < 0)
                                return 2;
                } else if ((value = startswith(argv[i], "gw=")) && cfg.n_gateways < MAX_ADDRS) {
                        if (parse_addr_arg(value, &gateways[cfg.n_gateways++]) < 0)
                                return 2;
                } else {
                        fprintf(stderr, "netns-tool: invalid endpoint argument \"%s\"\n", argv[i]);
                        return 2;
                }
        }

        ns_fd = netns_open(argv[2]);
        if (ns_fd < 0)
                return fail(ns_fd, NULL, "opening the network namespace");
        cfg.ns_fd = ns_fd;
        r = netns_endpoint_add(&cfg, &err);
        return r < 0 ? fail(r, &err, "endpoint") : 0;
}

static int cmd_routes(void)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ struct netns_addr *routes = NULL;
        char text[NETNS_ADDR_FORMAT_MAX];
        size_t n = 0;
        int r;

        r = netns_routes_list(&routes, &n, &err);
        if (r < 0)
                return fail(r, &err, "routes");
        for (size_t i = 0; i < n; i++)
                printf("%s\n", netns_addr_format(&routes[i], text));
        return 0;
}

static int cmd_sysctl(char **argv)
{
        _cleanup_close_ int ns_fd = -1;
        int r;

        if (!streq(argv[0], "-")) {
                ns_fd = netns_open(argv[0]);
                if (ns_fd < 0)
                        return fail(ns_fd, NULL, "opening the network namespace");
        }
        r = netns_sysctl_write(ns_fd, argv[1], argv[2]);
        return r < 0 ? fail(r, NULL, "sysctl") : 0;
}

static int cmd_delete_in(char **argv)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_close_ int ns_fd = -1;
        int r;

        ns_fd = netns_open(argv[0]);
        if (ns_fd < 0)
                return fail(ns_fd, NULL, "opening the network namespace");
        r = netns_link_delete_in(ns_fd, argv[1], &err);
        return r < 0 ? fail(r, &err, "delete-in") : 0;
}

static int cmd_parse(const char *text)
{
        struct netns_addr addr;
        char out[NETNS_ADDR_FORMAT_MAX];

        if (netns_addr_parse(text, &addr) < 0)
                return fail(-EINVAL, NULL, "parse");
        printf("%s\n", netns_addr_format(&addr, out));
        return 0;
}

static ino_t thread_netns_inode(void)
{
        struct stat st;

        return stat("/proc/thread-self/ns/net", &st) < 0 ? 0 : st.st_ino;
}

struct create_job {
        const char *path;
        int r;
        struct error err;
        ino_t before, after;
};

static void *create_job_run(void *arg)
{
        struct create_job *job = arg;

        job->before = thread_netns_inode();
        job->r = netns_create(job->path, &job->err);
        job->after = thread_netns_inode();
        return NULL;
}

/* Calls netns_create from a second thread, as a daemon's worker would, and
 * checks that neither thread changed its network namespace. */
static int cmd_create_in_thread(const char *path)
{
        struct create_job job = { .path = path, .err = ERROR_INIT };
        ino_t main_before = thread_netns_inode();
        pthread_t thread;
        int r;

        r = pthread_create(&thread, NULL, create_job_run, &job);
        if (r != 0)
                return fail(-r, NULL, "pthread_create");
        pthread_join(thread, NULL);
        if (job.r < 0) {
                r = fail(job.r, &job.err, "create-in-thread");
                error_clear(&job.err);
                return r;
        }
        if (job.before == 0 || job.before != job.after) {
                fprintf(stderr, "netns-tool: the creating thread changed its network namespace\n");
                return 1;
        }
        if (main_before != thread_netns_inode()) {
                fprintf(stderr, "netns-tool: the main thread changed its network namespace\n");
                return 1;
        }
        return 0;
}

/* Runs a command that takes one name and a struct error. */
static int run_named(int (*func)(const char *, struct error *), const char *name, const char *command)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r = func(name, &err);

        return r < 0 ? fail(r, &err, command) : 0;
}

int main(int argc, char **argv)
{
        const char *cmd = argc > 1 ? argv[1] : "";
        int nargs = argc - 2;

        if (streq(cmd, "create") && nargs == 1)
                return run_named(netns_create, argv[2], cmd);
        if (streq(cmd, "create-in-thread") && nargs == 1)
                return cmd_create_in_thread(argv[2]);
        if (streq(cmd, "remove") && nargs == 1)
                return run_named(netns_remove, argv[2], cmd);
        if (streq(cmd, "bridge") && nargs >= 3)
                return cmd_bridge(nargs, argv + 2);
        if (streq(cmd, "endpoint") && nargs >= 7)
                return cmd_endpoint(nargs, argv + 2);
        if (streq(cmd, "endpoint-remove") && nargs == 1)
                return run_named(netns_endpoint_remove, argv[2], cmd);
        if (streq(cmd, "delete") && nargs == 1)
                return run_named(netns_link_delete, argv[2], cmd);
        if (streq(cmd, "delete-in") && nargs == 2)
                return cmd_delete_in(argv + 2);
        if (streq(cmd, "exists") && nargs == 1)
                return netns_link_exists(argv[2]) ? 0 : 1;
        if (streq(cmd, "routes") && nargs == 0)
                return cmd_routes();
        if (streq(cmd, "sysctl") && nargs == 3)
                return cmd_sysctl(argv + 2);
        if (streq(cmd, "parse") && nargs == 1)
                return cmd_parse(argv[2]);

        fputs(usage, stderr);
        return 2;
}
