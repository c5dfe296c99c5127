/* SPDX-License-Identifier: Apache-2.0 */
/* Credentials for a request: Basic, or a bearer token from the token
 * server the registry's challenge names (the Docker token authentication
 * spec), cached daemon-wide per token server, credentials and scope. */
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "digest.h"
#include "registry-internal.h"
#include "strv.h"

/* A token server's response larger than this is no token. */
#define TOKEN_RESPONSE_MAX (1u * 1024 * 1024)

static bool has_password(const struct registry_auth *a)
{
        return !isempty(a->username) && a->password;
}

/* Scopes of the request, in a fixed order so cache keys compare. */
static int request_scopes(const struct registry_request *req, char ***ret)
{
        _cleanup_strv_free_ char **scopes = NULL;
        int r;

        if (req->repository) {
                char *s;

                if (asprintf(&s, "repository:%s:%s", req->repository, req->actions ?: REGISTRY_PULL) < 0)
                        return -ENOMEM;
                r = strv_consume(&scopes, s);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH (s, req->scopes) {
                r = strv_append(&scopes, *s);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(scopes);
        return 0;
}

/* Names the credentials in a cache key without keeping them in memory. */
static int credentials_fingerprint(const struct registry_auth *a, char *ret)
{
        _cleanup_free_ char *all = NULL;
        int len;

        len = asprintf(&all, "%s%c%s%c%s", a->username ?: "", 0, a->password ?: "", 0, a->identity_token ?: "");
        if (len < 0)
                return -ENOMEM;
        return digest_buffer(all, (size_t)len, ret);
}

static int token_cache_key(const struct registry_client *c, char *const *scopes, char **ret)
{
        char fingerprint[DIGEST_STRING_MAX];
        _cleanup_free_ char *joined = NULL;
        size_t len = 1;
        int r;

        r = credentials_fingerprint(&c->auth, fingerprint);
        if (r < 0)
                return r;
        STRV_FOREACH (s, scopes)
                len += strlen(*s) + 1;
        joined = calloc(1, len);
        if (!joined)
                return -ENOMEM;
        STRV_FOREACH (s, scopes) {
                strcat(joined, *s);
                strcat(joined, " ");
        }
        if (asprintf(ret, "%s\n%s\n%s\n%s\n%s", c->url, c->challenge.realm, c->challenge.service ?: "", fingerprint,
                     joined) < 0)
                return -ENOMEM;
        return 0;
}

static int append_param(CURL *easy, char **query, const char *name, const char *value)
{
        _cleanup_free_ char *old = *query;
        char *escaped = curl_easy_escape(easy, value, 0);
        int r;

        if (!escaped)
                return -ENOMEM;
        r = asprintf(query, "%s%s%s=%s", old ?: "", old ? "&" : "", name, escaped);
        curl_free(escaped);
        if (r < 0) {
                *query = TAKE_PTR(old);
                return -ENOMEM;
        }
        return 0;
}

/* The form of a token request: GET parameters, or the POST body of the
 * OAuth2 refresh-token grant. */
/* NOTE: the refresh-token grant (an identitytoken from an earlier login)
 * has run against no token server in the tests, whose fixture issues no
 * refresh tokens. */
static int token_form(CURL *easy, const struct registry_client *c, char *const *scopes, bool login, char **ret)
{
        _cleanup_free_ char *form = NULL;
        int r = 0;

        if (c->auth.identity_token) {
                r = append_param(easy, &form, "grant_type", "refresh_token");
                if (r >= 0)
                        r = append_param(easy, &form, "refresh_token", c->auth.identity_token);
                if (r >= 0)
                        r = append_param(easy, &form, "client_id", "docker");
                if (r >= 0 && login)
                        r = append_param(easy, &form, "access_type", "offline");
        } else {
                if (has_password(&c->auth))
                        r = append_param(easy, &form, "account", c->auth.username);
                if (r >= 0 && login)
                        r = append_param(easy, &form, "client_id", "docker");
                if (r >= 0 && login)
                        r = append_param(easy, &form, "offline_token", "true");
        }
        if (r >= 0 && c->challenge.service)
                r = append_param(easy, &form, "service", c->challenge.service);
        if (c->auth.identity_token && r >= 0 && scopes && *scopes) {
                /* OAuth2 wants the scopes space-separated in one field. */
                _cleanup_free_ char *joined = NULL;
                size_t len = 1;

                STRV_FOREACH (s, scopes)
                        len += strlen(*s) + 1;
                joined = calloc(1, len);
                if (!joined)
                        return -ENOMEM;
                STRV_FOREACH (s, scopes) {
                        if (*joined)
                                strcat(joined, " ");
                        strcat(joined, *s);
                }
                r = append_param(easy, &form, "scope", joined);
        } else
                STRV_FOREACH (s, scopes)
                        if (r >= 0)
                                r = append_param(easy, &form, "scope", *s);
        if (r < 0)
                return r;
        *ret = form ? TAKE_PTR(form) : strdup("");
        return *ret ? 0 : -ENOMEM;
}

static size_t collect_body(char *data, size_t size, size_t n, void *userdata)
{
        struct registry_response *resp = userdata;
        size_t len = size * n;
        char *grown;

        if (resp->body_len + len > TOKEN_RESPONSE_MAX)
                return 0;
        grown = realloc(resp->body, resp->body_len + len + 1);
        if (!grown)
                return 0;
        memcpy(grown + resp->body_len, data, len);
        resp->body = grown;
        resp->body_len += len;
        resp->body[resp->body_len] = '\0';
        return len;
}

static size_t collect_header(char *data, size_t size, size_t n, void *userdata)
{
        struct registry_response *resp = userdata;
        size_t len = size * n;
        char *line;

        if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
                strv_free(resp->headers);
                resp->headers = NULL;
                return len;
        }
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
                len--;
        if (len == 0)
                return size * n;
        line = strndup(data, len);
        if (!line || strv_consume(&resp->headers, line) < 0)
                return 0;
        return size * n;
}

/* Sends the token request and parses the response. */
static int request_token(struct registry_client *c, char *const *scopes, bool login, struct registry_token *ret,
                         struct error *err)
{
        _cleanup_curl_ CURL *easy = curl_easy_init();
        _cleanup_registry_response_ struct registry_response resp = { 0 };
        _cleanup_free_ char *form = NULL, *url = NULL;
        char error_buffer[CURL_ERROR_SIZE] = "";
        CURLcode code;
        int r;

        if (!easy)
                return -ENOMEM;
        r = token_form(easy, c, scopes, login, &form);
        if (r < 0)
                return r;

        curl_apply_defaults(c, easy, error_buffer);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_body);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, &resp);
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, collect_header);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, &resp);
        if (c->auth.identity_token) {
                url = strdup(c->challenge.realm);
                curl_easy_setopt(easy, CURLOPT_POSTFIELDS, form);
        } else {
                if (asprintf(&url, "%s%s%s", c->challenge.realm, strchr(c->challenge.realm, '?') ? "&" : "?", form) < 0)
                        url = NULL;
                if (has_password(&c->auth)) {
                        curl_easy_setopt(easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
                        curl_easy_setopt(easy, CURLOPT_USERNAME, c->auth.username);
                        curl_easy_setopt(easy, CURLOPT_PASSWORD, c->auth.password);
                }
        }
        if (!url)
                return -ENOMEM;
        curl_easy_setopt(easy, CURLOPT_URL, url);

        code = curl_easy_perform(easy);
        if (code != CURLE_OK)
                return curl_error_to_errno(code, error_buffer, c->auth.identity_token ? "Post" : "Get", url, err);
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp.status);
        if (resp.status != 200)
                return registry_response_error(&resp, err);
        return registry_token_parse(resp.body ?: "", resp.body_len, ret, err);
}

