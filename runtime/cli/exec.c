/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "fsutil.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/store.h"
#include "runtime/container.h"
#include "strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_container *, runtime_container_free)

/* runc's exit status when exec fails before the process runs. */
#define EXEC_FAILED 255

/* The largest process.json read, as for config.json. */
#define PROCESS_MAX_SIZE (4u << 20)

struct exec_options {
        const char *id;
        const char *process_file;
        const char *console_socket;
        const char *cwd;
        const char *user;
        const char *pid_file;
        char **env;
        char **caps;
        char **gids;
        bool tty;
        bool detach;
        bool no_new_privs;
        bool ignore_paused;
        char **args; /* borrowed from argv */
};

static void exec_usage(FILE *f)
{
        fprintf(f, "Usage: sockerless-runtime exec [OPTIONS] ID [COMMAND [ARG...]]\n\n"
                   "Runs a process in the running container ID, in its namespaces and cgroup, with\n"
                   "its capabilities, seccomp filter and user unless the options change them.\n\n"
                   "  -p, --process FILE        the process as an OCI process object (instead of COMMAND)\n"
                   "  -t, --tty                 allocate a pty\n"
                   "      --console-socket PATH send the pty master to the unix socket PATH (with --detach)\n"
                   "      --cwd DIR             working directory in the container\n"
                   "  -e, --env NAME=VALUE      add an environment variable (repeatable)\n"
                   "  -u, --user UID[:GID]      user and group to run as\n"
                   "  -g, --additional-gids GID add a supplementary group (repeatable)\n"
                   "  -c, --cap CAP             add a capability (repeatable)\n"
                   "      --no-new-privs        set no_new_privs\n"
                   "  -d, --detach              return once the process runs\n"
                   "      --pid-file FILE       write the process's pid to FILE\n"
                   "      --ignore-paused       exec into a paused container too\n");
}

static void exec_options_done(struct exec_options *o)
{
        strv_free(o->env);
        strv_free(o->caps);
        strv_free(o->gids);
}

static int parse_option(int c, struct exec_options *o)
{
        switch (c) {
        case 'p':
                o->process_file = optarg;
                return 0;
        case 't':
                o->tty = true;
                return 0;
        case 'S':
                o->console_socket = optarg;
                return 0;
        case 'w':
                o->cwd = optarg;
                return 0;
        case 'e':
                return strv_append(&o->env, optarg);
        case 'u':
                o->user = optarg;
                return 0;
        case 'g':
                return strv_append(&o->gids, optarg);
        case 'c':
                return strv_append(&o->caps, optarg);
        case 'n':
                o->no_new_privs = true;
                return 0;
        case 'd':
                o->detach = true;
                return 0;
        case 'P':
                o->pid_file = optarg;
                return 0;
        case 'i':
                o->ignore_paused = true;
                return 0;
        case 'F':
                cli_error("--preserve-fds is not supported");
                return -EOPNOTSUPP;
        case 'A':
                cli_error("--apparmor is not supported: AppArmor is not supported");
                return -EOPNOTSUPP;
        case 'L':
                cli_error("--process-label is not supported: SELinux is not supported");
                return -EOPNOTSUPP;
        default:
                exec_usage(stderr);
                return -EINVAL;
        }
}

static int parse_args(int argc, char **argv, struct exec_options *o)
{
        static const struct option longopts[] = {
                { "process", required_argument, NULL, 'p' },
                { "tty", no_argument, NULL, 't' },
                { "console-socket", required_argument, NULL, 'S' },
                { "cwd", required_argument, NULL, 'w' },
                { "env", required_argument, NULL, 'e' },
                { "user", required_argument, NULL, 'u' },
                { "additional-gids", required_argument, NULL, 'g' },
                { "cap", required_argument, NULL, 'c' },
                { "no-new-privs", no_argument, NULL, 'n' },
                { "detach", no_argument, NULL, 'd' },
                { "pid-file", required_argument, NULL, 'P' },
                { "ignore-paused", no_argument, NULL, 'i' },
                { "preserve-fds", required_argument, NULL, 'F' },
                { "apparmor", required_argument, NULL, 'A' },
                { "process-label", required_argument, NULL, 'L' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "+p:te:u:g:c:dh", longopts, NULL)) >= 0) {
                if (c == 'h') {
                        exec_usage(stdout);
                        return 0;
                }
                r = parse_option(c, o);
                if (r < 0)
                        return r;
        }
        if (!cli_check_args("exec", argc - optind, 1, -1))
                return -EINVAL;
        o->id = argv[optind];
        o->args = argv + optind + 1;
        if (!o->process_file && !o->args[0]) {
                cli_error("exec needs a command or --process");
                return -EINVAL;
        }
        return 1;
}

