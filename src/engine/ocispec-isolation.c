/* SPDX-License-Identifier: Apache-2.0 */
#include "ocispec-isolation.h"

#include <stdio.h>
#include <unistd.h>

#include "container.h"
#include "daemon.h"
#include "devices.h"
#include "engine-internal.h"
#include "jsonutil.h"
#include "namespace-modes.h"
#include "ocispec-options.h"
#include "runtime/spec.h"

static json_object *string_array(const char *const *items)
{
        json_object *array = json_object_new_array();

        for (; *items; items++)
                json_object_array_add(array, json_object_new_string(*items));
        return array;
}

static json_object *new_bind(const char *destination, const char *source, const char *const *options)
{
        json_object *m = json_object_new_object();

        json_object_object_add(m, "destination", json_object_new_string(destination));
        json_object_object_add(m, "type", json_object_new_string("bind"));
        json_object_object_add(m, "source", json_object_new_string(source));
        json_object_object_add(m, "options", string_array(options));
        return m;
}

/* Returns the index of the first mount on destination, or -1. */
static int find_mount(json_object *mounts, const char *destination)
{
        for (size_t i = 0; i < json_object_array_length(mounts); i++)
                if (streq(json_field_string(json_object_array_get_idx(mounts, i), "destination", ""), destination))
                        return (int)i;
        return -1;
}

static void drop_option(json_object *mount, const char *option)
{
        json_object *options = json_field_array(mount, "options");

        for (size_t i = 0; options && i < json_object_array_length(options);) {
                if (streq(json_object_get_string(json_object_array_get_idx(options, i)), option))
                        json_object_array_del_idx(options, i, 1);
                else
                        i++;
        }
}

/* /dev/shm by IpcMode: a tmpfs of its own (the default), none, or a bind
 * of the one it shares. */
static void apply_shm(json_object *mounts, json_object *hc, const struct namespace_shares *shares)
{
        static const char *const bind_options[] = { "rbind", "rprivate", NULL };
        int index = find_mount(mounts, "/dev/shm");

        if (index < 0)
                return;
        if (shares->shm_source)
                json_object_array_put_idx(mounts, index, new_bind("/dev/shm", shares->shm_source, bind_options));
        else if (streq(json_field_string(hc, "IpcMode", ""), "none"))
                json_object_array_del_idx(mounts, index, 1);
}

/* --privileged: sysfs and the cgroup filesystem writable, as dockerd
 * mounts them. */
static void apply_privileged_mounts(json_object *mounts)
{
        static const char *const writable[] = { "/sys", "/sys/fs/cgroup" };

        for (size_t i = 0; i < ARRAY_SIZE(writable); i++) {
                int index = find_mount(mounts, writable[i]);

                if (index >= 0)
                        drop_option(json_object_array_get_idx(mounts, index), "ro");
        }
}

/* Sets the path of the namespace of type to /proc/<pid>/ns/<type>, or
 * removes the namespace (the container then stays in the daemon's) when pid
 * is 0. */
static void share_namespace(json_object *namespaces, const char *type, pid_t pid)
{
        for (size_t i = 0; i < json_object_array_length(namespaces); i++) {
                json_object *ns = json_object_array_get_idx(namespaces, i);
                char path[64];

                if (!streq(json_field_string(ns, "type", ""), type))
                        continue;
                if (pid == 0) {
                        json_object_array_del_idx(namespaces, i, 1);
                        return;
                }
                /* NOTE: the path names the donor by PID, as dockerd's does,
                 * so a donor that ends during this start fails it or, if its
                 * PID is reused, could lend another process's namespace. */
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, type);
                json_object_object_add(ns, "path", json_object_new_string(path));
                return;
        }
}

/* Sets the path of the namespace of type, which the container joins. */
static void join_namespace_path(json_object *namespaces, const char *type, const char *path)
{
        for (size_t i = 0; i < json_object_array_length(namespaces); i++) {
                json_object *ns = json_object_array_get_idx(namespaces, i);

                if (streq(json_field_string(ns, "type", ""), type)) {
                        json_object_object_add(ns, "path", json_object_new_string(path));
                        return;
                }
        }
}

static void apply_namespaces(json_object *spec, json_object *hc, const struct namespace_shares *shares)
{
        json_object *namespaces = json_field_array(json_field_object(spec, "linux"), "namespaces");

        if (!namespaces)
                return;
        if (shares->ipc_pid || streq(json_field_string(hc, "IpcMode", ""), "host"))
                share_namespace(namespaces, "ipc", shares->ipc_pid);
        if (shares->pid_pid || streq(json_field_string(hc, "PidMode", ""), "host"))
                share_namespace(namespaces, "pid", shares->pid_pid);
        if (shares->net_path)
                join_namespace_path(namespaces, "network", shares->net_path);
        if (shares->user_pid)
                share_namespace(namespaces, "user", shares->user_pid);
        if (streq(json_field_string(hc, "CgroupnsMode", ""), "host"))
                share_namespace(namespaces, "cgroup", 0);
        if (streq(json_field_string(hc, "UTSMode", ""), "host")) {
                share_namespace(namespaces, "uts", 0);
                /* The host's names stay; create rejected names of its own. */
                json_object_object_del(spec, "hostname");
                json_object_object_del(spec, "domainname");
        }
}

