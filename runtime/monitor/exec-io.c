/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stdio of an exec: its output pipes or pty master, its stdin, and the
 * one client connection the daemon handed over with it, following
 * dockerd's exec semantics as proto.h lists them.
 */
#include <endian.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "log.h"
#include "monitor.h"
#include "timeutil.h"

/* One read of output, and the largest chunk framed for the client. */
#define OUTPUT_CHUNK (16 * 1024)
#define INPUT_CHUNK  4096

static void source_dispatch(struct monitor *m, struct watch *w, uint32_t events);
static void stdin_dispatch(struct monitor *m, struct watch *w, uint32_t events);
static void client_dispatch(struct monitor *m, struct watch *w, uint32_t events);
static void client_update(struct monitor *m, struct exec_session *x);

static int add_source(struct monitor *m, struct exec_session *x, int fd, int stream)
{
        struct exec_watch *s = &x->sources[x->n_sources];
        int r = stdio_set_nonblocking(fd);

        if (r >= 0)
                r = watch_add(m, &s->watch, fd, EPOLLIN, source_dispatch);
        if (r < 0) {
                close(fd);
                s->watch.fd = -1;
                return r;
        }
        s->exec = x;
        s->stream = stream;
        x->n_sources++;
        return 0;
}

static int add_stdin(struct monitor *m, struct exec_session *x, int fd)
{
        int r = stdio_set_nonblocking(fd);

        if (r < 0) {
                close(fd);
                return r;
        }
        x->stdin_watch = (struct exec_watch){
                .watch = { .fd = fd, .events = 0, .dispatch = stdin_dispatch },
                .exec = x,
        };
        x->stdin_open = true;
        return 0;
}

static bool wants_stdin(const struct exec_session *x)
{
        return x->client.watch.fd >= 0 && x->request.attach_stdin;
}

/* Creates the pipes of an exec without a tty. Its output always goes to
 * pipes, which are read even when no client takes the output, as dockerd
 * reads them. Its stdin is a pipe only when the client feeds it, and
 * /dev/null (-1) otherwise. */
int exec_io_prepare(struct monitor *m, struct exec_session *x, int ret_process_fds[3])
{
        struct stdio_pipes p;
        int r;

        ret_process_fds[0] = ret_process_fds[1] = ret_process_fds[2] = -1;
        if (x->request.tty)
                return 0;

        r = stdio_pipes_open(&p, wants_stdin(x));
        if (r < 0)
                return r;
        r = stdio_pipes_chown(m, &p);
        if (r >= 0)
                r = add_source(m, x, TAKE_FD(p.out[0]), JSONLOG_STDOUT);
        if (r >= 0)
                r = add_source(m, x, TAKE_FD(p.err[0]), JSONLOG_STDERR);
        if (r >= 0 && p.in[1] >= 0)
                r = add_stdin(m, x, TAKE_FD(p.in[1]));
        if (r < 0) {
                stdio_pipes_close(&p);
                return r;
        }

        ret_process_fds[0] = p.in[0];
        ret_process_fds[1] = p.out[1];
        ret_process_fds[2] = p.err[1];
        return 0;
}

/* Takes the pty master of an exec with a tty. It is the one output source
 * (stdout, as dockerd has it). When the client feeds stdin, a second fd of
 * it takes the input, so that epoll watches writing apart from reading. */
int exec_io_attach_console(struct monitor *m, struct exec_session *x, int console_fd)
{
        int reader, writer, r;

        x->console_fd = console_fd;
        reader = fcntl(console_fd, F_DUPFD_CLOEXEC, 3);
        if (reader < 0)
                return -errno;
        r = add_source(m, x, reader, JSONLOG_STDOUT);
        if (r < 0 || !wants_stdin(x))
                return r;
        writer = fcntl(console_fd, F_DUPFD_CLOEXEC, 3);
        if (writer < 0)
                return -errno;
        return add_stdin(m, x, writer);
}

