/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in for runtime/container.h and the parts of runtime/spec.h the
 * monitor uses, so that the monitor's code runs in tests without root or
 * namespaces: "create" forks a host program that waits on a pipe, "start"
 * lets it execvp, and a terminal spec gets a pty from openpty. Only
 * process.args, process.env and process.terminal of config.json are read.
 */
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "jsonutil.h"
#include "runtime/container.h"
#include "strv.h"

struct runtime_spec_fake {
        char **args;
        char **env;
        bool terminal;
};

struct runtime_container {
        pid_t pid;
        int pidfd;
        int console_fd;
        int start_fd; /* closing it (after a byte) lets the child exec */
        int exec_fd;  /* the child writes its execvp errno here */
        char *arg0;
};

/* The processes of execs, which runtime_container_destroy kills as the
 * real runtime kills everything in the container's cgroup. */
#define FAKE_EXECS_MAX 64
static pid_t exec_pids[FAKE_EXECS_MAX];

int runtime_spec_load(const char *bundle, struct runtime_spec **ret, struct error *err)
{
        _cleanup_json_ json_object *config = NULL;
        _cleanup_close_ int dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct runtime_spec_fake *spec;
        json_object *process;
        int r;

        if (dirfd < 0)
                return error_set_errno(err, -errno, "open %s", bundle);
        r = json_file_read(dirfd, "config.json", 1 << 20, &config);
        if (r < 0)
                return error_set_errno(err, r, "reading %s/config.json failed", bundle);

        process = json_field_object(config, "process");
        spec = calloc(1, sizeof(*spec));
        if (!spec)
                return -ENOMEM;
        if (json_array_to_strv(json_field_array(process, "args"), &spec->args) < 0 ||
            json_array_to_strv(json_field_array(process, "env"), &spec->env) < 0 || strv_length(spec->args) == 0) {
                strv_free(spec->args);
                strv_free(spec->env);
                free(spec);
                return error_set(err, -EINVAL, "args must not be empty");
        }
        spec->terminal = json_field_bool(process, "terminal", false);
        *ret = (struct runtime_spec *)spec;
        return 0;
}

void runtime_spec_free(struct runtime_spec *s)
{
        struct runtime_spec_fake *spec = (struct runtime_spec_fake *)s;

        if (!spec)
                return;
        strv_free(spec->args);
        strv_free(spec->env);
        free(spec);
}

bool runtime_spec_terminal(const struct runtime_spec *s)
{
        return ((const struct runtime_spec_fake *)s)->terminal;
}

static void child_setup_stdio(const struct runtime_create_options *opts, int slave)
{
        int fds[3] = { opts->stdin_fd, opts->stdout_fd, opts->stderr_fd };

        if (slave >= 0) {
                ioctl(slave, TIOCSCTTY, 0);
                for (int i = 0; i < 3; i++)
                        dup2(slave, i);
                return;
        }
        for (int i = 0; i < 3; i++) {
                int fd = fds[i] >= 0 ? fds[i] : open("/dev/null", O_RDWR);

                dup2(fd, i);
        }
}

static _noreturn_ void child_run(const struct runtime_spec_fake *spec, const struct runtime_create_options *opts,
                                 int slave, const int start[2], const int exec_status[2])
{
        int start_fd = start[0], exec_fd = exec_status[1];
        char byte;
        int e;

        /* Without the parent's ends, a monitor that dies before "start"
         * ends the wait. */
        close(start[1]);
        close(exec_status[0]);

        setsid();
        child_setup_stdio(opts, slave);
        if (read(start_fd, &byte, 1) != 1)
                _exit(127);
        if (spec->env)
                execvpe(spec->args[0], spec->args, spec->env);
        else
                execvp(spec->args[0], spec->args);
        e = errno;
        if (write(exec_fd, &e, sizeof(e)) < 0)
                _exit(127);
        _exit(127);
}

int runtime_container_create(const struct runtime_spec *s, const struct runtime_create_options *opts,
                             struct runtime_container **ret, struct error *err)
{
        const struct runtime_spec_fake *spec = (const struct runtime_spec_fake *)s;
        int start[2], exec_status[2], master = -1, slave = -1;
        struct runtime_container *c;
        pid_t pid;

        if (spec->terminal && openpty(&master, &slave, NULL, NULL, NULL) < 0)
                return error_set_errno(err, -errno, "openpty failed");
        if (pipe2(start, O_CLOEXEC) < 0 || pipe2(exec_status, O_CLOEXEC) < 0)
                return error_set_errno(err, -errno, "pipe failed");

        pid = fork();
        if (pid < 0)
                return error_set_errno(err, -errno, "fork failed");
        if (pid == 0)
                child_run(spec, opts, slave, start, exec_status);

        close(start[0]);
        close(exec_status[1]);
        if (slave >= 0)
                close(slave);
        if (master >= 0)
                fcntl(master, F_SETFD, FD_CLOEXEC);

