/* SPDX-License-Identifier: Apache-2.0 */
/* The registry client against a mock registry on 127.0.0.1, served by
 * libmicrohttpd. Covered: the bearer token flow and its cache, Basic auth,
 * the dockerd error for missing credentials, redirects that drop the
 * Authorization header, and body limits. Also request bodies sent again
 * after a 401, batches with their parallelism limit and cancellation, and
 * docker login. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/registry.h"

#define BASIC_ALICE  "Basic YWxpY2U6c2VjcmV0" /* alice:secret */
#define GOOD_TOKEN   "good-token"
#define BIG_BODY_LEN (1024 * 1024)

static struct MHD_Daemon *server;
static unsigned port;
static char addr[32];
static atomic_int token_requests;
static char token_scope[256];
static atomic_int redirect_saw_authorization;
static atomic_int running, max_running;

struct upload {
        size_t received;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *body, const char *header,
                             const char *value)
{
        struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
        enum MHD_Result ret;

        if (header)
                MHD_add_response_header(r, header, value);
        ret = MHD_queue_response(conn, status, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result challenge_bearer(struct MHD_Connection *conn)
{
        char value[256];

        snprintf(value, sizeof(value),
                 "Bearer realm=\"http://%s/token\",service=\"mock\",scope=\"repository:tok:pull\"", addr);
        return reply(conn, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}",
                     MHD_HTTP_HEADER_WWW_AUTHENTICATE, value);
}

static enum MHD_Result serve_token(struct MHD_Connection *conn)
{
        const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
        const char *scope = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "scope");

        atomic_fetch_add(&token_requests, 1);
        snprintf(token_scope, sizeof(token_scope), "%s", scope ?: "");
        if (auth && strcmp(auth, BASIC_ALICE) != 0)
                return reply(conn, 401, "{\"details\":\"incorrect username or password\"}", NULL, NULL);
        return reply(conn, 200, auth ? "{\"token\":\"" GOOD_TOKEN "\",\"expires_in\":300}" : "{\"token\":\"anon\"}",
                     NULL, NULL);
}

static enum MHD_Result serve_slow(struct MHD_Connection *conn)
{
        int now = atomic_fetch_add(&running, 1) + 1, seen = atomic_load(&max_running);

        while (now > seen && !atomic_compare_exchange_weak(&max_running, &seen, now))
                ;
        usleep(50 * 1000);
        atomic_fetch_sub(&running, 1);
        return reply(conn, 200, "ok", NULL, NULL);
}

/* PUT /v2/upload/...: Basic auth, then 201 with the body's length. */
static enum MHD_Result serve_upload(struct MHD_Connection *conn, const char *auth, const char *data, size_t *size,
                                    void **state)
{
        struct upload *u = *state;
        char length[32], location[128];

        if (!u) {
                *state = u = calloc(1, sizeof(*u));
                return u ? MHD_YES : MHD_NO;
        }
        if (*size > 0) {
                u->received += *size;
                *size = 0;
                return MHD_YES;
        }
        if (!auth || strcmp(auth, BASIC_ALICE) != 0)
                return reply(conn, 401, "", MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"mock\"");
        snprintf(length, sizeof(length), "%zu", u->received);
        snprintf(location, sizeof(location), "/v2/upload/blobs/uploads/next?len=%zu", u->received);
        {
                struct MHD_Response *r = MHD_create_response_from_buffer(strlen(length), length, MHD_RESPMEM_MUST_COPY);
                enum MHD_Result ret;

                MHD_add_response_header(r, "Location", location);
                MHD_add_response_header(r, "Docker-Content-Digest",
                                        "sha256:"
                                        "0123456789abcdef0123456789abcdef"
                                        "0123456789abcdef0123456789abcdef");
                ret = MHD_queue_response(conn, 201, r);
                MHD_destroy_response(r);
                (void)data;
                return ret;
        }
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **state)
{
        const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
        char location[128];

        (void)cls, (void)version;
        if (strcmp(method, "PUT") == 0 && strncmp(url, "/v2/upload/", 11) == 0)
                return serve_upload(conn, auth, data, size, state);
        if (strcmp(url, "/token") == 0)
                return serve_token(conn);
        if (strcmp(url, "/v2/") == 0) {
                if (!auth || strcmp(auth, BASIC_ALICE) != 0)
                        return reply(conn, 401, "", MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"mock\"");
                return reply(conn, 200, "{}", NULL, NULL);
        }
        if (strncmp(url, "/v2/tok/", 8) == 0) {
                if (!auth || strcmp(auth, "Bearer " GOOD_TOKEN) != 0)
                        return challenge_bearer(conn);
                return reply(conn, 200, "manifest", "Docker-Content-Digest", "sha256:bad");
        }
        if (strncmp(url, "/v2/basic/", 10) == 0 || strncmp(url, "/v2/redirect/", 13) == 0) {
                if (!auth || strcmp(auth, BASIC_ALICE) != 0)
                        return reply(conn, 401, "", MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"mock\"");
                if (url[4] == 'b')
                        return reply(conn, 200, "basic ok", NULL, NULL);
                /* "localhost" is another host than 127.0.0.1 to curl. */
                snprintf(location, sizeof(location), "http://localhost:%u/storage/blob", port);
                return reply(conn, 307, "", "Location", location);
        }
        if (strcmp(url, "/storage/blob") == 0) {
                atomic_store(&redirect_saw_authorization, auth != NULL);
                return reply(conn, 200, "blob bytes", NULL, NULL);
        }
        if (strcmp(url, "/v2/big/blobs/x") == 0) {
                static char big[BIG_BODY_LEN + 1];

                memset(big, 'x', BIG_BODY_LEN);
                return reply(conn, 200, big, NULL, NULL);
        }
        if (strncmp(url, "/v2/slow/", 9) == 0)
                return serve_slow(conn);
        return reply(conn, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"no\"}]}", NULL, NULL);
}

