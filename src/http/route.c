/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <stdio.h>

#include "http-parse.h"

/* Reads one dotted part as Go's strconv.Atoi would for the comparison:
 * digits only, saturating on overflow; anything else counts as 0. */
static long long version_part(const char *s, size_t len)
{
        long long value = 0;

        if (len == 0)
                return 0;
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return 0;
        for (size_t i = 0; i < len; i++) {
                if (value > (LLONG_MAX - (s[i] - '0')) / 10)
                        return LLONG_MAX;
                value = value * 10 + (s[i] - '0');
        }
        return value;
}

int http_version_compare(const char *a, const char *b)
{
        while (*a || *b) {
                size_t la = strcspn(a, "."), lb = strcspn(b, ".");
                long long va = version_part(a, la), vb = version_part(b, lb);

                if (va != vb)
                        return va < vb ? -1 : 1;
                a += la + (a[la] == '.');
                b += lb + (b[lb] == '.');
        }
        return 0;
}

int http_version_check(const char *version, unsigned *ret, struct error *err)
{
        char min[16], max[16];
        long long major, minor;
        size_t len;

        if (!version) {
                *ret = HTTP_API_VERSION_DEFAULT;
                return 0;
        }

        snprintf(min, sizeof(min), "%u.%u", HTTP_API_VERSION_MIN / 100, HTTP_API_VERSION_MIN % 100);
        snprintf(max, sizeof(max), "%u.%u", HTTP_API_VERSION_MAX / 100, HTTP_API_VERSION_MAX % 100);

        if (http_version_compare(version, min) < 0)
                return error_set(err, -EINVAL,
                                 "client version %s is too old. Minimum supported API version is %s, "
                                 "please upgrade your client to a newer version",
                                 version, min);
        if (http_version_compare(version, max) > 0)
                return error_set(err, -EINVAL, "client version %s is too new. Maximum supported API version is %s",
                                 version, max);

        /* Within the range the major part is the one of min and max and
         * the minor part is below 100, so the sum cannot overflow. */
        len = strcspn(version, ".");
        major = version_part(version, len);
        minor = version[len] == '.' ? version_part(version + len + 1, strcspn(version + len + 1, ".")) : 0;
        *ret = (unsigned)(major * 100 + minor);
        return 0;
}

/* Returns the length of the parameter at pattern ("{name}" or "{name*}"),
 * with its name and whether it takes the rest, or 0 when malformed. */
static size_t parse_param(const char *pattern, const char **ret_name, size_t *ret_name_len, bool *ret_rest)
{
        const char *end = strchr(pattern, '}');
        size_t name_len;
        bool rest;

        if (pattern[0] != '{' || !end)
                return 0;
        name_len = (size_t)(end - pattern - 1);
        rest = name_len > 0 && end[-1] == '*';
        if (rest)
                name_len--;
        if (name_len == 0 || memchr(pattern + 1, '{', name_len) || memchr(pattern + 1, '/', name_len) ||
            memchr(pattern + 1, '*', name_len))
                return 0;

        *ret_name = pattern + 1;
        *ret_name_len = name_len;
        *ret_rest = rest;
        return (size_t)(end - pattern + 1);
}

int http_pattern_validate(const char *pattern)
{
        size_t n_params = 0;
        bool after_rest = false;

        if (!pattern || pattern[0] != '/')
                return -EINVAL;

        for (const char *p = pattern; *p;) {
                const char *name;
                size_t len, name_len;
                bool rest;

                if (*p == '}')
                        return -EINVAL;
                if (*p != '{') {
                        p++;
                        continue;
                }

                len = parse_param(p, &name, &name_len, &rest);
                if (len == 0 || after_rest || ++n_params > HTTP_MAX_PATH_PARAMS)
                        return -EINVAL;
                if (!rest && p[len] != '/' && p[len] != '\0')
                        return -EINVAL;
                after_rest = rest;
                p += len;
        }
        return 0;
}

static bool add_param(struct http_match *m, const char *name, size_t name_len, size_t offset, size_t len)
{
        if (m->n_params >= HTTP_MAX_PATH_PARAMS)
                return false;
        m->params[m->n_params++] = (struct http_match_param){
                .name = name,
                .name_len = name_len,
                .offset = offset,
                .len = len,
        };
        return true;
}

bool http_pattern_match(const char *pattern, const char *path, struct http_match *ret)
{
        struct http_match m = { .n_params = 0 };
        const char *p = pattern, *s = path;

        while (*p) {
                const char *name;
                size_t len, name_len, value_len;
                bool rest;

                if (*p != '{') {
                        if (*p != *s)
                                return false;
                        p++;
                        s++;
                        continue;
                }

                len = parse_param(p, &name, &name_len, &rest);
                if (len == 0)
                        return false;
                p += len;

                if (rest) {
                        /* Only literal text follows {x*} (http_pattern_validate
                         * checks it), so the value ends where that text
                         * must begin: the greedy match of gorilla/mux's
                         * "{x:.*}" regular expression. */
                        size_t tail = strlen(p), left = strlen(s);

                        if (left < tail || !streq(s + left - tail, p))
                                return false;
                        value_len = left - tail;
                        if (!add_param(&m, name, name_len, (size_t)(s - path), value_len))
                                return false;
                        s += left;
                        p += tail;
                        continue;
                }

                value_len = strcspn(s, "/");
                if (value_len == 0 || !add_param(&m, name, name_len, (size_t)(s - path), value_len))
                        return false;
                s += value_len;
        }

        if (*s != '\0')
                return false;
        if (ret)
                *ret = m;
        return true;
}

const struct http_route *http_routes_find(const struct http_route *routes, size_t n_routes, const char *method,
                                          const char *path, struct http_match *ret)
{
        for (size_t i = 0; i < n_routes; i++)
                if (streq(routes[i].method, method) && http_pattern_match(routes[i].pattern, path, ret))
                        return &routes[i];
        return NULL;
}
