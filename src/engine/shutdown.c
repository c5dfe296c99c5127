/* SPDX-License-Identifier: Apache-2.0 */
/* Stopping every running container when live restore is off, as dockerd
 * does at its shutdown, and at its start for the containers a killed
 * daemon left running. */
#include "engine-internal.h"
#include "log.h"
#include "restart.h"

struct stop_job {
        struct engine *engine;
        struct container *container;
        pthread_t thread;
        bool started;
};

static void *stop_thread(void *arg)
{
        struct stop_job *job = arg;

        engine_container_stop_by_daemon(job->engine, job->container);
        return NULL;
}

static bool runs(struct container *c)
{
        bool running;

        pthread_mutex_lock(&c->lock);
        running = container_is_running(c);
        pthread_mutex_unlock(&c->lock);
        return running;
}

void engine_stop_running(struct engine *e, struct container **containers, size_t n)
{
        _cleanup_free_ struct stop_job *jobs = calloc(n, sizeof(*jobs));
        pthread_attr_t attr;
        size_t stopping = 0;

        if (n > 0 && !jobs) {
                log_error("Failed to stop the running containers: out of memory");
                return;
        }
        /* All at once, as each may take its whole stop timeout. */
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        for (size_t i = 0; i < n; i++) {
                if (!runs(containers[i]))
                        continue;
                jobs[i] = (struct stop_job){ .engine = e, .container = containers[i] };
                stopping++;
                if (pthread_create(&jobs[i].thread, &attr, stop_thread, &jobs[i]) == 0)
                        jobs[i].started = true;
                else
                        stop_thread(&jobs[i]);
        }
        pthread_attr_destroy(&attr);
        if (stopping > 0)
                log_info("Stopping %zu running containers, because live restore is off", stopping);

        for (size_t i = 0; i < n; i++)
                if (jobs[i].started)
                        pthread_join(jobs[i].thread, NULL);
}

void engine_shutdown(struct engine *e)
{
        struct container **list = NULL;
        size_t n = 0;

        engine_restart_shutdown(e);
        if (engine_container_list(e, &list, &n) < 0) {
                log_error("Failed to stop the running containers: out of memory");
                return;
        }
        engine_stop_running(e, list, n);
        engine_container_list_free(list, n);
}
