/* SPDX-License-Identifier: Apache-2.0 */
#include "resources.h"

#include <ctype.h>
#include <stdio.h>

#include "jsonutil.h"
#include "macro.h"
#include "runtime/cgroup.h"

/* The host's cgroup support, read on first use because most requests set
 * none of the options that need it. */
struct host {
        bool detected;
        int error;
        struct cgroup_support support;
};

static const struct cgroup_support *host_support(struct host *h)
{
        if (!h->detected) {
                h->error = cgroup_support_detect(&h->support);
                h->detected = true;
        }
        return h->error < 0 ? NULL : &h->support;
}

static void host_done(struct host *h)
{
        if (h->detected && h->error >= 0)
                cgroup_support_done(&h->support);
}

static json_object *member(json_object *obj, const char *key)
{
        json_object *v = NULL;

        return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

static void warn(json_object *warnings, const char *text)
{
        if (warnings)
                json_object_array_add(warnings, json_object_new_string(text));
}

/* The block I/O device lists, with the value each entry carries and the
 * warning dockerd gives when the host cannot enforce the list. */
static const struct {
        const char *key;
        const char *value_key;
        const char *warning;
} blkio_lists[] = {
        { "BlkioWeightDevice", "Weight",
          "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device "
          "discarded." },
        { "BlkioDeviceReadBps", "Rate",
          "Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read "
          "limit discarded." },
        { "BlkioDeviceWriteBps", "Rate",
          "Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write "
          "limit discarded." },
        { "BlkioDeviceReadIOps", "Rate",
          "Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read "
          "limit discarded." },
        { "BlkioDeviceWriteIOps", "Rate",
          "Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write "
          "limit discarded." },
};

static int check_types(json_object *hc, const char *context, struct error *err)
{
        static const char *const ints[] = { "BlkioWeight", "CpuRealtimePeriod", "CpuRealtimeRuntime", "KernelMemory",
                                            "MemorySwappiness" };
        static const char *const strings[] = { "CpusetCpus", "CpusetMems" };
        int r = json_field_check(hc, "OomKillDisable", json_type_boolean, context, err);

        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(ints); i++)
                r = json_field_check(hc, ints[i], json_type_int, context, err);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(strings); i++)
                r = json_field_check(hc, strings[i], json_type_string, context, err);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(blkio_lists); i++)
                r = json_field_check(hc, blkio_lists[i].key, json_type_array, context, err);
        return r;
}

/* Each entry is {"Path": "/dev/sda", "Weight" or "Rate": N}. */
static int check_blkio_entries(json_object *hc, struct error *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(blkio_lists); i++) {
                json_object *list = json_field_array(hc, blkio_lists[i].key);

                for (size_t j = 0; list && j < json_object_array_length(list); j++) {
                        json_object *entry = json_object_array_get_idx(list, j);
                        json_object *path = member(entry, "Path"), *value = member(entry, blkio_lists[i].value_key);

                        if (!json_object_is_type(entry, json_type_object) ||
                            !json_object_is_type(path, json_type_string) ||
                            !json_object_is_type(value, json_type_int) || json_object_get_int64(value) < 0)
                                return error_set(err, -EINVAL,
                                                 "invalid %s entry: it needs a device Path and a %s of 0 or more",
                                                 blkio_lists[i].key, blkio_lists[i].value_key);
                }
        }
        return 0;
}

static int check_blkio(json_object *hc, struct host *host, json_object *warnings, struct error *err)
{
        int64_t weight = json_field_int(hc, "BlkioWeight", 0);
        const struct cgroup_support *s;
        int r;

        r = check_blkio_entries(hc, err);
        if (r < 0)
                return r;
        if (weight > 0 && (s = host_support(host)) && !s->blkio_weight) {
                warn(warnings, "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight "
                               "discarded.");
                json_object_object_add(hc, "BlkioWeight", json_object_new_int(0));
                weight = 0;
        }
        if (weight > 0 && (weight < 10 || weight > 1000))
                return error_set(err, -EINVAL, "Range of blkio weight is from 10 to 1000");

        for (size_t i = 0; i < ARRAY_SIZE(blkio_lists); i++) {
                json_object *list = json_field_array(hc, blkio_lists[i].key);
                bool supported;

                if (!list || json_object_array_length(list) == 0 || !(s = host_support(host)))
                        continue;
                supported = i == 0 ? s->blkio_weight_device : s->blkio_throttle;
                if (supported)
                        continue;
                warn(warnings, blkio_lists[i].warning);
                json_object_object_add(hc, blkio_lists[i].key, json_object_new_array());
        }
        return 0;
}

