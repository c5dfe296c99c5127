/* SPDX-License-Identifier: Apache-2.0 */
/* docker pause, unpause, rename and top. */
#include "api.h"
#include "engine/top.h"

void api_container_pause(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        if (!c)
                return;
        r = engine_container_pause(api_daemon(req)->engine, c, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        http_reply_empty(req, 204);
}

void api_container_unpause(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        if (!c)
                return;
        r = engine_container_unpause(api_daemon(req)->engine, c, &err);
        if (r == -EALREADY) {
                /* dockerd 20.10 returns an untyped error here, hence a 500. */
                http_reply_error_status(req, 500, "%s", error_message(&err, r));
                return;
        }
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        http_reply_empty(req, 204);
}

void api_container_rename(struct http_request *req)
{
        _cleanup_container_ struct container *c = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *name = http_query(req, "name");
        int r;

        /* dockerd checks the new name before it looks up the container. */
        if (isempty(name)) {
                http_reply_error_status(req, 400, "Neither old nor new names may be empty");
                return;
        }
        c = api_find_container(req);
        if (!c)
                return;
        r = engine_container_rename(api_daemon(req)->engine, c, name, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        http_reply_empty(req, 204);
}

void api_container_top(struct http_request *req)
{
        _cleanup_container_ struct container *c = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *ps_args = http_query(req, "ps_args");
        json_object *result = NULL;
        int r;

        /* As in dockerd, the arguments are checked before the container is
         * looked up. */
        r = top_check_ps_args(isempty(ps_args) ? "-ef" : ps_args, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        c = api_find_container(req);
        if (!c)
                return;
        r = engine_container_top(api_daemon(req)->engine, c, ps_args, &result, &err);
        if (r < 0) {
                api_reply_error(req, r, &err);
                return;
        }
        http_reply_json(req, 200, result);
}
