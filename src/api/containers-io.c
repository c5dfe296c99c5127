/* SPDX-License-Identifier: Apache-2.0 */
/* The container stream endpoints: attach (a hijacked connection handed to
 * the backend) and logs (read from the json-file or local driver's log). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>

#include "api.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "pool/backend.h"
#include "runtime/monitor/jsonlog.h"
#include "strv.h"
#include "timeutil.h"

/* How often a following reader checks that the container still runs and
 * the client is still there. */
#define FOLLOW_POLL_MS 500

/* The options of a logs request. */
struct logs_options {
        bool include_stdout;
        bool include_stderr;
        bool timestamps;
        bool details;
        bool follow;
        /* Per stream: the last entry was part of a line over 16 KiB, so
         * the next one continues it and gets no prefix. */
        bool mid_line[3];
        bool tty;
        int64_t since_ns;
        int64_t until_ns;
        int64_t tail; /* -1 for all */
};

/* Writes one chunk: raw with a tty, else behind Docker's 8-byte header. */
typedef int (*chunk_writer_fn)(void *target, const void *data, size_t len);

/* Chunks collect in the buffer and reach the writer in one call when it
 * fills and at the end of each copy. A log of short lines thus costs one
 * send per 64 KiB instead of two per line (header and data). */
#define FRAME_BUFFER_SIZE (64 * 1024)

struct frame_writer {
        chunk_writer_fn write_fn;
        void *target;
        size_t len;
        char buffer[FRAME_BUFFER_SIZE];
};

static struct frame_writer *frame_writer_new(chunk_writer_fn write_fn, void *target)
{
        struct frame_writer *w = malloc(sizeof(*w));

        if (!w)
                return NULL;
        w->write_fn = write_fn;
        w->target = target;
        w->len = 0;
        return w;
}

static int frame_writer_flush(struct frame_writer *w)
{
        size_t len = w->len;

        if (len == 0)
                return 0;
        w->len = 0;
        return w->write_fn(w->target, w->buffer, len);
}

static int frame_writer_append(struct frame_writer *w, const void *data, size_t len)
{
        int r;

        if (len > sizeof(w->buffer) - w->len) {
                r = frame_writer_flush(w);
                if (r < 0)
                        return r;
                if (len > sizeof(w->buffer))
                        return w->write_fn(w->target, data, len);
        }
        memcpy(w->buffer + w->len, data, len);
        w->len += len;
        return 0;
}

static int write_frame(struct frame_writer *w, const struct logs_options *o, int stream, const void *data, size_t len)
{
        unsigned char header[8] = { (unsigned char)stream, 0, 0, 0 };
        uint32_t size = htonl((uint32_t)len);
        int r;

        if (o->tty)
                return frame_writer_append(w, data, len);
        memcpy(header + 4, &size, sizeof(size));
        r = frame_writer_append(w, header, sizeof(header));
        return r < 0 ? r : frame_writer_append(w, data, len);
}

/* Writes s as Go's url.QueryEscape: unreserved bytes as they are, a
 * space as "+", every other byte as %XX. */
static void query_escape(FILE *out, const char *s)
{
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~')
                        fputc(*p, out);
                else if (*p == ' ')
                        fputc('+', out);
                else
                        fprintf(out, "%%%02X", *p);
        }
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends KEY=VALUE pairs of attrs, sorted by key and joined by commas,
 * each escaped as Go's url.QueryEscape does, as docker logs --details
 * shows them. */
static void append_details(FILE *out, const struct jsonlog_entry *e)
{
        _cleanup_json_ json_object *attrs = NULL;
        _cleanup_strv_free_ char **keys = NULL;

        if (!e->attrs || json_parse_buffer(e->attrs, e->attrs_len, &attrs, NULL) < 0 ||
            !json_object_is_type(attrs, json_type_object))
                return;
        json_object_object_foreach (attrs, key, value) {
                (void)value;
                if (strv_append(&keys, key) < 0)
                        return;
        }
        if (keys)
                qsort(keys, strv_length(keys), sizeof(*keys), compare_strings);
        for (size_t i = 0; keys && keys[i]; i++) {
                if (i > 0)
                        fputc(',', out);
                query_escape(out, keys[i]);
                fputc('=', out);
                query_escape(out, json_field_string(attrs, keys[i], ""));
        }
}

static int write_entry(struct frame_writer *w, struct logs_options *o, const struct jsonlog_entry *e)
{
        _cleanup_free_ char *line = NULL;
        char stamp[TIMEUTIL_RFC3339_MAX];
        bool prefix = !o->mid_line[e->stream];
        size_t size = 0;
        FILE *out;

        o->mid_line[e->stream] = e->len == 0 || e->data[e->len - 1] != '\n';
        if (!prefix || (!o->timestamps && !o->details))
                return write_frame(w, o, e->stream, e->data, e->len);

        out = open_memstream(&line, &size);
        if (!out)
                return -ENOMEM;
        if (o->timestamps)
                fprintf(out, "%s ", timeutil_format_rfc3339(e->time_ns, stamp, sizeof(stamp)));
        if (o->details) {
                append_details(out, e);
                fputc(' ', out);
        }
        fwrite(e->data, 1, e->len, out);
        if (fclose(out) != 0)
                return -ENOMEM;
        return write_frame(w, o, e->stream, line, size);
}

