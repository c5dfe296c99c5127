/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's stats from cgroup v1 and v2 files (stats.h). */
#include <inttypes.h>
#include <stdio.h>

#include "fsutil.h"
#include "macro.h"
#include "stats.h"

#define STAT_FILE_MAX (1u << 20)
/* cpuacct.stat counts in USER_HZ, 100 on Linux (containerd hardcodes it too). */
#define CLOCK_TICKS_PER_SECOND 100
#define NSEC_PER_SEC           1000000000ULL

/* memory.stat keys of cgroup v1 that dockerd reports, sorted as Go
 * writes a map. */
static const char *const v1_memory_keys[] = {
        "active_anon",
        "active_file",
        "cache",
        "dirty",
        "hierarchical_memory_limit",
        "hierarchical_memsw_limit",
        "inactive_anon",
        "inactive_file",
        "mapped_file",
        "pgfault",
        "pgmajfault",
        "pgpgin",
        "pgpgout",
        "rss",
        "rss_huge",
        "total_active_anon",
        "total_active_file",
        "total_cache",
        "total_dirty",
        "total_inactive_anon",
        "total_inactive_file",
        "total_mapped_file",
        "total_pgfault",
        "total_pgmajfault",
        "total_pgpgin",
        "total_pgpgout",
        "total_rss",
        "total_rss_huge",
        "total_unevictable",
        "total_writeback",
        "unevictable",
        "writeback",
};

/* The same for cgroup v2's memory.stat. */
static const char *const v2_memory_keys[] = {
        "active_anon",
        "active_file",
        "anon",
        "anon_thp",
        "file",
        "file_dirty",
        "file_mapped",
        "file_writeback",
        "inactive_anon",
        "inactive_file",
        "kernel_stack",
        "pgactivate",
        "pgdeactivate",
        "pgfault",
        "pglazyfree",
        "pglazyfreed",
        "pgmajfault",
        "pgrefill",
        "pgscan",
        "pgsteal",
        "shmem",
        "slab",
        "slab_reclaimable",
        "slab_unreclaimable",
        "sock",
        "thp_collapse_alloc",
        "thp_fault_alloc",
        "unevictable",
        "workingset_activate",
        "workingset_nodereclaim",
        "workingset_refault",
};

static char *read_text(int dir_fd, const char *name)
{
        char *text = NULL;

        if (dir_fd < 0 || fs_read_file_at(dir_fd, name, STAT_FILE_MAX, &text, NULL) < 0)
                return NULL;
        return text;
}

/* Reads a file that contains one number. "max" (no limit) reads as
 * max_value. */
static bool read_number(int dir_fd, const char *name, uint64_t max_value, uint64_t *ret)
{
        _cleanup_free_ char *text = read_text(dir_fd, name);
        char *end;

        if (!text)
                return false;
        if (startswith(text, "max")) {
                *ret = max_value;
                return true;
        }
        errno = 0;
        *ret = strtoull(text, &end, 10);
        return errno == 0 && end != text;
}

