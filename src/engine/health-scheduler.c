/* SPDX-License-Identifier: Apache-2.0 */
/* The timer thread that runs every container's health probes. */
#include "health-scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-internal.h"
#include "health-probe.h"
#include "health.h"
#include "jsonutil.h"
#include "log.h"
#include "timeutil.h"

/* One container on the schedule, for one run of it (started_ns). */
struct health_watch {
        struct container *container; /* a reference */
        int64_t started_ns;
        int64_t due_ns; /* monotonic */
        bool probing;
};

struct health_scheduler {
        struct engine *engine;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t changed; /* on CLOCK_MONOTONIC */
        bool stopping;
        unsigned probes; /* probe threads still running */
        struct health_watch *watches;
        size_t n;
};

struct probe_job {
        struct health_scheduler *scheduler;
        struct container *container; /* a reference */
        int64_t started_ns;
};

static struct health_watch *find_watch(struct health_scheduler *s, struct container *c, int64_t started_ns)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->watches[i].container == c && s->watches[i].started_ns == started_ns)
                        return &s->watches[i];
        return NULL;
}

static void remove_watch(struct health_scheduler *s, size_t i)
{
        container_unref(s->watches[i].container);
        memmove(&s->watches[i], &s->watches[i + 1], (s->n - i - 1) * sizeof(*s->watches));
        s->n--;
}

/* Tells whether c still runs the run that started at started_ns, and
 * reads its probe settings then. */
static int current_config(struct container *c, int64_t started_ns, struct health_config *ret)
{
        int r = 0;

        pthread_mutex_lock(&c->lock);
        if (container_is_running(c) && c->state.started_ns == started_ns && c->state.health)
                r = health_config_from_json(json_field_object(c->config, "Healthcheck"), ret);
        pthread_mutex_unlock(&c->lock);
        return r;
}

/* Stores the result when c still runs the same run, and sends a
 * health_status event when the status changed. */
static void record(struct health_scheduler *s, struct container *c, int64_t started_ns,
                   const struct health_config *config, struct health_result *result)
{
        enum health_status status = HEALTH_STARTING;
        bool changed = false;

        pthread_mutex_lock(&c->lock);
        if (container_is_running(c) && c->state.started_ns == started_ns && c->state.health) {
                changed = health_record(c->state.health, config, started_ns, result);
                status = c->state.health->status;
                engine_container_save_state(s->engine, c);
        }
        pthread_mutex_unlock(&c->lock);
        free(result->output);
        if (changed) {
                char action[64];

                snprintf(action, sizeof(action), "health_status: %s", health_status_to_string(status));
                engine_event_container(s->engine, c, action, NULL);
                log_info("Container %s is %s", c->id, health_status_to_string(status));
        }
}

static void *probe_thread(void *arg)
{
        struct probe_job *job = arg;
        struct health_scheduler *s = job->scheduler;
        struct health_config config;
        struct health_result result;
        struct health_watch *w;
        int64_t interval_ns = HEALTH_DEFAULT_INTERVAL_NS;

        if (current_config(job->container, job->started_ns, &config) > 0) {
                interval_ns = config.interval_ns;
                if (health_probe_run(s->engine, job->container, &config, &result) >= 0)
                        record(s, job->container, job->started_ns, &config, &result);
                health_config_clear(&config);
        }

        pthread_mutex_lock(&s->lock);
        w = find_watch(s, job->container, job->started_ns);
        if (w) {
                w->probing = false;
                w->due_ns = timeutil_monotonic_ns() + interval_ns;
        }
        s->probes--;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        container_unref(job->container);
        free(job);
        return NULL;
}

/* Starts w's probe on its own thread. Call with s->lock held. */
static void start_probe(struct health_scheduler *s, struct health_watch *w)
{
        struct probe_job *job = malloc(sizeof(*job));
        pthread_attr_t attr;
        pthread_t thread;

        w->due_ns = timeutil_monotonic_ns() + HEALTH_DEFAULT_INTERVAL_NS;
        if (!job) {
                log_error("Failed to run the health check of container %s: out of memory", w->container->id);
                return;
        }
        *job = (struct probe_job){ s, container_ref(w->container), w->started_ns };
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        if (pthread_create(&thread, &attr, probe_thread, job) != 0) {
                log_error("Failed to run the health check of container %s: %m", w->container->id);
                container_unref(job->container);
                free(job);
        } else {
                w->probing = true;
                s->probes++;
        }
        pthread_attr_destroy(&attr);
}

