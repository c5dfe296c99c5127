/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include "error.h"
#include "runtime/spec.h"

/*
 * The container's cgroup, in every hierarchy of the host: the v1
 * hierarchies mounted under /sys/fs/cgroup, the cgroup2 hierarchy at
 * /sys/fs/cgroup itself (v2) or at /sys/fs/cgroup/unified (hybrid).
 */

struct cgroup_hierarchy;

/* What each cgroup version does with the same request. */
struct cgroup_ops {
        /* Prepares a directory this runtime just created below the
         * hierarchy root (dirfd), given its parent's. */
        int (*init_dir)(int parent_fd, int dir_fd, struct error *err);
        int (*set_memory)(int dir_fd, const struct runtime_resources *res, struct error *err);
        int (*set_cpu)(int dir_fd, const struct runtime_resources *res, struct error *err);
        int (*set_pids)(int dir_fd, const struct runtime_resources *res, struct error *err);
        int (*set_devices)(int dir_fd, const struct runtime_resources *res, struct error *err);
        int (*set_blkio)(int dir_fd, const struct runtime_resources *res, struct error *err);
        const char *oom_kill_file; /* memory controller file with the oom_kill counter */
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* The block I/O limits of res->blkio for each version (cgroup-blkio.c). */
int cgroup_v1_set_blkio(int dir_fd, const struct runtime_resources *res, struct error *err);
int cgroup_v2_set_blkio(int dir_fd, const struct runtime_resources *res, struct error *err);

struct cgroup_hierarchy {
        char *mountpoint; /* on the host, such as /sys/fs/cgroup/memory */
        char *options;    /* v1 mount options naming the hierarchy, such as "cpu" or "name=systemd" */
        char **controllers;
        bool unified; /* a cgroup2 hierarchy */
        const struct cgroup_ops *ops;
        bool created; /* the container's directory was created here */
};

struct cgroup {
        char *path; /* the container's cgroup relative to each hierarchy root */
        struct cgroup_hierarchy *hierarchies;
        size_t n_hierarchies;
        bool v2_only; /* /sys/fs/cgroup is the cgroup2 hierarchy */
};

/* Returns the cgroup path for a container: cgroups_path without its
 * leading slash, or "<parent>/<id>". Paths with "." or ".." components
 * and systemd's "slice:prefix:name" form are rejected. */
int cgroup_path_for(const char *cgroups_path, const char *parent, const char *id, char **ret, struct error *err);

/* Detects the host's hierarchies, creates path in each of them and
 * applies res. Fails with -EEXIST when the cgroup exists already. */
int cgroup_create(const char *path, const struct runtime_resources *res, struct cgroup **ret, struct error *err);

/* Applies new limits to an existing cgroup: the memory, CPU, cpuset, pids
 * and block I/O limits that res sets; the others keep their values.
 * Device rules cannot change (-EOPNOTSUPP). */
int cgroup_update(const struct cgroup *cg, const struct runtime_resources *res, struct error *err);

/* Opens the existing cgroup path (as cgroup_path_for returns it), such as
 * that of a container another process created. With owned, cgroup_destroy
 * removes its directories; without, it leaves them alone. */
int cgroup_open(const char *path, bool owned, struct cgroup **ret, struct error *err);

/* The hierarchy of controller (a v1 one on a hybrid host), or NULL. */
const struct cgroup_hierarchy *cgroup_find_controller(const struct cgroup *cg, const char *controller);

/* Opens the container's directory in hierarchy h. */
int cgroup_open_dir(const struct cgroup *cg, const struct cgroup_hierarchy *h);

/* Opens the container's directory in the cgroup2 hierarchy, for clone3's
 * CLONE_INTO_CGROUP, or returns -ENOENT when the host has none. */
int cgroup_open_unified(const struct cgroup *cg);

/* Moves pid into the cgroup in every hierarchy; with in_unified, in all
 * but the cgroup2 one, where CLONE_INTO_CGROUP put it already. */
int cgroup_join(const struct cgroup *cg, pid_t pid, bool in_unified, struct error *err);

/* Kills the processes left in the cgroup and removes the directories
 * this runtime created; leaves every other cgroup alone. */
int cgroup_destroy(struct cgroup *cg);

bool cgroup_oom_killed(const struct cgroup *cg);

void cgroup_free(struct cgroup *cg);

/* The limits the host's cgroup hierarchies can enforce, as dockerd's
 * sysinfo reports them. */
struct cgroup_support {
        bool v2; /* /sys/fs/cgroup is the cgroup2 hierarchy */
        bool memory;
        bool swap;
        bool memory_swappiness;
        bool oom_kill_disable;
        bool kernel_memory;
        bool cpu_realtime;
        bool blkio_weight;
        bool blkio_weight_device;
        bool blkio_throttle;
        char *cpus; /* the CPUs containers may use, such as "0-3" */
        char *mems; /* the memory nodes, such as "0" */
};

/* Reads the host's hierarchies from /proc/self/mountinfo and what their
 * controllers offer. Release *ret with cgroup_support_done. */
int cgroup_support_detect(struct cgroup_support *ret);
void cgroup_support_done(struct cgroup_support *s);

/* Mounts the container's view of the cgroup hierarchies on the directory
 * target_fd, read-only with readonly: a tmpfs with one cgroup mount per v1
 * hierarchy, or one cgroup2 mount. With cgroupns the mounts are new ones,
 * whose root the cgroup namespace makes the container's cgroup; without,
 * they are bind mounts of the container's cgroup directories. Call from the
 * container's mount namespace before pivot_root. */
int cgroup_mount(const struct cgroup *cg, int target_fd, bool cgroupns, bool readonly, struct error *err);

/* Builds an eBPF program from the device rules of res followed by the
 * default ones and attaches it to the cgroup2 directory dir_fd, where it
 * takes the place of the v1 devices controller. */
int cgroup_bpf_devices_attach(int dir_fd, const struct runtime_resources *res, struct error *err);

/* Writes value to dir_fd/name. */
int cgroup_write(int dir_fd, const char *name, const char *value, struct error *err);

/* Reads the value of key from a "key value" file, such as memory.events. */
int cgroup_read_key(int dir_fd, const char *name, const char *key, uint64_t *ret);
