/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <sys/wait.h>

#include "runtime/cli/cli.h"
#include "runtime/cli/lifecycle.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_container *, runtime_container_free)

static void run_usage(FILE *f)
{
        fprintf(f, "Usage: sockerless-runtime run [OPTIONS] ID\n\n"
                   "Creates the container ID from the bundle, runs it with this process's stdio\n"
                   "(or a pty when process.terminal is set), forwards signals to it, waits for it,\n"
                   "deletes it and exits with its exit code (128+N when signal N killed it).\n\n"
                   "  -b, --bundle DIR     bundle directory holding config.json (default: .)\n"
                   "      --pid-file FILE  write the container's pid to FILE\n"
                   "      --no-new-keyring keep the caller's session keyring instead of a new one\n");
}

/* Starts the created container and waits for it. */
static int start_and_wait(const struct cli_create_options *o, struct cli_new_container *n, struct runtime_container *c,
                          int sig_fd)
{
        _cleanup_(store_container_freep) struct store_container *rec = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_close_ int console = runtime_container_take_console(c);
        int r;

        if (o->pid_file && (r = cli_write_pid_file(o->pid_file, runtime_container_pid(c))) < 0)
                cli_error("failed to write pid file %s: %s", o->pid_file, strerror(-r));

        r = runtime_container_start(c, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                (void)waitid(P_PIDFD, runtime_container_pidfd(c), &(siginfo_t){}, WEXITED);
                return runtime_exec_error_exit_code(r);
        }
        r = cli_mark_started(n->id);
        if (r >= 0)
                r = store_load(n->id, &rec, &err);
        if (r < 0)
                cli_error("failed to record the state of container %s: %s", n->id, error_message(&err, r));
        else
                cli_run_poststart(n->spec, rec);
        return cli_wait_process(c, sig_fd, console);
}

static int run_container(const struct cli_create_options *o, struct cli_new_container *n, int sig_fd)
{
        _cleanup_(runtime_container_freep) struct runtime_container *c = NULL;
        _cleanup_(store_container_freep) struct store_container *rec = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        int r, status;

        r = cli_create_container(n, &c, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                store_remove(n->id);
                return runtime_exec_error_exit_code(r);
        }
        r = cli_record_container(n, c);
        if (r < 0)
                cli_error("failed to record the state of container %s: %s", n->id, strerror(-r));

        status = start_and_wait(o, n, c, sig_fd);

        /* The record may be missing when recording failed; deleting then
         * still removes the cgroup and the directory. */
        if (store_load(n->id, &rec, NULL) < 0) {
                runtime_container_destroy(c);
                store_remove(n->id);
                return status;
        }
        (void)cli_destroy_container(rec, n->spec);
        return status;
}

int cli_run(int argc, char **argv)
{
        _cleanup_close_ int sig_fd = -1;
        struct cli_new_container n = {};
        struct cli_create_options o;
        int r, status;

        r = cli_parse_create_options("run", argc, argv, false, run_usage, &o);
        if (r <= 0)
                return r < 0 ? 1 : 0;
        r = cli_ensure_sealed();
        if (r != 0)
                return r;

        /* Blocked before the container exists, so that no signal meant for
         * it is lost; the init unblocks them for itself before execve. */
        sig_fd = cli_forward_signals_fd();
        if (sig_fd < 0) {
                cli_error("failed to set up signal forwarding: %s", strerror(-sig_fd));
                return 1;
        }
        if (cli_prepare_container(o.id, o.bundle, &n) < 0)
                return 1;
        n.no_new_keyring = o.no_new_keyring;
        status = run_container(&o, &n, sig_fd);
        cli_new_container_done(&n);
        return status;
}
