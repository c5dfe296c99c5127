/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fsutil.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/holder.h"
#include "runtime/cli/lifecycle.h"
#include "unixsock.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_container *, runtime_container_free)

/* The holder's report to the create command once the container exists. */
struct create_result {
        int32_t code;
        int32_t pid;
        char message[4096];
};

static void create_usage(FILE *f)
{
        fprintf(f, "Usage: sockerless-runtime create [OPTIONS] ID\n\n"
                   "Creates the container ID from the bundle. Its process waits for `start`; a\n"
                   "small holder process keeps it meanwhile. Without a terminal, the container's\n"
                   "stdio is this command's.\n\n"
                   "  -b, --bundle DIR          bundle directory holding config.json (default: .)\n"
                   "      --pid-file FILE       write the container's pid to FILE\n"
                   "      --console-socket PATH send the pty master of a terminal container to the\n"
                   "                            unix socket PATH (SCM_RIGHTS), as runc does\n"
                   "      --no-new-keyring      keep the caller's session keyring instead of a new one\n");
}

static void send_result(int fd, int code, pid_t pid, const char *message)
{
        struct create_result res = { .code = code, .pid = pid };

        snprintf(res.message, sizeof(res.message), "%s", message ?: "");
        (void)fs_write_all(fd, &res, sizeof(res));
}

/* Serves the one start request. Returns 1 once the container started, 0
 * when the init exited before a start request, or a negative errno. */
static int serve_start(struct runtime_container *c, struct cli_new_container *n, int listen_fd)
{
        struct pollfd fds[2] = {
                { .fd = runtime_container_pidfd(c), .events = POLLIN },
                { .fd = listen_fd, .events = POLLIN },
        };
        _cleanup_error_ struct error err = ERROR_INIT;
        struct holder_reply reply = {};
        _cleanup_close_ int conn = -1;
        char request[16];
        ssize_t n_read;
        int r;

        for (;;) {
                if (poll(fds, 2, -1) < 0 && errno != EINTR)
                        return negative_errno();
                if (fds[0].revents)
                        return 0;
                if (!fds[1].revents)
                        continue;
                conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (conn < 0)
                        continue;
                n_read = recv(conn, request, sizeof(request), 0);
                if (n_read == (ssize_t)strlen(HOLDER_START) && memcmp(request, HOLDER_START, n_read) == 0)
                        break;
                conn = (close(conn), -1);
        }

        r = runtime_container_start(c, &err);
        if (r >= 0)
                r = cli_mark_started(n->id);
        reply.code = r < 0 ? r : 0;
        if (r < 0)
                snprintf(reply.message, sizeof(reply.message), "%s", error_message(&err, r));
        (void)send(conn, &reply, offsetof(struct holder_reply, message) + strlen(reply.message), MSG_NOSIGNAL);
        return r < 0 ? r : 1;
}

/* Points this process's own stdio at /dev/null: the container has its
 * copies, and the caller of create must not wait on the holder's. */
static void detach_stdio(void)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (null < 0)
                return;
        for (int i = 0; i < 3; i++)
                (void)dup2(null, i);
        close(null);
}

static int set_up_container(const struct cli_create_options *o, struct cli_new_container *n,
                            struct runtime_container *c, struct error *err)
{
        _cleanup_close_ int console = runtime_container_take_console(c);
        int r;

        r = cli_record_container(n, c);
        if (r < 0)
                return error_set_errno(err, r, "failed to record the state of container %s", n->id);
        if (console >= 0) {
                r = cli_send_console(o->console_socket, console);
                if (r < 0)
                        return error_set_errno(err, r, "failed to send the pty to the console socket %s",
                                               o->console_socket);
        }
        return 0;
}

/* The holder: creates the container, reports to the create command on
 * result_fd, then waits for start. Returns its exit status. */
