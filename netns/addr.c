/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <stdio.h>

#include "netns/link.h"

/* Parses the decimal prefix length after the slash: digits only, no sign,
 * at most max. Leading zeros are accepted, as Go's net.ParseCIDR (which
 * dockerd uses for subnets) accepts them. */
static int parse_prefixlen(const char *s, unsigned max, unsigned *ret)
{
        unsigned value = 0;

        if (!*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                value = value * 10 + (unsigned)(*p - '0');
                if (value > max)
                        return -EINVAL;
        }

        *ret = value;
        return 0;
}

int netns_addr_parse(const char *s, struct netns_addr *ret)
{
        char text[INET6_ADDRSTRLEN];
        const char *slash;
        size_t len;
        struct netns_addr addr = { 0 };
        int r;

        if (!s)
                return -EINVAL;
        slash = strchr(s, '/');
        len = slash ? (size_t)(slash - s) : strlen(s);
        if (len == 0 || len >= sizeof(text))
                return -EINVAL;
        memcpy(text, s, len);
        text[len] = '\0';

        if (inet_pton(AF_INET, text, &addr.addr.v4) == 1) {
                addr.family = AF_INET;
                addr.prefixlen = 32;
        } else if (inet_pton(AF_INET6, text, &addr.addr.v6) == 1) {
                addr.family = AF_INET6;
                addr.prefixlen = 128;
        } else
                return -EINVAL;

        if (slash) {
                r = parse_prefixlen(slash + 1, addr.prefixlen, &addr.prefixlen);
                if (r < 0)
                        return r;
        }

        *ret = addr;
        return 0;
}

const char *netns_addr_format(const struct netns_addr *addr, char buf[static NETNS_ADDR_FORMAT_MAX])
{
        size_t len;

        if (addr->family != AF_INET && addr->family != AF_INET6)
                return NULL;
        if (addr->prefixlen > (addr->family == AF_INET ? 32u : 128u))
                return NULL;
        if (!inet_ntop(addr->family, &addr->addr, buf, INET6_ADDRSTRLEN))
                return NULL;
        len = strlen(buf);
        snprintf(buf + len, NETNS_ADDR_FORMAT_MAX - len, "/%u", addr->prefixlen);
        return buf;
}
