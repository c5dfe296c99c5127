/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

struct engine;
struct container;

/*
 * The daemon's health checker: one timer thread for all containers. When
 * a container's probe is due, the thread starts it on a short-lived
 * thread of its own (a probe blocks up to its timeout), so at most one
 * probe per container runs at a time. A container drops out of the
 * schedule at its first due time after it stopped or restarted.
 */
struct health_scheduler;

int health_scheduler_new(struct engine *e, struct health_scheduler **ret);
/* Stops the timer thread and waits for the probes that run. */
void health_scheduler_free(struct health_scheduler *s);

/* Schedules the probes of the running container c when its
 * Config.Healthcheck has one. Its health becomes "starting", and the
 * first probe runs one interval later. Call without c->lock. */
void health_scheduler_watch(struct health_scheduler *s, struct container *c);

/* Wakes the scheduler to drop the watches of containers that stopped, so
 * that it releases them before their next probe would be due. */
void health_scheduler_container_stopped(struct health_scheduler *s);
