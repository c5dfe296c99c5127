/* SPDX-License-Identifier: Apache-2.0 */
#include "create-isolation.h"

#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "devices.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "macro.h"

/* The sysctls of the IPC namespace that runc lets a container set, besides
 * those below fs.mqueue. */
static const char *const ipc_sysctls[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static bool is_ipc_sysctl(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(ipc_sysctls); i++)
                if (streq(name, ipc_sysctls[i]))
                        return true;
        return startswith(name, "fs.mqueue.") != NULL;
}

/* runc's rules, checked here so that a sysctl the container cannot have
 * fails at create: a sysctl must belong to a namespace the container does
 * not share with the host. The runtime writes a name as a path below
 * /proc/sys, so a name must not climb out of it. */
static int check_sysctl(json_object *hc, const char *name, struct error *err)
{
        if (strchr(name, '/') || strstr(name, ".."))
                return error_set(err, -EINVAL, "sysctl \"%s\" is not allowed: a name cannot contain \"/\" or \"..\"",
                                 name);
        if (is_ipc_sysctl(name)) {
                if (streq(json_field_string(hc, "IpcMode", ""), "host"))
                        return error_set(err, -EINVAL, "sysctl \"%s\" is not allowed in the hosts ipc namespace", name);
                return 0;
        }
        if (startswith(name, "net.")) {
                if (streq(json_field_string(hc, "NetworkMode", ""), "host"))
                        return error_set(err, -EINVAL, "sysctl \"%s\" not allowed in host network namespace", name);
                return 0;
        }
        if (streq(name, "kernel.hostname"))
                return error_set(err, -EINVAL,
                                 "sysctl \"%s\" is not allowed as it conflicts with the OCI \"hostname\" field", name);
        if (streq(name, "kernel.domainname") && !streq(json_field_string(hc, "UTSMode", ""), "host"))
                return 0;
        return error_set(err, -EINVAL, "sysctl \"%s\" is not in a separate kernel namespace", name);
}

