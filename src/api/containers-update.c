/* SPDX-License-Identifier: Apache-2.0 */
/* POST /containers/{id}/update (docker update). */
#include "api.h"
#include "jsonutil.h"

void api_container_update(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *warnings = json_object_new_array();
        json_object *reply;
        int r;

        if (!c)
                return;
        r = engine_container_update(api_daemon(req)->engine, c, http_request_json(req), warnings, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        /* dockerd 20.10 sends "Warnings": null when there are none. */
        reply = json_object_new_object();
        json_object_object_add(reply, "Warnings",
                               json_object_array_length(warnings) > 0 ? json_object_get(warnings) : NULL);
        http_reply_json(req, 200, reply);
}