static int apply_devices(json_object *spec, json_object *hc, struct error *err)
{
        json_object *linux_obj = json_field_object(spec, "linux");
        json_object *rules = json_field_array(json_field_object(linux_obj, "resources"), "devices");
        json_object *devices = json_field_array(linux_obj, "devices");

        if (!linux_obj || !rules)
                return error_set(err, -EINVAL, "the OCI config has no device cgroup rules to extend");
        if (!devices) {
                devices = json_object_new_array();
                json_object_object_add(linux_obj, "devices", devices);
        }
        return devices_add_to_spec(hc, devices, rules, err);
}

/* --init: the init bound read-only on OCISPEC_INIT_PATH runs the command,
 * with dockerd's arguments, so ps in the container shows the same. */
static int apply_init(struct engine *e, json_object *spec, json_object *mounts, struct error *err)
{
        static const char *const options[] = { "bind", "ro", NULL };
        json_object *process = json_field_object(spec, "process");
        json_object *args = json_field_array(process, "args");
        json_object *init_args = json_object_new_array();
        const char *init_path = e->daemon->init_path;

        if (access(init_path, X_OK) < 0) {
                json_object_put(init_args);
                return error_set_errno(err, -errno, "the init for --init, %s, cannot be run", init_path);
        }
        json_object_array_add(init_args, json_object_new_string(OCISPEC_INIT_PATH));
        json_object_array_add(init_args, json_object_new_string("--"));
        for (size_t i = 0; args && i < json_object_array_length(args); i++)
                json_object_array_add(init_args, json_object_get(json_object_array_get_idx(args, i)));
        json_object_object_add(process, "args", init_args);

        json_object_array_add(mounts, new_bind(OCISPEC_INIT_PATH, init_path, options));
        return 0;
}

/* --group-add: the runtime resolves the names in the container's own
 * /etc/group, which the daemon cannot read before the root filesystem is
 * assembled. Create checked that no entry contains a comma. */
static int apply_group_add(json_object *spec, json_object *hc)
{
        json_object *groups = json_field_array(hc, "GroupAdd");
        json_object *annotations = json_field_object(spec, "annotations");
        _cleanup_free_ char *list = NULL;
        size_t len = 0;

        if (!groups || json_object_array_length(groups) == 0)
                return 0;
        if (!annotations)
                return -EINVAL;
        for (size_t i = 0; i < json_object_array_length(groups); i++)
                len += strlen(json_object_get_string(json_object_array_get_idx(groups, i))) + 1;
        list = calloc(1, len + 1);
        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(groups); i++) {
                if (i > 0)
                        strcat(list, ",");
                strcat(list, json_object_get_string(json_object_array_get_idx(groups, i)));
        }
        json_object_object_add(annotations, RUNTIME_ANNOTATION_GROUP_ADD, json_object_new_string(list));
        return 0;
}

static bool has_rlimit(json_object *rlimits, const char *type)
{
        for (size_t i = 0; i < json_object_array_length(rlimits); i++)
                if (streq(json_field_string(json_object_array_get_idx(rlimits, i), "type", ""), type))
                        return true;
        return false;
}

/* Adds the daemon's default ulimits that the container does not set. Create
 * stored the defaults of its time in HostConfig, and dockerd merges the
 * current ones again at each start. */
static void apply_default_ulimits(json_object *spec, json_object *defaults)
{
        json_object *process = json_field_object(spec, "process");
        json_object *rlimits = json_field_array(process, "rlimits");

        for (size_t i = 0; defaults && i < json_object_array_length(defaults); i++) {
                json_object *u = json_object_array_get_idx(defaults, i), *rlimit;
                char type[32];

                if (ocispec_rlimit_type(json_field_string(u, "Name", ""), type, sizeof(type)) < 0)
                        continue;
                if (!rlimits) {
                        rlimits = json_object_new_array();
                        json_object_object_add(process, "rlimits", rlimits);
                }
                if (has_rlimit(rlimits, type))
                        continue;
                rlimit = json_object_new_object();
                json_object_object_add(rlimit, "type", json_object_new_string(type));
                json_object_object_add(rlimit, "hard", json_object_new_uint64((uint64_t)json_field_int(u, "Hard", 0)));
                json_object_object_add(rlimit, "soft", json_object_new_uint64((uint64_t)json_field_int(u, "Soft", 0)));
                json_object_array_add(rlimits, rlimit);
        }
}

int ocispec_isolation_apply(struct engine *e, struct container *c, const struct namespace_shares *shares,
                            json_object *spec, struct error *err)
{
        json_object *hc = c->host_config;
        json_object *mounts = json_field_array(spec, "mounts");
        int r;

        if (!mounts)
                return error_set(err, -EINVAL, "the OCI config has no mounts");
        apply_namespaces(spec, hc, shares);
        apply_shm(mounts, hc, shares);
        if (json_field_bool(hc, "Privileged", false))
                apply_privileged_mounts(mounts);
        r = apply_devices(spec, hc, err);
        if (r < 0)
                return r;
        if (json_field_bool(hc, "Init", false)) {
                r = apply_init(e, spec, mounts, err);
                if (r < 0)
                        return r;
        }
        apply_default_ulimits(spec, e->daemon->config.default_ulimits);
        return apply_group_add(spec, hc);
}
