/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Execs: processes the daemon requests the monitor to start in the running
 * container ("exec" in proto.h). The monitor is their parent, reports
 * their start and end on every control connection, and serves their stdio
 * (exec-io.c). Their records live only here, so a restarted daemon learns
 * the running ones from the monitor.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

#include "jsonutil.h"
#include "log.h"
#include "monitor.h"
#include "runtime/container.h"
#include "strv.h"
#include "timeutil.h"

/* The exit codes Docker gives an exec that failed to start: 127 when its
 * command was not found, 126 for any other cause. */
#define EXEC_EXIT_NOT_FOUND 127
#define EXEC_EXIT_FAILED    126

DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_spec *, runtime_spec_free)

static json_object *message_new(const char *type, const struct exec_session *x)
{
        json_object *msg = json_object_new_object();

        if (!msg)
                return NULL;
        json_object_object_add(msg, "type", json_object_new_string(type));
        json_object_object_add(msg, "id", json_object_new_string(x->request.id));
        return msg;
}

/* "exec-started" carries what the daemon shows of the exec, so that a
 * restarted daemon can rebuild its record. */
static json_object *started_message(const struct exec_session *x)
{
        const struct monitor_exec_request *r = &x->request;
        json_object *msg = message_new("exec-started", x);

        if (!msg)
                return NULL;
        json_object_object_add(msg, "pid", json_object_new_int(x->pid));
        json_object_object_add(msg, "args", json_array_from_strv(r->args) ?: json_object_new_array());
        if (r->user)
                json_object_object_add(msg, "user", json_object_new_string(r->user));
        json_object_object_add(msg, "tty", json_object_new_boolean(r->tty));
        json_object_object_add(msg, "privileged", json_object_new_boolean(r->privileged));
        json_object_object_add(msg, "stdin", json_object_new_boolean(r->attach_stdin));
        json_object_object_add(msg, "stdout", json_object_new_boolean(r->attach_stdout));
        json_object_object_add(msg, "stderr", json_object_new_boolean(r->attach_stderr));
        if (r->detach_keys)
                json_object_object_add(msg, "detach_keys", json_object_new_string(r->detach_keys));
        return msg;
}

static void send_exited(struct monitor *m, const struct exec_session *x, const char *error)
{
        _cleanup_json_ json_object *msg = message_new("exec-exited", x);

        if (!msg)
                return;
        json_object_object_add(msg, "exit_code", json_object_new_int(x->exit_code));
        if (error)
                json_object_object_add(msg, "error", json_object_new_string(error));
        control_send_all(m, msg);
}

static struct exec_session *find(struct monitor *m, const char *id)
{
        for (struct exec_session *x = m->execs; x; x = x->next)
                if (!x->dead && streq(x->request.id, id))
                        return x;
        return NULL;
}

static struct exec_session *session_new(struct monitor *m)
{
        struct exec_session *x = calloc(1, sizeof(*x));

        if (!x)
                return NULL;
        x->console_fd = -1;
        x->client.watch.fd = -1;
        x->stdin_watch.watch.fd = -1;
        for (size_t i = 0; i < ARRAY_SIZE(x->sources); i++)
                x->sources[i].watch.fd = -1;
        x->next = m->execs;
        m->execs = x;
        return x;
}

/* dockerd's rule: 127 for a command that does not exist, which the
 * runtime's lookup reports as `exec: "x": ...` with ENOENT. */
static int failure_exit_code(int code, const char *message)
{
        return code == -ENOENT && startswith(message, "exec") ? EXEC_EXIT_NOT_FOUND : EXEC_EXIT_FAILED;
}

/* The text dockerd reports for an exec that failed to start: runc's
 * message as containerd and dockerd wrap it, except for a user or group
 * that does not exist, which dockerd itself looks up and reports bare. */
static char *failure_text(const char *message)
{
        char *text = NULL;

        if (startswith(message, "unable to find "))
                return strdup(message);
        if (asprintf(&text, "OCI runtime exec failed: exec failed: unable to start container process: %s: unknown",
                     message) < 0)
                return NULL;
        return text;
}

/* The exec could not start: the daemon hears it first, then the client
 * gets the message followed by CRLF, as dockerd writes it, and its stream
 * ends. */
static void fail_exec(struct monitor *m, struct exec_session *x, int code, const char *message)
{
        _cleanup_free_ char *text = failure_text(message), *line = NULL;

        x->exited = true;
        x->exit_code = failure_exit_code(code, message);
        x->exited_mono_ns = timeutil_monotonic_ns();
        log_warn("Exec %.12s failed to start: %s", x->request.id, message);
        send_exited(m, x, text ? text : message);

        exec_io_close_output(m, x);
        exec_io_close_stdin_now(m, x);
        closep(&x->console_fd);
        if (text && asprintf(&line, "%s\r\n", text) < 0)
                line = NULL;
        if (line)
                exec_io_send_error(m, x, line);
        else
                exec_io_drop_client(m, x);
}

