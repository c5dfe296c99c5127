/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include "error.h"
#include "runtime/spec.h"

/*
 * OCI hooks: programs config.json names for points of the container's
 * lifecycle. Each gets the container's state (below) as JSON on its stdin.
 * Where each kind runs, as the OCI runtime spec 1.0.2 defines it:
 *
 *   prestart, createRuntime  during create, in the runtime's namespaces,
 *                            once the container's namespaces and mounts
 *                            exist but before pivot_root (container.c)
 *   createContainer          right after those, inside the container's
 *                            namespaces but before pivot_root (init.c)
 *   startContainer           during start, in the container, just before
 *                            the user's program is executed (init.c)
 *   poststart                after start, before it returns (the caller)
 *   poststop                 after delete, before it returns (the caller)
 */

/* The OCI runtime spec version this runtime implements. */
#define RUNTIME_OCI_VERSION "1.0.2"

/* The state of a container as the OCI runtime spec defines it. */
struct runtime_state {
        const char *id;
        const char *status;       /* creating, created, running, paused or stopped */
        pid_t pid;                /* 0 when there is none; then it is left out */
        const char *bundle;       /* absolute path of the bundle directory */
        char *const *annotations; /* "key", "value" pairs, or NULL */
};

/* Returns the state as compact JSON text for the caller to free, or NULL
 * when out of memory. */
char *runtime_state_to_json(const struct runtime_state *st);

/* Runs hook with state_json on its stdin and waits for it. Fails when it
 * cannot be started, exits with a status other than 0, is killed, or runs
 * past hook->timeout_s, when it is killed; the message then has the end of
 * what it wrote to stdout and stderr. */
int runtime_hook_run(const struct runtime_hook *hook, const char *state_json, struct error *err);

/* Runs the hooks of kind in the order config.json lists them and stops at
 * the first failure, whose message names the hook. */
int runtime_hooks_run(const struct runtime_spec *spec, enum runtime_hook_kind kind, const struct runtime_state *st,
                      struct error *err);

/* Tells whether the spec has hooks of kind. */
bool runtime_hooks_any(const struct runtime_spec *spec, enum runtime_hook_kind kind);

/* The name config.json gives the hooks of kind ("createRuntime"). */
const char *runtime_hook_kind_name(enum runtime_hook_kind kind);
