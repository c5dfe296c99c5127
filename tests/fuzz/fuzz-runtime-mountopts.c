/* SPDX-License-Identifier: Apache-2.0 */
/* Feeds the mount option parser the options of one mount, given as lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/mountopts.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct runtime_mount_options o;
        struct error err = ERROR_INIT;
        char *text = malloc(size + 1);
        char **options;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        options = strv_split(text, "\n", true);
        free(text);
        if (!options)
                return 0;

        if (runtime_mount_options_parse(options, &o, &err) >= 0)
                runtime_mount_options_done(&o);
        error_clear(&err);
        strv_free(options);
        return 0;
}
