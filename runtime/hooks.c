/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "runtime/hooks.h"
#include "timeutil.h"

/* How much of a failed hook's stdout and stderr its error message keeps:
 * the end, where the reason usually is. */
#define HOOK_OUTPUT_KEEP 2048

extern char **environ;

/* The last HOOK_OUTPUT_KEEP bytes of one output stream of a hook. */
struct output_tail {
        char buf[HOOK_OUTPUT_KEEP];
        size_t len;
};

/* The state runtime_hook_run watches while the hook runs. */
struct hook_run {
        int pidfd;
        int input;  /* our end of the hook's stdin, -1 once all is sent */
        int out[2]; /* our ends of its stdout and stderr, -1 at their end */
        const char *state;
        size_t state_len;
        size_t sent;
        struct output_tail tails[2];
};

char *runtime_state_to_json(const struct runtime_state *st)
{
        _cleanup_json_ json_object *obj = json_object_new_object();
        json_object *annotations;
        const char *text;

        if (!obj)
                return NULL;
        json_object_object_add(obj, "ociVersion", json_object_new_string(RUNTIME_OCI_VERSION));
        json_object_object_add(obj, "id", json_object_new_string(st->id));
        json_object_object_add(obj, "status", json_object_new_string(st->status));
        if (st->pid > 0)
                json_object_object_add(obj, "pid", json_object_new_int(st->pid));
        json_object_object_add(obj, "bundle", json_object_new_string(st->bundle));
        if (st->annotations && st->annotations[0]) {
                annotations = json_object_new_object();
                for (char *const *a = st->annotations; a[0] && a[1]; a += 2)
                        json_object_object_add(annotations, a[0], json_object_new_string(a[1]));
                json_object_object_add(obj, "annotations", annotations);
        }

        text = json_to_string(obj);
        return text ? strdup(text) : NULL;
}

bool runtime_hooks_any(const struct runtime_spec *spec, enum runtime_hook_kind kind)
{
        return spec->n_hooks[kind] > 0;
}

static void tail_append(struct output_tail *t, const char *data, size_t n)
{
        if (n >= sizeof(t->buf)) {
                memcpy(t->buf, data + n - sizeof(t->buf), sizeof(t->buf));
                t->len = sizeof(t->buf);
                return;
        }
        if (t->len + n > sizeof(t->buf)) {
                size_t drop = t->len + n - sizeof(t->buf);

                memmove(t->buf, t->buf + drop, t->len - drop);
                t->len -= drop;
        }
        memcpy(t->buf + t->len, data, n);
        t->len += n;
}

/* Spawns the hook with its stdin on stdin_fd and its stdout and stderr on
 * out_fds. posix_spawn works from the multi-threaded daemon as well as
 * from the container's init, whose blocked signals it resets. */
static int spawn_hook(const struct runtime_hook *hook, int stdin_fd, const int out_fds[2], pid_t *ret_pid)
{
        char *default_argv[] = { hook->path, NULL };
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attr;
        sigset_t none, all;
        int r;

        sigemptyset(&none);
        sigfillset(&all);
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, out_fds[0], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, out_fds[1], STDERR_FILENO);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

        r = posix_spawn(ret_pid, hook->path, &actions, &attr, hook->args ?: default_argv, hook->env ?: environ);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&actions);
        return -r;
}

/* Sends what the socket takes of the state. MSG_NOSIGNAL because a hook
 * may exit without reading it, and SIGPIPE would kill the caller. */
static void send_state(struct hook_run *h)
{
        ssize_t n = send(h->input, h->state + h->sent, h->state_len - h->sent, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n > 0)
                h->sent += n;
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || h->sent == h->state_len)
                h->input = (close(h->input), -1);
}

static void read_output(struct hook_run *h, int i)
{
        char buf[4096];
        ssize_t n = read(h->out[i], buf, sizeof(buf));

        if (n > 0)
                tail_append(&h->tails[i], buf, n);
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                h->out[i] = (close(h->out[i]), -1);
}

/* Runs the poll loop until the hook exits. Returns 0 once it has exited,
 * -ETIME when the deadline (0 for none) passed first. */
static int watch(struct hook_run *h, int64_t deadline_ns)
{
        for (;;) {
                struct pollfd fds[4] = {
                        { .fd = h->pidfd, .events = POLLIN },
                        { .fd = h->input, .events = POLLOUT },
                        { .fd = h->out[0], .events = POLLIN },
                        { .fd = h->out[1], .events = POLLIN },
                };
                int timeout_ms = -1;

                if (deadline_ns) {
                        int64_t left = deadline_ns - timeutil_monotonic_ns();

                        if (left <= 0)
                                return -ETIME;
                        timeout_ms = (int)MIN(left / 1000000 + 1, INT32_MAX);
                }
                if (poll(fds, ARRAY_SIZE(fds), timeout_ms) < 0 && errno != EINTR)
                        return negative_errno();

                if (fds[1].revents)
                        send_state(h);
                for (int i = 0; i < 2; i++)
                        if (fds[2 + i].revents)
                                read_output(h, i);
                if (fds[0].revents & POLLIN)
                        return 0;
        }
}

