/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "http-parse.h"
#include "strv.h"

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Decodes the %XX escapes of s[0, len). In a query "+" is a space too. The
 * message of a malformed escape quotes up to three bytes from the "%", as
 * Go's url.EscapeError does. An escaped NUL would cut the C string that
 * handlers see, so it is rejected. */
static int unescape(const char *s, size_t len, bool query, char **ret, struct error *err)
{
        _cleanup_free_ char *out = malloc(len + 1);
        size_t n = 0;

        if (!out)
                return -ENOMEM;

        for (size_t i = 0; i < len; i++) {
                int hi, lo;

                if (s[i] == '+' && query) {
                        out[n++] = ' ';
                        continue;
                }
                if (s[i] != '%') {
                        out[n++] = s[i];
                        continue;
                }

                hi = i + 1 < len ? hex_value(s[i + 1]) : -1;
                lo = i + 2 < len ? hex_value(s[i + 2]) : -1;
                if (hi < 0 || lo < 0)
                        return error_set(err, -EINVAL, "invalid URL escape \"%.*s\"", (int)MIN(len - i, 3), s + i);
                if (hi == 0 && lo == 0)
                        return error_set(err, -EINVAL, "invalid URL escape \"%%00\": NUL bytes are not allowed");
                out[n++] = (char)(hi << 4 | lo);
                i += 2;
        }
        out[n] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

/* Cleans a rooted path as gorilla/mux's cleanPath does: Go's path.Clean
 * (no empty or "." segments, ".." removes the segment before it and never
 * climbs above "/"), keeping a trailing slash. */
static char *clean_path(const char *path)
{
        size_t len = strlen(path);
        char *out = malloc(len + 2);
        size_t n = 0;
        const char *p = path;

        if (!out)
                return NULL;

        while (*p) {
                size_t seg;

                while (*p == '/')
                        p++;
                seg = strcspn(p, "/");
                if (seg == 0 || (seg == 1 && p[0] == '.')) {
                        p += seg;
                        continue;
                }
                if (seg == 2 && p[0] == '.' && p[1] == '.') {
                        while (n > 0 && out[n - 1] != '/')
                                n--;
                        if (n > 0)
                                n--;
                        p += seg;
                        continue;
                }
                out[n++] = '/';
                memcpy(out + n, p, seg);
                n += seg;
                p += seg;
        }

        if (n == 0)
                out[n++] = '/';
        else if (len > 0 && path[len - 1] == '/')
                out[n++] = '/';
        out[n] = '\0';
        return out;
}

static bool is_location_safe(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c != '\0' && strchr("-._~/!$&'()*+,;=:@", c));
}

/* Appends s, escaping the bytes for which is_safe is false. */
static char *append_escaped(char *out, const char *s, bool (*is_safe)(unsigned char c))
{
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (is_safe(c))
                        *out++ = (char)c;
                else
                        out += sprintf(out, "%%%02X", c);
        }
        return out;
}

/* The query goes back as the client sent it, but for bytes that cannot
 * appear in a header value. */
static bool is_query_safe(unsigned char c)
{
        return c > 0x20 && c < 0x7f;
}

/* Builds the Location of a redirect to a cleaned path. The path is decoded,
 * so bytes outside the URL syntax are escaped again: a decoded CR or LF
 * must never reach a header. */
static char *make_location(const char *path, const char *raw_query)
{
        size_t size = strlen(path) * 3 + (raw_query ? strlen(raw_query) * 3 + 1 : 0) + 1;
        char *out = malloc(size), *p;

        if (!out)
                return NULL;

        p = append_escaped(out, path, is_location_safe);
        if (!isempty(raw_query)) {
                *p++ = '?';
                p = append_escaped(p, raw_query, is_query_safe);
        }
        *p = '\0';
        return out;
}

/* Splits a "/v1.41/rest" prefix as dockerd's route "/v{version:[0-9.]+}/..."
 * does. Returns the length of the prefix before "/rest", or 0. */
static size_t version_prefix_length(const char *path)
{
        size_t n;

        if (!startswith(path, "/v"))
                return 0;
        n = strspn(path + 2, "0123456789.");
        if (n == 0 || path[2 + n] != '/')
                return 0;
        return 2 + n;
}