static void request_done(void *cls, struct MHD_Connection *conn, void **state, enum MHD_RequestTerminationCode code)
{
        (void)cls, (void)conn, (void)code;
        free(*state);
        *state = NULL;
}

static int setup(void **state)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        const union MHD_DaemonInfo *info;

        (void)state;
        server = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
                                  handle, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, request_done,
                                  NULL, MHD_OPTION_END);
        if (!server)
                return -1;
        info = MHD_get_daemon_info(server, MHD_DAEMON_INFO_BIND_PORT);
        port = info->port;
        snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        MHD_stop_daemon(server);
        return 0;
}

static struct registry_auth alice(void)
{
        return (struct registry_auth){ .username = "alice", .password = "secret" };
}

static void get(struct registry_client *c, const char *repository, const char *path, long expected_status)
{
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_error_ struct error err = ERROR_INIT;
        struct registry_request req = { .repository = repository, .path = path };

        assert_int_equal(registry_request(c, &req, &resp, &err), 0);
        assert_int_equal(resp.status, expected_status);
}

static void bearer_token_cached(void **state)
{
        struct registry_auth auth = alice();
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        _cleanup_(registry_client_freep) struct registry_client *c = NULL, *other = NULL;
        char url[64];

        (void)state;
        atomic_store(&token_requests, 0);
        assert_int_equal(registry_context_new(NULL, &ctx, NULL), 0);
        assert_int_equal(registry_client_new(ctx, addr, &auth, &c, NULL), 0);
        get(c, "tok", "manifests/a", 200);
        /* Loopback is insecure: HTTPS failed, so the client fell back. */
        snprintf(url, sizeof(url), "http://%s", addr);
        assert_string_equal(registry_client_url(c), url);
        assert_int_equal(atomic_load(&token_requests), 1);
        assert_string_equal(token_scope, "repository:tok:pull");
        get(c, "tok", "blobs/sha256:x", 200);
        assert_int_equal(atomic_load(&token_requests), 1);

        /* A new client of the same context and credentials meets the
         * challenge again, and the cached token satisfies it. */
        assert_int_equal(registry_client_new(ctx, addr, &auth, &other, NULL), 0);
        get(other, "tok", "manifests/b", 200);
        assert_int_equal(atomic_load(&token_requests), 1);
}

static void bearer_token_rejected(void **state)
{
        struct registry_auth wrong = { .username = "alice", .password = "nope" };
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        _cleanup_(registry_client_freep) struct registry_client *c = NULL;
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_error_ struct error err = ERROR_INIT;
        struct registry_request req = { .repository = "tok", .path = "manifests/a", .method = "HEAD" };
        char expected[256];

        (void)state;
        assert_int_equal(registry_context_new(NULL, &ctx, NULL), 0);
        assert_int_equal(registry_client_new(ctx, addr, &wrong, &c, NULL), 0);
        assert_int_equal(registry_request(c, &req, &resp, &err), -EACCES);
        snprintf(expected, sizeof(expected),
                 "Head \"http://%s/v2/tok/manifests/a\": unauthorized: incorrect username or password", addr);
        assert_string_equal(err.message, expected);
}

