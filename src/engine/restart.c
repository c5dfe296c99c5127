/* SPDX-License-Identifier: Apache-2.0 */
/* The restart manager: restart policies at exits and at daemon start,
 * and the scheduler thread that starts containers after their delay. */
#include "restart.h"

#include <signal.h>
#include <time.h>

#include "engine-internal.h"
#include "jsonutil.h"
#include "log.h"
#include "restart-policy.h"
#include "timeutil.h"

struct restart_entry {
        struct restart_entry *next;
        struct container *container; /* a reference */
        int64_t due_ns;              /* CLOCK_MONOTONIC */
};

struct restart_scheduler {
        struct engine *engine;
        pthread_mutex_t lock;
        pthread_cond_t changed; /* on CLOCK_MONOTONIC */
        struct restart_entry *entries;
        bool restoring;     /* the daemon is restoring its containers */
        bool shutting_down; /* the daemon is stopping */
        bool thread_running;
        pthread_t thread;
};

/* ---- The scheduler ---- */

/* Takes the first entry that is due, or returns NULL with *ret_wait_ns
 * set to the time of the next one (0 when there is none). Call with
 * s->lock held. */
static struct restart_entry *take_due(struct restart_scheduler *s, int64_t now_ns, int64_t *ret_wait_ns)
{
        struct restart_entry **next_due = NULL;
        int64_t earliest = 0;

        for (struct restart_entry **p = &s->entries; *p; p = &(*p)->next) {
                if (!next_due || (*p)->due_ns < earliest) {
                        next_due = p;
                        earliest = (*p)->due_ns;
                }
        }
        *ret_wait_ns = earliest;
        if (!next_due || earliest > now_ns)
                return NULL;

        struct restart_entry *entry = *next_due;

        *next_due = entry->next;
        return entry;
}

static void wait_until(struct restart_scheduler *s, int64_t due_ns)
{
        struct timespec deadline = {
                .tv_sec = due_ns / 1000000000LL,
                .tv_nsec = due_ns % 1000000000LL,
        };

        if (due_ns == 0)
                pthread_cond_wait(&s->changed, &s->lock);
        else
                pthread_cond_timedwait(&s->changed, &s->lock, &deadline);
}

/* Starts a container whose delay is over. A start that fails leaves it
 * exited with the start's error, as dockerd does, and is not retried. */
static void restart_container(struct engine *e, struct container *c)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int count;
        int r;

        r = engine_container_start_restarting(e, c, &err);
        if (r == -ECANCELED) {
                log_debug("Container %s no longer waits for its restart", c->id);
                return;
        }
        pthread_mutex_lock(&c->lock);
        count = c->state.restart_count;
        pthread_mutex_unlock(&c->lock);
        if (r >= 0) {
                log_info("Container %s restarted by its restart policy (restart %d)", c->id, count);
                return;
        }
        log_error("Failed to restart container %s (restart %d): %s", c->id, count, error_message(&err, r));

        pthread_mutex_lock(&c->op_lock);
        pthread_mutex_lock(&c->lock);
        if (c->state.status == CONTAINER_RESTARTING) {
                c->state.status = CONTAINER_EXITED;
                engine_container_save_state(e, c);
                engine_container_notify(c);
        }
        pthread_mutex_unlock(&c->lock);
        pthread_mutex_unlock(&c->op_lock);
}

