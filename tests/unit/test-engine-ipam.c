/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the address pools of networks: serial allocation, ranges,
 * reservations, release, exhaustion, and the subnets of new networks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "engine/ipam.h"
#include "jsonutil.h"

static struct netns_addr addr(const char *text)
{
        struct netns_addr a;

        assert_int_equal(netns_addr_parse(text, &a), 0);
        return a;
}

static const char *plain(const struct netns_addr *a, char buf[static INET6_ADDRSTRLEN])
{
        return inet_ntop(a->family, &a->addr, buf, INET6_ADDRSTRLEN);
}

static void assert_next(struct ipam_pool *pool, const char *expected)
{
        char text[INET6_ADDRSTRLEN];
        struct netns_addr a;

        assert_int_equal(ipam_pool_allocate(pool, &a, NULL), 0);
        assert_string_equal(plain(&a, text), expected);
}

static void test_serial_allocation(void **state)
{
        struct ipam_pool pool;
        struct netns_addr subnet = addr("172.18.0.0/16"), second = addr("172.18.0.2");

        assert_int_equal(ipam_pool_init(&pool, &subnet, NULL, NULL), 0);
        assert_next(&pool, "172.18.0.1");
        assert_next(&pool, "172.18.0.2");
        assert_next(&pool, "172.18.0.3");
        /* A released address is not reused before the pool wraps. */
        ipam_pool_release(&pool, &second);
        assert_false(ipam_pool_in_use(&pool, &second));
        assert_next(&pool, "172.18.0.4");
        ipam_pool_clear(&pool);
}

static void test_host_bits_cleared(void **state)
{
        struct ipam_pool pool;
        struct netns_addr subnet = addr("10.1.2.77/24");
        char text[NETNS_ADDR_FORMAT_MAX];

        assert_int_equal(ipam_pool_init(&pool, &subnet, NULL, NULL), 0);
        assert_string_equal(netns_addr_format(&pool.subnet, text), "10.1.2.0/24");
        ipam_pool_clear(&pool);
}

static void test_exhaustion_and_wrap(void **state)
{
        struct ipam_pool pool;
        struct netns_addr subnet = addr("192.168.5.0/30"), first = addr("192.168.5.1");
        struct error err = ERROR_INIT;
        struct netns_addr a;

        /* A /30 has two usable addresses: .1 and .2 (.0 and .3 are kept). */
        assert_int_equal(ipam_pool_init(&pool, &subnet, NULL, NULL), 0);
        assert_next(&pool, "192.168.5.1");
        assert_next(&pool, "192.168.5.2");
        assert_int_equal(ipam_pool_allocate(&pool, &a, &err), -ENOSPC);
        assert_non_null(err.message);
        error_clear(&err);
        ipam_pool_release(&pool, &first);
        assert_next(&pool, "192.168.5.1");
        ipam_pool_clear(&pool);
}

static void test_ip_range(void **state)
{
        struct ipam_pool pool;
        struct netns_addr subnet = addr("10.5.0.0/16"), range = addr("10.5.3.0/30");
        struct netns_addr a;

        assert_int_equal(ipam_pool_init(&pool, &subnet, &range, NULL), 0);
        assert_next(&pool, "10.5.3.0");
        assert_next(&pool, "10.5.3.1");
        assert_next(&pool, "10.5.3.2");
        assert_next(&pool, "10.5.3.3");
        assert_int_equal(ipam_pool_allocate(&pool, &a, NULL), -ENOSPC);
        ipam_pool_clear(&pool);
}

static void test_range_outside_subnet(void **state)
{
        struct ipam_pool pool;
        struct netns_addr subnet = addr("10.5.0.0/16"), range = addr("10.6.0.0/24");
        struct error err = ERROR_INIT;

        assert_int_equal(ipam_pool_init(&pool, &subnet, &range, &err), -EINVAL);
        assert_non_null(strstr(err.message, "10.6.0.0/24"));
        error_clear(&err);
        ipam_pool_clear(&pool);
}

static void test_reserve(void **state)
{
        struct ipam_pool pool;
        struct netns_addr subnet = addr("172.20.0.0/24");
        struct netns_addr wanted = addr("172.20.0.9"), outside = addr("172.21.0.9");
        struct netns_addr network = addr("172.20.0.0"), broadcast = addr("172.20.0.255");
        struct error err = ERROR_INIT;

        assert_int_equal(ipam_pool_init(&pool, &subnet, NULL, NULL), 0);
        assert_int_equal(ipam_pool_reserve(&pool, &wanted, NULL), 0);
        assert_true(ipam_pool_in_use(&pool, &wanted));
        assert_int_equal(ipam_pool_reserve(&pool, &wanted, &err), -EEXIST);
        assert_string_equal(err.message, "Address already in use");
        error_clear(&err);
        assert_int_equal(ipam_pool_reserve(&pool, &outside, NULL), -EINVAL);
        assert_int_equal(ipam_pool_reserve(&pool, &network, NULL), -EINVAL);
        assert_int_equal(ipam_pool_reserve(&pool, &broadcast, NULL), -EINVAL);
        /* Serial allocation skips the reserved address. */
        for (int i = 1; i < 9; i++)
                assert_int_equal(ipam_pool_allocate(&pool, &wanted, NULL), 0);
        assert_next(&pool, "172.20.0.10");
        ipam_pool_clear(&pool);
}

