/* SPDX-License-Identifier: Apache-2.0 */
/* The parsers of what clients and registries send the registry client:
 * X-Registry-Auth, WWW-Authenticate, token responses, error bodies and
 * response headers, and the insecure-registries and mirror settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "image/digest.h"
#include "image/registry-internal.h"
#include "strv.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ---- X-Registry-Auth ---- */

static char *encode_url(const char *json, bool padding)
{
        char *text = base64_encode(json, strlen(json));

        assert_non_null(text);
        for (char *p = text; *p; p++) {
                if (*p == '+')
                        *p = '-';
                else if (*p == '/')
                        *p = '_';
        }
        if (!padding)
                text[strcspn(text, "=")] = '\0';
        return text;
}

static void auth_header_fields(void **state)
{
        _cleanup_free_ char *header = encode_url("{\"username\":\"alice\",\"password\":\"p?a>s\",\"serveraddress\":"
                                                 "\"127.0.0.1:5000\",\"identitytoken\":\"\",\"email\":\"a@b\"}",
                                                 true);
        struct registry_auth a;

        (void)state;
        assert_int_equal(registry_auth_parse(header, &a, NULL), 0);
        assert_string_equal(a.username, "alice");
        assert_string_equal(a.password, "p?a>s");
        assert_string_equal(a.server_address, "127.0.0.1:5000");
        assert_string_equal(a.identity_token, "");
        assert_null(a.registry_token);
        registry_auth_done(&a);
}

static void auth_header_alphabets(void **state)
{
        /* "?>" encodes to "Pz4" with '/' or '_' depending on the alphabet. */
        const char *json = "{\"username\":\"a?>\",\"password\":\"?>?\"}";
        _cleanup_free_ char *url = encode_url(json, false), *standard = base64_encode(json, strlen(json));
        struct registry_auth a;

        (void)state;
        assert_int_equal(registry_auth_parse(url, &a, NULL), 0);
        assert_string_equal(a.username, "a?>");
        registry_auth_done(&a);
        assert_int_equal(registry_auth_parse(standard, &a, NULL), 0);
        assert_string_equal(a.password, "?>?");
        registry_auth_done(&a);
}

static void auth_header_keys_as_go(void **state)
{
        _cleanup_free_ char *header = encode_url(
                "{\"Username\":\"first\",\"USERNAME\":\"last\",\"Password\":null,\"RegistryToken\":\"t\"}", true);
        struct registry_auth a;

        (void)state;
        assert_int_equal(registry_auth_parse(header, &a, NULL), 0);
        assert_string_equal(a.username, "last");
        assert_null(a.password);
        assert_string_equal(a.registry_token, "t");
        registry_auth_done(&a);
}

static void auth_header_empty(void **state)
{
        struct registry_auth a;

        (void)state;
        assert_int_equal(registry_auth_parse(NULL, &a, NULL), 0);
        assert_null(a.username);
        assert_int_equal(registry_auth_parse("", &a, NULL), 0);
        assert_null(a.password);
        /* What the CLI sends without a login: "{}". */
        assert_int_equal(registry_auth_parse("e30=", &a, NULL), 0);
        assert_null(a.username);
}

static void auth_header_invalid(void **state)
{
        static const char *const jsons[] = { "[]", "\"x\"", "{\"username\":1}", "{\"password\":{}}", "{", "" };
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *huge = malloc(70000);
        struct registry_auth a = { 0 };

        (void)state;
        assert_int_equal(registry_auth_parse("not base64!", &a, &err), -EINVAL);
        assert_string_equal(err.message, "invalid X-Registry-Auth header: not base64");
        for (size_t i = 0; i < ARRAY_SIZE(jsons); i++) {
                _cleanup_free_ char *header = encode_url(jsons[i], true);

                if (!*header)
                        continue;
                assert_int_equal(registry_auth_parse(header, &a, NULL), -EINVAL);
        }
        assert_non_null(huge);
        memset(huge, 'A', 69999);
        huge[69999] = '\0';
        assert_int_equal(registry_auth_parse(huge, &a, NULL), -EINVAL);
}

static void auth_json_body(void **state)
{
        const char *body =
                "{\"username\":\"bob\",\"password\":\"pw\",\"serveraddress\":\"https://index.docker.io/v1/\"}";
        struct registry_auth a;

        (void)state;
        assert_int_equal(registry_auth_parse_json(body, strlen(body), &a, NULL), 0);
        assert_string_equal(a.username, "bob");
        assert_string_equal(a.server_address, "https://index.docker.io/v1/");
        registry_auth_done(&a);
        assert_int_equal(registry_auth_parse_json("{} x", 4, &a, NULL), -EINVAL);
}

