/* SPDX-License-Identifier: Apache-2.0 */
/* Times the netns library calls of one container's network setup and
 * teardown. Each run creates a namespace, adds a veth endpoint on a bridge
 * (one address, a default route, hairpin mode), removes the endpoint and
 * removes the namespace. Run it as root in a network namespace of its own,
 * as `make bench-netns` does. It prints the median and p90 of each step in
 * microseconds. Usage: netns-bench [RUNS], default 200. */
#include <arpa/inet.h>
#include <stdio.h>
#include <time.h>

#include "netns/link.h"
#include "netns/netns.h"

#define BRIDGE "benchbr0"

enum { STEP_CREATE, STEP_ENDPOINT_ADD, STEP_ENDPOINT_REMOVE, STEP_REMOVE, N_STEPS };

static const char *const step_names[N_STEPS] = { "netns_create", "netns_endpoint_add", "netns_endpoint_remove",
                                                 "netns_remove" };

static double now_us(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

static int run_once(const char *dir, int i, double times[N_STEPS], struct error *err)
{
        char path[4096], host_ifname[16], text[32];
        struct netns_addr addr, gateway;
        _cleanup_close_ int ns_fd = -1;
        double t0, t1, t2, t3, t4;
        int r;

        snprintf(path, sizeof(path), "%s/ns%d", dir, i);
        snprintf(host_ifname, sizeof(host_ifname), "vethbench%d", i % 100000);
        snprintf(text, sizeof(text), "172.31.%d.%d/16", 1 + i / 250 % 250, 1 + i % 250);
        if (netns_addr_parse(text, &addr) < 0 || netns_addr_parse("172.31.0.1", &gateway) < 0)
                return -EINVAL;

        t0 = now_us();
        r = netns_create(path, err);
        if (r < 0)
                return r;
        t1 = now_us();

        ns_fd = netns_open(path);
        if (ns_fd < 0)
                return ns_fd;
        struct netns_endpoint_config cfg = {
                .bridge = BRIDGE,
                .host_ifname = host_ifname,
                .ns_fd = ns_fd,
                .ifname = "eth0",
                .addrs = &addr,
                .n_addrs = 1,
                .gateways = &gateway,
                .n_gateways = 1,
                .hairpin = true,
        };
        r = netns_endpoint_add(&cfg, err);
        if (r < 0)
                return r;
        t2 = now_us();

        r = netns_endpoint_remove(host_ifname, err);
        if (r < 0)
                return r;
        t3 = now_us();

        r = netns_remove(path, err);
        if (r < 0)
                return r;
        t4 = now_us();

        times[STEP_CREATE] = t1 - t0;
        times[STEP_ENDPOINT_ADD] = t2 - t1; /* includes netns_open */
        times[STEP_ENDPOINT_REMOVE] = t3 - t2;
        times[STEP_REMOVE] = t4 - t3;
        return 0;
}

int main(int argc, char **argv)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        char dir[] = "/tmp/netns-bench.XXXXXX";
        struct netns_addr bridge_addr;
        int runs = argc > 1 ? atoi(argv[1]) : 200;
        double *times[N_STEPS] = { 0 };
        int r = 0;

        if (runs <= 0) {
                fprintf(stderr, "netns-bench: invalid run count \"%s\", expected a positive number\n", argv[1]);
                return 2;
        }
        if (!mkdtemp(dir)) {
                perror("netns-bench: failed to create a temporary directory");
                return 1;
        }
        (void)netns_addr_parse("172.31.0.1/16", &bridge_addr);
        struct netns_bridge_config bridge = { .name = BRIDGE, .addrs = &bridge_addr, .n_addrs = 1 };
        r = netns_bridge_ensure(&bridge, &err);

        for (int s = 0; s < N_STEPS && r >= 0; s++) {
                times[s] = calloc((size_t)runs, sizeof(double));
                if (!times[s])
                        r = -ENOMEM;
        }
        for (int i = 0; i < runs && r >= 0; i++) {
                double one[N_STEPS];

                r = run_once(dir, i, one, &err);
                for (int s = 0; s < N_STEPS && r >= 0; s++)
                        times[s][i] = one[s];
        }

        if (r >= 0) {
                printf("%-22s %10s %10s  (%d runs)\n", "step", "median us", "p90 us", runs);
                for (int s = 0; s < N_STEPS; s++) {
                        qsort(times[s], (size_t)runs, sizeof(double), compare_double);
                        printf("%-22s %10.0f %10.0f\n", step_names[s], times[s][runs / 2], times[s][runs * 9 / 10]);
                }
        } else
                fprintf(stderr, "netns-bench: %s\n", error_message(&err, r));

        for (int s = 0; s < N_STEPS; s++)
                free(times[s]);
        (void)netns_link_delete(BRIDGE, NULL);
        (void)rmdir(dir);
        return r < 0 ? 1 : 0;
}
