/* SPDX-License-Identifier: Apache-2.0 */
/* The docker run options that become parts of the OCI config: capability
 * changes, ulimits, sysctls and the user's mounts (ocispec-resources.c has
 * the resource limits). */
#include "ocispec-options.h"

#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <sys/prctl.h>

#include "jsonutil.h"
#include "macro.h"
#include "strv.h"

/* Capabilities by number, as the kernel numbers them. */
static const char *const capability_names[] = {
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_ADMIN",
        "NET_RAW",
        "IPC_LOCK",
        "IPC_OWNER",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_CHROOT",
        "SYS_PTRACE",
        "SYS_PACCT",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_NICE",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "MKNOD",
        "LEASE",
        "AUDIT_WRITE",
        "AUDIT_CONTROL",
        "SETFCAP",
        "MAC_OVERRIDE",
        "MAC_ADMIN",
        "SYSLOG",
        "WAKE_ALARM",
        "BLOCK_SUSPEND",
        "AUDIT_READ",
        "PERFMON",
        "BPF",
        "CHECKPOINT_RESTORE",
};

/* Docker's default capability set. */
static const char *const default_capabilities[] = {
        "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
        "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
};

static const char *const ulimit_names[] = {
        "as",   "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue",
        "nice", "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",
};

/* Returns the capability's number, or -1. */
static int capability_number(const char *name)
{
        const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;

        for (size_t i = 0; i < ARRAY_SIZE(capability_names); i++)
                if (strcasecmp(bare, capability_names[i]) == 0)
                        return (int)i;
        return -1;
}

static bool in_bounding_set(int cap)
{
        return prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
}

int ocispec_capability_check(const char *name, bool grantable, struct error *err)
{
        int cap;

        if (name && strcasecmp(name, "ALL") == 0)
                return 0;
        cap = name ? capability_number(name) : -1;
        if (cap < 0)
                return error_set(err, -EINVAL, "unknown capability: \"%s\"", name ? name : "");
        if (grantable && !in_bounding_set(cap))
                return error_set(err, -EINVAL,
                                 "capability CAP_%s cannot be granted: this daemon does not hold it in its bounding "
                                 "set",
                                 capability_names[cap]);
        return 0;
}

int ocispec_rlimit_type(const char *name, char *buf, size_t size)
{
        for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++) {
                if (!name || !streq(name, ulimit_names[i]))
                        continue;
                snprintf(buf, size, "RLIMIT_%s", name);
                for (char *p = buf; *p; p++)
                        *p = (char)toupper((unsigned char)*p);
                return 0;
        }
        return -EINVAL;
}

static bool list_has(json_object *list, const char *name)
{
        for (size_t i = 0; list && i < json_object_array_length(list); i++) {
                const char *item = json_object_get_string(json_object_array_get_idx(list, i));
                const char *bare = item && strncasecmp(item, "CAP_", 4) == 0 ? item + 4 : item;

                if (bare && strcasecmp(bare, name) == 0)
                        return true;
        }
        return false;
}

/* Docker's rule: ALL in CapAdd grants every capability (of the daemon's
 * bounding set), ALL in CapDrop starts from none; explicit additions and
 * drops then apply. */
static bool capability_granted(json_object *add, json_object *drop, int cap)
{
        const char *name = capability_names[cap];
        bool is_default = false;

        if (!in_bounding_set(cap))
                return false;
        if (list_has(add, "ALL") || list_has(add, name))
                return !list_has(drop, name) || list_has(add, name);
        if (list_has(drop, "ALL") || list_has(drop, name))
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(default_capabilities); i++)
                if (streq(default_capabilities[i], name))
                        is_default = true;
        return is_default;
}

json_object *ocispec_capabilities(json_object *hc)
{
        static const char *const sets[] = { "bounding", "effective", "permitted" };
        json_object *add = json_field_array(hc, "CapAdd"), *drop = json_field_array(hc, "CapDrop");
        json_object *granted = json_object_new_array(), *caps = json_object_new_object();
        bool privileged = json_field_bool(hc, "Privileged", false);

        for (int cap = 0; cap < (int)ARRAY_SIZE(capability_names); cap++) {
                char name[64];

                /* --privileged grants all, whatever CapAdd and CapDrop contain,
                 * as dockerd does; the daemon can only give those it has. */
                if (privileged ? !in_bounding_set(cap) : !capability_granted(add, drop, cap))
                        continue;
                snprintf(name, sizeof(name), "CAP_%s", capability_names[cap]);
                json_object_array_add(granted, json_object_new_string(name));
        }
        for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
                json_object_object_add(caps, sets[i], i == 0 ? granted : json_tokener_parse(json_to_string(granted)));
        return caps;
}

json_object *ocispec_rlimits(json_object *hc)
{
        json_object *ulimits = json_field_array(hc, "Ulimits"), *rlimits;

        if (!ulimits || json_object_array_length(ulimits) == 0)
                return NULL;
        rlimits = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(ulimits); i++) {
                json_object *u = json_object_array_get_idx(ulimits, i), *rl;
                char type[32];

                if (ocispec_rlimit_type(json_field_string(u, "Name", ""), type, sizeof(type)) < 0)
                        continue;
                rl = json_object_new_object();
                json_object_object_add(rl, "type", json_object_new_string(type));
                /* -1 is unlimited, RLIM_INFINITY as the runtime reads it. */
                json_object_object_add(rl, "hard", json_object_new_uint64((uint64_t)json_field_int(u, "Hard", 0)));
                json_object_object_add(rl, "soft", json_object_new_uint64((uint64_t)json_field_int(u, "Soft", 0)));
                json_object_array_add(rlimits, rl);
        }
        return rlimits;
}

