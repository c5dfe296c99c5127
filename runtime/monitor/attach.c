/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attached clients: connections the daemon hands over with "attach". Each
 * gets the container's output (framed per stream without a tty) and may
 * feed its stdin, following dockerd's attach semantics as proto.h lists
 * them.
 */
#include <endian.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "base64.h"
#include "jsonutil.h"
#include "log.h"
#include "monitor.h"
#include "timeutil.h"

#define INPUT_CHUNK 4096

static void client_dispatch(struct monitor *m, struct watch *w, uint32_t events);

static uint32_t client_events(struct monitor *m, struct client *c)
{
        uint32_t events = 0;

        if (c->dead)
                return 0;
        if (c->reading && !m->input_paused)
                events |= EPOLLIN;
        if (c->out.len > 0)
                events |= EPOLLOUT;
        return events;
}

static void client_watch_update(struct monitor *m, struct client *c)
{
        int r = watch_set(m, &c->watch, client_events(m, c));

        if (r < 0)
                log_warn_errno(r, "Updating the events of client %u failed: %m", c->id);
}

void clients_update(struct monitor *m)
{
        for (struct client *c = m->clients; c; c = c->next)
                client_watch_update(m, c);
}

void client_drop(struct monitor *m, struct client *c)
{
        if (c->dead)
                return;
        /* The daemon may still have a copy of the fd, so only a shutdown
         * guarantees that the peer reads the end of the stream. */
        shutdown(c->watch.fd, SHUT_RDWR);
        watch_close(m, &c->watch);
        buffer_release(&c->out);
        c->dead = true;
        log_debug("Client %u closed", c->id);
        stdio_update_output(m);
}

/* Ends the attach once what is buffered for the client has been sent. */
void client_close(struct monitor *m, struct client *c)
{
        if (c->dead)
                return;
        c->closing = true;
        c->reading = false;
        if (c->out.len == 0) {
                client_drop(m, c);
                return;
        }
        client_watch_update(m, c);
}

static void client_flush(struct monitor *m, struct client *c)
{
        ssize_t n = buffer_flush(&c->out, c->watch.fd);

        if (n < 0) {
                log_debug("Writing to client %u failed: %s", c->id, strerror((int)-n));
                client_drop(m, c);
                return;
        }
        if (n > 0 || c->out.len == 0)
                c->progress_ns = timeutil_monotonic_ns();
        if (c->out.len == 0 && c->closing) {
                client_drop(m, c);
                return;
        }
        client_watch_update(m, c);
        stdio_update_output(m);
}

/* Sends what fits right away and buffers the rest, in order. */
static void client_queue(struct monitor *m, struct client *c, const struct iovec *iov, int n_iov)
{
        size_t skip = 0;

        if (c->out.len == 0) {
                ssize_t n;

                do
                        n = writev(c->watch.fd, iov, n_iov);
                while (n < 0 && errno == EINTR);
                if (n < 0 && errno != EAGAIN) {
                        log_debug("Writing to client %u failed: %m", c->id);
                        client_drop(m, c);
                        return;
                }
                skip = n > 0 ? (size_t)n : 0;
                c->progress_ns = timeutil_monotonic_ns();
        }

        for (int i = 0; i < n_iov; i++) {
                size_t len = iov[i].iov_len, off = MIN(skip, len);

                skip -= off;
                if (buffer_append(&c->out, (const char *)iov[i].iov_base + off, len - off) < 0) {
                        log_error("Out of memory buffering output for client %u; closing it", c->id);
                        client_drop(m, c);
                        return;
                }
        }
        client_watch_update(m, c);
}

void client_send_output(struct monitor *m, struct client *c, int stream, const void *data, size_t len)
{
        uint8_t header[8] = { (uint8_t)stream, 0, 0, 0 };
        uint32_t size = htobe32((uint32_t)len);
        struct iovec iov[2];

        if (c->dead || c->closing || len == 0)
                return;
        if (!(stream == JSONLOG_STDOUT ? c->want_stdout : c->want_stderr))
                return;

        if (m->tty) {
                iov[0] = (struct iovec){ .iov_base = (void *)data, .iov_len = len };
                client_queue(m, c, iov, 1);
                return;
        }
        memcpy(header + 4, &size, 4);
        iov[0] = (struct iovec){ .iov_base = header, .iov_len = sizeof(header) };
        iov[1] = (struct iovec){ .iov_base = (void *)data, .iov_len = len };
        client_queue(m, c, iov, 2);
}

/* The client's input has ended: by end of file, a shutdown of its writing
 * side, or the detach keys. */
static void client_input_ended(struct monitor *m, struct client *c, bool detached)
{
        c->reading = false;
        log_debug("Client %u %s", c->id, detached ? "detached" : "ended its input");

        if (!c->want_stdin) {
                client_watch_update(m, c);
                return;
        }
        if (m->opt.stdin_once && !m->tty) {
                stdin_close(m);
                client_watch_update(m, c);
                return;
        }
        client_close(m, c);
}

