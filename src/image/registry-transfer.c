/* SPDX-License-Identifier: Apache-2.0 */
/* One registry exchange on a curl handle: setting it up, collecting the
 * response, and deciding after it ended whether to send it again (scheme
 * fallback, 401 challenge). Shared by registry_request and batches. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "registry-internal.h"
#include "strv.h"

#define CONNECT_TIMEOUT_SECONDS 30L
/* A transfer that moves less than 1 byte/s for this long has stalled. */
#define STALL_SECONDS 60L
#define MAX_REDIRECTS 10L

static int set_no_proxy(CURL *easy)
{
        /* Go's ProxyFromEnvironment never proxies loopback; curl only
         * skips what no_proxy names. */
        const char *env = getenv("NO_PROXY") ?: getenv("no_proxy");
        _cleanup_free_ char *list = NULL;

        if (asprintf(&list, "%s%slocalhost,127.0.0.0/8,::1", env ?: "", isempty(env) ? "" : ",") < 0)
                return -ENOMEM;
        curl_easy_setopt(easy, CURLOPT_NOPROXY, list);
        return 0;
}

static void set_ca_file(struct registry_client *c, CURL *easy)
{
        _cleanup_free_ char *path = NULL;
        struct stat st;

        if (!c->ctx->certs_dir || asprintf(&path, "%s/%s/ca.crt", c->ctx->certs_dir, c->host) < 0)
                return;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
                curl_easy_setopt(easy, CURLOPT_CAINFO, path);
}

void curl_apply_defaults(struct registry_client *c, CURL *easy, char *error_buffer)
{
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_SECONDS);
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(easy, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
        curl_easy_setopt(easy, CURLOPT_USERAGENT, "sockerless/" PACKAGE_VERSION);
        set_no_proxy(easy);
        if (c->insecure) {
                curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
        } else
                set_ca_file(c, easy);
}

int curl_error_to_errno(CURLcode code, const char *detail, const char *method, const char *url, struct error *err)
{
        const char *reason = !isempty(detail) ? detail : curl_easy_strerror(code);
        int r;

        switch (code) {
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        case CURLE_OPERATION_TIMEDOUT:
                r = -ETIMEDOUT;
                break;
        case CURLE_COULDNT_CONNECT:
                r = -ECONNREFUSED;
                break;
        case CURLE_COULDNT_RESOLVE_HOST:
                r = -EHOSTUNREACH;
                break;
        case CURLE_ABORTED_BY_CALLBACK:
                r = -ECANCELED;
                break;
        default:
                r = -EIO;
        }
        /* Go's url.Error reads: Get "http://host/v2/": <cause>. */
        return error_set(err, r, "%s \"%s\": %s", method, url, reason);
}

static char *request_url(const struct registry_client *c, const struct registry_request *req)
{
        const char *path = req->path ?: "";
        char *url;

        if (startswith(path, "http://") || startswith(path, "https://"))
                return strdup(path);
        if (path[0] == '/')
                return asprintf(&url, "%s%s", c->url, path) < 0 ? NULL : url;
        if (!req->repository)
                return asprintf(&url, "%s/v2/%s", c->url, path) < 0 ? NULL : url;
        return asprintf(&url, "%s/v2/%s/%s", c->url, req->repository, path) < 0 ? NULL : url;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        size_t len = size * n;
        char *line;

        if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
                /* A new response (after a redirect or a 100 Continue). */
                const char *space = memchr(data, ' ', len);

                strv_free(t->resp.headers);
                t->resp.headers = NULL;
                t->resp.status = space ? strtol(space + 1, NULL, 10) : 0;
                t->body_begun = false;
                return len;
        }
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
                len--;
        if (len == 0)
                return size * n;
        line = strndup(data, len);
        if (!line || strv_consume(&t->resp.headers, line) < 0)
                return 0;
        return size * n;
}

static int keep_body(struct transfer *t, const char *data, size_t len)
{
        size_t max = t->req->max_body ?: REGISTRY_BODY_MAX_DEFAULT;
        char *grown;

        if (t->resp.body_len + len > max)
                return -EFBIG;
        grown = realloc(t->resp.body, t->resp.body_len + len + 1);
        if (!grown)
                return -ENOMEM;
        memcpy(grown + t->resp.body_len, data, len);
        t->resp.body = grown;
        t->resp.body_len += len;
        t->resp.body[t->resp.body_len] = '\0';
        return 0;
}

