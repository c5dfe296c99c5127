/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <microhttpd.h>
#include <pthread.h>

#include "http-parse.h"
#include "http.h"

/*
 * Internals shared by the files of the HTTP layer.
 *
 * Threads: libmicrohttpd runs each connection in its own thread and calls
 * access_handler there. HTTP_BODY_JSON handlers run on that connection
 * thread. HTTP_BODY_STREAM handlers run on a worker thread while the
 * connection thread feeds the body into a socket pair. Stream callbacks
 * and hijack callbacks run on threads of their own, or on the worker.
 * A request is reference counted, because those threads may outlive
 * libmicrohttpd's view of it.
 */

struct http_listener {
        struct http_server *server;
        struct MHD_Daemon *daemon;
        int fd;     /* listening socket, until http_server_stop closes it */
        char *path; /* socket file to remove on stop, NULL for fd:// */
        char *pool;
};

struct http_server {
        pthread_mutex_t lock;
        pthread_cond_t idle; /* signalled when n_active drops */
        unsigned n_refs;     /* the owner's and one per live request */
        unsigned n_active;   /* requests libmicrohttpd has not completed */
        bool stopping;
        int stop_fd; /* eventfd, readable once stopping ends the streams */

        const struct http_route *routes;
        size_t n_routes;
        void *userdata;
        unsigned idle_timeout_s;

        struct http_listener **listeners;
        size_t n_listeners;
};

/* Body bytes still read and dropped after a reply sent early. */
#define HTTP_DRAIN_MAX (64u * 1024 * 1024)

/* How far a request has come. */
enum request_state {
        REQUEST_NEW,         /* headers read, handler not chosen yet */
        REQUEST_JSON_BODY,   /* collecting an HTTP_BODY_JSON body */
        REQUEST_STREAM_BODY, /* feeding the worker's body socket */
        REQUEST_DISCARD,     /* a reply is set: drop the rest of the body */
        REQUEST_DRAIN,       /* a reply was sent early: drop the body, then close */
        REQUEST_QUEUED,      /* the reply is queued with libmicrohttpd */
};

enum reply_kind {
        REPLY_NONE,
        REPLY_BUFFER,
        REPLY_STREAM,
        REPLY_UPGRADE,
};

struct http_stream {
        struct http_request *req;
        pthread_mutex_t write_lock; /* keeps each http_stream_write whole */
        int write_fd;               /* the handler's end of the socket pair */
        int read_fd;                /* the end libmicrohttpd's reader polls */
        bool closed;                /* the client has gone (atomic access) */
        http_stream_fn fn;
        http_hijack_fn hijack_fn; /* set for the hijack fallback */
        void *userdata;
};

struct http_request {
        unsigned n_refs; /* atomic */
        struct http_listener *listener;
        struct http_server *server;
        struct MHD_Connection *connection;
        int client_fd; /* the connection's socket, only for poll() */
        int64_t start_ns;

        enum request_state state;
        char *target; /* the request target as sent */
        char *method;
        char *path;
        char *version;
        unsigned api_version;
        const struct http_route *route;
        struct http_match match;
        char *params[HTTP_MAX_PATH_PARAMS];
        char **query;   /* decoded key, value pairs */
        char **headers; /* name, value pairs copied from the request */
        bool upgrade;   /* the client asked for "Upgrade" */

        /* HTTP_BODY_JSON */
        char *body;
        size_t body_len;
        size_t body_allocated;
        bool body_checked;
        size_t drained; /* body bytes dropped after an early reply */
        json_object *json;

        /* HTTP_BODY_STREAM */
        int body_fd; /* handler's end */
        int feed_fd; /* connection thread's end */
        bool on_worker;

        /* The reply; lock and cond hand it from a worker to the connection. */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool handler_done;
        bool gone; /* libmicrohttpd has completed the request */
        enum reply_kind reply_kind;
        unsigned status;
        char *content_type;
        char **reply_headers; /* name, value pairs from http_reply_add_header */
        char *reply_body;
        size_t reply_body_len;
        struct http_stream *stream;
        http_hijack_fn hijack_fn;
        void *hijack_userdata;
};

/* server.c */
void server_unref(struct http_server *s);
int thread_start_detached(void *(*fn)(void *), void *arg);
/* Returns the free memory of every malloc arena to the kernel. Called when a
 * handler with a streamed body or reply ends: load, pull, save, docker cp. */
void heap_trim(void);

/* request.c */
extern const struct MHD_OptionItem request_options[];
enum MHD_Result request_access_handler(void *cls, struct MHD_Connection *connection, const char *url,
                                       const char *method, const char *version, const char *upload_data,
                                       size_t *upload_data_size, void **con_cls);
void *request_uri_logger(void *cls, const char *uri, struct MHD_Connection *connection);
void request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                       enum MHD_RequestTerminationCode toe);
struct http_request *request_ref(struct http_request *req);
void request_unref(struct http_request *req);

/* body.c */
enum MHD_Result body_json_begin(struct http_request *req);
enum MHD_Result body_json_receive(struct http_request *req, const char *data, size_t len);
int body_json_finish(struct http_request *req);
enum MHD_Result body_stream_begin(struct http_request *req);
enum MHD_Result body_stream_receive(struct http_request *req, const char *data, size_t len);
void body_stream_finish(struct http_request *req);
void body_stream_abort(struct http_request *req);
void body_stream_wait_reply(struct http_request *req);

/* reply.c */
/* Claims the single reply of a request: false when one was set already
 * (the second is dropped). Called with req->lock held. */
bool reply_claim(struct http_request *req, enum reply_kind kind, unsigned status, const char *content_type);
/* Wakes the connection thread waiting for the reply. Called with req->lock held. */
void reply_publish(struct http_request *req);
/* Queues the reply with libmicrohttpd: a buffer, a stream or an upgrade. */
enum MHD_Result reply_queue(struct http_request *req);
/* Writes a buffered reply straight to the socket in the middle of a body,
 * which libmicrohttpd cannot do, and returns MHD_NO to close the connection. */
enum MHD_Result reply_send_early(struct http_request *req);
/* Serialises obj as Go's json.Encoder does: compact, then a newline. */
char *reply_json_line(json_object *obj, size_t *ret_len);
void reply_free(struct http_request *req);

/* stream.c */
/* Starts a stream reply: fn writes through the stream, or for the hijack
 * fallback hijack_fn gets the writing end as its fd. */
void stream_start(struct http_request *req, unsigned status, const char *content_type, http_stream_fn fn,
                  http_hijack_fn hijack_fn, void *userdata);
struct MHD_Response *stream_response_new(struct http_stream *stream);
/* Marks the client gone and closes the reading end, so writes fail with
 * EPIPE. Runs on the connection thread, which alone reads the stream. */
void stream_hangup(struct http_stream *stream);
void stream_free(struct http_stream *stream);

/* hijack.c */
struct MHD_Response *hijack_response_new(struct http_request *req);