/* ---- WWW-Authenticate ---- */

static void challenge_bearer(void **state)
{
        struct registry_challenge c;

        (void)state;
        assert_int_equal(registry_challenge_parse("Bearer realm=\"http://127.0.0.1:5001/token\",service=\"registry\","
                                                  "scope=\"repository:a/b:pull,push\"",
                                                  &c),
                         0);
        assert_string_equal(c.scheme, "bearer");
        assert_string_equal(c.realm, "http://127.0.0.1:5001/token");
        assert_string_equal(c.service, "registry");
        assert_string_equal(c.scope, "repository:a/b:pull,push");
        assert_null(c.error);
        registry_challenge_done(&c);
}

static void challenge_forms(void **state)
{
        struct registry_challenge c;

        (void)state;
        /* Case-insensitive names, token values, blanks around '=' and ','. */
        assert_int_equal(registry_challenge_parse("  BEARER Realm = a.b , Error=\"insufficient_scope\"", &c), 0);
        assert_string_equal(c.scheme, "bearer");
        assert_string_equal(c.realm, "a.b");
        assert_string_equal(c.error, "insufficient_scope");
        registry_challenge_done(&c);

        assert_int_equal(registry_challenge_parse("Basic realm=\"say \\\"hi\\\"\"", &c), 0);
        assert_string_equal(c.scheme, "basic");
        assert_string_equal(c.realm, "say \"hi\"");
        registry_challenge_done(&c);

        /* Only the first challenge counts. */
        assert_int_equal(registry_challenge_parse("Basic realm=\"one\", Bearer realm=\"two\"", &c), 0);
        assert_string_equal(c.scheme, "basic");
        assert_string_equal(c.realm, "one");
        registry_challenge_done(&c);

        assert_int_equal(registry_challenge_parse("Bearer", &c), 0);
        assert_null(c.realm);
        registry_challenge_done(&c);

        assert_int_equal(registry_challenge_parse("Bearer error_description=\"token expired\",error=invalid_token", &c),
                         0);
        assert_string_equal(c.error_description, "token expired");
        registry_challenge_done(&c);
}

static void challenge_invalid(void **state)
{
        static const char *const inputs[] = {
                "", "   ", "=x", "Bearer realm", "Bearer realm=", "Bearer realm=\"open", "Bearer realm=\"a\\",
        };
        struct registry_challenge c;

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(inputs); i++)
                assert_int_equal(registry_challenge_parse(inputs[i], &c), -EINVAL);
        assert_int_equal(registry_challenge_parse(NULL, &c), -EINVAL);
}

/* ---- Token responses ---- */

static void token_fields(void **state)
{
        const char *body = "{\"token\":\"abc.def\",\"expires_in\":300,\"refresh_token\":\"r1\",\"issued_at\":\"x\"}";
        struct registry_token t;

        (void)state;
        assert_int_equal(registry_token_parse(body, strlen(body), &t, NULL), 0);
        assert_string_equal(t.token, "abc.def");
        assert_string_equal(t.refresh_token, "r1");
        assert_int_equal(t.expires_in, 300);
        registry_token_done(&t);

        body = "{\"access_token\":\"oauth\"}";
        assert_int_equal(registry_token_parse(body, strlen(body), &t, NULL), 0);
        assert_string_equal(t.token, "oauth");
        assert_null(t.refresh_token);
        assert_int_equal(t.expires_in, 60);
        registry_token_done(&t);

        /* The spec's minimum lifetime applies to shorter ones. */
        body = "{\"token\":\"a\",\"access_token\":\"b\",\"expires_in\":5}";
        assert_int_equal(registry_token_parse(body, strlen(body), &t, NULL), 0);
        assert_string_equal(t.token, "a");
        assert_int_equal(t.expires_in, 60);
        registry_token_done(&t);
}

static void token_invalid(void **state)
{
        static const char *const bodies[] = {
                "",
                "[]",
                "{}",
                "{\"token\":\"\"}",
                "{\"token\":1}",
                "{\"token\":\"a b\"}",
                "{\"token\":\"a\\r\\nX: y\"}",
                "{\"token\":\"caf\\u00e9\"}",
        };
        _cleanup_error_ struct error err = ERROR_INIT;
        struct registry_token t;

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(bodies); i++)
                assert_int_equal(registry_token_parse(bodies[i], strlen(bodies[i]), &t, NULL), -EBADMSG);
        assert_int_equal(registry_token_parse("{}", 2, &t, &err), -EBADMSG);
        assert_string_equal(err.message, "authorization server did not include a token in the response");
}

