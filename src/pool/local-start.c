/* SPDX-License-Identifier: Apache-2.0 */
/* Starting a container: the bundle, the monitor process, and the
 * created/start/started handshake of runtime/monitor/proto.h. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "crash-point.h"
#include "daemon.h"
#include "engine/engine.h"
#include "engine/create-options.h"
#include "engine/etcfiles.h"
#include "engine/namespace-modes.h"
#include "engine/network.h"
#include "engine/ocispec.h"
#include "engine/userns.h"
#include "fsutil.h"
#include "image/image.h"
#include "jsonutil.h"
#include "local-internal.h"
#include "local-log.h"
#include "log.h"
#include "runtime/monitor/proto.h"
#include "strv.h"
#include "timeutil.h"

/* How long the monitor may take to create or start the container. */
#define HANDSHAKE_TIMEOUT_MS (120 * 1000)

extern char **environ;

int local_send_attach(struct container *c, struct attach_request *req);

struct start_paths {
        char *data_dir;
        char *exec_dir;
        char *rootfs;
        char *upper;
        char *work;
        char *log_path;
};

static void start_paths_clear(struct start_paths *p)
{
        free(p->data_dir);
        free(p->exec_dir);
        free(p->rootfs);
        free(p->upper);
        free(p->work);
        free(p->log_path);
}

