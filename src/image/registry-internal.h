/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <curl/curl.h>
#include <pthread.h>

#include "registry.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(CURL *, curl_easy_cleanup)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct curl_slist *, curl_slist_free_all)
#define _cleanup_curl_       _cleanup_(curl_easy_cleanupp)
#define _cleanup_curl_slist_ _cleanup_(curl_slist_free_allp)

/* Bodies of registry responses kept in memory when the caller gives no
 * limit: error documents, manifests, token responses. */
#define REGISTRY_BODY_MAX_DEFAULT (4u * 1024 * 1024)

/* One WWW-Authenticate challenge (RFC 7235), the first one of the header. */
struct registry_challenge {
        char *scheme; /* lowercase: "basic" or "bearer" (others are kept too) */
        char *realm;
        char *service;
        char *scope;
        char *error; /* "insufficient_scope", "invalid_token", ... */
        char *error_description;
};

/* Parses the first challenge of a WWW-Authenticate value: a scheme token,
 * then comma-separated auth-params whose values are tokens or quoted
 * strings with backslash escapes. Parameter names match
 * case-insensitively. Malformed input is -EINVAL. */
int registry_challenge_parse(const char *header, struct registry_challenge *ret);
void registry_challenge_done(struct registry_challenge *c);

/* A token server's response (the Docker token authentication spec and
 * OAuth2): "token" or "access_token", "expires_in" seconds,
 * "refresh_token". */
struct registry_token {
        char *token;
        char *refresh_token; /* or NULL */
        int64_t expires_in;  /* seconds, 60 when the server gives none or less */
};

/* Parses a token response body. A body without a token, or with a token
 * that cannot go into an HTTP header, is -EBADMSG. */
int registry_token_parse(const char *buf, size_t len, struct registry_token *ret, struct error *err);
void registry_token_done(struct registry_token *t);

struct cidr {
        int family; /* AF_INET or AF_INET6 */
        unsigned char addr[16];
        unsigned prefix;
};

struct token_entry {
        struct token_entry *next;
        char *key;
        char *token;
        int64_t expires_ns; /* CLOCK_MONOTONIC */
};

struct registry_context {
        char **insecure_hosts;
        struct cidr *insecure_cidrs;
        size_t n_insecure_cidrs;
        char **mirrors;
        char *certs_dir;

        pthread_mutex_t lock; /* guards tokens */
        struct token_entry *tokens;
        size_t n_tokens;
};

/* Parses "a.b.c.d/n" or "x::y/n". */
int cidr_parse(const char *s, struct cidr *ret);
/* Tells whether the literal address host lies in c. */
bool cidr_contains(const struct cidr *c, const char *host);

/* Token cache: the key names the token server, the credentials and the
 * scopes. Lookups skip expired entries. */
char *token_cache_get(struct registry_context *ctx, const char *key);
void token_cache_put(struct registry_context *ctx, const char *key, const char *token, int64_t expires_in);
void token_cache_drop(struct registry_context *ctx, const char *key);

struct registry_client {
        struct registry_context *ctx;
        char *domain;      /* the reference domain */
        char *host;        /* host[:port] in URLs */
        char *url;         /* "https://host" or "http://host" */
        bool insecure;     /* TLS unverified, plain HTTP allowed */
        bool scheme_known; /* set once a request got any response */
        bool mirror;
        bool manual_auth; /* the caller sends Authorization itself (login) */
        struct registry_auth auth;
        /* The last challenge seen; requests after the first send
         * credentials right away. */
        struct registry_challenge challenge;
        bool have_challenge;
        CURL *easy; /* reused by registry_request, so connections stay open */
};

/* One exchange in flight: the curl handle, the request and what came back. */
struct transfer {
        struct registry_client *client;
        const struct registry_request *req;
        CURL *easy;
        bool own_easy;
        struct curl_slist *headers;
        struct registry_response resp;
        size_t body_sent; /* bytes of req->body sent so far */
        bool auth_retried;
        bool sent_cached_token;
        char *token_key; /* cache key of the token sent, or NULL */
        int write_error; /* the error a write_body callback returned */
        bool body_begun; /* begin_body was called for the current response */
        char curl_error[CURL_ERROR_SIZE];
        /* Batch bookkeeping. */
        struct registry_batch *batch;
        registry_done_fn done;
        void *done_userdata;
        struct transfer *next;
};

/* Sets up t->easy for t->req: URL, method, headers, credentials, body and
 * callbacks. */
int transfer_setup(struct transfer *t, struct error *err);

enum transfer_outcome {
        TRANSFER_DONE,
        TRANSFER_RETRY, /* set up and perform again */
};

/* Judges a finished transfer: a transport error, a scheme fallback of an
 * insecure registry, or a 401 that credentials may satisfy. Returns the
 * outcome, or a negative errno with its message in err. */
int transfer_finish(struct transfer *t, CURLcode code, enum transfer_outcome *ret, struct error *err);

void transfer_done(struct transfer *t);

/* Tells whether registry_batch_cancel was called on b. */
bool batch_cancelled(const struct registry_batch *b);

/* Authorization header value for the request's scope, from the cache or
 * the token server, or NULL when the client has no challenge yet. */
int client_authorization(struct registry_client *c, const struct registry_request *req, bool fresh, char **ret_value,
                         char **ret_token_key, struct error *err);

/* Authorization header value for docker login: a fresh token requested
 * with offline_token=true (or the refresh-token grant), or Basic. The
 * refresh token the server returned, if any, goes to ret_refresh. */
int client_login_authorization(struct registry_client *c, char **ret_value, char **ret_refresh, struct error *err);

/* Maps a curl failure to a negative errno, with err's message in the form
 * of Go's url.Error: <Method> "<url>": <curl's reason>. */
int curl_error_to_errno(CURLcode code, const char *detail, const char *method, const char *url, struct error *err);

/* Applies TLS, timeout and redirect settings shared by every handle. */
void curl_apply_defaults(struct registry_client *c, CURL *easy, char *error_buffer);