static bool still_running(struct health_watch *w)
{
        bool running;

        pthread_mutex_lock(&w->container->lock);
        running = container_is_running(w->container) && w->container->state.started_ns == w->started_ns;
        pthread_mutex_unlock(&w->container->lock);
        return running;
}

/* Starts the due probes and drops the containers that stopped, at once:
 * a watch keeps its container, and so the image's layers, in memory.
 * Returns the next due time. Call with s->lock held. */
static int64_t run_due(struct health_scheduler *s)
{
        int64_t now = timeutil_monotonic_ns(), next = now + HEALTH_DEFAULT_INTERVAL_NS;

        for (size_t i = 0; i < s->n;) {
                struct health_watch *w = &s->watches[i];

                if (!w->probing && !still_running(w)) {
                        remove_watch(s, i);
                        continue;
                }
                if (!w->probing && w->due_ns <= now)
                        start_probe(s, w);
                if (!w->probing && w->due_ns < next)
                        next = w->due_ns;
                i++;
        }
        return next;
}

static void *timer_thread(void *arg)
{
        struct health_scheduler *s = arg;

        pthread_mutex_lock(&s->lock);
        while (!s->stopping) {
                int64_t next = run_due(s);
                struct timespec deadline = { .tv_sec = next / 1000000000, .tv_nsec = next % 1000000000 };

                pthread_cond_timedwait(&s->changed, &s->lock, &deadline);
        }
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

int health_scheduler_new(struct engine *e, struct health_scheduler **ret)
{
        struct health_scheduler *s = calloc(1, sizeof(*s));
        pthread_condattr_t attr;
        int r;

        if (!s)
                return -ENOMEM;
        s->engine = e;
        pthread_mutex_init(&s->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&s->changed, &attr);
        pthread_condattr_destroy(&attr);
        r = pthread_create(&s->thread, NULL, timer_thread, s);
        if (r != 0) {
                pthread_cond_destroy(&s->changed);
                pthread_mutex_destroy(&s->lock);
                free(s);
                return -r;
        }
        *ret = s;
        return 0;
}

void health_scheduler_free(struct health_scheduler *s)
{
        if (!s)
                return;
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);

        /* A probe ends within its timeout. */
        pthread_mutex_lock(&s->lock);
        while (s->probes > 0)
                pthread_cond_wait(&s->changed, &s->lock);
        pthread_mutex_unlock(&s->lock);
        while (s->n > 0)
                remove_watch(s, s->n - 1);
        free(s->watches);
        pthread_cond_destroy(&s->changed);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

/* Resets c's health for its current run. Returns the run's start time and
 * interval, or 0 when c has no probe or does not run. */
static int64_t begin_run(struct engine *e, struct container *c, int64_t *ret_interval_ns)
{
        struct health_config config;
        int64_t started_ns = 0;

        pthread_mutex_lock(&c->lock);
        if (container_is_running(c) &&
            health_config_from_json(json_field_object(c->config, "Healthcheck"), &config) > 0) {
                if (!c->state.health)
                        c->state.health = calloc(1, sizeof(*c->state.health));
                if (c->state.health) {
                        health_reset(c->state.health);
                        started_ns = c->state.started_ns;
                        *ret_interval_ns = config.interval_ns;
                        engine_container_save_state(e, c);
                }
                health_config_clear(&config);
        }
        pthread_mutex_unlock(&c->lock);
        return started_ns;
}

void health_scheduler_watch(struct health_scheduler *s, struct container *c)
{
        int64_t interval_ns = 0, started_ns = begin_run(s->engine, c, &interval_ns);
        struct health_watch *grown;

        if (!started_ns)
                return;
        pthread_mutex_lock(&s->lock);
        if (find_watch(s, c, started_ns)) {
                pthread_mutex_unlock(&s->lock);
                return;
        }
        grown = realloc(s->watches, (s->n + 1) * sizeof(*grown));
        if (!grown) {
                pthread_mutex_unlock(&s->lock);
                log_error("Failed to schedule the health check of container %s: out of memory", c->id);
                return;
        }
        s->watches = grown;
        s->watches[s->n++] = (struct health_watch){
                .container = container_ref(c),
                .started_ns = started_ns,
                .due_ns = timeutil_monotonic_ns() + interval_ns,
        };
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
}

void health_scheduler_container_stopped(struct health_scheduler *s)
{
        if (!s)
                return;
        pthread_mutex_lock(&s->lock);
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
}