static void client_feed(struct monitor *m, struct client *c, const char *data, size_t len)
{
        size_t held;

        if (!c->want_stdin || len == 0)
                return;
        if (!m->tty) {
                stdin_write(m, data, len);
                return;
        }

        switch (monitor_detach_match(&c->keys, &c->detach_pos, data, len, &held)) {
        case MONITOR_DETACH_HOLD:
                return;
        case MONITOR_DETACH_DETACH:
                client_input_ended(m, c, true);
                return;
        case MONITOR_DETACH_FORWARD:
                stdin_write(m, c->keys.keys, held);
                stdin_write(m, data, len);
                return;
        }
}

static void client_read(struct monitor *m, struct client *c)
{
        static char chunk[INPUT_CHUNK];
        ssize_t n = read(c->watch.fd, chunk, sizeof(chunk));

        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return;
                log_debug("Reading from client %u failed: %m", c->id);
                client_drop(m, c);
                return;
        }
        if (n == 0) {
                client_input_ended(m, c, false);
                return;
        }
        if (m->phase != PHASE_EXITED)
                client_feed(m, c, chunk, (size_t)n);
}

static void client_dispatch(struct monitor *m, struct watch *w, uint32_t events)
{
        struct client *c = (struct client *)w;

        if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c->reading)
                client_read(m, c);
        if (!c->dead && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && c->out.len > 0)
                client_flush(m, c);
}

static void client_set_options(struct monitor *m, struct client *c, json_object *request)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *keys = json_field_string(request, "detach_keys", NULL);

        /* Docker ignores stdin for a container created without OpenStdin. */
        c->want_stdin = json_field_bool(request, "stdin", false) && m->opt.open_stdin;
        c->want_stdout = json_field_bool(request, "stdout", false);
        c->want_stderr = json_field_bool(request, "stderr", false);

        if (monitor_detach_keys_parse(keys, &c->keys, &err) < 0) {
                log_warn("Client %u: %s; using %s", c->id, error_message(&err, -EINVAL), MONITOR_DETACH_KEYS_DEFAULT);
                monitor_detach_keys_parse(NULL, &c->keys, NULL);
        }
}

static void client_feed_pending(struct monitor *m, struct client *c, json_object *request)
{
        const char *pending = json_field_string(request, "pending", NULL);
        _cleanup_free_ void *data = NULL;
        size_t len = 0;

        if (isempty(pending))
                return;
        if (base64_decode(pending, &data, &len) < 0) {
                log_warn("Client %u: \"pending\" is not valid base64; dropped it", c->id);
                return;
        }
        /* What the client sent with its request is one read of its input. */
        client_feed(m, c, data, len);
}

int client_add(struct monitor *m, int fd, json_object *request)
{
        struct client *c;
        int flags, r;

        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                r = -errno;
                close(fd);
                return r;
        }

        c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return -ENOMEM;
        }
        c->id = ++m->next_id;
        c->reading = true;
        c->progress_ns = timeutil_monotonic_ns();
        c->watch = (struct watch){ .fd = fd, .events = 0, .dispatch = client_dispatch };
        client_set_options(m, c, request);
        c->next = m->clients;
        m->clients = c;
        log_debug("Client %u attached (stdin %d, stdout %d, stderr %d)", c->id, c->want_stdin, c->want_stdout,
                  c->want_stderr);

        client_feed_pending(m, c, request);
        client_watch_update(m, c);

        /* Output has ended already: the stream ends right away. */
        if (m->finishing)
                client_close(m, c);
        return 0;
}

void clients_check_stalled(struct monitor *m, int64_t now_mono)
{
        for (struct client *c = m->clients; c; c = c->next) {
                if (c->dead || c->out.len == 0 || now_mono - c->progress_ns < EXIT_STALL_TIMEOUT_NS)
                        continue;
                log_warn("Client %u took no output for %d s after the container exited; closing it", c->id,
                         (int)(EXIT_STALL_TIMEOUT_NS / 1000000000));
                client_drop(m, c);
        }
}

int64_t clients_next_deadline(struct monitor *m)
{
        int64_t deadline = -1;

        for (struct client *c = m->clients; c; c = c->next) {
                int64_t d;

                if (c->dead || c->out.len == 0)
                        continue;
                d = c->progress_ns + EXIT_STALL_TIMEOUT_NS;
                deadline = deadline < 0 ? d : MIN(deadline, d);
        }
        return deadline;
}

void clients_free_dead(struct monitor *m)
{
        struct client **p = &m->clients;

        while (*p) {
                struct client *c = *p;

                if (!c->dead) {
                        p = &c->next;
                        continue;
                }
                *p = c->next;
                free(c);
        }
}