static int check_sysctls(json_object *hc, struct error *err)
{
        json_object *sysctls = json_field_object(hc, "Sysctls");
        int r;

        if (!sysctls)
                return 0;
        json_object_object_foreach (sysctls, name, value) {
                if (!json_object_is_type(value, json_type_string))
                        return error_set(err, -EINVAL,
                                         "json: cannot unmarshal %s into Go struct field HostConfig.Sysctls of type "
                                         "string",
                                         json_object_is_type(value, json_type_object) ? "object" : "number");
                r = check_sysctl(hc, name, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_oom_score_adj(json_object *hc, struct error *err)
{
        int64_t adj = json_field_int(hc, "OomScoreAdj", 0);

        if (adj < -1000 || adj > 1000)
                return error_set(err, -EINVAL, "Invalid value %" PRId64 ", range for oom score adj is [-1000, 1000]",
                                 adj);
        return 0;
}

/* The runtime resolves --group-add in the container's /etc/group, where a
 * name never contains ',' (the separator of the list it receives) or ':'. */
static int check_group_add(json_object *hc, struct error *err)
{
        json_object *groups = json_field_array(hc, "GroupAdd");

        for (size_t i = 0; groups && i < json_object_array_length(groups); i++) {
                json_object *item = json_object_array_get_idx(groups, i);
                const char *group = json_object_get_string(item);

                if (!json_object_is_type(item, json_type_string))
                        return error_set(err, -EINVAL,
                                         "json: cannot unmarshal number into Go struct field HostConfig.GroupAdd of "
                                         "type string");
                if (!*group || group[strcspn(group, ",:\n")])
                        return error_set(err, -EINVAL, "Unable to find group %s: no matching entries in group file",
                                         group);
        }
        return 0;
}

static const struct {
        const char *name;
        int resource;
} ulimit_resources[] = {
        { "as", RLIMIT_AS },           { "core", RLIMIT_CORE },         { "cpu", RLIMIT_CPU },
        { "data", RLIMIT_DATA },       { "fsize", RLIMIT_FSIZE },       { "locks", RLIMIT_LOCKS },
        { "memlock", RLIMIT_MEMLOCK }, { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
        { "nofile", RLIMIT_NOFILE },   { "nproc", RLIMIT_NPROC },       { "rss", RLIMIT_RSS },
        { "rtprio", RLIMIT_RTPRIO },   { "rttime", RLIMIT_RTTIME },     { "sigpending", RLIMIT_SIGPENDING },
        { "stack", RLIMIT_STACK },
};

static int ulimit_resource(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(ulimit_resources); i++)
                if (streq(name, ulimit_resources[i].name))
                        return ulimit_resources[i].resource;
        return -EINVAL;
}

static bool has_sys_resource(void)
{
        struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

        if (syscall(SYS_capget, &header, data) < 0)
                return false;
        return data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective & CAP_TO_MASK(CAP_SYS_RESOURCE);
}

/* The largest hard limit the runtime can set for resource, with a note on
 * where it comes from, or UINT64_MAX when there is none. */
static uint64_t max_hard_limit(int resource, const char **ret_origin)
{
        _cleanup_free_ char *text = NULL;
        struct rlimit own;

        if (!has_sys_resource()) {
                *ret_origin = "the daemon's own hard limit";
                return getrlimit(resource, &own) == 0 ? (uint64_t)own.rlim_max : UINT64_MAX;
        }
        if (resource != RLIMIT_NOFILE || fs_read_file_at(AT_FDCWD, "/proc/sys/fs/nr_open", 64, &text, NULL) < 0)
                return UINT64_MAX;
        *ret_origin = "fs.nr_open";
        return strtoull(text, NULL, 10);
}

static const char *limit_text(uint64_t value, char *buf, size_t size)
{
        if (value == UINT64_MAX)
                return "unlimited";
        snprintf(buf, size, "%" PRIu64, value);
        return buf;
}

int create_ulimit_check(const char *source, const char *name, int64_t soft, int64_t hard, struct error *err)
{
        int resource = ulimit_resource(name);
        const char *origin = NULL;
        char hard_text[32], max_text[32];
        uint64_t max;

        if (resource < 0)
                return error_set(err, -EINVAL, "invalid ulimit type: %s", name);
        /* -1 is RLIM_INFINITY, so the comparisons are unsigned. */
        if ((uint64_t)soft > (uint64_t)hard)
                return error_set(err, -EINVAL,
                                 "ulimit soft limit must be less than or equal to hard limit: %" PRId64 " > %" PRId64,
                                 soft, hard);
        max = max_hard_limit(resource, &origin);
        if ((uint64_t)hard > max)
                return error_set(err, -EINVAL, "%s %s: the hard limit %s is above the maximum %s (%s)", source, name,
                                 limit_text((uint64_t)hard, hard_text, sizeof(hard_text)),
                                 limit_text(max, max_text, sizeof(max_text)), origin);
        return 0;
}

static int check_ulimits(json_object *hc, struct error *err)
{
        json_object *ulimits = json_field_array(hc, "Ulimits");

        for (size_t i = 0; ulimits && i < json_object_array_length(ulimits); i++) {
                json_object *u = json_object_array_get_idx(ulimits, i);
                int r;

                r = create_ulimit_check("--ulimit", json_field_string(u, "Name", ""), json_field_int(u, "Soft", 0),
                                        json_field_int(u, "Hard", 0), err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool has_ulimit(json_object *hc, const char *name)
{
        json_object *ulimits = json_field_array(hc, "Ulimits");

        for (size_t i = 0; ulimits && i < json_object_array_length(ulimits); i++)
                if (streq(json_field_string(json_object_array_get_idx(ulimits, i), "Name", ""), name))
                        return true;
        return false;
}

int create_default_ulimits_check(json_object *defaults, json_object *hc, struct error *err)
{
        for (size_t i = 0; defaults && i < json_object_array_length(defaults); i++) {
                json_object *u = json_object_array_get_idx(defaults, i);
                const char *name = json_field_string(u, "Name", "");
                int r;

                if (has_ulimit(hc, name))
                        continue;
                r = create_ulimit_check("the daemon's default ulimit", name, json_field_int(u, "Soft", 0),
                                        json_field_int(u, "Hard", 0), err);
                if (r < 0)
                        return r;
        }
        return 0;
}

void create_merge_default_ulimits(json_object *hc, json_object *defaults)
{
        json_object *ulimits = json_field_array(hc, "Ulimits");

        for (size_t i = 0; defaults && i < json_object_array_length(defaults); i++) {
                json_object *u = json_object_array_get_idx(defaults, i);

                if (has_ulimit(hc, json_field_string(u, "Name", "")))
                        continue;
                if (!ulimits) {
                        ulimits = json_object_new_array();
                        json_object_object_add(hc, "Ulimits", ulimits);
                }
                json_object_array_add(ulimits, json_object_get(u));
        }
}

int create_isolation_check(json_object *hc, struct error *err)
{
        int r;

        r = check_sysctls(hc, err);
        if (r >= 0)
                r = check_oom_score_adj(hc, err);
        if (r >= 0)
                r = devices_check_mappings(json_field_array(hc, "Devices"), err);
        if (r >= 0)
                r = devices_check_rules(json_field_array(hc, "DeviceCgroupRules"), err);
        if (r >= 0)
                r = check_group_add(hc, err);
        if (r >= 0)
                r = check_ulimits(hc, err);
        return r;
}
