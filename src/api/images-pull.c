/* SPDX-License-Identifier: Apache-2.0 */
/* POST /images/create?fromImage= (docker pull), POST /auth (docker login)
 * and GET /distribution/{name}/json, with dockerd 20.10's statuses and
 * texts. */
#include <stdio.h>

#include "api/images.h"
#include "daemon.h"
#include "image/jsonmessage.h"
#include "image/pull.h"
#include "image/registry.h"
#include "log.h"

/* Decodes X-Registry-Auth; a header that does not decode means no
 * credentials, as in dockerd 20.10. */
static void request_credentials(struct http_request *req, struct registry_auth *ret)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r = registry_auth_parse(http_header(req, "X-Registry-Auth"), ret, &err);

        if (r < 0) {
                log_debug("Ignoring the X-Registry-Auth header of %s: %s", http_request_path(req),
                          error_message(&err, r));
                *ret = (struct registry_auth){ 0 };
        }
}

struct pull_job {
        struct image_pull *pull;
        struct http_stream *stream;
        const char *name;
};

static int write_line(const char *line, void *userdata)
{
        struct pull_job *job = userdata;

        return http_stream_write(job->stream, line, strlen(line));
}

static void pull_stream(struct http_stream *stream, void *userdata)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *line = NULL;
        struct pull_job *job = userdata;
        int r;

        job->stream = stream;
        r = image_pull_run(job->pull, write_line, job, &err);
        if (r >= 0) {
                log_info("Pulled %s", job->name);
                return;
        }
        if (http_stream_closed(stream)) {
                log_info("Pull of %s stopped: the client closed the connection", job->name);
                return;
        }
        log_write(http_status_for_error(r) >= 500 ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO, "Failed to pull %s: %s",
                  job->name, error_message(&err, r));
        line = jsonmessage_error(error_message(&err, r));
        if (line)
                (void)http_stream_write(stream, line, strlen(line));
}

/* dockerd replies to a bad name or platform with 400, an unknown manifest or
 * repository with 404, and every other failure before the stream with 500. */
static unsigned pull_status(int r)
{
        if (r == -EINVAL)
                return 400;
        if (r == -ENOENT)
                return 404;
        return 500;
}

void api_image_pull(struct http_request *req, const char *image)
{
        struct daemon *d = http_request_userdata(req);
        _cleanup_registry_auth_ struct registry_auth auth = { 0 };
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_(image_pull_freep) struct image_pull *pull = NULL;
        struct image_pull_options opts = {
                .name = image,
                .tag = http_query(req, "tag"),
                .platform = http_query(req, "platform"),
                .auth = &auth,
                .max_concurrent_downloads = d->config.max_concurrent_downloads,
                .max_download_attempts = d->config.max_download_attempts,
        };
        struct pull_job job = { .name = image };
        unsigned status;
        int r;

        request_credentials(req, &auth);
        r = image_pull_prepare(d->images, d->registries, &opts, &pull, &err);
        if (r < 0) {
                status = pull_status(r);
                log_write(status >= 500 ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO, "Failed to pull %s: %s", image,
                          error_message(&err, r));
                return http_reply_error_status(req, status, "%s", error_message(&err, r));
        }
        job.pull = pull;
        http_reply_stream(req, 200, "application/json", pull_stream, &job);
}

/* The registry domain of a login's serveraddress, as dockerd's
 * ConvertToHostname reads it: without scheme and path; Docker Hub's
 * addresses and an empty one mean "docker.io". */
static int server_domain(const char *address, char **ret)
{
        static const char *const hub[] = { "docker.io", "index.docker.io", "registry-1.docker.io" };
        const char *rest = address ?: "";
        size_t len;

        rest = startswith(rest, "http://") ?: startswith(rest, "https://") ?: rest;
        len = strcspn(rest, "/");
        for (size_t i = 0; i < ARRAY_SIZE(hub); i++)
                if (len == strlen(hub[i]) && strncmp(rest, hub[i], len) == 0)
                        len = 0;
        *ret = len == 0 ? strdup("docker.io") : strndup(rest, len);
        return *ret ? 0 : -ENOMEM;
}

static void auth_login(struct http_request *req)
{
        struct daemon *d = http_request_userdata(req);
        _cleanup_registry_auth_ struct registry_auth auth = { 0 };
        _cleanup_(registry_client_freep) struct registry_client *client = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *domain = NULL, *identity_token = NULL;
        const char *body;
        json_object *reply;
        size_t len;
        int r;

        body = http_request_body(req, &len);
        r = registry_auth_parse_json(body && len > 0 ? body : "{}", body && len > 0 ? len : 2, &auth, &err);
        if (r < 0)
                return http_reply_error_status(req, 400, "%s", error_message(&err, r));
        r = server_domain(auth.server_address, &domain);
        if (r >= 0)
                r = registry_client_new(d->registries, domain, &auth, &client, &err);
        if (r >= 0)
                r = registry_client_login(client, &identity_token, &err);
        if (r < 0) {
                /* dockerd 20.10 replies to failed logins with 500 too. */
                log_info("Login to %s failed: %s", domain ?: "", error_message(&err, r));
                return http_reply_error_status(req, r == -EINVAL ? 400 : 500, "%s", error_message(&err, r));
        }

        log_info("Login to %s succeeded for %s", domain, isempty(auth.username) ? "an anonymous user" : auth.username);
        reply = json_object_new_object();
        json_object_object_add(reply, "IdentityToken", json_object_new_string(identity_token ?: ""));
        json_object_object_add(reply, "Status", json_object_new_string("Login Succeeded"));
        http_reply_json(req, 200, reply);
}

static void distribution_inspect(struct http_request *req)
{
        struct daemon *d = http_request_userdata(req);
        _cleanup_registry_auth_ struct registry_auth auth = { 0 };
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *name = http_path_param(req, "name");
        json_object *reply = NULL;
        unsigned status = 500;
        int r;

        request_credentials(req, &auth);
        r = image_distribution_inspect(d->registries, name, &auth, &reply, &status, &err);
        if (r < 0) {
                if (status >= 500)
                        log_error("Failed to inspect %s in its registry: %s", name, error_message(&err, r));
                return http_reply_error_status(req, status, "%s", error_message(&err, r));
        }
        http_reply_json(req, 200, reply);
}

const struct http_route api_distribution_routes[] = {
        { "POST", "/auth", auth_login, HTTP_BODY_JSON },
        { "GET", "/distribution/{name*}/json", distribution_inspect, HTTP_BODY_JSON },
};

const size_t api_distribution_routes_count = ARRAY_SIZE(api_distribution_routes);
