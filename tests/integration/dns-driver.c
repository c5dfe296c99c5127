/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs the embedded DNS server with a fixed lookup table for dns.sh.
 * Usage: dns-driver SANDBOX NETNS_PATH [UPSTREAM...]
 * It serves SANDBOX in the network namespace at NETNS_PATH, then reads
 * commands on stdin, one a line, and writes one result line for each:
 *   add KEY NETNS_PATH [UPSTREAM...]   "ok" or "error: MESSAGE"
 *   remove KEY                          "ok" or "error: ERRNO"
 *   stats                               the counters, as key=value
 * It exits at the end of stdin.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "error.h"
#include "log.h"

struct entry {
        const char *name;
        const char *addr;
        const char *ptr; /* the reverse name of addr, or NULL */
};

/* Two containers share the alias "db"; "v4only" has no IPv6 address. */
static const struct entry table[] = {
        { "web", "172.30.0.2", "web.testnet" }, { "web", "fd30::2", "web.testnet" },
        { "web.testnet", "172.30.0.2", NULL },  { "db", "172.30.0.3", "db1.testnet" },
        { "db", "172.30.0.4", "db2.testnet" },  { "v4only", "172.30.0.5", "v4only.testnet" },
};

static int lookup(void *userdata, const char *sandbox, const char *name, int family, struct netns_addr *addrs,
                  size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(table) && n < max; i++) {
                struct netns_addr a = { 0 };

                if (!streq(table[i].name, name) || netns_addr_parse(table[i].addr, &a) < 0 || a.family != family)
                        continue;
                addrs[n++] = a;
        }
        return (int)n;
}

static int reverse(void *userdata, const char *sandbox, const struct netns_addr *addr, char *buf, size_t len)
{
        for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
                struct netns_addr a = { 0 };

                if (!table[i].ptr || netns_addr_parse(table[i].addr, &a) < 0 || a.family != addr->family)
                        continue;
                if (memcmp(&a.addr, &addr->addr, a.family == AF_INET ? 4 : 16) != 0)
                        continue;
                snprintf(buf, len, "%s", table[i].ptr);
                return 0;
        }
        return -ENOENT;
}

static const struct dns_lookup_ops ops = { .lookup = lookup, .reverse = reverse };

/* Serves key in the namespace at path; words are the upstreams. */
static void add_sandbox(struct dns_server *server, const char *key, const char *path, char **words, size_t n)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_close_ int ns_fd = open(path, O_RDONLY | O_CLOEXEC);
        int r;

        if (ns_fd < 0) {
                printf("error: cannot open %s: %m\n", path);
                return;
        }
        r = dns_server_add(server, key, ns_fd, (const char *const *)words, n, &err);
        if (r < 0)
                printf("error: %s\n", error_message(&err, r));
        else
                printf("ok\n");
}

int main(int argc, char **argv)
{
        struct dns_server *server = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        char line[4096];
        int r;

        if (argc < 3) {
                fprintf(stderr, "usage: %s SANDBOX NETNS_PATH [UPSTREAM...]\n", argv[0]);
                return 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        log_set_level(LOG_LEVEL_DEBUG);

        r = dns_server_new(&ops, NULL, &server, &err);
        if (r < 0) {
                fprintf(stderr, "dns-driver: %s\n", error_message(&err, r));
                return 1;
        }
        add_sandbox(server, argv[1], argv[2], argv + 3, (size_t)argc - 3);

        while (fgets(line, sizeof(line), stdin)) {
                char *words[16];
                size_t n = 0;

                for (char *word = strtok(line, " \n"); word && n < ARRAY_SIZE(words); word = strtok(NULL, " \n"))
                        words[n++] = word;
                if (n == 0)
                        continue;

                if (streq(words[0], "add") && n >= 3) {
                        add_sandbox(server, words[1], words[2], words + 3, n - 3);
                } else if (streq(words[0], "remove") && n == 2) {
                        r = dns_server_remove(server, words[1]);
                        if (r < 0)
                                printf("error: %s\n", strerror(-r));
                        else
                                printf("ok\n");
                } else if (streq(words[0], "stats")) {
                        struct dns_server_stats st;

                        dns_server_get_stats(server, &st);
                        printf("queries=%llu malformed=%llu local=%llu forwarded=%llu failed=%llu "
                               "tcp_rejected=%llu errors=%llu\n",
                               (unsigned long long)st.queries, (unsigned long long)st.malformed,
                               (unsigned long long)st.local, (unsigned long long)st.forwarded,
                               (unsigned long long)st.failed, (unsigned long long)st.tcp_rejected,
                               (unsigned long long)st.errors);
                } else {
                        printf("error: unknown command %s\n", words[0]);
                }
        }

        dns_server_free(server);
        return 0;
}