static int check_realm(const char *realm, struct error *err)
{
        if (isempty(realm))
                return error_set(err, -EACCES, "the registry's bearer challenge has no realm");
        if (!startswith(realm, "http://") && !startswith(realm, "https://"))
                return error_set(err, -EACCES, "token realm \"%s\" is not an http or https URL", realm);
        return 0;
}

/* Returns a bearer token for the scopes: cached, or fetched and cached. */
static int bearer_token(struct registry_client *c, char *const *scopes, bool fresh, bool login, char **ret_token,
                        char **ret_key, char **ret_refresh, struct error *err)
{
        _cleanup_free_ char *key = NULL, *token = NULL;
        struct registry_token t = { 0 };
        int r;

        r = check_realm(c->challenge.realm, err);
        if (r < 0)
                return r;
        r = token_cache_key(c, scopes, &key);
        if (r < 0)
                return r;

        if (!fresh && !login) {
                token = token_cache_get(c->ctx, key);
                if (token) {
                        *ret_token = TAKE_PTR(token);
                        *ret_key = TAKE_PTR(key);
                        return 0;
                }
        }

        r = request_token(c, scopes, login, &t, err);
        if (r < 0)
                return r;
        token_cache_put(c->ctx, key, t.token, t.expires_in);
        *ret_token = TAKE_PTR(t.token);
        *ret_key = TAKE_PTR(key);
        if (ret_refresh)
                *ret_refresh = TAKE_PTR(t.refresh_token);
        registry_token_done(&t);
        return 0;
}

