/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sockerless-monitor: the parent of one container, run by sockerlessd with
 * the command line described in proto.h.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "monitor.h"
#include "proto.h"
#include "runtime/container.h"

#define CONTROL_FD 3

/* Exit statuses of the first process, which the daemon reaps. */
#define EXIT_USAGE 2

static const struct option long_options[] = {
        { "id", required_argument, NULL, 'i' },
        { "bundle", required_argument, NULL, 'b' },
        { "state-dir", required_argument, NULL, 's' },
        { "data-dir", required_argument, NULL, 'd' },
        { "log-path", required_argument, NULL, 'l' },
        { "log-max-size", required_argument, NULL, 'S' },
        { "log-max-file", required_argument, NULL, 'F' },
        { "log-compress", no_argument, NULL, 'z' },
        { "log-attrs", required_argument, NULL, 'a' },
        { "log-format", required_argument, NULL, 'f' },
        { "cgroup-parent", required_argument, NULL, 'c' },
        { "seccomp-cache", required_argument, NULL, 'C' },
        { "stdin", no_argument, NULL, 'I' },
        { "stdin-once", no_argument, NULL, 'O' },
        { "debug", no_argument, NULL, 'D' },
        { "stdio-owner", required_argument, NULL, 'u' },
        {},
};

static int parse_number(const char *s, int64_t min, int64_t max, int64_t *ret)
{
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Parses --stdio-owner UID:GID. */
static int parse_owner(const char *s, struct monitor_options *o, struct error *err)
{
        _cleanup_free_ char *uid = strdup(s);
        char *gid = uid ? strchr(uid, ':') : NULL;
        int64_t u, g;

        if (!uid)
                return -ENOMEM;
        if (!gid)
                return error_set(err, -EINVAL, "invalid --stdio-owner '%s': expected UID:GID", s);
        *gid++ = '\0';
        if (parse_number(uid, 0, UINT32_MAX - 1, &u) < 0 || parse_number(gid, 0, UINT32_MAX - 1, &g) < 0)
                return error_set(err, -EINVAL, "invalid --stdio-owner '%s': expected UID:GID", s);
        o->stdio_uid = (uid_t)u;
        o->stdio_gid = (gid_t)g;
        return 0;
}

static int parse_option(int opt, struct monitor_options *o, struct error *err)
{
        int64_t v;

        switch (opt) {
        case 'i':
                o->id = optarg;
                return 0;
        case 'b':
                o->bundle = optarg;
                return 0;
        case 's':
                o->state_dir = optarg;
                return 0;
        case 'd':
                o->data_dir = optarg;
                return 0;
        case 'l':
                o->log_path = optarg;
                return 0;
        case 'S':
                if (parse_number(optarg, 0, INT64_MAX, &o->log_max_size) < 0)
                        return error_set(err, -EINVAL, "invalid --log-max-size '%s': expected bytes", optarg);
                return 0;
        case 'F':
                if (parse_number(optarg, 1, INT32_MAX, &v) < 0)
                        return error_set(err, -EINVAL, "invalid --log-max-file '%s': expected a count >= 1", optarg);
                o->log_max_files = (int)v;
                return 0;
        case 'z':
                o->log_compress = true;
                return 0;
        case 'a':
                o->log_attrs = optarg;
                return 0;
        case 'f':
                if (streq(optarg, "local"))
                        o->log_format = JSONLOG_FORMAT_LOCAL;
                else if (streq(optarg, "json-file"))
                        o->log_format = JSONLOG_FORMAT_JSON_FILE;
                else
                        return error_set(err, -EINVAL, "invalid --log-format '%s': expected json-file or local",
                                         optarg);
                return 0;
        case 'c':
                o->cgroup_parent = optarg;
                return 0;
        case 'C':
                o->seccomp_cache_dir = optarg;
                return 0;
        case 'I':
                o->open_stdin = true;
                return 0;
        case 'O':
                o->stdin_once = true;
                return 0;
        case 'D':
                o->debug = true;
                return 0;
        case 'u':
                return parse_owner(optarg, o, err);
        default:
                return error_set(err, -EINVAL, "invalid command line option");
        }
}

static int parse_options(int argc, char **argv, struct monitor_options *o, struct error *err)
{
        int opt, r;

        *o = (struct monitor_options){ .log_max_files = 1, .stdio_uid = (uid_t)-1, .stdio_gid = (gid_t)-1 };
        opterr = 0;
        while ((opt = getopt_long(argc, argv, "", long_options, NULL)) >= 0) {
                r = parse_option(opt, o, err);
                if (r < 0)
                        return r;
        }
        if (optind < argc)
                return error_set(err, -EINVAL, "unexpected argument '%s'", argv[optind]);
        if (!o->id || !o->bundle || !o->state_dir || !o->data_dir)
                return error_set(err, -EINVAL, "--id, --bundle, --state-dir and --data-dir are required");
        return 0;
}

/* The daemon's signal mask and ignored signals would pass through execve to
 * the container, so the monitor starts from the defaults. */
static void reset_signals(void)
{
        sigset_t none;

        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
}

static void signals_dispatch(struct monitor *m, struct watch *w, uint32_t events)
{
        struct signalfd_siginfo info;

        while (read(w->fd, &info, sizeof(info)) == sizeof(info))
                ;
        lifecycle_reap(m);
}

/* Called once the container exists: signals changed now no longer reach
 * it, because its init was cloned with the defaults. */
static int setup_signals(struct monitor *m)
{
        sigset_t set;
        int fd;

        signal(SIGPIPE, SIG_IGN);
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return -errno;
        fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return -errno;
        return watch_add(m, &m->signals, fd, EPOLLIN, signals_dispatch);
}

static int open_null(int target, int flags)
{
        int fd = open("/dev/null", flags | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        if (fd != target && dup2(fd, target) < 0) {
                close(fd);
                return -errno;
        }
        if (fd != target)
                close(fd);
        return 0;
}

/* Points stderr at <state-dir>/monitor.log, where log.h writes. */
static int open_log(struct monitor *m)
{
        int fd = openat(m->state_dir_fd, "monitor.log", O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

        if (fd < 0)
                return -errno;
        if (dup2(fd, STDERR_FILENO) < 0) {
                close(fd);
                return -errno;
        }
        close(fd);
        log_set_ident("sockerless-monitor");
        log_set_level(m->opt.debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
        return 0;
}

static int write_pid_file(struct monitor *m)
{
        char text[32];
        int n = snprintf(text, sizeof(text), "%d\n", (int)getpid());

        return fs_replace_at(m->state_dir_fd, MONITOR_PID_NAME, text, (size_t)n, 0644);
}

static int setup(struct monitor *m, struct error *err)
{
        int r;

        m->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (m->epoll_fd < 0)
                return error_set_errno(err, -errno, "Creating the event loop failed");

        r = control_add(m, CONTROL_FD);
        if (r < 0)
                return error_set_errno(err, r, "Setting up the control connection failed");

        m->data_dir_fd = open(m->opt.data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m->data_dir_fd < 0)
                return error_set_errno(err, -errno, "Opening the data directory %s failed", m->opt.data_dir);

        r = listener_open(m);
        if (r < 0)
                return error_set_errno(err, r, "Listening on %s/%s failed", m->opt.state_dir, MONITOR_SOCKET_NAME);
        r = write_pid_file(m);
        if (r < 0)
                return error_set_errno(err, r, "Writing %s/%s failed", m->opt.state_dir, MONITOR_PID_NAME);

        if (m->opt.log_path) {
                r = jsonlog_writer_open(m->opt.log_path, m->opt.log_max_size, m->opt.log_max_files, &m->log);
                if (r < 0)
                        return error_set_errno(err, r, "Opening the container log %s failed", m->opt.log_path);
                jsonlog_writer_set_format(m->log, m->opt.log_format);
                jsonlog_writer_set_compress(m->log, m->opt.log_compress);
                if (m->opt.log_attrs && jsonlog_writer_set_attrs(m->log, m->opt.log_attrs) < 0)
                        return error_set_errno(err, -ENOMEM, "Setting the log attributes failed");
        }
        return 0;
}

static int run(struct monitor *m)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = setup(m, &err);
        if (r < 0) {
                lifecycle_fail(m, r, error_message(&err, r));
                return m->status;
        }

        r = lifecycle_create(m);
        if (r < 0)
                return m->status;

        r = setup_signals(m);
        if (r < 0) {
                /* Without SIGCHLD the exit would go unnoticed. */
                log_error_errno(r, "Setting up signal handling failed: %m");
                runtime_container_kill(m->container, SIGKILL);
                lifecycle_fail(m, r, "setting up signal handling in the monitor failed");
                return m->status;
        }
        lifecycle_reap(m);
        monitor_trim_heap();

        r = monitor_loop_run(m);
        return r < 0 ? 1 : m->status;
}

/* Reports a failure before the monitor has its files, on fd 3 alone. */
static int fail_early(int code, const char *message)
{
        _cleanup_json_ json_object *msg = json_object_new_object();

        if (msg) {
                json_object_object_add(msg, "type", json_object_new_string("error"));
                json_object_object_add(msg, "message", json_object_new_string(message));
                json_object_object_add(msg, "exit_code", json_object_new_int(runtime_exec_error_exit_code(code)));
                monitor_proto_send(CONTROL_FD, msg, NULL, 0);
        }
        return EXIT_USAGE;
}

/* Forks, so that the daemon reaps the first process at once and the
 * monitor is not the daemon's child. The child leads a new session and is
 * the only one that returns. */
static int detach_from_daemon(void)
{
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid > 0)
                _exit(EXIT_SUCCESS);
        if (setsid() < 0)
                return -errno;
        return 0;
}

int main(int argc, char **argv)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct monitor m = {
                .epoll_fd = -1,
                .state_dir_fd = -1,
                .data_dir_fd = -1,
                .signals = { .fd = -1 },
                .listener = { .fd = -1 },
                .console_fd = -1,
                .stdin_watch = { .fd = -1 },
        };
        struct stat st;
        int r;

        /* Nothing may reach the daemon's stdio, and no fd of the daemon's
         * but the control socket may reach the container. */
        close_range(CONTROL_FD + 1, ~0U, 0);
        if (open_null(STDIN_FILENO, O_RDONLY) < 0 || open_null(STDOUT_FILENO, O_WRONLY) < 0 ||
            open_null(STDERR_FILENO, O_WRONLY) < 0)
                return EXIT_USAGE;
        reset_signals();

        if (fstat(CONTROL_FD, &st) < 0 || !S_ISSOCK(st.st_mode))
                return EXIT_USAGE;
        r = parse_options(argc, argv, &m.opt, &err);
        if (r < 0)
                return fail_early(r, error_message(&err, r));

        r = detach_from_daemon();
        if (r < 0)
                return fail_early(r, "starting the monitor failed");
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
                return fail_early(-errno, "becoming a subreaper failed");

        m.state_dir_fd = open(m.opt.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m.state_dir_fd < 0)
                return fail_early(-errno, "opening the state directory failed");
        r = open_log(&m);
        if (r < 0)
                return fail_early(r, "opening monitor.log in the state directory failed");
        log_info("Monitor %d of container %s starting", (int)getpid(), m.opt.id);

        r = run(&m);

        monitor_release(&m);
        if (m.container)
                runtime_container_free(m.container);
        return r;
}
