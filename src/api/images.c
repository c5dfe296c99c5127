/* SPDX-License-Identifier: Apache-2.0 */
/* The image endpoints of the Docker Engine API 1.41, with dockerd 20.10's
 * replies: JSON shapes, status codes, message texts and stream bytes. */
#include "api/images.h"

#include <inttypes.h>
#include <stdio.h>

#include "daemon.h"
#include "engine/engine.h"
#include "image/image.h"
#include "image/jsonmessage.h"
#include "image/reference.h"
#include "image/render.h"
#include "image/save.h"
#include "image/timestamp.h"
#include "jsonutil.h"
#include "log.h"
#include "strv.h"
#include "timeutil.h"

static struct image_store *store_of(const struct http_request *req)
{
        struct daemon *d = http_request_userdata(req);

        return d->images;
}

/* Replies with the status Docker gives the error, logging the failures
 * that are the daemon's fault once, here at the boundary. */
static void reply_error(struct http_request *req, int code, const struct error *err)
{
        if (http_status_for_error(code) >= 500)
                log_error("%s %s failed: %s", http_request_method(req), http_request_path(req),
                          error_message(err, code));
        http_reply_error(req, code, err);
}

static void reply_error_status(struct http_request *req, unsigned status, const char *message)
{
        if (status >= 500)
                log_error("%s %s failed: %s", http_request_method(req), http_request_path(req), message);
        http_reply_error_status(req, status, "%s", message);
}

static void image_list(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *filters = NULL;
        json_object *list = NULL;
        int r;

        r = http_query_filters(req, &filters, &err);
        if (r < 0)
                return reply_error(req, r, &err);

        /* "digests" changes nothing: RepoDigests is always filled, as in
         * dockerd 20.10. */
        r = image_render_list(store_of(req), filters, http_query_bool(req, "all", false), &list, &err);
        if (r < 0)
                return reply_error(req, r, &err);
        http_reply_json(req, 200, list);
}

static void image_inspect(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_image_ struct image *img = NULL;
        const char *name = http_path_param(req, "name");
        int r;

        r = image_store_lookup(store_of(req), name, &img, &err);
        if (r < 0) {
                /* dockerd 20.10 wraps lookup errors of this endpoint once more. */
                _cleanup_free_ char *message = NULL;

                if (asprintf(&message, "no such image: %s: %s", name, error_message(&err, r)) < 0)
                        return reply_error(req, -ENOMEM, NULL);
                return reply_error_status(req, http_status_for_error(r), message);
        }
        http_reply_json(req, 200, image_render_inspect(img));
}

static void image_history(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_image_ struct image *img = NULL;
        json_object *history = NULL;
        int r;

        r = image_store_lookup(store_of(req), http_path_param(req, "name"), &img, &err);
        if (r >= 0)
                r = image_render_history(img, &history, &err);
        if (r == -EINVAL && img)
                return reply_error_status(req, 500, error_message(&err, r));
        if (r < 0)
                return reply_error(req, r, &err);
        image_render_history_parents(store_of(req), img, history);
        http_reply_json(req, 200, history);
}

static void image_tag(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_image_ struct image *img = NULL;
        _cleanup_reference_ struct reference ref = { 0 };
        const char *repo = http_query(req, "repo") ?: "", *tag = http_query(req, "tag") ?: "";
        char id[80];
        int r;

        r = image_store_lookup(store_of(req), http_path_param(req, "name"), &img, &err);
        if (r < 0)
                return reply_error(req, r, &err);

        /* dockerd 20.10 replies to a malformed repo or tag with status 500. */
        r = reference_parse_normalized(repo, &ref, &err);
        if (r >= 0 && *tag)
                r = reference_set_tag(&ref, tag, &err);
        if (r < 0)
                return reply_error_status(req, 500, error_message(&err, r));

        snprintf(id, sizeof(id), "sha256:%s", img->id);
        r = image_store_tag(store_of(req), id, repo, tag, &err);
        if (r < 0)
                return reply_error(req, r, &err);
        http_reply_empty(req, 201);
}

static void image_delete(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *records = NULL;
        int r;

        r = image_store_delete(store_of(req), http_path_param(req, "name"), http_query_bool(req, "force", false),
                               !http_query_bool(req, "noprune", false), &records, &err);
        if (r < 0)
                return reply_error(req, r, &err);
        http_reply_json(req, 200, records);
}

/* The reply of a load, gathered while the body is read: the HTTP layer
 * ends the body once a reply starts, so the reply comes after. */
struct load_output {
        char *data;
        size_t len;
        bool failed;
};

