/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's life as the monitor drives it: create, start, reap, drain
 * the output, close the clients, record the exit and leave.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "jsonutil.h"
#include "log.h"
#include "monitor.h"
#include "proto.h"
#include "runtime/container.h"
#include "timeutil.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_spec *, runtime_spec_free)

static json_object *message_new(const char *type)
{
        json_object *msg = json_object_new_object();

        if (msg)
                json_object_object_add(msg, "type", json_object_new_string(type));
        return msg;
}

static void add_time(json_object *obj, const char *key, int64_t ns)
{
        char stamp[TIMEUTIL_RFC3339_MAX];

        json_object_object_add(obj, key, json_object_new_string(timeutil_format_rfc3339(ns, stamp, sizeof(stamp))));
}

static void send_simple(struct monitor *m, const char *type)
{
        _cleanup_json_ json_object *msg = message_new(type);

        if (!msg)
                return;
        json_object_object_add(msg, "pid", json_object_new_int(m->pid));
        if (streq(type, "started"))
                add_time(msg, "started_at", m->started_at_ns);
        control_send_all(m, msg);
}

json_object *lifecycle_state_message(struct monitor *m)
{
        json_object *msg = message_new("state"), *features;

        if (!msg)
                return NULL;
        json_object_object_add(msg, "status",
                               json_object_new_string(m->phase == PHASE_CREATED ? "created" : "running"));
        json_object_object_add(msg, "pid", json_object_new_int(m->pid));
        add_time(msg, "started_at", m->started_at_ns);
        features = json_object_new_array();
        json_object_array_add(features, json_object_new_string("exec"));
        json_object_object_add(msg, "features", features);
        json_object_object_add(msg, "execs", json_object_new_int64((int64_t)execs_running(m)));
        return msg;
}

static void write_exit_file(struct monitor *m, const char *error)
{
        _cleanup_json_ json_object *obj = json_object_new_object();
        int r;

        if (!obj)
                return;
        json_object_object_add(obj, "exit_code", json_object_new_int(m->exit_code));
        add_time(obj, "finished_at", m->finished_at_ns);
        json_object_object_add(obj, "oom_killed", json_object_new_boolean(m->oom_killed));
        add_time(obj, "started_at", m->started_at_ns);
        json_object_object_add(obj, "error", json_object_new_string(error ? error : ""));

        /* Not synced: a power failure ends the container with its monitor,
         * and a restore without exit.json records exit code 255, as for a
         * monitor that vanished. */
        r = json_file_replace(m->data_dir_fd, MONITOR_EXIT_NAME, obj, 0644);
        if (r < 0)
                log_error_errno(r, "Writing %s/%s failed: %m", m->opt.data_dir, MONITOR_EXIT_NAME);
}

static void remove_state_files(struct monitor *m)
{
        if (m->state_dir_fd < 0)
                return;
        /* Our files go first so a daemon never connects to a monitor that is
         * leaving; unlinkat removes a symlink rather than its target. */
        if (m->listener.fd >= 0 && unlinkat(m->state_dir_fd, MONITOR_SOCKET_NAME, 0) < 0 && errno != ENOENT)
                log_warn_errno(-errno, "Removing %s failed: %m", MONITOR_SOCKET_NAME);
        if (unlinkat(m->state_dir_fd, MONITOR_PID_NAME, 0) < 0 && errno != ENOENT)
                log_warn_errno(-errno, "Removing %s failed: %m", MONITOR_PID_NAME);
}

static void close_all_clients(struct monitor *m)
{
        for (struct client *c = m->clients; c; c = c->next)
                client_close(m, c);
}

/* Create or start failed: the daemon learns why, exit.json records it, and
 * the monitor leaves. */
void lifecycle_fail(struct monitor *m, int code, const char *message)
{
        m->exit_code = runtime_exec_error_exit_code(code);
        m->finished_at_ns = timeutil_now_ns();
        log_error("The container failed to start: %s", message);

        for (struct client *c = m->clients; c; c = c->next)
                client_drop(m, c);
        /* exit.json first, so that it exists once the daemon hears. */
        write_exit_file(m, message);
        control_send_error(m, m->exit_code, message);
        remove_state_files(m);
        m->status = 1;
        m->done = true;
}

/* Waits for the init, which has exited or been killed. */
static void reap_init(struct monitor *m)
{
        int status;

        while (waitpid(m->pid, &status, 0) < 0 && errno == EINTR)
                ;
}