/* ---- Responses ---- */

static struct registry_response response(long status, const char *body, char **headers)
{
        struct registry_response r = { .status = status, .url = strdup("http://127.0.0.1:5000/v2/a/blobs/uploads/") };

        assert_non_null(r.url);
        if (body) {
                r.body = strdup(body);
                r.body_len = strlen(body);
        }
        for (size_t i = 0; headers && headers[i]; i++)
                assert_int_equal(strv_append(&r.headers, headers[i]), 0);
        return r;
}

static void response_headers(void **state)
{
        char *headers[] = { "Content-Type: application/json", "docker-content-digest:  sha256:" HEX64 "  ",
                            "Location: /v2/a/blobs/uploads/u1?_state=x", NULL };
        _cleanup_registry_response_ struct registry_response r = response(202, NULL, headers);
        char digest[DIGEST_STRING_MAX];
        _cleanup_free_ char *location = NULL;

        (void)state;
        assert_string_equal(registry_response_header(&r, "content-type"), "application/json");
        assert_null(registry_response_header(&r, "Content"));
        assert_int_equal(registry_response_digest(&r, digest), -EBADMSG); /* trailing blanks */
        assert_int_equal(registry_response_location(&r, &location), 0);
        assert_string_equal(location, "http://127.0.0.1:5000/v2/a/blobs/uploads/u1?_state=x");
}

static void response_digest_and_location(void **state)
{
        char *good[] = { "Docker-Content-Digest: sha256:" HEX64, "Location: https://other/upload", NULL };
        char *bad[] = { "Docker-Content-Digest: sha512:" HEX64, "Location: //host/x", NULL };
        _cleanup_registry_response_ struct registry_response r1 = response(201, NULL, good),
                                                             r2 = response(201, NULL, bad),
                                                             r3 = response(201, NULL, NULL);
        _cleanup_free_ char *location = NULL;
        char digest[DIGEST_STRING_MAX];

        (void)state;
        assert_int_equal(registry_response_digest(&r1, digest), 0);
        assert_string_equal(digest, "sha256:" HEX64);
        assert_int_equal(registry_response_location(&r1, &location), 0);
        assert_string_equal(location, "https://other/upload");
        assert_int_equal(registry_response_digest(&r2, digest), -EBADMSG);
        assert_int_equal(registry_response_location(&r2, &location), -EBADMSG);
        assert_int_equal(registry_response_digest(&r3, digest), -ENOENT);
        assert_int_equal(registry_response_location(&r3, &location), -ENOENT);
}

struct error_case {
        long status;
        const char *body;
        const char *challenge;
        int code;
        const char *message;
        const char *first_code; /* NULL when none */
};

static const struct error_case error_cases[] = {
        { 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{}}]}", NULL,
          -ENOENT, "manifest unknown: manifest unknown", "MANIFEST_UNKNOWN" },
        { 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\"}]}", NULL, -ENOENT,
          "name unknown: repository name not known to registry", "NAME_UNKNOWN" },
        { 400, "{\"errors\":[{\"code\":\"WHAT\",\"message\":\"m\"},{\"code\":\"DIGEST_INVALID\",\"message\":\"\"}]}",
          NULL, -EINVAL, "errors:\nunknown: m\ndigest invalid: provided digest did not match uploaded content\n",
          "UNKNOWN" },
        { 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}", NULL, -EACCES,
          "unauthorized: authentication required", "UNAUTHORIZED" },
        { 401, "{\"details\":\"incorrect username or password\"}", NULL, -EACCES,
          "unauthorized: incorrect username or password", NULL },
        { 429, "{\"details\":\"slow down\"}", NULL, -EAGAIN, "toomanyrequests: slow down", NULL },
        { 401, "not json", NULL, -EACCES, "unauthorized: authentication required", NULL },
        { 404, "404 page not found\n", NULL, -ENOENT,
          "error parsing HTTP 404 response body: no error details found in HTTP response body: \"404 page not "
          "found\n\"",
          NULL },
        { 404, "", NULL, -ENOENT, "error parsing HTTP 404 response body: unexpected end of JSON input: \"\"", NULL },
        { 500, "{\"errors\":[]}", NULL, -EIO, "received unexpected HTTP status: 500 Internal Server Error", NULL },
        { 503, NULL, NULL, -EAGAIN, "received unexpected HTTP status: 503 Service Unavailable", NULL },
        { 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"no\"}]}",
          "Bearer realm=\"r\",error=\"insufficient_scope\"", -EACCES,
          "errors:\ndenied: requested access to the resource is denied\nunauthorized: no\n", "DENIED" },
        { 401, "", "Bearer realm=\"r\",error=\"invalid_token\",error_description=\"expired\"", -EACCES,
          "unauthorized: expired", "UNAUTHORIZED" },
};