static int holder_main(const struct cli_create_options *o, struct cli_new_container *n, int result_fd)
{
        _cleanup_(runtime_container_freep) struct runtime_container *c = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *sock_path = store_path(n->id, HOLDER_SOCKET);
        _cleanup_close_ int listen_fd = -1;
        int r;

        /* Out of the caller's session, so that its terminal's signals do
         * not reach the container waiting for start. */
        (void)setsid();
        r = cli_create_container(n, &c, &err);
        if (r < 0) {
                send_result(result_fd, r, 0, error_message(&err, r));
                return 1;
        }
        r = set_up_container(o, n, c, &err);
        if (r >= 0) {
                listen_fd = unixsock_listen(sock_path, SOCK_SEQPACKET, 0600, (gid_t)-1, 1);
                if (listen_fd < 0)
                        r = error_set_errno(&err, listen_fd, "failed to listen on %s", sock_path);
        }
        if (r < 0) {
                runtime_container_kill(c, SIGKILL);
                (void)waitid(P_PIDFD, runtime_container_pidfd(c), &(siginfo_t){}, WEXITED);
                runtime_container_destroy(c);
                send_result(result_fd, r, 0, error_message(&err, r));
                return 1;
        }

        cli_debug("container %s created, init pid %d, holder pid %d", n->id, (int)runtime_container_pid(c),
                  (int)getpid());
        send_result(result_fd, 0, runtime_container_pid(c), NULL);
        close(result_fd);
        detach_stdio();

        r = serve_start(c, n, listen_fd);
        unlink(sock_path);
        /* Without a successful start, the init has exited or is about to:
         * reap it here, where it is a child. */
        if (r <= 0)
                (void)waitid(P_PIDFD, runtime_container_pidfd(c), &(siginfo_t){}, WEXITED);
        return r < 0 ? 1 : 0;
}

/* Forks the holder and waits for its report. */
static int create_container(const struct cli_create_options *o, struct cli_new_container *n)
{
        struct create_result res = {};
        int fds[2];
        pid_t pid;
        ssize_t got;

        if (pipe2(fds, O_CLOEXEC) < 0) {
                cli_error("failed to create a pipe: %m");
                return -errno;
        }
        pid = fork();
        if (pid < 0) {
                cli_error("failed to fork the holder process: %m");
                return -errno;
        }
        if (pid == 0) {
                close(fds[0]);
                _exit(holder_main(o, n, fds[1]));
        }

        close(fds[1]);
        got = fs_read_all(fds[0], &res, sizeof(res));
        close(fds[0]);
        if (got != (ssize_t)sizeof(res)) {
                cli_error("the holder process of container %s exited before the container was created", o->id);
                return -EIO;
        }
        if (res.code < 0) {
                (void)waitpid(pid, NULL, 0);
                cli_error("%s", res.message);
                return res.code;
        }
        if (o->pid_file) {
                int r = cli_write_pid_file(o->pid_file, res.pid);

                if (r < 0) {
                        cli_error("failed to write pid file %s: %s", o->pid_file, strerror(-r));
                        return r;
                }
        }
        return 0;
}

/* Checks the console socket against the terminal setting, as runc does. */
static bool check_console(const struct cli_create_options *o, const struct runtime_spec *spec)
{
        if (spec->process.terminal && !o->console_socket) {
                cli_error("cannot allocate tty if the runtime will detach without setting console socket");
                return false;
        }
        if (!spec->process.terminal && o->console_socket) {
                cli_error("cannot use console socket if the runtime will not detach or allocate tty");
                return false;
        }
        return true;
}

int cli_create(int argc, char **argv)
{
        struct cli_new_container n = {};
        struct cli_create_options o;
        int r;

        r = cli_parse_create_options("create", argc, argv, true, create_usage, &o);
        if (r <= 0)
                return r < 0 ? 1 : 0;
        r = cli_ensure_sealed();
        if (r != 0)
                return r;
        if (cli_prepare_container(o.id, o.bundle, &n) < 0)
                return CLI_EXIT_FAILURE;
        n.no_new_keyring = o.no_new_keyring;

        r = check_console(&o, n.spec) ? create_container(&o, &n) : -EINVAL;
        if (r < 0)
                store_remove(o.id);
        cli_new_container_done(&n);
        return r < 0 ? CLI_EXIT_FAILURE : 0;
}
