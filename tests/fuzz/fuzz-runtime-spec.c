/* SPDX-License-Identifier: Apache-2.0 */
/* Feeds arbitrary bytes to the config.json parser and to the parser of a
 * resources object alone (the limits of a running container's update). */
#include <stdint.h>

#include "runtime/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct error err = ERROR_INIT;
        struct runtime_spec *spec = NULL;
        struct runtime_resources *res = NULL;

        if (runtime_spec_parse((const char *)data, size, &spec, &err) >= 0) {
                (void)runtime_spec_terminal(spec);
                runtime_spec_free(spec);
        }
        error_clear(&err);

        if (runtime_resources_parse((const char *)data, size, &res, &err) >= 0)
                runtime_resources_free(res);
        error_clear(&err);
        return 0;
}