bool exec_io_output_open(const struct exec_session *x)
{
        for (size_t i = 0; i < x->n_sources; i++)
                if (x->sources[i].watch.fd >= 0)
                        return true;
        return false;
}

void exec_io_close_output(struct monitor *m, struct exec_session *x)
{
        for (size_t i = 0; i < x->n_sources; i++)
                watch_close(m, &x->sources[i].watch);
}

/* Stops reading output while the client has CLIENT_BUFFER_HIGH unsent, so
 * that a slow client makes the process wait instead of losing output. */
static void update_output(struct monitor *m, struct exec_session *x)
{
        bool pause = x->client.watch.fd >= 0 && x->out.len >= CLIENT_BUFFER_HIGH;

        if (pause == x->output_paused)
                return;
        x->output_paused = pause;
        for (size_t i = 0; i < x->n_sources; i++)
                watch_set(m, &x->sources[i].watch, pause ? 0 : EPOLLIN);
}

/* ---- the client ---- */

void exec_io_drop_client(struct monitor *m, struct exec_session *x)
{
        if (x->client.watch.fd < 0)
                return;
        /* The daemon may still hold a copy of the fd; only a shutdown makes
         * sure the client reads the end of its stream. */
        shutdown(x->client.watch.fd, SHUT_RDWR);
        watch_close(m, &x->client.watch);
        buffer_release(&x->out);
        x->client_reading = false;
        log_debug("Exec %.12s: client closed", x->request.id);
        update_output(m, x);
}

void exec_io_close_client(struct monitor *m, struct exec_session *x)
{
        if (x->client.watch.fd < 0)
                return;
        x->client_closing = true;
        x->client_reading = false;
        if (x->out.len == 0) {
                exec_io_drop_client(m, x);
                return;
        }
        client_update(m, x);
}

static void client_update(struct monitor *m, struct exec_session *x)
{
        uint32_t events = 0;
        int r;

        if (x->client.watch.fd < 0)
                return;
        if (x->client_reading && x->stdin_buffer.len < STDIN_BUFFER_HIGH)
                events |= EPOLLIN;
        if (x->out.len > 0)
                events |= EPOLLOUT;
        r = watch_set(m, &x->client.watch, events);
        if (r < 0)
                log_warn_errno(r, "Exec %.12s: updating the events of its client failed: %m", x->request.id);
}

static void client_flush(struct monitor *m, struct exec_session *x)
{
        ssize_t n = buffer_flush(&x->out, x->client.watch.fd);

        if (n < 0) {
                log_debug("Exec %.12s: writing to its client failed: %s", x->request.id, strerror((int)-n));
                exec_io_drop_client(m, x);
                return;
        }
        if (n > 0 || x->out.len == 0)
                x->progress_ns = timeutil_monotonic_ns();
        if (x->out.len == 0 && x->client_closing) {
                exec_io_drop_client(m, x);
                return;
        }
        client_update(m, x);
        update_output(m, x);
}

/* Sends what fits at once and buffers the rest, in order. */
static void client_queue(struct monitor *m, struct exec_session *x, const struct iovec *iov, int n_iov)
{
        size_t skip = 0;

        if (x->out.len == 0) {
                ssize_t n;

                do
                        n = writev(x->client.watch.fd, iov, n_iov);
                while (n < 0 && errno == EINTR);
                if (n < 0 && errno != EAGAIN) {
                        log_debug("Exec %.12s: writing to its client failed: %m", x->request.id);
                        exec_io_drop_client(m, x);
                        return;
                }
                skip = n > 0 ? (size_t)n : 0;
                x->progress_ns = timeutil_monotonic_ns();
        }

        for (int i = 0; i < n_iov; i++) {
                size_t len = iov[i].iov_len, off = MIN(skip, len);

                skip -= off;
                if (buffer_append(&x->out, (const char *)iov[i].iov_base + off, len - off) < 0) {
                        log_error("Exec %.12s: out of memory buffering output for its client; closing it",
                                  x->request.id);
                        exec_io_drop_client(m, x);
                        return;
                }
        }
        client_update(m, x);
        update_output(m, x);
}