static void basic_auth(void **state)
{
        struct registry_auth auth = alice();
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        _cleanup_(registry_client_freep) struct registry_client *c = NULL, *anonymous = NULL;
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_error_ struct error err = ERROR_INIT;
        struct registry_request req = { .repository = "basic", .path = "manifests/a" };
        char expected[256];

        (void)state;
        assert_int_equal(registry_context_new(NULL, &ctx, NULL), 0);
        assert_int_equal(registry_client_new(ctx, addr, &auth, &c, NULL), 0);
        get(c, "basic", "manifests/a", 200);

        assert_int_equal(registry_client_new(ctx, addr, NULL, &anonymous, NULL), 0);
        assert_int_equal(registry_request(anonymous, &req, &resp, &err), -EACCES);
        snprintf(expected, sizeof(expected), "Get \"http://%s/v2/basic/manifests/a\": no basic auth credentials", addr);
        assert_string_equal(err.message, expected);
}

static void redirect_drops_authorization(void **state)
{
        struct registry_auth auth = alice();
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        _cleanup_(registry_client_freep) struct registry_client *c = NULL;
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        struct registry_request req = { .repository = "redirect", .path = "blobs/sha256:x" };
        char expected[128];

        (void)state;
        atomic_store(&redirect_saw_authorization, -1);
        assert_int_equal(registry_context_new(NULL, &ctx, NULL), 0);
        assert_int_equal(registry_client_new(ctx, addr, &auth, &c, NULL), 0);
        assert_int_equal(registry_request(c, &req, &resp, NULL), 0);
        assert_int_equal(resp.status, 200);
        assert_string_equal(resp.body, "blob bytes");
        assert_int_equal(atomic_load(&redirect_saw_authorization), 0);
        snprintf(expected, sizeof(expected), "http://localhost:%u/storage/blob", port);
        assert_string_equal(resp.url, expected);
}

static void body_limit(void **state)
{
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        _cleanup_(registry_client_freep) struct registry_client *c = NULL;
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        struct registry_request req = { .repository = "big", .path = "blobs/x", .max_body = 1000 };

        (void)state;
        assert_int_equal(registry_context_new(NULL, &ctx, NULL), 0);
        assert_int_equal(registry_client_new(ctx, addr, NULL, &c, NULL), 0);
        assert_int_equal(registry_request(c, &req, &resp, NULL), -EFBIG);
        req.max_body = BIG_BODY_LEN;
        assert_int_equal(registry_request(c, &req, &resp, NULL), 0);
        assert_int_equal(resp.body_len, BIG_BODY_LEN);
}

struct stream_body {
        size_t total, sent;
        int rewinds;
};

static ssize_t read_stream(void *buf, size_t size, void *userdata)
{
        struct stream_body *b = userdata;
        size_t n = b->total - b->sent < size ? b->total - b->sent : size;

        memset(buf, 'a', n);
        b->sent += n;
        return (ssize_t)n;
}

static int rewind_stream(void *userdata)
{
        struct stream_body *b = userdata;

        b->sent = 0;
        b->rewinds++;
        return 0;
}

static void streamed_body_sent_again(void **state)
{
        struct registry_auth auth = alice();
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        _cleanup_(registry_client_freep) struct registry_client *c = NULL;
        _cleanup_registry_response_ struct registry_response resp = { 0 }, chunked = { 0 }, unrewindable = { 0 };
        _cleanup_free_ char *location = NULL;
        struct stream_body body = { .total = 300000 };
        struct registry_request req = {
                .method = "PUT",
                .repository = "upload",
                .path = "blobs/uploads/1?digest=sha256:x",
                .actions = REGISTRY_PULL_PUSH,
                .read_body = read_stream,
                .rewind_body = rewind_stream,
                .body_size = 300000,
                .body_userdata = &body,
        };
        char digest[80], expected[128];

        (void)state;
        assert_int_equal(registry_context_new(NULL, &ctx, NULL), 0);
        assert_int_equal(registry_client_new(ctx, addr, &auth, &c, NULL), 0);
        /* Settles the scheme first, which would cost a rewind too. */
        get(c, "slow", "warmup", 200);
        assert_int_equal(registry_request(c, &req, &resp, NULL), 0);
        assert_int_equal(resp.status, 201);
        assert_int_equal(body.rewinds, 1);
        assert_string_equal(resp.body, "300000");
        assert_int_equal(registry_response_digest(&resp, digest), 0);
        assert_int_equal(registry_response_location(&resp, &location), 0);
        snprintf(expected, sizeof(expected), "http://%s/v2/upload/blobs/uploads/next?len=300000", addr);
        assert_string_equal(location, expected);

        /* The challenge is known now: a chunked body goes out once. */
        body = (struct stream_body){ .total = 70000 };
        req.body_size = -1;
        assert_int_equal(registry_request(c, &req, &chunked, NULL), 0);
        assert_int_equal(chunked.status, 201);
        assert_string_equal(chunked.body, "70000");
        assert_int_equal(body.rewinds, 0);

        /* Without a rewind, a new client's 401 is the response. */
        registry_client_free(TAKE_PTR(c));
        assert_int_equal(registry_client_new(ctx, addr, &auth, &c, NULL), 0);
        get(c, "slow", "warmup", 200);
        body = (struct stream_body){ .total = 10 };
        req.rewind_body = NULL;
        req.body_size = 10;
        assert_int_equal(registry_request(c, &req, &unrewindable, NULL), 0);
        assert_int_equal(unrewindable.status, 401);
}

