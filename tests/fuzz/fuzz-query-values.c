/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the parsers of single values that clients send in queries and
 * request fields: times (logs --since), signals (kill), sizes (--log-opt
 * max-size), bind specs (-v), --volumes-from entries, and container and
 * volume names. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/binds.h"
#include "engine/create-options.h"
#include "engine/names.h"
#include "engine/signals.h"
#include "engine/volumes.h"
#include "timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        char *container = NULL;
        struct bind b;
        int64_t value;
        bool rw;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        timeutil_parse_timestamp(text, &value);
        timeutil_parse_rfc3339(text, &value);
        signal_from_string(text);
        create_parse_size(text, &value);
        container_name_is_valid(text);
        if (bind_parse(text, &b, NULL) >= 0)
                bind_clear(&b);
        volume_name_check(text, NULL);
        if (volumes_from_parse(text, &container, &rw, NULL) >= 0)
                free(container);
        free(text);
        return 0;
}