static bool entry_selected(const struct logs_options *o, const struct jsonlog_entry *e)
{
        if (e->stream == JSONLOG_STDOUT && !o->include_stdout)
                return false;
        if (e->stream == JSONLOG_STDERR && !o->include_stderr)
                return false;
        return !o->since_ns || e->time_ns >= o->since_ns;
}

static int copy_buffered(struct jsonlog_reader *reader, struct logs_options *o, struct frame_writer *w)
{
        struct jsonlog_entry e;
        int r;

        while ((r = jsonlog_reader_next(reader, &e)) > 0) {
                if (o->until_ns && e.time_ns > o->until_ns)
                        return 1;
                if (!entry_selected(o, &e))
                        continue;
                r = write_entry(w, o, &e);
                if (r < 0)
                        return r;
        }
        return r;
}

/* Copies the log's entries to the writer until its current end, and
 * flushes them. Returns 1 when an entry past "until" ends the copy, 0 at
 * the end, or <0. */
static int copy_entries(struct jsonlog_reader *reader, struct logs_options *o, struct frame_writer *w)
{
        int r = copy_buffered(reader, o, w), flushed;

        flushed = frame_writer_flush(w);
        if (r < 0)
                return r;
        if (flushed < 0)
                return flushed;
        return r;
}

/* Returns the format of c's log file. Call with c->lock held. */
static enum jsonlog_format log_format(struct container *c)
{
        json_object *config = json_field_object(c->host_config, "LogConfig");

        return jsonlog_format_for_driver(json_field_string(config, "Type", NULL));
}

static bool container_running(struct container *c)
{
        bool running;

        pthread_mutex_lock(&c->lock);
        running = container_is_running(c) || c->state.status == CONTAINER_RESTARTING;
        pthread_mutex_unlock(&c->lock);
        return running;
}

/* ---- logs ---- */

struct logs_job {
        struct container *container;
        char *path;
        enum jsonlog_format format;
        struct logs_options options;
};

static int stream_writer(void *target, const void *data, size_t len)
{
        return http_stream_write(target, data, len);
}

static void logs_stream(struct http_stream *stream, void *userdata)
{
        struct logs_job *job = userdata;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *reader = NULL;
        _cleanup_free_ struct frame_writer *writer = frame_writer_new(stream_writer, stream);
        int r;

        r = writer ? jsonlog_reader_open_format(job->path, job->format, &reader) : -ENOMEM;
        if (r >= 0)
                r = jsonlog_reader_tail(reader, job->options.tail);
        if (r < 0) {
                log_warn_errno(r, "Reading the log of container %s failed: %m", job->container->id);
                goto done;
        }

        for (;;) {
                /* Sample before copying: a container seen stopped has
                 * flushed its log, so one more copy reaches its end. */
                bool running = job->options.follow && container_running(job->container);

                r = copy_entries(reader, &job->options, writer);
                if (r != 0 || !running || http_stream_closed(stream))
                        break;
                r = jsonlog_reader_wait(reader, FOLLOW_POLL_MS);
                if (r < 0)
                        break;
        }
done:
        container_unref(job->container);
        free(job->path);
        free(job);
}

static int parse_time_param(struct http_request *req, const char *key, int64_t *ret, struct error *err)
{
        const char *value = http_query(req, key);

        *ret = 0;
        if (isempty(value) || streq(value, "0"))
                return 0;
        if (timeutil_parse_timestamp(value, ret) < 0)
                return error_set(err, -EINVAL, "invalid value for \"%s\": failed to parse value %s as a time", key,
                                 value);
        return 0;
}

static int parse_logs_options(struct http_request *req, struct logs_options *o, struct error *err)
{
        const char *tail = http_query(req, "tail");
        int r;

        o->include_stdout = http_query_bool(req, "stdout", false);
        o->include_stderr = http_query_bool(req, "stderr", false);
        o->timestamps = http_query_bool(req, "timestamps", false);
        o->details = http_query_bool(req, "details", false);
        o->follow = http_query_bool(req, "follow", false);
        if (!o->include_stdout && !o->include_stderr)
                return error_set(err, -EINVAL, "Bad parameters: you must choose at least one stream");

        o->tail = -1;
        if (!isempty(tail) && !streq(tail, "all")) {
                char *end;
                long long n = strtoll(tail, &end, 10);

                /* Docker reads an unparsable tail as "all". */
                if (!*end && n >= 0)
                        o->tail = n;
        }
        r = parse_time_param(req, "since", &o->since_ns, err);
        if (r >= 0)
                r = parse_time_param(req, "until", &o->until_ns, err);
        return r;
}

