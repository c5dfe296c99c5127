/* SPDX-License-Identifier: Apache-2.0 */
#include "reference.h"

#include <ctype.h>
#include <stdio.h>

#include "idutil.h"

/* Docker's messages, which clients show verbatim. */
#define MSG_INVALID_FORMAT "invalid reference format"
#define MSG_UPPERCASE      "repository name must be lowercase"
#define MSG_NAME_EMPTY     "repository name must have at least one component"

void reference_done(struct reference *r)
{
        if (!r)
                return;
        free(r->domain);
        free(r->path);
        free(r->tag);
        free(r->digest);
        *r = (struct reference){ 0 };
}

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_word_char(char c)
{
        return isalnum((unsigned char)c) || c == '_';
}

/* A path component: [a-z0-9]+ joined by "." or "_" or "__" or any run of "-". */
static bool match_path_component(const char *s, size_t len)
{
        size_t i = 0;

        for (;;) {
                size_t start = i;

                while (i < len && is_lower_alnum(s[i]))
                        i++;
                if (i == start)
                        return false;
                if (i == len)
                        return true;

                if (s[i] == '.')
                        i++;
                else if (s[i] == '_')
                        i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
                else if (s[i] == '-')
                        while (i < len && s[i] == '-')
                                i++;
                else
                        return false;
        }
}

/* A domain component: alphanumerics with inner dashes, any case. */
static bool match_domain_component(const char *s, size_t len)
{
        if (len == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[len - 1]))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!isalnum((unsigned char)s[i]) && s[i] != '-')
                        return false;
        return true;
}

/* domain-component ("." domain-component)* [":" [0-9]+] */
static bool match_domain(const char *s, size_t len)
{
        const char *colon = memchr(s, ':', len);
        size_t host_len = colon ? (size_t)(colon - s) : len;
        size_t start = 0;

        if (colon) {
                size_t port_len = len - host_len - 1;

                if (port_len == 0)
                        return false;
                for (size_t i = host_len + 1; i < len; i++)
                        if (!isdigit((unsigned char)s[i]))
                                return false;
        }

        for (size_t i = 0; i <= host_len; i++) {
                if (i < host_len && s[i] != '.')
                        continue;
                if (!match_domain_component(s + start, i - start))
                        return false;
                start = i + 1;
        }
        return true;
}

/* Checks that every "/"-separated component of s[0..len) is a path component. */
static bool match_path(const char *s, size_t len)
{
        size_t start = 0;

        for (size_t i = 0; i <= len; i++) {
                if (i < len && s[i] != '/')
                        continue;
                if (!match_path_component(s + start, i - start))
                        return false;
                start = i + 1;
        }
        return true;
}

/* [\w][\w.-]{0,127} */
static bool match_tag(const char *s)
{
        size_t len = strlen(s);

        if (len == 0 || len > 128 || !is_word_char(s[0]))
                return false;
        for (size_t i = 1; i < len; i++)
                if (!is_word_char(s[i]) && s[i] != '.' && s[i] != '-')
                        return false;
        return true;
}

/* The digest as the reference grammar accepts it (not yet validated):
 * [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9a-fA-F]{32,} */
static bool match_digest(const char *s)
{
        const char *colon = strchr(s, ':');
        size_t hex_len;

        if (!colon || colon == s)
                return false;
        for (const char *p = s; p < colon; p++) {
                bool component_start = p == s || strchr("-_+.", p[-1]);

                if (component_start && !isalpha((unsigned char)*p))
                        return false;
                if (!isalnum((unsigned char)*p) && !(strchr("-_+.", *p) && p > s))
                        return false;
        }
        if (strchr("-_+.", colon[-1]))
                return false;

        hex_len = strlen(colon + 1);
        if (hex_len < 32)
                return false;
        for (const char *p = colon + 1; *p; p++)
                if (!isxdigit((unsigned char)*p))
                        return false;
        return true;
}

int reference_digest_validate(const char *digest, struct error *err)
{
        static const struct {
                const char *name;
                size_t hex_len;
        } algorithms[] = { { "sha256", 64 }, { "sha384", 96 }, { "sha512", 128 } };
        const char *colon = strchr(digest, ':');
        const char *hex;

        if (!colon || colon == digest || !colon[1])
                return error_set(err, -EINVAL, "invalid checksum digest format");
        hex = colon + 1;

        for (size_t i = 0; i < ARRAY_SIZE(algorithms); i++) {
                if (strlen(algorithms[i].name) != (size_t)(colon - digest) ||
                    strncmp(digest, algorithms[i].name, (size_t)(colon - digest)) != 0)
                        continue;
                for (const char *p = hex; *p; p++)
                        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                                return error_set(err, -EINVAL, "invalid checksum digest format");
                if (strlen(hex) != algorithms[i].hex_len)
                        return error_set(err, -EINVAL, "invalid checksum digest length");
                return 0;
        }
        return error_set(err, -EINVAL, "unsupported digest algorithm");
}

