/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "runtime/cgroup-procs.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/store.h"

extern char **environ;

static void print_json(const pid_t *pids, size_t n)
{
        putchar('[');
        for (size_t i = 0; i < n; i++)
                printf("%s%d", i ? "," : "", (int)pids[i]);
        puts("]");
}

static bool contains(const pid_t *pids, size_t n, long pid)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

/* Finds the column of the PID header in ps(1)'s first line. */
static int pid_column(const char *header)
{
        int column = 0;

        for (const char *p = header; *p;) {
                size_t len;

                p += strspn(p, " \t");
                len = strcspn(p, " \t\n");
                if (len == 3 && strncmp(p, "PID", 3) == 0)
                        return column;
                if (len == 0)
                        break;
                p += len;
                column++;
        }
        return -1;
}

static long field(const char *line, int column)
{
        const char *p = line;

        for (int i = 0; i <= column; i++) {
                p += strspn(p, " \t");
                if (i < column)
                        p += strcspn(p, " \t\n");
        }
        return strtol(p, NULL, 10);
}

/* Starts ps(1) with args (-ef without any), its stdout on a pipe. The
 * argument vector has room for "ps", the arguments or -ef, and NULL. */
static FILE *start_ps(int argc, char **argv, pid_t *ret_pid)
{
        _cleanup_free_ char **ps_argv = calloc(argc + 3, sizeof(char *));
        posix_spawn_file_actions_t actions;
        static char ef[] = "-ef", ps[] = "ps";
        int fds[2], r;

        if (!ps_argv || pipe2(fds, O_CLOEXEC) < 0)
                return NULL;
        ps_argv[0] = ps;
        for (int i = 0; i < argc; i++)
                ps_argv[i + 1] = argv[i];
        if (argc == 0)
                ps_argv[1] = ef;

        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        r = posix_spawnp(ret_pid, "ps", &actions, NULL, ps_argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        if (r != 0) {
                close(fds[0]);
                errno = r;
                return NULL;
        }
        return fdopen(fds[0], "r");
}

/* Prints the header of ps(1)'s output and the lines of the container's
 * processes. */
static int print_table(const pid_t *pids, size_t n, int argc, char **argv)
{
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        int column = -1, status = 0;
        bool first = true;
        pid_t pid;
        FILE *f;

        f = start_ps(argc, argv, &pid);
        if (!f) {
                cli_error("failed to run ps: %m");
                return 1;
        }
        while (getline(&line, &size, f) > 0) {
                if (first) {
                        column = pid_column(line);
                        fputs(line, stdout);
                        first = false;
                } else if (column >= 0 && contains(pids, n, field(line, column)))
                        fputs(line, stdout);
        }
        fclose(f);
        (void)waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                cli_error("ps failed");
                return 1;
        }
        if (column < 0) {
                cli_error("couldn't find PID field in ps output");
                return 1;
        }
        return 0;
}

int cli_ps(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "format", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(store_container_freep) struct store_container *rec = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ pid_t *pids = NULL;
        const char *format = "table";
        size_t n = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "+f:h", longopts, NULL)) >= 0)
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'h':
                        printf("Usage: sockerless-runtime ps [-f table|json] ID [PS ARGS]\n\nLists the processes "
                               "of container ID: their pids as JSON, or the lines\nof ps(1) (run with PS ARGS, "
                               "default -ef) for them.\n");
                        return 0;
                default:
                        return 1;
                }
        if (!cli_check_args("ps", argc - optind, 1, -1))
                return 1;
        if (!streq(format, "table") && !streq(format, "json")) {
                cli_error("invalid format option");
                return 1;
        }

        r = store_load(argv[optind], &rec, &err);
        if (r >= 0)
                r = cgroup_open(rec->cgroup_path, false, &cg, &err);
        if (r >= 0)
                r = cgroup_procs_list(cg, &pids, &n, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                return 1;
        }
        if (streq(format, "json")) {
                print_json(pids, n);
                return 0;
        }
        return print_table(pids, n, argc - optind - 1, argv + optind + 1);
}