static int load_spec(struct monitor *m, const struct monitor_exec_request *r, struct runtime_spec **ret,
                     struct error *err)
{
        _cleanup_(runtime_spec_freep) struct runtime_spec *spec = NULL;
        struct runtime_exec_process process = {
                .args = r->args,
                .env = r->env,
                .cwd = r->cwd,
                .user = r->user,
                .terminal = r->tty,
                .console_height = r->height,
                .console_width = r->width,
                .privileged = r->privileged,
        };
        int code;

        code = runtime_spec_load(m->opt.bundle, &spec, err);
        if (code >= 0)
                code = runtime_spec_set_exec_process(spec, &process, err);
        if (code < 0)
                return code;
        *ret = TAKE_PTR(spec);
        return 0;
}

/* Kills and reaps a process that was created but failed to start. */
static void abort_process(struct exec_session *x)
{
        siginfo_t info;

        runtime_container_kill(x->process, SIGKILL);
        while (waitid(P_PIDFD, runtime_container_pidfd(x->process), &info, WEXITED) < 0 && errno == EINTR)
                ;
        runtime_container_free(x->process);
        x->process = NULL;
}

/* Creates the process through the runtime, which stops it just before
 * execve, and lets it run.
 * NOTE: the runtime's handshake blocks the monitor's loop until the new
 * process is ready; a container whose /etc/passwd is a FIFO that no process
 * writes would stall it, and with it the container's own log and attaches. */
static int spawn(struct monitor *m, struct exec_session *x, struct error *err)
{
        _cleanup_(runtime_spec_freep) struct runtime_spec *spec = NULL;
        struct runtime_create_options opts = {
                .id = m->opt.id,
                .bundle = m->opt.bundle,
                .seccomp_cache_dir = m->opt.seccomp_cache_dir,
        };
        int fds[3] = { -1, -1, -1 };
        int code;

        code = load_spec(m, &x->request, &spec, err);
        if (code < 0)
                return code;
        code = exec_io_prepare(m, x, fds);
        if (code < 0)
                return error_set_errno(err, code, "creating the stdio of the exec failed");
        opts.stdin_fd = fds[0];
        opts.stdout_fd = fds[1];
        opts.stderr_fd = fds[2];

        code = runtime_container_exec_in(m->container, spec, &opts, &x->process, err);
        for (int i = 0; i < 3; i++)
                closep(&fds[i]);
        if (code < 0)
                return code;
        x->pid = runtime_container_pid(x->process);

        if (x->request.tty) {
                code = exec_io_attach_console(m, x, runtime_container_take_console(x->process));
                if (code < 0) {
                        abort_process(x);
                        return error_set_errno(err, code, "taking the exec's terminal failed");
                }
        }
        code = runtime_container_start(x->process, err);
        if (code < 0)
                abort_process(x);
        return code;
}

/* The parts of the request needed only to start the process. */
static void drop_start_data(struct exec_session *x)
{
        strv_free(x->request.env);
        x->request.env = NULL;
        free(x->request.pending);
        x->request.pending = NULL;
        x->request.pending_len = 0;
}

static void report_started(struct monitor *m, struct exec_session *x)
{
        _cleanup_json_ json_object *msg = started_message(x);

        x->running = true;
        log_info("Exec %.12s started, pid %d", x->request.id, (int)x->pid);
        if (msg)
                control_send_all(m, msg);
        exec_io_start_client(m, x);
        drop_start_data(x);
        monitor_trim_heap();
}

/* A request that cannot be parsed still ends its client's stream, and the
 * daemon hears about it when the ID can be read. */
static void reject_request(struct monitor *m, json_object *msg, int client_fd, const char *reason)
{
        const char *id = json_field_string(msg, "id", NULL);
        _cleanup_json_ json_object *reply = json_object_new_object();

        log_warn("Rejecting an exec request: %s", reason);
        if (client_fd >= 0)
                close(client_fd);
        if (!reply || !id)
                return;
        json_object_object_add(reply, "type", json_object_new_string("exec-exited"));
        json_object_object_add(reply, "id", json_object_new_string(id));
        json_object_object_add(reply, "exit_code", json_object_new_int(EXEC_EXIT_FAILED));
        json_object_object_add(reply, "error", json_object_new_string(reason));
        control_send_all(m, reply);
}

void exec_start(struct monitor *m, json_object *msg, int client_fd)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct monitor_exec_request request;
        struct exec_session *x;
        int code;

        code = monitor_exec_request_parse(msg, &request, &err);
        if (code < 0) {
                reject_request(m, msg, client_fd, error_message(&err, code));
                return;
        }
        if (find(m, request.id)) {
                monitor_exec_request_clear(&request);
                reject_request(m, msg, client_fd, "an exec with this ID exists already");
                return;
        }
        x = session_new(m);
        if (!x) {
                monitor_exec_request_clear(&request);
                reject_request(m, msg, client_fd, "out of memory");
                return;
        }
        x->request = request;

        if (client_fd >= 0 && (code = exec_io_add_client(m, x, client_fd)) < 0)
                log_warn_errno(code, "Exec %.12s: taking its client failed: %m", x->request.id);
        if (!m->container || m->phase != PHASE_RUNNING)
                code = error_set(&err, -ESRCH, "the container is not running");
        else
                code = spawn(m, x, &err);
        if (code < 0) {
                fail_exec(m, x, code, error_message(&err, code));
                return;
        }
        report_started(m, x);
}