struct batch_result {
        struct registry_batch *batch;
        int done, ok, cancelled;
        bool cancel_on_first;
};

static void on_done(int r, const struct registry_response *resp, const struct error *err, void *userdata)
{
        struct batch_result *result = userdata;

        (void)err;
        result->done++;
        if (r >= 0 && resp->status == 200)
                result->ok++;
        if (r == -ECANCELED)
                result->cancelled++;
        if (result->cancel_on_first && result->done == 1)
                registry_batch_cancel(result->batch);
}

static void batch_limits_parallelism(void **state)
{
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        _cleanup_(registry_client_freep) struct registry_client *c = NULL;
        _cleanup_(registry_batch_freep) struct registry_batch *b = NULL;
        struct registry_request req = { .repository = "slow", .path = "x" };
        struct batch_result result = { 0 };

        (void)state;
        atomic_store(&max_running, 0);
        assert_int_equal(registry_context_new(NULL, &ctx, NULL), 0);
        assert_int_equal(registry_client_new(ctx, addr, NULL, &c, NULL), 0);
        get(c, "slow", "warmup", 200); /* settles the scheme first */
        atomic_store(&max_running, 0);
        assert_int_equal(registry_batch_new(c, 2, &b), 0);
        for (int i = 0; i < 6; i++)
                assert_int_equal(registry_batch_add(b, &req, on_done, &result), 0);
        assert_int_equal(registry_batch_run(b), 0);
        assert_int_equal(result.done, 6);
        assert_int_equal(result.ok, 6);
        assert_in_range(atomic_load(&max_running), 1, 2);
}

static void batch_cancel(void **state)
{
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        _cleanup_(registry_client_freep) struct registry_client *c = NULL;
        _cleanup_(registry_batch_freep) struct registry_batch *b = NULL;
        struct registry_request req = { .repository = "slow", .path = "x" };
        struct batch_result result = { .cancel_on_first = true };

        (void)state;
        assert_int_equal(registry_context_new(NULL, &ctx, NULL), 0);
        assert_int_equal(registry_client_new(ctx, addr, NULL, &c, NULL), 0);
        get(c, "slow", "warmup", 200);
        assert_int_equal(registry_batch_new(c, 1, &b), 0);
        result.batch = b;
        for (int i = 0; i < 4; i++)
                assert_int_equal(registry_batch_add(b, &req, on_done, &result), 0);
        assert_int_equal(registry_batch_run(b), 0);
        assert_int_equal(result.done, 4);
        assert_int_equal(result.ok, 1);
        assert_int_equal(result.cancelled, 3);
}

static void login_flows(void **state)
{
        struct registry_auth auth = alice(), wrong = { .username = "alice", .password = "nope" };
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        _cleanup_(registry_client_freep) struct registry_client *c = NULL, *bad = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *token = NULL, *none = NULL;
        char expected[128];

        (void)state;
        assert_int_equal(registry_context_new(NULL, &ctx, NULL), 0);
        assert_int_equal(registry_client_new(ctx, addr, &auth, &c, NULL), 0);
        assert_int_equal(registry_client_login(c, &token, NULL), 0);
        assert_null(token);

        assert_int_equal(registry_client_new(ctx, addr, &wrong, &bad, NULL), 0);
        assert_int_equal(registry_client_login(bad, &none, &err), -EACCES);
        snprintf(expected, sizeof(expected), "login attempt to http://%s/v2/ failed with status: 401 Unauthorized",
                 addr);
        assert_string_equal(err.message, expected);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(bearer_token_cached),
                cmocka_unit_test(bearer_token_rejected),
                cmocka_unit_test(basic_auth),
                cmocka_unit_test(redirect_drops_authorization),
                cmocka_unit_test(body_limit),
                cmocka_unit_test(streamed_body_sent_again),
                cmocka_unit_test(batch_limits_parallelism),
                cmocka_unit_test(batch_cancel),
                cmocka_unit_test(login_flows),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
