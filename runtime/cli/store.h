/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "runtime/spec.h"

/*
 * The state directory of the CLI (--root), one subdirectory per container:
 *
 *   <root>/<id>/state.json   the record below
 *   <root>/<id>/config.json  the bundle's config.json as it was at create,
 *                            which exec, kill and delete use
 *   <root>/<id>/holder.sock  the socket `start` reaches the holder on,
 *                            while the container waits in created state
 *
 * A directory without state.json is a create that did not finish.
 */

struct store_container {
        char *id;
        pid_t pid;           /* the init's pid on the host */
        uint64_t start_time; /* the init's start time (clock ticks after boot), against pid reuse */
        char *bundle;        /* absolute */
        char *rootfs;        /* absolute */
        int64_t created_ns;
        char *cgroup_path;
        bool started;        /* start has let the init execve */
        bool no_new_keyring; /* processes keep the caller's session keyring (create --no-new-keyring) */
};

/* Checks id as runc does: letters, digits, '_', '+', '-' and '.', but not
 * "." or "..". */
int store_check_id(const char *id, struct error *err);

/* Creates <root>/<id> (and root) and copies config into it. Fails with
 * "container with given ID already exists" when the directory exists. */
int store_create(const char *id, const char *config, size_t config_len, struct error *err);

/* Writes c's record atomically. */
int store_save(const struct store_container *c);

/* Loads the record of id; -ENOENT with "container does not exist" when
 * there is none. */
int store_load(const char *id, struct store_container **ret, struct error *err);

/* Parses the config.json copy of the container. */
int store_load_spec(const struct store_container *c, struct runtime_spec **ret, struct error *err);

/* Removes the directory of id and everything in it. */
int store_remove(const char *id);

/* Lists the IDs of the containers with a record, sorted. */
int store_list(char ***ret);

/* Returns the path of name in the container's directory (caller frees). */
char *store_path(const char *id, const char *name);

/* The status as the OCI state has it: created, running, paused or stopped. */
const char *store_status(const struct store_container *c);

/* Tells whether the init still runs (it is not a zombie, and its pid was
 * not reused). */
bool store_init_alive(const struct store_container *c);

/* Opens a pidfd of the init; -ESRCH when it no longer runs. */
int store_open_init(const struct store_container *c);

/* Reads the start time of pid from /proc; -ESRCH for a zombie or a pid
 * that does not exist. */
int store_process_start_time(pid_t pid, uint64_t *ret);

/* Returns the container's state in runc's form for `state` and `list`
 * (the OCI state plus rootfs, created and owner). */
json_object *store_state_json(const struct store_container *c, const struct runtime_spec *spec, const char *owner);

void store_container_free(struct store_container *c);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct store_container *, store_container_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_spec *, runtime_spec_free)