void ocispec_add_sysctls(json_object *sysctl, json_object *hc)
{
        json_object *sysctls = json_field_object(hc, "Sysctls");

        if (!sysctls)
                return;
        json_object_object_foreach (sysctls, key, value)
                json_object_object_add(sysctl, key, json_object_new_string(json_object_get_string(value)));
}

static json_object *new_mount(const char *destination, const char *type, const char *source, const char *options)
{
        _cleanup_strv_free_ char **v = strv_split(options, ",", false);
        json_object *m = json_object_new_object();

        json_object_object_add(m, "destination", json_object_new_string(destination));
        json_object_object_add(m, "type", json_object_new_string(type));
        json_object_object_add(m, "source", json_object_new_string(source));
        json_object_object_add(m, "options", json_array_from_strv(v) ?: json_object_new_array());
        return m;
}

/* --tmpfs PATH[:OPTIONS], with dockerd's defaults noexec,nosuid,nodev. */
static void add_tmpfs(json_object *list, json_object *hc)
{
        json_object *tmpfs = json_field_object(hc, "Tmpfs");

        if (!tmpfs)
                return;
        json_object_object_foreach (tmpfs, path, value) {
                const char *extra = json_object_get_string(value);
                _cleanup_free_ char *options = NULL;

                if (asprintf(&options, "noexec,nosuid,nodev%s%s", isempty(extra) ? "" : ",", extra ? extra : "") < 0)
                        continue;
                json_object_array_add(list, new_mount(path, "tmpfs", "tmpfs", options));
        }
}

/* A bind or a volume: rbind (bind with NonRecursive), its propagation
 * ("rprivate" for volumes, as dockerd gives them) and ro when read-only. */
static json_object *bind_from_point(json_object *m)
{
        const char *propagation = json_field_string(m, "Propagation", "");
        char options[128];

        snprintf(options, sizeof(options), "%s,%s%s", json_field_bool(m, "NonRecursive", false) ? "bind" : "rbind",
                 *propagation ? propagation : "rprivate", json_field_bool(m, "RW", true) ? "" : ",ro");
        return new_mount(json_field_string(m, "Destination", ""), "bind", json_field_string(m, "Source", ""), options);
}

static json_object *tmpfs_from_point(json_object *m)
{
        json_object *tmpfs_options = json_field_object(m, "TmpfsOptions");
        int64_t size = json_field_int(tmpfs_options, "SizeBytes", 0);
        int64_t mode = json_field_int(tmpfs_options, "Mode", 0);
        char options[128];
        int n;

        n = snprintf(options, sizeof(options), "noexec,nosuid,nodev%s", json_field_bool(m, "RW", true) ? "" : ",ro");
        if (size > 0)
                n += snprintf(options + n, sizeof(options) - (size_t)n, ",size=%lld", (long long)size);
        if (mode > 0)
                snprintf(options + n, sizeof(options) - (size_t)n, ",mode=%llo", (long long)mode);
        return new_mount(json_field_string(m, "Destination", ""), "tmpfs", "tmpfs", options);
}

static json_object *mount_from_point(json_object *m)
{
        if (streq(json_field_string(m, "Type", ""), "tmpfs"))
                return tmpfs_from_point(m);
        return bind_from_point(m);
}

static size_t path_depth(json_object *mount)
{
        const char *p = json_field_string(mount, "destination", "");
        size_t depth = 0;

        for (; *p; p++)
                if (*p == '/' && p[1] && p[1] != '/')
                        depth++;
        return depth;
}

int ocispec_add_user_mounts(json_object *mounts, json_object *hc, json_object *mount_points, struct error *err)
{
        _cleanup_json_ json_object *list = json_object_new_array();

        for (size_t i = 0; mount_points && i < json_object_array_length(mount_points); i++) {
                json_object *m = json_object_array_get_idx(mount_points, i);

                /* A volume whose create failed has no source to mount. */
                if (streq(json_field_string(m, "Type", ""), "volume") && !*json_field_string(m, "Source", ""))
                        return error_set(err, -ENOENT, "the volume of mount point %s is missing",
                                         json_field_string(m, "Destination", ""));
                json_object_array_add(list, mount_from_point(m));
        }
        add_tmpfs(list, hc);

        /* Shallow paths first, the user's order kept among mounts of one
         * depth, so a mount is never hidden by one on its parent. */
        for (size_t depth = 0, left = json_object_array_length(list); left > 0; depth++)
                for (size_t i = 0; i < json_object_array_length(list); i++) {
                        json_object *m = json_object_array_get_idx(list, i);

                        if (path_depth(m) != depth)
                                continue;
                        json_object_array_add(mounts, json_object_get(m));
                        left--;
                }
        return 0;
}
