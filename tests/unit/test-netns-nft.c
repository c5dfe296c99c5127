/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "netns/link.h"
#include "netns/nft-rules.h"

static const struct netns_addr subnet_a[] = {
        { .family = AF_INET, .addr.v4 = { 0x00014d0a }, .prefixlen = 24 }, /* 10.77.1.0/24 */
};
static struct netns_addr subnet_b[2];

static void setup_subnets(void)
{
        subnet_b[0] = (struct netns_addr){ .family = AF_INET, .prefixlen = 16 };
        assert_int_equal(inet_pton(AF_INET, "10.78.0.0", &subnet_b[0].addr.v4), 1);
        subnet_b[1] = (struct netns_addr){ .family = AF_INET6, .prefixlen = 64 };
        assert_int_equal(inet_pton(AF_INET6, "fd00:77::", &subnet_b[1].addr.v6), 1);
}

static struct nft_port port4(int protocol, uint16_t first, uint16_t last, uint16_t container, const char *bridge)
{
        struct nft_port p = {
                .family = AF_INET,
                .protocol = protocol,
                .host_addr_any = true,
                .host_port_first = first,
                .host_port_last = last,
                .container_port_first = container,
                .bridge = bridge,
        };

        p.container_addr.v4.s_addr = htonl(0x0a4d0102); /* 10.77.1.2 */
        return p;
}

static size_t count_rules(const struct nft_plan *plan, enum nft_chain_id id)
{
        size_t n = 0;

        for (size_t i = 0; i < plan->n_rules; i++)
                if (strcmp(nftnl_rule_get_str(plan->rules[i], NFTNL_RULE_CHAIN), nft_chain_name(id)) == 0)
                        n++;
        return n;
}

/* The expressions of the index-th rule of chain id, as libnftnl prints them. */
static const char *rule_text(const struct nft_plan *plan, enum nft_chain_id id, size_t index, char *buf, size_t size)
{
        for (size_t i = 0; i < plan->n_rules; i++) {
                if (strcmp(nftnl_rule_get_str(plan->rules[i], NFTNL_RULE_CHAIN), nft_chain_name(id)) != 0)
                        continue;
                if (index-- == 0) {
                        nftnl_rule_snprintf(buf, size, plan->rules[i], NFTNL_OUTPUT_DEFAULT, 0);
                        return buf;
                }
        }
        fail_msg("chain %s has no rule %zu", nft_chain_name(id), index);
        return NULL;
}

static void empty_ruleset_has_base_rules(void **state)
{
        struct nft_ruleset rs = { .table = "t" };
        struct nft_plan plan;
        struct error err = ERROR_INIT;

        assert_int_equal(nft_plan_build(&rs, &plan, &err), 0);
        assert_string_equal(nftnl_table_get_str(plan.table, NFTNL_TABLE_NAME), "t");
        assert_int_equal(plan.n_bridges, 0);
        assert_int_equal(count_rules(&plan, NFT_CHAIN_PREROUTING), 1);
        assert_int_equal(count_rules(&plan, NFT_CHAIN_OUTPUT), 1);
        assert_int_equal(count_rules(&plan, NFT_CHAIN_POSTROUTING), 1); /* 127.0.0.0/8 */
        assert_int_equal(count_rules(&plan, NFT_CHAIN_FORWARD), 3);     /* ct state, iif, oif */
        assert_int_equal(count_rules(&plan, NFT_CHAIN_PUBLISHED_PORTS), 0);
        nft_plan_done(&plan);
}

static void default_table_name(void **state)
{
        struct nft_ruleset rs = { 0 };
        struct nft_plan plan;

        assert_int_equal(nft_plan_build(&rs, &plan, NULL), 0);
        assert_string_equal(nftnl_table_get_str(plan.table, NFTNL_TABLE_NAME), "sockerless");
        assert_string_equal(nftnl_rule_get_str(plan.rules[0], NFTNL_RULE_TABLE), "sockerless");
        nft_plan_done(&plan);
}

