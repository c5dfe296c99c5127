/* SPDX-License-Identifier: Apache-2.0 */
/* The events thread (monitor messages about running containers) and the
 * reconnection to monitors at daemon start. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/eventfd.h>

#include "daemon.h"
#include "engine/engine.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "local-internal.h"
#include "log.h"
#include "runtime/monitor/proto.h"
#include "timeutil.h"
#include "unixsock.h"

#define EXIT_FILE_MAX      (64 * 1024)
#define RESTORE_TIMEOUT_MS 5000
/* Docker's exit code for a container whose process vanished. */
#define EXIT_CODE_VANISHED 255

/* A monitor connection the events thread watches. */
struct watch {
        struct watch *prev, *next;
        struct local_backend *lb;
        struct container *container; /* a reference */
        int fd;
        bool exited; /* the monitor has reported the exit */
};

int local_read_exit_file(int data_dirfd, int *ret_code, int64_t *ret_finished_ns, bool *ret_oom, char **ret_error)
{
        _cleanup_json_ json_object *obj = NULL;
        const char *error;
        int64_t finished = 0;
        int r;

        r = json_file_read(data_dirfd, MONITOR_EXIT_NAME, EXIT_FILE_MAX, &obj);
        if (r < 0)
                return r;
        timeutil_parse_rfc3339(json_field_string(obj, "finished_at", ""), &finished);
        error = json_field_string(obj, "error", NULL);

        *ret_code = (int)json_field_int(obj, "exit_code", EXIT_CODE_VANISHED);
        *ret_finished_ns = finished;
        *ret_oom = json_field_bool(obj, "oom_killed", false);
        *ret_error = error && *error ? strdup(error) : NULL;
        return 0;
}

void local_report_lost_monitor(struct local_backend *lb, struct container *c)
{
        _cleanup_free_ char *data_dir = engine_container_data_dir(lb->base.engine, c);
        _cleanup_close_ int dirfd = -1;
        _cleanup_free_ char *error = NULL;
        struct backend_exit exit_info = { .exit_code = EXIT_CODE_VANISHED };

        if (data_dir)
                dirfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0 || local_read_exit_file(dirfd, &exit_info.exit_code, &exit_info.finished_ns,
                                              &exit_info.oom_killed, &error) < 0) {
                log_warn("The monitor of container %s ended without reporting an exit; marking it exited with %d",
                         c->id, EXIT_CODE_VANISHED);
                exit_info.exit_code = EXIT_CODE_VANISHED;
                exit_info.finished_ns = timeutil_now_ns();
                /* The monitor did not live to remove it, and a new start
                 * cannot create a cgroup that exists. */
                local_remove_stale_cgroup(lb, c);
        }
        exit_info.error = error;
        engine_container_exited(lb->base.engine, c, &exit_info);
}

static void handle_exited(struct watch *w, json_object *msg)
{
        struct backend_exit exit_info = {
                .exit_code = (int)json_field_int(msg, "exit_code", EXIT_CODE_VANISHED),
                .oom_killed = json_field_bool(msg, "oom_killed", false),
        };

        timeutil_parse_rfc3339(json_field_string(msg, "finished_at", ""), &exit_info.finished_ns);
        w->exited = true;
        engine_container_exited(w->lb->base.engine, w->container, &exit_info);
}

static void watch_link(struct local_backend *lb, struct watch *w)
{
        pthread_mutex_lock(&lb->watches_lock);
        w->next = lb->watches;
        if (w->next)
                w->next->prev = w;
        lb->watches = w;
        pthread_mutex_unlock(&lb->watches_lock);
}

static void watch_unlink(struct local_backend *lb, struct watch *w)
{
        pthread_mutex_lock(&lb->watches_lock);
        if (w->prev)
                w->prev->next = w->next;
        else
                lb->watches = w->next;
        if (w->next)
                w->next->prev = w->prev;
        pthread_mutex_unlock(&lb->watches_lock);
}

