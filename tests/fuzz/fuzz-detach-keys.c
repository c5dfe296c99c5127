/* SPDX-License-Identifier: Apache-2.0 */
/* Parses arbitrary detach-key specs, then matches the input against the
 * keys one byte at a time: a valid spec typed key by key must detach. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/monitor/detachkeys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct monitor_detach_keys keys;
        char *spec = malloc(size + 1);
        size_t pos = 0, held;
        int r;

        if (!spec)
                return 0;
        memcpy(spec, data, size);
        spec[size] = '\0';
        r = monitor_detach_keys_parse(spec, &keys, NULL);
        free(spec);
        if (r < 0)
                return 0;
        if (keys.n == 0 || keys.n > MONITOR_DETACH_KEYS_MAX)
                abort();

        for (size_t i = 0; i < keys.n; i++) {
                enum monitor_detach_action a = monitor_detach_match(&keys, &pos, &keys.keys[i], 1, &held);

                if (a != (i + 1 == keys.n ? MONITOR_DETACH_DETACH : MONITOR_DETACH_HOLD))
                        abort();
        }
        if (pos != 0)
                abort();
        return 0;
}