static void *scheduler_thread(void *arg)
{
        struct restart_scheduler *s = arg;

        pthread_mutex_lock(&s->lock);
        while (!s->shutting_down) {
                struct restart_entry *entry;
                int64_t next_ns;

                entry = take_due(s, timeutil_monotonic_ns(), &next_ns);
                if (!entry) {
                        wait_until(s, next_ns);
                        continue;
                }
                pthread_mutex_unlock(&s->lock);
                restart_container(s->engine, entry->container);
                container_unref(entry->container);
                free(entry);
                pthread_mutex_lock(&s->lock);
        }
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

int restart_scheduler_new(struct engine *e, struct restart_scheduler **ret)
{
        struct restart_scheduler *s = calloc(1, sizeof(*s));
        pthread_condattr_t cond_attr;
        pthread_attr_t attr;
        int r;

        if (!s)
                return -ENOMEM;
        s->engine = e;
        pthread_mutex_init(&s->lock, NULL);
        pthread_condattr_init(&cond_attr);
        pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
        pthread_cond_init(&s->changed, &cond_attr);
        pthread_condattr_destroy(&cond_attr);

        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        r = -pthread_create(&s->thread, &attr, scheduler_thread, s);
        pthread_attr_destroy(&attr);
        if (r < 0) {
                restart_scheduler_free(s);
                return r;
        }
        s->thread_running = true;
        *ret = s;
        return 0;
}

/* Ends the scheduler thread once the start it may be running is done. */
static void stop_thread(struct restart_scheduler *s)
{
        pthread_mutex_lock(&s->lock);
        s->shutting_down = true;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        if (s->thread_running)
                pthread_join(s->thread, NULL);
        s->thread_running = false;
}

void restart_scheduler_free(struct restart_scheduler *s)
{
        if (!s)
                return;
        stop_thread(s);
        while (s->entries) {
                struct restart_entry *entry = s->entries;

                s->entries = entry->next;
                container_unref(entry->container);
                free(entry);
        }
        pthread_cond_destroy(&s->changed);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

/* Removes c's entry from the queue. Returns whether it had one. */
static bool unqueue(struct restart_scheduler *s, struct container *c)
{
        struct restart_entry *found = NULL;

        pthread_mutex_lock(&s->lock);
        for (struct restart_entry **p = &s->entries; *p; p = &(*p)->next) {
                if ((*p)->container == c) {
                        found = *p;
                        *p = found->next;
                        break;
                }
        }
        pthread_mutex_unlock(&s->lock);
        if (!found)
                return false;
        container_unref(found->container);
        free(found);
        return true;
}

/* ---- Decisions at exits ---- */

bool engine_restart_decide(struct engine *e, struct container *c)
{
        struct restart_scheduler *s = e->restarts;
        struct restart_policy policy;
        bool suspended;

        pthread_mutex_lock(&s->lock);
        suspended = s->restoring || s->shutting_down;
        pthread_mutex_unlock(&s->lock);
        if (suspended || c->restart.canceled || c->state.removed)
                return false;
        if (restart_policy_parse(json_field_object(c->host_config, "RestartPolicy"), &policy, NULL) < 0)
                return false;

        /* As dockerd, the delay grows with every exit, restarted or not. */
        c->restart.delay_ms = restart_delay_next(c->restart.delay_ms, c->state.finished_ns - c->state.started_ns);
        if (!restart_policy_should_restart(&policy, c->state.restart_count, c->state.exit_code,
                                           c->state.stopped_by_user))
                return false;

        c->state.status = CONTAINER_RESTARTING;
        c->state.restart_count++;
        return true;
}

void engine_restart_schedule(struct engine *e, struct container *c)
{
        struct restart_scheduler *s = e->restarts;
        struct restart_entry *entry = calloc(1, sizeof(*entry));
        int64_t delay_ms;

        pthread_mutex_lock(&c->lock);
        delay_ms = c->restart.delay_ms;
        pthread_mutex_unlock(&c->lock);
        if (!entry) {
                log_error("Failed to queue the restart of container %s: out of memory", c->id);
                return;
        }
        entry->container = container_ref(c);
        entry->due_ns = timeutil_monotonic_ns() + delay_ms * 1000000LL;

        pthread_mutex_lock(&s->lock);
        if (s->shutting_down) {
                /* The next daemon restarts it (engine_restart_at_boot). */
                pthread_mutex_unlock(&s->lock);
                container_unref(entry->container);
                free(entry);
                return;
        }
        entry->next = s->entries;
        s->entries = entry;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        log_debug("Container %s restarts in %lld ms", c->id, (long long)delay_ms);
}

bool engine_restart_cancel(struct engine *e, struct container *c)
{
        bool restarting;

        unqueue(e->restarts, c);
        pthread_mutex_lock(&c->lock);
        c->restart.canceled = true;
        restarting = c->state.status == CONTAINER_RESTARTING;
        if (restarting) {
                c->state.status = CONTAINER_EXITED;
                engine_container_save_state(e, c);
                engine_container_notify(c);
        }
        pthread_mutex_unlock(&c->lock);
        if (restarting)
                log_info("Container %s will not be restarted", c->id);
        return restarting;
}

void engine_restart_reset(struct container *c)
{
        c->state.restart_count = 0;
        c->restart = (struct container_restart){};
}

/* ---- Daemon start and stop ---- */

void engine_restart_restore_begin(struct engine *e)
{
        pthread_mutex_lock(&e->restarts->lock);
        e->restarts->restoring = true;
        pthread_mutex_unlock(&e->restarts->lock);
}

void engine_restart_restore_end(struct engine *e)
{
        pthread_mutex_lock(&e->restarts->lock);
        e->restarts->restoring = false;
        pthread_mutex_unlock(&e->restarts->lock);
}

enum boot_action {
        BOOT_NOTHING,
        BOOT_START,
        BOOT_REMOVE,
};

/* Returns the action of dockerd's restore for a container that does not run. */
static enum boot_action boot_action_for(struct container *c)
{
        struct restart_policy policy;
        enum boot_action action = BOOT_NOTHING;

        pthread_mutex_lock(&c->lock);
        if ((c->state.status == CONTAINER_EXITED || c->state.status == CONTAINER_CREATED) && !c->state.removed) {
                if (container_auto_remove(c))
                        action = BOOT_REMOVE;
                else if (c->state.status == CONTAINER_EXITED && c->state.started_ns != 0 &&
                         restart_policy_parse(json_field_object(c->host_config, "RestartPolicy"), &policy, NULL) >= 0 &&
                         restart_policy_should_restart(&policy, c->state.restart_count, c->state.exit_code,
                                                       c->state.stopped_by_user))
                        action = BOOT_START;
        }
        pthread_mutex_unlock(&c->lock);
        return action;
}

void engine_restart_at_boot(struct engine *e, struct container **containers, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                struct container *c = containers[i];
                int r;

                switch (boot_action_for(c)) {
                case BOOT_START:
                        log_info("Starting container %s by its restart policy", c->id);
                        r = engine_container_start(e, c, &err);
                        if (r < 0 && r != -EALREADY)
                                log_error("Failed to start container %s by its restart policy: %s", c->id,
                                          error_message(&err, r));
                        break;
                case BOOT_REMOVE:
                        log_info("Removing container %s, which ended while the daemon was down (AutoRemove)", c->id);
                        r = engine_container_remove(e, c, true, true, &err);
                        if (r < 0 && r != -ENOENT)
                                log_error("Failed to remove container %s: %s", c->id, error_message(&err, r));
                        break;
                case BOOT_NOTHING:
                        break;
                }
        }
}

void engine_restart_shutdown(struct engine *e)
{
        struct restart_scheduler *s = e->restarts;
        struct restart_entry *entries;

        stop_thread(s);
        pthread_mutex_lock(&s->lock);
        entries = s->entries;
        s->entries = NULL;
        pthread_mutex_unlock(&s->lock);

        while (entries) {
                struct restart_entry *entry = entries;
                struct container *c = entry->container;

                entries = entry->next;
                pthread_mutex_lock(&c->op_lock);
                engine_restart_cancel(e, c);
                pthread_mutex_unlock(&c->op_lock);
                container_unref(c);
                free(entry);
        }
}

bool engine_restart_is_waiting(struct container *c)
{
        bool waiting;

        pthread_mutex_lock(&c->lock);
        waiting = c->state.status == CONTAINER_RESTARTING;
        pthread_mutex_unlock(&c->lock);
        return waiting;
}

bool engine_restart_signal_cancels(const struct container *c, int sig)
{
        if (sig == SIGKILL || isempty(json_field_string(c->config, "StopSignal", "")))
                return true;
        return sig == container_stop_signal(c);
}