/* Returns the origin-form part of a target: the absolute form
 * "http://host/path" that Go's server accepts is cut to "/path". */
static const char *origin_form(const char *target)
{
        const char *rest = startswith(target, "http://") ?: startswith(target, "https://");

        if (!rest)
                return target[0] == '/' ? target : NULL;
        rest += strcspn(rest, "/?");
        return *rest == '/' ? rest : NULL;
}

int http_uri_parse(const char *target, struct http_uri *ret, struct error *err)
{
        _cleanup_free_ char *decoded = NULL, *cleaned = NULL, *raw_query = NULL, *version = NULL, *path = NULL;
        const char *origin, *query;
        size_t path_len, prefix;
        int r;

        origin = origin_form(target);
        if (!origin)
                return error_set(err, -EINVAL, "invalid request URI \"%s\": expected an absolute path", target);

        query = strchr(origin, '?');
        path_len = query ? (size_t)(query - origin) : strlen(origin);
        if (query) {
                raw_query = strdup(query + 1);
                if (!raw_query)
                        return -ENOMEM;
        }

        r = unescape(origin, path_len, false, &decoded, err);
        if (r < 0)
                return r;

        cleaned = clean_path(decoded);
        if (!cleaned)
                return -ENOMEM;
        if (!streq(cleaned, decoded)) {
                *ret = (struct http_uri){ .redirect = make_location(cleaned, raw_query) };
                return ret->redirect ? 0 : -ENOMEM;
        }

        prefix = version_prefix_length(decoded);
        if (prefix > 0) {
                version = strndup(decoded + 2, prefix - 2);
                if (!version)
                        return -ENOMEM;
        }
        path = strdup(decoded + prefix);
        if (!path)
                return -ENOMEM;

        *ret = (struct http_uri){
                .path = TAKE_PTR(path),
                .version = TAKE_PTR(version),
                .raw_query = TAKE_PTR(raw_query),
        };
        return 0;
}

void http_uri_done(struct http_uri *uri)
{
        free(uri->path);
        free(uri->version);
        free(uri->raw_query);
        free(uri->redirect);
        *uri = (struct http_uri){ 0 };
}

/* Appends to a NULL-terminated vector with a known length and capacity:
 * strv_consume would rescan the vector, and a long query has many pairs. */
static int pairs_add(char ***pairs, size_t *n, size_t *allocated, char *s)
{
        if (!s)
                return -ENOMEM;
        if (*n + 2 > *allocated) {
                size_t size = MAX(*allocated * 2, (size_t)8);
                char **grown = realloc(*pairs, size * sizeof(char *));

                if (!grown) {
                        free(s);
                        return -ENOMEM;
                }
                *pairs = grown;
                *allocated = size;
        }
        (*pairs)[(*n)++] = s;
        (*pairs)[*n] = NULL;
        return 0;
}

int http_query_parse(const char *raw, char ***ret, struct error *err)
{
        _cleanup_strv_free_ char **pairs = calloc(1, sizeof(char *));
        size_t n = 0, allocated = 1;
        const char *p = raw;
        int r;

        if (!pairs)
                return -ENOMEM;

        while (p && *p) {
                size_t len = strcspn(p, "&");
                const char *eq = memchr(p, '=', len);
                size_t key_len = eq ? (size_t)(eq - p) : len;
                char *key = NULL, *value = NULL;

                /* Go's url.ParseQuery skips empty parts ("a=1&&b=2"). */
                if (len > 0) {
                        r = unescape(p, key_len, true, &key, err);
                        if (r < 0)
                                return r;
                        r = pairs_add(&pairs, &n, &allocated, key);
                        if (r < 0)
                                return r;

                        r = eq ? unescape(eq + 1, len - key_len - 1, true, &value, err) : 0;
                        if (r < 0)
                                return r;
                        r = pairs_add(&pairs, &n, &allocated, value ?: strdup(""));
                        if (r < 0)
                                return r;
                }

                p += len;
                if (*p == '&')
                        p++;
        }

        *ret = TAKE_PTR(pairs);
        return 0;
}
