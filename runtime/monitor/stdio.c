/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's side of its stdio. Output read from the stdout and stderr
 * pipes or the pty master goes to the log and to attached clients. Input
 * from clients goes to the stdin pipe or the pty.
 */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "log.h"
#include "monitor.h"
#include "timeutil.h"

/* One read of output; also the largest chunk framed for a client. */
#define OUTPUT_CHUNK (16 * 1024)

static void source_dispatch(struct monitor *m, struct watch *w, uint32_t events);
static void stdin_dispatch(struct monitor *m, struct watch *w, uint32_t events);

int stdio_set_nonblocking(int fd)
{
        int flags = fcntl(fd, F_GETFL);

        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        return 0;
}

void stdio_pipes_close(struct stdio_pipes *p)
{
        for (int i = 0; i < 2; i++) {
                closep(&p->out[i]);
                closep(&p->err[i]);
                closep(&p->in[i]);
        }
}

int stdio_pipes_open(struct stdio_pipes *p, bool with_stdin)
{
        *p = (struct stdio_pipes){ .out = { -1, -1 }, .err = { -1, -1 }, .in = { -1, -1 } };
        if (pipe2(p->out, O_CLOEXEC) < 0 || pipe2(p->err, O_CLOEXEC) < 0 ||
            (with_stdin && pipe2(p->in, O_CLOEXEC) < 0)) {
                int r = -errno;

                stdio_pipes_close(p);
                return r;
        }
        return 0;
}

int stdio_pipes_chown(const struct monitor *m, const struct stdio_pipes *p)
{
        const int ends[] = { p->in[0], p->out[1], p->err[1] };

        if (m->opt.stdio_uid == (uid_t)-1)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(ends); i++)
                if (ends[i] >= 0 && fchown(ends[i], m->opt.stdio_uid, m->opt.stdio_gid) < 0)
                        return -errno;
        return 0;
}

static int add_source(struct monitor *m, int fd, int stream)
{
        struct source *s = &m->sources[m->n_sources];
        int r = stdio_set_nonblocking(fd);

        if (r < 0) {
                close(fd);
                return r;
        }
        r = watch_add(m, &s->watch, fd, EPOLLIN, source_dispatch);
        if (r < 0) {
                close(fd);
                return r;
        }
        s->stream = stream;
        s->open = true;
        m->n_sources++;
        return 0;
}

static int add_stdin(struct monitor *m, int fd)
{
        int r = stdio_set_nonblocking(fd);

        if (r < 0) {
                close(fd);
                return r;
        }
        /* Registered for EPOLLOUT only while input is queued. */
        m->stdin_watch = (struct watch){ .fd = fd, .events = 0, .dispatch = stdin_dispatch };
        m->stdin_open = true;
        return 0;
}

/* Creates the pipes of a container without a terminal. The container's ends
 * go to ret_container_fds (stdin, stdout, stderr; -1 for /dev/null) for the
 * caller to close once the runtime has taken its copies. */
int stdio_prepare(struct monitor *m, int ret_container_fds[3])
{
        struct stdio_pipes p;
        int r;

        ret_container_fds[0] = ret_container_fds[1] = ret_container_fds[2] = -1;
        if (m->tty)
                return 0;

        r = stdio_pipes_open(&p, m->opt.open_stdin);
        if (r < 0)
                return r;
        r = stdio_pipes_chown(m, &p);
        if (r >= 0)
                r = add_source(m, TAKE_FD(p.out[0]), JSONLOG_STDOUT);
        if (r >= 0)
                r = add_source(m, TAKE_FD(p.err[0]), JSONLOG_STDERR);
        if (r >= 0 && p.in[1] >= 0)
                r = add_stdin(m, TAKE_FD(p.in[1]));
        if (r < 0) {
                stdio_pipes_close(&p);
                return r;
        }

        ret_container_fds[0] = p.in[0];
        ret_container_fds[1] = p.out[1];
        ret_container_fds[2] = p.err[1];
        return 0;
}

/* Takes the pty master of a terminal container: it is the one output source
 * (logged as stdout, as dockerd does) and, with --stdin, the input sink. */
int stdio_attach_console(struct monitor *m, int console_fd)
{
        int reader, writer = -1, r;

        m->console_fd = console_fd;
        reader = fcntl(console_fd, F_DUPFD_CLOEXEC, 3);
        if (reader < 0)
                return -errno;
        r = add_source(m, reader, JSONLOG_STDOUT);
        if (r < 0)
                return r;
        if (!m->opt.open_stdin)
                return 0;

        /* A second fd for the same pty, so epoll can watch the writing
         * side apart from the reading one. */
        writer = fcntl(console_fd, F_DUPFD_CLOEXEC, 3);
        if (writer < 0)
                return -errno;
        return add_stdin(m, writer);
}

