/* SPDX-License-Identifier: Apache-2.0 */
/* Parses arbitrary bytes as a DNS query. A query that parses must give
 * responses within the buffer, whose question is the query's own, and a
 * name that no wire form could exceed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netns/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct netns_addr addrs[2] = { { .family = AF_INET, .prefixlen = 32 },
                                       { .family = AF_INET6, .prefixlen = 128 } };
        uint8_t reply[DNS_UDP_MAX_SIZE];
        struct netns_addr ptr_addr;
        struct dns_query q;
        int n;

        if (dns_query_parse(data, size, &q) < 0) {
                int rcode = dns_query_error_rcode(data, size);

                if (rcode >= 0 && dns_response_error(data, size, rcode, reply, sizeof(reply)) != DNS_HEADER_SIZE)
                        abort();
                return 0;
        }

        if (strlen(q.name) > 253 || q.question_end > size || q.question_end < DNS_HEADER_SIZE + 5)
                abort();

        n = dns_response_addrs(data, &q, addrs, 2, reply, sizeof(reply));
        if (n > (int)sizeof(reply) ||
            (n >= 0 && memcmp(reply + DNS_HEADER_SIZE, data + DNS_HEADER_SIZE, q.question_end - DNS_HEADER_SIZE) != 0))
                abort();
        n = dns_response_ptr(data, &q, q.name[0] ? q.name : "root", reply, sizeof(reply));
        if (n > (int)sizeof(reply))
                abort();
        n = dns_response_rcode(data, &q, DNS_RCODE_NXDOMAIN, reply, sizeof(reply));
        if (n > (int)sizeof(reply))
                abort();

        if (dns_ptr_name_to_addr(q.name, &ptr_addr) == 0 && ptr_addr.family != AF_INET && ptr_addr.family != AF_INET6)
                abort();
        return 0;
}
