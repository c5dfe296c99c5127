/* SPDX-License-Identifier: Apache-2.0 */
/* The DNS wire format code of the embedded resolver: query parsing,
 * response building and reverse names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"

/* Builds a query for name (dotted, "" for the root) into buf. */
static size_t build_query(uint8_t *buf, uint16_t id, uint16_t flags, const char *name, uint16_t qtype)
{
        size_t offset = DNS_HEADER_SIZE;
        const char *p = name;

        memset(buf, 0, DNS_HEADER_SIZE);
        buf[0] = (uint8_t)(id >> 8);
        buf[1] = (uint8_t)id;
        buf[2] = (uint8_t)(flags >> 8);
        buf[3] = (uint8_t)flags;
        buf[5] = 1;
        while (*p) {
                const char *dot = strchr(p, '.');
                size_t len = dot ? (size_t)(dot - p) : strlen(p);

                buf[offset++] = (uint8_t)len;
                memcpy(buf + offset, p, len);
                offset += len;
                p += len;
                if (*p == '.')
                        p++;
        }
        buf[offset++] = 0;
        buf[offset++] = (uint8_t)(qtype >> 8);
        buf[offset++] = (uint8_t)qtype;
        buf[offset++] = 0;
        buf[offset++] = DNS_CLASS_IN;
        return offset;
}