static size_t on_write(char *data, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        size_t len = size * n;
        int r;

        if (t->batch && batch_cancelled(t->batch)) {
                t->write_error = -ECANCELED;
                return 0;
        }
        if (t->req->write_body && t->resp.status >= 200 && t->resp.status < 300) {
                r = 0;
                if (t->req->begin_body && !t->body_begun) {
                        t->body_begun = true;
                        r = t->req->begin_body(&t->resp, t->req->write_userdata);
                }
                if (r >= 0)
                        r = t->req->write_body(data, len, t->req->write_userdata);
        } else {
                r = keep_body(t, data, len);
        }
        if (r < 0) {
                t->write_error = r;
                return 0;
        }
        return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        size_t want = size * n;
        ssize_t got;

        if (t->batch && batch_cancelled(t->batch))
                return CURL_READFUNC_ABORT;
        if (!t->req->read_body) {
                size_t left = t->req->body_len - t->body_sent;

                want = MIN(want, left);
                memcpy(buf, (const char *)t->req->body + t->body_sent, want);
                t->body_sent += want;
                return want;
        }
        got = t->req->read_body(buf, want, t->req->body_userdata);
        if (got < 0) {
                t->write_error = (int)got;
                return CURL_READFUNC_ABORT;
        }
        return (size_t)got;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
        struct transfer *t = userdata;

        (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
        return t->batch && batch_cancelled(t->batch) ? 1 : 0;
}

static void set_method_and_body(struct transfer *t)
{
        const struct registry_request *req = t->req;
        const char *method = req->method ?: "GET";
        bool has_body = req->body || req->read_body;

        if (streq(method, "HEAD")) {
                curl_easy_setopt(t->easy, CURLOPT_NOBODY, 1L);
                return;
        }
        if (!has_body && !streq(method, "PUT") && !streq(method, "PATCH")) {
                if (streq(method, "POST")) {
                        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, 0L);
                        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, "");
                } else if (!streq(method, "GET"))
                        curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, method);
                return;
        }

        /* Every body goes through the read callback, with its length or
         * chunked, under the request's own method. */
        t->body_sent = 0;
        curl_easy_setopt(t->easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(t->easy, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(t->easy, CURLOPT_READDATA, t);
        curl_easy_setopt(t->easy, CURLOPT_INFILESIZE_LARGE,
                         (curl_off_t)(req->read_body ? req->body_size : (int64_t)req->body_len));
        curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, method);
}

static int build_headers(struct transfer *t, const char *authorization)
{
        struct curl_slist *list = NULL, *next;
        _cleanup_free_ char *auth_line = NULL;

        /* Without this curl waits for 100 Continue before large bodies. */
        list = curl_slist_append(list, "Expect:");
        STRV_FOREACH (h, t->req->headers) {
                if (!list)
                        break;
                next = curl_slist_append(list, *h);
                if (!next)
                        break;
                list = next;
        }
        if (list && authorization) {
                if (asprintf(&auth_line, "Authorization: %s", authorization) < 0)
                        auth_line = NULL;
                next = auth_line ? curl_slist_append(list, auth_line) : NULL;
                if (auth_line)
                        explicit_bzero(auth_line, strlen(auth_line));
                if (!next) {
                        curl_slist_free_all(list);
                        return -ENOMEM;
                }
                list = next;
        }
        if (!list)
                return -ENOMEM;
        curl_slist_free_all(t->headers);
        t->headers = list;
        return 0;
}

/* Go spells the method of a url.Error "Get", "Head", "Put". */
static const char *go_method(const char *method)
{
        static const char *const names[] = { "Get", "Head", "Put", "Post", "Patch", "Delete" };

        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (method && strcasecmp(method, names[i]) == 0)
                        return names[i];
        return method ? method : "Get";
}

