/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sockerless-init: the minimal init of `docker run --init`. The daemon
 * bind-mounts it read-only at /sbin/docker-init, where Docker puts its own,
 * and runs it as the container's process:
 *
 *   /sbin/docker-init -- COMMAND [ARG...]
 *
 * It starts COMMAND in a process group of its own, which becomes the
 * terminal's foreground group when stdin is a terminal. It forwards every
 * signal it receives to COMMAND and reaps every child that ends. It exits
 * with COMMAND's exit code, or 128 + the signal that killed it. A COMMAND that cannot be run exits 127
 * when it is not found and 126 otherwise, as a shell does.
 *
 * It is linked statically against libc only, so it runs in any image.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define PROGRAM "sockerless-init"

/* Exit statuses for a command that could not be run. */
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND  127
#define EXIT_USAGE      2

/* Signals that report a fault of this process itself: blocking them would
 * not stop the kernel from delivering them, so they keep their default
 * action. */
static const int fault_signals[] = { SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGSYS, SIGTRAP };

static void build_wait_set(sigset_t *set)
{
        sigfillset(set);
        for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++)
                sigdelset(set, fault_signals[i]);
        /* Ignored below, so that a child in the foreground group can take
         * the terminal without stopping this process. */
        sigdelset(set, SIGTTIN);
        sigdelset(set, SIGTTOU);
}

static void set_disposition(int sig, void (*handler)(int))
{
        struct sigaction sa = { .sa_handler = handler };

        sigemptyset(&sa.sa_mask);
        (void)sigaction(sig, &sa, NULL);
}

/* Runs in the child: takes the terminal when stdin is one, restores what
 * the parent changed, and executes the command. Never returns. */
static void exec_command(char **argv, const sigset_t *original_mask)
{
        int saved;

        (void)setpgid(0, 0);
        /* SIGTTOU is still ignored here, so a background group may take
         * the terminal. */
        if (isatty(STDIN_FILENO))
                (void)tcsetpgrp(STDIN_FILENO, getpgrp());
        set_disposition(SIGTTIN, SIG_DFL);
        set_disposition(SIGTTOU, SIG_DFL);
        sigprocmask(SIG_SETMASK, original_mask, NULL);

        execvp(argv[0], argv);
        saved = errno;
        fprintf(stderr, "%s: exec %s failed: %s\n", PROGRAM, argv[0], strerror(saved));
        _exit(saved == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

static int exit_status(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 1;
}

/* Reaps every child that has ended. Returns true once the command has,
 * with its exit status in *ret_status. */
static bool reap_children(pid_t command, int *ret_status)
{
        bool command_ended = false;
        int status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                if (pid == command) {
                        *ret_status = exit_status(status);
                        command_ended = true;
                }
        return command_ended;
}

/* Waits for signals: SIGCHLD reaps, any other goes to the command. */
static int supervise(pid_t command, const sigset_t *wait_set)
{
        int status = 0;

        for (;;) {
                siginfo_t info;
                int sig = sigwaitinfo(wait_set, &info);

                if (sig < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "%s: waiting for signals failed: %s\n", PROGRAM, strerror(errno));
                        return 1;
                }
                if (sig != SIGCHLD) {
                        /* The command may have ended and not been reaped
                         * yet: a zombie takes the signal harmlessly. */
                        (void)kill(command, sig);
                        continue;
                }
                if (reap_children(command, &status))
                        return status;
        }
}

static void usage(void)
{
        fprintf(stderr, "Usage: %s [--] COMMAND [ARG...]\n", PROGRAM);
}

int main(int argc, char **argv)
{
        sigset_t wait_set, original_mask;
        char **command_argv = argv + 1;
        pid_t command;

        if (argc > 1 && strcmp(argv[1], "--") == 0)
                command_argv++;
        if (!*command_argv || (command_argv == argv + 1 && command_argv[0][0] == '-')) {
                usage();
                return EXIT_USAGE;
        }

        /* Outside a PID namespace of its own (--pid host), the orphans of
         * the command would go to another init; this makes them ours. */
        if (getpid() != 1)
                (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

        set_disposition(SIGTTIN, SIG_IGN);
        set_disposition(SIGTTOU, SIG_IGN);
        /* Blocked before the fork, so that no signal or child exit is lost
         * between the fork and the first wait. A blocked signal also reaches
         * a PID 1 that has no handler for it. */
        build_wait_set(&wait_set);
        sigprocmask(SIG_BLOCK, &wait_set, &original_mask);

        command = fork();
        if (command < 0) {
                fprintf(stderr, "%s: fork failed: %s\n", PROGRAM, strerror(errno));
                return EXIT_CANNOT_RUN;
        }
        if (command == 0)
                exec_command(command_argv, &original_mask);
        return supervise(command, &wait_set);
}