static uint16_t u16_at(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void parse_a_query(void **state)
{
        uint8_t buf[512];
        struct dns_query q;
        size_t len = build_query(buf, 0x1234, DNS_FLAG_RD, "web.example", DNS_TYPE_A);

        assert_int_equal(dns_query_parse(buf, len, &q), 0);
        assert_int_equal(q.id, 0x1234);
        assert_int_equal(q.flags, DNS_FLAG_RD);
        assert_string_equal(q.name, "web.example");
        assert_int_equal(q.qtype, DNS_TYPE_A);
        assert_int_equal(q.qclass, DNS_CLASS_IN);
        assert_int_equal(q.question_end, len);
}

static void parse_lowercases_name(void **state)
{
        uint8_t buf[512];
        struct dns_query q;
        size_t len = build_query(buf, 1, 0, "Web-1.EXAMPLE", DNS_TYPE_AAAA);

        assert_int_equal(dns_query_parse(buf, len, &q), 0);
        assert_string_equal(q.name, "web-1.example");
        assert_int_equal(q.qtype, DNS_TYPE_AAAA);
}

static void parse_root_name(void **state)
{
        uint8_t buf[512];
        struct dns_query q;
        size_t len = build_query(buf, 1, 0, "", DNS_TYPE_A);

        assert_int_equal(dns_query_parse(buf, len, &q), 0);
        assert_string_equal(q.name, "");
}

static void parse_edns_udp_size(void **state)
{
        uint8_t buf[512];
        struct dns_query q;
        size_t len = build_query(buf, 1, 0, "web", DNS_TYPE_A);
        uint8_t opt[] = { 0, 0, DNS_TYPE_OPT, 0x10, 0, 0, 0, 0, 0, 0, 0 };

        assert_int_equal(dns_query_parse(buf, len, &q), 0);
        assert_int_equal(q.edns_udp_size, 0);

        memcpy(buf + len, opt, sizeof(opt));
        buf[11] = 1;
        assert_int_equal(dns_query_parse(buf, len + sizeof(opt), &q), 0);
        assert_int_equal(q.question_end, len);
        assert_int_equal(q.edns_udp_size, 4096);

        /* A size below 512 counts as 512. */
        buf[len + 3] = 0;
        buf[len + 4] = 100;
        assert_int_equal(dns_query_parse(buf, len + sizeof(opt), &q), 0);
        assert_int_equal(q.edns_udp_size, 512);

        /* An OPT record cut short, or missing while ARCOUNT counts it. */
        assert_int_equal(dns_query_parse(buf, len + sizeof(opt) - 1, &q), -EBADMSG);
        assert_int_equal(dns_query_parse(buf, len, &q), -EBADMSG);

        /* Another record type owned by a compressed name is skipped. */
        opt[0] = 0xc0;
        memcpy(buf + len, opt, 2);
        buf[len + 2] = 0;
        buf[len + 3] = 1;
        memcpy(buf + len + 4, opt + 1, sizeof(opt) - 1);
        assert_int_equal(dns_query_parse(buf, len + sizeof(opt) + 1, &q), 0);
        assert_int_equal(q.edns_udp_size, 0);
}

static void response_keeps_edns(void **state)
{
        uint8_t query[512], reply[1024];
        struct dns_query q;
        struct netns_addr addrs[60];
        size_t len = build_query(query, 1, 0, "many", DNS_TYPE_A);
        static const uint8_t opt[] = { 0, 0, DNS_TYPE_OPT, 0x02, 0x58, 0, 0, 0, 0, 0, 0 };
        size_t fit;
        int n;

        for (size_t i = 0; i < 60; i++) {
                addrs[i] = (struct netns_addr){ .family = AF_INET, .prefixlen = 32 };
                addrs[i].addr.v4.s_addr = htonl(0x0a000001 + (uint32_t)i);
        }
        memcpy(query + len, opt, sizeof(opt));
        query[11] = 1;
        assert_int_equal(dns_query_parse(query, len + sizeof(opt), &q), 0);
        assert_int_equal(q.edns_udp_size, 600);

        /* The records stop where the OPT record still fits in 600 bytes. */
        fit = (600 - len - 11) / 16;
        n = dns_response_addrs(query, &q, addrs, 60, reply, q.edns_udp_size);
        assert_int_equal(n, (int)(len + fit * 16 + 11));
        assert_int_equal(u16_at(reply + 6), fit);
        assert_true(u16_at(reply + 2) & DNS_FLAG_TC);
        assert_int_equal(u16_at(reply + 10), 1);
        assert_int_equal(reply[n - 11], 0);
        assert_int_equal(u16_at(reply + n - 10), DNS_TYPE_OPT);
        assert_int_equal(u16_at(reply + n - 8), DNS_EDNS_UDP_SIZE);

        n = dns_response_rcode(query, &q, DNS_RCODE_NXDOMAIN, reply, sizeof(reply));
        assert_int_equal(n, (int)len + 11);
        assert_int_equal(u16_at(reply + 10), 1);

        n = dns_response_ptr(query, &q, "web", reply, sizeof(reply));
        assert_int_equal(n, (int)len + 12 + 5 + 11);
        assert_int_equal(u16_at(reply + 10), 1);

        /* The question fits but not the OPT record after it. */
        assert_int_equal(dns_response_rcode(query, &q, DNS_RCODE_NXDOMAIN, reply, len + 5), -EMSGSIZE);
}

static void parse_rejects_malformed(void **state)
{
        uint8_t buf[512];
        struct dns_query q;
        size_t len = build_query(buf, 1, 0, "web.example", DNS_TYPE_A);

        /* Short header, and a question cut at every length. */
        for (size_t cut = 0; cut < len; cut++)
                assert_int_equal(dns_query_parse(buf, cut, &q), -EBADMSG);

        /* A response. */
        buf[2] |= DNS_FLAG_QR >> 8;
        assert_int_equal(dns_query_parse(buf, len, &q), -EBADMSG);
        buf[2] &= (uint8_t) ~(DNS_FLAG_QR >> 8);

        /* Two questions, and no question. */
        buf[5] = 2;
        assert_int_equal(dns_query_parse(buf, len, &q), -EBADMSG);
        buf[5] = 0;
        assert_int_equal(dns_query_parse(buf, len, &q), -EBADMSG);
        buf[5] = 1;

        /* An answer record in a query. */
        buf[7] = 1;
        assert_int_equal(dns_query_parse(buf, len, &q), -EBADMSG);
        buf[7] = 0;

        /* A label with a dot or a NUL in it. */
        buf[13] = '.';
        assert_int_equal(dns_query_parse(buf, len, &q), -EBADMSG);
        buf[13] = 0;
        assert_int_equal(dns_query_parse(buf, len, &q), -EBADMSG);
        buf[13] = 'w';

        assert_int_equal(dns_query_parse(buf, len, &q), 0);
}

static void parse_rejects_compression(void **state)
{
        uint8_t buf[64] = { 0 };
        struct dns_query q;

        /* A pointer to itself, which a naive reader follows forever. */
        buf[5] = 1;
        buf[12] = 0xc0;
        buf[13] = 12;
        assert_int_equal(dns_query_parse(buf, 18, &q), -EBADMSG);

        /* The extended label types 0x40 and 0x80. */
        buf[12] = 0x41;
        assert_int_equal(dns_query_parse(buf, 18, &q), -EBADMSG);
        buf[12] = 0x81;
        assert_int_equal(dns_query_parse(buf, 18, &q), -EBADMSG);
}

static void parse_name_length_limits(void **state)
{
        uint8_t buf[600];
        struct dns_query q;
        char name[300];
        size_t len;

        /* Three labels of 63 bytes and one of 61: with the length bytes and
         * the root label, 255 bytes on the wire, the limit of RFC 1035. */
        memset(name, 'a', sizeof(name));
        name[63] = name[127] = name[191] = '.';
        name[253] = '\0';
        len = build_query(buf, 1, 0, name, DNS_TYPE_A);
        assert_int_equal(dns_query_parse(buf, len, &q), 0);
        assert_int_equal(strlen(q.name), 253);

        /* One byte more. */
        name[253] = 'a';
        name[254] = '\0';
        len = build_query(buf, 1, 0, name, DNS_TYPE_A);
        assert_int_equal(dns_query_parse(buf, len, &q), -EBADMSG);

        /* A label of 64 bytes. */
        memset(name, 'b', 64);
        name[64] = '\0';
        len = build_query(buf, 1, 0, name, DNS_TYPE_A);
        assert_int_equal(dns_query_parse(buf, len, &q), -EBADMSG);
}

static void error_rcode_choice(void **state)
{
        uint8_t buf[512];
        size_t len = build_query(buf, 1, 0, "web", DNS_TYPE_A);

        assert_int_equal(dns_query_error_rcode(buf, 5), -EBADMSG);

        buf[5] = 2;
        assert_int_equal(dns_query_error_rcode(buf, len), DNS_RCODE_FORMERR);
        buf[5] = 1;

        buf[2] = 0x10; /* opcode 2, STATUS */
        assert_int_equal(dns_query_error_rcode(buf, len), DNS_RCODE_NOTIMP);

        buf[2] = 0x80; /* a response gets nothing */
        assert_int_equal(dns_query_error_rcode(buf, len), -EBADMSG);
}

static void response_error_header(void **state)
{
        uint8_t query[512], reply[64];
        size_t len = build_query(query, 0xbeef, DNS_FLAG_RD, "web", DNS_TYPE_A);

        query[5] = 3;
        assert_int_equal(dns_response_error(query, len, DNS_RCODE_FORMERR, reply, sizeof(reply)), DNS_HEADER_SIZE);
        assert_int_equal(u16_at(reply), 0xbeef);
        assert_int_equal(u16_at(reply + 2), DNS_FLAG_QR | DNS_FLAG_RA | DNS_FLAG_RD | DNS_RCODE_FORMERR);
        assert_int_equal(u16_at(reply + 4), 0);
        assert_int_equal(dns_response_error(query, 4, DNS_RCODE_FORMERR, reply, sizeof(reply)), -EBADMSG);
}

static void response_a_records(void **state)
{
        uint8_t query[512], reply[512];
        struct dns_query q;
        struct netns_addr addrs[3] = {
                { .family = AF_INET, .prefixlen = 32 },
                { .family = AF_INET6, .prefixlen = 128 },
                { .family = AF_INET, .prefixlen = 32 },
        };
        size_t len = build_query(query, 7, DNS_FLAG_RD, "Web", DNS_TYPE_A);
        int n;

        inet_pton(AF_INET, "172.18.0.2", &addrs[0].addr.v4);
        inet_pton(AF_INET6, "fd00::2", &addrs[1].addr.v6);
        inet_pton(AF_INET, "172.18.0.3", &addrs[2].addr.v4);
        assert_int_equal(dns_query_parse(query, len, &q), 0);

        n = dns_response_addrs(query, &q, addrs, 3, reply, sizeof(reply));
        assert_int_equal(n, (int)len + 2 * 16);
        assert_int_equal(u16_at(reply), 7);
        assert_int_equal(u16_at(reply + 2), DNS_FLAG_QR | DNS_FLAG_RA | DNS_FLAG_RD);
        assert_int_equal(u16_at(reply + 4), 1);
        assert_int_equal(u16_at(reply + 6), 2);
        /* The question is copied as sent, case included. */
        assert_memory_equal(reply + DNS_HEADER_SIZE, query + DNS_HEADER_SIZE, len - DNS_HEADER_SIZE);

        /* Each record: a pointer to the question name, A, IN, TTL 600. */
        for (int i = 0; i < 2; i++) {
                const uint8_t *rr = reply + len + 16 * i;

                assert_int_equal(u16_at(rr), 0xc00c);
                assert_int_equal(u16_at(rr + 2), DNS_TYPE_A);
                assert_int_equal(u16_at(rr + 4), DNS_CLASS_IN);
                assert_int_equal(u16_at(rr + 6), 0);
                assert_int_equal(u16_at(rr + 8), DNS_TTL);
                assert_int_equal(u16_at(rr + 10), 4);
        }
        assert_memory_equal(reply + len + 12, &addrs[0].addr.v4, 4);
        assert_memory_equal(reply + len + 16 + 12, &addrs[2].addr.v4, 4);
}

static void response_aaaa_records(void **state)
{
        uint8_t query[512], reply[512];
        struct dns_query q;
        struct netns_addr addrs[2] = {
                { .family = AF_INET, .prefixlen = 32 },
                { .family = AF_INET6, .prefixlen = 128 },
        };
        size_t len = build_query(query, 7, 0, "web", DNS_TYPE_AAAA);

        inet_pton(AF_INET, "172.18.0.2", &addrs[0].addr.v4);
        inet_pton(AF_INET6, "fd00::2", &addrs[1].addr.v6);
        assert_int_equal(dns_query_parse(query, len, &q), 0);

        assert_int_equal(dns_response_addrs(query, &q, addrs, 2, reply, sizeof(reply)), (int)len + 28);
        assert_int_equal(u16_at(reply + 6), 1);
        assert_int_equal(u16_at(reply + len + 2), DNS_TYPE_AAAA);
        assert_int_equal(u16_at(reply + len + 10), 16);
        assert_memory_equal(reply + len + 12, &addrs[1].addr.v6, 16);
}

static void response_empty_noerror(void **state)
{
        uint8_t query[512], reply[512];
        struct dns_query q;
        size_t len = build_query(query, 9, 0, "web", DNS_TYPE_AAAA);

        assert_int_equal(dns_query_parse(query, len, &q), 0);
        assert_int_equal(dns_response_addrs(query, &q, NULL, 0, reply, sizeof(reply)), (int)len);
        assert_int_equal(u16_at(reply + 2) & 0xf, DNS_RCODE_NOERROR);
        assert_int_equal(u16_at(reply + 6), 0);
}

static void response_truncates_at_size(void **state)
{
        uint8_t query[512], reply[DNS_UDP_MAX_SIZE];
        struct dns_query q;
        struct netns_addr addrs[40];
        size_t len = build_query(query, 1, 0, "many", DNS_TYPE_A);
        size_t fit;
        int n;

        for (size_t i = 0; i < 40; i++) {
                addrs[i] = (struct netns_addr){ .family = AF_INET, .prefixlen = 32 };
                addrs[i].addr.v4.s_addr = htonl(0x0a000001 + (uint32_t)i);
        }
        assert_int_equal(dns_query_parse(query, len, &q), 0);

        fit = (DNS_UDP_MAX_SIZE - len) / 16;
        n = dns_response_addrs(query, &q, addrs, 40, reply, sizeof(reply));
        assert_int_equal(n, (int)(len + fit * 16));
        assert_int_equal(u16_at(reply + 6), fit);
        assert_true(u16_at(reply + 2) & DNS_FLAG_TC);

        /* Not even the question fits. */
        assert_int_equal(dns_response_addrs(query, &q, addrs, 40, reply, len - 1), -EMSGSIZE);
        assert_int_equal(dns_response_rcode(query, &q, DNS_RCODE_SERVFAIL, reply, 10), -EMSGSIZE);
}

static void response_ptr_record(void **state)
{
        uint8_t query[512], reply[512];
        struct dns_query q;
        size_t len = build_query(query, 3, 0, "2.0.18.172.in-addr.arpa", DNS_TYPE_PTR);
        static const uint8_t target[] = "\x03web\x03net\x00";
        int n;

        assert_int_equal(dns_query_parse(query, len, &q), 0);
        n = dns_response_ptr(query, &q, "web.net", reply, sizeof(reply));
        assert_int_equal(n, (int)len + 12 + (int)sizeof(target) - 1);
        assert_int_equal(u16_at(reply + 6), 1);
        assert_int_equal(u16_at(reply + len + 2), DNS_TYPE_PTR);
        assert_int_equal(u16_at(reply + len + 10), sizeof(target) - 1);
        assert_memory_equal(reply + len + 12, target, sizeof(target) - 1);

        /* A trailing dot changes nothing. */
        assert_int_equal(dns_response_ptr(query, &q, "web.net.", reply, sizeof(reply)), n);
        assert_memory_equal(reply + len + 12, target, sizeof(target) - 1);

        /* Invalid targets: an empty label, a label of 64 bytes. */
        assert_int_equal(dns_response_ptr(query, &q, "web..net", reply, sizeof(reply)), -EINVAL);
        assert_int_equal(dns_response_ptr(query, &q, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                          reply, sizeof(reply)),
                         -EINVAL);

        /* The record does not fit, so only TC is set. */
        n = dns_response_ptr(query, &q, "web.net", reply, len + 5);
        assert_int_equal(n, (int)len);
        assert_true(u16_at(reply + 2) & DNS_FLAG_TC);
        assert_int_equal(u16_at(reply + 6), 0);
}

static void response_rcode_nxdomain(void **state)
{
        uint8_t query[512], reply[512];
        struct dns_query q;
        size_t len = build_query(query, 0x4242, DNS_FLAG_RD, "nothing", 15 /* MX */);

        assert_int_equal(dns_query_parse(query, len, &q), 0);
        assert_int_equal(q.qtype, 15);
        assert_int_equal(dns_response_rcode(query, &q, DNS_RCODE_NXDOMAIN, reply, sizeof(reply)), (int)len);
        assert_int_equal(u16_at(reply), 0x4242);
        assert_int_equal(u16_at(reply + 2), DNS_FLAG_QR | DNS_FLAG_RA | DNS_FLAG_RD | DNS_RCODE_NXDOMAIN);
        assert_int_equal(u16_at(reply + 6), 0);
}

static void ptr_name_ipv4(void **state)
{
        struct netns_addr addr;
        char text[INET6_ADDRSTRLEN];

        assert_int_equal(dns_ptr_name_to_addr("4.3.2.1.in-addr.arpa", &addr), 0);
        assert_int_equal(addr.family, AF_INET);
        assert_string_equal(inet_ntop(AF_INET, &addr.addr.v4, text, sizeof(text)), "1.2.3.4");

        assert_int_equal(dns_ptr_name_to_addr("255.0.18.172.in-addr.arpa", &addr), 0);
        assert_string_equal(inet_ntop(AF_INET, &addr.addr.v4, text, sizeof(text)), "172.18.0.255");
}

static void ptr_name_ipv6(void **state)
{
        struct netns_addr addr;
        char text[INET6_ADDRSTRLEN];
        const char *name = "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa";

        assert_int_equal(dns_ptr_name_to_addr(name, &addr), 0);
        assert_int_equal(addr.family, AF_INET6);
        assert_string_equal(inet_ntop(AF_INET6, &addr.addr.v6, text, sizeof(text)), "fd00::2");
}

static void ptr_name_rejects_partial(void **state)
{
        struct netns_addr addr;

        assert_int_equal(dns_ptr_name_to_addr("3.2.1.in-addr.arpa", &addr), -EINVAL);
        assert_int_equal(dns_ptr_name_to_addr("5.4.3.2.1.in-addr.arpa", &addr), -EINVAL);
        assert_int_equal(dns_ptr_name_to_addr("256.3.2.1.in-addr.arpa", &addr), -EINVAL);
        assert_int_equal(dns_ptr_name_to_addr("04.3.2.1.in-addr.arpa", &addr), -EINVAL);
        assert_int_equal(dns_ptr_name_to_addr("a.3.2.1.in-addr.arpa", &addr), -EINVAL);
        assert_int_equal(dns_ptr_name_to_addr("..2.1.in-addr.arpa", &addr), -EINVAL);
        assert_int_equal(dns_ptr_name_to_addr("in-addr.arpa", &addr), -EINVAL);
        assert_int_equal(dns_ptr_name_to_addr("d.f.ip6.arpa", &addr), -EINVAL);
        assert_int_equal(
                dns_ptr_name_to_addr("2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.g.ip6.arpa", &addr),
                -EINVAL);
        assert_int_equal(dns_ptr_name_to_addr("web.example", &addr), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(parse_a_query),
                cmocka_unit_test(parse_lowercases_name),
                cmocka_unit_test(parse_root_name),
                cmocka_unit_test(parse_edns_udp_size),
                cmocka_unit_test(parse_rejects_malformed),
                cmocka_unit_test(parse_rejects_compression),
                cmocka_unit_test(parse_name_length_limits),
                cmocka_unit_test(error_rcode_choice),
                cmocka_unit_test(response_error_header),
                cmocka_unit_test(response_a_records),
                cmocka_unit_test(response_aaaa_records),
                cmocka_unit_test(response_empty_noerror),
                cmocka_unit_test(response_truncates_at_size),
                cmocka_unit_test(response_ptr_record),
                cmocka_unit_test(response_keeps_edns),
                cmocka_unit_test(response_rcode_nxdomain),
                cmocka_unit_test(ptr_name_ipv4),
                cmocka_unit_test(ptr_name_ipv6),
                cmocka_unit_test(ptr_name_rejects_partial),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
