/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "macro.h"

/*
 * A client of the Docker Registry HTTP API v2 (the OCI distribution API)
 * over libcurl, used by pull and push.
 *
 *  - struct registry_context is daemon-wide: the insecure registries, the
 *    mirrors of Docker Hub and the cache of bearer tokens. It is
 *    thread-safe and outlives every client made from it.
 *  - struct registry_auth contains the credentials of one API request,
 *    decoded from its X-Registry-Auth header.
 *  - struct registry_client talks to one registry endpoint with one set of
 *    credentials. One thread uses it at a time (a pull or a push owns its
 *    client); clients of the same context share cached tokens.
 *  - registry_request() performs one HTTP exchange below /v2/, responding to a 401 challenge with Basic or bearer
 * credentials and retrying once.
 *  - struct registry_batch runs several requests of one client at once
 *    (curl multi), for parallel layer transfers.
 *
 * Scheme: a registry in insecure-registries (by host[:port], or by an
 * address in one of its CIDR ranges) and every loopback registry
 * ("localhost", 127.0.0.0/8, ::1) is tried over HTTPS without certificate
 * verification first and over plain HTTP when the TLS handshake fails, as
 * dockerd 20.10 does. Other registries get HTTPS with verification only.
 * Docker Hub ("docker.io") is reached as "registry-1.docker.io".
 *
 * Errors: transport failures are -EIO (-ETIMEDOUT, -ECONNREFUSED and
 * -EHOSTUNREACH where curl tells them apart) with curl's reason in err. A
 * reply with a status code is no error for registry_request(); callers
 * turn unexpected ones into errors with registry_response_error().
 */

struct registry_context;
struct registry_client;
struct registry_batch;

/* ---- Daemon-wide settings and the token cache ---- */

struct registry_options {
        /* "insecure-registries": "host[:port]" or CIDR ranges, or NULL. */
        char *const *insecure_registries;
        /* "registry-mirrors": "http(s)://host[:port]" URLs for Docker Hub
         * names, tried in order before Docker Hub itself, or NULL. */
        char *const *mirrors;
        /* Directory with a "<host[:port]>/ca.crt" CA certificate per
         * registry, as /etc/docker/certs.d is for dockerd; NULL for none.
         * NOTE: only ca.crt is read; dockerd also takes other *.crt files
         * and client certificates (*.cert, *.key), which this does not. */
        const char *certs_dir;
};

/* Checks the options (each entry a host, host:port, CIDR or mirror URL,
 * with dockerd's messages) and copies them. */
int registry_context_new(const struct registry_options *opts, struct registry_context **ret, struct error *err);
void registry_context_free(struct registry_context *ctx);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct registry_context *, registry_context_free)

/* The mirror URLs to try for a reference's domain before the registry
 * itself: the configured mirrors for "docker.io", none otherwise.
 * NULL-terminated, owned by ctx. */
char *const *registry_context_mirrors(const struct registry_context *ctx, const char *domain);

/* Tells whether domain ("host[:port]") may be reached without verified
 * TLS: listed in insecure-registries, in one of its CIDR ranges, or
 * loopback. A host name is resolved only against its literal address
 * form, never through DNS. */
bool registry_context_is_insecure(const struct registry_context *ctx, const char *domain);

/* ---- Credentials ---- */

/* The AuthConfig of the Docker API, as X-Registry-Auth carries it. */
struct registry_auth {
        char *username;
        char *password;
        char *identity_token; /* an OAuth2 refresh token from an earlier login */
        char *registry_token; /* a bearer token sent as it is */
        char *server_address;
};

/* Decodes an X-Registry-Auth header: base64url (the standard alphabet
 * and missing padding are accepted too) of a JSON AuthConfig, whose keys
 * match case-insensitively as Go's encoding/json does. NULL or "" gives
 * empty credentials. Malformed input is -EINVAL; pull and push then go on
 * without credentials, as dockerd 20.10 does. */
int registry_auth_parse(const char *header, struct registry_auth *ret, struct error *err);

/* Decodes the JSON body of POST /auth into *ret, as registry_auth_parse
 * does for the header. */
int registry_auth_parse_json(const char *buf, size_t len, struct registry_auth *ret, struct error *err);

