/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine;
struct container;

/*
 * The restart manager: restart policies applied to containers that end
 * while the daemon runs, and at daemon start. Internal to the engine.
 *
 * An exit that the policy restarts puts the container in "restarting"
 * (Docker's Restarting, which counts as running) and queues it on the
 * scheduler, one thread that starts each queued container when its delay
 * is over. A stop, a kill that ends the container, or a forced removal
 * cancels the restarts until the next start through the API, as
 * dockerd's ExitOnNext does. The queue lives in memory only, so a
 * container that is "restarting" when the daemon stops is handled at the
 * next start by engine_restart_at_boot.
 *
 * NOTE: the scheduler runs one start at a time, and the daemon's start
 * runs those of engine_restart_at_boot one after another (dockerd runs
 * them in parallel), so a start that hangs until its timeout delays the
 * others.
 */
struct restart_scheduler;

int restart_scheduler_new(struct engine *e, struct restart_scheduler **ret);

/* Stops the scheduler thread after the start it may be running. The
 * queued containers stay "restarting". */
void restart_scheduler_free(struct restart_scheduler *s);

/* Called at an exit, after the exit is recorded in c->state, with
 * c->lock held. When the policy restarts c, sets its status to
 * restarting, counts the restart and keeps the delay in c->restart.
 * Exits while the daemon restores its containers or shuts down never
 * restart. Returns whether c is to restart. */
bool engine_restart_decide(struct engine *e, struct container *c);

/* Queues c, which engine_restart_decide chose, for a start after its
 * delay. Call without c->lock. */
void engine_restart_schedule(struct engine *e, struct container *c);

/* Stops restarting c until its next start through the API. A container
 * waiting for its restart becomes exited with its last exit code, and
 * waiters wake. Call with op_lock held and c->lock not held. Returns
 * whether c was waiting for a restart. */
bool engine_restart_cancel(struct engine *e, struct container *c);

/* Gives c a new restart manager, as a start through the API does in
 * dockerd: no restart counted, first delay, not canceled. Call with
 * c->lock held. */
void engine_restart_reset(struct container *c);

/* Brackets the restore of containers at daemon start. Exits in between
 * do not restart, because engine_restart_at_boot decides for every
 * container that does not run once the restore is done. */
void engine_restart_restore_begin(struct engine *e);
void engine_restart_restore_end(struct engine *e);

/* Starts, as dockerd does at its start, every container that has run
 * before, does not run now and whose policy restarts it (an "always"
 * container even when a user stopped it). Removes the ended or created
 * containers that have AutoRemove. */
void engine_restart_at_boot(struct engine *e, struct container **containers, size_t n);

/* Marks the daemon as shutting down, so that exits from now on do not
 * restart, and makes the containers waiting for a restart exited. */
void engine_restart_shutdown(struct engine *e);

/* Tells whether c waits for its restart ("restarting"). Takes c->lock. */
bool engine_restart_is_waiting(struct container *c);

/* Stops, all at once, those of the containers that run, with
 * engine_container_stop_by_daemon (see shutdown.c). */
void engine_stop_running(struct engine *e, struct container **containers, size_t n);

/* Tells whether sending sig through the API stops c's restarts: SIGKILL,
 * c's StopSignal, or any signal when c has no StopSignal (dockerd
 * 20.10's killWithSignal). Call with c->lock held. */
bool engine_restart_signal_cancels(const struct container *c, int sig);
