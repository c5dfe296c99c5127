/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>

#include "fsutil.h"
#include "runtime/cgroup.h"
#include "runtime/devices.h"

static int write_int(int dir_fd, const char *name, int64_t value, struct error *err)
{
        char text[32];

        snprintf(text, sizeof(text), "%" PRId64, value);
        return cgroup_write(dir_fd, name, text, err);
}

/* A new cpuset cgroup starts with no CPUs and no memory nodes, and no
 * process can join it until both are set: copy them from the parent. */
static int init_dir(int parent_fd, int dir_fd, struct error *err)
{
        static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *value = NULL;
                int r;

                r = fs_read_file_at(parent_fd, files[i], 65536, &value, NULL);
                if (r == -ENOENT)
                        return 0;
                if (r < 0)
                        return error_set_errno(err, r, "failed to read %s", files[i]);
                r = cgroup_write(dir_fd, files[i], value, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static uint64_t read_uint(int dir_fd, const char *name)
{
        _cleanup_free_ char *text = NULL;

        if (fs_read_file_at(dir_fd, name, 64, &text, NULL) < 0)
                return 0;
        return strtoull(text, NULL, 10);
}

/* Writes memory.limit_in_bytes. The kernel refuses (EBUSY) a limit below
 * what it cannot reclaim, and the message then gives the usage, as runc's. */
static int write_memory_limit(int fd, int64_t limit, struct error *err)
{
        _cleanup_error_ struct error write_err = ERROR_INIT;
        char text[32];
        int r;

        snprintf(text, sizeof(text), "%" PRId64, limit);
        r = cgroup_write(fd, "memory.limit_in_bytes", text, &write_err);
        if (r == -EBUSY)
                return error_set(err, r,
                                 "unable to set memory limit to %" PRId64 " (current usage: %" PRIu64
                                 ", peak usage: %" PRIu64 ")",
                                 limit, read_uint(fd, "memory.usage_in_bytes"),
                                 read_uint(fd, "memory.max_usage_in_bytes"));
        if (r < 0)
                return error_set(err, r, "%s", error_message(&write_err, r));
        return 0;
}

/* -1 (no limit) as the largest value, to compare limits. */
static uint64_t limit_value(int64_t limit)
{
        return limit < 0 ? UINT64_MAX : (uint64_t)limit;
}

static int set_memory(int fd, const struct runtime_resources *res, struct error *err)
{
        bool has_swap = res->has_memory_swap, swap_first = false;
        int r = 0;

        /* Without swap accounting, unlimited swap is all there is. */
        if (has_swap && res->memory_swap < 0 && faccessat(fd, "memory.memsw.limit_in_bytes", F_OK, 0) < 0)
                has_swap = false;
        if (has_swap) {
                if (faccessat(fd, "memory.memsw.limit_in_bytes", F_OK, 0) < 0)
                        return error_set(err, -EOPNOTSUPP,
                                         "swap limits are not supported: the kernel does not account swap");
                /* The kernel keeps the memory limit at or below the memory+swap
                 * limit, so raising the memory limit above the current memory+swap
                 * limit must write the memory+swap limit first. */
                swap_first = res->has_memory_limit &&
                             limit_value(res->memory_limit) > read_uint(fd, "memory.memsw.limit_in_bytes");
        }
        if (swap_first)
                r = write_int(fd, "memory.memsw.limit_in_bytes", res->memory_swap, err);
        if (r >= 0 && res->has_memory_limit)
                r = write_memory_limit(fd, res->memory_limit, err);
        if (r >= 0 && has_swap && !swap_first)
                r = write_int(fd, "memory.memsw.limit_in_bytes", res->memory_swap, err);
        if (r >= 0 && res->has_memory_reservation)
                r = write_int(fd, "memory.soft_limit_in_bytes", res->memory_reservation, err);
        if (r >= 0 && res->disable_oom_killer)
                r = cgroup_write(fd, "memory.oom_control", "1", err);
        if (r >= 0 && res->has_memory_swappiness)
                r = write_int(fd, "memory.swappiness", (int64_t)res->memory_swappiness, err);
        return r;
}

/* The kernel checks the real-time runtime against the period, so the
 * period goes first unless the new one is below the current runtime. */
static int set_cpu_rt(int fd, const struct runtime_resources *res, struct error *err)
{
        bool runtime_first = res->cpu_rt_runtime != 0 && res->cpu_rt_period != 0 &&
                             res->cpu_rt_period < read_uint(fd, "cpu.rt_runtime_us");
        int r = 0;

        if (runtime_first)
                r = write_int(fd, "cpu.rt_runtime_us", res->cpu_rt_runtime, err);
        if (r >= 0 && res->cpu_rt_period)
                r = write_int(fd, "cpu.rt_period_us", (int64_t)res->cpu_rt_period, err);
        if (r >= 0 && res->cpu_rt_runtime && !runtime_first)
                r = write_int(fd, "cpu.rt_runtime_us", res->cpu_rt_runtime, err);
        return r;
}

static int set_cpu(int fd, const struct runtime_resources *res, struct error *err)
{
        int r = 0;

        if (res->cpu_shares)
                r = write_int(fd, "cpu.shares", res->cpu_shares, err);
        /* The period first, because the kernel checks the quota against it. */
        if (r >= 0 && res->cpu_period)
                r = write_int(fd, "cpu.cfs_period_us", res->cpu_period, err);
        if (r >= 0 && res->cpu_quota)
                r = write_int(fd, "cpu.cfs_quota_us", res->cpu_quota, err);
        if (r >= 0)
                r = set_cpu_rt(fd, res, err);
        return r;
}

static int set_pids(int fd, const struct runtime_resources *res, struct error *err)
{
        if (res->pids_limit <= 0)
                return cgroup_write(fd, "pids.max", "max", err);
        return write_int(fd, "pids.max", res->pids_limit, err);
}

static int write_rule(int fd, const struct runtime_device_rule *rule, struct error *err)
{
        char text[64], major[24] = "*", minor[24] = "*";

        if (rule->major >= 0)
                snprintf(major, sizeof(major), "%" PRId64, rule->major);
        if (rule->minor >= 0)
                snprintf(minor, sizeof(minor), "%" PRId64, rule->minor);
        if (rule->type == 'a')
                snprintf(text, sizeof(text), "a");
        else
                snprintf(text, sizeof(text), "%c %s:%s %s", rule->type, major, minor, rule->access);
        return cgroup_write(fd, rule->allow ? "devices.allow" : "devices.deny", text, err);
}

/* Denies everything, then applies the spec's rules in order and the
 * devices every container gets (as runc does). */
static int set_devices(int fd, const struct runtime_resources *res, struct error *err)
{
        int r;

        r = cgroup_write(fd, "devices.deny", "a", err);
        for (size_t i = 0; r >= 0 && i < res->n_devices; i++)
                r = write_rule(fd, &res->devices[i], err);
        for (size_t i = 0; r >= 0 && i < runtime_default_device_rules_count; i++)
                r = write_rule(fd, &runtime_default_device_rules[i], err);
        return r;
}

const struct cgroup_ops cgroup_v1_ops = {
        .init_dir = init_dir,
        .set_memory = set_memory,
        .set_cpu = set_cpu,
        .set_pids = set_pids,
        .set_devices = set_devices,
        .set_blkio = cgroup_v1_set_blkio,
        .oom_kill_file = "memory.oom_control",
};
