/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the parsers of what an image archive carries: a docker-archive's
 * manifest.json and image configs, with the JSON Docker's API builds from
 * them. */
#include <stdint.h>
#include <stdlib.h>

#include "image/config.h"
#include "image/load.h"
#include "image/store-internal.h"
#include "jsonutil.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct archive_manifest *manifest = NULL;
        json_object *config = NULL, *normalized;
        char **diff_ids = NULL;
        size_t n = 0;
        struct error err = ERROR_INIT;

        if (archive_manifest_parse((const char *)data, size, &manifest, &n, &err) >= 0)
                archive_manifest_free(manifest, n);
        error_clear(&err);

        if (store_config_parse((const char *)data, size, &config, &diff_ids, &err) >= 0) {
                normalized = config_container_normalize(config_field(config, "config"));
                json_to_string(normalized);
                json_object_put(normalized);
                config_created_ns(config);
                json_object_put(config);
                strv_free(diff_ids);
        }
        error_clear(&err);
        return 0;
}
