/* SPDX-License-Identifier: Apache-2.0 */
/* docker stats of a local container: its cgroup, the host's /proc, and
 * the network counters of its network namespace. */
#include <fcntl.h>
#include <stdio.h>

#include "engine/engine.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "local-internal.h"
#include "runtime/cgroup-procs.h"
#include "stats.h"

#define PROC_FILE_MAX (1u << 20)

static int read_host(struct stats_host *host)
{
        _cleanup_free_ char *stat = NULL, *meminfo = NULL;
        int r;

        r = fs_read_file_at(AT_FDCWD, "/proc/stat", PROC_FILE_MAX, &stat, NULL);
        if (r < 0)
                return r;
        r = stats_parse_proc_stat(stat, host);
        if (r < 0)
                return r;
        r = fs_read_file_at(AT_FDCWD, "/proc/meminfo", PROC_FILE_MAX, &meminfo, NULL);
        if (r < 0)
                return r;
        host->machine_memory = stats_parse_meminfo(meminfo);
        return 0;
}

static int open_controller(const struct cgroup *cg, const char *controller)
{
        const struct cgroup_hierarchy *h = cgroup_find_controller(cg, controller);

        return h ? cgroup_open_dir(cg, h) : -ENOENT;
}

static void close_v1_dirs(struct stats_v1_dirs *dirs)
{
        int *fds[] = { &dirs->cpuacct, &dirs->cpu, &dirs->memory, &dirs->pids, &dirs->blkio };

        for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
                if (*fds[i] >= 0)
                        close(*fds[i]);
}

/* On a hybrid host the controllers are those of v1, as containerd reads
 * them there too. */
static int sample_cgroup(const struct cgroup *cg, const struct stats_host *host, json_object **ret)
{
        struct stats_v1_dirs dirs;
        int fd;

        if (cg->v2_only) {
                fd = cgroup_open_unified(cg);
                if (fd < 0)
                        return -ESRCH;
                *ret = stats_from_cgroup_v2(fd, host);
                close(fd);
                return 0;
        }
        dirs = (struct stats_v1_dirs){
                .cpuacct = open_controller(cg, "cpuacct"),
                .cpu = open_controller(cg, "cpu"),
                .memory = open_controller(cg, "memory"),
                .pids = open_controller(cg, "pids"),
                .blkio = open_controller(cg, "blkio"),
        };
        if (dirs.cpuacct < 0 && dirs.cpu < 0 && dirs.memory < 0 && dirs.pids < 0 && dirs.blkio < 0)
                return -ESRCH;
        *ret = stats_from_cgroup_v1(&dirs, host);
        close_v1_dirs(&dirs);
        return 0;
}

/* The counters of the container's network namespace, read through its
 * init; none with the host's network, as dockerd shows none. */
static json_object *networks(struct container *c)
{
        _cleanup_free_ char *text = NULL;
        char path[64];
        bool host_network;
        pid_t pid;

        pthread_mutex_lock(&c->lock);
        pid = c->state.pid;
        host_network = streq(json_field_string(c->host_config, "NetworkMode", ""), "host");
        pthread_mutex_unlock(&c->lock);
        if (pid <= 0 || host_network)
                return NULL;
        snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
        if (fs_read_file_at(AT_FDCWD, path, PROC_FILE_MAX, &text, NULL) < 0)
                return NULL;
        return stats_parse_net_dev(text);
}

int local_stats(struct backend *b, struct container *c, json_object **ret, struct error *err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct stats_host host = { 0 };
        json_object *sample = NULL, *nets;
        int r;

        r = read_host(&host);
        if (r < 0)
                return error_set_errno(err, r, "reading the host's CPU and memory statistics failed");
        r = local_container_cgroup(b, c, &cg, err);
        if (r < 0)
                return r;
        r = sample_cgroup(cg, &host, &sample);
        if (r < 0)
                return r;
        nets = networks(c);
        if (nets)
                json_object_object_add(sample, "networks", nets);
        *ret = sample;
        return 0;
}
