/* SPDX-License-Identifier: Apache-2.0 */
/* Start, stop, kill, restart, wait, remove, and the end of a container. */
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "container-trash.h"
#include "container-volumes.h"
#include "crash-point.h"
#include "daemon.h"
#include "engine-internal.h"
#include "exec.h"
#include "fsutil.h"
#include "health-scheduler.h"
#include "image/image.h"
#include "jsonutil.h"
#include "log.h"
#include "namespace-modes.h"
#include "network.h"
#include "pool/backend.h"
#include "restart.h"
#include "timeutil.h"

#define DEFAULT_STOP_TIMEOUT_S 10
/* How long to wait for a container to die after SIGKILL before giving up. */
#define KILL_WAIT_MS 30000

/* Waits on c->changed until pred is true or the deadline passes. Call with c->lock held. */
static bool wait_locked(struct container *c, bool (*pred)(const struct container *c, const void *arg), const void *arg,
                        int timeout_ms)
{
        struct timespec deadline;

        if (timeout_ms >= 0)
                timeutil_monotonic_deadline(&deadline, timeout_ms);
        while (!pred(c, arg)) {
                if (timeout_ms < 0) {
                        pthread_cond_wait(&c->changed, &c->lock);
                        continue;
                }
                if (pthread_cond_timedwait(&c->changed, &c->lock, &deadline) == ETIMEDOUT)
                        return pred(c, arg);
        }
        return true;
}

static void schedule_auto_remove(struct engine *e, struct container *c);

static bool is_not_running(const struct container *c, const void *arg)
{
        return !container_is_running(c) && c->state.status != CONTAINER_RESTARTING;
}

static int start_and_unlock(struct engine *e, struct container *c, struct error *err);

int engine_container_start(struct engine *e, struct container *c, struct error *err)
{
        enum container_status status;

        pthread_mutex_lock(&c->op_lock);
        pthread_mutex_lock(&c->lock);
        status = c->state.status;
        pthread_mutex_unlock(&c->lock);

        if (status == CONTAINER_PAUSED) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EBUSY, "cannot start a paused container, try unpause instead");
        }
        if (status == CONTAINER_RUNNING) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EALREADY, "container %s is already running", c->id);
        }
        if (status == CONTAINER_REMOVING || status == CONTAINER_DEAD) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EBUSY, "container is marked for removal and cannot be started");
        }
        if (status == CONTAINER_RESTARTING) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EALREADY, "container %s is already running", c->id);
        }

        /* A start through the API gets a new restart manager, as in dockerd. */
        pthread_mutex_lock(&c->lock);
        engine_restart_reset(c);
        pthread_mutex_unlock(&c->lock);
        return start_and_unlock(e, c, err);
}

int engine_container_start_restarting(struct engine *e, struct container *c, struct error *err)
{
        bool waiting;

        pthread_mutex_lock(&c->op_lock);
        pthread_mutex_lock(&c->lock);
        waiting = c->state.status == CONTAINER_RESTARTING && !c->restart.canceled && !c->state.removed;
        pthread_mutex_unlock(&c->lock);
        if (!waiting) {
                pthread_mutex_unlock(&c->op_lock);
                return -ECANCELED;
        }
        return start_and_unlock(e, c, err);
}

/* Starts c through its backend. Call with op_lock held, which it releases. */
static int start_and_unlock(struct engine *e, struct container *c, struct error *err)
{
        bool auto_remove;
        pid_t pid;
        int r;

        /* The network mode is resolved only at start, as dockerd does. */
        r = network_container_start(e, c, err);
        if (r >= 0)
                r = container_volumes_mount(e, c, err);
        if (r >= 0) {
                r = c->backend->ops->start(c->backend, c, err);
                if (r < 0)
                        container_volumes_unmount(e, c);
        }
        pthread_mutex_unlock(&c->op_lock);
        if (r < 0) {
                network_container_stop(e, c);
                namespace_shares_release(e, c);
                /* As dockerd does, a container that was to be removed when it
                 * ends is removed when it cannot start: `docker run --rm`
                 * waits for that removal. */
                pthread_mutex_lock(&c->lock);
                auto_remove = container_auto_remove(c);
                pthread_mutex_unlock(&c->lock);
                if (auto_remove)
                        schedule_auto_remove(e, c);
                /* dockerd 20.10 sends the cause without a prefix. */
                return r;
        }
        crash_point("start.after-state");
        pthread_mutex_lock(&c->lock);
        pid = c->state.pid;
        pthread_mutex_unlock(&c->lock);
        engine_event_container(e, c, "start", NULL);
        health_scheduler_watch(e->health, c);
        log_info("Container %s started (pid %d)", c->id, (int)pid);
        return 0;
}

