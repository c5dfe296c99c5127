/* SPDX-License-Identifier: Apache-2.0 */
/* The volume endpoints: create, list, inspect, remove and prune, with
 * dockerd 20.10's replies. */
#include "api.h"
#include "engine/volumes.h"
#include "jsonutil.h"

static int check_create_body(json_object *body, struct error *err)
{
        int r;

        if (!body)
                return error_set(err, -EINVAL, "got EOF while reading request body");
        if (!json_object_is_type(body, json_type_object))
                return error_set(err, -EINVAL,
                                 "json: cannot unmarshal %s into Go value of type volume.VolumeCreateBody",
                                 json_object_is_type(body, json_type_array) ? "array" : "value");
        r = json_field_check(body, "Name", json_type_string, "VolumeCreateBody", err);
        if (r >= 0)
                r = json_field_check(body, "Driver", json_type_string, "VolumeCreateBody", err);
        if (r >= 0)
                r = json_field_check_string_map(body, "DriverOpts", "VolumeCreateBody", err);
        if (r >= 0)
                r = json_field_check_string_map(body, "Labels", "VolumeCreateBody", err);
        return r;
}

static void api_volume_create(struct http_request *req)
{
        struct daemon *d = api_daemon(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *volume = NULL;
        _cleanup_free_ char *name = NULL;
        json_object *body = http_request_json(req);
        struct volume_create create = { 0 };
        int r;

        r = check_create_body(body, &err);
        if (r >= 0) {
                create = (struct volume_create){
                        .name = json_field_string(body, "Name", ""),
                        .driver = json_field_string(body, "Driver", ""),
                        .options = json_field_object(body, "DriverOpts"),
                        .labels = json_field_object(body, "Labels"),
                };
                r = volume_store_create(d->volumes, &create, &name, &err);
        }
        if (r >= 0)
                r = volume_store_inspect(d->volumes, name, &volume, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        http_reply_json(req, 201, TAKE_PTR(volume));
}

static void api_volume_list(struct http_request *req)
{
        struct daemon *d = api_daemon(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *filters = NULL;
        json_object *list = NULL, *reply;
        int r;

        r = http_query_filters(req, &filters, &err);
        if (r < 0)
                error_prefix(&err, r, "error reading volume filters");
        if (r >= 0)
                r = volume_store_list(d->volumes, filters, &list, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        reply = json_object_new_object();
        json_object_object_add(reply, "Volumes", list);
        json_object_object_add(reply, "Warnings", NULL);
        http_reply_json(req, 200, reply);
}

static void api_volume_inspect(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *volume = NULL;
        int r;

        r = volume_store_inspect(api_daemon(req)->volumes, http_path_param(req, "name"), &volume, &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        http_reply_json(req, 200, volume);
}

static void api_volume_remove(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = volume_store_remove(api_daemon(req)->volumes, http_path_param(req, "name"),
                                http_query_bool(req, "force", false), &err);
        if (r < 0)
                return api_reply_error(req, r, &err);
        http_reply_empty(req, 204);
}

static void api_volume_prune(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *filters = NULL;
        json_object *deleted = json_object_new_array(), *reply;
        int64_t space = 0;
        int r;

        r = http_query_filters(req, &filters, &err);
        if (r >= 0)
                r = volume_store_prune(api_daemon(req)->volumes, filters, deleted, &space, &err);
        if (r < 0) {
                json_object_put(deleted);
                return api_reply_error(req, r, &err);
        }
        reply = json_object_new_object();
        json_object_object_add(reply, "VolumesDeleted", deleted);
        json_object_object_add(reply, "SpaceReclaimed", json_object_new_int64(space));
        http_reply_json(req, 200, reply);
}

const struct http_route api_volume_routes[] = {
        { "GET", "/volumes", api_volume_list, HTTP_BODY_JSON },
        { "POST", "/volumes/create", api_volume_create, HTTP_BODY_JSON },
        { "POST", "/volumes/prune", api_volume_prune, HTTP_BODY_JSON },
        { "GET", "/volumes/{name}", api_volume_inspect, HTTP_BODY_JSON },
        { "DELETE", "/volumes/{name}", api_volume_remove, HTTP_BODY_JSON },
};
const size_t api_volume_routes_count = ARRAY_SIZE(api_volume_routes);
