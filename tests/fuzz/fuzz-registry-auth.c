/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes what the registry client reads about credentials: an
 * X-Registry-Auth header and a POST /auth body, a WWW-Authenticate
 * challenge, a token response, and an error response. For the error
 * response the first byte picks the status, the first line is the
 * challenge header and the rest is the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/digest.h"
#include "image/registry-internal.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = { 400, 401, 403, 404, 405, 429, 500, 503 };

static void fuzz_credentials(const char *text, size_t len)
{
        struct registry_auth a;
        struct error err = ERROR_INIT;

        if (registry_auth_parse(text, &a, &err) >= 0)
                registry_auth_done(&a);
        error_clear(&err);
        if (registry_auth_parse_json(text, len, &a, &err) >= 0)
                registry_auth_done(&a);
        error_clear(&err);
}

static void fuzz_challenge_and_token(const char *text, size_t len)
{
        struct registry_challenge c;
        struct registry_token t;
        struct error err = ERROR_INIT;

        if (registry_challenge_parse(text, &c) >= 0)
                registry_challenge_done(&c);
        if (registry_token_parse(text, len, &t, &err) >= 0)
                registry_token_done(&t);
        error_clear(&err);
}

static void fuzz_error_response(uint8_t selector, const char *text, size_t len)
{
        struct registry_response r = { .status = statuses[selector % ARRAY_SIZE(statuses)] };
        const char *newline = memchr(text, '\n', len);
        char *header = NULL, *code = NULL, *message = NULL;
        struct error err = ERROR_INIT;
        char digest[DIGEST_STRING_MAX], *location = NULL;

        if (newline && asprintf(&header, "WWW-Authenticate: %.*s", (int)(newline - text), text) >= 0)
                (void)strv_consume(&r.headers, header);
        r.body = newline ? strndup(newline + 1, len - (size_t)(newline + 1 - text)) : strndup(text, len);
        r.body_len = r.body ? strlen(r.body) : 0;
        r.url = strdup("http://127.0.0.1:5000/v2/a/blobs/uploads/");

        (void)registry_response_error(&r, &err);
        if (registry_response_first_error(&r, &code, &message) >= 0) {
                free(code);
                free(message);
        }
        (void)registry_response_digest(&r, digest);
        if (registry_response_location(&r, &location) >= 0)
                free(location);
        error_clear(&err);
        registry_response_done(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text;

        if (size == 0)
                return 0;
        text = malloc(size);
        if (!text)
                return 0;
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';

        fuzz_credentials(text, size - 1);
        fuzz_challenge_and_token(text, size - 1);
        fuzz_error_response(data[0], text, size - 1);
        free(text);
        return 0;
}
