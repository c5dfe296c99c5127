/* SPDX-License-Identifier: Apache-2.0 */
/* Reading registry responses: headers, digests, locations, and errors in
 * the words of docker/distribution's client (vendored by dockerd 20.10),
 * because the docker CLI shows them verbatim. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "jsonutil.h"
#include "registry-internal.h"
#include "strv.h"

void registry_response_done(struct registry_response *r)
{
        strv_free(r->headers);
        free(r->body);
        free(r->url);
        *r = (struct registry_response){ 0 };
}

const char *registry_response_header(const struct registry_response *r, const char *name)
{
        size_t len = strlen(name);

        STRV_FOREACH (h, r->headers) {
                const char *value;

                if (strncasecmp(*h, name, len) != 0 || (*h)[len] != ':')
                        continue;
                value = *h + len + 1;
                while (*value == ' ' || *value == '\t')
                        value++;
                return value;
        }
        return NULL;
}

int registry_response_digest(const struct registry_response *r, char *ret)
{
        const char *value = registry_response_header(r, "Docker-Content-Digest");
        size_t len;

        if (!value)
                return -ENOENT;
        len = strcspn(value, " \t");
        if (len != DIGEST_STRING_MAX - 1 || value[len] != '\0')
                return -EBADMSG;
        memcpy(ret, value, len);
        ret[len] = '\0';
        return digest_is_sha256(ret) ? 0 : -EBADMSG;
}

/* Returns the length of "scheme://authority" at the start of url. */
static size_t origin_length(const char *url)
{
        const char *rest = strstr(url, "://");

        if (!rest)
                return 0;
        rest += 3;
        return (size_t)(rest - url) + strcspn(rest, "/?#");
}

int registry_response_location(const struct registry_response *r, char **ret)
{
        const char *location = registry_response_header(r, "Location");
        const char *base = r->url;
        char *url;

        if (!location)
                return -ENOENT;
        for (const char *p = location; *p; p++)
                if ((unsigned char)*p <= ' ' || *p == 0x7f)
                        return -EBADMSG;
        if (startswith(location, "http://") || startswith(location, "https://"))
                url = strdup(location);
        else if (location[0] == '/' && location[1] != '/' && base && origin_length(base) > 0) {
                if (asprintf(&url, "%.*s%s", (int)origin_length(base), base, location) < 0)
                        url = NULL;
        } else
                return -EBADMSG;
        if (!url)
                return -ENOMEM;
        *ret = url;
        return 0;
}

/* The error codes of docker/distribution's errcode and registry/api/v2
 * packages with their default messages. */
static const struct {
        const char *code;
        const char *message;
} error_codes[] = {
        { "UNKNOWN", "unknown error" },
        { "UNSUPPORTED", "The operation is unsupported." },
        { "UNAUTHORIZED", "authentication required" },
        { "DENIED", "requested access to the resource is denied" },
        { "UNAVAILABLE", "service unavailable" },
        { "TOOMANYREQUESTS", "too many requests" },
        { "DIGEST_INVALID", "provided digest did not match uploaded content" },
        { "SIZE_INVALID", "provided length did not match content length" },
        { "NAME_INVALID", "invalid repository name" },
        { "TAG_INVALID", "manifest tag did not match URI" },
        { "NAME_UNKNOWN", "repository name not known to registry" },
        { "MANIFEST_UNKNOWN", "manifest unknown" },
        { "MANIFEST_INVALID", "manifest invalid" },
        { "MANIFEST_UNVERIFIED", "manifest failed signature verification" },
        { "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry" },
        { "BLOB_UNKNOWN", "blob unknown to registry" },
        { "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry" },
        { "BLOB_UPLOAD_INVALID", "blob upload invalid" },
        { "PAGINATION_NUMBER_INVALID", "invalid number of results requested" },
        { "RANGE_INVALID", "invalid content range" },
};

static size_t find_code(const char *code)
{
        for (size_t i = 0; i < ARRAY_SIZE(error_codes); i++)
                if (code && streq(code, error_codes[i].code))
                        return i;
        return 0; /* unregistered codes parse as UNKNOWN */
}

/* Appends "<code in lowercase words>: <message>" to *text. */
static int append_error(char **text, size_t code, const char *message, bool several)
{
        _cleanup_free_ char *old = *text, *words = strdup(error_codes[code].code);
        int r;

        if (!words) {
                *text = TAKE_PTR(old);
                return -ENOMEM;
        }
        for (char *p = words; *p; p++)
                *p = *p == '_' ? ' ' : (char)tolower((unsigned char)*p);
        if (isempty(message))
                message = error_codes[code].message;
        r = asprintf(text, "%s%s: %s%s", old ?: (several ? "errors:\n" : ""), words, message, several ? "\n" : "");
        if (r < 0) {
                *text = TAKE_PTR(old);
                return -ENOMEM;
        }
        return 0;
}

struct parsed_error {
        size_t code;
        const char *message;
};

/* Reads {"errors":[...]} into at most max entries; returns the count, or
 * -EBADMSG when the body is no such document. */
