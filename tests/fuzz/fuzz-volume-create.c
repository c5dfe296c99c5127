/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the checks of a POST /volumes/create body that need no store:
 * the volume's name and the local driver's options. */
#include <stddef.h>
#include <stdint.h>

#include "engine/volumes.h"
#include "jsonutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        json_object *body = NULL;
        const char *name;

        if (json_parse_buffer((const char *)data, size, &body, NULL) < 0 || !body)
                return 0;
        name = json_field_string(body, "Name", NULL);
        if (name)
                volume_name_check(name, NULL);
        volume_options_check(json_field_object(body, "DriverOpts"), NULL);
        json_object_put(body);
        return 0;
}
