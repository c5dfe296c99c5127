/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes what --userns-remap reads: /etc/subuid and /etc/subgid text,
 * the maps built from it, the free range search of "default", and the
 * setting itself. The input's first line is the owner to select. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/userns.h"
#include "userns-adduser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Builds the map the daemon would use and checks its promises. */
static void build_map(struct userns_range *ranges, size_t n)
{
        struct userns_idmap map = { 0 };
        uint64_t next = 0;

        if (userns_idmap_build(ranges, n, "subuid", &map, NULL) < 0)
                return;
        for (size_t i = 0; i < map.n_ranges; i++) {
                const struct userns_range *r = &map.ranges[i];

                if (r->container_id != next || r->size == 0 || (uint64_t)r->host_id + r->size > UINT32_MAX)
                        abort();
                if (i > 0 && (uint64_t)map.ranges[i - 1].host_id + map.ranges[i - 1].size > r->host_id)
                        abort();
                if (userns_idmap_to_host(&map, r->container_id) != r->host_id)
                        abort();
                next += r->size;
        }
        userns_idmap_clear(&map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *)data;
        const char *newline = memchr(text, '\n', size);
        size_t owner_len = newline ? (size_t)(newline - text) : size;
        char *owner = strndup(text, owner_len), *user = NULL, *group = NULL;
        struct userns_range *ranges = NULL;
        size_t n = 0, rest = newline ? size - owner_len - 1 : 0;

        if (!owner)
                return 0;
        if (userns_split_spec(owner, &user, &group, NULL) >= 0) {
                free(user);
                free(group);
        }
        if (userns_subid_parse(newline ? newline + 1 : "", rest, "/etc/subuid", owner, "1000", &ranges, &n, NULL) >= 0)
                build_map(ranges, n);
        (void)userns_adduser_free_range(newline ? newline + 1 : "", rest, "/etc/subuid", NULL);
        free(owner);
        return 0;
}
