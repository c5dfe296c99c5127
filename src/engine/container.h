/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "idutil.h"
#include "macro.h"

struct backend;
struct container_health;
struct image;

enum container_status {
        CONTAINER_CREATED,
        CONTAINER_RUNNING,
        CONTAINER_PAUSED,
        CONTAINER_RESTARTING,
        CONTAINER_REMOVING,
        CONTAINER_EXITED,
        CONTAINER_DEAD,
        _CONTAINER_STATUS_MAX,
};

/* Docker's State object. Guarded by container.lock. */
struct container_state {
        enum container_status status;
        pid_t pid;
        int exit_code;
        char *error;
        int64_t started_ns;
        int64_t finished_ns;
        bool oom_killed;
        int restart_count;
        uint64_t exit_count;  /* exits since the daemon loaded the container, for wait next-exit */
        bool removed;         /* gone from the engine, for wait removed */
        bool stopped_by_user; /* stop or kill through the API since the last start */
        /* State.Health, or NULL without a health check (health.h). */
        struct container_health *health;
};

/* The restart manager's memory of a container between two starts through
 * the API (see restart.h). Guarded by container.lock. It lives in memory
 * only, so a restarted daemon begins afresh, as dockerd does. */
struct container_restart {
        int64_t delay_ms; /* the last delay before a restart, 0 before the first */
        bool canceled;    /* stopped or killed: exits do not restart */
};

/*
 * A container. The immutable part (id, created_ns, image_id) needs no lock;
 * everything else is guarded by lock, and long operations (start, stop,
 * remove) also hold op_lock so they run one at a time per container.
 */
struct container {
        char id[ID_LENGTH + 1];
        int64_t created_ns;
        char *image_id; /* hex, without "sha256:" */

        pthread_mutex_t op_lock;
        pthread_mutex_t lock;
        pthread_cond_t changed; /* broadcast on every state change */

        char *name;               /* with the leading "/" */
        json_object *config;      /* Docker's Config, merged with the image's */
        json_object *host_config; /* Docker's HostConfig, with daemon defaults */
        char *path;               /* the command, as Docker's Path */
        char **args;              /* its arguments, as Docker's Args */
        char *pool;               /* the pool the container belongs to */
        json_object *mounts;      /* its mount points: binds, volumes, tmpfs (mounts.h) */
        /* NetworkSettings.Networks: EndpointSettings by network name (network.h). */
        json_object *networks;
        struct container_state state;
        struct container_restart restart;

        struct image *image;     /* held while the container exists, keeps its layers */
        struct backend *backend; /* set at create from the pool */
        void *backend_data;      /* the backend's per-container state */

        int refcount;
};

struct container *container_new(void);
struct container *container_ref(struct container *c);
void container_unref(struct container *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct container *, container_unref)
#define _cleanup_container_ _cleanup_(container_unrefp)

/* Returns Docker's name for a status: "created", "running", ... */
const char *container_status_to_string(enum container_status status);
int container_status_from_string(const char *s);

/* Tells whether the container has a live process (running or paused). Call with lock held. */
bool container_is_running(const struct container *c);

/* Returns the 12-character short ID in buf (at least 13 bytes). */
const char *container_short_id(const struct container *c, char *buf);

/* Serialises the container's definition (everything but the state) and
 * its state as the JSON objects stored in container.json and state.json.
 * Call with lock held. */
json_object *container_definition_to_json(const struct container *c);
json_object *container_state_to_json(const struct container_state *state);

/* Fills a new container from stored container.json and state.json. */
int container_from_json(json_object *definition, json_object *state, struct container **ret);

/* Parses the state.json object into state (strings are copied). */
int container_state_from_json(json_object *obj, struct container_state *state);

/* Sets the state's error text (copied; NULL clears it). */
void container_state_set_error(struct container_state *state, const char *message);

/* Helpers for common Config and HostConfig fields. Call with lock held. */
bool container_tty(const struct container *c);
bool container_open_stdin(const struct container *c);
bool container_auto_remove(const struct container *c);
/* Returns the stop signal number from Config.StopSignal, SIGTERM by default. */
int container_stop_signal(const struct container *c);
/* Returns Config.StopTimeout, or -1 when unset. */
int container_stop_timeout(const struct container *c);