static int basic_value(const struct registry_auth *a, char **ret)
{
        _cleanup_free_ char *pair = NULL, *encoded = NULL;

        if (asprintf(&pair, "%s:%s", a->username, a->password) < 0)
                return -ENOMEM;
        encoded = base64_encode(pair, strlen(pair));
        if (!encoded)
                return -ENOMEM;
        explicit_bzero(pair, strlen(pair));
        if (asprintf(ret, "Basic %s", encoded) < 0)
                return -ENOMEM;
        return 0;
}

static int authorization_for(struct registry_client *c, const struct registry_request *req, bool fresh, bool login,
                             char **ret_value, char **ret_key, char **ret_refresh, struct error *err)
{
        _cleanup_strv_free_ char **scopes = NULL;
        _cleanup_free_ char *token = NULL, *key = NULL;
        int r;

        *ret_value = NULL;
        *ret_key = NULL;
        if (c->manual_auth && !login)
                return 0;
        if (c->auth.registry_token)
                return asprintf(ret_value, "Bearer %s", c->auth.registry_token) < 0 ? -ENOMEM : 0;
        if (!c->have_challenge)
                return 0;
        if (streq(c->challenge.scheme, "basic"))
                return has_password(&c->auth) ? basic_value(&c->auth, ret_value) : 0;
        if (!streq(c->challenge.scheme, "bearer"))
                return 0;

        r = request_scopes(req, &scopes);
        if (r < 0)
                return r;
        r = bearer_token(c, scopes, fresh, login, &token, &key, ret_refresh, err);
        if (r < 0)
                return r;
        if (asprintf(ret_value, "Bearer %s", token) < 0)
                return -ENOMEM;
        *ret_key = TAKE_PTR(key);
        return 0;
}

int client_authorization(struct registry_client *c, const struct registry_request *req, bool fresh, char **ret_value,
                         char **ret_token_key, struct error *err)
{
        return authorization_for(c, req, fresh, false, ret_value, ret_token_key, NULL, err);
}

int client_login_authorization(struct registry_client *c, char **ret_value, char **ret_refresh, struct error *err)
{
        static const struct registry_request root = { 0 };
        _cleanup_free_ char *key = NULL;

        return authorization_for(c, &root, true, true, ret_value, &key, ret_refresh, err);
}