void registry_auth_done(struct registry_auth *a);

static inline void registry_auth_donep(struct registry_auth *a)
{
        registry_auth_done(a);
}

#define _cleanup_registry_auth_ _cleanup_(registry_auth_donep)

/* ---- Clients ---- */

/* Creates a client for the registry of a reference's domain
 * ("docker.io", "localhost:5000", "registry.example.com"). auth may be
 * NULL for anonymous access. */
int registry_client_new(struct registry_context *ctx, const char *domain, const struct registry_auth *auth,
                        struct registry_client **ret, struct error *err);

/* Creates a client for a mirror URL ("http://127.0.0.1:5000"): the
 * scheme is the URL's, and TLS is verified unless the host is insecure. */
int registry_client_new_mirror(struct registry_context *ctx, const char *url, const struct registry_auth *auth,
                               struct registry_client **ret, struct error *err);

void registry_client_free(struct registry_client *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct registry_client *, registry_client_free)

/* The base URL requests go to ("http://127.0.0.1:5000"), after the
 * scheme has been chosen by the first request; before that, the first
 * scheme to try. Owned by c. */
const char *registry_client_url(const struct registry_client *c);

/* The reference domain the client was made for ("docker.io" also for a
 * mirror of Docker Hub). Owned by c. */
const char *registry_client_domain(const struct registry_client *c);

/* Checks the credentials as docker login does: GET /v2/, then the
 * challenge's flow (Basic, or a token request with offline_token=true
 * and client_id=docker). A refresh token the token server returns goes
 * to *ret_identity_token (a new string, or NULL when it sent none).
 * Rejected credentials are -EACCES with dockerd's message. */
int registry_client_login(struct registry_client *c, char **ret_identity_token, struct error *err);

/* ---- Requests ---- */

/* Scope actions of a bearer token (the "scope" parameter
 * "repository:<name>:<actions>"). */
#define REGISTRY_PULL      "pull"
#define REGISTRY_PULL_PUSH "pull,push"

/* Reads up to size bytes of a request body into buf. Returns the count,
 * 0 at the end, or a negative errno that aborts the request. */
typedef ssize_t (*registry_read_fn)(void *buf, size_t size, void *userdata);

/* Takes size bytes of a response body. Returns 0, or a negative errno that
 * aborts the request with that error. */
typedef int (*registry_write_fn)(const void *data, size_t size, void *userdata);
struct registry_response;
/* Called with the status and headers of a 2xx response before its body. */
typedef int (*registry_begin_fn)(const struct registry_response *resp, void *userdata);

struct registry_request {
        const char *method;     /* NULL for "GET"; also "HEAD", "PUT", "POST", "PATCH", "DELETE" */
        const char *repository; /* "library/busybox"; NULL for the /v2/ root */
        /* The path after "/v2/<repository>/" ("manifests/latest",
         * "blobs/sha256:...", "blobs/uploads/"), or an absolute URL or a
         * path starting with "/" as a Location header gives it. Query
         * strings are kept. */
        const char *path;
        const char *actions;  /* REGISTRY_PULL (the default for NULL) or REGISTRY_PULL_PUSH */
        char *const *scopes;  /* extra token scopes ("repository:other/repo:pull"), or NULL */
        char *const *headers; /* extra request headers "Name: value", NULL-terminated, or NULL */

        /* The request body: body_len bytes at body, or read_body called
         * until it returns 0 (body_size bytes, or chunked when -1). A
         * body read through read_body is sent again after a 401 only if
         * rewind_body is set and returns 0. */
        const void *body;
        size_t body_len;
        registry_read_fn read_body;
        int (*rewind_body)(void *userdata);
        int64_t body_size;
        void *body_userdata;

        /* The response body. A 2xx body goes to write_body when it is
         * set. Every other body is kept in the response up to max_body
         * bytes (0 means 4 MiB), and a longer one fails the request with
         * -EFBIG. */
        registry_write_fn write_body;
        size_t max_body;
        void *write_userdata;
        /* Called, when set, before the first write_body call of each 2xx
         * response, with write_userdata. A negative errno fails the
         * request with it. */
        registry_begin_fn begin_body;
};

