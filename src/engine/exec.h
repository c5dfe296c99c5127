/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "idutil.h"

struct engine;
struct container;
struct attach_request;

/*
 * Execs: processes started in a running container by docker exec. The
 * engine keeps them in memory only, as dockerd does: an exec is created,
 * started once through the container's backend, and its end is recorded.
 * A restarted daemon learns the running ones from the backend again.
 */

/* The settings of an exec, from its create request (Docker's ExecConfig). */
struct exec_config {
        char **cmd;        /* the command and its arguments; at least one */
        char **env;        /* the request's Env, applied over the container's */
        char *user;        /* the request's User, else the container's ("" for root) */
        char *working_dir; /* the request's WorkingDir, or NULL for the container's */
        char *detach_keys; /* as requested, or NULL for the default */
        bool tty;
        bool privileged;
        bool attach_stdin;
        bool attach_stdout;
        bool attach_stderr;
};

/* Parses a POST /containers/{id}/exec body (NULL when empty) with dockerd's
 * checks and messages, all -EINVAL: "got EOF while reading request body",
 * json: type errors, "No exec command specified". Detach keys are checked
 * by engine_exec_create. ConsoleSize came with API 1.42, so it is ignored
 * here as dockerd 20.10 (API 1.41) ignores it; a client sets the size of
 * an exec's pty with a resize once it runs. */
int exec_config_parse(json_object *body, struct exec_config *ret, struct error *err);
void exec_config_clear(struct exec_config *config);

/* Applies an exec's Env to env (a non-NULL vector) as dockerd does: each
 * "NAME=value" replaces the entry of NAME or is appended, and "NAME"
 * without "=" removes it. */
int exec_env_apply(char ***env, char *const *changes);

enum exec_status {
        EXEC_CREATED,  /* never started */
        EXEC_STARTING, /* passed to the backend, not reported running yet */
        EXEC_RUNNING,
        EXEC_EXITED, /* ended, or failed to start */
};

struct exec {
        char id[ID_LENGTH + 1];
        struct container *container; /* a reference */
        struct exec_config config;   /* does not change after create */

        /* Guarded by the engine's exec lock. */
        enum exec_status status;
        bool sent; /* the backend has the start request, so resizes may follow */
        pid_t pid;
        int exit_code;
        char *error;       /* why it failed to start, or NULL */
        int64_t exited_ns; /* monotonic time of the end, for removal */
        unsigned refcount;
};

struct exec *exec_ref(struct exec *x);
void exec_unref(struct exec *x);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct exec *, exec_unref)
#define _cleanup_exec_ _cleanup_(exec_unrefp)

/* Creates an exec in c from a parsed request (consumed). Errors as
 * dockerd's: -EBUSY "Container ID is not running" (and paused or
 * restarting), -EIO "Invalid escape keys (KEYS) provided". name is how the
 * client named the container, for the message about a paused one. */
int engine_exec_create(struct engine *e, struct container *c, const char *name, struct exec_config *config,
                       struct exec **ret, struct error *err);

/* Finds an exec by its full ID: -ENOENT "No such exec instance: ID". */
int engine_exec_find(struct engine *e, const char *id, struct exec **ret, struct error *err);

/* The options of POST /exec/{id}/start. */
struct exec_start_options {
        bool detach;
        bool tty; /* the client reads output without stream framing */
};

/* Starts x once, through its container's backend. client is the hijacked
 * connection (consumed) of an attached start, NULL for a detached one.
 * Errors: -EBUSY "Error: Exec command ID is already running" (or "has
 * already run"); for a detached start, the failure to start the process
 * (-EINVAL when its command was missing or could not be run, as dockerd
 * returns 400 then). An attached start returns once the backend has the
 * request; the client's stream then carries any failure. */
int engine_exec_start(struct engine *e, struct exec *x, const struct exec_start_options *options,
                      struct attach_request *client, struct error *err);

/* Resizes x's pty, waiting up to 10 seconds for a start in progress, as
 * dockerd does. An exec without a tty ignores it. */
int engine_exec_resize(struct engine *e, struct exec *x, unsigned height, unsigned width, struct error *err);

/* Waits until what the backend has reported about x's container up to now
 * is recorded, so that an exec whose stream has ended shows its exit. */
void engine_exec_sync(struct engine *e, struct exec *x);

/* The IDs of c's execs that have not ended (Docker's ExecIDs), or NULL for
 * none. */
char **engine_exec_ids(struct engine *e, struct container *c);

/* Builds GET /exec/{id}/json as dockerd 20.10 shapes it. */
json_object *engine_exec_inspect_json(struct engine *e, struct exec *x);

/* Waits up to timeout_ms for x to end. Returns true, with its exit code,
 * when it has. */
bool engine_exec_wait_exited(struct engine *e, struct exec *x, int timeout_ms, int *ret_exit_code);

/* Sends signal to x's process while it runs (a timed-out health probe). */
void engine_exec_signal(struct engine *e, struct exec *x, int signal);

/* ---- Called by backends ---- */

/* An exec runs with pid. For an ID the engine does not know (after a daemon
 * restart), learned contains the exec's settings, and the exec is recorded
 * from them (consumed). */
void engine_exec_started(struct engine *e, struct container *c, const char *id, pid_t pid, struct exec_config *learned);

/* An exec has ended with exit_code, or failed to start with error. */
void engine_exec_exited(struct engine *e, struct container *c, const char *id, int exit_code, const char *error);

/* ---- Called by the engine ---- */

struct exec_table;
int exec_table_new(struct exec_table **ret);
void exec_table_free(struct exec_table *t);

/* c has ended: its never started execs are removed, as dockerd removes
 * them, and the others end with it. */
void engine_exec_container_exited(struct engine *e, struct container *c);

/* Forgets every exec of c, which is being removed. */
void engine_exec_container_removed(struct engine *e, struct container *c);