static void response_errors(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++) {
                const struct error_case *c = &error_cases[i];
                _cleanup_free_ char *header = NULL, *code = NULL, *message = NULL;
                char *headers[] = { NULL, NULL };
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_registry_response_ struct registry_response r = { 0 };

                if (c->challenge) {
                        assert_true(asprintf(&header, "WWW-Authenticate: %s", c->challenge) > 0);
                        headers[0] = header;
                }
                r = response(c->status, c->body, headers);
                print_message("case %zu: %ld %s\n", i, c->status, c->body ?: "(no body)");
                assert_int_equal(registry_response_error(&r, &err), c->code);
                assert_string_equal(err.message, c->message);
                if (c->first_code) {
                        assert_int_equal(registry_response_first_error(&r, &code, &message), 0);
                        assert_string_equal(code, c->first_code);
                } else
                        assert_int_equal(registry_response_first_error(&r, &code, &message), -ENOENT);
        }
}

/* ---- Settings ---- */

static void cidr_ranges(void **state)
{
        struct cidr c;

        (void)state;
        assert_int_equal(cidr_parse("10.1.0.0/16", &c), 0);
        assert_true(cidr_contains(&c, "10.1.255.3"));
        assert_false(cidr_contains(&c, "10.2.0.1"));
        assert_false(cidr_contains(&c, "::1"));
        assert_int_equal(cidr_parse("192.168.1.128/25", &c), 0);
        assert_true(cidr_contains(&c, "192.168.1.200"));
        assert_false(cidr_contains(&c, "192.168.1.100"));
        assert_int_equal(cidr_parse("fd00::/8", &c), 0);
        assert_true(cidr_contains(&c, "fd12::1"));
        assert_int_equal(cidr_parse("0.0.0.0/0", &c), 0);
        assert_true(cidr_contains(&c, "8.8.8.8"));

        assert_int_equal(cidr_parse("10.0.0.0/33", &c), -EINVAL);
        assert_int_equal(cidr_parse("10.0.0.0", &c), -EINVAL);
        assert_int_equal(cidr_parse("/8", &c), -EINVAL);
        assert_int_equal(cidr_parse("10.0.0.0/", &c), -EINVAL);
        assert_int_equal(cidr_parse("10.0.0.0/8x", &c), -EINVAL);
        assert_int_equal(cidr_parse("host/8", &c), -EINVAL);
}

static void insecure_registries(void **state)
{
        char *insecure[] = { "registry.local:5000", "10.0.0.0/8", "plain.example", NULL };
        struct registry_options opts = { .insecure_registries = insecure };
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;

        (void)state;
        assert_int_equal(registry_context_new(&opts, &ctx, NULL), 0);
        assert_true(registry_context_is_insecure(ctx, "registry.local:5000"));
        assert_false(registry_context_is_insecure(ctx, "registry.local:5001"));
        assert_true(registry_context_is_insecure(ctx, "plain.example:443"));
        assert_true(registry_context_is_insecure(ctx, "10.20.30.40:5000"));
        assert_false(registry_context_is_insecure(ctx, "11.0.0.1:5000"));
        /* Loopback always is, by address or by the name localhost only. */
        assert_true(registry_context_is_insecure(ctx, "127.0.0.1:5000"));
        assert_true(registry_context_is_insecure(ctx, "127.9.9.9"));
        assert_true(registry_context_is_insecure(ctx, "localhost:5000"));
        assert_true(registry_context_is_insecure(ctx, "[::1]:5000"));
        assert_true(registry_context_is_insecure(ctx, "::1"));
        assert_false(registry_context_is_insecure(ctx, "docker.io"));
        assert_false(registry_context_is_insecure(ctx, "registry-1.docker.io"));
}