static int resolve_stop_timeout(struct container *c, int timeout)
{
        int configured;

        if (timeout >= 0)
                return timeout;
        pthread_mutex_lock(&c->lock);
        configured = container_stop_timeout(c);
        pthread_mutex_unlock(&c->lock);
        return configured >= 0 ? configured : DEFAULT_STOP_TIMEOUT_S;
}

/* Tells whether sig is meant to end c, so that a paused c must be thawed
 * to receive it: SIGKILL, the container's StopSignal, or any signal when
 * it has none (dockerd 20.10's killWithSignal). Call with c->lock held. */
static bool signal_ends_container(const struct container *c, int sig)
{
        if (sig == SIGKILL || isempty(json_field_string(c->config, "StopSignal", "")))
                return true;
        return sig == container_stop_signal(c);
}

/* Sends sig to the container's processes and records the "kill" event. A
 * frozen process receives a signal only once thawed, so a paused
 * container is unpaused after a signal that should end it, as dockerd
 * does. Call with op_lock held. */
static int send_signal(struct engine *e, struct container *c, int sig, struct error *err)
{
        char number[16];
        bool thaw;
        int r;

        r = c->backend->ops->kill(c->backend, c, sig, err);
        if (r < 0)
                return r;
        snprintf(number, sizeof(number), "%d", sig);
        engine_event_container(e, c, "kill", "signal", number, NULL);

        pthread_mutex_lock(&c->lock);
        thaw = c->state.status == CONTAINER_PAUSED && signal_ends_container(c, sig);
        pthread_mutex_unlock(&c->lock);
        if (thaw)
                engine_container_thaw_after_kill(e, c, sig);
        return 0;
}

/* Sends sig and waits up to timeout_ms for the container to stop running.
 * Call with op_lock held. Returns 1 when it stopped, 0 on timeout. */
static int signal_and_wait(struct engine *e, struct container *c, int sig, int timeout_ms, struct error *err)
{
        bool stopped;
        int r;

        r = send_signal(e, c, sig, err);
        if (r < 0 && r != -ESRCH)
                return r;

        pthread_mutex_lock(&c->lock);
        stopped = wait_locked(c, is_not_running, NULL, timeout_ms);
        pthread_mutex_unlock(&c->lock);
        return stopped ? 1 : 0;
}

/* Stops a running container, or one waiting for its restart. by_user is
 * true for a stop through the API and false for one by the daemon (see
 * engine_container_stop_by_daemon). Call with op_lock held. */
static int stop_locked(struct engine *e, struct container *c, int timeout_s, bool by_user, struct error *err)
{
        bool was_restarting;
        int sig, r;

        /* Whatever follows, the container must not restart, as with
         * dockerd's ExitOnNext. */
        was_restarting = engine_restart_cancel(e, c);

        pthread_mutex_lock(&c->lock);
        if (by_user && (was_restarting || container_is_running(c))) {
                c->state.stopped_by_user = true;
                engine_container_save_state_synced(e, c);
        }
        if (!container_is_running(c)) {
                pthread_mutex_unlock(&c->lock);
                return was_restarting ? 0 : -EALREADY;
        }
        sig = container_stop_signal(c);
        pthread_mutex_unlock(&c->lock);
        crash_point("stop.after-mark");
        log_info("Stopping container %s with signal %d, timeout %d s", c->id, sig, timeout_s);

        r = signal_and_wait(e, c, sig, timeout_s * 1000, err);
        if (r == 0) {
                log_info("Container %s failed to exit within %d seconds of signal %d - using the force", c->id,
                         timeout_s, sig);
                r = signal_and_wait(e, c, SIGKILL, KILL_WAIT_MS, err);
                if (r == 0)
                        return error_set(err, -ETIMEDOUT, "container %s did not stop after SIGKILL", c->id);
        }
        if (r < 0)
                return r;
        engine_event_container(e, c, "stop", NULL);
        return 0;
}