static int parse_errors(json_object *root, struct parsed_error *ret, size_t max)
{
        json_object *list = json_field_array(root, "errors");
        size_t n;

        if (!json_object_is_type(root, json_type_object) || !list)
                return -EBADMSG;
        n = MIN(json_object_array_length(list), max);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(list, i);

                ret[i].code = find_code(json_field_string(e, "code", NULL));
                ret[i].message = json_field_string(e, "message", NULL);
        }
        return (int)n;
}

/* The error a bearer challenge's "error" parameter states (RFC 6750),
 * with its error_description; the description is copied to description
 * (size bytes). */
static int challenge_error(const struct registry_response *r, struct parsed_error *ret, char *description, size_t size)
{
        const char *header = registry_response_header(r, "WWW-Authenticate");
        struct registry_challenge c;
        int found = 0;

        if (!header || registry_challenge_parse(header, &c) < 0)
                return 0;
        if (streq(c.scheme, "bearer") && streq_ptr(c.error, "invalid_token")) {
                ret->code = find_code("UNAUTHORIZED");
                found = 1;
        } else if (streq(c.scheme, "bearer") && streq_ptr(c.error, "insufficient_scope")) {
                ret->code = find_code("DENIED");
                found = 1;
        }
        snprintf(description, size, "%s", c.error_description ?: "");
        ret->message = description[0] ? description : NULL;
        registry_challenge_done(&c);
        return found;
}

static int errno_for(long status, size_t code)
{
        const char *name = error_codes[code].code;

        if (status == 404 || endswith(name, "_UNKNOWN"))
                return -ENOENT;
        if (status == 401 || status == 403 || streq(name, "UNAUTHORIZED") || streq(name, "DENIED"))
                return -EACCES;
        if (status == 429 || status == 503)
                return -EAGAIN;
        if (status == 400)
                return -EINVAL;
        return -EIO;
}

static const char *status_text(long status)
{
        switch (status) {
        case 400:
                return "Bad Request";
        case 401:
                return "Unauthorized";
        case 403:
                return "Forbidden";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 409:
                return "Conflict";
        case 416:
                return "Requested Range Not Satisfiable";
        case 429:
                return "Too Many Requests";
        case 500:
                return "Internal Server Error";
        case 502:
                return "Bad Gateway";
        case 503:
                return "Service Unavailable";
        case 504:
                return "Gateway Timeout";
        default:
                return "";
        }
}

/* A 4xx body that is not an error document. */
static int unexpected_body(const struct registry_response *r, struct error *err)
{
        const char *reason =
                r->body_len == 0 ? "unexpected end of JSON input" : "no error details found in HTTP response body";

        if (r->status == 401)
                return error_set(err, -EACCES, "unauthorized: authentication required");
        return error_set(err, errno_for(r->status, 0), "error parsing HTTP %ld response body: %s: \"%.*s\"", r->status,
                         reason, (int)MIN(r->body_len, 512), r->body ?: "");
}

int registry_response_error(const struct registry_response *r, struct error *err)
{
        _cleanup_json_ json_object *root = NULL;
        struct parsed_error errors[9];
        char description[512];
        _cleanup_free_ char *text = NULL;
        const char *details;
        int n = 0, from_body;

        if (r->status < 400 || r->status >= 500)
                return error_set(err, r->status == 503 ? -EAGAIN : -EIO, "received unexpected HTTP status: %ld %s",
                                 r->status, status_text(r->status));

        n = challenge_error(r, &errors[0], description, sizeof(description));
        if (r->body && json_parse_buffer(r->body, r->body_len, &root, NULL) >= 0) {
                details = json_field_string(root, "details", NULL);
                if (!isempty(details) && n == 0) {
                        const char *code = r->status == 401   ? "UNAUTHORIZED"
                                           : r->status == 429 ? "TOOMANYREQUESTS"
                                                              : "UNKNOWN";
                        return error_set(err, errno_for(r->status, find_code(code)), "%s: %s",
                                         r->status == 401   ? "unauthorized"
                                         : r->status == 429 ? "toomanyrequests"
                                                            : "unknown",
                                         details);
                }
        }
        from_body = root ? parse_errors(root, errors + n, ARRAY_SIZE(errors) - n) : -EBADMSG;
        if (from_body < 0 || n + from_body == 0) {
                if (n > 0)
                        from_body = 0;
                else
                        return unexpected_body(r, err);
        }
        n += from_body;

        for (int i = 0; i < n; i++)
                if (append_error(&text, errors[i].code, errors[i].message, n > 1) < 0)
                        return -ENOMEM;
        return error_set(err, errno_for(r->status, errors[0].code), "%s", text);
}

int registry_response_first_error(const struct registry_response *r, char **ret_code, char **ret_message)
{
        _cleanup_json_ json_object *root = NULL;
        struct parsed_error e;
        char description[512];
        int n;

        n = challenge_error(r, &e, description, sizeof(description));
        if (n == 0) {
                if (!r->body || json_parse_buffer(r->body, r->body_len, &root, NULL) < 0)
                        return -ENOENT;
                n = parse_errors(root, &e, 1);
        }
        if (n <= 0)
                return -ENOENT;

        *ret_code = strdup(error_codes[e.code].code);
        *ret_message = strdup(!isempty(e.message) ? e.message : error_codes[e.code].message);
        if (!*ret_code || !*ret_message) {
                free(*ret_code);
                free(*ret_message);
                return -ENOMEM;
        }
        return 0;
}
