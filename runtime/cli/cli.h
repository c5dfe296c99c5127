/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "macro.h"

/* The global options, given before the verb. */
struct cli_globals {
        const char *root;    /* state directory, one subdirectory per container */
        const char *log;     /* file the log lines are appended to, or NULL for stderr */
        bool log_json;       /* --log-format json: runc's JSON lines */
        bool debug;          /* log debug lines too */
        bool systemd_cgroup; /* --systemd-cgroup: cgroups through systemd (not supported) */
        char **argv;         /* the program's own arguments, to re-execute it */
};

extern struct cli_globals cli;

#define CLI_DEFAULT_ROOT "/run/sockerless-runtime"

/* One function per verb of sockerless-runtime. Each gets the arguments
 * after the verb (argv[0] is the verb) and returns the exit status. */
int cli_create(int argc, char **argv);
int cli_delete(int argc, char **argv);
int cli_exec(int argc, char **argv);
int cli_features(int argc, char **argv);
int cli_kill(int argc, char **argv);
int cli_list(int argc, char **argv);
int cli_pause(int argc, char **argv);
int cli_ps(int argc, char **argv);
int cli_resume(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_spec(int argc, char **argv);
int cli_start(int argc, char **argv);
int cli_state(int argc, char **argv);

/* Reports an error: "sockerless-runtime: <message>" on stderr and, with
 * --log, a line at level error in the log file. */
void cli_error(const char *fmt, ...) _printf_(1, 2);

/* Reports a failure the command goes on after, at level warning. */
void cli_warn(const char *fmt, ...) _printf_(1, 2);

/* Logs a step with --debug, in the log file (or on stderr without --log). */
void cli_debug(const char *fmt, ...) _printf_(1, 2);

/* Checks the number of arguments left after the options of verb; reports
 * runc's message when it is wrong. */
bool cli_check_args(const char *verb, int n_args, int min, int max);

/* Re-executes this program from a sealed copy of its binary in memory
 * (memfd) unless it runs from one already, so that no process of a
 * container can reach the binary on the host through /proc/PID/exe of a
 * runtime process (CVE-2019-5736). Returns only on failure. */
int cli_reexec_sealed(void);

/* Tells whether this process runs from a sealed memfd copy. */
bool cli_running_sealed(void);

/* Writes pid to path as runc does: atomically, without a newline. */
int cli_write_pid_file(const char *path, pid_t pid);

/* Re-executes from a sealed copy unless this process runs from one
 * already; returns the exit status for a failure, or 0 to go on. Verbs
 * that start container processes call it first. */
int cli_ensure_sealed(void);

/* Sends the pty master to the unix socket at path, with the pty's name as
 * the message, as runc's --console-socket protocol has it. */
int cli_send_console(const char *path, int master);

/* Blocks the signals the foreground verbs forward to the container and
 * returns a signalfd for them, or a negative errno. Block them before the
 * container exists, so that none meant for it is lost. */
int cli_forward_signals_fd(void);

/* Waits for the process of c (a container's init, or an exec'd process),
 * forwarding the signals of sig_fd to it and, with a pty master console,
 * copying between this process's stdio and the pty. Returns the exit
 * status to exit with: the process's, or 128+N when signal N killed it. */
struct runtime_container;
int cli_wait_process(struct runtime_container *c, int sig_fd, int console);
