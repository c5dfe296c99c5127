/* SPDX-License-Identifier: Apache-2.0 */
/* Registry clients: one endpoint, one set of credentials, and the
 * synchronous request and login calls. */
#include <stdio.h>
#include <string.h>

#include "registry-internal.h"

#define DOCKER_HUB_DOMAIN "docker.io"
#define DOCKER_HUB_HOST   "registry-1.docker.io"

static int copy_string(const char *s, char **ret)
{
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int copy_auth(const struct registry_auth *src, struct registry_auth *ret)
{
        struct registry_auth a = { 0 };

        if (src && (copy_string(src->username, &a.username) < 0 || copy_string(src->password, &a.password) < 0 ||
                    copy_string(src->identity_token, &a.identity_token) < 0 ||
                    copy_string(src->registry_token, &a.registry_token) < 0 ||
                    copy_string(src->server_address, &a.server_address) < 0)) {
                registry_auth_done(&a);
                return -ENOMEM;
        }
        *ret = a;
        return 0;
}

static int client_alloc(struct registry_context *ctx, const char *domain, const char *host, const char *url,
                        const struct registry_auth *auth, struct registry_client **ret)
{
        struct registry_client *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->ctx = ctx;
        c->domain = strdup(domain);
        c->host = strdup(host);
        c->url = strdup(url);
        c->easy = curl_easy_init();
        if (!c->domain || !c->host || !c->url || !c->easy || copy_auth(auth, &c->auth) < 0) {
                registry_client_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

/* A domain must be a host with an optional port, as reference parsing
 * already ensured; this guards the URL built from it. */
static bool domain_valid(const char *domain)
{
        return !isempty(domain) && !strpbrk(domain, "/?#@ \t\r\n\\");
}

int registry_client_new(struct registry_context *ctx, const char *domain, const struct registry_auth *auth,
                        struct registry_client **ret, struct error *err)
{
        _cleanup_free_ char *url = NULL;
        const char *host = streq_ptr(domain, DOCKER_HUB_DOMAIN) ? DOCKER_HUB_HOST : domain;
        struct registry_client *c;
        int r;

        if (!domain_valid(domain))
                return error_set(err, -EINVAL, "invalid registry domain \"%s\"", domain ?: "");
        if (asprintf(&url, "https://%s", host) < 0)
                return -ENOMEM;
        r = client_alloc(ctx, domain, host, url, auth, &c);
        if (r < 0)
                return r;
        c->insecure = registry_context_is_insecure(ctx, host);
        *ret = c;
        return 0;
}

int registry_client_new_mirror(struct registry_context *ctx, const char *url, const struct registry_auth *auth,
                               struct registry_client **ret, struct error *err)
{
        _cleanup_free_ char *host = NULL;
        const char *rest = startswith(url, "http://") ?: startswith(url, "https://");
        struct registry_client *c;
        size_t len;
        int r;

        if (!rest)
                return error_set(err, -EINVAL, "invalid mirror URL \"%s\"", url);
        len = strcspn(rest, "/?#");
        host = strndup(rest, len);
        if (!host)
                return -ENOMEM;
        if (!domain_valid(host) || rest[len] != '\0')
                return error_set(err, -EINVAL, "invalid mirror URL \"%s\"", url);

        r = client_alloc(ctx, DOCKER_HUB_DOMAIN, host, url, auth, &c);
        if (r < 0)
                return r;
        c->insecure = registry_context_is_insecure(ctx, host);
        c->scheme_known = true;
        c->mirror = true;
        *ret = c;
        return 0;
}

void registry_client_free(struct registry_client *c)
{
        if (!c)
                return;
        if (c->easy)
                curl_easy_cleanup(c->easy);
        registry_challenge_done(&c->challenge);
        registry_auth_done(&c->auth);
        free(c->domain);
        free(c->host);
        free(c->url);
        free(c);
}

const char *registry_client_url(const struct registry_client *c)
{
        return c->url;
}

const char *registry_client_domain(const struct registry_client *c)
{
        return c->domain;
}

int registry_request(struct registry_client *c, const struct registry_request *req, struct registry_response *ret,
                     struct error *err)
{
        struct transfer t = { .client = c, .req = req, .easy = c->easy };
        enum transfer_outcome outcome;
        CURLcode code;
        int r;

        do {
                r = transfer_setup(&t, err);
                if (r < 0)
                        break;
                code = curl_easy_perform(t.easy);
                r = transfer_finish(&t, code, &outcome, err);
                if (r < 0)
                        break;
        } while (outcome == TRANSFER_RETRY);

        if (r >= 0) {
                *ret = t.resp;
                t.resp = (struct registry_response){ 0 };
        }
        /* The client's handle stays for the next request. */
        t.own_easy = false;
        transfer_done(&t);
        return r;
}

/* Sends GET /v2/ with an Authorization header (or none). The login flow
 * chooses its credentials itself, so the client's own response to a challenge is off for these requests. */
static int ping(struct registry_client *c, const char *authorization, struct registry_response *ret, struct error *err)
{
        _cleanup_free_ char *line = NULL;
        char *headers[2] = { NULL, NULL };
        struct registry_request req = { .path = "", .headers = headers };
        int r;

        if (authorization) {
                if (asprintf(&line, "Authorization: %s", authorization) < 0)
                        return -ENOMEM;
                headers[0] = line;
        }
        c->manual_auth = true;
        r = registry_request(c, &req, ret, err);
        c->manual_auth = false;
        if (line)
                explicit_bzero(line, strlen(line));
        return r;
}

static int login_failed(struct registry_client *c, long status, struct error *err)
{
        const char *text = "";

        if (status == 401)
                text = "Unauthorized";
        else if (status == 403)
                text = "Forbidden";

        return error_set(err, -EACCES, "login attempt to %s/v2/ failed with status: %ld %s", c->url, status, text);
}

int registry_client_login(struct registry_client *c, char **ret_identity_token, struct error *err)
{
        _cleanup_registry_response_ struct registry_response first = { 0 }, second = { 0 };
        _cleanup_free_ char *authorization = NULL, *refresh = NULL;
        struct registry_challenge challenge;
        const char *header;
        int r;

        r = ping(c, NULL, &first, err);
        if (r < 0)
                return r;
        if (first.status == 200) {
                *ret_identity_token = NULL;
                return 0;
        }
        header = registry_response_header(&first, "WWW-Authenticate");
        if (first.status != 401 || !header || registry_challenge_parse(header, &challenge) < 0)
                return login_failed(c, first.status, err);

        registry_challenge_done(&c->challenge);
        c->challenge = challenge;
        c->have_challenge = true;
        r = client_login_authorization(c, &authorization, &refresh, err);
        if (r < 0)
                return r;
        r = ping(c, authorization, &second, err);
        explicit_bzero(authorization ?: "", authorization ? strlen(authorization) : 0);
        if (r < 0)
                return r;
        if (second.status != 200)
                return login_failed(c, second.status, err);
        *ret_identity_token = TAKE_PTR(refresh);
        return 0;
}
