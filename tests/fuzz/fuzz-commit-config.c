/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes what a POST /commit carries into the new image's config: the
 * request's config (the input's first line, JSON) and its --change
 * instructions (the other lines), applied to a fixed container config. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "jsonutil.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char container_config[] =
        "{\"Hostname\":\"c0ffee\",\"User\":\"app\",\"Env\":[\"PATH=/bin\",\"A=1\"],\"Cmd\":[\"sh\"],"
        "\"Entrypoint\":null,\"Labels\":{\"l\":\"v\"},\"ExposedPorts\":{\"80/tcp\":{}},"
        "\"Volumes\":{\"/v\":{}},\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Retries\":3},"
        "\"WorkingDir\":\"/w\",\"StopSignal\":\"SIGTERM\",\"OnBuild\":[\"RUN x\"]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = strndup((const char *)data, size);
        json_object *body = NULL, *container = NULL, *config = NULL;
        struct image_commit_options opts = { .container_id = "c0ffee" };
        struct error err = ERROR_INIT;
        char **lines, **changes;

        if (!text)
                return 0;
        lines = strv_split(text, "\n", true);
        free(text);
        if (!lines)
                return 0;

        /* Like the API: a body that is no object gives no config. */
        if (lines[0] && json_parse_buffer(lines[0], strlen(lines[0]), &body, NULL) >= 0 &&
            !json_object_is_type(body, json_type_object)) {
                json_object_put(body);
                body = NULL;
        }
        changes = lines[0] ? lines + 1 : lines;
        json_parse_buffer(container_config, strlen(container_config), &container, NULL);

        opts.config = body;
        opts.container_config = container;
        opts.changes = changes;
        if (image_commit_config(&opts, &config, &err) >= 0) {
                json_to_string(config);
                json_object_put(config);
        }
        error_clear(&err);
        json_object_put(container);
        json_object_put(body);
        strv_free(lines);
        return 0;
}
