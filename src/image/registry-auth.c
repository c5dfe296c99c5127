/* SPDX-License-Identifier: Apache-2.0 */
/* Parsers of what clients and registries send about credentials:
 * X-Registry-Auth, WWW-Authenticate challenges and token responses. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "jsonutil.h"
#include "registry-internal.h"

/* X-Registry-Auth values above this are no AuthConfig. */
#define AUTH_HEADER_MAX (64u * 1024)
#define TOKEN_MAX       (64u * 1024)

void registry_auth_done(struct registry_auth *a)
{
        free(a->username);
        free(a->password);
        free(a->identity_token);
        free(a->registry_token);
        free(a->server_address);
        *a = (struct registry_auth){ 0 };
}

static int set_auth_field(struct registry_auth *a, const char *key, json_object *value)
{
        static const struct {
                const char *key;
                size_t offset;
        } fields[] = {
                { "username", offsetof(struct registry_auth, username) },
                { "password", offsetof(struct registry_auth, password) },
                { "identitytoken", offsetof(struct registry_auth, identity_token) },
                { "registrytoken", offsetof(struct registry_auth, registry_token) },
                { "serveraddress", offsetof(struct registry_auth, server_address) },
        };

        for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
                char **field = (char **)((char *)a + fields[i].offset);

                if (strcasecmp(key, fields[i].key) != 0)
                        continue;
                if (json_object_is_type(value, json_type_null))
                        return 0;
                if (!json_object_is_type(value, json_type_string))
                        return -EINVAL;
                /* Go's decoder lets a later duplicate key win. */
                free(*field);
                *field = strdup(json_object_get_string(value));
                return *field ? 0 : -ENOMEM;
        }
        /* "auth" and "email" are accepted and not used, as in dockerd. */
        return 0;
}

int registry_auth_parse_json(const char *buf, size_t len, struct registry_auth *ret, struct error *err)
{
        _cleanup_json_ json_object *root = NULL;
        struct registry_auth a = { 0 };
        int r;

        r = json_parse_buffer(buf, len, &root, err);
        if (r < 0)
                return error_prefix(err, -EINVAL, "invalid registry credentials");
        if (!json_object_is_type(root, json_type_object))
                return error_set(err, -EINVAL, "invalid registry credentials: not a JSON object");

        json_object_object_foreach (root, key, value) {
                r = set_auth_field(&a, key, value);
                if (r < 0) {
                        registry_auth_done(&a);
                        return r == -ENOMEM
                                       ? r
                                       : error_set(err, r, "invalid registry credentials: %s is not a string", key);
                }
        }
        *ret = a;
        return 0;
}