/* A MemorySwappiness of -1 means unset, as null does. */
static int check_swappiness(json_object *hc, struct host *host, json_object *warnings, struct error *err)
{
        json_object *value = member(hc, "MemorySwappiness");
        const struct cgroup_support *s;
        int64_t swappiness;

        if (!value || !json_object_is_type(value, json_type_int))
                return 0;
        swappiness = json_object_get_int64(value);
        if (swappiness == -1) {
                json_object_object_add(hc, "MemorySwappiness", NULL);
                return 0;
        }
        if ((s = host_support(host)) && !s->memory_swappiness) {
                warn(warnings, "Your kernel does not support memory swappiness capabilities or the cgroup is not "
                               "mounted. Memory swappiness discarded.");
                json_object_object_add(hc, "MemorySwappiness", NULL);
                return 0;
        }
        if (swappiness < 0 || swappiness > 100)
                return error_set(err, -EINVAL, "Invalid value: %lld, valid memory swappiness range is 0-100",
                                 (long long)swappiness);
        return 0;
}

static void check_memory_support(json_object *hc, struct host *host, json_object *warnings)
{
        int64_t memory = json_field_int(hc, "Memory", 0), swap = json_field_int(hc, "MemorySwap", 0);
        const struct cgroup_support *s;

        if (memory > 0 && swap != -1 && (s = host_support(host)) && !s->swap) {
                warn(warnings, "Your kernel does not support swap limit capabilities or the cgroup is not mounted. "
                               "Memory limited without swap.");
                json_object_object_add(hc, "MemorySwap", json_object_new_int64(-1));
        }
        if (json_field_int(hc, "KernelMemory", 0) > 0 && (s = host_support(host)) && !s->kernel_memory) {
                warn(warnings, "Your kernel does not support kernel memory limit capabilities or the cgroup is not "
                               "mounted. Limitation discarded.");
                json_object_object_add(hc, "KernelMemory", json_object_new_int64(0));
        }
        if (json_field_bool(hc, "OomKillDisable", false)) {
                if ((s = host_support(host)) && !s->oom_kill_disable) {
                        warn(warnings, "Your kernel does not support OomKillDisable. OomKillDisable discarded.");
                        json_object_object_add(hc, "OomKillDisable", json_object_new_boolean(false));
                } else if (memory == 0) {
                        warn(warnings, "OOM killer is disabled for the container, but no memory limit is set, this "
                                       "can result in the system running out of resources.");
                }
        }
}

/* The messages are dockerd's. They blame the kernel, though cgroup v2
 * lacks real-time group scheduling on any kernel. */
static int check_realtime(json_object *hc, struct host *host, struct error *err)
{
        int64_t period = json_field_int(hc, "CpuRealtimePeriod", 0);
        int64_t runtime = json_field_int(hc, "CpuRealtimeRuntime", 0);
        const struct cgroup_support *s;

        if (period > 0 && (s = host_support(host)) && !s->cpu_realtime)
                return error_set(err, -EINVAL, "Your kernel does not support cgroup cpu real-time period");
        if (runtime > 0 && (s = host_support(host)) && !s->cpu_realtime)
                return error_set(err, -EINVAL, "Your kernel does not support cgroup cpu real-time runtime");
        if (period != 0 && runtime != 0 && runtime > period)
                return error_set(err, -EINVAL, "cpu real-time runtime cannot be higher than cpu real-time period");
        return 0;
}

struct range {
        unsigned long lo, hi;
};

/* Parses a list such as "0-3,5" into *ret (up to max ranges), as Docker's
 * ParseUintList reads it. Returns the number of ranges or -EINVAL. */
static int parse_list(const char *text, struct range *ret, size_t max)
{
        size_t n = 0;

        for (const char *p = text;; p++) {
                char *end;

                if (n == max || !isdigit((unsigned char)*p))
                        return -EINVAL;
                ret[n].lo = ret[n].hi = strtoul(p, &end, 10);
                if (*end == '-') {
                        if (!isdigit((unsigned char)end[1]))
                                return -EINVAL;
                        ret[n].hi = strtoul(end + 1, &end, 10);
                        if (ret[n].hi < ret[n].lo)
                                return -EINVAL;
                }
                n++;
                if (*end == '\0')
                        return (int)n;
                if (*end != ',')
                        return -EINVAL;
                p = end;
        }
}

/* Tells whether every number of requested lies in one of available's ranges. */
static bool list_covered(const struct range *requested, int n_requested, const struct range *available, int n_available)
{
        for (int i = 0; i < n_requested; i++)
                for (unsigned long x = requested[i].lo; x <= requested[i].hi;) {
                        int j;

                        for (j = 0; j < n_available; j++)
                                if (available[j].lo <= x && x <= available[j].hi)
                                        break;
                        if (j == n_available)
                                return false;
                        if (available[j].hi >= requested[i].hi)
                                break;
                        x = available[j].hi + 1;
                }
        return true;
}

#define MAX_RANGES 1024

static int check_cpuset_list(const char *requested, const char *available, const char *what, const char *unavailable,
                             struct error *err)
{
        _cleanup_free_ struct range *want = calloc(MAX_RANGES, sizeof(*want));
        _cleanup_free_ struct range *have = calloc(MAX_RANGES, sizeof(*have));
        int n_want, n_have;

