/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applies an nftables ruleset described on the command line with
 * nft_ruleset_apply, or removes a table with nft_table_remove, for
 * tests/integration/netns-nft.sh.
 *
 *   netns-nft-apply [--then-in NETNS_PATH] TABLE [net=SPEC]... [port=SPEC]...
 *   netns-nft-apply --remove TABLE
 *
 * With --then-in it applies the ruleset twice in its own namespace, then
 * moves to the namespace NETNS_PATH (a bind mount such as
 * /run/netns/NAME) and applies it there, all in one process.
 *
 * net=BRIDGE,SUBNET[,SUBNET...][,internal][,noicc][,nomasq]
 * port=PROTO,HOST_ADDR,HOST_PORT[-LAST],CONTAINER_ADDR,CONTAINER_PORT,BRIDGE
 *   where HOST_ADDR is "any4" or "any6" for 0.0.0.0 or ::.
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns/link.h"
#include "netns/nft.h"

#define MAX_ITEMS 16

static struct nft_network networks[MAX_ITEMS];
static struct netns_addr subnets[MAX_ITEMS][MAX_ITEMS];
static struct nft_port ports[MAX_ITEMS];

static int parse_network(char *spec, struct nft_network *n, struct netns_addr *addrs)
{
        char *saveptr = NULL;

        n->bridge = strtok_r(spec, ",", &saveptr);
        n->icc = true;
        n->masquerade = true;
        n->subnets = addrs;
        for (char *word = strtok_r(NULL, ",", &saveptr); word; word = strtok_r(NULL, ",", &saveptr)) {
                if (strcmp(word, "internal") == 0)
                        n->internal = true;
                else if (strcmp(word, "noicc") == 0)
                        n->icc = false;
                else if (strcmp(word, "nomasq") == 0)
                        n->masquerade = false;
                else if (n->n_subnets < MAX_ITEMS && netns_addr_parse(word, &addrs[n->n_subnets]) == 0)
                        n->n_subnets++;
                else
                        return -EINVAL;
        }
        return n->bridge ? 0 : -EINVAL;
}

static int parse_protocol(const char *s)
{
        if (strcmp(s, "tcp") == 0)
                return IPPROTO_TCP;
        if (strcmp(s, "udp") == 0)
                return IPPROTO_UDP;
        if (strcmp(s, "sctp") == 0)
                return IPPROTO_SCTP;
        return atoi(s); /* other numbers test the library's validation */
}

static int parse_port(char *spec, struct nft_port *p)
{
        char *fields[6], *saveptr = NULL, *last;
        struct netns_addr host, container;
        int i;

        for (i = 0; i < 6; i++) {
                fields[i] = strtok_r(i == 0 ? spec : NULL, ",", &saveptr);
                if (!fields[i])
                        return -EINVAL;
        }
        p->protocol = parse_protocol(fields[0]);

        if (strcmp(fields[1], "any4") == 0 || strcmp(fields[1], "any6") == 0) {
                p->host_addr_any = true;
                p->family = fields[1][3] == '6' ? AF_INET6 : AF_INET;
        } else {
                if (netns_addr_parse(fields[1], &host) < 0)
                        return -EINVAL;
                p->family = host.family;
                memcpy(&p->host_addr, &host.addr, sizeof(p->host_addr));
        }

        p->host_port_first = (uint16_t)atoi(fields[2]);
        last = strchr(fields[2], '-');
        p->host_port_last = last ? (uint16_t)atoi(last + 1) : p->host_port_first;

        if (netns_addr_parse(fields[3], &container) < 0)
                return -EINVAL;
        memcpy(&p->container_addr, &container.addr, sizeof(p->container_addr));
        p->container_port_first = (uint16_t)atoi(fields[4]);
        p->bridge = fields[5];
        return 0;
}

/* Applies rs twice in this namespace, then once in the namespace `path`. */
static int apply_then_in(const struct nft_ruleset *rs, const char *path, struct error *err)
{
        int fd, r;

        r = nft_ruleset_apply(rs, err);
        if (r >= 0)
                r = nft_ruleset_apply(rs, err);
        if (r < 0)
                return r;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, -errno, "failed to open %s", path);
        r = setns(fd, CLONE_NEWNET);
        close(fd);
        if (r < 0)
                return error_set_errno(err, -errno, "failed to enter the network namespace %s", path);
        return nft_ruleset_apply(rs, err);
}

int main(int argc, char **argv)
{
        struct error err = ERROR_INIT;
        struct nft_ruleset rs = { .networks = networks, .ports = ports };
        const char *then_in = NULL;
        int r;

        if (argc == 3 && strcmp(argv[1], "--remove") == 0) {
                r = nft_table_remove(argv[2], &err);
                if (r < 0)
                        fprintf(stderr, "netns-nft-apply: %s\n", error_message(&err, r));
                error_clear(&err);
                return r < 0 ? 1 : 0;
        }
        if (argc >= 3 && strcmp(argv[1], "--then-in") == 0) {
                then_in = argv[2];
                argv += 2;
                argc -= 2;
        }
        if (argc < 2) {
                fprintf(stderr, "usage: netns-nft-apply [--then-in NETNS_PATH] TABLE [net=SPEC]... [port=SPEC]...\n"
                                "       netns-nft-apply --remove TABLE\n");
                return 2;
        }

        rs.table = argv[1];
        for (int i = 2; i < argc; i++) {
                if (strncmp(argv[i], "net=", 4) == 0 && rs.n_networks < MAX_ITEMS) {
                        r = parse_network(argv[i] + 4, &networks[rs.n_networks], subnets[rs.n_networks]);
                        rs.n_networks++;
                } else if (strncmp(argv[i], "port=", 5) == 0 && rs.n_ports < MAX_ITEMS) {
                        r = parse_port(argv[i] + 5, &ports[rs.n_ports++]);
                } else {
                        r = -EINVAL;
                }
                if (r < 0) {
                        fprintf(stderr, "netns-nft-apply: invalid argument \"%s\"\n", argv[i]);
                        return 2;
                }
        }

        if (then_in)
                r = apply_then_in(&rs, then_in, &err);
        else
                r = nft_ruleset_apply(&rs, &err);
        if (r < 0)
                fprintf(stderr, "netns-nft-apply: %s\n", error_message(&err, r));
        error_clear(&err);
        return r < 0 ? 1 : 0;
}