int engine_container_stop(struct engine *e, struct container *c, int timeout, struct error *err)
{
        int r;

        timeout = resolve_stop_timeout(c, timeout);
        pthread_mutex_lock(&c->op_lock);
        r = stop_locked(e, c, timeout, true, err);
        pthread_mutex_unlock(&c->op_lock);
        if (r == -EALREADY)
                return error_set(err, r, "container %s is not running", c->id);
        return r;
}

int engine_container_stop_by_daemon(struct engine *e, struct container *c)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int timeout = resolve_stop_timeout(c, -1);
        int r;

        pthread_mutex_lock(&c->op_lock);
        r = stop_locked(e, c, timeout, false, &err);
        pthread_mutex_unlock(&c->op_lock);
        if (r < 0 && r != -EALREADY)
                log_error("Failed to stop container %s: %s", c->id, error_message(&err, r));
        return r == -EALREADY ? 0 : r;
}

int engine_container_kill(struct engine *e, struct container *c, int signal, struct error *err)
{
        bool running, restarting, cancels;
        int r;

        pthread_mutex_lock(&c->op_lock);
        pthread_mutex_lock(&c->lock);
        running = container_is_running(c);
        restarting = c->state.status == CONTAINER_RESTARTING;
        cancels = engine_restart_signal_cancels(c, signal);
        /* dockerd counts any signal sent through the API as a stop by the user. */
        if (running || restarting) {
                c->state.stopped_by_user = true;
                engine_container_save_state_synced(e, c);
        }
        pthread_mutex_unlock(&c->lock);

        if (cancels && (running || restarting))
                engine_restart_cancel(e, c);
        /* A container waiting for its restart has no process to signal. */
        if (restarting) {
                pthread_mutex_unlock(&c->op_lock);
                return 0;
        }
        if (!running) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EBUSY, "Cannot kill container: %s: Container %s is not running", c->id, c->id);
        }
        r = send_signal(e, c, signal, err);
        pthread_mutex_unlock(&c->op_lock);
        return r == -ESRCH ? 0 : r;
}

int engine_container_restart(struct engine *e, struct container *c, int timeout, struct error *err)
{
        int r;

        timeout = resolve_stop_timeout(c, timeout);
        pthread_mutex_lock(&c->op_lock);
        r = stop_locked(e, c, timeout, true, err);
        pthread_mutex_unlock(&c->op_lock);
        if (r < 0 && r != -EALREADY)
                return r;
        r = engine_container_start(e, c, err);
        if (r >= 0)
                engine_event_container(e, c, "restart", NULL);
        return r;
}

int engine_container_attach(struct engine *e, struct container *c, struct attach_request *req, struct error *err)
{
        bool paused;
        int r;

        pthread_mutex_lock(&c->lock);
        paused = c->state.status == CONTAINER_PAUSED;
        pthread_mutex_unlock(&c->lock);
        if (paused) {
                attach_request_free(req);
                return error_set(err, -EBUSY, "container %s is paused, unpause the container before attach", c->id);
        }
        if (engine_restart_is_waiting(c)) {
                attach_request_free(req);
                return error_set(err, -EBUSY, "container %s is restarting, wait until the container is running", c->id);
        }
        r = c->backend->ops->attach(c->backend, c, req, err);
        if (r >= 0)
                engine_event_container(e, c, "attach", NULL);
        return r;
}