static void test_ipv6(void **state)
{
        struct ipam_pool pool;
        struct netns_addr subnet = addr("fd00:1::/64"), wanted = addr("fd00:1::ff");

        assert_int_equal(ipam_pool_init(&pool, &subnet, NULL, NULL), 0);
        assert_next(&pool, "fd00:1::1");
        assert_int_equal(ipam_pool_reserve(&pool, &wanted, NULL), 0);
        assert_next(&pool, "fd00:1::2");
        ipam_pool_clear(&pool);
}

static void test_overlap(void **state)
{
        struct netns_addr a = addr("172.17.0.0/16"), b = addr("172.17.5.0/24"), c = addr("172.18.0.0/16");
        struct netns_addr v6 = addr("fd00::/8");

        assert_true(ipam_subnets_overlap(&a, &b));
        assert_true(ipam_subnets_overlap(&b, &a));
        assert_false(ipam_subnets_overlap(&a, &c));
        assert_false(ipam_subnets_overlap(&a, &v6));
}

static void test_pick_default_subnet(void **state)
{
        struct netns_addr taken[] = { addr("0.0.0.0/0"), addr("172.17.0.0/16"), addr("172.18.3.0/24") };
        char text[NETNS_ADDR_FORMAT_MAX];
        struct netns_addr subnet;

        /* A default route collides with nothing. */
        assert_int_equal(
                ipam_pick_subnet(ipam_docker_default_pools, ipam_docker_default_pools_count, taken, 1, &subnet, NULL),
                0);
        assert_string_equal(netns_addr_format(&subnet, text), "172.17.0.0/16");
        /* A route inside 172.18.0.0/16 rules it out too. */
        assert_int_equal(
                ipam_pick_subnet(ipam_docker_default_pools, ipam_docker_default_pools_count, taken, 3, &subnet, NULL),
                0);
        assert_string_equal(netns_addr_format(&subnet, text), "172.19.0.0/16");
}

static void test_pick_after_sixteen_bit_pools(void **state)
{
        struct netns_addr taken[16];
        char text[NETNS_ADDR_FORMAT_MAX];
        struct netns_addr subnet;
        struct error err = ERROR_INIT;
        size_t n = 0;

        for (int second = 17; second <= 31; second++) {
                char cidr[32];

                snprintf(cidr, sizeof(cidr), "172.%d.0.0/16", second);
                taken[n++] = addr(cidr);
        }
        taken[n++] = addr("192.168.0.0/20");
        assert_int_equal(
                ipam_pick_subnet(ipam_docker_default_pools, ipam_docker_default_pools_count, taken, n, &subnet, NULL),
                0);
        assert_string_equal(netns_addr_format(&subnet, text), "192.168.16.0/20");
        taken[n - 1] = addr("192.168.0.0/16");
        assert_int_equal(
                ipam_pick_subnet(ipam_docker_default_pools, ipam_docker_default_pools_count, taken, n, &subnet, &err),
                -ENOSPC);
        assert_non_null(strstr(err.message, "could not find an available, non-overlapping IPv4 address pool"));
        error_clear(&err);
}

static void test_default_pool_parse(void **state)
{
        _cleanup_json_ json_object *good = json_tokener_parse("{\"base\":\"10.10.0.0/16\",\"size\":24}");
        _cleanup_json_ json_object *small = json_tokener_parse("{\"base\":\"10.10.0.0/16\",\"size\":8}");
        _cleanup_json_ json_object *bad = json_tokener_parse("{\"base\":\"nope\",\"size\":24}");
        struct ipam_default_pool pool;
        struct netns_addr subnet;
        char text[NETNS_ADDR_FORMAT_MAX];

        assert_int_equal(ipam_default_pool_parse(good, &pool, NULL), 0);
        assert_int_equal(pool.size, 24);
        assert_int_equal(ipam_pick_subnet(&pool, 1, NULL, 0, &subnet, NULL), 0);
        assert_string_equal(netns_addr_format(&subnet, text), "10.10.0.0/24");
        assert_int_equal(ipam_default_pool_parse(small, &pool, NULL), -EINVAL);
        assert_int_equal(ipam_default_pool_parse(bad, &pool, NULL), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_serial_allocation),
                cmocka_unit_test(test_host_bits_cleared),
                cmocka_unit_test(test_exhaustion_and_wrap),
                cmocka_unit_test(test_ip_range),
                cmocka_unit_test(test_range_outside_subnet),
                cmocka_unit_test(test_reserve),
                cmocka_unit_test(test_ipv6),
                cmocka_unit_test(test_overlap),
                cmocka_unit_test(test_pick_default_subnet),
                cmocka_unit_test(test_pick_after_sixteen_bit_pools),
                cmocka_unit_test(test_default_pool_parse),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
