/* SPDX-License-Identifier: Apache-2.0 */
/* The restore of containers whose monitor is gone, or whose start a
 * killed daemon left unfinished. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include "daemon.h"
#include "engine/engine.h"
#include "jsonutil.h"
#include "local-internal.h"
#include "log.h"
#include "runtime/cgroup-procs.h"
#include "runtime/cgroup.h"
#include "runtime/monitor/proto.h"
#include "timeutil.h"

#define EXIT_FILE_MAX     (64 * 1024)
#define BUNDLE_CONFIG_MAX (16u * 1024 * 1024)

static bool recorded_as_running(struct container *c)
{
        enum container_status status;

        pthread_mutex_lock(&c->lock);
        status = c->state.status;
        pthread_mutex_unlock(&c->lock);
        return status == CONTAINER_RUNNING || status == CONTAINER_PAUSED || status == CONTAINER_RESTARTING;
}

/* Returns the start time in exit.json, or 0 when there is none, as after
 * a start that failed before the container's process ran. */
static int64_t exit_file_started_at(int data_dirfd)
{
        _cleanup_json_ json_object *obj = NULL;
        int64_t started = 0;

        if (json_file_read(data_dirfd, MONITOR_EXIT_NAME, EXIT_FILE_MAX, &obj) < 0)
                return 0;
        timeutil_parse_rfc3339(json_field_string(obj, "started_at", ""), &started);
        return started;
}

/* Records a run of a container recorded as created or exited. A daemon
 * killed between the monitor's "started" and writing state.json leaves
 * such a container. When its process has ended since, exit.json contains
 * a start newer than the state's. */
static void record_unrecorded_run(struct local_backend *lb, struct container *c)
{
        _cleanup_free_ char *data_dir = engine_container_data_dir(lb->base.engine, c);
        _cleanup_close_ int dirfd = -1;
        int64_t started;
        bool newer;

        if (data_dir)
                dirfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return;
        started = exit_file_started_at(dirfd);
        pthread_mutex_lock(&c->lock);
        newer = started > c->state.started_ns;
        if (newer)
                c->state.started_ns = started;
        pthread_mutex_unlock(&c->lock);
        if (!newer)
                return;
        log_warn("Container %s ran while the daemon did not record its start, so its exit is recorded now", c->id);
        local_report_lost_monitor(lb, c);
}

void local_restore_without_monitor(struct local_backend *lb, struct container *c, int error)
{
        if (!recorded_as_running(c)) {
                record_unrecorded_run(lb, c);
                return;
        }
        log_info("Container %s: no monitor is running (%s); reading its exit status", c->id, strerror(-error));
        local_report_lost_monitor(lb, c);
}

/* Reads from the monitor connection until the monitor closes it or the
 * deadline (CLOCK_MONOTONIC) passes. Returns whether it closed. */
static bool wait_monitor_end(int fd, int64_t deadline_ns)
{
        for (;;) {
                _cleanup_json_ json_object *msg = NULL;
                int64_t left_ms = (deadline_ns - timeutil_monotonic_ns()) / 1000000;
                struct pollfd pfd = { .fd = fd, .events = POLLIN };

                if (left_ms <= 0 || poll(&pfd, 1, (int)left_ms) <= 0)
                        return false;
                if (monitor_proto_recv(fd, &msg, NULL, 0, NULL) <= 0)
                        return true;
        }
}

void local_restore_end_unstarted(struct local_backend *lb, struct container *c, int fd, int timeout_ms)
{
        _cleanup_json_ json_object *kill_msg = json_object_new_object();
        int64_t deadline = timeutil_monotonic_ns() + (int64_t)timeout_ms * 1000000;
        bool ended = false;

        log_info("Container %s: ending the process of a start that the daemon did not finish", c->id);
        json_object_object_add(kill_msg, "type", json_object_new_string("kill"));
        json_object_object_add(kill_msg, "signal", json_object_new_int(SIGKILL));
        if (monitor_proto_send(fd, kill_msg, NULL, 0) >= 0)
                ended = wait_monitor_end(fd, deadline);
        close(fd);
        if (!ended)
                log_warn("Container %s: its monitor did not end within %d ms of SIGKILL", c->id, timeout_ms);

        pthread_mutex_lock(&c->lock);
        if (c->state.status == CONTAINER_RESTARTING) {
                c->state.status = CONTAINER_EXITED;
                engine_container_save_state(lb->base.engine, c);
        }
        pthread_mutex_unlock(&c->lock);
}

void local_restore_adopt_start(struct container *c, json_object *state)
{
        int64_t started = 0;

        if (timeutil_parse_rfc3339(json_field_string(state, "started_at", ""), &started) < 0 ||
            started <= c->state.started_ns)
                return;
        c->state.started_ns = started;
        c->state.finished_ns = 0;
        c->state.exit_code = 0;
        c->state.oom_killed = false;
        c->state.stopped_by_user = false;
        container_state_set_error(&c->state, NULL);
}

/* Returns the cgroup path of c's last run: the one its bundle names, or
 * the one the daemon's cgroup parent gives when the bundle is gone. */
static int last_cgroup_path(struct local_backend *lb, struct container *c, char **ret)
{
        _cleanup_free_ char *exec_dir = engine_container_exec_dir(lb->base.engine, c);
        _cleanup_json_ json_object *spec = NULL;
        _cleanup_close_ int dir_fd = -1;

        if (!exec_dir)
                return -ENOMEM;
        dir_fd = open(exec_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0)
                json_file_read(dir_fd, "config.json", BUNDLE_CONFIG_MAX, &spec);
        return cgroup_path_for(json_field_string(json_field_object(spec, "linux"), "cgroupsPath", ""),
                               engine_daemon(lb->base.engine)->config.cgroup_parent, c->id, ret, NULL);
}

void local_remove_stale_cgroup(struct local_backend *lb, struct container *c)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = last_cgroup_path(lb, c, &path);
        if (r >= 0)
                r = cgroup_open(path, true, &cg, NULL);
        if (r == -ENOENT)
                return;
        if (r >= 0)
                r = cgroup_destroy(cg);
        if (r < 0)
                log_warn_errno(r, "Failed to remove the cgroup that container %s left: %m", c->id);
}