static void network_rules_follow_flags(void **state)
{
        const struct nft_network networks[] = {
                { .bridge = "br-a", .subnets = subnet_a, .n_subnets = 1, .icc = true, .masquerade = true },
                { .bridge = "br-b",
                  .subnets = subnet_b,
                  .n_subnets = 2,
                  .internal = true,
                  .icc = true,
                  .masquerade = true },
                { .bridge = "br-c", .subnets = subnet_a, .n_subnets = 1, .icc = false, .masquerade = false },
        };
        struct nft_ruleset rs = { .table = "t", .networks = networks, .n_networks = 3 };
        struct nft_plan plan;
        char buf[2048];

        setup_subnets();
        assert_int_equal(nft_plan_build(&rs, &plan, NULL), 0);
        assert_int_equal(plan.n_bridges, 3);

        /* hairpin per subnet (4), 127.0.0.0/8, outbound only for br-a (1) */
        assert_int_equal(count_rules(&plan, NFT_CHAIN_POSTROUTING), 6);
        assert_non_null(strstr(rule_text(&plan, NFT_CHAIN_POSTROUTING, 0, buf, sizeof(buf)), "[ ct load status"));
        assert_non_null(
                strstr(rule_text(&plan, NFT_CHAIN_POSTROUTING, 4, buf, sizeof(buf)), "[ lookup reg 1 set bridges ]"));
        assert_non_null(strstr(rule_text(&plan, NFT_CHAIN_POSTROUTING, 5, buf, sizeof(buf)), "[ masq"));
        assert_non_null(strstr(rule_text(&plan, NFT_CHAIN_POSTROUTING, 5, buf, sizeof(buf)), "[ cmp neq reg 1"));

        /* isolation per bridge (3), internal (2), icc=false (1), accepts (3) */
        assert_int_equal(count_rules(&plan, NFT_CHAIN_FORWARD), 9);
        assert_non_null(strstr(rule_text(&plan, NFT_CHAIN_FORWARD, 0, buf, sizeof(buf)), "[ immediate reg 0 drop ]"));
        assert_non_null(strstr(rule_text(&plan, NFT_CHAIN_FORWARD, 8, buf, sizeof(buf)), "[ immediate reg 0 accept ]"));
        nft_plan_done(&plan);
}

static void subnet_prefix_masks_address(void **state)
{
        const struct nft_network networks[] = {
                { .bridge = "br-b", .subnets = subnet_b, .n_subnets = 1, .icc = true, .masquerade = true },
        };
        struct nft_ruleset rs = { .networks = networks, .n_networks = 1 };
        struct nft_plan plan;
        char buf[2048];

        setup_subnets();
        assert_int_equal(nft_plan_build(&rs, &plan, NULL), 0);
        /* 10.78.0.0/16: mask 255.255.0.0 in network byte order */
        rule_text(&plan, NFT_CHAIN_POSTROUTING, 2, buf, sizeof(buf));
        assert_non_null(strstr(buf, "[ payload load 4b @ network header + 12 => reg 1 ]"));
        assert_non_null(strstr(buf, "[ bitwise reg 1 = ( reg 1 & 0x0000ffff ) ^ 0x00000000 ]"));
        assert_non_null(strstr(buf, "[ cmp eq reg 1 0x00004e0a ]"));
        nft_plan_done(&plan);
}

static void same_port_range_is_one_rule(void **state)
{
        const struct nft_network networks[] = { { .bridge = "br-a", .icc = true } };
        const struct nft_port ports[] = { port4(IPPROTO_TCP, 8000, 8010, 8000, "br-a") };
        struct nft_ruleset rs = { .networks = networks, .n_networks = 1, .ports = ports, .n_ports = 1 };
        struct nft_plan plan;
        char buf[2048];

        assert_int_equal(nft_plan_build(&rs, &plan, NULL), 0);
        assert_int_equal(count_rules(&plan, NFT_CHAIN_PUBLISHED_PORTS), 1);
        rule_text(&plan, NFT_CHAIN_PUBLISHED_PORTS, 0, buf, sizeof(buf));
        assert_non_null(strstr(buf, "[ range eq reg 1 0x0000401f 0x00004a1f ]"));
        assert_non_null(strstr(buf, "[ nat dnat ip addr_min reg 1 ]"));
        nft_plan_done(&plan);
}

static void shifted_port_range_is_rule_per_port(void **state)
{
        const struct nft_network networks[] = { { .bridge = "br-a", .icc = true } };
        const struct nft_port ports[] = { port4(IPPROTO_UDP, 9000, 9002, 53, "br-a") };
        struct nft_ruleset rs = { .networks = networks, .n_networks = 1, .ports = ports, .n_ports = 1 };
        struct nft_plan plan;
        char buf[2048];

        assert_int_equal(nft_plan_build(&rs, &plan, NULL), 0);
        assert_int_equal(count_rules(&plan, NFT_CHAIN_PUBLISHED_PORTS), 3);
        rule_text(&plan, NFT_CHAIN_PUBLISHED_PORTS, 2, buf, sizeof(buf));
        assert_non_null(strstr(buf, "[ cmp eq reg 1 0x00002a23 ]"));    /* dport 9002 */
        assert_non_null(strstr(buf, "[ immediate reg 2 0x00003700 ]")); /* to port 55 */
        assert_non_null(strstr(buf, "proto_min reg 2"));
        nft_plan_done(&plan);
}

