/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct container;
struct engine;

/* A client connection waiting to be connected to a container's streams
 * (attach), as the HTTP layer handed it over. */
struct attach_request {
        int fd; /* the client socket, owned by the request */
        bool attach_stdin;
        bool attach_stdout;
        bool attach_stderr;
        char *detach_keys; /* NULL for the default ctrl-p,ctrl-q */
        void *pending;     /* stdin bytes the client sent with its request */
        size_t pending_len;
};

void attach_request_free(struct attach_request *req);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct attach_request *, attach_request_free)

/* A process to start in a running container (docker exec). */
struct backend_exec {
        const char *id;          /* the exec's ID */
        char *const *cmd;        /* the command and its arguments */
        char *const *env;        /* the whole environment */
        const char *working_dir; /* absolute */
        const char *user;        /* Docker's user string, or NULL for the container's */
        bool tty;                /* the process gets a pty */
        bool raw;                /* output goes to the client without stream framing */
        bool privileged;
        bool attach_stdin;
        bool attach_stdout;
        bool attach_stderr;
        const char *detach_keys;       /* NULL for the default */
        struct attach_request *client; /* the client connection (consumed), or NULL when detached */
};

/* A container's exit as a backend reports it. */
struct backend_exit {
        int exit_code;
        int64_t finished_ns;
        bool oom_killed;
        const char *error; /* why it ended without running, or NULL */
};

/* A container's filesystem as its processes see it: the root filesystem
 * and the container's mounts, for docker cp. */
struct rootfs_view {
        int root_fd;  /* the root directory */
        int hold_fd;  /* keeps the mounts alive (the container's mount namespace), or -1 */
        bool running; /* the running container's own view, with its tmpfs mounts */
};

void rootfs_view_close(struct rootfs_view *view);

/* Called with consecutive pieces of a tar stream; returns 0 or a negative
 * errno, which stops the writer and is returned. */
typedef int (*backend_write_fn)(void *userdata, const void *buf, size_t len);

struct backend;

/*
 * The operations every backend implements. API handlers never call a
 * runtime or a cloud API directly: the engine calls these. Each takes the
 * container with its op_lock held (not its state lock). An operation a
 * backend cannot do returns -EOPNOTSUPP with a message, never a silent
 * success.
 */
struct backend_ops {
        const char *name;

        /* Prepares what the container needs before its first start (root
         * filesystem directories, log file). */
        int (*create)(struct backend *b, struct container *c, struct error *err);

        /* Starts the container's process and returns once it runs; on success
         * the container's state is set to running with its pid. Attaches held
         * for the container are connected before its first instruction. */
        int (*start)(struct backend *b, struct container *c, struct error *err);

        /* Sends a signal to the container's init. */
        int (*kill)(struct backend *b, struct container *c, int signal, struct error *err);

        /* Connects a client to the container's streams: at once when it runs,
         * otherwise at its next start. Takes ownership of req. */
        int (*attach)(struct backend *b, struct container *c, struct attach_request *req, struct error *err);

        /* Applies new limits, an OCI linux.resources object, to the running
         * container at once. -ESRCH when it no longer runs. */
        int (*update)(struct backend *b, struct container *c, json_object *resources, struct error *err);

        /* Resizes the container's terminal. */
        int (*resize)(struct backend *b, struct container *c, unsigned height, unsigned width, struct error *err);

        /* Starts a process in the running container and hands it the
         * client. Returns once the request is passed on; the backend then
         * reports the process with engine_exec_started and
         * engine_exec_exited, the end before the client's stream ends.
         * Unlike the operations above, the exec operations and sync are
         * called without op_lock, so that an exec never waits for a stop. */
        int (*exec_start)(struct backend *b, struct container *c, const struct backend_exec *exec, struct error *err);

        /* Resizes the pty of the exec exec_id. */
        int (*exec_resize)(struct backend *b, struct container *c, const char *exec_id, unsigned height, unsigned width,
                           struct error *err);

        /* Returns once everything the backend reported about c before the
         * call has reached the engine. */
        void (*sync)(struct backend *b, struct container *c);

        /* Releases everything the backend holds for a container that no
         * longer runs (directories, held attaches). */
        int (*remove)(struct backend *b, struct container *c, struct error *err);

        /* Releases what the backend holds in memory for c at daemon
         * shutdown; the container itself keeps running. */
        void (*forget)(struct backend *b, struct container *c);

        /* Reconnects to a container found on disk at daemon start, and sets
         * its true state (running, or exited with its code). */
        int (*restore)(struct backend *b, struct container *c);

        /* Opens the container's filesystem for docker cp: the running
         * container's own mount tree, or for a stopped one a private tree
         * of its root filesystem and bind mounts that no other process
         * sees. Writes reach the container's writable layer and binds.
         * A view of a stopped container must be closed before the
         * container starts, so the caller holds op_lock until then. */
        int (*open_rootfs)(struct backend *b, struct container *c, struct rootfs_view *ret, struct error *err);

        /* Lists the changes of the container's filesystem against its
         * image as docker diff shows them: Docker's [{"Path","Kind"}], or
         * NULL when nothing changed. */
        int (*changes)(struct backend *b, struct container *c, json_object **ret, struct error *err);

        /* Writes the container's changes as an image layer tar (docker
         * commit): whiteouts as ".wh." entries. */
        int (*write_diff)(struct backend *b, struct container *c, backend_write_fn write, void *userdata,
                          struct error *err);

        /* Writes the container's whole filesystem as a tar (docker export),
         * without its volumes and bind mounts. */
        int (*write_export)(struct backend *b, struct container *c, backend_write_fn write, void *userdata,
                            struct error *err);

        /* Freezes (frozen true) or thaws every process of a running
         * container, for the pause of docker commit. -ESRCH when the
         * container no longer runs. */
        int (*freeze)(struct backend *b, struct container *c, bool frozen, struct error *err);

        /* Lists the processes of a running container (docker top), as
         * pids in the daemon's PID namespace. -ESRCH when it no longer
         * runs. */
        int (*list_pids)(struct backend *b, struct container *c, pid_t **ret, size_t *ret_n, struct error *err);

        /* Samples the resource usage of a running container (docker
         * stats): Docker's pids_stats, blkio_stats, num_procs,
         * storage_stats, cpu_stats (with system_cpu_usage and
         * online_cpus), memory_stats and networks, as dockerd 20.10 fills
         * them on the host's cgroup version. -ESRCH when it no longer
         * runs. */
        int (*stats)(struct backend *b, struct container *c, json_object **ret, struct error *err);

        /* Returns the path of the container's json-file log (newly
         * allocated), or NULL when the backend keeps no such log. */
        char *(*log_path)(struct backend *b, struct container *c);

        void (*free)(struct backend *b);
};

struct backend {
        const struct backend_ops *ops;
        struct engine *engine;
};

/* Creates the local backend: containers on this machine's kernel, one
 * sockerless-monitor process each. */
int local_backend_new(struct engine *engine, struct backend **ret, struct error *err);