static void unwatch(struct watch *w)
{
        struct container *c = w->container;
        struct local_container *lc;

        watch_unlink(w->lb, w);
        epoll_ctl(w->lb->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
        pthread_mutex_lock(&c->lock);
        lc = c->backend_data;
        if (lc && lc->control_fd == w->fd)
                lc->control_fd = -1;
        /* Every message of the connection has been handled: wake a sync. */
        engine_container_notify(c);
        pthread_mutex_unlock(&c->lock);
        close(w->fd);

        if (!w->exited)
                local_report_lost_monitor(w->lb, c);
        container_unref(c);
        free(w);
}

/* Reads one message; returns false when the connection is done. */
static bool handle_readable(struct watch *w)
{
        _cleanup_json_ json_object *msg = NULL;
        const char *type;
        int r;

        r = monitor_proto_recv(w->fd, &msg, NULL, 0, NULL);
        if (r == -EBADMSG) {
                log_warn("Ignoring a malformed message from the monitor of container %s", w->container->id);
                return true;
        }
        if (r <= 0) {
                if (r < 0 && r != -ECONNRESET)
                        log_warn_errno(r, "Reading from the monitor of container %s failed: %m", w->container->id);
                return false;
        }

        type = monitor_proto_type(msg);
        if (streq(type, "exited")) {
                handle_exited(w, msg);
                return false;
        }
        if (local_exec_handle_message(w->lb, w->container, msg))
                return true;
        log_debug("Message \"%s\" from the monitor of container %s", type, w->container->id);
        return true;
}

static void *events_thread(void *arg)
{
        struct local_backend *lb = arg;

        for (;;) {
                struct epoll_event events[32];
                int n = epoll_wait(lb->epoll_fd, events, ARRAY_SIZE(events), -1);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error_errno(-errno, "Waiting for container monitors failed: %m");
                        return NULL;
                }
                for (int i = 0; i < n; i++) {
                        struct watch *w = events[i].data.ptr;

                        if (!w)
                                return NULL; /* the wake fd: shutting down */
                        if (!handle_readable(w))
                                unwatch(w);
                }
        }
}

int local_events_start(struct local_backend *lb)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
        pthread_attr_t attr;
        int r;

        if (epoll_ctl(lb->epoll_fd, EPOLL_CTL_ADD, lb->wake_fd, &ev) < 0)
                return -errno;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        r = -pthread_create(&lb->events_thread, &attr, events_thread, lb);
        pthread_attr_destroy(&attr);
        if (r < 0)
                return r;
        lb->events_running = true;
        return 0;
}

void local_events_stop(struct local_backend *lb)
{
        uint64_t one = 1;

        if (!lb->events_running)
                return;
        if (write(lb->wake_fd, &one, sizeof(one)) < 0)
                log_warn_errno(-errno, "Failed to wake the events thread: %m");
        pthread_join(lb->events_thread, NULL);
        lb->events_running = false;

        /* The monitors keep running; the next daemon reconnects to them. */
        while (lb->watches) {
                struct watch *w = lb->watches;

                watch_unlink(lb, w);
                close(w->fd);
                container_unref(w->container);
                free(w);
        }
}

int local_events_watch(struct local_backend *lb, struct container *c, int fd)
{
        struct watch *w = calloc(1, sizeof(*w));
        struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };

        if (!w)
                return -ENOMEM;
        w->lb = lb;
        w->container = container_ref(c);
        w->fd = fd;
        ev.data.ptr = w;
        watch_link(lb, w);
        if (epoll_ctl(lb->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                int r = -errno;

                watch_unlink(lb, w);
                container_unref(c);
                free(w);
                return r;
        }
        return 0;
}

/* ---- Restore at daemon start ---- */

