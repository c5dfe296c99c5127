/* SPDX-License-Identifier: Apache-2.0 */
/* docker top: the host's ps on the container's processes. */
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>

#include "engine-internal.h"
#include "pool/backend.h"
#include "strv.h"
#include "top.h"

/* More output than any process table needs: a larger one is cut. */
#define PS_OUTPUT_MAX (16u << 20)

extern char **environ;

struct captured {
        char *data;
        size_t len;
};

/* Appends the bytes fd has ready to out. Returns 0 at end of file and 1
 * while fd stays open. */
static int read_some(int fd, struct captured *out)
{
        char buf[16384];
        ssize_t n = read(fd, buf, sizeof(buf));
        char *grown;

        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 1 : negative_errno();
        if (n == 0)
                return 0;
        if (out->len + (size_t)n > PS_OUTPUT_MAX)
                return 1;
        grown = realloc(out->data, out->len + (size_t)n + 1);
        if (!grown)
                return -ENOMEM;
        memcpy(grown + out->len, buf, (size_t)n);
        out->data = grown;
        out->len += (size_t)n;
        out->data[out->len] = '\0';
        return 1;
}

/* Reads both pipes to their end, so that neither fills while ps writes
 * the other. */
static int drain(int out_fd, int err_fd, struct captured *out, struct captured *err_out)
{
        struct pollfd fds[2] = { { .fd = out_fd, .events = POLLIN }, { .fd = err_fd, .events = POLLIN } };
        struct captured *targets[2] = { out, err_out };
        int open_fds = 2;

        while (open_fds > 0) {
                if (poll(fds, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                for (int i = 0; i < 2; i++) {
                        int r;

                        if (fds[i].fd < 0 || !fds[i].revents)
                                continue;
                        r = read_some(fds[i].fd, targets[i]);
                        if (r < 0)
                                return r;
                        if (r == 0) {
                                fds[i].fd = -1;
                                open_fds--;
                        }
                }
        }
        return 0;
}

/* Runs argv (found in PATH) and returns its stdout, the first line of its
 * stderr and its wait status. */
static int run_ps(char **argv, struct captured *ret_out, char **ret_error_line, int *ret_status)
{
        _cleanup_close_ int out_read = -1, err_read = -1;
        struct captured out = { 0 }, err_out = { 0 };
        posix_spawn_file_actions_t actions;
        int out_pipe[2], err_pipe[2];
        pid_t pid;
        int r, status = 0;

        if (pipe2(out_pipe, O_CLOEXEC) < 0)
                return negative_errno();
        if (pipe2(err_pipe, O_CLOEXEC) < 0) {
                r = negative_errno();
                close(out_pipe[0]);
                close(out_pipe[1]);
                return r;
        }
        out_read = out_pipe[0];
        err_read = err_pipe[0];
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
        r = -posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        close(out_pipe[1]);
        close(err_pipe[1]);
        if (r < 0)
                return r;

        r = drain(out_read, err_read, &out, &err_out);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0) {
                free(out.data);
                free(err_out.data);
                return r;
        }
        *ret_out = out;
        *ret_error_line = err_out.data ? strndup(err_out.data, strcspn(err_out.data, "\n")) : NULL;
        free(err_out.data);
        *ret_status = status;
        return 0;
}

static char *pid_list_argument(const pid_t *pids, size_t n)
{
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);

        if (!out)
                return NULL;
        fputs("-q", out);
        for (size_t i = 0; i < n; i++)
                fprintf(out, "%s%d", i > 0 ? "," : "", (int)pids[i]);
        if (fclose(out) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

/* Builds "ps ARGS [-qPID,...]". */
static char **ps_command(const char *ps_args, const char *pid_argument)
{
        _cleanup_strv_free_ char **argv = NULL, **args = top_split_ps_args(ps_args);

        if (!args || strv_append(&argv, "ps") < 0)
                return NULL;
        STRV_FOREACH (arg, args)
                if (strv_append(&argv, *arg) < 0)
                        return NULL;
        if (pid_argument && strv_append(&argv, pid_argument) < 0)
                return NULL;
        return TAKE_PTR(argv);
}

/* Runs ps with the container's pids, and without them when that fails:
 * some options (f) do not combine with -q. Fails with dockerd's "ps: "
 * texts. */
static int ps_output(const char *ps_args, const pid_t *pids, size_t n, struct captured *ret, struct error *err)
{
        _cleanup_free_ char *pid_argument = pid_list_argument(pids, n);
        _cleanup_free_ char *error_line = NULL;
        int status = 0, r;

        if (!pid_argument)
                return -ENOMEM;
        for (int attempt = 0; attempt < 2; attempt++) {
                _cleanup_strv_free_ char **argv = ps_command(ps_args, attempt == 0 ? pid_argument : NULL);

                if (!argv)
                        return -ENOMEM;
                free(error_line);
                error_line = NULL;
                *ret = (struct captured){ 0 };
                r = run_ps(argv, ret, &error_line, &status);
                if (r == -ENOENT)
                        return error_set(err, -EIO, "ps: exec: \"ps\": executable file not found in $PATH");
                if (r < 0)
                        return error_set_errno(err, -EIO, "ps: running ps failed");
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                        return 0;
                free(ret->data);
        }
        if (!isempty(error_line))
                return error_set(err, -EIO, "ps: %s", error_line);
        if (WIFSIGNALED(status))
                return error_set(err, -EIO, "ps: signal: %s", strsignal(WTERMSIG(status)));
        return error_set(err, -EIO, "ps: exit status %d", WEXITSTATUS(status));
}

static int check_running(struct container *c, struct error *err)
{
        int r = 0;

        pthread_mutex_lock(&c->lock);
        if (c->state.status == CONTAINER_RESTARTING)
                r = error_set(err, -EBUSY, "Container %s is restarting, wait until the container is running", c->id);
        else if (!container_is_running(c))
                r = error_set(err, -EBUSY, "Container %s is not running", c->id);
        pthread_mutex_unlock(&c->lock);
        return r;
}

int engine_container_top(struct engine *e, struct container *c, const char *ps_args, json_object **ret,
                         struct error *err)
{
        _cleanup_free_ pid_t *pids = NULL;
        struct captured output = { 0 };
        size_t n = 0;
        int r;

        if (isempty(ps_args))
                ps_args = "-ef";
        r = top_check_ps_args(ps_args, err);
        if (r >= 0)
                r = check_running(c, err);
        if (r < 0)
                return r;
        if (!c->backend->ops->list_pids)
                return error_set(err, -EOPNOTSUPP, "docker top is not supported by the %s backend",
                                 c->backend->ops->name);
        r = c->backend->ops->list_pids(c->backend, c, &pids, &n, err);
        if (r == -ESRCH)
                return error_set(err, -EBUSY, "Container %s is not running", c->id);
        if (r < 0)
                return r;

        r = ps_output(ps_args, pids, n, &output, err);
        if (r < 0)
                return r;
        r = top_parse_ps_output(output.data ?: "", pids, n, ret, err);
        free(output.data);
        if (r < 0)
                return r;
        engine_event_container(e, c, "top", NULL);
        return 0;
}
