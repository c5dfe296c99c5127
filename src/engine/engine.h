/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "container.h"
#include "error.h"

struct daemon;
struct backend;
struct backend_exit;
struct attach_request;

/*
 * The engine: the table of containers and every operation on them. It
 * keeps the state on disk (the truth) and in memory (an index), calls the
 * container's backend for anything that runs, and wakes waiters on every
 * change. Thread-safe.
 *
 * On disk, per container:
 *   <data-root>/containers/<id>/container.json   definition (Config, HostConfig, ...)
 *   <data-root>/containers/<id>/state.json       State, rewritten on each change
 *   <data-root>/containers/<id>/<id>-json.log    the json-file log (written by the monitor)
 *   <data-root>/containers/<id>/{hostname,hosts,resolv.conf}
 *   <data-root>/containers/<id>/{upper,work}     the overlay's writable layer
 *   <exec-root>/containers/<id>/                 bundle and monitor files
 */
struct engine;

int engine_new(struct daemon *daemon, struct engine **ret, struct error *err);
void engine_free(struct engine *e);

/* Loads every container found under the data root and reconnects to the
 * running ones; containers whose process ended meanwhile get their exit
 * recorded. Damaged entries are logged and skipped, never fatal. */
int engine_restore(struct engine *e);

struct daemon *engine_daemon(struct engine *e);

/* Directory paths of a container (newly allocated). */
char *engine_container_data_dir(struct engine *e, const struct container *c);
char *engine_container_exec_dir(struct engine *e, const struct container *c);

/* Returns the directory (newly allocated) of the hostname, hosts and
 * resolv.conf files that c's processes see. That is c's data directory,
 * or with NetworkMode "container:ID" the data directory of that
 * container, because dockerd shares those files too. Call with c->lock
 * held. */
char *engine_container_etc_dir(struct engine *e, const struct container *c);

/* Finds a container by full ID, name (with or without "/"), or unique ID
 * prefix, in Docker's order. Errors: -ENOENT "No such container: x",
 * -EINVAL for an ambiguous prefix. Returns a new reference. */
int engine_container_find(struct engine *e, const char *ref, struct container **ret, struct error *err);

/* Returns new references to all containers, newest first, and their count. */
int engine_container_list(struct engine *e, struct container ***ret, size_t *ret_count);
void engine_container_list_free(struct container **list, size_t count);

/* Returns the size of the container's writable layer (Docker's SizeRw) and
 * that plus its image's layers (SizeRootFs), in bytes. -ENOENT when it has
 * no writable layer on this host. */
int engine_container_size(struct engine *e, struct container *c, int64_t *ret_rw, int64_t *ret_root_fs);

/* Counts containers by state for /info. */
void engine_container_counts(struct engine *e, size_t *ret_running, size_t *ret_paused, size_t *ret_stopped);

/* Creates a container from a /containers/create request body. name may be
 * NULL for a generated one. Warnings are appended to warnings (a JSON array). */
int engine_container_create(struct engine *e, json_object *request, const char *name, const char *pool,
                            json_object *warnings, struct container **ret, struct error *err);

/* Stops every running container, each with its stop timeout, as dockerd
 * does at its shutdown when live restore is off. Containers waiting for
 * their restart become exited. Such stops do not count as stops by a
 * user, so "unless-stopped" containers start again with the daemon. */
void engine_shutdown(struct engine *e);

/* Starts a created or exited container. -EALREADY when it already runs. */
int engine_container_start(struct engine *e, struct container *c, struct error *err);

/* Sends the stop signal, waits up to timeout seconds (< 0: the container's
 * StopTimeout or 10), then kills it. -EALREADY when it is not running. */
int engine_container_stop(struct engine *e, struct container *c, int timeout, struct error *err);

/* Applies a docker update request (Docker's UpdateConfig: resource limits
 * and a restart policy) to the container's HostConfig, and to its cgroup
 * at once when it runs. Checks and messages are dockerd's; a conflict with
 * the current limits is -EBUSY, a failure to apply them is prefixed with
 * "Cannot update container ID". Warnings go into warnings. */
int engine_container_update(struct engine *e, struct container *c, json_object *update, json_object *warnings,
                            struct error *err);

/* Sends a signal to a running container (-EBUSY when it is not running). */
int engine_container_kill(struct engine *e, struct container *c, int signal, struct error *err);

/* Stops (when running) and starts again. */
int engine_container_restart(struct engine *e, struct container *c, int timeout, struct error *err);

/* Removes a container: -EBUSY when it runs unless force, which kills it first. */
int engine_container_remove(struct engine *e, struct container *c, bool force, bool remove_volumes, struct error *err);

/* Freezes the processes of a running container (docker pause). Conflicts
 * are -EBUSY with dockerd's texts ("Container X is already paused",
 * "... is not running"). */
int engine_container_pause(struct engine *e, struct container *c, struct error *err);

/* Thaws a paused container. -EALREADY "Container X is not paused" when it
 * is not, for which dockerd 20.10 returns a 500. */
int engine_container_unpause(struct engine *e, struct container *c, struct error *err);

