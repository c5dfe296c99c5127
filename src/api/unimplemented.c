/* SPDX-License-Identifier: Apache-2.0 */
/* Endpoints of the Docker API this daemon does not implement yet. They
 * reply 501 with a message naming the operation, so a client learns what
 * is missing instead of getting "page not found". */
#include "api.h"

static void api_not_implemented(struct http_request *req)
{
        http_reply_error_status(req, 501, "%s %s is not implemented by Sockerless yet", http_request_method(req),
                                http_request_path(req));
}

#define NOT_IMPLEMENTED(method, pattern)                             \
        {                                                            \
                method, pattern, api_not_implemented, HTTP_BODY_JSON \
        }

const struct http_route api_unimplemented_routes[] = {
        { "POST", "/build", api_not_implemented, HTTP_BODY_STREAM },
        NOT_IMPLEMENTED("POST", "/build/prune"),
};
const size_t api_unimplemented_routes_count = ARRAY_SIZE(api_unimplemented_routes);
