/* SPDX-License-Identifier: Apache-2.0 */
/* Times nft_ruleset_apply for rulesets of growing size: N bridge networks
 * with one IPv4 subnet each, half of them with icc=false, and P published
 * TCP ports spread over them. Run it as root in a network namespace of its
 * own, as `make bench-nft` does. It prints the median and maximum of each
 * size in milliseconds. Usage: nft-bench [RUNS], default 20. */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "netns/link.h"
#include "netns/nft.h"

#define TABLE "sockerless-bench"

static const struct size {
        size_t networks, ports;
} sizes[] = { { 1, 0 }, { 2, 10 }, { 20, 200 }, { 100, 2000 }, { 250, 10000 } };

static double now_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int compare_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

/* Fills the ruleset of one size into arrays with room for it. */
static void fill_ruleset(const struct size *size, struct nft_network *networks, struct netns_addr *subnets,
                         char (*names)[16], struct nft_port *ports, struct nft_ruleset *rs)
{
        for (size_t i = 0; i < size->networks; i++) {
                snprintf(names[i], sizeof(names[i]), "bench%u", (unsigned)(i & 0xffff));
                subnets[i] = (struct netns_addr){ .family = AF_INET, .prefixlen = 24 };
                subnets[i].addr.v4.s_addr = htonl(0x0a000000 | (uint32_t)(i << 8));
                networks[i] = (struct nft_network){
                        .bridge = names[i],
                        .subnets = &subnets[i],
                        .n_subnets = 1,
                        .icc = i % 2 == 0,
                        .masquerade = true,
                };
        }
        for (size_t i = 0; i < size->ports; i++) {
                size_t network = i % size->networks;

                ports[i] = (struct nft_port){
                        .family = AF_INET,
                        .protocol = IPPROTO_TCP,
                        .host_addr_any = true,
                        .host_port_first = (uint16_t)(10000 + i),
                        .host_port_last = (uint16_t)(10000 + i),
                        .container_port_first = 80,
                        .bridge = names[network],
                };
                ports[i].container_addr.v4.s_addr = htonl(0x0a000002 | (uint32_t)(network << 8));
        }
        *rs = (struct nft_ruleset){
                .table = TABLE,
                .networks = networks,
                .n_networks = size->networks,
                .ports = ports,
                .n_ports = size->ports,
        };
}

static int bench_size(const struct size *size, int runs)
{
        struct nft_network *networks = calloc(size->networks, sizeof(*networks));
        struct netns_addr *subnets = calloc(size->networks, sizeof(*subnets));
        char(*names)[16] = calloc(size->networks, sizeof(*names));
        struct nft_port *ports = calloc(size->ports + 1, sizeof(*ports));
        double *times = calloc((size_t)runs, sizeof(*times));
        struct error err = ERROR_INIT;
        struct nft_ruleset rs;
        int r = -ENOMEM;

        if (!networks || !subnets || !names || !ports || !times)
                goto out;
        fill_ruleset(size, networks, subnets, names, ports, &rs);
        for (int i = 0; i < runs; i++) {
                double start = now_ms();

                r = nft_ruleset_apply(&rs, &err);
                if (r < 0) {
                        fprintf(stderr, "nft-bench: %s\n", error_message(&err, r));
                        goto out;
                }
                times[i] = now_ms() - start;
        }
        qsort(times, (size_t)runs, sizeof(*times), compare_double);
        printf("| %zu | %zu | %.1f | %.1f |\n", size->networks, size->ports, times[runs / 2], times[runs - 1]);
        r = 0;
out:
        error_clear(&err);
        free(networks);
        free(subnets);
        free(names);
        free(ports);
        free(times);
        return r;
}

int main(int argc, char **argv)
{
        int runs = argc > 1 ? atoi(argv[1]) : 20;
        struct error err = ERROR_INIT;
        int r = 0, k;

        if (runs < 1) {
                fprintf(stderr, "usage: nft-bench [RUNS]\n");
                return 2;
        }
        printf("| networks | ports | median ms | max ms |\n|---|---|---|---|\n");
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && r == 0; i++)
                r = bench_size(&sizes[i], runs);

        k = nft_table_remove(TABLE, &err);
        if (k < 0)
                fprintf(stderr, "nft-bench: %s\n", error_message(&err, k));
        error_clear(&err);
        return r < 0 ? 1 : 0;
}