/* Sends a chunk of one stream to the client: raw, or behind Docker's
 * 8-byte header [stream, 0, 0, 0, size as big-endian u32]. */
static void client_send(struct monitor *m, struct exec_session *x, int stream, const void *data, size_t len)
{
        uint8_t header[8] = { (uint8_t)stream, 0, 0, 0 };
        uint32_t size = htobe32((uint32_t)len);
        struct iovec iov[2];

        if (x->client.watch.fd < 0 || x->client_closing || len == 0)
                return;
        if (x->request.raw) {
                iov[0] = (struct iovec){ .iov_base = (void *)data, .iov_len = len };
                client_queue(m, x, iov, 1);
                return;
        }
        memcpy(header + 4, &size, sizeof(size));
        iov[0] = (struct iovec){ .iov_base = header, .iov_len = sizeof(header) };
        iov[1] = (struct iovec){ .iov_base = (void *)data, .iov_len = len };
        client_queue(m, x, iov, 2);
}

void exec_io_send_error(struct monitor *m, struct exec_session *x, const char *text)
{
        client_send(m, x, JSONLOG_STDOUT, text, strlen(text));
        exec_io_close_client(m, x);
}

/* ---- stdin ---- */

void exec_io_close_stdin_now(struct monitor *m, struct exec_session *x)
{
        if (!x->stdin_open)
                return;
        watch_close(m, &x->stdin_watch.watch);
        buffer_release(&x->stdin_buffer);
        x->stdin_open = false;
        x->stdin_closing = false;
        client_update(m, x);
}

static void exec_stdin_close(struct monitor *m, struct exec_session *x)
{
        if (!x->stdin_open)
                return;
        x->stdin_closing = true;
        if (x->stdin_buffer.len == 0)
                exec_io_close_stdin_now(m, x);
}

static void stdin_flush(struct monitor *m, struct exec_session *x)
{
        ssize_t n = buffer_flush(&x->stdin_buffer, x->stdin_watch.watch.fd);

        if (n < 0) {
                /* EPIPE: the process closed its stdin; input is dropped. */
                if (n != -EPIPE)
                        log_warn_errno((int)n, "Exec %.12s: writing to its stdin failed: %m", x->request.id);
                exec_io_close_stdin_now(m, x);
                return;
        }
        if (x->stdin_buffer.len == 0 && x->stdin_closing) {
                exec_io_close_stdin_now(m, x);
                return;
        }
        watch_set(m, &x->stdin_watch.watch, x->stdin_buffer.len > 0 ? EPOLLOUT : 0);
        client_update(m, x);
}

static void exec_stdin_write(struct monitor *m, struct exec_session *x, const void *data, size_t len)
{
        if (!x->stdin_open || x->stdin_closing || len == 0)
                return;
        if (buffer_append(&x->stdin_buffer, data, len) < 0) {
                log_error("Exec %.12s: out of memory queueing input; dropped %zu bytes", x->request.id, len);
                return;
        }
        stdin_flush(m, x);
}

static void stdin_dispatch(struct monitor *m, struct watch *w, uint32_t events)
{
        stdin_flush(m, ((struct exec_watch *)w)->exec);
}

/* ---- input from the client ---- */

/* The client's input has ended: by end of file, a shutdown of its writing
 * side, or the detach keys. Without a tty the process's stdin closes and
 * its output still flows. With a tty the client's stream ends and the
 * process runs on, as with dockerd. */
static void client_input_ended(struct monitor *m, struct exec_session *x, bool detached)
{
        x->client_reading = false;
        log_debug("Exec %.12s: client %s", x->request.id, detached ? "detached" : "ended its input");
        if (!x->request.attach_stdin) {
                client_update(m, x);
                return;
        }
        if (!x->request.tty) {
                exec_stdin_close(m, x);
                client_update(m, x);
                return;
        }
        exec_io_close_client(m, x);
}

