/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>

#include "fsutil.h"
#include "runtime/cgroup.h"
#include "strv.h"

/* Controllers a container may use; the others stay off. */
static const char *const wanted_controllers[] = { "cpu", "cpuset", "memory", "pids", "io" };

static int write_limit(int dir_fd, const char *name, int64_t value, struct error *err)
{
        char text[32];

        if (value < 0)
                return cgroup_write(dir_fd, name, "max", err);
        snprintf(text, sizeof(text), "%" PRId64, value);
        return cgroup_write(dir_fd, name, text, err);
}

/* Enables in the parent the controllers it has, so that the new cgroup
 * gets their files. */
static int init_dir(int parent_fd, int dir_fd, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **available = NULL;
        int r;

        r = fs_read_file_at(parent_fd, "cgroup.controllers", 4096, &text, NULL);
        if (r < 0)
                return error_set_errno(err, r, "failed to read cgroup.controllers");
        available = strv_split(text, " \n", false);
        if (!available)
                return -ENOMEM;

        for (size_t i = 0; i < ARRAY_SIZE(wanted_controllers); i++) {
                char value[32];

                if (!strv_contains(available, wanted_controllers[i]))
                        continue;
                snprintf(value, sizeof(value), "+%s", wanted_controllers[i]);
                r = cgroup_write(parent_fd, "cgroup.subtree_control", value, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int set_memory(int fd, const struct runtime_resources *res, struct error *err)
{
        int r = 0;

        if (res->disable_oom_killer)
                return error_set(err, -EOPNOTSUPP, "disabling the OOM killer is not supported with cgroup v2");
        if (res->has_memory_swappiness)
                return error_set(err, -EOPNOTSUPP, "memory swappiness is not supported with cgroup v2");
        if (res->has_memory_limit)
                r = write_limit(fd, "memory.max", res->memory_limit, err);
        /* OCI's swap is memory plus swap; cgroup v2 limits swap alone. */
        if (r >= 0 && res->has_memory_swap) {
                int64_t swap = res->memory_swap;

                if (swap > 0 && res->has_memory_limit && res->memory_limit > 0) {
                        if (swap < res->memory_limit)
                                return error_set(err, -EINVAL, "the memory+swap limit is below the memory limit");
                        swap -= res->memory_limit;
                }
                r = write_limit(fd, "memory.swap.max", swap, err);
        }
        if (r >= 0 && res->has_memory_reservation)
                r = write_limit(fd, "memory.low", res->memory_reservation, err);
        return r;
}

static int set_cpu(int fd, const struct runtime_resources *res, struct error *err)
{
        char text[64];
        int r = 0;

        if (res->cpu_rt_runtime != 0 || res->cpu_rt_period != 0)
                return error_set(err, -EOPNOTSUPP,
                                 "real-time CPU limits are not supported with cgroup v2, which has no real-time "
                                 "group scheduling");

        /* The conversion runc and crun use, mapping shares 2..262144 onto
         * weights 1..10000. */
        if (res->cpu_shares) {
                uint64_t shares = MIN(MAX(res->cpu_shares, 2), 262144);

                snprintf(text, sizeof(text), "%" PRIu64, 1 + ((shares - 2) * 9999) / 262142);
                r = cgroup_write(fd, "cpu.weight", text, err);
        }
        if (r >= 0 && (res->cpu_quota || res->cpu_period)) {
                uint64_t period = res->cpu_period ?: 100000;

                if (res->cpu_quota > 0)
                        snprintf(text, sizeof(text), "%" PRId64 " %" PRIu64, res->cpu_quota, period);
                else
                        snprintf(text, sizeof(text), "max %" PRIu64, period);
                r = cgroup_write(fd, "cpu.max", text, err);
        }
        return r;
}

static int set_pids(int fd, const struct runtime_resources *res, struct error *err)
{
        return write_limit(fd, "pids.max", res->pids_limit <= 0 ? -1 : res->pids_limit, err);
}

const struct cgroup_ops cgroup_v2_ops = {
        .init_dir = init_dir,
        .set_memory = set_memory,
        .set_cpu = set_cpu,
        .set_pids = set_pids,
        .set_devices = cgroup_bpf_devices_attach,
        .set_blkio = cgroup_v2_set_blkio,
        .oom_kill_file = "memory.events",
};