int lifecycle_create(struct monitor *m)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct runtime_create_options opts = {
                .id = m->opt.id,
                .bundle = m->opt.bundle,
                .cgroup_parent = m->opt.cgroup_parent,
                .seccomp_cache_dir = m->opt.seccomp_cache_dir,
        };
        _cleanup_(runtime_spec_freep) struct runtime_spec *spec = NULL;
        int fds[3] = { -1, -1, -1 };
        int r;

        r = runtime_spec_load(m->opt.bundle, &spec, &err);
        if (r < 0)
                goto fail;
        m->tty = runtime_spec_terminal(spec);

        r = stdio_prepare(m, fds);
        if (r < 0) {
                error_set_errno(&err, r, "Creating the container's stdio failed");
                goto fail;
        }
        opts.stdin_fd = fds[0];
        opts.stdout_fd = fds[1];
        opts.stderr_fd = fds[2];

        r = runtime_container_create(spec, &opts, &m->container, &err);
        for (int i = 0; i < 3; i++)
                closep(&fds[i]);
        if (r < 0)
                goto fail;

        m->pid = runtime_container_pid(m->container);
        m->phase = PHASE_CREATED;
        if (m->tty) {
                r = stdio_attach_console(m, runtime_container_take_console(m->container));
                if (r < 0) {
                        runtime_container_kill(m->container, SIGKILL);
                        reap_init(m);
                        runtime_container_destroy(m->container);
                        error_set_errno(&err, r, "Taking the container's terminal failed");
                        goto fail;
                }
        }

        log_info("Created the container, pid %d", (int)m->pid);
        send_simple(m, "created");
        return 0;

fail:
        lifecycle_fail(m, r, error_message(&err, r));
        return r;
}

void lifecycle_start(struct monitor *m)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        if (m->phase != PHASE_CREATED) {
                log_warn("Ignoring \"start\": the container is not in the created state");
                return;
        }

        r = runtime_container_start(m->container, &err);
        if (r < 0) {
                /* The init has exited; reap it before the cgroup goes. */
                reap_init(m);
                runtime_container_destroy(m->container);
                m->phase = PHASE_EXITED;
                lifecycle_fail(m, r, error_message(&err, r));
                return;
        }

        m->phase = PHASE_RUNNING;
        m->started_at_ns = timeutil_now_ns();
        log_info("Started the container");
        send_simple(m, "started");
        monitor_trim_heap();
}

int lifecycle_exit_code(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 255;
}

static void container_exited(struct monitor *m, int status)
{
        int r;

        m->exit_code = lifecycle_exit_code(status);
        m->finished_at_ns = timeutil_now_ns();
        m->exited_mono_ns = timeutil_monotonic_ns();
        m->phase = PHASE_EXITED;
        m->oom_killed = runtime_container_oom_killed(m->container);
        log_info("The container exited with code %d%s", m->exit_code, m->oom_killed ? " (OOM killed)" : "");

        /* Killing what is left of the container before draining its output
         * makes every writer of the pipes go away, so the drain ends. */
        r = runtime_container_destroy(m->container);
        if (r < 0)
                log_error_errno(r, "Removing the container's cgroup failed: %m");
        stdin_close_now(m);
}

/* Reaps every child that has exited: the init, the execs, and as a
 * subreaper any orphan of the container that was reparented to the
 * monitor. */
void lifecycle_reap(struct monitor *m)
{
        for (;;) {
                int status;
                pid_t pid = waitpid(-1, &status, WNOHANG);

                if (pid <= 0)
                        return;
                if (pid == m->pid && m->phase != PHASE_EXITED)
                        container_exited(m, status);
                else
                        exec_reaped(m, pid, status);
        }
}

static void finish_output(struct monitor *m)
{
        int r;

        m->finishing = true;
        if (m->log) {
                r = jsonlog_writer_flush(m->log);
                if (r < 0)
                        log_error_errno(r, "Writing the container log '%s' failed: %m", m->opt.log_path);
                jsonlog_writer_free(TAKE_PTR(m->log));
        }
        close_all_clients(m);
}

static void finish_exit(struct monitor *m)
{
        _cleanup_json_ json_object *msg = message_new("exited");

        write_exit_file(m, NULL);
        if (msg) {
                json_object_object_add(msg, "exit_code", json_object_new_int(m->exit_code));
                add_time(msg, "finished_at", m->finished_at_ns);
                json_object_object_add(msg, "oom_killed", json_object_new_boolean(m->oom_killed));
                control_send_all(m, msg);
        }
        remove_state_files(m);
        log_info("Exiting");
        m->done = true;
}

static bool clients_left(struct monitor *m)
{
        for (struct client *c = m->clients; c; c = c->next)
                if (!c->dead)
                        return true;
        return false;
}

/* Runs after each batch of events: moves an exited container on through
 * drain, closing the clients and the final exit. */
void lifecycle_tick(struct monitor *m, int64_t now_mono)
{
        if (m->phase != PHASE_EXITED || m->done)
                return;

        if (stdio_output_open(m)) {
                if (m->output_paused || now_mono - MAX(m->output_mono_ns, m->exited_mono_ns) < EXIT_DRAIN_IDLE_NS) {
                        clients_check_stalled(m, now_mono);
                        return;
                }
                log_warn("The container's output is still open %d s after it exited; closing it",
                         (int)(EXIT_DRAIN_IDLE_NS / 1000000000));
                stdio_close_output(m);
        }

        if (!m->finishing)
                finish_output(m);
        clients_check_stalled(m, now_mono);
        /* The execs, killed with the container, are reported first. */
        if (!clients_left(m) && !execs_left(m))
                finish_exit(m);
}
