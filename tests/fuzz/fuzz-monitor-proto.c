/* SPDX-License-Identifier: Apache-2.0 */
/* Feeds arbitrary packets to the monitor protocol's parser. */
#include <stdint.h>
#include <stdlib.h>

#include "runtime/monitor/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        json_object *msg = NULL;

        if (size > MONITOR_PROTO_MAX_PACKET)
                return 0;
        if (monitor_proto_parse((const char *)data, size, &msg) == 0) {
                if (!*monitor_proto_type(msg) && !json_object_is_type(msg, json_type_object))
                        abort();
                json_object_put(msg);
        }
        return 0;
}
