/* SPDX-License-Identifier: Apache-2.0 */
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>

#include "fsutil.h"
#include "runtime/cli/cli.h"
#include "runtime/container.h"

/* Signals passed on to the container instead of acting on this process. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH, SIGCHLD };

int cli_forward_signals_fd(void)
{
        sigset_t mask;
        int fd;

        sigemptyset(&mask);
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                sigaddset(&mask, forwarded[i]);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return negative_errno();
        fd = signalfd(-1, &mask, SFD_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
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

static int set_raw(struct termios *ret_saved)
{
        struct termios raw;

        if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, ret_saved) < 0)
                return 0;
        raw = *ret_saved;
        cfmakeraw(&raw);
        return tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0 ? 0 : 1;
}

static int wait_loop(struct runtime_container *c, int sig_fd, int console)
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
                        /* Output the process wrote just before exiting. */
                        while (fds[2].fd >= 0 && poll(&fds[2], 1, 0) > 0 && pump(console, STDOUT_FILENO))
                                ;
                        return exit_code(&info);
                }
        }
}

int cli_wait_process(struct runtime_container *c, int sig_fd, int console)
{
        struct termios saved;
        bool raw = false;
        int status;

        if (console >= 0) {
                raw = set_raw(&saved);
                copy_window_size(console);
        }
        status = wait_loop(c, sig_fd, console);
        if (raw)
                (void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        return status;
}
