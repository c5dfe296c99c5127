/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>

#include "fsutil.h"
#include "runtime/cli/cli.h"
#include "runtime/container.h"

struct run_options {
        const char *bundle;
        const char *pid_file;
        const char *id;
};

/* Signals passed on to the container instead of acting on this process. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH, SIGCHLD };

DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_spec *, runtime_spec_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_container *, runtime_container_free)

static void run_usage(FILE *f)
{
        fprintf(f, "Usage: sockerless-runtime run [--bundle DIR] [--pid-file FILE] ID\n\n"
                   "Creates the container ID from the bundle, runs it with this process's stdio\n"
                   "(or a pty when process.terminal is set), forwards signals to it, waits for it\n"
                   "and exits with its exit code (128+N when signal N killed it).\n\n"
                   "  -b, --bundle DIR     bundle directory holding config.json (default: .)\n"
                   "      --pid-file FILE  write the container's pid to FILE\n");
}

static int parse_args(int argc, char **argv, struct run_options *o)
{
        static const struct option longopts[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "pid-file", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;

        *o = (struct run_options){ .bundle = "." };
        while ((c = getopt_long(argc, argv, "b:h", longopts, NULL)) >= 0)
                switch (c) {
                case 'b':
                        o->bundle = optarg;
                        break;
                case 'p':
                        o->pid_file = optarg;
                        break;
                case 'h':
                        run_usage(stdout);
                        return 0;
                default:
                        run_usage(stderr);
                        return -EINVAL;
                }
        if (optind != argc - 1) {
                cli_error("run needs exactly one container ID");
                run_usage(stderr);
                return -EINVAL;
        }
        o->id = argv[optind];
        return 1;
}

static int write_pid_file(const char *path, pid_t pid)
{
        _cleanup_free_ char *dir = strdup(path), *name = strdup(path);
        _cleanup_close_ int dir_fd = -1;
        char text[32];
        int n = snprintf(text, sizeof(text), "%d", (int)pid);

        if (!dir || !name)
                return -ENOMEM;
        dir_fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return negative_errno();
        return fs_write_atomic_at(dir_fd, basename(name), text, n, 0644);
}

static int block_signals(sigset_t *ret)
{
        sigemptyset(ret);
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                sigaddset(ret, forwarded[i]);
        if (sigprocmask(SIG_BLOCK, ret, NULL) < 0)
                return negative_errno();
        return 0;
}

static void copy_window_size(int console)
{
        struct winsize ws;

        /* A pty that was never sized reports 0x0; keep process.consoleSize then. */
        if (console >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
                (void)ioctl(console, TIOCSWINSZ, &ws);
}

/* Copies what is readable on from to to; returns false at the end of from. */
static bool pump(int from, int to)
{
        char buf[8192];
        ssize_t n = read(from, buf, sizeof(buf));

        if (n <= 0)
                return n < 0 && errno == EINTR;
        return fs_write_all(to, buf, n) >= 0;
}

static int exit_code(const siginfo_t *info)
{
        return info->si_code == CLD_EXITED ? info->si_status : 128 + info->si_status;
}

/* Waits for the container's init, forwarding signals and, with a
 * terminal, copying between this process's stdio and the pty. */
static int wait_container(struct runtime_container *c, int sig_fd, int console)
{
        struct pollfd fds[4] = {
                { .fd = runtime_container_pidfd(c), .events = POLLIN },
                { .fd = sig_fd, .events = POLLIN },
                { .fd = console, .events = POLLIN },
                { .fd = console >= 0 ? STDIN_FILENO : -1, .events = POLLIN },
        };
        siginfo_t info = {};

        for (;;) {
                if (poll(fds, ARRAY_SIZE(fds), -1) < 0 && errno != EINTR)
                        return 1;

                if (fds[1].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        if (read(sig_fd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD) {
                                if (si.ssi_signo == SIGWINCH)
                                        copy_window_size(console);
                                else
                                        (void)runtime_container_kill(c, si.ssi_signo);
                        }
                }
                if (fds[2].revents & (POLLIN | POLLHUP | POLLERR) && !pump(console, STDOUT_FILENO))
                        fds[2].fd = -1;
                if (fds[3].revents & (POLLIN | POLLHUP | POLLERR) && !pump(STDIN_FILENO, console))
                        fds[3].fd = -1;

                if (fds[0].revents & POLLIN) {
                        if (waitid(P_PIDFD, runtime_container_pidfd(c), &info, WEXITED) < 0)
                                return 1;
                        /* Output the container wrote just before exiting. */
                        while (fds[2].fd >= 0 && poll(&fds[2], 1, 0) > 0 && pump(console, STDOUT_FILENO))
                                ;
                        return exit_code(&info);
                }
        }
}

static int set_raw(struct termios *ret_saved)
{
        struct termios raw;

        if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, ret_saved) < 0)
                return 0;
        raw = *ret_saved;
        cfmakeraw(&raw);
        return tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0 ? 0 : 1;
}

static int run_container(const struct run_options *o, const struct runtime_spec *spec, int sig_fd)
{
        _cleanup_(runtime_container_freep) struct runtime_container *c = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct runtime_create_options opts = {
                .id = o->id,
                .bundle = o->bundle,
                .stdin_fd = 0,
                .stdout_fd = 1,
                .stderr_fd = 2,
        };
        _cleanup_close_ int console = -1;
        struct termios saved;
        bool raw = false;
        int r, status;

        r = runtime_container_create(spec, &opts, &c, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                return runtime_exec_error_exit_code(r);
        }
        console = runtime_container_take_console(c);
        if (o->pid_file && (r = write_pid_file(o->pid_file, runtime_container_pid(c))) < 0)
                cli_error("failed to write pid file %s: %s", o->pid_file, strerror(-r));

        r = runtime_container_start(c, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                status = runtime_exec_error_exit_code(r);
                (void)waitid(P_PIDFD, runtime_container_pidfd(c), &(siginfo_t){}, WEXITED);
        } else {
                if (console >= 0) {
                        raw = set_raw(&saved);
                        copy_window_size(console);
                }
                status = wait_container(c, sig_fd, console);
                if (raw)
                        (void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        }

        r = runtime_container_destroy(c);
        if (r < 0)
                cli_error("failed to remove the cgroup of container %s: %s", o->id, strerror(-r));
        return status;
}

int cli_run(int argc, char **argv)
{
        _cleanup_(runtime_spec_freep) struct runtime_spec *spec = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_close_ int sig_fd = -1;
        struct run_options o;
        sigset_t mask;
        int r;

        r = parse_args(argc, argv, &o);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        r = runtime_spec_load(o.bundle, &spec, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                return 1;
        }

        /* Blocked before the container exists, so that no signal meant for
         * it is lost; the init unblocks them for itself before execve. */
        if (block_signals(&mask) < 0 || (sig_fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
                cli_error("failed to set up signal forwarding: %m");
                return 1;
        }
        return run_container(&o, spec, sig_fd);
}
