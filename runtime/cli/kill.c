/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/pidfd.h>

#include "runtime/cgroup-procs.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/store.h"

/* Parses a signal as runc does: a number, or a name with or without
 * "SIG" in any case ("KILL", "sigterm"). */
static int parse_signal(const char *s)
{
        const char *name = s;
        char *end;
        long n;

        n = strtol(s, &end, 10);
        if (end != s && *end == '\0')
                return n > 0 && n < NSIG ? (int)n : -EINVAL;
        if (strncasecmp(name, "SIG", 3) == 0)
                name += 3;
        for (int sig = 1; sig < NSIG; sig++) {
                const char *abbrev = sigabbrev_np(sig);

                if (abbrev && strcasecmp(abbrev, name) == 0)
                        return sig;
        }
        return -EINVAL;
}

/* Signals every process of the cgroup. The cgroup is frozen meanwhile, so
 * that no process forks a child that escapes the signal. */
static int signal_all(const struct store_container *rec, int sig, struct error *err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        bool frozen;
        size_t n = 0;
        int r;

        r = cgroup_open(rec->cgroup_path, false, &cg, err);
        if (r < 0)
                return r;
        frozen = cgroup_procs_frozen(cg);
        if (!frozen)
                (void)cgroup_procs_freeze(cg, true, NULL);
        r = cgroup_procs_list(cg, &pids, &n, err);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_close_ int fd = pidfd_open(pids[i], 0);

                if (fd >= 0)
                        (void)pidfd_send_signal(fd, sig, NULL, 0);
        }
        /* A killed process of a frozen cgroup dies only once thawed. */
        if (!frozen || sig == SIGKILL)
                (void)cgroup_procs_freeze(cg, false, NULL);
        return r;
}

static int signal_init(const struct store_container *rec, int sig, struct error *err)
{
        _cleanup_close_ int fd = store_open_init(rec);

        if (fd == -ESRCH)
                return error_set(err, -ESRCH, "container not running");
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open the init of container %s", rec->id);
        if (pidfd_send_signal(fd, sig, NULL, 0) < 0)
                return error_set_errno(err, negative_errno(), "failed to send the signal");
        return 0;
}

int cli_kill(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "all", no_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(store_container_freep) struct store_container *rec = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        bool all = false;
        int c, r, sig = SIGTERM;

        while ((c = getopt_long(argc, argv, "+ah", longopts, NULL)) >= 0)
                switch (c) {
                case 'a':
                        all = true;
                        break;
                case 'h':
                        printf("Usage: sockerless-runtime kill [--all] ID [SIGNAL]\n\nSends SIGNAL (default "
                               "SIGTERM; a name or a number) to the container's init,\nor with --all to every "
                               "process of the container.\n");
                        return 0;
                default:
                        return 1;
                }
        if (!cli_check_args("kill", argc - optind, 1, 2))
                return 1;
        if (argc - optind == 2 && (sig = parse_signal(argv[optind + 1])) < 0) {
                cli_error("unknown signal \"%s\"", argv[optind + 1]);
                return 1;
        }

        r = store_load(argv[optind], &rec, &err);
        if (r >= 0 && all)
                r = signal_all(rec, sig, &err);
        else if (r >= 0)
                r = signal_init(rec, sig, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                return 1;
        }
        return 0;
}