static int parse_user(const char *s, struct runtime_user *u, struct error *err)
{
        unsigned uid, gid;
        int n = 0;

        if (sscanf(s, "%u%n", &uid, &n) == 1 && s[n] == '\0') {
                u->uid = uid;
                return 0;
        }
        if (sscanf(s, "%u:%u%n", &uid, &gid, &n) == 2 && s[n] == '\0') {
                u->uid = uid;
                u->gid = gid;
                return 0;
        }
        return error_set(err, -EINVAL, "invalid --user %s: use UID or UID:GID", s);
}

static int add_gids(struct runtime_user *u, char *const *gids, struct error *err)
{
        size_t n = strv_length(gids);
        gid_t *all = realloc(u->additional_gids, (u->n_additional_gids + n + 1) * sizeof(gid_t));

        if (!all)
                return -ENOMEM;
        u->additional_gids = all;
        STRV_FOREACH (g, gids) {
                char *end;
                unsigned long v = strtoul(*g, &end, 10);

                if (end == *g || *end || v >= UINT32_MAX)
                        return error_set(err, -EINVAL, "invalid --additional-gids %s", *g);
                all[u->n_additional_gids++] = v;
        }
        return 0;
}

static int add_caps(struct runtime_capabilities *caps, char *const *names, struct error *err)
{
        STRV_FOREACH (name, names) {
                cap_value_t cap;

                if (cap_from_name(*name, &cap) < 0 || cap < 0 || cap > 63)
                        return error_set(err, -EINVAL, "unknown capability %s", *name);
                caps->bounding |= UINT64_C(1) << cap;
                caps->effective |= UINT64_C(1) << cap;
                caps->permitted |= UINT64_C(1) << cap;
        }
        return 0;
}

/* Turns the container's process into the exec'd one as runc does without
 * --process: the config's process with the command, tty and the given
 * changes. */
static int apply_options(const struct exec_options *o, struct runtime_spec *spec, struct error *err)
{
        struct runtime_process *p = &spec->process;
        char **args = NULL;
        int r;

        STRV_FOREACH (a, o->args)
                if (strv_append(&args, *a) < 0) {
                        strv_free(args);
                        return -ENOMEM;
                }
        strv_free(p->args);
        p->args = args;
        p->terminal = o->tty;
        STRV_FOREACH (e, o->env)
                if (strv_append(&p->env, *e) < 0)
                        return -ENOMEM;
        if (o->cwd) {
                if (o->cwd[0] != '/')
                        return error_set(err, -EINVAL, "--cwd must be an absolute path");
                free(p->cwd);
                p->cwd = strdup(o->cwd);
                if (!p->cwd)
                        return -ENOMEM;
        }
        if (o->user) {
                r = parse_user(o->user, &p->user, err);
                if (r < 0)
                        return r;
                /* The given ids replace Docker's user string. */
                free(spec->user);
                spec->user = NULL;
        }
        if (o->no_new_privs)
                p->no_new_privileges = true;
        r = add_gids(&p->user, o->gids, err);
        if (r < 0)
                return r;
        return add_caps(&p->capabilities, o->caps, err);
}

static int load_process_file(const char *path, struct runtime_spec *spec, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = fs_read_file_at(AT_FDCWD, path, PROCESS_MAX_SIZE, &text, &len);
        if (r < 0)
                return error_set_errno(err, r, "failed to read %s", path);
        r = runtime_spec_parse_process(spec, text, len, err);
        if (r < 0)
                return r;
        /* The process object has its own user. */
        free(spec->user);
        spec->user = NULL;
        return 0;
}

/* Loads the container's record and configuration and checks it can take
 * a new process. */
static int load_container(const struct exec_options *o, struct store_container **ret_rec,
                          struct runtime_spec **ret_spec, struct error *err)
{
        const char *status;
        int r;