static void client_feed(struct monitor *m, struct exec_session *x, const char *data, size_t len)
{
        size_t held;

        if (!x->request.attach_stdin || len == 0)
                return;
        if (!x->request.tty) {
                exec_stdin_write(m, x, data, len);
                return;
        }

        switch (monitor_detach_match(&x->keys, &x->detach_pos, data, len, &held)) {
        case MONITOR_DETACH_HOLD:
                return;
        case MONITOR_DETACH_DETACH:
                client_input_ended(m, x, true);
                return;
        case MONITOR_DETACH_FORWARD:
                exec_stdin_write(m, x, x->keys.keys, held);
                exec_stdin_write(m, x, data, len);
                return;
        }
}

static void client_read(struct monitor *m, struct exec_session *x)
{
        static char chunk[INPUT_CHUNK];
        ssize_t n = read(x->client.watch.fd, chunk, sizeof(chunk));

        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return;
                log_debug("Exec %.12s: reading from its client failed: %m", x->request.id);
                exec_io_drop_client(m, x);
                return;
        }
        if (n == 0) {
                client_input_ended(m, x, false);
                return;
        }
        if (!x->exited)
                client_feed(m, x, chunk, (size_t)n);
}

static void client_dispatch(struct monitor *m, struct watch *w, uint32_t events)
{
        struct exec_session *x = ((struct exec_watch *)w)->exec;

        if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && x->client_reading)
                client_read(m, x);
        if (x->client.watch.fd >= 0 && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && x->out.len > 0)
                client_flush(m, x);
}

static void set_detach_keys(struct exec_session *x)
{
        _cleanup_error_ struct error err = ERROR_INIT;

        if (monitor_detach_keys_parse(x->request.detach_keys, &x->keys, &err) >= 0)
                return;
        log_warn("Exec %.12s: %s; using %s", x->request.id, error_message(&err, -EINVAL), MONITOR_DETACH_KEYS_DEFAULT);
        monitor_detach_keys_parse(NULL, &x->keys, NULL);
}

/* Serves the client from now on; the input it sent with its request is
 * its first read. */
int exec_io_add_client(struct monitor *m, struct exec_session *x, int fd)
{
        int r = stdio_set_nonblocking(fd);

        if (r < 0) {
                close(fd);
                return r;
        }
        x->client = (struct exec_watch){
                .watch = { .fd = fd, .events = 0, .dispatch = client_dispatch },
                .exec = x,
        };
        x->client_reading = true;
        x->progress_ns = timeutil_monotonic_ns();
        set_detach_keys(x);
        return 0;
}

/* Starts reading the client once the process runs. */
void exec_io_start_client(struct monitor *m, struct exec_session *x)
{
        if (x->client.watch.fd < 0)
                return;
        client_feed(m, x, x->request.pending, x->request.pending_len);
        client_update(m, x);
}

int64_t exec_io_client_deadline(const struct exec_session *x)
{
        if (x->client.watch.fd < 0 || x->out.len == 0)
                return -1;
        return x->progress_ns + EXIT_STALL_TIMEOUT_NS;
}

/* ---- output ---- */

static void source_dispatch(struct monitor *m, struct watch *w, uint32_t events)
{
        static char chunk[OUTPUT_CHUNK];
        struct exec_watch *s = (struct exec_watch *)w;
        struct exec_session *x = s->exec;
        ssize_t n = read(w->fd, chunk, sizeof(chunk));

        if (n > 0) {
                bool requested = s->stream == JSONLOG_STDOUT ? x->request.attach_stdout : x->request.attach_stderr;

                if (requested)
                        client_send(m, x, s->stream, chunk, (size_t)n);
                return;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;

        /* A pty master reads EIO once no process has the terminal open. */
        if (n < 0 && errno != EIO)
                log_warn_errno(-errno, "Exec %.12s: reading its output failed: %m", x->request.id);
        watch_close(m, w);
}

void exec_io_release(struct monitor *m, struct exec_session *x)
{
        exec_io_close_output(m, x);
        exec_io_close_stdin_now(m, x);
        exec_io_drop_client(m, x);
        closep(&x->console_fd);
}