static void output_add(struct load_output *out, char *line)
{
        char *grown;

        if (!line || out->failed) {
                out->failed = true;
                free(line);
                return;
        }
        grown = realloc(out->data, out->len + strlen(line) + 1);
        if (!grown) {
                out->failed = true;
                free(line);
                return;
        }
        memcpy(grown + out->len, line, strlen(line) + 1);
        out->data = grown;
        out->len += strlen(line);
        free(line);
}

static void load_message(const char *text, void *userdata)
{
        output_add(userdata, jsonmessage_stream(text));
}

static void load_progress(const char *short_id, int64_t current, int64_t total, void *userdata)
{
        output_add(userdata, jsonmessage_progress(short_id, "Loading layer", current, total));
}

static void image_load(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct load_output out = { 0 };
        struct image_load_callbacks cb = {
                .message = load_message,
                .progress = http_query_bool(req, "quiet", true) ? NULL : load_progress,
                .userdata = &out,
        };
        int r;

        r = image_store_load(store_of(req), http_request_body_fd(req), &cb, &err);
        if (r < 0) {
                /* dockerd reports load errors inside the stream, with 200. */
                if (http_status_for_error(r) >= 500)
                        log_error("Failed to load images: %s", error_message(&err, r));
                output_add(&out, jsonmessage_error(error_message(&err, r)));
        }
        if (out.failed) {
                free(out.data);
                return reply_error(req, -ENOMEM, NULL);
        }
        http_reply_data(req, 200, "application/json", out.data ?: "", out.len);
        free(out.data);
}

static void image_import(struct http_request *req, const char *source)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_strv_free_ char **changes = NULL;
        _cleanup_free_ char *line = NULL;
        struct image_import_options opts = {
                .repo = http_query(req, "repo"),
                .tag = http_query(req, "tag"),
                .message = http_query(req, "message"),
                .docker_version = SOCKERLESS_VERSION,
        };
        char id[80];
        int r;

        if (!streq(source, "-"))
                return reply_error_status(req, 501,
                                          "importing from a URL is not available in this build of sockerless; "
                                          "send the archive as the request body with fromSrc=-");

        r = http_query_all(req, "changes", &changes);
        if (r < 0)
                return reply_error(req, r, NULL);
        opts.changes = changes;

        r = image_import_validate(&opts, &err);
        if (r < 0)
                return reply_error(req, r, &err);

        /* dockerd 20.10 replies to every failure past the checks with 500. */
        r = image_store_import(store_of(req), http_request_body_fd(req), &opts, id, &err);
        if (r < 0)
                return reply_error_status(req, 500, error_message(&err, r));

        line = jsonmessage_status(id);
        if (!line)
                return reply_error(req, -ENOMEM, NULL);
        http_reply_data(req, 200, "application/json", line, strlen(line));
}

static void image_create(struct http_request *req)
{
        const char *image = http_query(req, "fromImage");
        const char *source = http_query(req, "fromSrc");

        if (!isempty(image))
                return api_image_pull(req, image);
        if (isempty(source))
                return reply_error_status(req, 400, "either fromImage or fromSrc is required");
        image_import(req, source);
}

static int prune_filters(json_object *filters, struct image_prune_options *ret, struct error *err)
{
        static const char *const accepted[] = { "dangling", "label", "label!", "until" };
        json_object *dangling, *until;

        json_object_object_foreach (filters, key, unused_values) {
                bool known = false;

                for (size_t i = 0; i < ARRAY_SIZE(accepted); i++)
                        known = known || streq(key, accepted[i]);
                if (!known)
                        return error_set(err, -EINVAL, "Invalid filter '%s'", key);
                (void)unused_values;
        }

        *ret = (struct image_prune_options){
                .dangling_only = true,
                .labels = json_field_array(filters, "label"),
                .not_labels = json_field_array(filters, "label!"),
        };
        dangling = json_field_array(filters, "dangling");
        if (dangling && json_object_array_length(dangling) > 0) {
                const char *value = json_object_get_string(json_object_array_get_idx(dangling, 0));

                if (streq(value, "false") || streq(value, "0"))
                        ret->dangling_only = false;
                else if (!streq(value, "true") && !streq(value, "1"))
                        return error_set(err, -EINVAL, "Invalid filter 'dangling=[%s]'", value);
        }

        until = json_field_array(filters, "until");
        if (until && json_object_array_length(until) > 1)
                return error_set(err, -EINVAL, "more than one until filter specified");
        if (until && json_object_array_length(until) == 1) {
                const char *value = json_object_get_string(json_object_array_get_idx(until, 0));
                int r = timestamp_parse_docker(value, timeutil_now_ns(), &ret->until_ns, err);

                if (r < 0)
                        return r;
                ret->has_until = true;
        }
        return 0;
}

