/* SPDX-License-Identifier: Apache-2.0 */
#include <sched.h>
#include <sys/mount.h>

#include "runtime/spec-internal.h"
#include "runtime/spec-json.h"
#include "strv.h"

static const struct {
        const char *name;
        int type;
} namespace_names[] = {
        { "pid", CLONE_NEWPID }, { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },      { "ipc", CLONE_NEWIPC },
        { "uts", CLONE_NEWUTS }, { "user", CLONE_NEWUSER },   { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

static const struct {
        const char *name;
        unsigned long flags;
} propagation_names[] = {
        { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
        { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
        { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static int namespace_from_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(namespace_names); i++)
                if (streq(namespace_names[i].name, name))
                        return namespace_names[i].type;
        return -EINVAL;
}

static int parse_namespace(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        struct runtime_namespace *namespaces = items, *ns = &namespaces[index];
        _cleanup_free_ char *type = NULL;
        int r;

        r = spec_json_string(obj, path, "type", &type, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, path, "path", &ns->path, err);
        if (r < 0)
                return r;
        if (ns->path && !*ns->path) {
                free(ns->path);
                ns->path = NULL;
        }

        ns->type = type ? namespace_from_name(type) : -EINVAL;
        if (ns->type < 0)
                return error_set(err, -EINVAL, "invalid config.json: %s.type: unknown namespace type %s", path,
                                 type ?: "(missing)");
        for (size_t i = 0; i < index; i++)
                if (namespaces[i].type == ns->type)
                        return spec_json_invalid(err, path, "type", "namespace type given twice");
        return 0;
}

static int parse_sysctl(json_object *linux_obj, struct runtime_linux *l, struct error *err)
{
        json_object *obj;
        int r;

        r = spec_json_object(linux_obj, "linux", "sysctl", &obj, err);
        if (r < 0 || !obj)
                return r;

        json_object_object_foreach (obj, key, value) {
                if (!value || !json_object_is_type(value, json_type_string))
                        return error_set(err, -EINVAL, "invalid config.json: linux.sysctl.%s must be a string", key);
                r = strv_append(&l->sysctl_keys, key);
                if (r < 0)
                        return r;
                r = strv_append(&l->sysctl_values, json_object_get_string(value));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_device(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        struct runtime_device *dev = (struct runtime_device *)items + index;
        _cleanup_free_ char *type = NULL;
        uint64_t v;
        int r;

        r = spec_json_string(obj, path, "path", &dev->path, err);
        if (r < 0)
                return r;
        if (isempty(dev->path) || !startswith(dev->path, "/dev/"))
                return spec_json_invalid(err, path, "path", "must be a path under /dev");
        r = spec_json_string(obj, path, "type", &type, err);
        if (r < 0)
                return r;
        if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
                return spec_json_invalid(err, path, "type", "must be c, b, u or p");
        dev->type = type[0];

        dev->major = dev->minor = 0;
        r = spec_parse_device_number(obj, path, "major", &dev->major, err);
        if (r >= 0)
                r = spec_parse_device_number(obj, path, "minor", &dev->minor, err);
        if (r < 0)
                return r;
        if (dev->type != 'p' && (dev->major < 0 || dev->minor < 0))
                return spec_json_invalid(err, path, NULL, "a device needs a major and a minor number");

        if (json_object_object_get_ex(obj, "fileMode", NULL)) {
                v = 0;
                r = spec_json_uint64(obj, path, "fileMode", 07777, &v, err);
                if (r < 0)
                        return r;
                dev->has_file_mode = true;
                dev->file_mode = v;
        }
        v = 0;
        r = spec_json_uint64(obj, path, "uid", UINT32_MAX - 1, &v, err);
        if (r < 0)
                return r;
        dev->uid = v;
        v = 0;
        r = spec_json_uint64(obj, path, "gid", UINT32_MAX - 1, &v, err);
        if (r < 0)
                return r;
        dev->gid = v;
        return 0;
}

static int parse_mapping(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        struct runtime_id_mapping *m = (struct runtime_id_mapping *)items + index;
        uint64_t container_id = 0, host_id = 0, size = 0;
        int r;

        r = spec_json_uint64(obj, path, "containerID", UINT32_MAX, &container_id, err);
        if (r >= 0)
                r = spec_json_uint64(obj, path, "hostID", UINT32_MAX, &host_id, err);
        if (r >= 0)
                r = spec_json_uint64(obj, path, "size", UINT32_MAX, &size, err);
        if (r < 0)
                return r;
        if (size == 0)
                return spec_json_invalid(err, path, "size", "must be above 0");
        *m = (struct runtime_id_mapping){ .container_id = container_id, .host_id = host_id, .size = size };
        return 0;
}

/* A new user namespace needs both maps, which the runtime writes, and the
 * maps need a user namespace. With a joined one they are ignored, as runc
 * 1.1 does, because the namespace has its maps already: dockerd sends its
 * maps along with the path. */
static int check_user_namespace(const struct runtime_linux *l, struct error *err)
{
        bool new_userns = false, joined_userns = false;

        for (size_t i = 0; i < l->n_namespaces; i++) {
                if (l->namespaces[i].type != CLONE_NEWUSER)
                        continue;
                if (l->namespaces[i].path)
                        joined_userns = true;
                else
                        new_userns = true;
        }
        if (new_userns && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
                return error_set(
                        err, -EINVAL,
                        "invalid config.json: a new user namespace needs linux.uidMappings and linux.gidMappings");
        if (!new_userns && !joined_userns && (l->n_uid_mappings > 0 || l->n_gid_mappings > 0))
                return error_set(err, -EINVAL, "invalid config.json: uid and gid mappings need a user namespace");
        return 0;
}

static int parse_propagation(json_object *linux_obj, struct runtime_linux *l, struct error *err)
{
        _cleanup_free_ char *name = NULL;
        int r;

        r = spec_json_string(linux_obj, "linux", "rootfsPropagation", &name, err);
        if (r < 0 || isempty(name))
                return r;

        for (size_t i = 0; i < ARRAY_SIZE(propagation_names); i++)
                if (streq(name, propagation_names[i].name)) {
                        l->rootfs_propagation = propagation_names[i].flags;
                        return 0;
                }
        return error_set(err, -EINVAL, "invalid config.json: linux.rootfsPropagation: unknown propagation %s", name);
}

/* Fails when the array or string member key is present and not empty. */
static int reject_member(json_object *linux_obj, const char *key, const char *what, struct error *err)
{
        json_object *value = NULL;

        if (!json_object_object_get_ex(linux_obj, key, &value) || !value)
                return 0;
        if (json_object_is_type(value, json_type_array) && json_object_array_length(value) == 0)
                return 0;
        if (json_object_is_type(value, json_type_string) && !*json_object_get_string(value))
                return 0;
        return error_set(err, -EOPNOTSUPP, "linux.%s: %s not supported", key, what);
}

static int reject_unsupported(json_object *linux_obj, struct error *err)
{
        static const struct {
                const char *key;
                const char *what;
        } unsupported[] = {
                { "mountLabel", "SELinux is" },
                { "intelRdt", "Intel RDT is" },
                { "personality", "personality is" },
                { "timeOffsets", "time namespace offsets are" },
        };
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
                r = reject_member(linux_obj, unsupported[i].key, unsupported[i].what, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int spec_parse_linux(json_object *obj, struct runtime_linux *l, struct error *err)
{
        json_object *seccomp, *resources;
        int r;

        r = reject_unsupported(obj, err);
        if (r < 0)
                return r;
        r = spec_json_parse_array(obj, "linux", "namespaces", sizeof(*l->namespaces), parse_namespace,
                                  (void **)&l->namespaces, &l->n_namespaces, err);
        if (r < 0)
                return r;
        r = spec_json_parse_array(obj, "linux", "uidMappings", sizeof(*l->uid_mappings), parse_mapping,
                                  (void **)&l->uid_mappings, &l->n_uid_mappings, err);
        if (r < 0)
                return r;
        r = spec_json_parse_array(obj, "linux", "gidMappings", sizeof(*l->gid_mappings), parse_mapping,
                                  (void **)&l->gid_mappings, &l->n_gid_mappings, err);
        if (r < 0)
                return r;
        r = check_user_namespace(l, err);
        if (r < 0)
                return r;
        r = parse_sysctl(obj, l, err);
        if (r < 0)
                return r;
        r = spec_json_object(obj, "linux", "resources", &resources, err);
        if (r >= 0 && resources)
                r = spec_parse_resources(resources, &l->resources, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, "linux", "cgroupsPath", &l->cgroups_path, err);
        if (r < 0)
                return r;
        r = spec_json_parse_array(obj, "linux", "devices", sizeof(*l->devices), parse_device, (void **)&l->devices,
                                  &l->n_devices, err);
        if (r < 0)
                return r;
        r = parse_propagation(obj, l, err);
        if (r < 0)
                return r;
        r = spec_json_strv(obj, "linux", "maskedPaths", &l->masked_paths, err);
        if (r < 0)
                return r;
        r = spec_json_strv(obj, "linux", "readonlyPaths", &l->readonly_paths, err);
        if (r < 0)
                return r;

        r = spec_json_object(obj, "linux", "seccomp", &seccomp, err);
        if (r < 0 || !seccomp)
                return r;
        return spec_parse_seccomp(seccomp, &l->seccomp, err);
}

void spec_linux_done(struct runtime_linux *l)
{
        for (size_t i = 0; i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        strv_free(l->sysctl_keys);
        strv_free(l->sysctl_values);
        spec_resources_done(&l->resources);
        free(l->cgroups_path);
        for (size_t i = 0; i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        spec_seccomp_free(l->seccomp);
        strv_free(l->masked_paths);
        strv_free(l->readonly_paths);
}
