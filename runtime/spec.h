/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/*
 * The OCI runtime configuration (config.json of a bundle), parsed.
 *
 * Besides the standard fields the runtime honours these annotations, which
 * sockerlessd writes so that the root filesystem is assembled inside the
 * container's own mount namespace and never appears in the host's:
 *
 *   org.sockerless.rootfs.lower   overlay lower directories, absolute paths
 *                                 joined by ':', top-most first
 *   org.sockerless.rootfs.upper   overlay upper directory
 *   org.sockerless.rootfs.work    overlay work directory
 *   org.sockerless.rootfs.idmap   "true": the lower directories appear to
 *                                 the container through mounts id-mapped
 *                                 with its user namespace, so files of host
 *                                 root are root's inside. Needs a new user
 *                                 namespace and the overlay annotations.
 *   org.sockerless.user           Docker's user string ("name", "uid",
 *                                 "name:group", "uid:gid"), resolved in the
 *                                 container's /etc/passwd and /etc/group. It
 *                                 overrides process.user.uid and .gid, and
 *                                 the supplementary groups become the primary
 *                                 group, the groups listing the user, then
 *                                 process.user.additionalGids, as dockerd
 *                                 sets them. A missing HOME comes from passwd.
 *                                 A user other than root keeps only the
 *                                 bounding capability set, as with dockerd.
 *   org.sockerless.group-add      the values of docker run --group-add,
 *                                 joined by ',': group names or gids, each
 *                                 resolved in the container's /etc/group
 *                                 and added to the supplementary groups. A
 *                                 number without an entry is used as the
 *                                 gid, as runc does for dockerd.
 *
 * With the overlay annotations, root.path names the (empty) directory the
 * overlay is mounted on.
 */

#define RUNTIME_ANNOTATION_LOWER "org.sockerless.rootfs.lower"
#define RUNTIME_ANNOTATION_UPPER "org.sockerless.rootfs.upper"
#define RUNTIME_ANNOTATION_WORK  "org.sockerless.rootfs.work"
#define RUNTIME_ANNOTATION_IDMAP "org.sockerless.rootfs.idmap"
#define RUNTIME_ANNOTATION_USER  "org.sockerless.user"

#define RUNTIME_ANNOTATION_GROUP_ADD "org.sockerless.group-add"

struct runtime_spec;
struct runtime_resources;

/* Parses config.json text. Unknown fields are ignored, as the OCI runtime
 * spec requires; known fields of the wrong type are errors naming the
 * field, and features this runtime lacks (AppArmor, SELinux and others)
 * are rejected with -EOPNOTSUPP. */
int runtime_spec_parse(const char *text, size_t len, struct runtime_spec **ret, struct error *err);

/* Reads and parses <bundle>/config.json. */
int runtime_spec_load(const char *bundle, struct runtime_spec **ret, struct error *err);

void runtime_spec_free(struct runtime_spec *spec);

/* Parses a linux.resources object on its own, such as the new limits of
 * a running container, with the checks of runtime_spec_parse. */
int runtime_resources_parse(const char *text, size_t len, struct runtime_resources **ret, struct error *err);

void runtime_resources_free(struct runtime_resources *res);

/* Tells whether process.terminal is set. */
bool runtime_spec_terminal(const struct runtime_spec *spec);

/* Replaces spec->process with the OCI process object in text, as the
 * process.json of `exec --process` has it. */
int runtime_spec_parse_process(struct runtime_spec *spec, const char *text, size_t len, struct error *err);

/* What `docker exec` changes in the container's process to run another
 * one in the container, as dockerd changes the process of the container's
 * spec: the rest (capabilities, rlimits, no_new_privileges, the seccomp
 * filter) stays the container's. */
struct runtime_exec_process {
        char *const *args; /* at least one */
        char *const *env;  /* the whole environment */
        const char *cwd;   /* absolute, or NULL to keep the container's */
        const char *user;  /* Docker's user string, or NULL to keep the container's */
        bool terminal;
        unsigned console_height; /* 0 leaves the pty's size unset */
        unsigned console_width;
        /* Every capability of the caller's bounding set in the bounding,
         * permitted and effective sets, as dockerd's --privileged exec
         * sets them (the inheritable set stays as it was). */
        bool privileged;
};