/* dockerd reports a prune as an image event of no image. */
static void prune_event(struct http_request *req, uint64_t reclaimed)
{
        char bytes[32];
        char *attributes[] = { (char *)"reclaimed", bytes, NULL };

        snprintf(bytes, sizeof(bytes), "%" PRIu64, reclaimed);
        engine_event_emit(((struct daemon *)http_request_userdata(req))->engine, "image", "prune", "", attributes);
}

static void image_prune(struct http_request *req)
{
        static int running;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *filters = NULL, *deleted = NULL;
        struct image_prune_options opts;
        json_object *report;
        uint64_t reclaimed = 0;
        int r;

        r = http_query_filters(req, &filters, &err);
        if (r >= 0)
                r = prune_filters(filters, &opts, &err);
        if (r < 0)
                return reply_error(req, r, &err);

        if (__atomic_exchange_n(&running, 1, __ATOMIC_ACQ_REL))
                return reply_error_status(req, 409, "a prune operation is already running");
        r = image_store_prune(store_of(req), &opts, &deleted, &reclaimed);
        __atomic_store_n(&running, 0, __ATOMIC_RELEASE);
        if (r < 0)
                return reply_error(req, r, NULL);
        prune_event(req, reclaimed);

        report = json_object_new_object();
        json_object_object_add(report, "ImagesDeleted",
                               json_object_array_length(deleted) > 0 ? json_object_get(deleted) : NULL);
        json_object_object_add(report, "SpaceReclaimed", json_object_new_uint64(reclaimed));
        http_reply_json(req, 200, report);
}

/* A docker save in progress; the stream callback frees it. */
struct save_job {
        struct image_store *store;
        struct save_plan plan;
};

static int save_stream_write(void *userdata, const void *buf, size_t len)
{
        return http_stream_write(userdata, buf, len);
}

static void save_stream(struct http_stream *stream, void *userdata)
{
        struct save_job *job = userdata;
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = save_plan_write(job->store, &job->plan, save_stream_write, stream, &err);
        /* The status went out with the headers, so a failure can only cut
         * the archive short, which every tar reader reports. */
        if (r < 0 && r != -EPIPE)
                log_error("Saving images failed: %s", error_message(&err, r));
        save_plan_done(&job->plan);
        free(job);
}

/* Lays out the archive before the reply starts, so that a missing image
 * gets its error status instead of a broken archive. */
static void save_images(struct http_request *req, char *const *names)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct save_job *job = calloc(1, sizeof(*job));
        int r;

        if (!job)
                return reply_error(req, -ENOMEM, NULL);
        job->store = store_of(req);
        r = save_plan_build(job->store, names, &job->plan, &err);
        if (r < 0)
                free(job);
        /* dockerd 20.10 replies to a malformed name with status 500. */
        if (r == -EINVAL)
                return reply_error_status(req, 500, error_message(&err, r));
        if (r < 0)
                return reply_error(req, r, &err);
        http_reply_stream(req, 200, "application/x-tar", save_stream, job);
}

static void image_get(struct http_request *req)
{
        char *names[] = { (char *)http_path_param(req, "name"), NULL };

        save_images(req, names);
}

static void images_get(struct http_request *req)
{
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = http_query_all(req, "names", &names);
        if (r < 0)
                return reply_error(req, r, NULL);
        save_images(req, names);
}

const struct http_route api_image_routes[] = {
        { "GET", "/images/json", image_list, HTTP_BODY_JSON },
        { "POST", "/images/load", image_load, HTTP_BODY_STREAM },
        { "POST", "/images/create", image_create, HTTP_BODY_STREAM },
        { "POST", "/images/prune", image_prune, HTTP_BODY_JSON },
        { "GET", "/images/search", api_image_search, HTTP_BODY_JSON },
        { "GET", "/images/get", images_get, HTTP_BODY_JSON },
        { "GET", "/images/{name*}/get", image_get, HTTP_BODY_JSON },
        { "GET", "/images/{name*}/json", image_inspect, HTTP_BODY_JSON },
        { "GET", "/images/{name*}/history", image_history, HTTP_BODY_JSON },
        { "POST", "/images/{name*}/tag", image_tag, HTTP_BODY_JSON },
        { "POST", "/images/{name*}/push", api_image_push, HTTP_BODY_JSON },
        { "DELETE", "/images/{name*}", image_delete, HTTP_BODY_JSON },
};

const size_t api_image_routes_count = ARRAY_SIZE(api_image_routes);
