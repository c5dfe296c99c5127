/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /images/search. Docker searches through a registry's v1 search API,
 * which Docker Hub has and registries running the distribution server do
 * not. This daemon has no search client, so after dockerd 20.10's checks
 * of limit and filters it replies as dockerd does for a registry without
 * search: status 500, here with a message that gives the reason.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/images.h"
#include "jsonutil.h"
#include "log.h"

#define LIMIT_DEFAULT 25
#define LIMIT_MAX     100

/* dockerd reads limit with strconv.Atoi and replies 500 to what it rejects. */
static int parse_limit(const char *value, long *ret, char *message, size_t size)
{
        char *end = NULL;

        *ret = LIMIT_DEFAULT;
        if (isempty(value))
                return 0;
        errno = 0;
        *ret = strtol(value, &end, 10);
        if (errno == ERANGE) {
                snprintf(message, size, "strconv.Atoi: parsing \"%s\": value out of range", value);
                return -ERANGE;
        }
        if (*end || end == value || *value == ' ') {
                snprintf(message, size, "strconv.Atoi: parsing \"%s\": invalid syntax", value);
                return -EINVAL;
        }
        return 0;
}

/* Formats the values as Go prints a []string: "[a b]". */
static int invalid_values(const char *key, json_object *values, struct error *err)
{
        _cleanup_free_ char *joined = strdup("");

        for (size_t i = 0; joined && i < json_object_array_length(values); i++) {
                char *grown = NULL;

                if (asprintf(&grown, "%s%s%s", joined, i ? " " : "",
                             json_object_get_string(json_object_array_get_idx(values, i))) < 0)
                        grown = NULL;
                free(joined);
                joined = grown;
        }
        if (!joined)
                return -ENOMEM;
        return error_set(err, -EINVAL, "Invalid filter '%s=[%s]'", key, joined);
}

/* is-automated and is-official take exactly one of "true" and "false". */
static int check_bool_filter(json_object *filters, const char *key, struct error *err)
{
        json_object *values = json_field_array(filters, key);
        const char *value;

        if (!values)
                return 0;
        value = json_object_array_length(values) == 1 ? json_object_get_string(json_object_array_get_idx(values, 0))
                                                      : NULL;
        if (value && (streq(value, "true") || streq(value, "false")))
                return 0;
        return invalid_values(key, values, err);
}

static int check_filters(json_object *filters, struct error *err)
{
        static const char *const accepted[] = { "is-automated", "is-official", "stars" };
        json_object *stars;
        int r;

        json_object_object_foreach (filters, key, unused) {
                bool known = false;

                (void)unused;
                for (size_t i = 0; i < ARRAY_SIZE(accepted); i++)
                        known = known || streq(key, accepted[i]);
                if (!known)
                        return error_set(err, -EINVAL, "Invalid filter '%s'", key);
        }
        r = check_bool_filter(filters, "is-automated", err);
        if (r >= 0)
                r = check_bool_filter(filters, "is-official", err);
        if (r < 0)
                return r;

        stars = json_field_array(filters, "stars");
        for (size_t i = 0; stars && i < json_object_array_length(stars); i++) {
                const char *value = json_object_get_string(json_object_array_get_idx(stars, i));
                char *end = NULL;

                strtol(value, &end, 10);
                if (isempty(value) || *end)
                        return error_set(err, -EINVAL, "Invalid filter 'stars=%s'", value);
        }
        return 0;
}

void api_image_search(struct http_request *req)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *filters = NULL;
        const char *term = http_query(req, "term") ?: "";
        char message[256];
        long limit;
        int r;

        r = parse_limit(http_query(req, "limit"), &limit, message, sizeof(message));
        if (r < 0)
                return http_reply_error_status(req, 500, "%s", message);
        r = http_query_filters(req, &filters, &err);
        if (r >= 0)
                r = check_filters(filters, &err);
        if (r < 0)
                return http_reply_error(req, r, &err);
        if (limit < 1 || limit > LIMIT_MAX)
                return http_reply_error_status(req, 400, "Limit %ld is outside the range of [1, %d]", limit, LIMIT_MAX);

        log_info("Rejected a search for \"%s\": searching registries is not supported", term);
        http_reply_error_status(req, 500,
                                "searching registries is not supported by sockerless, which has no client for "
                                "Docker Hub's v1 search API (registries running the distribution server do not "
                                "offer it either); list a registry's repositories with its /v2/_catalog endpoint");
}