/* Renames the container (docker rename); name may lack the leading "/".
 * -EINVAL for an empty, invalid or unchanged name and -EEXIST when
 * another container has it, with dockerd's texts. */
int engine_container_rename(struct engine *e, struct container *c, const char *name, struct error *err);

/* Lists the container's processes as docker top does: the host's ps with
 * ps_args ("-ef" when empty) restricted to the container's pids, as
 * Docker's {"Titles", "Processes"}. -EBUSY when the container is not
 * running; a failure of ps is -EIO with its first line of stderr. */
int engine_container_top(struct engine *e, struct container *c, const char *ps_args, json_object **ret,
                         struct error *err);

/* Samples the container's resource usage (see backend_ops.stats).
 * -ESRCH when it is not running. */
int engine_container_stats(struct engine *e, struct container *c, json_object **ret, struct error *err);

/* Connects a client to the container's streams (at once, or at next start). Takes ownership of req. */
int engine_container_attach(struct engine *e, struct container *c, struct attach_request *req, struct error *err);

int engine_container_resize(struct engine *e, struct container *c, unsigned height, unsigned width, struct error *err);

enum wait_condition {
        WAIT_NOT_RUNNING,
        WAIT_NEXT_EXIT,
        WAIT_REMOVED,
};

/* A snapshot taken before waiting, so that "next-exit" counts only exits
 * after the request arrived. */
struct wait_ticket {
        enum wait_condition condition;
        uint64_t exit_count;
};

void engine_container_wait_prepare(struct container *c, enum wait_condition condition, struct wait_ticket *ret);

/* Waits for the condition up to timeout_ms (< 0: no limit). Returns 1 with
 * the exit code when met, 0 on timeout. */
int engine_container_wait(struct container *c, const struct wait_ticket *ticket, int timeout_ms, int *ret_exit_code,
                          char **ret_error);

/* Called by backends when a container has ended. */
void engine_container_exited(struct engine *e, struct container *c, const struct backend_exit *exit_info);

/* Wakes everyone waiting on a change of c's state. Call with c->lock held. */
void engine_container_notify(struct container *c);

/* Writes state.json for c, without fsync. Call with c->lock held. */
int engine_container_save_state(struct engine *e, struct container *c);
/* Saves c's state like engine_container_save_state, and syncs it, for a
 * change that must survive a power failure: a stop by the user, which
 * decides whether an unless-stopped container starts at boot. */
int engine_container_save_state_synced(struct engine *e, struct container *c);

/* Removes every stopped container matching filters (see filters.h); the IDs
 * go into ret_deleted and the freed bytes into ret_space. */
int engine_container_prune(struct engine *e, json_object *filters, json_object *ret_deleted, int64_t *ret_space,
                           struct error *err);

/* ---- Events (events.h) ---- */

/* The bus that GET /events subscribes to. */
struct event_bus *engine_events(struct engine *e);

/* Ends the streams that would otherwise run until their client leaves
 * (GET /events and docker stats), so that the daemon's stop does not wait
 * for them. Call once the daemon has decided to stop. */
void engine_end_streams(struct engine *e);

/* Tells whether engine_end_streams was called: long streams then end. */
bool engine_streams_ended(struct engine *e);

/* Publishes an event of any type ("container", "image", "network",
 * "volume", "daemon") with attributes as key, value pairs
 * (NULL-terminated, may be NULL). Never fails: an event that cannot be
 * recorded is logged. */
void engine_event_emit(struct engine *e, const char *type, const char *action, const char *actor_id,
                       char *const *attributes);

/* Publishes a container event with Docker's attributes: the key, value
 * pairs given after action (ended by NULL), then the container's labels,
 * "image" (Config.Image) and "name", each overriding what came before as
 * in dockerd. Takes c->lock, so call it without. Actions and their extra
 * attributes, as dockerd 20.10 sends them: create, start, restart, stop,
 * destroy, attach, pause, unpause, update, top, export, commit,
 * archive-path, extract-to-dir, oom; die (exitCode); kill (signal);
 * rename (oldName); resize (height, width); "exec_create: CMD ARGS" and
 * "exec_start: CMD ARGS" (execID); exec_die (execID, exitCode);
 * "health_status: STATUS". */
void engine_event_container(struct engine *e, struct container *c, const char *action, ...) __attribute__((sentinel));

/* Publishes an exec event: with cmd, "ACTION: CMD ARGS" as dockerd names
 * exec_create and exec_start; without, ACTION (exec_die) with the exit
 * code when not NULL. Both carry execID. */
void engine_event_exec(struct engine *e, struct container *c, const char *action, const char *exec_id, char *const *cmd,
                       const char *exit_code);

/* The image store's event hook (image_store_set_event_hook), with the
 * engine as userdata. */
void engine_image_event(const char *action, const char *id, const char *name, json_object *labels, void *userdata);

/* The checks the image store calls before deleting an image: whether any
 * container, or any running container, uses it. */
bool engine_image_in_use(const char *image_id, char *ret_container, void *userdata);
bool engine_image_running(const char *image_id, char *ret_container, void *userdata);
