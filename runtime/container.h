/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include "error.h"
#include "spec.h"

/*
 * Container lifecycle on the local kernel, in two steps as the OCI runtime
 * spec has them: create builds everything up to the user's process (the
 * init is cloned into new namespaces, joins its cgroup, gets its mounts,
 * root, hostname, user and capabilities, and finds its executable), then
 * start lets it execve. The caller of create becomes the init's parent and
 * must reap it (the monitor does).
 */

struct runtime_container;

struct runtime_create_options {
        const char *id;     /* container ID, names the cgroup */
        const char *bundle; /* directory root.path is relative to */

        /* The process's stdio when spec->process.terminal is false; -1 gives
         * /dev/null. The runtime dups them, the caller keeps its copies. */
        int stdin_fd;
        int stdout_fd;
        int stderr_fd;

        /* Parent directory (relative to each controller's mount) of the
         * container's cgroup when spec->linux_config.cgroups_path is empty,
         * "sockerless" by default. */
        const char *cgroup_parent;

        /* Directory of compiled seccomp filters shared by the containers of
         * one engine (see runtime/seccomp.h), or NULL to compile every time. */
        const char *seccomp_cache_dir;

        /* Keep the caller's session keyring (runc's --no-new-keyring)
         * instead of giving the process a new one. */
        bool no_new_keyring;
};

/* Creates the container described by spec and stops its init just before
 * execve. With spec->process.terminal, the init allocates a pty inside the
 * container's devpts instance and the master is available from
 * runtime_container_console_fd. On failure nothing is left behind (no
 * process, no cgroup) and err holds a message for the user, such as
 * `exec: "x": executable file not found in $PATH`. */
int runtime_container_create(const struct runtime_spec *spec, const struct runtime_create_options *opts,
                             struct runtime_container **ret, struct error *err);

/* Starts process (spec->process) in the running container whose init
 * init_pidfd refers to, as `exec` does, in two steps like a container:
 * this stops the new process just before execve, joined to the
 * container's cgroup (cgroup_path, relative to each hierarchy's root) and
 * namespaces, with its user, capabilities and seccomp filter applied;
 * runtime_container_start lets it execve. The caller becomes its parent.
 * From opts, only the stdio fds and the seccomp cache are used; the
 * cgroup stays when the process ends (runtime_container_destroy does
 * nothing then). */
int runtime_container_exec(const struct runtime_spec *spec, const struct runtime_create_options *opts, int init_pidfd,
                           const char *cgroup_path, struct runtime_container **ret, struct error *err);

/* Starts spec->process in the running container c as runtime_container_exec
 * does, in c's cgroup and in the namespaces of c's init. */
int runtime_container_exec_in(struct runtime_container *c, const struct runtime_spec *spec,
                              const struct runtime_create_options *opts, struct runtime_container **ret,
                              struct error *err);

/* Lets the init execve the user's process. Returns 0 once execve has
 * succeeded; on failure the init has exited, and err holds runc's message
 * for the cause (see runtime_exec_error_exit_code). */
int runtime_container_start(struct runtime_container *c, struct error *err);

/* The init's pid in the caller's pid namespace. */
pid_t runtime_container_pid(const struct runtime_container *c);

/* A pidfd for the init (readable once it exits), owned by the container. */
int runtime_container_pidfd(const struct runtime_container *c);

/* The pty master for a terminal container, or -1. Ownership passes to the
 * caller on the first call; later calls return -1. */
int runtime_container_take_console(struct runtime_container *c);

/* Sends sig to the init through its pidfd (never a recycled pid). */
int runtime_container_kill(struct runtime_container *c, int sig);

/* Tells whether the kernel's OOM killer killed a process of the container,
 * read from its memory cgroup; call after the init has exited. */
bool runtime_container_oom_killed(const struct runtime_container *c);

/* Applies new limits to the container's cgroup at once: the memory, CPU,
 * cpuset, pids and block I/O limits res sets, as cgroup_update does. */
int runtime_container_update(struct runtime_container *c, const struct runtime_resources *res, struct error *err);

/* Kills whatever is left in the container's cgroup and removes the cgroup
 * directories. Call after the init has been reaped. */
int runtime_container_destroy(struct runtime_container *c);

void runtime_container_free(struct runtime_container *c);

/* The exit code Docker reports for a failed start: 127 for a missing
 * executable (-ENOENT), 126 for one that cannot be executed (-EACCES,
 * -ENOEXEC, -EISDIR), 128 otherwise. */
int runtime_exec_error_exit_code(int code);
