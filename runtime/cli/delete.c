/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/pidfd.h>

#include "runtime/cgroup-procs.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/lifecycle.h"

/* How long delete waits for a killed init to exit, as runc does (10 s). */
#define KILL_WAIT_MS 10000

/* Kills the init and waits until it has exited. It is not our child, so
 * the pidfd turning readable is the sign. */
static int kill_init(const struct store_container *rec, struct error *err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        _cleanup_close_ int fd = store_open_init(rec);
        struct pollfd pfd = { .fd = fd, .events = POLLIN };

        if (fd == -ESRCH)
                return 0;
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open the init of container %s", rec->id);
        if (pidfd_send_signal(fd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
                return error_set_errno(err, negative_errno(), "failed to kill the init of container %s", rec->id);
        /* A process of a frozen cgroup dies only once thawed. */
        if (cgroup_open(rec->cgroup_path, false, &cg, NULL) >= 0 && cgroup_procs_frozen(cg))
                (void)cgroup_procs_freeze(cg, false, NULL);

        if (poll(&pfd, 1, KILL_WAIT_MS) <= 0)
                return error_set(err, -ETIMEDOUT, "container init still running");
        return 0;
}

static int delete_container(const char *id, bool force)
{
        _cleanup_(store_container_freep) struct store_container *rec = NULL;
        _cleanup_(runtime_spec_freep) struct runtime_spec *spec = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *status;
        int r;

        r = store_load(id, &rec, &err);
        if (r == -ENOENT) {
                /* A create that did not finish leaves a directory without
                 * a record: remove it, as runc does. */
                if (store_check_id(id, NULL) >= 0)
                        (void)store_remove(id);
                if (force)
                        return 0;
        }
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                return 1;
        }

        status = store_status(rec);
        if (!streq(status, "stopped") && !streq(status, "created") && !force) {
                cli_error("cannot delete container %s that is not stopped: %s", id, status);
                return 1;
        }
        r = kill_init(rec, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                return 1;
        }
        /* Without the configuration, delete still removes the container,
         * only without poststop hooks. */
        r = store_load_spec(rec, &spec, &err);
        if (r < 0)
                cli_warn("%s", error_message(&err, r));
        return cli_destroy_container(rec, spec) < 0 ? 1 : 0;
}

int cli_delete(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "force", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool force = false;
        int c;

        while ((c = getopt_long(argc, argv, "+fh", longopts, NULL)) >= 0)
                switch (c) {
                case 'f':
                        force = true;
                        break;
                case 'h':
                        printf("Usage: sockerless-runtime delete [--force] ID\n\nRemoves a stopped or created "
                               "container: its cgroup, its state, then runs the\npoststop hooks. --force kills a "
                               "running or paused one first.\n");
                        return 0;
                default:
                        return 1;
                }
        if (!cli_check_args("delete", argc - optind, 1, 1))
                return 1;
        return delete_container(argv[optind], force);
}
