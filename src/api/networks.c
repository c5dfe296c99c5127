/* SPDX-License-Identifier: Apache-2.0 */
/* The network endpoints: create, list, inspect, remove, prune, connect and
 * disconnect, with dockerd 20.10's replies. */
#include "api.h"
#include "engine/network.h"
#include "jsonutil.h"

static void api_network_create(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *reply = NULL;
        int r;

        r = network_create(api_daemon(req)->engine, http_request_json(req), &reply, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        http_reply_json(req, 201, reply);
}

static void api_network_list(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *filters = NULL;
        json_object *list = NULL;
        int r;

        r = http_query_filters(req, &filters, &err);
        if (r >= 0)
                r = network_list(api_daemon(req)->engine, filters, &list, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        http_reply_json(req, 200, list);
}

static void api_network_inspect(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *network = NULL;
        int r;

        /* verbose and scope change nothing for local networks. */
        r = network_inspect(api_daemon(req)->engine, http_path_param(req, "id"), &network, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        http_reply_json(req, 200, network);
}

static void api_network_remove(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = network_remove(api_daemon(req)->engine, http_path_param(req, "id"), &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        http_reply_empty(req, 204);
}

static void api_network_prune(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *filters = NULL;
        json_object *deleted = json_object_new_array(), *reply;
        int r;

        r = http_query_filters(req, &filters, &err);
        if (r >= 0)
                r = network_prune(api_daemon(req)->engine, filters, deleted, &err);
        if (r < 0) {
                json_object_put(deleted);
                return api_reply_error(req, r, &err);
        }
        reply = json_object_new_object();
        /* dockerd sends null when it removed nothing. */
        if (json_object_array_length(deleted) == 0) {
                json_object_put(deleted);
                deleted = NULL;
        }
        json_object_object_add(reply, "NetworksDeleted", deleted);
        http_reply_json(req, 200, reply);
}

/* Finds the container named in the body of connect and disconnect. */
static int body_container(struct http_request *req, json_object *body, struct container **ret, struct error *err)
{
        const char *ref;
        int r;

        if (!body || !json_object_is_type(body, json_type_object))
                return error_set(err, -EINVAL, "got EOF while reading request body");
        r = json_field_check(body, "Container", json_type_string, "NetworkConnect", err);
        if (r < 0)
                return r;
        ref = json_field_string(body, "Container", "");
        if (!*ref)
                return error_set(err, -EINVAL, "container is required");
        return engine_container_find(api_daemon(req)->engine, ref, ret, err);
}

static void api_network_connect(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_container_ struct container *c = NULL;
        json_object *body = http_request_json(req);
        int r;

        r = body_container(req, body, &c, &err);
        if (r >= 0)
                r = json_field_check(body, "EndpointConfig", json_type_object, "NetworkConnect", &err);
        if (r >= 0)
                r = network_connect(api_daemon(req)->engine, http_path_param(req, "id"), c,
                                    json_field_object(body, "EndpointConfig"), &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        http_reply_empty(req, 200);
}

static void api_network_disconnect(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_container_ struct container *c = NULL;
        json_object *body = http_request_json(req);
        int r;

        r = body_container(req, body, &c, &err);
        if (r >= 0)
                r = network_disconnect(api_daemon(req)->engine, http_path_param(req, "id"), c,
                                       json_field_bool(body, "Force", false), &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        http_reply_empty(req, 200);
}

const struct http_route api_network_routes[] = {
        { "GET", "/networks", api_network_list, HTTP_BODY_JSON },
        { "POST", "/networks/create", api_network_create, HTTP_BODY_JSON },
        { "POST", "/networks/prune", api_network_prune, HTTP_BODY_JSON },
        { "GET", "/networks/{id}", api_network_inspect, HTTP_BODY_JSON },
        { "DELETE", "/networks/{id}", api_network_remove, HTTP_BODY_JSON },
        { "POST", "/networks/{id}/connect", api_network_connect, HTTP_BODY_JSON },
        { "POST", "/networks/{id}/disconnect", api_network_disconnect, HTTP_BODY_JSON },
};
const size_t api_network_routes_count = ARRAY_SIZE(api_network_routes);
