/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes what a registry serves a pull: manifests and indexes under each
 * Content-Type (the first byte picks one), the platform choice of an
 * index, image configs, and platform specifiers of --platform. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/manifest.h"
#include "image/store-internal.h"
#include "jsonutil.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = {
        NULL,
        "application/json",
        MEDIA_TYPE_DOCKER_MANIFEST,
        MEDIA_TYPE_DOCKER_LIST,
        MEDIA_TYPE_OCI_MANIFEST,
        MEDIA_TYPE_OCI_INDEX "; charset=utf-8",
        MEDIA_TYPE_DOCKER_SIGNED,
        "text/plain",
};

static void fuzz_manifest(const char *content_type, const char *text, size_t len)
{
        static const char *const wanted[] = { "linux/amd64", "linux/arm64", "linux/arm/v7", "windows" };
        struct error err = ERROR_INIT;
        struct manifest m;

        if (manifest_parse(content_type, text, len, &m, &err) >= 0) {
                (void)manifest_check_config_type(&m, NULL);
                for (size_t i = 0; i < m.n_layers; i++) {
                        enum layer_compression c;

                        (void)layer_media_type_compression(m.layers[i].media_type, &c);
                }
                for (size_t i = 0; m.kind == MANIFEST_INDEX && i < ARRAY_SIZE(wanted); i++) {
                        struct platform p;

                        if (platform_parse(wanted[i], &p, NULL) >= 0)
                                (void)manifest_select_platform(&m, &p);
                }
                manifest_done(&m);
        }
        error_clear(&err);
}

static void fuzz_config(const char *text, size_t len)
{
        json_object *config = NULL;
        char **diff_ids = NULL;
        struct error err = ERROR_INIT;

        if (store_config_parse(text, len, &config, &diff_ids, &err) >= 0) {
                json_object_put(config);
                strv_free(diff_ids);
        }
        error_clear(&err);
}

static void fuzz_platform(const char *text)
{
        struct error err = ERROR_INIT;
        struct platform p, host;
        char formatted[256];

        if (platform_parse(text, &p, &err) >= 0) {
                platform_format(&p, formatted, sizeof(formatted));
                platform_default(&host);
                (void)platform_rank(&host, &p);
                (void)platform_rank(&p, &host);
        }
        error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text;

        if (size == 0)
                return 0;
        /* A NUL-terminated copy, so the string parsers see exactly size - 1 bytes. */
        text = malloc(size);
        if (!text)
                return 0;
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';

        fuzz_manifest(content_types[data[0] % ARRAY_SIZE(content_types)], text, size - 1);
        fuzz_config(text, size - 1);
        fuzz_platform(text);
        free(text);
        return 0;
}
