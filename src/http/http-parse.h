/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "error.h"
#include "http.h"
#include "macro.h"

/*
 * The parsers of the HTTP layer that need no connection: request targets,
 * query strings, API versions, route patterns and the filters parameter.
 * They see untrusted input first, so the fuzz targets drive them directly.
 */

/* A request target split and decoded as Go's net/http and gorilla/mux do
 * before dockerd routes a request. */
struct http_uri {
        char *path;      /* decoded path after any version prefix */
        char *version;   /* "1.41" from a "/v1.41/" prefix, or NULL */
        char *raw_query; /* the query as sent, without "?", or NULL */
        char *redirect;  /* when the decoded path is not clean: the Location
                            gorilla/mux redirects to with 301, else NULL */
};

/* Splits and decodes a request target ("/v1.41/images/a%2Fb/json?x=1", or
 * the absolute form "http://host/path"). A malformed escape or an escaped
 * NUL byte in the path returns -EINVAL with the message in err. */
int http_uri_parse(const char *target, struct http_uri *ret, struct error *err);
void http_uri_done(struct http_uri *uri);

/* Parses a raw query string into a NULL-terminated vector of decoded
 * key, value pairs, keeping their order. "+" decodes to a space as in
 * Go's url.ParseQuery. A malformed escape returns -EINVAL with Go's
 * message ("invalid URL escape \"%zz\""). NULL gives an empty vector. */
int http_query_parse(const char *raw, char ***ret, struct error *err);

/* Compares dotted versions part by part as Docker's api/types/versions
 * does: a missing or non-numeric part counts as 0. Returns <0, 0 or >0. */
int http_version_compare(const char *a, const char *b);

/* Checks a version prefix against HTTP_API_VERSION_MIN and _MAX and
 * returns it as major * 100 + minor. NULL gives HTTP_API_VERSION_DEFAULT.
 * A version out of range returns -EINVAL with Docker's message. */
int http_version_check(const char *version, unsigned *ret, struct error *err);

/* One path parameter of a match: its name in the pattern and its value as
 * an offset and length in the matched path. */
struct http_match_param {
        const char *name;
        size_t name_len;
        size_t offset;
        size_t len;
};

struct http_match {
        struct http_match_param params[HTTP_MAX_PATH_PARAMS];
        size_t n_params;
};

/* Checks a route pattern: it starts with "/", has at most
 * HTTP_MAX_PATH_PARAMS parameters with non-empty names, a {x} parameter is
 * followed by "/" or the end, and at most one {x*} parameter is followed
 * only by literal text. Returns 0 or -EINVAL. */
int http_pattern_validate(const char *pattern);

/* Matches a decoded path against a valid pattern. {x} matches one
 * non-empty segment and {x*} any text, slashes included, so that the
 * literal rest of the pattern ends the path: like gorilla/mux's {x:.*},
 * "/images/{name*}/json" takes "/images/a/b:c/json" with name "a/b:c". */
bool http_pattern_match(const char *pattern, const char *path, struct http_match *ret);

/* Returns the first route whose method and pattern match, as gorilla/mux
 * tries routes in the order they were added, or NULL. */
const struct http_route *http_routes_find(const struct http_route *routes, size_t n_routes, const char *method,
                                          const char *path, struct http_match *ret);

/* Parses the text of a "filters" query parameter: a JSON object mapping
 * each key to an array of strings, or Docker's map form
 * {"key":{"value":true}}. Returns a new object mapping each key to an
 * array of distinct strings; NULL, "" and "null" give an empty object.
 * Anything else returns -EINVAL with "invalid filter: ..." in err. */
int http_filters_parse(const char *text, json_object **ret, struct error *err);