/* Looks up key in a "key value" file's text. */
static uint64_t key_value(const char *text, const char *key)
{
        size_t key_len = strlen(key);

        for (const char *line = text; line && *line;) {
                if (strncmp(line, key, key_len) == 0 && line[key_len] == ' ')
                        return strtoull(line + key_len + 1, NULL, 10);
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
        return 0;
}

static void add_u64(json_object *obj, const char *key, uint64_t value)
{
        json_object_object_add(obj, key, json_object_new_uint64(value));
}

/* Go's omitempty: a zero is left out. */
static void add_u64_nonzero(json_object *obj, const char *key, uint64_t value)
{
        if (value != 0)
                add_u64(obj, key, value);
}

static json_object *pids_stats(int dir_fd)
{
        json_object *obj = json_object_new_object();
        uint64_t value;

        if (read_number(dir_fd, "pids.current", 0, &value))
                add_u64_nonzero(obj, "current", value);
        if (read_number(dir_fd, "pids.max", 0, &value))
                add_u64_nonzero(obj, "limit", value);
        return obj;
}

/* ---- block I/O ---- */

static json_object *blkio_entry(uint64_t major, uint64_t minor, const char *op, uint64_t value)
{
        json_object *entry = json_object_new_object();

        add_u64(entry, "major", major);
        add_u64(entry, "minor", minor);
        json_object_object_add(entry, "op", json_object_new_string(op));
        add_u64(entry, "value", value);
        return entry;
}

/* Reads a v1 blkio file, lines "MAJ:MIN [OP] VALUE" and a final
 * "Total VALUE" that is skipped, into an array of entries. */
static json_object *blkio_v1_entries(int dir_fd, const char *name)
{
        _cleanup_free_ char *text = read_text(dir_fd, name);
        json_object *entries = json_object_new_array();

        for (char *line = text, *next; line && *line; line = next) {
                unsigned long long major, minor, value;
                char op[32] = "";

                next = line + strcspn(line, "\n");
                if (*next)
                        *next++ = '\0';
                if (sscanf(line, "%llu:%llu %31s %llu", &major, &minor, op, &value) == 4)
                        json_object_array_add(entries, blkio_entry(major, minor, op, value));
                else if (sscanf(line, "%llu:%llu %llu", &major, &minor, &value) == 3)
                        json_object_array_add(entries, blkio_entry(major, minor, "", value));
        }
        return entries;
}

static const char *const blkio_fields[] = {
        "io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive",
        "io_wait_time_recursive",     "io_merged_recursive",   "io_time_recursive",  "sectors_recursive",
};

/* The CFQ files of each field, in the order of blkio_fields. */
static const char *const blkio_cfq_files[] = {
        "blkio.io_service_bytes_recursive",
        "blkio.io_serviced_recursive",
        "blkio.io_queued_recursive",
        "blkio.io_service_time_recursive",
        "blkio.io_wait_time_recursive",
        "blkio.io_merged_recursive",
        "blkio.time_recursive",
        "blkio.sectors_recursive",
};

/* The CFQ scheduler's counters when the kernel has them and they count
 * something, else the throttle counters, which every kernel keeps. This
 * is containerd's order of preference. */
static json_object *blkio_stats_v1(int dir_fd)
{
        json_object *fields[ARRAY_SIZE(blkio_fields)] = { 0 };
        json_object *obj = json_object_new_object();
        size_t total = 0;

        if (dir_fd >= 0 && faccessat(dir_fd, "blkio.io_serviced_recursive", F_OK, 0) == 0)
                for (size_t i = 0; i < ARRAY_SIZE(blkio_fields); i++) {
                        fields[i] = blkio_v1_entries(dir_fd, blkio_cfq_files[i]);
                        total += json_object_array_length(fields[i]);
                }
        if (total == 0) {
                for (size_t i = 0; i < ARRAY_SIZE(blkio_fields); i++) {
                        json_object_put(fields[i]);
                        fields[i] = NULL;
                }
                fields[0] = blkio_v1_entries(dir_fd, "blkio.throttle.io_service_bytes");
                fields[1] = blkio_v1_entries(dir_fd, "blkio.throttle.io_serviced");
        }
        for (size_t i = 0; i < ARRAY_SIZE(blkio_fields); i++)
                json_object_object_add(obj, blkio_fields[i], fields[i] ?: json_object_new_array());
        return obj;
}

/* cgroup v2's io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N ..." per device,
 * of which dockerd reports the bytes read and written. */
static json_object *blkio_stats_v2(int dir_fd)
{
        _cleanup_free_ char *text = read_text(dir_fd, "io.stat");
        json_object *obj = json_object_new_object(), *entries = json_object_new_array();

        for (char *line = text, *next; line && *line; line = next) {
                unsigned long long major, minor;
                uint64_t read_bytes = 0, write_bytes = 0;
                char *saved = NULL;
                int consumed = 0;

                next = line + strcspn(line, "\n");
                if (*next)
                        *next++ = '\0';
                if (sscanf(line, "%llu:%llu%n", &major, &minor, &consumed) != 2)
                        continue;
                for (char *field = strtok_r(line + consumed, " ", &saved); field; field = strtok_r(NULL, " ", &saved)) {
                        if (startswith(field, "rbytes="))
                                read_bytes = strtoull(field + 7, NULL, 10);
                        else if (startswith(field, "wbytes="))
                                write_bytes = strtoull(field + 7, NULL, 10);
                }
                json_object_array_add(entries, blkio_entry(major, minor, "read", read_bytes));
                json_object_array_add(entries, blkio_entry(major, minor, "write", write_bytes));
        }
        /* Go's nil slices: null where nothing was read or nothing is supported. */
        for (size_t i = 0; i < ARRAY_SIZE(blkio_fields); i++) {
                bool bytes = i == 0 && json_object_array_length(entries) > 0;

                json_object_object_add(obj, blkio_fields[i], bytes ? json_object_get(entries) : NULL);
        }
        json_object_put(entries);
        return obj;
}

/* ---- CPU ---- */

static json_object *throttling_data(uint64_t periods, uint64_t throttled_periods, uint64_t throttled_ns)
{
        json_object *obj = json_object_new_object();

        add_u64(obj, "periods", periods);
        add_u64(obj, "throttled_periods", throttled_periods);
        add_u64(obj, "throttled_time", throttled_ns);
        return obj;
}

/* Docker's cpu_stats, with percpu left out when percpu is NULL. */
static json_object *cpu_stats(uint64_t total_ns, json_object *percpu, uint64_t kernel_ns, uint64_t user_ns,
                              json_object *throttling, const struct stats_host *host)
{
        json_object *obj = json_object_new_object(), *usage = json_object_new_object();

        add_u64(usage, "total_usage", total_ns);
        if (percpu)
                json_object_object_add(usage, "percpu_usage", percpu);
        add_u64(usage, "usage_in_kernelmode", kernel_ns);
        add_u64(usage, "usage_in_usermode", user_ns);
        json_object_object_add(obj, "cpu_usage", usage);
        add_u64_nonzero(obj, "system_cpu_usage", host->system_cpu_ns);
        add_u64_nonzero(obj, "online_cpus", host->online_cpus);
        json_object_object_add(obj, "throttling_data", throttling);
        return obj;
}

static json_object *percpu_v1(int dir_fd)
{
        _cleanup_free_ char *text = read_text(dir_fd, "cpuacct.usage_percpu");
        json_object *values;
        char *p = text;

        if (!text)
                return NULL;
        values = json_object_new_array();
        for (;;) {
                char *end;
                uint64_t value = strtoull(p, &end, 10);

                if (end == p)
                        break;
                json_object_array_add(values, json_object_new_uint64(value));
                p = end;
        }
        return values;
}

static json_object *cpu_stats_v1(int cpuacct_fd, int cpu_fd, const struct stats_host *host)
{
        _cleanup_free_ char *times = read_text(cpuacct_fd, "cpuacct.stat");
        _cleanup_free_ char *throttling = read_text(cpu_fd, "cpu.stat");
        uint64_t total = 0;

        read_number(cpuacct_fd, "cpuacct.usage", 0, &total);
        return cpu_stats(total, percpu_v1(cpuacct_fd),
                         times ? key_value(times, "system") * NSEC_PER_SEC / CLOCK_TICKS_PER_SECOND : 0,
                         times ? key_value(times, "user") * NSEC_PER_SEC / CLOCK_TICKS_PER_SECOND : 0,
                         throttling_data(throttling ? key_value(throttling, "nr_periods") : 0,
                                         throttling ? key_value(throttling, "nr_throttled") : 0,
                                         throttling ? key_value(throttling, "throttled_time") : 0),
                         host);
}

static json_object *cpu_stats_v2(int dir_fd, const struct stats_host *host)
{
        _cleanup_free_ char *text = read_text(dir_fd, "cpu.stat");
        const char *t = text ?: "";

        return cpu_stats(key_value(t, "usage_usec") * 1000, NULL, key_value(t, "system_usec") * 1000,
                         key_value(t, "user_usec") * 1000,
                         throttling_data(key_value(t, "nr_periods"), key_value(t, "nr_throttled"),
                                         key_value(t, "throttled_usec") * 1000),
                         host);
}

/* ---- memory ---- */

static json_object *memory_keys(const char *text, const char *const *keys, size_t n)
{
        json_object *stats = json_object_new_object();

        for (size_t i = 0; i < n; i++)
                add_u64(stats, keys[i], key_value(text, keys[i]));
        return stats;
}

/* An unlimited container reports the machine's memory, as in dockerd. */
static uint64_t effective_limit(uint64_t limit, const struct stats_host *host)
{
        return host->machine_memory > 0 && limit > host->machine_memory ? host->machine_memory : limit;
}

static json_object *memory_stats_v1(int dir_fd)
{
        _cleanup_free_ char *stat = read_text(dir_fd, "memory.stat");
        json_object *obj = json_object_new_object();
        uint64_t usage = 0, max_usage = 0, failcnt = 0, limit = 0;
        bool has_usage;

        if (!stat)
                return obj;
        has_usage = read_number(dir_fd, "memory.usage_in_bytes", 0, &usage);
        if (has_usage) {
                read_number(dir_fd, "memory.max_usage_in_bytes", 0, &max_usage);
                read_number(dir_fd, "memory.failcnt", 0, &failcnt);
                read_number(dir_fd, "memory.limit_in_bytes", 0, &limit);
        }
        add_u64_nonzero(obj, "usage", usage);
        add_u64_nonzero(obj, "max_usage", max_usage);
        json_object_object_add(obj, "stats", memory_keys(stat, v1_memory_keys, ARRAY_SIZE(v1_memory_keys)));
        add_u64_nonzero(obj, "failcnt", failcnt);
        /* The caller caps the limit at the machine's memory. */
        add_u64_nonzero(obj, "limit", limit);
        return obj;
}

static json_object *memory_stats_v2(int dir_fd, const struct stats_host *host)
{
        _cleanup_free_ char *stat = read_text(dir_fd, "memory.stat");
        _cleanup_free_ char *events = read_text(dir_fd, "memory.events");
        json_object *obj = json_object_new_object();
        uint64_t usage = 0, limit = 0;

        if (!stat)
                return obj;
        read_number(dir_fd, "memory.current", 0, &usage);
        read_number(dir_fd, "memory.max", UINT64_MAX, &limit);
        add_u64_nonzero(obj, "usage", usage);
        json_object_object_add(obj, "stats", memory_keys(stat, v2_memory_keys, ARRAY_SIZE(v2_memory_keys)));
        /* dockerd reports memory.events' oom count as failcnt on v2. */
        add_u64_nonzero(obj, "failcnt", events ? key_value(events, "oom") : 0);
        add_u64_nonzero(obj, "limit", effective_limit(limit, host));
        return obj;
}

static json_object *sample(json_object *pids, json_object *blkio, json_object *cpu, json_object *memory)
{
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "pids_stats", pids);
        json_object_object_add(obj, "blkio_stats", blkio);
        json_object_object_add(obj, "num_procs", json_object_new_int(0));
        json_object_object_add(obj, "storage_stats", json_object_new_object());
        json_object_object_add(obj, "cpu_stats", cpu);
        json_object_object_add(obj, "memory_stats", memory);
        return obj;
}

json_object *stats_from_cgroup_v1(const struct stats_v1_dirs *dirs, const struct stats_host *host)
{
        json_object *memory = memory_stats_v1(dirs->memory), *limit;

        limit = json_object_object_get(memory, "limit");
        if (limit)
                json_object_set_uint64(limit, effective_limit(json_object_get_uint64(limit), host));
        return sample(pids_stats(dirs->pids), blkio_stats_v1(dirs->blkio), cpu_stats_v1(dirs->cpuacct, dirs->cpu, host),
                      memory);
}

json_object *stats_from_cgroup_v2(int dir_fd, const struct stats_host *host)
{
        return sample(pids_stats(dir_fd), blkio_stats_v2(dir_fd), cpu_stats_v2(dir_fd, host),
                      memory_stats_v2(dir_fd, host));
}
