/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the netns address parser: whatever it accepts must format, and
 * the formatted text must parse back to the same address. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netns/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = strndup((const char *)data, size);
        char buf[NETNS_ADDR_FORMAT_MAX];
        struct netns_addr addr, again;

        if (!text)
                return 0;
        memset(&addr, 0, sizeof(addr));
        memset(&again, 0, sizeof(again));
        if (netns_addr_parse(text, &addr) == 0) {
                if (addr.prefixlen > (addr.family == AF_INET ? 32u : 128u))
                        abort();
                if (!netns_addr_format(&addr, buf))
                        abort();
                if (netns_addr_parse(buf, &again) != 0 || memcmp(&addr, &again, sizeof(addr)) != 0)
                        abort();
        }
        free(text);
        return 0;
}