        c = calloc(1, sizeof(*c));
        c->pid = pid;
        c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        c->console_fd = master;
        c->start_fd = start[1];
        c->exec_fd = exec_status[0];
        c->arg0 = strdup(spec->args[0]);
        *ret = c;
        return 0;
}

/* An exec is a host process too, in a session of its own. */
int runtime_container_exec_in(struct runtime_container *c, const struct runtime_spec *spec,
                              const struct runtime_create_options *opts, struct runtime_container **ret,
                              struct error *err)
{
        int r = runtime_container_create(spec, opts, ret, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < FAKE_EXECS_MAX; i++)
                if (exec_pids[i] <= 0) {
                        exec_pids[i] = (*ret)->pid;
                        break;
                }
        return 0;
}

/* Only the command, the environment and the terminal reach the fake. */
int runtime_spec_set_exec_process(struct runtime_spec *s, const struct runtime_exec_process *p, struct error *err)
{
        struct runtime_spec_fake *spec = (struct runtime_spec_fake *)s;
        char **args = NULL, **env = NULL;

        STRV_FOREACH (a, p->args)
                if (strv_append(&args, *a) < 0)
                        return -ENOMEM;
        STRV_FOREACH (e, p->env)
                if (strv_append(&env, *e) < 0) {
                        strv_free(args);
                        return -ENOMEM;
                }
        strv_free(spec->args);
        strv_free(spec->env);
        spec->args = args;
        spec->env = env;
        spec->terminal = p->terminal;
        return 0;
}

int runtime_container_start(struct runtime_container *c, struct error *err)
{
        int e = 0;
        ssize_t n;

        if (write(c->start_fd, "x", 1) != 1)
                return error_set_errno(err, -errno, "starting the fake container failed");
        close(c->start_fd);
        c->start_fd = -1;

        /* The pipe closes on a successful execvp. */
        n = read(c->exec_fd, &e, sizeof(e));
        if (n <= 0)
                return 0;
        if (e == ENOENT)
                return error_set(err, -ENOENT, "exec: \"%s\": executable file not found in $PATH", c->arg0);
        return error_set(err, -e, "exec: \"%s\": %s", c->arg0, strerror(e));
}

pid_t runtime_container_pid(const struct runtime_container *c)
{
        return c->pid;
}

int runtime_container_pidfd(const struct runtime_container *c)
{
        return c->pidfd;
}

int runtime_container_take_console(struct runtime_container *c)
{
        int fd = c->console_fd;

        c->console_fd = -1;
        return fd;
}

int runtime_container_kill(struct runtime_container *c, int sig)
{
        if (kill(c->pid, sig) < 0)
                return -errno;
        return 0;
}

bool runtime_container_oom_killed(const struct runtime_container *c)
{
        return false;
}

/* Reads only pids.limit, the one limit the tests send; the fake applies
 * nothing. */
int runtime_resources_parse(const char *text, size_t len, struct runtime_resources **ret, struct error *err)
{
        _cleanup_json_ json_object *obj = NULL;
        json_object *limit = NULL;
        struct runtime_resources *res;

        if (json_parse_buffer(text, len, &obj, err) < 0 || !json_object_is_type(obj, json_type_object))
                return error_set(err, -EINVAL, "invalid resources");
        json_object_object_get_ex(json_field_object(obj, "pids"), "limit", &limit);
        if (limit && !json_object_is_type(limit, json_type_int))
                return error_set(err, -EINVAL, "invalid config.json: linux.resources.pids.limit must be an integer");
        res = calloc(1, sizeof(*res));
        if (!res)
                return -ENOMEM;
        res->has_pids_limit = limit != NULL;
        res->pids_limit = limit ? json_object_get_int64(limit) : 0;
        *ret = res;
        return 0;
}

void runtime_resources_free(struct runtime_resources *res)
{
        free(res);
}

int runtime_container_update(struct runtime_container *c, const struct runtime_resources *res, struct error *err)
{
        return 0;
}

/* The fake container's processes share the init's process group, which
 * replaces the cgroup here. */
int runtime_container_destroy(struct runtime_container *c)
{
        for (size_t i = 0; i < FAKE_EXECS_MAX; i++)
                if (exec_pids[i] > 0) {
                        kill(-exec_pids[i], SIGKILL);
                        exec_pids[i] = 0;
                }
        if (kill(-c->pid, SIGKILL) < 0 && errno != ESRCH)
                return -errno;
        return 0;
}

void runtime_container_free(struct runtime_container *c)
{
        if (!c)
                return;
        if (c->pidfd >= 0)
                close(c->pidfd);
        if (c->console_fd >= 0)
                close(c->console_fd);
        if (c->start_fd >= 0)
                close(c->start_fd);
        close(c->exec_fd);
        free(c->arg0);
        free(c);
}

int runtime_exec_error_exit_code(int code)
{
        switch (code) {
        case -ENOENT:
                return 127;
        case -EACCES:
        case -ENOEXEC:
        case -EISDIR:
                return 126;
        default:
                return 128;
        }
}