/* Splits name into domain and path as Docker's anchored name grammar does:
 * the first component is the domain when it looks like one and a path
 * follows; otherwise the whole name is the path. */
static bool split_name(const char *name, size_t len, size_t *ret_domain_len)
{
        const char *slash = memchr(name, '/', len);

        if (slash) {
                size_t dlen = (size_t)(slash - name);

                if (match_domain(name, dlen) && match_path(slash + 1, len - dlen - 1)) {
                        *ret_domain_len = dlen;
                        return true;
                }
        }
        if (!match_path(name, len))
                return false;
        *ret_domain_len = 0;
        return true;
}

struct parts {
        size_t name_len;
        size_t domain_len;
        const char *tag;
        size_t tag_len;
        const char *digest;
};

/* Matches s against the whole reference grammar without allocating. */
static bool match_reference(const char *s, struct parts *ret)
{
        struct parts p = { 0 };
        const char *at = strchr(s, '@');
        size_t name_tag_len = at ? (size_t)(at - s) : strlen(s);
        const char *last_slash = NULL, *last_colon = NULL;

        if (at) {
                if (!match_digest(at + 1))
                        return false;
                p.digest = at + 1;
        }

        for (size_t i = 0; i < name_tag_len; i++) {
                if (s[i] == '/')
                        last_slash = s + i;
                else if (s[i] == ':')
                        last_colon = s + i;
        }

        /* A colon after the last slash separates the tag; a colon before
         * it can only be a port in the domain. */
        p.name_len = name_tag_len;
        if (last_colon && (!last_slash || last_colon > last_slash)) {
                _cleanup_free_ char *tag = strndup(last_colon + 1, name_tag_len - (size_t)(last_colon + 1 - s));

                if (!tag || !match_tag(tag))
                        return false;
                p.name_len = (size_t)(last_colon - s);
                p.tag = last_colon + 1;
                p.tag_len = name_tag_len - p.name_len - 1;
        }

        if (!split_name(s, p.name_len, &p.domain_len))
                return false;
        *ret = p;
        return true;
}

static char *lowercase_copy(const char *s)
{
        char *copy = strdup(s);

        if (copy)
                for (char *p = copy; *p; p++)
                        *p = (char)tolower((unsigned char)*p);
        return copy;
}

int reference_parse(const char *s, struct reference *ret, struct error *err)
{
        _cleanup_reference_ struct reference r = { 0 };
        struct parts p;
        int k;

        if (!match_reference(s, &p)) {
                _cleanup_free_ char *lower = NULL;

                if (isempty(s))
                        return error_set(err, -EINVAL, MSG_NAME_EMPTY);
                lower = lowercase_copy(s);
                if (!lower)
                        return -ENOMEM;
                if (match_reference(lower, &p))
                        return error_set(err, -EINVAL, MSG_UPPERCASE);
                return error_set(err, -EINVAL, MSG_INVALID_FORMAT);
        }

        if (p.name_len > REFERENCE_NAME_MAX)
                return error_set(err, -EINVAL, "repository name must not be more than %d characters",
                                 REFERENCE_NAME_MAX);
        if (p.digest) {
                k = reference_digest_validate(p.digest, err);
                if (k < 0)
                        return k;
        }

        r.domain = strndup(s, p.domain_len);
        r.path = p.domain_len > 0 ? strndup(s + p.domain_len + 1, p.name_len - p.domain_len - 1)
                                  : strndup(s, p.name_len);
        r.tag = p.tag ? strndup(p.tag, p.tag_len) : NULL;
        r.digest = p.digest ? strdup(p.digest) : NULL;
        if (!r.domain || !r.path || (p.tag && !r.tag) || (p.digest && !r.digest))
                return -ENOMEM;

        *ret = r;
        r = (struct reference){ 0 };
        return 0;
}

bool reference_is_identifier(const char *s)
{
        return id_is_hex(s, 64);
}

/* Splits a user-supplied name into domain and remainder as Docker's
 * splitDockerDomain does: the first component is a domain only when it
 * contains "." or ":" or is "localhost". */
