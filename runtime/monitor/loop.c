/* SPDX-License-Identifier: Apache-2.0 */
#include <malloc.h>
#include <sys/epoll.h>

#include "log.h"
#include "monitor.h"
#include "timeutil.h"

int buffer_append(struct buffer *b, const void *data, size_t len)
{
        if (len == 0)
                return 0;
        if (b->start > 0 && b->start + b->len + len > b->cap) {
                memmove(b->data, b->data + b->start, b->len);
                b->start = 0;
        }
        if (b->start + b->len + len > b->cap) {
                size_t cap = MAX(b->cap * 2, b->len + len);
                char *p = realloc(b->data, cap);

                if (!p)
                        return -ENOMEM;
                b->data = p;
                b->cap = cap;
        }
        memcpy(b->data + b->start + b->len, data, len);
        b->len += len;
        return 0;
}

void buffer_release(struct buffer *b)
{
        free(b->data);
        *b = (struct buffer){ 0 };
}

ssize_t buffer_flush(struct buffer *b, int fd)
{
        ssize_t n;

        if (b->len == 0)
                return 0;
        do
                n = write(fd, b->data + b->start, b->len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EAGAIN ? 0 : -errno;

        b->start += (size_t)n;
        b->len -= (size_t)n;
        if (b->len == 0)
                buffer_release(b);
        return n;
}

int watch_add(struct monitor *m, struct watch *w, int fd, uint32_t events,
              void (*dispatch)(struct monitor *m, struct watch *w, uint32_t events))
{
        w->fd = fd;
        w->events = 0;
        w->dispatch = dispatch;
        return watch_set(m, w, events);
}

int watch_set(struct monitor *m, struct watch *w, uint32_t events)
{
        struct epoll_event ev = { .events = events, .data.ptr = w };
        int op;

        if (w->fd < 0 || events == w->events)
                return 0;
        if (events == 0)
                op = EPOLL_CTL_DEL;
        else
                op = w->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
        if (epoll_ctl(m->epoll_fd, op, w->fd, &ev) < 0)
                return -errno;
        w->events = events;
        return 0;
}

void watch_close(struct monitor *m, struct watch *w)
{
        if (w->fd < 0)
                return;
        watch_set(m, w, 0);
        close(w->fd);
        w->fd = -1;
}

static int64_t earliest(int64_t a, int64_t b)
{
        if (a < 0)
                return b;
        return b < 0 ? a : MIN(a, b);
}

static int next_timeout_ms(struct monitor *m)
{
        int64_t deadline = execs_next_deadline(m), left;

        if (m->phase == PHASE_EXITED) {
                deadline = earliest(deadline, clients_next_deadline(m));
                if (stdio_output_open(m) && !m->output_paused)
                        deadline = earliest(deadline, MAX(m->output_mono_ns, m->exited_mono_ns) + EXIT_DRAIN_IDLE_NS);
        }
        if (deadline < 0)
                return -1;

        left = deadline - timeutil_monotonic_ns();
        if (left <= 0)
                return 0;
        return (int)MIN((left + 999999) / 1000000, INT64_C(60000));
}

int monitor_loop_run(struct monitor *m)
{
        struct epoll_event events[16];

        while (!m->done) {
                int n = epoll_wait(m->epoll_fd, events, ARRAY_SIZE(events), next_timeout_ms(m));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(-errno, "Waiting for events failed: %m");
                }

                for (int i = 0; i < n; i++) {
                        struct watch *w = events[i].data.ptr;

                        /* An earlier event of this batch may have closed it. */
                        if (w->fd >= 0)
                                w->dispatch(m, w, events[i].events);
                }

                execs_tick(m, timeutil_monotonic_ns());
                lifecycle_tick(m, timeutil_monotonic_ns());
                clients_free_dead(m);
                execs_free_dead(m);
                control_free_dead(m);
        }
        return 0;
}

void monitor_release(struct monitor *m)
{
        for (struct control *ctl = m->controls; ctl; ctl = ctl->next) {
                watch_close(m, &ctl->watch);
                ctl->dead = true;
        }
        control_free_dead(m);
        for (struct client *c = m->clients; c; c = c->next)
                client_drop(m, c);
        clients_free_dead(m);
        execs_release(m);

        stdio_close_output(m);
        watch_close(m, &m->stdin_watch);
        buffer_release(&m->stdin_buffer);
        watch_close(m, &m->signals);
        watch_close(m, &m->listener);
        jsonlog_writer_free(TAKE_PTR(m->log));
        closep(&m->console_fd);
        closep(&m->epoll_fd);
        closep(&m->state_dir_fd);
        closep(&m->data_dir_fd);
}

void monitor_trim_heap(void)
{
        malloc_trim(0);
}