/* Turns spec->process into the exec'd process p describes. */
int runtime_spec_set_exec_process(struct runtime_spec *spec, const struct runtime_exec_process *p, struct error *err);

/*
 * The parsed configuration. Fields keep the OCI names; absent optional
 * values are flagged with has_* members. The runtime reads these; other
 * modules should use the functions above.
 */

struct runtime_mount {
        char *destination;
        char *type;
        char *source;
        char **options;
};

struct runtime_rlimit {
        int resource; /* RLIMIT_* */
        uint64_t soft;
        uint64_t hard;
};

struct runtime_user {
        uid_t uid;
        gid_t gid;
        gid_t *additional_gids;
        size_t n_additional_gids;
        bool has_umask;
        mode_t umask;
};

/* Capability sets as bit masks (bit N is capability N). */
struct runtime_capabilities {
        uint64_t bounding;
        uint64_t effective;
        uint64_t inheritable;
        uint64_t permitted;
        uint64_t ambient;
};

struct runtime_process {
        bool terminal;
        unsigned console_height;
        unsigned console_width;
        struct runtime_user user;
        char **args;
        char **env;
        char *cwd;
        struct runtime_capabilities capabilities;
        struct runtime_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        bool has_oom_score_adj;
        int oom_score_adj;
};

struct runtime_namespace {
        int type;   /* CLONE_NEW* */
        char *path; /* namespace to join, or NULL for a new one */
};

/* A device cgroup rule; major and minor are -1 for "*". */
struct runtime_device_rule {
        bool allow;
        char type; /* 'a', 'c' or 'b' */
        int64_t major;
        int64_t minor;
        char access[4]; /* some of "rwm" */
};

/* A device node to create in the container's /dev. */
struct runtime_device {
        char *path;
        char type; /* 'c', 'b', 'u' or 'p' */
        int64_t major;
        int64_t minor;
        bool has_file_mode;
        mode_t file_mode;
        uid_t uid;
        gid_t gid;
};

enum runtime_blkio_throttle {
        RUNTIME_BLKIO_READ_BPS,
        RUNTIME_BLKIO_WRITE_BPS,
        RUNTIME_BLKIO_READ_IOPS,
        RUNTIME_BLKIO_WRITE_IOPS,
        _RUNTIME_BLKIO_THROTTLE_MAX,
};

/* A block device's weight (weight devices) or rate limit (throttle lists). */
struct runtime_blkio_device {
        int64_t major;
        int64_t minor;
        uint64_t value; /* weight 1..1000, or bytes or operations per second, 0 for no limit */
};

/* linux.resources.blockIO. Weights use the cgroup v1 scale (1..1000). */
struct runtime_blkio {
        uint64_t weight; /* 0 when unset */
        struct runtime_blkio_device *weight_devices;
        size_t n_weight_devices;
        struct runtime_blkio_device *throttle[_RUNTIME_BLKIO_THROTTLE_MAX];
        size_t n_throttle[_RUNTIME_BLKIO_THROTTLE_MAX];
};

struct runtime_resources {
        bool has_memory_limit;
        int64_t memory_limit; /* bytes, -1 for unlimited */
        bool has_memory_reservation;
        int64_t memory_reservation;
        bool has_memory_swap;
        int64_t memory_swap; /* memory plus swap, bytes, -1 for unlimited */
        bool disable_oom_killer;
        bool has_memory_swappiness;
        uint64_t memory_swappiness; /* 0..100 */
        uint64_t cpu_shares;        /* 0 when unset */
        int64_t cpu_quota;          /* microseconds per period, 0 when unset */
        uint64_t cpu_period;        /* microseconds, 0 when unset */
        int64_t cpu_rt_runtime;     /* real-time microseconds per period, 0 when unset */
        uint64_t cpu_rt_period;     /* microseconds, 0 when unset */
        char *cpuset_cpus;
        char *cpuset_mems;
        bool has_pids_limit;
        int64_t pids_limit; /* -1 or 0 for unlimited, as runc reads it */
        struct runtime_device_rule *devices;
        size_t n_devices;
        struct runtime_blkio blkio;
};

