/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <pthread.h>
#include <sys/types.h>

#include "backend.h"

/*
 * The local backend. Each running container has a sockerless-monitor
 * process; the backend keeps one SOCK_SEQPACKET connection to it
 * (runtime/monitor/proto.h). API threads send on it; only the events
 * thread receives on it once the container runs.
 */
struct watch;

struct local_backend {
        struct backend base;
        const char *monitor_path;
        int monitor_fd; /* a sealed copy of the monitor's binary, or -1 */
        const char *data_root;
        const char *exec_root;

        int epoll_fd;
        int wake_fd; /* eventfd that stops the events thread */
        pthread_mutex_t watches_lock;
        struct watch *watches; /* every watched monitor connection */
        pthread_t events_thread;
        bool events_running;
};

/* c->backend_data of a container of the local backend. Guarded by c->lock. */
struct local_container {
        struct container *container;     /* back pointer, no reference */
        int control_fd;                  /* connection to the monitor, or -1 */
        struct attach_request **pending; /* attaches held until the next start */
        size_t n_pending;
        uint64_t sync_sent;    /* the last "sync" sent to the monitor */
        uint64_t sync_done;    /* the last "synced" the events thread read */
        bool exec_unsupported; /* the monitor predates the "exec" message */
};

/* Returns c's local state, allocating it on first use. Call with c->lock held. */
struct local_container *local_container_get(struct container *c);

/* Starts the events thread. */
int local_events_start(struct local_backend *lb);
void local_events_stop(struct local_backend *lb);

/* Watches fd for monitor messages about c; the events thread then owns
 * reading it. Takes a reference to c. */
int local_events_watch(struct local_backend *lb, struct container *c, int fd);

/* Reads <data-dir>/exit.json into exit_info (error is strdup'd into
 * *ret_error). Returns -ENOENT when the monitor wrote none. */
int local_read_exit_file(int data_dirfd, int *ret_code, int64_t *ret_finished_ns, bool *ret_oom, char **ret_error);

/* Reconnects to a container's monitor at daemon start (see backend_ops.restore). */
int local_restore(struct backend *b, struct container *c);

/* Records the end of a container whose monitor connection closed without
 * an "exited" message. The exit comes from exit.json when the monitor
 * wrote it. Otherwise the container vanished: its exit code is 255, and
 * the cgroup the monitor left is removed. */
void local_report_lost_monitor(struct local_backend *lb, struct container *c);

/* The parts of local_restore in local-restore.c. Brings a container whose
 * monitor is gone (error gives the reason) to its true state. One
 * recorded as running ended while the daemon was down. One recorded as
 * created or exited may have run without its start recorded. */
void local_restore_without_monitor(struct local_backend *lb, struct container *c, int error);

/* Ends a container whose start a killed daemon left unfinished. Its
 * process waits before execve and never ran. Waits up to timeout_ms for
 * the monitor to end, so that the next start finds the container's
 * directories free. The state stays as recorded, except that a container
 * that waited for its restart is exited again. Takes fd. */
void local_restore_end_unstarted(struct local_backend *lb, struct container *c, int fd, int timeout_ms);

/* Takes the start time the monitor reports ("state" message) when the
 * container's state contains an older one, because the daemon was killed
 * between the monitor's "started" and saving the state. Call with c->lock held. */
void local_restore_adopt_start(struct container *c, json_object *state);

/* Kills what is left in the cgroup of c's last run and removes it. */
void local_remove_stale_cgroup(struct local_backend *lb, struct container *c);

/* Starts a container (see backend_ops.start). */
int local_start(struct backend *b, struct container *c, struct error *err);

/* Applies new limits to a running container (see backend_ops.update). */
int local_update(struct backend *b, struct container *c, json_object *resources, struct error *err);

/* Opens the container's filesystem (see backend_ops.open_rootfs). */
int local_open_rootfs(struct backend *b, struct container *c, struct rootfs_view *ret, struct error *err);

/* Creates the init layer of c in its data directory (data_fd). */
int local_init_layer_create(struct container *c, int data_fd, struct error *err);

/* Returns the lower directories of c's overlay, lowest first: the image's
 * layers, then the init layer when the container has one. NULL when out
 * of memory. */
char **local_lower_dirs(struct backend *b, struct container *c);

/* docker diff, commit and export (see backend_ops). */
int local_changes(struct backend *b, struct container *c, json_object **ret, struct error *err);
int local_write_diff(struct backend *b, struct container *c, backend_write_fn write, void *userdata, struct error *err);
int local_write_export(struct backend *b, struct container *c, backend_write_fn write, void *userdata,
                       struct error *err);

/* Freezes or thaws the container's cgroup (see backend_ops.freeze). */
int local_freeze(struct backend *b, struct container *c, bool frozen, struct error *err);

struct cgroup;

/* Opens the cgroup the runtime created for c, as the bundle's
 * config.json names it. -ESRCH when c has no bundle or cgroup. */
int local_container_cgroup(struct backend *b, struct container *c, struct cgroup **ret, struct error *err);

/* Tells whether c's cgroup is frozen (false when it cannot be read). */
bool local_container_frozen(struct backend *b, struct container *c);

/* docker top and docker stats (see backend_ops). */
int local_list_pids(struct backend *b, struct container *c, pid_t **ret, size_t *ret_n, struct error *err);
int local_stats(struct backend *b, struct container *c, json_object **ret, struct error *err);

/* docker exec (see backend_ops). */
int local_exec_start(struct backend *b, struct container *c, const struct backend_exec *exec, struct error *err);
int local_exec_resize(struct backend *b, struct container *c, const char *exec_id, unsigned height, unsigned width,
                      struct error *err);
void local_sync(struct backend *b, struct container *c);

/* Handles a message about execs from c's monitor ("exec-started",
 * "exec-exited", "synced"); returns false for any other type. */
bool local_exec_handle_message(struct local_backend *lb, struct container *c, json_object *msg);

/* Sends one message to the container's monitor. Call without c->lock. */
int local_send(struct container *c, json_object *msg, const int *fds, size_t n_fds);