static int split_docker_domain(const char *name, char **ret_domain, char **ret_remainder)
{
        const char *slash = strchr(name, '/');
        _cleanup_free_ char *domain = NULL, *remainder = NULL;

        if (slash) {
                size_t dlen = (size_t)(slash - name);
                bool is_domain = memchr(name, '.', dlen) || memchr(name, ':', dlen) ||
                                 (dlen == 9 && strncmp(name, "localhost", 9) == 0);

                if (is_domain) {
                        domain = strndup(name, dlen);
                        remainder = strdup(slash + 1);
                }
        }
        if (!domain) {
                domain = strdup(REFERENCE_DEFAULT_DOMAIN);
                remainder = strdup(name);
        }
        if (!domain || !remainder)
                return -ENOMEM;

        if (streq(domain, "index.docker.io")) {
                free(domain);
                domain = strdup(REFERENCE_DEFAULT_DOMAIN);
                if (!domain)
                        return -ENOMEM;
        }
        if (streq(domain, REFERENCE_DEFAULT_DOMAIN) && !strchr(remainder, '/')) {
                char *official = NULL;

                if (asprintf(&official, "library/%s", remainder) < 0)
                        return -ENOMEM;
                free(remainder);
                remainder = official;
        }

        *ret_domain = TAKE_PTR(domain);
        *ret_remainder = TAKE_PTR(remainder);
        return 0;
}

int reference_parse_normalized(const char *s, struct reference *ret, struct error *err)
{
        _cleanup_free_ char *domain = NULL, *remainder = NULL, *full = NULL;
        size_t remote_len;
        int r;

        if (reference_is_identifier(s))
                return error_set(err, -EINVAL,
                                 "invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s);

        r = split_docker_domain(s, &domain, &remainder);
        if (r < 0)
                return r;

        remote_len = strcspn(remainder, ":");
        for (size_t i = 0; i < remote_len; i++)
                if (isupper((unsigned char)remainder[i]))
                        return error_set(err, -EINVAL, MSG_INVALID_FORMAT ": " MSG_UPPERCASE);

        if (asprintf(&full, "%s/%s", domain, remainder) < 0)
                return -ENOMEM;
        return reference_parse(full, ret, err);
}

int reference_tag_name_only(struct reference *r)
{
        if (r->tag || r->digest)
                return 0;
        r->tag = strdup("latest");
        return r->tag ? 0 : -ENOMEM;
}

int reference_set_tag(struct reference *r, const char *tag, struct error *err)
{
        char *copy;

        if (!match_tag(tag))
                return error_set(err, -EINVAL, "invalid tag format");
        copy = strdup(tag);
        if (!copy)
                return -ENOMEM;
        free(r->tag);
        free(r->digest);
        r->tag = copy;
        r->digest = NULL;
        return 0;
}

int reference_copy(const struct reference *src, struct reference *ret)
{
        struct reference r = {
                .domain = strdup(src->domain),
                .path = strdup(src->path),
                .tag = src->tag ? strdup(src->tag) : NULL,
                .digest = src->digest ? strdup(src->digest) : NULL,
        };

        if (!r.domain || !r.path || (src->tag && !r.tag) || (src->digest && !r.digest)) {
                reference_done(&r);
                return -ENOMEM;
        }
        *ret = r;
        return 0;
}

static char *format_reference(const char *domain, const char *path, const struct reference *r)
{
        char *s = NULL;

        if (asprintf(&s, "%s%s%s%s%s%s%s", domain, *domain ? "/" : "", path, r->tag ? ":" : "", r->tag ?: "",
                     r->digest ? "@" : "", r->digest ?: "") < 0)
                return NULL;
        return s;
}

char *reference_name(const struct reference *r)
{
        const struct reference bare = { 0 };

        return format_reference(r->domain, r->path, &bare);
}

char *reference_string(const struct reference *r)
{
        return format_reference(r->domain, r->path, r);
}

/* Docker's familiarizeName: drop "docker.io/", and "library/" from
 * official images with no further slash. */
static void familiar_parts(const struct reference *r, const char **ret_domain, const char **ret_path)
{
        const char *rest;

        *ret_domain = r->domain;
        *ret_path = r->path;
        if (!streq(r->domain, REFERENCE_DEFAULT_DOMAIN))
                return;

        *ret_domain = "";
        rest = startswith(r->path, "library/");
        if (rest && !strchr(rest, '/'))
                *ret_path = rest;
}

char *reference_familiar_name(const struct reference *r)
{
        const struct reference bare = { 0 };
        const char *domain, *path;

        familiar_parts(r, &domain, &path);
        return format_reference(domain, path, &bare);
}

char *reference_familiar_string(const struct reference *r)
{
        const char *domain, *path;

        familiar_parts(r, &domain, &path);
        return format_reference(domain, path, r);
}
