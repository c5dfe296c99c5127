/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

/*
 * The parts of Docker's stats object (GET /containers/{id}/stats) that a
 * container's cgroup and /proc give, with the fields dockerd 20.10 fills
 * from containerd's metrics: v1 names on cgroup v1 (and hybrid) hosts,
 * v2 names on cgroup v2 hosts. The readers take directory fds, so that
 * tests can give them directories of their own.
 */

/* The host's part of every sample. */
struct stats_host {
        uint64_t machine_memory; /* MemTotal in bytes: the limit of an unlimited container */
        uint64_t system_cpu_ns;  /* the first seven fields of /proc/stat's "cpu" line */
        uint32_t online_cpus;    /* the "cpuN" lines of /proc/stat */
};

/* The container's directory in each v1 hierarchy, or -1 where the host
 * has no such controller. */
struct stats_v1_dirs {
        int cpuacct;
        int cpu;
        int memory;
        int pids;
        int blkio;
};

/* Builds {"pids_stats", "blkio_stats", "num_procs", "storage_stats",
 * "cpu_stats", "memory_stats"} from cgroup v1 files. Missing or unreadable
 * files leave their fields out (or 0), as containerd's reader does. */
json_object *stats_from_cgroup_v1(const struct stats_v1_dirs *dirs, const struct stats_host *host);

/* The same from the container's cgroup v2 directory. */
json_object *stats_from_cgroup_v2(int dir_fd, const struct stats_host *host);

/* Reads /proc/stat's text into host->system_cpu_ns and host->online_cpus
 * with dockerd's getSystemCPUUsage rules (USER_HZ of 100). Returns
 * -EINVAL for a malformed "cpu" line. */
int stats_parse_proc_stat(const char *text, struct stats_host *host);

/* Reads MemTotal of /proc/meminfo's text, in bytes (0 when missing). */
uint64_t stats_parse_meminfo(const char *text);

/* Builds Docker's "networks" object, one entry per interface but "lo",
 * from the text of /proc/<pid>/net/dev. Returns NULL when there is none,
 * so that the field is left out as dockerd leaves out an empty map. */
json_object *stats_parse_net_dev(const char *text);