int transfer_setup(struct transfer *t, struct error *err)
{
        struct registry_client *c = t->client;
        _cleanup_free_ char *url = NULL, *authorization = NULL;
        int r;

        registry_response_done(&t->resp);
        t->write_error = 0;
        t->curl_error[0] = '\0';
        free(t->token_key);
        t->token_key = NULL;

        url = request_url(c, t->req);
        if (!url)
                return -ENOMEM;

        /* A failed token request reads as Go's url.Error of the request
         * it was for, as dockerd reports it: Head "URL": unauthorized: ... */
        /* A token the registry rejected has left the cache (take_challenge),
         * so the cache is safe to consult on the retry too. */
        r = client_authorization(c, t->req, false, &authorization, &t->token_key, err);
        if (r < 0)
                return r == -ENOMEM ? r : error_prefix(err, r, "%s \"%s\"", go_method(t->req->method), url);
        t->sent_cached_token = t->token_key != NULL;
        r = build_headers(t, authorization);
        if (authorization)
                explicit_bzero(authorization, strlen(authorization));
        if (r < 0)
                return r;

        curl_easy_reset(t->easy);
        curl_apply_defaults(c, t->easy, t->curl_error);
        curl_easy_setopt(t->easy, CURLOPT_URL, url);
        curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
        curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t);
        curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
        curl_easy_setopt(t->easy, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(t->easy, CURLOPT_XFERINFODATA, t);
        curl_easy_setopt(t->easy, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
        set_method_and_body(t);
        return 0;
}

/* Switches an insecure registry that failed over HTTPS to plain HTTP, as
 * dockerd falls back for insecure registries. */
static bool fall_back_to_http(struct registry_client *c)
{
        const char *rest = startswith(c->url, "https://");
        char *url;

        if (!c->insecure || c->scheme_known || !rest)
                return false;
        if (asprintf(&url, "http://%s", rest) < 0)
                return false;
        free(c->url);
        c->url = url;
        c->scheme_known = true;
        return true;
}

static bool can_resend_body(const struct registry_request *req)
{
        if (!req->read_body)
                return true;
        return req->rewind_body && req->rewind_body(req->body_userdata) >= 0;
}

/* Handles a 401: keeps the challenge so the next setup sends fresh
 * credentials. Returns true when a retry may help. */
static bool take_challenge(struct transfer *t)
{
        struct registry_client *c = t->client;
        const char *header = registry_response_header(&t->resp, "WWW-Authenticate");
        struct registry_challenge challenge;

        if (t->auth_retried || c->manual_auth || !header || registry_challenge_parse(header, &challenge) < 0)
                return false;
        if (t->sent_cached_token)
                token_cache_drop(c->ctx, t->token_key);
        registry_challenge_done(&c->challenge);
        c->challenge = challenge;
        c->have_challenge = true;

        if (streq(challenge.scheme, "basic") && (isempty(c->auth.username) || !c->auth.password))
                return false;
        if (!streq(challenge.scheme, "basic") && !streq(challenge.scheme, "bearer"))
                return false;
        if (!can_resend_body(t->req))
                return false;
        t->auth_retried = true;
        return true;
}

static bool basic_without_credentials(const struct registry_client *c)
{
        return !c->manual_auth && c->have_challenge && streq(c->challenge.scheme, "basic") &&
               (isempty(c->auth.username) || !c->auth.password);
}

/* Go's registry transport fails a request that meets a Basic challenge
 * without credentials, and dockerd shows that error. */
static int no_basic_credentials(struct transfer *t, struct error *err)
{
        _cleanup_free_ char *url = request_url(t->client, t->req);

        if (!url)
                return -ENOMEM;
        return error_set(err, -EACCES, "%s \"%s\": no basic auth credentials", go_method(t->req->method), url);
}

int transfer_finish(struct transfer *t, CURLcode code, enum transfer_outcome *ret, struct error *err)
{
        struct registry_client *c = t->client;
        char *url = NULL;

        *ret = TRANSFER_DONE;
        if (code == CURLE_WRITE_ERROR || code == CURLE_ABORTED_BY_CALLBACK || code == CURLE_READ_ERROR) {
                if (t->write_error)
                        return error_set_errno(err, t->write_error, "transfer of %s stopped", c->url);
                if (t->batch && batch_cancelled(t->batch))
                        return -ECANCELED;
        }
        if (code != CURLE_OK) {
                _cleanup_free_ char *failed = request_url(c, t->req);

                if (fall_back_to_http(c) && can_resend_body(t->req)) {
                        *ret = TRANSFER_RETRY;
                        return 0;
                }
                return curl_error_to_errno(code, t->curl_error, go_method(t->req->method), failed ?: c->url, err);
        }
        c->scheme_known = true;

        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->resp.status);
        curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url);
        free(t->resp.url);
        t->resp.url = url ? strdup(url) : NULL;
        if (url && !t->resp.url)
                return -ENOMEM;

        if (t->resp.status == 401 && take_challenge(t))
                *ret = TRANSFER_RETRY;
        else if (t->resp.status == 401 && basic_without_credentials(c))
                return no_basic_credentials(t, err);
        return 0;
}

void transfer_done(struct transfer *t)
{
        registry_response_done(&t->resp);
        curl_slist_free_all(t->headers);
        t->headers = NULL;
        free(t->token_key);
        t->token_key = NULL;
        if (t->own_easy && t->easy)
                curl_easy_cleanup(t->easy);
        t->easy = NULL;
}
