/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Feeds a request target through the HTTP layer's parsers as a request
 * would go: decoding and cleaning the path, the version prefix, the route
 * table and the query. The first byte picks the method. Beyond not
 * crashing, it checks that a redirect leads to a clean path, that the
 * parameters of a match rebuild the path, and that pairs come in twos.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http-parse.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void handler(struct http_request *req)
{
}

static const struct http_route routes[] = {
        { "GET", "/_ping", handler, HTTP_BODY_JSON },
        { "HEAD", "/_ping", handler, HTTP_BODY_JSON },
        { "GET", "/containers/json", handler, HTTP_BODY_JSON },
        { "GET", "/containers/{id}/json", handler, HTTP_BODY_JSON },
        { "POST", "/containers/{id}/attach", handler, HTTP_BODY_JSON },
        { "GET", "/containers/{id}/archive", handler, HTTP_BODY_JSON },
        { "GET", "/images/json", handler, HTTP_BODY_JSON },
        { "GET", "/images/{name*}/json", handler, HTTP_BODY_JSON },
        { "GET", "/images/{name*}/history", handler, HTTP_BODY_JSON },
        { "POST", "/images/{name*}/tag", handler, HTTP_BODY_JSON },
        { "DELETE", "/images/{name*}", handler, HTTP_BODY_JSON },
        { "POST", "/exec/{id}/start", handler, HTTP_BODY_JSON },
        { "GET", "/networks/{id}", handler, HTTP_BODY_JSON },
        { "POST", "/a/{b}/{c}/{d}/{e}", handler, HTTP_BODY_JSON },
};

static bool is_clean(const char *path)
{
        struct http_uri again = { 0 };
        bool clean;

        if (http_uri_parse(path, &again, NULL) < 0)
                return false;
        clean = again.redirect == NULL;
        http_uri_done(&again);
        return clean;
}

/* Rebuilds the path from the pattern and the matched values. */
static void check_match(const char *pattern, const char *path, const struct http_match *m)
{
        char *rebuilt = malloc(strlen(path) + strlen(pattern) + 1);
        size_t n = 0, param = 0;

        if (!rebuilt)
                return;
        for (const char *p = pattern; *p;) {
                if (*p != '{') {
                        rebuilt[n++] = *p++;
                        continue;
                }
                if (param >= m->n_params || m->params[param].offset + m->params[param].len > strlen(path))
                        abort();
                memcpy(rebuilt + n, path + m->params[param].offset, m->params[param].len);
                n += m->params[param].len;
                param++;
                p = strchr(p, '}') + 1;
        }
        rebuilt[n] = '\0';
        if (param != m->n_params || strcmp(rebuilt, path) != 0)
                abort();
        free(rebuilt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const methods[] = { "GET", "POST", "DELETE", "HEAD" };
        struct http_uri uri = { 0 };
        struct http_match match;
        const struct http_route *route;
        char **query = NULL;
        unsigned version;
        char *target;

        if (size == 0)
                return 0;
        target = malloc(size);
        if (!target)
                return 0;
        memcpy(target, data + 1, size - 1);
        target[size - 1] = '\0';

        if (http_uri_parse(target, &uri, NULL) < 0)
                goto out;
        if (uri.redirect) {
                if (uri.redirect[0] != '/' || !is_clean(uri.redirect))
                        abort();
                for (const char *p = uri.redirect; *p; p++)
                        if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
                                abort();
                goto out;
        }

        route = http_routes_find(routes, sizeof(routes) / sizeof(routes[0]), methods[data[0] % 4], uri.path, &match);
        if (route)
                check_match(route->pattern, uri.path, &match);
        if (http_version_check(uri.version, &version, NULL) == 0 &&
            (version < HTTP_API_VERSION_MIN || version > HTTP_API_VERSION_MAX))
                abort();

        if (http_query_parse(uri.raw_query, &query, NULL) == 0 && strv_length(query) % 2 != 0)
                abort();
        strv_free(query);
out:
        http_uri_done(&uri);
        free(target);
        return 0;
}
