/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the handling of a POST /containers/create body that does not need
 * an engine: type checks, the merge with an image config, the command,
 * HostConfig checks and defaults, and the mount points of -v, --mount and
 * the image's volumes. */
#include <stddef.h>
#include <stdint.h>

#include "engine/mounts.h"
#include "engine/create-config.h"
#include "jsonutil.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char image_config[] = "{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"],\"Labels\":{\"a\":\"b\"},"
                                   "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":1}}";

static void exercise(json_object *req)
{
        _cleanup_json_ json_object *image = json_tokener_parse(image_config);
        _cleanup_json_ json_object *config = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_strv_free_ char **args = NULL;
        json_object *hc = json_field_object(req, "HostConfig");

        if (create_request_check(req, NULL) < 0)
                return;
        config = create_config_build(req, image);
        if (create_command_build(config, &path, &args, NULL) < 0)
                return;
        if (create_host_config_check(hc, NULL) < 0)
                return;
        if (hc) {
                _cleanup_json_ json_object *copy = json_tokener_parse(json_to_string(hc));
                _cleanup_json_ json_object *points = NULL, *mounts = NULL;

                create_host_config_defaults(copy);
                if (mounts_build(config, copy, NULL, 0, "/var/lib/sockerless", &points, NULL) >= 0)
                        mounts = mounts_to_json(points);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        json_object *req = NULL;

        if (json_parse_buffer((const char *)data, size, &req, NULL) < 0 || !req)
                return 0;
        exercise(req);
        json_object_put(req);
        return 0;
}