        r = store_load(o->id, ret_rec, err);
        if (r < 0)
                return r;
        status = store_status(*ret_rec);
        if (streq(status, "stopped"))
                return error_set(err, -ESRCH, "cannot exec in a stopped container");
        if (streq(status, "paused") && !o->ignore_paused)
                return error_set(err, -EBUSY, "cannot exec in a paused container (use --ignore-paused to override)");
        r = store_load_spec(*ret_rec, ret_spec, err);
        if (r < 0)
                return r;
        return o->process_file ? load_process_file(o->process_file, *ret_spec, err) : apply_options(o, *ret_spec, err);
}

static int check_console(const struct exec_options *o, const struct runtime_spec *spec, struct error *err)
{
        if (o->detach && spec->process.terminal && !o->console_socket)
                return error_set(err, -EINVAL,
                                 "cannot allocate tty if the runtime will detach without setting console socket");
        if ((!o->detach || !spec->process.terminal) && o->console_socket)
                return error_set(err, -EINVAL,
                                 "cannot use console socket if the runtime will not detach or allocate tty");
        return 0;
}

/* Starts the prepared process, hands over its pty and waits for it unless
 * detached. Returns the exit status. */
static int start_process(const struct exec_options *o, struct runtime_container *c, int sig_fd)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_close_ int console = runtime_container_take_console(c);
        int r = 0;

        if (console >= 0 && o->console_socket) {
                r = cli_send_console(o->console_socket, console);
                if (r < 0)
                        r = error_set_errno(&err, r, "failed to send the pty to the console socket %s",
                                            o->console_socket);
                console = (close(console), -1);
        }
        if (r >= 0 && o->pid_file && (r = cli_write_pid_file(o->pid_file, runtime_container_pid(c))) < 0)
                r = error_set_errno(&err, r, "failed to write pid file %s", o->pid_file);
        if (r >= 0)
                r = runtime_container_start(c, &err);
        if (r < 0) {
                cli_error("exec failed: %s", error_message(&err, r));
                runtime_container_kill(c, SIGKILL);
                (void)waitid(P_PIDFD, runtime_container_pidfd(c), &(siginfo_t){}, WEXITED);
                return EXEC_FAILED;
        }
        cli_debug("process %d started in container %s", (int)runtime_container_pid(c), o->id);
        if (o->detach)
                return 0;
        return cli_wait_process(c, sig_fd, console);
}

static int exec_process(const struct exec_options *o)
{
        _cleanup_(store_container_freep) struct store_container *rec = NULL;
        _cleanup_(runtime_spec_freep) struct runtime_spec *spec = NULL;
        _cleanup_(runtime_container_freep) struct runtime_container *c = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_close_ int init_fd = -1, sig_fd = -1;
        struct runtime_create_options opts = { .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2 };
        int r;

        r = load_container(o, &rec, &spec, &err);
        if (r >= 0)
                r = check_console(o, spec, &err);
        if (r < 0)
                goto fail;
        init_fd = store_open_init(rec);
        if (init_fd < 0) {
                r = error_set(&err, init_fd, "cannot exec in a stopped container");
                goto fail;
        }
        if (!o->detach && (sig_fd = cli_forward_signals_fd()) < 0) {
                r = error_set_errno(&err, sig_fd, "failed to set up signal forwarding");
                goto fail;
        }

        opts.id = rec->id;
        opts.bundle = rec->bundle;
        opts.no_new_keyring = rec->no_new_keyring;
        r = runtime_container_exec(spec, &opts, init_fd, rec->cgroup_path, &c, &err);
        if (r < 0)
                goto fail;
        return start_process(o, c, sig_fd);

fail:
        cli_error("exec failed: %s", error_message(&err, r));
        return EXEC_FAILED;
}

int cli_exec(int argc, char **argv)
{
        struct exec_options o = {};
        int r;

        r = parse_args(argc, argv, &o);
        if (r > 0) {
                /* Before anything touches the container: the processes
                 * this one starts there run from the sealed copy, and no
                 * process of the container may read this one's memory. */
                r = cli_ensure_sealed();
                if (r == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                        r = EXEC_FAILED;
                if (r == 0)
                        r = exec_process(&o);
        } else
                r = r < 0 ? EXEC_FAILED : 0;
        exec_options_done(&o);
        return r;
}
