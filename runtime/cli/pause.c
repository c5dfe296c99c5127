/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "runtime/cgroup-procs.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/store.h"

static int set_frozen(const char *verb, int argc, char **argv, bool frozen)
{
        _cleanup_(store_container_freep) struct store_container *rec = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *status;
        int r;

        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: sockerless-runtime %s ID\n\n%s every process of container ID (the v1 freezer "
                       "cgroup\ncontroller, or cgroup.freeze of cgroup v2).\n",
                       verb, frozen ? "Freezes" : "Thaws");
                return 0;
        }
        if (!cli_check_args(verb, argc - 1, 1, 1))
                return 1;
        r = store_load(argv[1], &rec, &err);
        if (r < 0)
                goto fail;

        /* runc's rules: a created container may be paused too. */
        status = store_status(rec);
        if (frozen && !streq(status, "running") && !streq(status, "created"))
                r = error_set(&err, -EINVAL, "container not running");
        else if (!frozen && !streq(status, "paused"))
                r = error_set(&err, -EINVAL, "container not paused");
        if (r < 0)
                goto fail;

        r = cgroup_open(rec->cgroup_path, false, &cg, &err);
        if (r >= 0)
                r = cgroup_procs_freeze(cg, frozen, &err);
        if (r < 0)
                goto fail;
        return 0;

fail:
        cli_error("%s", error_message(&err, r));
        return 1;
}

int cli_pause(int argc, char **argv)
{
        return set_frozen("pause", argc, argv, true);
}

int cli_resume(int argc, char **argv)
{
        return set_frozen("resume", argc, argv, false);
}