/* Reads what the exited hook left in its pipes. A process it started may
 * still hold them open, so this stops at the first empty read. */
static void drain_output(struct hook_run *h)
{
        char buf[4096];

        for (int i = 0; i < 2; i++) {
                ssize_t n;

                while (h->out[i] >= 0 && (n = read(h->out[i], buf, sizeof(buf))) > 0)
                        tail_append(&h->tails[i], buf, n);
        }
}

static void close_run(struct hook_run *h)
{
        if (h->input >= 0)
                close(h->input);
        for (int i = 0; i < 2; i++)
                if (h->out[i] >= 0)
                        close(h->out[i]);
        if (h->pidfd >= 0)
                close(h->pidfd);
}

static int hook_failed(struct hook_run *h, struct error *err, const char *fmt, int value)
{
        return error_set(err, -EIO, "%s%d, stdout: %.*s, stderr: %.*s", fmt, value, (int)h->tails[0].len,
                         h->tails[0].buf, (int)h->tails[1].len, h->tails[1].buf);
}

/* Creates the pipes and the socket of a hook's stdio: fds[0..2] are the
 * hook's ends, in h the caller's, all close-on-exec. Our output ends are
 * non-blocking so that the loop never waits on one stream. */
static int open_stdio(struct hook_run *h, int fds[3])
{
        int sp[2], p[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
                return negative_errno();
        fds[0] = sp[1];
        h->input = sp[0];
        for (int i = 0; i < 2; i++) {
                if (pipe2(p, O_CLOEXEC) < 0)
                        return negative_errno();
                (void)fcntl(p[0], F_SETFL, O_NONBLOCK);
                h->out[i] = p[0];
                fds[1 + i] = p[1];
        }
        return 0;
}

int runtime_hook_run(const struct runtime_hook *hook, const char *state_json, struct error *err)
{
        struct hook_run h = { .pidfd = -1, .input = -1, .out = { -1, -1 }, .state = state_json };
        int fds[3] = { -1, -1, -1 };
        siginfo_t info = {};
        pid_t pid = 0;
        int r;

        h.state_len = strlen(state_json);
        r = open_stdio(&h, fds);
        if (r >= 0)
                r = spawn_hook(hook, fds[0], fds + 1, &pid);
        for (int i = 0; i < 3; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        /* -EIO whatever the cause, so that a missing hook is not taken
         * for the container's missing executable (exit status 127). */
        if (r < 0) {
                close_run(&h);
                return error_set(err, -EIO, "failed to start %s: %s", hook->path, strerror(-r));
        }

        /* pid is an unreaped child of ours, so it cannot name another
         * process yet. */
        h.pidfd = pidfd_open(pid, 0);
        if (h.pidfd < 0) {
                r = negative_errno();
                (void)kill(pid, SIGKILL);
        } else
                r = watch(&h, hook->timeout_s ? timeutil_monotonic_ns() + hook->timeout_s * INT64_C(1000000000) : 0);
        if (r < 0)
                (void)kill(pid, SIGKILL);
        while (waitid(P_PID, pid, &info, WEXITED) < 0 && errno == EINTR)
                ;
        drain_output(&h);
        close_run(&h);

        if (r == -ETIME)
                return error_set(err, -ETIME, "ran past its timeout of %d seconds", hook->timeout_s);
        if (r < 0)
                return error_set(err, -EIO, "failed to wait for %s: %s", hook->path, strerror(-r));
        if (info.si_code != CLD_EXITED)
                return hook_failed(&h, err, "killed by signal ", info.si_status);
        if (info.si_status != 0)
                return hook_failed(&h, err, "exit status ", info.si_status);
        return 0;
}

int runtime_hooks_run(const struct runtime_spec *spec, enum runtime_hook_kind kind, const struct runtime_state *st,
                      struct error *err)
{
        _cleanup_free_ char *state = NULL;

        if (spec->n_hooks[kind] == 0)
                return 0;
        state = runtime_state_to_json(st);
        if (!state)
                return -ENOMEM;

        for (size_t i = 0; i < spec->n_hooks[kind]; i++) {
                const struct runtime_hook *hook = &spec->hooks[kind][i];
                int r = runtime_hook_run(hook, state, err);

                if (r < 0)
                        return error_prefix(err, r, "error running %s hook #%zu (%s)", runtime_hook_kind_name(kind), i,
                                            hook->path);
        }
        return 0;
}
