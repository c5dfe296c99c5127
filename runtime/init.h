/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "runtime/cgroup.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

/* What the init gets from its parent across clone. */
struct init_args {
        const struct runtime_spec *spec;
        const char *id;     /* the container's, for the state hooks read */
        const char *bundle; /* absolute path */
        const struct cgroup *cg;
        /* The compiled linux.seccomp, NULL without one. */
        const struct runtime_seccomp_program *seccomp;
        int sock;            /* the init's end of the handshake (see sync.h) */
        int parent_sock;     /* the parent's end, which the init closes */
        int stdio[3];        /* the fds to install as 0, 1 and 2 */
        int join_pidfd;      /* exec: the init of the container to join; -1 for a new container */
        bool no_new_keyring; /* keep the caller's session keyring */
};

/* Runs the container's init from its first instruction after clone: sets
 * the container up, reports SYNC_CREATED, waits for SYNC_START and
 * execs. Never returns: a failure is sent as SYNC_ERROR and ends the
 * process. */
_noreturn_ void init_main(const struct init_args *args);

/* Tells whether the spec has the hooks that the parent runs in the middle
 * of the init's setup (prestart and createRuntime), when the init sends
 * SYNC_HOOKS. */
bool init_has_runtime_hooks(const struct runtime_spec *spec);
