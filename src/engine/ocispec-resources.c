/* SPDX-License-Identifier: Apache-2.0 */
/* The resource limits of HostConfig as the OCI config's linux.resources:
 * memory, CPU, pids and block I/O. */
#include "ocispec-resources.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "jsonutil.h"
#include "macro.h"

static void add_int(json_object *obj, const char *key, int64_t value)
{
        json_object_object_add(obj, key, json_object_new_int64(value));
}

static void add_memory(json_object *resources, json_object *hc)
{
        int64_t limit = json_field_int(hc, "Memory", 0), swap = json_field_int(hc, "MemorySwap", 0);
        int64_t reservation = json_field_int(hc, "MemoryReservation", 0);
        json_object *memory;

        json_object *swappiness = NULL;
        bool oom_kill_disable = json_field_bool(hc, "OomKillDisable", false);

        /* A null MemorySwappiness (or -1, as older clients send) is unset. */
        json_object_object_get_ex(hc, "MemorySwappiness", &swappiness);
        if (swappiness && json_object_get_int64(swappiness) < 0)
                swappiness = NULL;
        if (!limit && !swap && !reservation && !swappiness && !oom_kill_disable)
                return;
        memory = json_object_new_object();
        if (limit > 0)
                add_int(memory, "limit", limit);
        if (reservation > 0)
                add_int(memory, "reservation", reservation);
        /* Docker's default swap is twice the memory limit, and -1 is unlimited. */
        if (swap != 0)
                add_int(memory, "swap", swap);
        else if (limit > 0)
                add_int(memory, "swap", 2 * limit);
        if (swappiness)
                add_int(memory, "swappiness", json_object_get_int64(swappiness));
        if (oom_kill_disable)
                json_object_object_add(memory, "disableOOMKiller", json_object_new_boolean(true));
        json_object_object_add(resources, "memory", memory);
}

static void add_cpu(json_object *resources, json_object *hc)
{
        int64_t nano = json_field_int(hc, "NanoCpus", 0), shares = json_field_int(hc, "CpuShares", 0);
        int64_t period = json_field_int(hc, "CpuPeriod", 0), quota = json_field_int(hc, "CpuQuota", 0);
        const char *cpus = json_field_string(hc, "CpusetCpus", ""), *mems = json_field_string(hc, "CpusetMems", "");
        int64_t rt_runtime = json_field_int(hc, "CpuRealtimeRuntime", 0);
        int64_t rt_period = json_field_int(hc, "CpuRealtimePeriod", 0);
        json_object *cpu;

        if (!nano && !shares && !period && !quota && !*cpus && !*mems && !rt_runtime && !rt_period)
                return;
        cpu = json_object_new_object();
        /* --cpus N is a quota of N periods of 100 ms, as dockerd sets it. */
        if (nano > 0) {
                period = 100000;
                quota = nano * period / 1000000000;
        }
        if (shares > 0)
                add_int(cpu, "shares", shares);
        if (period > 0)
                add_int(cpu, "period", period);
        if (quota != 0)
                add_int(cpu, "quota", quota);
        if (*cpus)
                json_object_object_add(cpu, "cpus", json_object_new_string(cpus));
        if (*mems)
                json_object_object_add(cpu, "mems", json_object_new_string(mems));
        if (rt_runtime != 0)
                add_int(cpu, "realtimeRuntime", rt_runtime);
        if (rt_period > 0)
                add_int(cpu, "realtimePeriod", rt_period);
        json_object_object_add(resources, "cpu", cpu);
}

static void add_pids(json_object *resources, int64_t limit)
{
        json_object *pids = json_object_new_object();

        add_int(pids, "limit", limit);
        json_object_object_add(resources, "pids", pids);
}

/* The text of errno as Go prints it, which the docker CLI reads: "no such
 * file or directory" makes `docker run` exit with 127, as with dockerd. */
static const char *errno_text(int code, char *buf, size_t size)
{
        snprintf(buf, size, "%s", strerror(code));
        buf[0] = (char)tolower((unsigned char)buf[0]);
        return buf;
}

/* Adds {"major","minor",value_key: value} for the block device at path,
 * which dockerd resolves at each start, as here. */
static int add_blkio_device(json_object *list, const char *path, const char *value_key, int64_t value,
                            struct error *err)
{
        json_object *device;
        struct stat st;
        char text[128];

        if (stat(path, &st) < 0)
                return error_set(err, -errno, "stat %s: %s", path, errno_text(errno, text, sizeof(text)));
        if (!S_ISBLK(st.st_mode))
                return error_set(err, -EINVAL, "%s is not a block device", path);
        device = json_object_new_object();
        add_int(device, "major", major(st.st_rdev));
        add_int(device, "minor", minor(st.st_rdev));
        add_int(device, value_key, value);
        json_object_array_add(list, device);
        return 0;
}

static const struct {
        const char *hc_key;
        const char *oci_key;
        const char *value_key;
} blkio_lists[] = {
        { "BlkioWeightDevice", "weightDevice", "Weight" },
        { "BlkioDeviceReadBps", "throttleReadBpsDevice", "Rate" },
        { "BlkioDeviceWriteBps", "throttleWriteBpsDevice", "Rate" },
        { "BlkioDeviceReadIOps", "throttleReadIOPSDevice", "Rate" },
        { "BlkioDeviceWriteIOps", "throttleWriteIOPSDevice", "Rate" },
};

static int add_blkio(json_object *resources, json_object *hc, struct error *err)
{
        _cleanup_json_ json_object *blkio = json_object_new_object();
        int64_t weight = json_field_int(hc, "BlkioWeight", 0);
        bool set = weight > 0;
        int r;

        if (weight > 0)
                add_int(blkio, "weight", weight);
        for (size_t i = 0; i < ARRAY_SIZE(blkio_lists); i++) {
                json_object *entries = json_field_array(hc, blkio_lists[i].hc_key), *list;
                size_t n = entries ? json_object_array_length(entries) : 0;

                if (n == 0)
                        continue;
                list = json_object_new_array();
                json_object_object_add(blkio, blkio_lists[i].oci_key, list);
                for (size_t j = 0; j < n; j++) {
                        json_object *entry = json_object_array_get_idx(entries, j);
                        const char *value_key = streq(blkio_lists[i].value_key, "Weight") ? "weight" : "rate";

                        r = add_blkio_device(list, json_field_string(entry, "Path", ""), value_key,
                                             json_field_int(entry, blkio_lists[i].value_key, 0), err);
                        if (r < 0)
                                return r;
                }
                set = true;
        }
        if (set)
                json_object_object_add(resources, "blockIO", TAKE_PTR(blkio));
        return 0;
}

int ocispec_add_resources(json_object *resources, json_object *hc, struct error *err)
{
        int64_t pids = json_field_int(hc, "PidsLimit", 0);

        add_memory(resources, hc);
        add_cpu(resources, hc);
        if (pids > 0)
                add_pids(resources, pids);
        return add_blkio(resources, hc, err);
}

int ocispec_update_resources(json_object *hc, json_object *update, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *resources = json_object_new_object();
        json_object *pids = NULL;
        int r;

        if (!resources)
                return -ENOMEM;
        r = ocispec_add_resources(resources, hc, err);
        if (r < 0)
                return r;
        /* A start leaves out "no limit", the kernel's default, but the
         * cgroup of a running container may still have a limit. */
        if (json_object_object_get_ex(update, "PidsLimit", &pids) && pids && json_object_get_int64(pids) <= 0)
                add_pids(resources, -1);
        *ret = TAKE_PTR(resources);
        return 0;
}