static void host_address_restricts_port(void **state)
{
        const struct nft_network networks[] = { { .bridge = "br-a", .icc = true } };
        struct nft_port ports[] = { port4(IPPROTO_SCTP, 7000, 7000, 7000, "br-a") };
        struct nft_ruleset rs = { .networks = networks, .n_networks = 1, .ports = ports, .n_ports = 1 };
        struct nft_plan plan;
        char buf[2048];

        ports[0].host_addr_any = false;
        ports[0].host_addr.v4.s_addr = htonl(0x7f000001);
        assert_int_equal(nft_plan_build(&rs, &plan, NULL), 0);
        rule_text(&plan, NFT_CHAIN_PUBLISHED_PORTS, 0, buf, sizeof(buf));
        assert_non_null(strstr(buf, "[ payload load 4b @ network header + 16 => reg 1 ]"));
        assert_non_null(strstr(buf, "[ cmp eq reg 1 0x0100007f ]"));
        assert_non_null(strstr(buf, "[ cmp eq reg 1 0x00000084 ]")); /* l4proto sctp */
        nft_plan_done(&plan);
}

/* build_fails: nft_plan_build of rs fails with -EINVAL and a message
 * containing `message`. */
static void build_fails(const struct nft_ruleset *rs, const char *message)
{
        struct error err = ERROR_INIT;
        struct nft_plan plan;

        assert_int_equal(nft_plan_build(rs, &plan, &err), -EINVAL);
        assert_non_null(err.message);
        if (!strstr(err.message, message))
                fail_msg("message \"%s\" lacks \"%s\"", err.message, message);
        assert_null(plan.table);
        assert_int_equal(plan.n_rules, 0);
        error_clear(&err);
}

static void invalid_descriptions_rejected(void **state)
{
        const struct netns_addr bad_prefix[] = { { .family = AF_INET, .prefixlen = 33 } };
        const struct netns_addr bad_family[] = { { .family = AF_UNIX, .prefixlen = 8 } };
        struct nft_network networks[2] = { { .bridge = "br-a", .icc = true }, { .bridge = "br-b", .icc = true } };
        struct nft_port ports[1] = { port4(IPPROTO_TCP, 80, 80, 80, "br-a") };
        struct nft_ruleset rs = { .networks = networks, .n_networks = 2, .ports = ports, .n_ports = 1 };
        char long_table[300];

        memset(long_table, 'x', sizeof(long_table) - 1);
        long_table[sizeof(long_table) - 1] = '\0';
        rs.table = long_table;
        build_fails(&rs, "invalid nftables table name");
        rs.table = "";
        build_fails(&rs, "invalid nftables table name");
        rs.table = NULL;

        networks[1].bridge = "br-a";
        build_fails(&rs, "bridge \"br-a\" is listed for two networks");
        networks[1].bridge = "a-bridge-name-too-long";
        build_fails(&rs, "longer than 15 characters");
        networks[1].bridge = "";
        build_fails(&rs, "network bridge name is missing");
        networks[1].bridge = "br-b";

        networks[1].subnets = bad_prefix;
        networks[1].n_subnets = 1;
        build_fails(&rs, "prefix length 33");
        networks[1].subnets = bad_family;
        build_fails(&rs, "invalid subnet on bridge \"br-b\"");
        networks[1].n_subnets = 0;

        ports[0].family = AF_UNIX;
        build_fails(&rs, "invalid published port family");
        ports[0] = port4(IPPROTO_ICMP, 80, 80, 80, "br-a");
        build_fails(&rs, "invalid published port protocol 1");
        ports[0] = port4(IPPROTO_TCP, 0, 0, 80, "br-a");
        build_fails(&rs, "invalid host port range 0-0");
        ports[0] = port4(IPPROTO_TCP, 90, 80, 80, "br-a");
        build_fails(&rs, "invalid host port range 90-80");
        ports[0] = port4(IPPROTO_TCP, 80, 90, 65530, "br-a");
        build_fails(&rs, "invalid container port range 65530-65540");
        ports[0] = port4(IPPROTO_TCP, 80, 80, 0, "br-a");
        build_fails(&rs, "invalid container port range 0-0");
        ports[0] = port4(IPPROTO_TCP, 80, 80, 80, NULL);
        build_fails(&rs, "bridge name of a published port is missing");
        ports[0] = port4(IPPROTO_TCP, 80, 80, 80, "br-z");
        build_fails(&rs, "uses bridge \"br-z\", which no network has");

        ports[0] = port4(IPPROTO_TCP, 80, 80, 80, "br-a");
        rs.ports = NULL;
        build_fails(&rs, "networks or published ports of the ruleset are missing");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(empty_ruleset_has_base_rules), cmocka_unit_test(default_table_name),
                cmocka_unit_test(network_rules_follow_flags),   cmocka_unit_test(subnet_prefix_masks_address),
                cmocka_unit_test(same_port_range_is_one_rule),  cmocka_unit_test(shifted_port_range_is_rule_per_port),
                cmocka_unit_test(host_address_restricts_port),  cmocka_unit_test(invalid_descriptions_rejected),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
