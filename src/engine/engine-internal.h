/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>

#include "engine.h"

/* Shared between the engine's source files only. */
struct engine {
        struct daemon *daemon;
        struct backend *local;

        pthread_rwlock_t lock; /* guards the table and the names in it */
        struct container **containers;
        size_t n_containers;
        size_t allocated;

        int containers_dirfd; /* <data-root>/containers */

        struct exec_table *execs; /* see exec.h */
        /* The restart manager's queue (restart.h). */
        struct restart_scheduler *restarts;
        struct event_bus *events; /* see events.h */
        bool streams_ended;       /* see engine_end_streams */
        /* The health checks' timer thread (health-scheduler.h). */
        struct health_scheduler *health;
        struct network_store *networks; /* see network.h */
};

/* Adds c to the table after checking that its name is free. Takes a reference. */
int engine_table_add(struct engine *e, struct container *c, struct error *err);

/* Removes c from the table. */
void engine_table_remove(struct engine *e, struct container *c);

/* Returns the container holding name (with "/"), or NULL. Call with the lock held. */
struct container *engine_table_find_name(struct engine *e, const char *name);

/* Writes container.json for c. Call with c->lock held. */
int engine_container_save_definition(struct engine *e, struct container *c);

/* Returns the backend for the container's pool. */
struct backend *engine_backend_for_pool(struct engine *e, const char *pool);

/* Starts c, which waits in "restarting", for its restart policy. Unlike
 * a start through the API, it keeps the restart count. -ECANCELED when c
 * no longer waits for a restart. */
int engine_container_start_restarting(struct engine *e, struct container *c, struct error *err);

/* Stops c with its stop timeout, as the daemon does at its shutdown or
 * start when live restore is off. The stop does not count as a user's,
 * so that "unless-stopped" still applies. */
int engine_container_stop_by_daemon(struct engine *e, struct container *c);

/* Marks c exited with the result and wakes waiters. Call with c->lock held. */
void engine_container_set_exited(struct engine *e, struct container *c, const struct backend_exit *exit_info);

/* Thaws a paused container after signal, meant to end it, was sent (a
 * frozen process receives it only once thawed) and marks it running.
 * Call with op_lock held. */
void engine_container_thaw_after_kill(struct engine *e, struct container *c, int signal);

/* Docker's default masked and read-only paths. */
extern const char *const engine_default_masked_paths[];
extern const size_t engine_default_masked_paths_count;
extern const char *const engine_default_readonly_paths[];
extern const size_t engine_default_readonly_paths_count;