int engine_container_resize(struct engine *e, struct container *c, unsigned height, unsigned width, struct error *err)
{
        char h[16], w[16];
        bool running;
        int r;

        pthread_mutex_lock(&c->lock);
        running = container_is_running(c);
        pthread_mutex_unlock(&c->lock);
        if (!running)
                return error_set(err, -EBUSY, "Container %s is not running", c->id);
        r = c->backend->ops->resize(c->backend, c, height, width, err);
        if (r < 0)
                return r;
        snprintf(h, sizeof(h), "%u", height);
        snprintf(w, sizeof(w), "%u", width);
        engine_event_container(e, c, "resize", "height", h, "width", w, NULL);
        return 0;
}

/* ---- Waiting ---- */

void engine_container_wait_prepare(struct container *c, enum wait_condition condition, struct wait_ticket *ret)
{
        pthread_mutex_lock(&c->lock);
        ret->condition = condition;
        ret->exit_count = c->state.exit_count;
        pthread_mutex_unlock(&c->lock);
}

static bool ticket_met(const struct container *c, const void *arg)
{
        const struct wait_ticket *ticket = arg;

        switch (ticket->condition) {
        case WAIT_NOT_RUNNING:
                /* An exit followed by a restart counts too, as in dockerd. */
                return is_not_running(c, NULL) || c->state.exit_count > ticket->exit_count || c->state.removed;
        case WAIT_NEXT_EXIT:
                return c->state.exit_count > ticket->exit_count || c->state.removed;
        case WAIT_REMOVED:
                return c->state.removed;
        }
        return true;
}

int engine_container_wait(struct container *c, const struct wait_ticket *ticket, int timeout_ms, int *ret_exit_code,
                          char **ret_error)
{
        bool met;

        pthread_mutex_lock(&c->lock);
        met = wait_locked(c, ticket_met, ticket, timeout_ms);
        if (met) {
                *ret_exit_code = c->state.exit_code;
                if (ret_error)
                        *ret_error = c->state.error ? strdup(c->state.error) : NULL;
        }
        pthread_mutex_unlock(&c->lock);
        return met ? 1 : 0;
}

/* ---- Exit and removal ---- */

void engine_container_set_exited(struct engine *e, struct container *c, const struct backend_exit *exit_info)
{
        c->state.status = CONTAINER_EXITED;
        c->state.pid = 0;
        c->state.exit_code = exit_info->exit_code;
        c->state.finished_ns = exit_info->finished_ns ? exit_info->finished_ns : timeutil_now_ns();
        c->state.oom_killed = exit_info->oom_killed;
        container_state_set_error(&c->state, exit_info->error);
        c->state.exit_count++;
        /* The restart policy may turn the exit into "restarting". */
        engine_restart_decide(e, c);
        engine_container_save_state(e, c);
        engine_container_notify(c);
}

struct auto_remove {
        struct engine *engine;
        struct container *container;
};

static void *auto_remove_thread(void *arg)
{
        struct auto_remove *job = arg;
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = engine_container_remove(job->engine, job->container, false, true, &err);
        if (r < 0 && r != -ENOENT)
                log_error("Failed to remove container %s after it exited (AutoRemove): %s", job->container->id,
                          error_message(&err, r));
        container_unref(job->container);
        free(job);
        return NULL;
}

/* Removes an AutoRemove container on its own thread: the exit is reported
 * while another operation (a stop) may still hold the container's op_lock. */
static void schedule_auto_remove(struct engine *e, struct container *c)
{
        struct auto_remove *job = malloc(sizeof(*job));
        pthread_attr_t attr;
        pthread_t thread;

        if (!job) {
                log_error("Failed to remove container %s after it exited: out of memory", c->id);
                return;
        }
        job->engine = e;
        job->container = container_ref(c);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        if (pthread_create(&thread, &attr, auto_remove_thread, job) != 0) {
                log_error("Failed to start the removal of container %s: %m", c->id);
                container_unref(job->container);
                free(job);
        }
        pthread_attr_destroy(&attr);
}