bool exec_reaped(struct monitor *m, pid_t pid, int status)
{
        for (struct exec_session *x = m->execs; x; x = x->next) {
                if (x->dead || !x->running || x->exited || x->pid != pid)
                        continue;
                x->exited = true;
                x->exit_code = lifecycle_exit_code(status);
                x->exited_mono_ns = timeutil_monotonic_ns();
                runtime_container_free(x->process);
                x->process = NULL;
                log_info("Exec %.12s exited with code %d", x->request.id, x->exit_code);
                send_exited(m, x, NULL);
                exec_io_close_stdin_now(m, x);
                return true;
        }
        return false;
}

void exec_resize(struct monitor *m, const char *id, unsigned height, unsigned width)
{
        struct exec_session *x = find(m, id);
        struct winsize ws = { .ws_row = (unsigned short)height, .ws_col = (unsigned short)width };

        if (!x || x->exited || x->console_fd < 0) {
                log_debug("Ignoring a resize of exec %.12s, which has no terminal", id);
                return;
        }
        if (ioctl(x->console_fd, TIOCSWINSZ, &ws) < 0)
                log_debug_errno(-errno, "Resizing the terminal of exec %.12s failed: %m", id);
}

size_t execs_running(struct monitor *m)
{
        size_t n = 0;

        for (struct exec_session *x = m->execs; x; x = x->next)
                if (!x->dead && x->running && !x->exited)
                        n++;
        return n;
}

void execs_send_running(struct monitor *m, struct control *ctl)
{
        for (struct exec_session *x = m->execs; x; x = x->next) {
                _cleanup_json_ json_object *msg = NULL;

                if (x->dead || !x->running || x->exited)
                        continue;
                msg = started_message(x);
                if (msg)
                        control_send(m, ctl, msg);
        }
}

bool execs_left(struct monitor *m)
{
        for (struct exec_session *x = m->execs; x; x = x->next)
                if (!x->dead)
                        return true;
        return false;
}

/* Moves an exited exec on: its output ends at end of file or EXEC_DRAIN_NS
 * after the exit, then its client's stream ends once flushed (or when the
 * client takes nothing for EXIT_STALL_TIMEOUT_NS), then it is freed. */
static void session_tick(struct monitor *m, struct exec_session *x, int64_t now_mono)
{
        int64_t client_deadline = exec_io_client_deadline(x);

        if (!x->exited)
                return;
        if (exec_io_output_open(x) && now_mono - x->exited_mono_ns >= EXEC_DRAIN_NS) {
                log_debug("Exec %.12s: its output is still open %d s after it exited; closing it", x->request.id,
                          (int)(EXEC_DRAIN_NS / 1000000000));
                exec_io_close_output(m, x);
        }
        if (exec_io_output_open(x))
                return;
        if (!x->client_closing)
                exec_io_close_client(m, x);
        if (client_deadline >= 0 && now_mono >= client_deadline) {
                log_warn("Exec %.12s: its client took no output for %d s; closing it", x->request.id,
                         (int)(EXIT_STALL_TIMEOUT_NS / 1000000000));
                exec_io_drop_client(m, x);
        }
        if (x->client.watch.fd >= 0)
                return;
        exec_io_release(m, x);
        x->dead = true;
}

void execs_tick(struct monitor *m, int64_t now_mono)
{
        for (struct exec_session *x = m->execs; x; x = x->next)
                if (!x->dead)
                        session_tick(m, x, now_mono);
}

int64_t execs_next_deadline(struct monitor *m)
{
        int64_t deadline = -1;

        for (struct exec_session *x = m->execs; x; x = x->next) {
                int64_t d;

                if (x->dead || !x->exited)
                        continue;
                d = exec_io_output_open(x) ? x->exited_mono_ns + EXEC_DRAIN_NS : exec_io_client_deadline(x);
                if (d >= 0)
                        deadline = deadline < 0 ? d : MIN(deadline, d);
        }
        return deadline;
}

static void session_free(struct exec_session *x)
{
        runtime_container_free(x->process);
        buffer_release(&x->out);
        buffer_release(&x->stdin_buffer);
        monitor_exec_request_clear(&x->request);
        free(x);
}

void execs_free_dead(struct monitor *m)
{
        struct exec_session **p = &m->execs;

        while (*p) {
                struct exec_session *x = *p;

                if (!x->dead) {
                        p = &x->next;
                        continue;
                }
                *p = x->next;
                session_free(x);
        }
}

void execs_release(struct monitor *m)
{
        for (struct exec_session *x = m->execs; x; x = x->next) {
                exec_io_release(m, x);
                x->dead = true;
        }
        execs_free_dead(m);
}