static void registry_settings_invalid(void **state)
{
        char *scheme[] = { "http://10.0.0.1:5000", NULL };
        char *blank[] = { "", NULL };
        char *mirror_path[] = { "http://127.0.0.1:5000/path", NULL };
        char *mirror_scheme[] = { "ftp://127.0.0.1", NULL };
        char *mirror_bare[] = { "127.0.0.1:5000", NULL };
        struct registry_context *ctx = NULL;
        struct {
                struct registry_options opts;
                const char *message;
        } cases[] = {
                { { .insecure_registries = scheme },
                  "insecure registry http://10.0.0.1:5000 should not contain '://'" },
                { { .insecure_registries = blank }, "invalid insecure registry \"\"" },
                { { .mirrors = mirror_path },
                  "invalid mirror: path, query, or fragment at end of the URI \"http://127.0.0.1:5000/path\"" },
                { { .mirrors = mirror_scheme }, "invalid mirror: unsupported scheme \"ftp\" in \"ftp://127.0.0.1\"" },
                { { .mirrors = mirror_bare }, "invalid mirror: unsupported scheme \"\" in \"127.0.0.1:5000\"" },
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;

                assert_int_equal(registry_context_new(&cases[i].opts, &ctx, &err), -EINVAL);
                assert_string_equal(err.message, cases[i].message);
        }
}

static void mirrors_for_docker_hub(void **state)
{
        char *mirrors[] = { "http://127.0.0.1:5000/", "https://mirror.example", NULL };
        struct registry_options opts = { .mirrors = mirrors };
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        char *const *list;

        (void)state;
        assert_int_equal(registry_context_new(&opts, &ctx, NULL), 0);
        list = registry_context_mirrors(ctx, "docker.io");
        assert_int_equal(strv_length(list), 2);
        assert_string_equal(list[0], "http://127.0.0.1:5000");
        assert_string_equal(list[1], "https://mirror.example");
        assert_int_equal(strv_length(registry_context_mirrors(ctx, "127.0.0.1:5000")), 0);
}

static void client_urls(void **state)
{
        _cleanup_(registry_context_freep) struct registry_context *ctx = NULL;
        _cleanup_(registry_client_freep) struct registry_client *hub = NULL, *local = NULL, *mirror = NULL;

        (void)state;
        assert_int_equal(registry_context_new(NULL, &ctx, NULL), 0);
        assert_int_equal(registry_client_new(ctx, "docker.io", NULL, &hub, NULL), 0);
        assert_string_equal(registry_client_url(hub), "https://registry-1.docker.io");
        assert_string_equal(registry_client_domain(hub), "docker.io");
        assert_int_equal(registry_client_new(ctx, "127.0.0.1:5000", NULL, &local, NULL), 0);
        assert_string_equal(registry_client_url(local), "https://127.0.0.1:5000");
        assert_int_equal(registry_client_new_mirror(ctx, "http://127.0.0.1:5001", NULL, &mirror, NULL), 0);
        assert_string_equal(registry_client_url(mirror), "http://127.0.0.1:5001");
        assert_string_equal(registry_client_domain(mirror), "docker.io");

        assert_int_equal(registry_client_new(ctx, "a/b", NULL, &hub, NULL), -EINVAL);
        assert_int_equal(registry_client_new(ctx, "", NULL, &hub, NULL), -EINVAL);
        assert_int_equal(registry_client_new_mirror(ctx, "127.0.0.1:5001", NULL, &mirror, NULL), -EINVAL);
        assert_int_equal(registry_client_new_mirror(ctx, "http://h/p", NULL, &mirror, NULL), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(auth_header_fields),
                cmocka_unit_test(auth_header_alphabets),
                cmocka_unit_test(auth_header_keys_as_go),
                cmocka_unit_test(auth_header_empty),
                cmocka_unit_test(auth_header_invalid),
                cmocka_unit_test(auth_json_body),
                cmocka_unit_test(challenge_bearer),
                cmocka_unit_test(challenge_forms),
                cmocka_unit_test(challenge_invalid),
                cmocka_unit_test(token_fields),
                cmocka_unit_test(token_invalid),
                cmocka_unit_test(response_headers),
                cmocka_unit_test(response_digest_and_location),
                cmocka_unit_test(response_errors),
                cmocka_unit_test(cidr_ranges),
                cmocka_unit_test(insecure_registries),
                cmocka_unit_test(registry_settings_invalid),
                cmocka_unit_test(mirrors_for_docker_hub),
                cmocka_unit_test(client_urls),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