void engine_container_exited(struct engine *e, struct container *c, const struct backend_exit *exit_info)
{
        bool restarting;
        char code[16];
        bool auto_remove;

        /* Before the waiters wake up, as in dockerd: a client that saw its
         * wait return also finds the die event. */
        if (exit_info->oom_killed)
                engine_event_container(e, c, "oom", NULL);
        snprintf(code, sizeof(code), "%d", exit_info->exit_code);
        engine_event_container(e, c, "die", "exitCode", code, NULL);

        /* Also before the waiters wake up: a stop that returns lets a start
         * follow at once (docker restart -t 0), and this run's teardown must
         * not remove the network namespace or volume mounts of the next. */
        namespace_shares_release(e, c);
        container_volumes_unmount(e, c);
        network_container_stop(e, c);

        pthread_mutex_lock(&c->lock);
        engine_container_set_exited(e, c, exit_info);
        restarting = c->state.status == CONTAINER_RESTARTING;
        auto_remove = !restarting && container_auto_remove(c);
        pthread_mutex_unlock(&c->lock);

        engine_exec_container_exited(e, c);
        health_scheduler_container_stopped(e->health);
        log_info("Container %s exited with code %d", c->id, exit_info->exit_code);
        if (restarting)
                engine_restart_schedule(e, c);
        if (auto_remove)
                schedule_auto_remove(e, c);
}

int engine_container_remove(struct engine *e, struct container *c, bool force, bool remove_volumes, struct error *err)
{
        bool running, paused;
        int r;

        pthread_mutex_lock(&c->op_lock);
        pthread_mutex_lock(&c->lock);
        if (c->state.removed) {
                pthread_mutex_unlock(&c->lock);
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -ENOENT, "No such container: %s", c->id);
        }
        running = container_is_running(c);
        paused = c->state.status == CONTAINER_PAUSED;
        pthread_mutex_unlock(&c->lock);

        if (paused && !force) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EBUSY,
                                 "You cannot remove a paused container %s. Unpause and then stop the container before "
                                 "attempting removal or force remove",
                                 c->id);
        }
        if (!force && engine_restart_is_waiting(c)) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EBUSY,
                                 "You cannot remove a restarting container %s. Stop the container before attempting "
                                 "removal or force remove",
                                 c->id);
        }
        /* A forced removal kills the container, which must not restart. */
        if (force)
                engine_restart_cancel(e, c);
        if (running && !force) {
                pthread_mutex_unlock(&c->op_lock);
                return error_set(err, -EBUSY,
                                 "You cannot remove a running container %s. Stop the container before attempting "
                                 "removal or force remove",
                                 c->id);
        }
        if (running) {
                r = signal_and_wait(e, c, SIGKILL, KILL_WAIT_MS, err);
                if (r <= 0) {
                        pthread_mutex_unlock(&c->op_lock);
                        return r < 0 ? r : error_set(err, -ETIMEDOUT, "could not kill running container %s", c->id);
                }
        }

        pthread_mutex_lock(&c->lock);
        c->state.status = CONTAINER_REMOVING;
        engine_container_save_state(e, c);
        pthread_mutex_unlock(&c->lock);
        crash_point("rm.after-mark");

        r = c->backend->ops->remove(c->backend, c, err);
        if (r < 0)
                log_warn("Removing container %s from its backend failed: %s", c->id, error_message(err, r));
        error_clear(err);

        namespace_shares_release(e, c);
        network_container_stop(e, c);
        container_volumes_detach(e, c, remove_volumes);
        r = engine_trash_container_dirs(e, c);
        crash_point("rm.after-files");
        engine_table_remove(e, c);
        engine_exec_container_removed(e, c);
        if (image_store_release(e->daemon->images, c->id) < 0)
                log_warn("Failed to release the image layers held by container %s", c->id);
        /* Before waiters for the removal wake up (docker run --rm). */
        engine_event_container(e, c, "destroy", NULL);

        pthread_mutex_lock(&c->lock);
        c->state.removed = true;
        engine_container_notify(c);
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&c->op_lock);

        log_debug("Container %s removed", c->id);
        return r < 0 ? error_set_errno(err, r, "removing the files of container %s failed", c->id) : 0;
}
