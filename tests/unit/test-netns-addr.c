/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "netns/link.h"

static void parse_ipv4_without_prefix(void **state)
{
        struct netns_addr a;

        assert_int_equal(netns_addr_parse("10.1.2.3", &a), 0);
        assert_int_equal(a.family, AF_INET);
        assert_int_equal(a.prefixlen, 32);
        assert_int_equal(ntohl(a.addr.v4.s_addr), 0x0a010203);
}

static void parse_ipv4_with_prefix(void **state)
{
        struct netns_addr a;

        assert_int_equal(netns_addr_parse("10.1.2.0/24", &a), 0);
        assert_int_equal(a.family, AF_INET);
        assert_int_equal(a.prefixlen, 24);
        assert_int_equal(ntohl(a.addr.v4.s_addr), 0x0a010200);

        assert_int_equal(netns_addr_parse("0.0.0.0/0", &a), 0);
        assert_int_equal(a.prefixlen, 0);
        assert_int_equal(netns_addr_parse("10.1.2.3/0008", &a), 0);
        assert_int_equal(a.prefixlen, 8);
        assert_int_equal(netns_addr_parse("172.17.0.1/16", &a), 0);
        assert_int_equal(a.prefixlen, 16);
        assert_int_equal(ntohl(a.addr.v4.s_addr), 0xac110001);
}

static void parse_ipv6(void **state)
{
        struct netns_addr a;
        struct in6_addr expected;

        assert_int_equal(netns_addr_parse("fd00::1/64", &a), 0);
        assert_int_equal(a.family, AF_INET6);
        assert_int_equal(a.prefixlen, 64);
        assert_int_equal(inet_pton(AF_INET6, "fd00::1", &expected), 1);
        assert_memory_equal(&a.addr.v6, &expected, sizeof(expected));

        assert_int_equal(netns_addr_parse("::1", &a), 0);
        assert_int_equal(a.prefixlen, 128);
        assert_int_equal(netns_addr_parse("::ffff:10.1.2.3/120", &a), 0);
        assert_int_equal(a.family, AF_INET6);
        assert_int_equal(a.prefixlen, 120);
}

static void parse_rejects_invalid(void **state)
{
        static const char *const invalid[] = {
                "",
                "/24",
                "10.1.2.3/",
                "10.1.2.3/33",
                "10.1.2.3/-1",
                "10.1.2.3/+8",
                "10.1.2.3/ 8",
                "10.1.2.3/8 ",
                " 10.1.2.3",
                "10.1.2.3/0x8",
                "10.1.2.3/00000000000000000000000000000000000000000040",
                "10.1.2.3/8/8",
                "10.1.2",
                "10.1.2.256",
                "10.1.2.3.4",
                "fd00::1/129",
                "fd00::1/1000",
                "fe80::1%eth0",
                "fd00:::1",
                "localhost",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/64",
        };
        struct netns_addr a;

        for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
                print_message("input \"%s\"\n", invalid[i]);
                assert_int_equal(netns_addr_parse(invalid[i], &a), -EINVAL);
        }
        assert_int_equal(netns_addr_parse(NULL, &a), -EINVAL);
}

static void format_round_trip(void **state)
{
        static const char *const inputs[][2] = {
                { "10.1.2.3", "10.1.2.3/32" },
                { "10.1.2.0/24", "10.1.2.0/24" },
                { "fd00::1/64", "fd00::1/64" },
                { "FD00:0:0::1", "fd00::1/128" },
                { "0.0.0.0/0", "0.0.0.0/0" },
                { "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
        };
        char buf[NETNS_ADDR_FORMAT_MAX];
        struct netns_addr a, again;

        for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
                assert_int_equal(netns_addr_parse(inputs[i][0], &a), 0);
                assert_non_null(netns_addr_format(&a, buf));
                assert_string_equal(buf, inputs[i][1]);
                assert_int_equal(netns_addr_parse(buf, &again), 0);
                assert_memory_equal(&a, &again, sizeof(a));
        }
}

static void format_rejects_invalid(void **state)
{
        char buf[NETNS_ADDR_FORMAT_MAX];
        struct netns_addr a = { .family = AF_UNIX };

        assert_null(netns_addr_format(&a, buf));
        a.family = AF_INET;
        a.prefixlen = 33;
        assert_null(netns_addr_format(&a, buf));
        a.family = AF_INET6;
        a.prefixlen = 129;
        assert_null(netns_addr_format(&a, buf));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(parse_ipv4_without_prefix),
                cmocka_unit_test(parse_ipv4_with_prefix),
                cmocka_unit_test(parse_ipv6),
                cmocka_unit_test(parse_rejects_invalid),
                cmocka_unit_test(format_round_trip),
                cmocka_unit_test(format_rejects_invalid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