enum runtime_seccomp_action {
        RUNTIME_SECCOMP_KILL_THREAD,
        RUNTIME_SECCOMP_KILL_PROCESS,
        RUNTIME_SECCOMP_TRAP,
        RUNTIME_SECCOMP_ERRNO,
        RUNTIME_SECCOMP_TRACE,
        RUNTIME_SECCOMP_ALLOW,
        RUNTIME_SECCOMP_LOG,
};

enum runtime_seccomp_op {
        RUNTIME_SECCOMP_NE,
        RUNTIME_SECCOMP_LT,
        RUNTIME_SECCOMP_LE,
        RUNTIME_SECCOMP_EQ,
        RUNTIME_SECCOMP_GE,
        RUNTIME_SECCOMP_GT,
        RUNTIME_SECCOMP_MASKED_EQ,
};

struct runtime_seccomp_arg {
        unsigned index;
        uint64_t value;
        uint64_t value_two;
        enum runtime_seccomp_op op;
};

struct runtime_seccomp_rule {
        char **names;
        enum runtime_seccomp_action action;
        bool has_errno_ret;
        unsigned errno_ret;
        struct runtime_seccomp_arg *args;
        size_t n_args;
};

struct runtime_seccomp {
        enum runtime_seccomp_action default_action;
        bool has_default_errno_ret;
        unsigned default_errno_ret;
        char **architectures; /* "SCMP_ARCH_*" names */
        char **flags;         /* "SECCOMP_FILTER_FLAG_*" names */
        struct runtime_seccomp_rule *rules;
        size_t n_rules;
};

/* One line of a user namespace's uid_map or gid_map. */
struct runtime_id_mapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

struct runtime_linux {
        struct runtime_namespace *namespaces;
        size_t n_namespaces;
        struct runtime_id_mapping *uid_mappings;
        size_t n_uid_mappings;
        struct runtime_id_mapping *gid_mappings;
        size_t n_gid_mappings;
        char **sysctl_keys; /* sysctl_keys[i] = sysctl_values[i] */
        char **sysctl_values;
        struct runtime_resources resources;
        char *cgroups_path;
        struct runtime_device *devices;
        size_t n_devices;
        struct runtime_seccomp *seccomp;  /* NULL without linux.seccomp */
        unsigned long rootfs_propagation; /* MS_* flags, 0 when unset */
        char **masked_paths;
        char **readonly_paths;
};

/* The OCI hooks, in the order the lifecycle runs them. */
enum runtime_hook_kind {
        RUNTIME_HOOK_PRESTART,
        RUNTIME_HOOK_CREATE_RUNTIME,
        RUNTIME_HOOK_CREATE_CONTAINER,
        RUNTIME_HOOK_START_CONTAINER,
        RUNTIME_HOOK_POSTSTART,
        RUNTIME_HOOK_POSTSTOP,
        _RUNTIME_HOOK_KIND_MAX,
};

struct runtime_hook {
        char *path;    /* absolute */
        char **args;   /* NULL: argv is { path } */
        char **env;    /* NULL: the caller's environment */
        int timeout_s; /* 0: no timeout */
};

struct runtime_spec {
        char *oci_version;
        bool has_process;
        struct runtime_process process;
        char *root_path;
        bool root_readonly;
        char *hostname;
        char *domainname;
        struct runtime_mount *mounts;
        size_t n_mounts;
        /* The "linux" object; the member cannot be named linux because GNU C
         * predefines that name as a macro. */
        struct runtime_linux linux_config;
        struct runtime_hook *hooks[_RUNTIME_HOOK_KIND_MAX];
        size_t n_hooks[_RUNTIME_HOOK_KIND_MAX];
        /* All annotations, as "key", "value" pairs in one NULL-terminated
         * vector (NULL without any). */
        char **annotations;

        /* From the annotations described at the top of this file. */
        char **rootfs_lower; /* NULL without the overlay annotations */
        char *rootfs_upper;
        char *rootfs_work;
        /* Whether the lower directories are id-mapped with the user namespace. */
        bool rootfs_idmap;
        char *user; /* Docker's user string, or NULL */
        /* The --group-add values, or NULL. */
        char **group_add;
};

/* Tells whether the spec has a namespace of type (CLONE_NEW*), new or
 * joined; *ret_path is set to its path (NULL for a new one) when it does. */
bool runtime_spec_has_namespace(const struct runtime_spec *spec, int type, const char **ret_path);