int registry_auth_parse(const char *header, struct registry_auth *ret, struct error *err)
{
        _cleanup_free_ char *standard = NULL;
        _cleanup_free_ void *json = NULL;
        size_t len;
        int r;

        if (isempty(header)) {
                *ret = (struct registry_auth){ 0 };
                return 0;
        }
        if (strlen(header) > AUTH_HEADER_MAX)
                return error_set(err, -EINVAL, "invalid X-Registry-Auth header: longer than %u bytes", AUTH_HEADER_MAX);

        /* The CLI sends base64url; the standard alphabet decodes the same
         * once '-' and '_' are mapped back. */
        standard = strdup(header);
        if (!standard)
                return -ENOMEM;
        for (char *p = standard; *p; p++) {
                if (*p == '-')
                        *p = '+';
                else if (*p == '_')
                        *p = '/';
        }
        r = base64_decode(standard, &json, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return error_set(err, -EINVAL, "invalid X-Registry-Auth header: not base64");
        return registry_auth_parse_json(json, len, ret, err);
}

/* ---- WWW-Authenticate ---- */

void registry_challenge_done(struct registry_challenge *c)
{
        free(c->scheme);
        free(c->realm);
        free(c->service);
        free(c->scope);
        free(c->error);
        free(c->error_description);
        *c = (struct registry_challenge){ 0 };
}

/* RFC 7230 tchar. */
static bool is_token_char(char c)
{
        return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_blanks(const char *p)
{
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

static char *take_token(const char **p)
{
        const char *start = *p;

        while (is_token_char(**p))
                (*p)++;
        return *p > start ? strndup(start, *p - start) : NULL;
}

/* Reads a quoted-string at *p (just after the opening quote). */
static int take_quoted(const char **p, char **ret)
{
        size_t len = strlen(*p);
        _cleanup_free_ char *out = malloc(len + 1);
        char *o = out;

        if (!out)
                return -ENOMEM;
        for (;;) {
                char c = *(*p)++;

                if (c == '\0')
                        return -EINVAL;
                if (c == '"')
                        break;
                if (c == '\\') {
                        c = *(*p)++;
                        if (c == '\0')
                                return -EINVAL;
                }
                *o++ = c;
        }
        *o = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

static char **challenge_field(struct registry_challenge *c, const char *name)
{
        if (strcasecmp(name, "realm") == 0)
                return &c->realm;
        if (strcasecmp(name, "service") == 0)
                return &c->service;
        if (strcasecmp(name, "scope") == 0)
                return &c->scope;
        if (strcasecmp(name, "error") == 0)
                return &c->error;
        if (strcasecmp(name, "error_description") == 0)
                return &c->error_description;
        return NULL;
}

/* Reads one "name=value" pair at *p into c. */
static int take_param(const char **p, struct registry_challenge *c)
{
        _cleanup_free_ char *name = NULL, *value = NULL;
        char **field;
        int r;

        name = take_token(p);
        if (!name)
                return -EINVAL;
        *p = skip_blanks(*p);
        if (**p != '=')
                return -EINVAL;
        *p = skip_blanks(*p + 1);
        if (**p == '"') {
                (*p)++;
                r = take_quoted(p, &value);
                if (r < 0)
                        return r;
        } else {
                value = take_token(p);
                if (!value)
                        return -EINVAL;
        }

        field = challenge_field(c, name);
        if (field) {
                free(*field);
                *field = TAKE_PTR(value);
        }
        return 0;
}

int registry_challenge_parse(const char *header, struct registry_challenge *ret)
{
        struct registry_challenge c = { 0 };
        const char *p = skip_blanks(header ? header : "");
        int r = 0;

        c.scheme = take_token(&p);
        if (!c.scheme)
                return -EINVAL;
        for (char *s = c.scheme; *s; s++)
                *s = (char)tolower((unsigned char)*s);

        p = skip_blanks(p);
        while (*p && r >= 0) {
                r = take_param(&p, &c);
                if (r < 0)
                        break;
                p = skip_blanks(p);
                if (*p != ',')
                        break;
                p = skip_blanks(p + 1);
                /* A token after the comma followed by a blank starts the
                 * next challenge, which this parser does not need. */
                const char *q = p;
                while (is_token_char(*q))
                        q++;
                if (q > p && (*q == ' ' || *q == '\t' || *q == '\0'))
                        break;
        }
        if (r < 0) {
                registry_challenge_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

/* ---- Token responses ---- */

void registry_token_done(struct registry_token *t)
{
        free(t->token);
        free(t->refresh_token);
        *t = (struct registry_token){ 0 };
}

/* A token goes into "Authorization: Bearer <token>", so it must be
 * printable ASCII without blanks. */
static bool is_header_safe(const char *s)
{
        for (; *s; s++)
                if (*s <= ' ' || *s > '~')
                        return false;
        return true;
}

int registry_token_parse(const char *buf, size_t len, struct registry_token *ret, struct error *err)
{
        _cleanup_json_ json_object *root = NULL;
        const char *token, *refresh;
        int64_t expires_in;
        int r;

        r = json_parse_buffer(buf, len, &root, err);
        if (r < 0)
                return error_prefix(err, -EBADMSG, "invalid token response");
        if (!json_object_is_type(root, json_type_object))
                return error_set(err, -EBADMSG, "invalid token response: not a JSON object");

        token = json_field_string(root, "token", NULL);
        if (isempty(token))
                token = json_field_string(root, "access_token", NULL);
        if (isempty(token))
                return error_set(err, -EBADMSG, "authorization server did not include a token in the response");
        if (strlen(token) > TOKEN_MAX || !is_header_safe(token))
                return error_set(err, -EBADMSG, "invalid token response: the token is malformed");

        refresh = json_field_string(root, "refresh_token", NULL);
        if (refresh && (strlen(refresh) > TOKEN_MAX || !is_header_safe(refresh)))
                refresh = NULL;

        /* The token spec's minimum lifetime is 60 seconds. */
        expires_in = json_field_int(root, "expires_in", 0);
        if (expires_in < 60)
                expires_in = 60;

        *ret = (struct registry_token){
                .token = strdup(token),
                .refresh_token = refresh ? strdup(refresh) : NULL,
                .expires_in = expires_in,
        };
        if (!ret->token || (refresh && !ret->refresh_token)) {
                registry_token_done(ret);
                return -ENOMEM;
        }
        return 0;
}