bool stdio_output_open(struct monitor *m)
{
        for (size_t i = 0; i < m->n_sources; i++)
                if (m->sources[i].open)
                        return true;
        return false;
}

static void source_close(struct monitor *m, struct source *s)
{
        watch_close(m, &s->watch);
        s->open = false;
}

void stdio_close_output(struct monitor *m)
{
        for (size_t i = 0; i < m->n_sources; i++)
                if (m->sources[i].open)
                        source_close(m, &m->sources[i]);
}

/* Pauses or resumes reading the container's output so that no client's
 * buffer grows past CLIENT_BUFFER_HIGH. */
void stdio_update_output(struct monitor *m)
{
        bool pause = false;

        for (struct client *c = m->clients; c; c = c->next)
                if (!c->dead && c->out.len >= CLIENT_BUFFER_HIGH)
                        pause = true;
        if (pause == m->output_paused)
                return;

        m->output_paused = pause;
        log_debug("%s reading the container's output", pause ? "Pausing" : "Resuming");
        for (size_t i = 0; i < m->n_sources; i++)
                if (m->sources[i].open)
                        watch_set(m, &m->sources[i].watch, pause ? 0 : EPOLLIN);
}

void stdio_deliver(struct monitor *m, int stream, const void *data, size_t len)
{
        if (m->log) {
                int r = jsonlog_writer_write(m->log, stream, data, len);

                /* One line per run of failures, not one per chunk. */
                if (r < 0 && !m->log_failing)
                        log_error_errno(r, "Writing the container log '%s' failed: %m", m->opt.log_path);
                m->log_failing = r < 0;
        }

        for (struct client *c = m->clients; c; c = c->next)
                client_send_output(m, c, stream, data, len);
        stdio_update_output(m);
}

static void source_dispatch(struct monitor *m, struct watch *w, uint32_t events)
{
        static char chunk[OUTPUT_CHUNK];
        struct source *s = (struct source *)w;
        ssize_t n = read(w->fd, chunk, sizeof(chunk));

        if (n > 0) {
                m->output_mono_ns = timeutil_monotonic_ns();
                stdio_deliver(m, s->stream, chunk, (size_t)n);
                return;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;

        /* A pty master reads EIO once no process has the terminal open. */
        if (n < 0 && errno != EIO)
                log_warn_errno(-errno, "Reading the container's output failed: %m");
        log_debug("The container's %s ended", s->stream == JSONLOG_STDOUT ? "stdout" : "stderr");
        source_close(m, s);
}

static void update_input(struct monitor *m)
{
        bool pause = m->stdin_buffer.len >= STDIN_BUFFER_HIGH;

        if (pause != m->input_paused) {
                m->input_paused = pause;
                clients_update(m);
        }
        watch_set(m, &m->stdin_watch, m->stdin_buffer.len > 0 ? EPOLLOUT : 0);
}

/* Closes the stdin pipe, which the container reads as the end of its
 * input, or stops writing to the pty. */
void stdin_close_now(struct monitor *m)
{
        if (!m->stdin_open)
                return;
        watch_close(m, &m->stdin_watch);
        buffer_release(&m->stdin_buffer);
        m->stdin_open = false;
        m->stdin_closing = false;
        if (m->input_paused) {
                m->input_paused = false;
                clients_update(m);
        }
        log_debug("Closed the container's stdin");
}

void stdin_close(struct monitor *m)
{
        if (!m->stdin_open)
                return;
        m->stdin_closing = true;
        if (m->stdin_buffer.len == 0)
                stdin_close_now(m);
}

static void stdin_flush(struct monitor *m)
{
        ssize_t n = buffer_flush(&m->stdin_buffer, m->stdin_watch.fd);

        if (n < 0) {
                /* EPIPE: the container closed its stdin; input is dropped. */
                if (n != -EPIPE)
                        log_warn_errno((int)n, "Writing to the container's stdin failed: %m");
                stdin_close_now(m);
                return;
        }
        if (m->stdin_buffer.len == 0 && m->stdin_closing) {
                stdin_close_now(m);
                return;
        }
        update_input(m);
}

void stdin_write(struct monitor *m, const void *data, size_t len)
{
        if (!m->stdin_open || m->stdin_closing || len == 0)
                return;
        if (buffer_append(&m->stdin_buffer, data, len) < 0) {
                log_error("Out of memory queueing input for the container; dropped %zu bytes", len);
                return;
        }
        stdin_flush(m);
}

static void stdin_dispatch(struct monitor *m, struct watch *w, uint32_t events)
{
        stdin_flush(m);
}

int stdio_resize(struct monitor *m, unsigned height, unsigned width)
{
        struct winsize ws = { .ws_row = (unsigned short)height, .ws_col = (unsigned short)width };

        if (m->console_fd < 0)
                return -ENOTTY;
        if (ioctl(m->console_fd, TIOCSWINSZ, &ws) < 0)
                return -errno;
        return 0;
}
