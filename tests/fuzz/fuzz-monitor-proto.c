/* SPDX-License-Identifier: Apache-2.0 */
/* Feeds arbitrary packets to the monitor protocol's parser, and each
 * parsed packet to the parser of the "exec" request. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/monitor/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        json_object *msg = NULL;
        struct monitor_exec_request request;

        if (size > MONITOR_PROTO_MAX_PACKET)
                return 0;
        if (monitor_proto_parse((const char *)data, size, &msg) != 0)
                return 0;
        if (!*monitor_proto_type(msg) && !json_object_is_type(msg, json_type_object))
                abort();

        if (monitor_exec_request_parse(msg, &request, NULL) == 0) {
                json_object *rebuilt = monitor_exec_request_to_json(&request);

                /* A parsed request has what the monitor relies on. */
                if (strlen(request.id) != 64 || !request.args || !request.args[0] || !request.env ||
                    (request.cwd && request.cwd[0] != '/') || request.height > 65535 || request.width > 65535)
                        abort();
                json_object_put(rebuilt);
                monitor_exec_request_clear(&request);
        }
        json_object_put(msg);
        return 0;
}