        if (!want || !have)
                return -ENOMEM;
        n_want = parse_list(requested, want, MAX_RANGES);
        if (n_want < 0)
                return error_set(err, -EINVAL, "Invalid value %s for cpuset %s: invalid format: %s", requested, what,
                                 requested);
        n_have = parse_list(available, have, MAX_RANGES);
        if (n_have < 0 || !list_covered(want, n_want, have, n_have))
                return error_set(err, -EINVAL, "Requested %s are not available - requested %s, available: %s",
                                 unavailable, requested, available);
        return 0;
}

static int check_cpuset(json_object *hc, struct host *host, struct error *err)
{
        const char *cpus = json_field_string(hc, "CpusetCpus", ""), *mems = json_field_string(hc, "CpusetMems", "");
        const struct cgroup_support *s;
        int r = 0;

        if ((!*cpus && !*mems) || !(s = host_support(host)))
                return 0;
        if (*cpus)
                r = check_cpuset_list(cpus, s->cpus, "cpus", "CPUs", err);
        if (r >= 0 && *mems)
                r = check_cpuset_list(mems, s->mems, "mems", "memory nodes", err);
        return r;
}

int resources_check(json_object *hc, const char *context, json_object *warnings, struct error *err)
{
        struct host host = {};
        int r;

        if (!hc)
                return 0;
        r = check_types(hc, context, err);
        if (r >= 0)
                r = check_swappiness(hc, &host, warnings, err);
        if (r >= 0) {
                check_memory_support(hc, &host, warnings);
                r = check_realtime(hc, &host, err);
        }
        if (r >= 0)
                r = check_cpuset(hc, &host, err);
        if (r >= 0)
                r = check_blkio(hc, &host, warnings, err);
        host_done(&host);
        return r;
}

void resources_create_defaults(json_object *hc)
{
        int64_t memory = json_field_int(hc, "Memory", 0);
        json_object *pids = member(hc, "PidsLimit");

        if (memory > 0 && json_field_int(hc, "MemorySwap", 0) == 0)
                json_object_object_add(hc, "MemorySwap", json_object_new_int64(2 * memory));
        if (!member(hc, "MemorySwappiness"))
                json_object_object_add(hc, "MemorySwappiness", NULL);
        if (!pids || json_object_get_int64(pids) <= 0)
                json_object_object_add(hc, "PidsLimit", NULL);
}

static int conflict(const char *message, struct error *err)
{
        return error_set(err, -EBUSY, "Conflicting options: %s", message);
}

/* Rejects the combinations dockerd rejects: NanoCpus next to a period or
 * quota, which NanoCpus sets itself, and a memory limit above the swap
 * limit. */
static int check_update_conflicts(json_object *hc, json_object *update, struct error *err)
{
        int64_t nano = json_field_int(update, "NanoCpus", 0), memory = json_field_int(update, "Memory", 0);

        if (nano > 0 && json_field_int(hc, "CpuPeriod", 0) > 0)
                return conflict("Nano CPUs cannot be updated as CPU Period has already been set", err);
        if (nano > 0 && json_field_int(hc, "CpuQuota", 0) > 0)
                return conflict("Nano CPUs cannot be updated as CPU Quota has already been set", err);
        if (json_field_int(update, "CpuPeriod", 0) > 0 && json_field_int(hc, "NanoCpus", 0) > 0)
                return conflict("CPU Period cannot be updated as NanoCPUs has already been set", err);
        if (json_field_int(update, "CpuQuota", 0) > 0 && json_field_int(hc, "NanoCpus", 0) > 0)
                return conflict("CPU Quota cannot be updated as NanoCPUs has already been set", err);
        if (memory != 0 && memory > json_field_int(hc, "MemorySwap", 0) && json_field_int(update, "MemorySwap", 0) == 0)
                return error_set(err, -EBUSY,
                                 "Memory limit should be smaller than already set memoryswap limit, update the "
                                 "memoryswap at the same time");
        return 0;
}

int resources_merge_update(json_object *hc, json_object *update, struct error *err)
{
        static const char *const ints[] = {
                "BlkioWeight", "CpuShares",    "NanoCpus",          "CpuPeriod",         "CpuQuota",           "Memory",
                "MemorySwap",  "KernelMemory", "MemoryReservation", "CpuRealtimePeriod", "CpuRealtimeRuntime",
        };
        static const char *const strings[] = { "CpusetCpus", "CpusetMems" };
        json_object *pids = member(update, "PidsLimit");
        int r;

        r = check_update_conflicts(hc, update, err);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ARRAY_SIZE(ints); i++) {
                int64_t value = json_field_int(update, ints[i], 0);

                if (value != 0)
                        json_object_object_add(hc, ints[i], json_object_new_int64(value));
        }
        for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
                const char *value = json_field_string(update, strings[i], "");

                if (*value)
                        json_object_object_add(hc, strings[i], json_object_new_string(value));
        }
        /* dockerd stores a removed pids limit as 0. */
        if (pids && json_object_is_type(pids, json_type_int))
                json_object_object_add(hc, "PidsLimit", json_object_new_int64(MAX(json_object_get_int64(pids), 0)));
        return 0;
}