/* Creates the directory of the local driver's log (local-logs). */
static int make_log_dir(const char *log_path)
{
        _cleanup_free_ char *dir = log_path ? strdup(log_path) : NULL;
        char *slash = dir ? strrchr(dir, '/') : NULL;

        if (!log_path)
                return 0;
        if (!slash)
                return -ENOMEM;
        *slash = '\0';
        if (mkdir(dir, 0750) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int start_paths_init(struct local_backend *lb, struct container *c, struct start_paths *p)
{
        p->data_dir = engine_container_data_dir(lb->base.engine, c);
        p->exec_dir = engine_container_exec_dir(lb->base.engine, c);
        if (!p->data_dir || !p->exec_dir)
                return -ENOMEM;
        p->rootfs = fs_path_join(p->exec_dir, "rootfs");
        p->upper = fs_path_join(p->data_dir, "upper");
        p->work = fs_path_join(p->data_dir, "work");
        if (!p->rootfs || !p->upper || !p->work)
                return -ENOMEM;
        /* NULL for the none driver. */
        pthread_mutex_lock(&c->lock);
        p->log_path = local_log_file(lb->data_root, c);
        pthread_mutex_unlock(&c->lock);
        return make_log_dir(p->log_path);
}

/* Creates the missing host directories of -v binds, as dockerd does
 * (--mount binds must exist; create checked them). */
static int create_bind_sources(struct container *c, struct error *err)
{
        json_object *points;
        int r = 0;

        pthread_mutex_lock(&c->lock);
        points = c->mounts;
        for (size_t i = 0; points && i < json_object_array_length(points) && r >= 0; i++) {
                json_object *m = json_object_array_get_idx(points, i);
                const char *source = json_field_string(m, "Source", "");

                if (!json_field_bool(m, "CreateSource", false) || access(source, F_OK) >= 0)
                        continue;
                r = userns_mkdir_bind_source(engine_daemon(c->backend->engine)->userns_remap, source);
                if (r < 0)
                        error_set_errno(err, r, "creating the bind mount source %s failed", source);
        }
        pthread_mutex_unlock(&c->lock);
        return r;
}

/* Writes the /etc files and config.json, and clears what a previous run left. */
static int prepare_bundle(struct local_backend *lb, struct container *c, const struct start_paths *p, struct error *err)
{
        _cleanup_(namespace_shares_clear) struct namespace_shares shares = {};
        _cleanup_close_ int data_fd = -1, exec_fd = -1;
        _cleanup_(network_etcfiles_clear) struct network_etcfiles etc = { 0 };
        _cleanup_json_ json_object *spec = NULL;
        _cleanup_strv_free_ char **lower_dirs = NULL;
        _cleanup_free_ char *etc_dir = NULL;
        struct ocispec_rootfs rootfs = {
                .root_path = p->rootfs,
                .upper_dir = p->upper,
                .work_dir = p->work,
        };
        int r;

        if (!c->image)
                return error_set(err, -ENOENT, "the image %s of container %s is missing", c->image_id, c->id);
        lower_dirs = local_lower_dirs(&lb->base, c);
        if (!lower_dirs)
                return -ENOMEM;
        rootfs.lower_dirs = lower_dirs;
        pthread_mutex_lock(&c->lock);
        etc_dir = engine_container_etc_dir(lb->base.engine, c);
        pthread_mutex_unlock(&c->lock);
        if (!etc_dir)
                return -ENOMEM;
        rootfs.etc_dir = etc_dir;
        r = create_bind_sources(c, err);
        if (r < 0)
                return r;
        r = fs_mkdir_p(p->rootfs, 0700);
        if (r < 0)
                return error_set_errno(err, r, "creating %s failed", p->rootfs);
        exec_fd = open(p->exec_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        data_fd = open(p->data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (exec_fd < 0 || data_fd < 0)
                return error_set_errno(err, -errno, "opening the directories of container %s failed", c->id);

        /* A result left by the previous run must not be read as this run's. */
        if (unlinkat(data_fd, MONITOR_EXIT_NAME, 0) < 0 && errno != ENOENT)
                return error_set_errno(err, -errno, "removing the old exit status of container %s failed", c->id);

        /* Before c->lock: it locks the containers c joins. */
        r = namespace_shares_prepare(lb->base.engine, c, &shares, err);
        if (r < 0)
                return r;

        pthread_mutex_lock(&c->lock);
        r = network_container_etcfiles(lb->base.engine, c, &etc);
        if (r >= 0)
                r = etcfiles_write_network(&engine_daemon(lb->base.engine)->config, c, data_fd, &etc.net, err);
        if (r >= 0)
                r = userns_prepare_container_files(engine_daemon(lb->base.engine)->userns_remap, c->host_config,
                                                   data_fd, exec_fd, err);
        if (r >= 0)
                r = ocispec_build(lb->base.engine, c, &rootfs, &shares, &spec, err);
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;

        /* Not synced: the bundle is written again at every start. */
        r = json_file_replace(exec_fd, "config.json", spec, 0600);
        if (r < 0)
                return error_set_errno(err, r, "writing the bundle of container %s failed", c->id);
        return 0;
}

/* The log driver's options for the monitor, which create has checked. */
static int append_log_options(char ***argv, struct container *c, const char *log_path)
{
        _cleanup_(local_log_settings_clear) struct local_log_settings settings = { 0 };
        char text[32];
        int r;

        pthread_mutex_lock(&c->lock);
        r = local_log_settings(c, &settings);
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;
        if (!settings.enabled || !log_path)
                return 0;

        if (strv_append(argv, "--log-path") < 0 || strv_append(argv, log_path) < 0)
                return -ENOMEM;
        if (settings.max_size > 0) {
                snprintf(text, sizeof(text), "%lld", (long long)settings.max_size);
                if (strv_append(argv, "--log-max-size") < 0 || strv_append(argv, text) < 0)
                        return -ENOMEM;
                snprintf(text, sizeof(text), "%d", settings.max_files);
                if (strv_append(argv, "--log-max-file") < 0 || strv_append(argv, text) < 0)
                        return -ENOMEM;
        }
        if (settings.local && (strv_append(argv, "--log-format") < 0 || strv_append(argv, "local") < 0))
                return -ENOMEM;
        if (settings.compress && strv_append(argv, "--log-compress") < 0)
                return -ENOMEM;
        if (settings.attrs && (strv_append(argv, "--log-attrs") < 0 || strv_append(argv, settings.attrs) < 0))
                return -ENOMEM;
        return 0;
}

static int build_argv(struct local_backend *lb, struct container *c, const struct start_paths *p, char ***ret)
{
        _cleanup_strv_free_ char **argv = NULL;
        const struct userns_remap *remap = engine_daemon(lb->base.engine)->userns_remap;
        bool open_stdin, stdin_once, remapped;

        pthread_mutex_lock(&c->lock);
        open_stdin = container_open_stdin(c);
        stdin_once = json_field_bool(c->config, "StdinOnce", false);
        remapped = userns_container_remapped(remap, c->host_config);
        pthread_mutex_unlock(&c->lock);

        if (strv_append(&argv, lb->monitor_path) < 0 || strv_append(&argv, "--id") < 0 ||
            strv_append(&argv, c->id) < 0 || strv_append(&argv, "--bundle") < 0 ||
            strv_append(&argv, p->exec_dir) < 0 || strv_append(&argv, "--state-dir") < 0 ||
            strv_append(&argv, p->exec_dir) < 0 || strv_append(&argv, "--data-dir") < 0 ||
            strv_append(&argv, p->data_dir) < 0)
                return -ENOMEM;
        if (append_log_options(&argv, c, p->log_path) < 0)
                return -ENOMEM;
        if (open_stdin && strv_append(&argv, "--stdin") < 0)
                return -ENOMEM;
        if (open_stdin && stdin_once && strv_append(&argv, "--stdin-once") < 0)
                return -ENOMEM;
        if (log_get_level() >= LOG_LEVEL_DEBUG && strv_append(&argv, "--debug") < 0)
                return -ENOMEM;
        /* As runc does for a user namespace: the container's root owns its
         * ends of the stdio pipes, so it may open /dev/stdout again. */
        if (remapped) {
                char owner[32];

                snprintf(owner, sizeof(owner), "%u:%u", (unsigned)remap->root_uid, (unsigned)remap->root_gid);
                if (strv_append(&argv, "--stdio-owner") < 0 || strv_append(&argv, owner) < 0)
                        return -ENOMEM;
        }
        if (strv_append(&argv, "--seccomp-cache") < 0 ||
            strv_consume(&argv, fs_path_join(lb->exec_root, "seccomp")) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(argv);
        return 0;
}

/* The monitor runs from the sealed copy of its binary when there is one,
 * so that a container reaches only the copy through /proc/PID/exe of a
 * process the monitor starts in it (CVE-2019-5736). */
static const char *monitor_executable(struct local_backend *lb, char buf[static 32])
{
        if (lb->monitor_fd < 0)
                return lb->monitor_path;
        snprintf(buf, 32, "/proc/self/fd/%d", lb->monitor_fd);
        return buf;
}

/* Spawns the monitor from executable, with fd 3 connected to the returned
 * socket. The first monitor process forks and exits at once; it is reaped
 * here. */
static int spawn_monitor(const char *executable, char **argv, int *ret_sock, struct error *err)
{
        posix_spawn_file_actions_t actions;
        int sv[2], child_end;
        pid_t pid;
        int r, status;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return error_set_errno(err, -errno, "creating the monitor socket failed");
        /* adddup2 onto the same number would keep O_CLOEXEC set. */
        child_end = sv[1] == 3 ? fcntl(sv[1], F_DUPFD_CLOEXEC, 4) : sv[1];

        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, child_end, 3);
        r = posix_spawn(&pid, executable, &actions, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (child_end != sv[1])
                close(child_end);
        close(sv[1]);
        if (r != 0) {
                close(sv[0]);
                return error_set_errno(err, -r, "running %s failed", argv[0]);
        }

        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                close(sv[0]);
                return error_set(err, -EIO, "the container monitor %s failed to start (status %d)", argv[0], status);
        }
        *ret_sock = sv[0];
        return 0;
}

/* Receives the monitor's next message, with a time limit. */
static int receive(int sock, json_object **ret, struct error *err)
{
        struct pollfd pfd = { .fd = sock, .events = POLLIN };
        int r;

        r = poll(&pfd, 1, HANDSHAKE_TIMEOUT_MS);
        if (r == 0)
                return error_set(err, -ETIMEDOUT, "the container monitor did not answer within %d s",
                                 HANDSHAKE_TIMEOUT_MS / 1000);
        if (r < 0)
                return error_set_errno(err, -errno, "waiting for the container monitor failed");
        r = monitor_proto_recv(sock, ret, NULL, 0, NULL);
        if (r == 0)
                return error_set(err, -EPIPE, "the container monitor exited unexpectedly");
        if (r < 0)
                return error_set_errno(err, r, "reading from the container monitor failed");
        return 0;
}

/* Records a failed start as dockerd does: the status stays as it was, with
 * the exit code Docker gives the failure and its message in State.Error. */
static int record_start_failure(struct local_backend *lb, struct container *c, json_object *msg, struct error *err)
{
        const char *message = json_field_string(msg, "message", "unknown error");
        int exit_code = (int)json_field_int(msg, "exit_code", 128);

        pthread_mutex_lock(&c->lock);
        c->state.exit_code = exit_code;
        container_state_set_error(&c->state, message);
        engine_container_save_state(lb->base.engine, c);
        engine_container_notify(c);
        pthread_mutex_unlock(&c->lock);

        /* dockerd returns 400 for a command it cannot run, 500 otherwise. */
        return error_set(err, exit_code == 126 || exit_code == 127 ? -EINVAL : -EIO, "%s", message);
}

/* Hands the attaches held since create over to the monitor. */
static void send_pending_attaches(struct container *c)
{
        struct local_container *lc;
        struct attach_request **pending;
        size_t n;

        pthread_mutex_lock(&c->lock);
        lc = local_container_get(c);
        pending = lc ? lc->pending : NULL;
        n = lc ? lc->n_pending : 0;
        if (lc) {
                lc->pending = NULL;
                lc->n_pending = 0;
        }
        pthread_mutex_unlock(&c->lock);

        for (size_t i = 0; i < n; i++) {
                int r = local_send_attach(c, pending[i]);

                if (r < 0)
                        log_warn_errno(r, "Failed to pass an attach to the monitor of container %s: %m", c->id);
                attach_request_free(pending[i]);
        }
        free(pending);
}

static int send_type(int sock, const char *type)
{
        _cleanup_json_ json_object *msg = json_object_new_object();

        json_object_object_add(msg, "type", json_object_new_string(type));
        return monitor_proto_send(sock, msg, NULL, 0);
}

/* Ends a created container that is not to be started: the monitor then
 * reports its exit and removes it. */
static void kill_created(int sock)
{
        _cleanup_json_ json_object *msg = json_object_new_object();

        json_object_object_add(msg, "type", json_object_new_string("kill"));
        json_object_object_add(msg, "signal", json_object_new_int(SIGKILL));
        (void)monitor_proto_send(sock, msg, NULL, 0);
}

static void mark_running(struct local_backend *lb, struct container *c, json_object *started)
{
        int64_t started_ns = 0;

        if (timeutil_parse_rfc3339(json_field_string(started, "started_at", ""), &started_ns) < 0 || !started_ns)
                started_ns = timeutil_now_ns();

        pthread_mutex_lock(&c->lock);
        c->state.status = CONTAINER_RUNNING;
        c->state.pid = (pid_t)json_field_int(started, "pid", 0);
        c->state.started_ns = started_ns;
        c->state.finished_ns = 0;
        c->state.exit_code = 0;
        c->state.oom_killed = false;
        c->state.stopped_by_user = false;
        container_state_set_error(&c->state, NULL);
        engine_container_save_state(lb->base.engine, c);
        engine_container_notify(c);
        pthread_mutex_unlock(&c->lock);
}

/* The handshake: "created", attaches, "start", "started". */
static int handshake(struct local_backend *lb, struct container *c, int sock, struct error *err)
{
        _cleanup_json_ json_object *created = NULL, *started = NULL;
        struct local_container *lc;
        int r;

        r = receive(sock, &created, err);
        if (r < 0)
                return r;
        if (!streq(monitor_proto_type(created), "created"))
                return record_start_failure(lb, c, created, err);

        pthread_mutex_lock(&c->lock);
        lc = local_container_get(c);
        if (lc)
                lc->control_fd = sock;
        pthread_mutex_unlock(&c->lock);
        if (!lc)
                return -ENOMEM;

        send_pending_attaches(c);
        crash_point("start.after-created");
        r = network_container_created(lb->base.engine, c, (pid_t)json_field_int(created, "pid", 0), err);
        if (r < 0) {
                kill_created(sock);
                return r;
        }
        r = send_type(sock, "start");
        if (r < 0)
                return error_set_errno(err, r, "starting container %s failed", c->id);
        r = receive(sock, &started, err);
        if (r < 0)
                return r;
        if (!streq(monitor_proto_type(started), "started"))
                return record_start_failure(lb, c, started, err);

        crash_point("start.after-started");
        mark_running(lb, c, started);
        return 0;
}

/* Forgets the monitor of a failed start and ends the attaches still held:
 * their clients see their stream end, as with dockerd. */
static void forget_monitor(struct container *c)
{
        struct local_container *lc;
        struct attach_request **pending = NULL;
        size_t n = 0;

        pthread_mutex_lock(&c->lock);
        lc = c->backend_data;
        if (lc) {
                lc->control_fd = -1;
                pending = lc->pending;
                n = lc->n_pending;
                lc->pending = NULL;
                lc->n_pending = 0;
        }
        pthread_mutex_unlock(&c->lock);
        for (size_t i = 0; i < n; i++)
                attach_request_free(pending[i]);
        free(pending);
}

/* Prepares the bundle, spawns the monitor and runs the handshake. On
 * success *ret_sock is the monitor connection. */
static int launch(struct local_backend *lb, struct container *c, int *ret_sock, struct error *err)
{
        _cleanup_(start_paths_clear) struct start_paths paths = { 0 };
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_close_ int sock = -1;
        char executable[32];
        int r;

        r = start_paths_init(lb, c, &paths);
        if (r < 0)
                return r;
        r = prepare_bundle(lb, c, &paths, err);
        if (r < 0)
                return r;
        r = build_argv(lb, c, &paths, &argv);
        if (r < 0)
                return r;
        crash_point("start.after-bundle");
        r = spawn_monitor(monitor_executable(lb, executable), argv, &sock, err);
        if (r < 0)
                return r;
        crash_point("start.after-spawn");
        r = handshake(lb, c, sock, err);
        if (r < 0)
                return r;
        *ret_sock = TAKE_FD(sock);
        return 0;
}

int local_start(struct backend *b, struct container *c, struct error *err)
{
        struct local_backend *lb = (struct local_backend *)b;
        int sock = -1, r;

        r = launch(lb, c, &sock, err);
        if (r < 0) {
                forget_monitor(c);
                return r;
        }
        r = local_events_watch(lb, c, sock);
        if (r < 0) {
                close(sock);
                forget_monitor(c);
                return error_set_errno(err, r, "watching the monitor of container %s failed", c->id);
        }
        return 0;
}