struct registry_response {
        long status;    /* the HTTP status of the last response */
        char **headers; /* its headers, "Name: value" without CRLF, NULL-terminated */
        char *body;     /* a kept body, NUL-terminated, or NULL */
        size_t body_len;
        char *url; /* the URL of the final response, after redirects */
};

void registry_response_done(struct registry_response *r);

static inline void registry_response_donep(struct registry_response *r)
{
        registry_response_done(r);
}

#define _cleanup_registry_response_ _cleanup_(registry_response_donep)

/* Sends one request and fills *ret with the final response (any status).
 * On a 401 with a challenge it gets a token (or uses Basic credentials)
 * for the request's scope and sends the request once more. A Basic
 * challenge to a client without credentials fails with -EACCES and
 * dockerd's text (<Method> "<url>": no basic auth credentials). Redirects
 * are followed, over http and https only, without the Authorization
 * header when the host changes. */
int registry_request(struct registry_client *c, const struct registry_request *req, struct registry_response *ret,
                     struct error *err);

/* The value of the first header called name (case-insensitive), without
 * surrounding blanks, or NULL. Points into r. */
const char *registry_response_header(const struct registry_response *r, const char *name);

/* Copies a valid Docker-Content-Digest ("sha256:<64 hex>") into ret
 * (DIGEST_STRING_MAX bytes). -ENOENT when missing, -EBADMSG when it is
 * not a sha256 digest. */
int registry_response_digest(const struct registry_response *r, char *ret);

/* Resolves the Location header against the response URL, giving an
 * absolute http or https URL in *ret (a new string). -ENOENT when
 * missing, -EBADMSG when malformed. */
int registry_response_location(const struct registry_response *r, char **ret);

/* Turns a response that is not what the caller expected into an error
 * with docker/distribution's text: the registry's {"errors":[{"code",
 * "message"}]} entries as "<code in lowercase words>: <message>" (e.g.
 * "manifest unknown: manifest unknown"), else the status. Returns -ENOENT
 * for 404, -EACCES for 401 and 403, -EINVAL for 400, -EAGAIN for 429 and
 * 503, -EIO otherwise. */
int registry_response_error(const struct registry_response *r, struct error *err);

/* The code ("MANIFEST_UNKNOWN") and message of the response's first
 * error, as registry_response_error orders them, in new strings. Codes
 * docker/distribution does not know read as "UNKNOWN"; an empty message
 * reads as the code's default. -ENOENT when the response states none. */
int registry_response_first_error(const struct registry_response *r, char **ret_code, char **ret_message);

/* ---- Parallel transfers ---- */

/* Called when a transfer of a batch ends: r is what registry_request
 * would have returned, err its message, resp the response. Runs on the
 * thread that called registry_batch_run. */
typedef void (*registry_done_fn)(int r, const struct registry_response *resp, const struct error *err, void *userdata);

/* Creates a batch that runs at most max_parallel requests of c at once. */
int registry_batch_new(struct registry_client *c, unsigned max_parallel, struct registry_batch **ret);
void registry_batch_free(struct registry_batch *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct registry_batch *, registry_batch_free)

/* Queues a request; req and everything it points to must stay valid until
 * done has been called for it. */
int registry_batch_add(struct registry_batch *b, const struct registry_request *req, registry_done_fn done,
                       void *userdata);

/* Called by registry_batch_run at least once a second, and more often
 * while transfers move data. Returns true while the caller still has work for the
 * batch that is not queued yet (a retry waiting for its delay), so the
 * batch keeps running while nothing is in flight. */
typedef bool (*registry_tick_fn)(void *userdata);
void registry_batch_set_tick(struct registry_batch *b, registry_tick_fn tick, void *userdata);

/* Runs the queued requests until all have ended, calling done for each,
 * also for those a cancel stopped (with -ECANCELED). A done callback may
 * queue more requests. Returns 0, or a negative errno when the batch
 * itself failed. */
int registry_batch_run(struct registry_batch *b);

/* Stops every transfer of the batch: running ones end with -ECANCELED and
 * queued ones never start. Safe to call from a done or write callback. */
void registry_batch_cancel(struct registry_batch *b);