static int connect_monitor(struct local_backend *lb, struct container *c, json_object **ret_state)
{
        _cleanup_free_ char *exec_dir = engine_container_exec_dir(lb->base.engine, c);
        _cleanup_free_ char *path = exec_dir ? fs_path_join(exec_dir, MONITOR_SOCKET_NAME) : NULL;
        _cleanup_json_ json_object *hello = json_object_new_object();
        _cleanup_close_ int fd = -1;
        struct pollfd pfd;
        int r;

        if (!path)
                return -ENOMEM;
        fd = unixsock_connect(path, SOCK_SEQPACKET);
        if (fd < 0)
                return fd;

        json_object_object_add(hello, "type", json_object_new_string("hello"));
        r = monitor_proto_send(fd, hello, NULL, 0);
        if (r < 0)
                return r;
        pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
        r = poll(&pfd, 1, RESTORE_TIMEOUT_MS);
        if (r <= 0)
                return r == 0 ? -ETIMEDOUT : -errno;
        r = monitor_proto_recv(fd, ret_state, NULL, 0, NULL);
        if (r <= 0)
                return r == 0 ? -ECONNRESET : r;
        return TAKE_FD(fd);
}

static bool has_feature(json_object *state, const char *name)
{
        json_object *features = json_field_array(state, "features");

        for (size_t i = 0; features && i < json_object_array_length(features); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(features, i)) ?: "", name))
                        return true;
        return false;
}

/* Reads the "exec-started" the monitor sends after "state" for each of
 * its running execs, so the engine knows them before it serves requests. */
static void restore_execs(struct local_backend *lb, struct container *c, int fd, int64_t count)
{
        for (int64_t i = 0; i < count; i++) {
                _cleanup_json_ json_object *msg = NULL;
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                int r;

                r = poll(&pfd, 1, RESTORE_TIMEOUT_MS);
                if (r > 0)
                        r = monitor_proto_recv(fd, &msg, NULL, 0, NULL);
                if (r <= 0) {
                        log_warn("Container %s: reading its running execs from its monitor failed (%s); they stay "
                                 "unknown",
                                 c->id, r == 0 ? "no reply" : strerror(-r));
                        return;
                }
                if (!local_exec_handle_message(lb, c, msg))
                        log_debug("Container %s: unexpected \"%s\" from its monitor while restoring its execs", c->id,
                                  monitor_proto_type(msg));
        }
}

int local_restore(struct backend *b, struct container *c)
{
        struct local_backend *lb = (struct local_backend *)b;
        _cleanup_json_ json_object *state = NULL;
        struct local_container *lc;
        bool paused;
        int fd, r;

        fd = connect_monitor(lb, c, &state);
        if (fd >= 0 && streq(monitor_proto_type(state), "exited")) {
                close(fd);
                fd = -ESRCH;
        }
        if (fd < 0) {
                local_restore_without_monitor(lb, c, fd);
                return 0;
        }
        if (streq(json_field_string(state, "status", ""), "created")) {
                local_restore_end_unstarted(lb, c, fd, RESTORE_TIMEOUT_MS);
                return 0;
        }

        pthread_mutex_lock(&c->lock);
        lc = local_container_get(c);
        if (lc) {
                lc->control_fd = fd;
                lc->exec_unsupported = !has_feature(state, "exec");
        }
        if (streq(json_field_string(state, "status", ""), "running") && json_field_int(state, "pid", 0) > 0) {
                /* A container paused before the daemon stopped stays frozen. */
                paused = c->state.status == CONTAINER_PAUSED && local_container_frozen(b, c);
                c->state.status = paused ? CONTAINER_PAUSED : CONTAINER_RUNNING;
                c->state.pid = (pid_t)json_field_int(state, "pid", 0);
                local_restore_adopt_start(c, state);
        }
        engine_container_save_state(lb->base.engine, c);
        pthread_mutex_unlock(&c->lock);

        restore_execs(lb, c, fd, json_field_int(state, "execs", 0));
        r = local_events_watch(lb, c, fd);
        if (r < 0) {
                close(fd);
                return r;
        }
        log_info("Container %s: reconnected to its monitor (pid %d)", c->id, c->state.pid);
        return 0;
}