void api_container_logs(struct http_request *req)
{
        _cleanup_container_ struct container *c = api_find_container(req);
        _cleanup_error_ struct error err = ERROR_INIT;
        struct logs_job *job;
        char *path;
        int r;

        if (!c)
                return;
        job = calloc(1, sizeof(*job));
        if (!job) {
                http_reply_error_status(req, 500, "out of memory");
                return;
        }
        r = parse_logs_options(req, &job->options, &err);
        pthread_mutex_lock(&c->lock);
        job->options.tty = container_tty(c);
        job->format = log_format(c);
        pthread_mutex_unlock(&c->lock);
        path = r >= 0 ? c->backend->ops->log_path(c->backend, c) : NULL;
        if (r >= 0 && !path)
                r = error_set(&err, -EOPNOTSUPP, "configured logging driver does not support reading");
        if (r < 0) {
                free(job);
                api_reply_error(req, r, &err);
                return;
        }
        job->container = TAKE_PTR(c);
        job->path = path;
        http_reply_stream(req, 200, NULL, logs_stream, job);
}

/* ---- attach ---- */

struct attach_job {
        struct daemon *daemon;
        struct container *container;
        struct attach_request *request;
        bool logs;
        bool stream;
        bool tty;
};

static int fd_writer(void *target, const void *data, size_t len)
{
        return fs_write_all(*(int *)target, data, len);
}

/* Replays the log to a client that asked for logs=1 before it gets live output. */
static void replay_log(struct attach_job *job)
{
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *reader = NULL;
        _cleanup_free_ char *path = job->container->backend->ops->log_path(job->container->backend, job->container);
        _cleanup_free_ struct frame_writer *writer = frame_writer_new(fd_writer, &job->request->fd);
        struct logs_options o = {
                .include_stdout = job->request->attach_stdout,
                .include_stderr = job->request->attach_stderr,
                .tty = job->tty,
                .tail = -1,
        };

        enum jsonlog_format format;

        pthread_mutex_lock(&job->container->lock);
        format = log_format(job->container);
        pthread_mutex_unlock(&job->container->lock);
        if (!path || !writer || jsonlog_reader_open_format(path, format, &reader) < 0)
                return;
        copy_entries(reader, &o, writer);
}

static void attach_hijacked(int fd, const void *pending, size_t pending_len, void *userdata)
{
        struct attach_job *job = userdata;
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        job->request->fd = fd;
        if (pending_len > 0) {
                job->request->pending = malloc(pending_len);
                if (job->request->pending) {
                        memcpy(job->request->pending, pending, pending_len);
                        job->request->pending_len = pending_len;
                }
        }
        if (job->logs)
                replay_log(job);
        if (!job->stream) {
                /* logs=1 without stream=1 is a one-shot read of the log. */
                attach_request_free(job->request);
                container_unref(job->container);
                free(job);
                return;
        }

        r = engine_container_attach(job->daemon->engine, job->container, TAKE_PTR(job->request), &err);
        if (r < 0)
                log_warn("Attaching to container %s failed: %s", job->container->id, error_message(&err, r));
        container_unref(job->container);
        free(job);
}

static struct attach_request *attach_request_from_query(struct http_request *req)
{
        struct attach_request *ar = calloc(1, sizeof(*ar));
        const char *keys = http_query(req, "detachKeys");

        if (!ar)
                return NULL;
        ar->fd = -1;
        ar->attach_stdin = http_query_bool(req, "stdin", false);
        ar->attach_stdout = http_query_bool(req, "stdout", false);
        ar->attach_stderr = http_query_bool(req, "stderr", false);
        if (!isempty(keys) && !(ar->detach_keys = strdup(keys))) {
                free(ar);
                return NULL;
        }
        return ar;
}

void api_container_attach(struct http_request *req)
{
        struct container *c = api_find_container(req);
        struct attach_job *job;

        if (!c)
                return;
        job = calloc(1, sizeof(*job));
        if (job)
                job->request = attach_request_from_query(req);
        if (!job || !job->request) {
                free(job);
                container_unref(c);
                http_reply_error_status(req, 500, "out of memory");
                return;
        }
        job->daemon = api_daemon(req);
        job->container = c;
        job->logs = http_query_bool(req, "logs", false);
        job->stream = http_query_bool(req, "stream", false);
        pthread_mutex_lock(&c->lock);
        job->tty = container_tty(c);
        pthread_mutex_unlock(&c->lock);

        /* API 1.41 and older reply with the raw-stream type, tty or not. */
        http_hijack(req, "application/vnd.docker.raw-stream", attach_hijacked, job);
}
