/* SPDX-License-Identifier: Apache-2.0 */
#include "ocispec.h"

#include <stdio.h>

#include "container.h"
#include "daemon.h"
#include "engine-internal.h"
#include "ocispec-isolation.h"
#include "ocispec-options.h"
#include "security-opt.h"
#include "ocispec-resources.h"
#include "jsonutil.h"
#include "network.h"
#include "pool/backend.h"
#include "runtime/spec.h"
#include "strv.h"
#include "userns.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static json_object *split_options(const char *options)
{
        _cleanup_strv_free_ char **v = strv_split(options, ",", false);

        return json_array_from_strv(v) ?: json_object_new_array();
}

static void add_mount(json_object *mounts, const char *destination, const char *type, const char *source,
                      const char *options)
{
        json_object *m = json_object_new_object();

        json_object_object_add(m, "destination", json_object_new_string(destination));
        json_object_object_add(m, "type", json_object_new_string(type));
        json_object_object_add(m, "source", json_object_new_string(source));
        json_object_object_add(m, "options", split_options(options));
        json_object_array_add(mounts, m);
}

/* Replaces the entry of env with the same name as entry, or appends it. */
static int env_set(char ***env, const char *entry)
{
        size_t key_len = strcspn(entry, "=");

        for (char **p = *env; p && *p; p++)
                if (strncmp(*p, entry, key_len) == 0 && ((*p)[key_len] == '=' || (*p)[key_len] == '\0')) {
                        char *copy = strdup(entry);

                        if (!copy)
                                return -ENOMEM;
                        free(*p);
                        *p = copy;
                        return 0;
                }
        return strv_append(env, entry);
}

char **ocispec_environment(struct container *c, bool tty)
{
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *hostname = NULL;
        json_object *config_env = json_field_array(c->config, "Env");

        if (strv_append(&env, DEFAULT_PATH) < 0)
                return NULL;
        if (asprintf(&hostname, "HOSTNAME=%s", json_field_string(c->config, "Hostname", "")) < 0 ||
            strv_append(&env, hostname) < 0)
                return NULL;
        if (tty && strv_append(&env, "TERM=xterm") < 0)
                return NULL;
        /* The variables of legacy links come before the container's own. */
        if (c->backend) {
                _cleanup_strv_free_ char **links = network_container_link_env(c->backend->engine, c);

                STRV_FOREACH (entry, links)
                        if (env_set(&env, *entry) < 0)
                                return NULL;
        }
        for (size_t i = 0; config_env && i < json_object_array_length(config_env); i++) {
                const char *entry = json_object_get_string(json_object_array_get_idx(config_env, i));

                /* "-e NAME" for a variable the client does not have arrives
                 * without "=": it stays in Config.Env but sets nothing. */
                if (!strchr(entry, '='))
                        continue;
                if (env_set(&env, entry) < 0)
                        return NULL;
        }
        return TAKE_PTR(env);
}

static json_object *build_env(struct container *c)
{
        _cleanup_strv_free_ char **env = ocispec_environment(c, container_tty(c));

        return json_array_from_strv(env);
}

static json_object *build_process(struct container *c)
{
        json_object *process = json_object_new_object();
        json_object *args = json_object_new_array();
        json_object *user = json_object_new_object(), *rlimits;
        const char *cwd = json_field_string(c->config, "WorkingDir", "");

        json_object_array_add(args, json_object_new_string(c->path));
        STRV_FOREACH (a, c->args)
                json_object_array_add(args, json_object_new_string(*a));

        json_object_object_add(user, "uid", json_object_new_int(0));
        json_object_object_add(user, "gid", json_object_new_int(0));

        json_object_object_add(process, "terminal", json_object_new_boolean(container_tty(c)));
        json_object_object_add(process, "user", user);
        json_object_object_add(process, "args", args);
        json_object_object_add(process, "env", build_env(c));
        json_object_object_add(process, "cwd", json_object_new_string(*cwd ? cwd : "/"));
        json_object_object_add(process, "capabilities", ocispec_capabilities(c->host_config));
        rlimits = ocispec_rlimits(c->host_config);
        if (rlimits)
                json_object_object_add(process, "rlimits", rlimits);
        json_object_object_add(process, "noNewPrivileges", json_object_new_boolean(false));
        json_object_object_add(process, "oomScoreAdj",
                               json_object_new_int((int)json_field_int(c->host_config, "OomScoreAdj", 0)));
        return process;
}

static bool has_mount_at(json_object *mounts, const char *destination)
{
        for (size_t i = 0; i < json_object_array_length(mounts); i++)
                if (streq(json_field_string(json_object_array_get_idx(mounts, i), "destination", ""), destination))
                        return true;
        return false;
}

/* Binds of the generated /etc files, unless the user mounts on one of the
 * files itself. They come after the user's mounts, as dockerd sorts them by
 * depth, so that a volume or bind on /etc still shows them. */
static void add_etc_mounts(json_object *mounts, const char *etc_dir)
{
        static const char *const files[] = { "resolv.conf", "hostname", "hosts" };

        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                char source[4096], destination[64];

                snprintf(destination, sizeof(destination), "/etc/%s", files[i]);
                if (has_mount_at(mounts, destination))
                        continue;
                snprintf(source, sizeof(source), "%s/%s", etc_dir, files[i]);
                add_mount(mounts, destination, "bind", source, "rbind,rprivate");
        }
}

static json_object *build_mounts(struct container *c, const struct ocispec_rootfs *rootfs, struct error *err)
{
        json_object *mounts = json_object_new_array();
        char shm_options[128];

        snprintf(shm_options, sizeof(shm_options), "nosuid,noexec,nodev,mode=1777,size=%lld",
                 (long long)json_field_int(c->host_config, "ShmSize", 64 << 20));

        add_mount(mounts, "/proc", "proc", "proc", "nosuid,noexec,nodev");
        add_mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k");
        add_mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
        add_mount(mounts, "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro");
        add_mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "ro,nosuid,noexec,nodev");
        add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
        add_mount(mounts, "/dev/shm", "tmpfs", "shm", shm_options);
        if (ocispec_add_user_mounts(mounts, c->host_config, c->mounts, err) < 0) {
                json_object_put(mounts);
                return NULL;
        }
        add_etc_mounts(mounts, rootfs->etc_dir);
        return mounts;
}

static void add_namespace(json_object *namespaces, const char *type)
{
        json_object *ns = json_object_new_object();

        json_object_object_add(ns, "type", json_object_new_string(type));
        json_object_array_add(namespaces, ns);
}

static json_object *build_namespaces(struct container *c)
{
        json_object *namespaces = json_object_new_array();

        add_namespace(namespaces, "mount");
        if (!streq(json_field_string(c->host_config, "NetworkMode", ""), "host"))
                add_namespace(namespaces, "network");
        add_namespace(namespaces, "uts");
        add_namespace(namespaces, "pid");
        add_namespace(namespaces, "ipc");
        add_namespace(namespaces, "cgroup");
        return namespaces;
}

static json_object *device_rule(bool allow, const char *type, int major, int minor, const char *access)
{
        json_object *rule = json_object_new_object();

        json_object_object_add(rule, "allow", json_object_new_boolean(allow));
        if (type)
                json_object_object_add(rule, "type", json_object_new_string(type));
        if (major >= 0)
                json_object_object_add(rule, "major", json_object_new_int(major));
        if (minor >= 0)
                json_object_object_add(rule, "minor", json_object_new_int(minor));
        json_object_object_add(rule, "access", json_object_new_string(access));
        return rule;
}

/* Docker's device cgroup rules: deny everything, then allow mknod of any
 * device and use of the default nodes, the ptys and tun. */
static json_object *build_device_rules(void)
{
        static const struct {
                int major, minor;
        } allowed[] = { { 1, 5 }, { 1, 3 }, { 1, 9 },    { 1, 8 }, { 5, 0 },
                        { 5, 1 }, { 1, 7 }, { 136, -1 }, { 5, 2 }, { 10, 200 } };
        json_object *rules = json_object_new_array();

        json_object_array_add(rules, device_rule(false, NULL, -1, -1, "rwm"));
        json_object_array_add(rules, device_rule(true, "c", -1, -1, "m"));
        json_object_array_add(rules, device_rule(true, "b", -1, -1, "m"));
        for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
                json_object_array_add(rules, device_rule(true, "c", allowed[i].major, allowed[i].minor, "rwm"));
        return rules;
}

static json_object *build_linux(struct engine *e, struct container *c)
{
        json_object *linux_obj = json_object_new_object();
        json_object *resources = json_object_new_object();
        json_object *sysctl = json_object_new_object();
        const char *parent = e->daemon->config.cgroup_parent;
        bool remapped = userns_container_remapped(e->daemon->userns_remap, c->host_config);
        char cgroups_path[512];

        json_object_object_add(resources, "devices", build_device_rules());
        snprintf(cgroups_path, sizeof(cgroups_path), "/%s/%s", parent ? parent : "sockerless", c->id);

        if (!streq(json_field_string(c->host_config, "NetworkMode", ""), "host")) {
                json_object_object_add(sysctl, "net.ipv4.ip_unprivileged_port_start", json_object_new_string("0"));
                /* As dockerd, none in a user namespace, which could not
                 * write gids beyond its map. */
                if (!remapped)
                        json_object_object_add(sysctl, "net.ipv4.ping_group_range",
                                               json_object_new_string("0 2147483647"));
        }

        json_object_object_add(linux_obj, "resources", resources);
        json_object_object_add(linux_obj, "cgroupsPath", json_object_new_string(cgroups_path));
        ocispec_add_sysctls(sysctl, c->host_config);
        json_object_object_add(linux_obj, "sysctl", sysctl);
        json_object_object_add(linux_obj, "namespaces", build_namespaces(c));
        if (remapped)
                userns_spec_add(e->daemon->userns_remap, linux_obj);
        json_object_object_add(linux_obj, "maskedPaths",
                               json_object_get(json_field_array(c->host_config, "MaskedPaths")));
        json_object_object_add(linux_obj, "readonlyPaths",
                               json_object_get(json_field_array(c->host_config, "ReadonlyPaths")));
        return linux_obj;
}

static json_object *build_annotations(struct container *c, const struct ocispec_rootfs *rootfs)
{
        json_object *annotations = json_object_new_object();
        const char *user = json_field_string(c->config, "User", "");
        size_t n = strv_length(rootfs->lower_dirs), len = 0;
        _cleanup_free_ char *lower = NULL;
        char *p;

        for (size_t i = 0; i < n; i++)
                len += strlen(rootfs->lower_dirs[i]) + 1;
        lower = calloc(1, len + 1);
        if (!lower) {
                json_object_put(annotations);
                return NULL;
        }
        /* overlayfs lists lower directories top-most first. */
        p = lower;
        for (size_t i = n; i > 0; i--)
                p += sprintf(p, "%s%s", p == lower ? "" : ":", rootfs->lower_dirs[i - 1]);

        json_object_object_add(annotations, RUNTIME_ANNOTATION_LOWER, json_object_new_string(lower));
        json_object_object_add(annotations, RUNTIME_ANNOTATION_UPPER, json_object_new_string(rootfs->upper_dir));
        json_object_object_add(annotations, RUNTIME_ANNOTATION_WORK, json_object_new_string(rootfs->work_dir));
        if (*user)
                json_object_object_add(annotations, RUNTIME_ANNOTATION_USER, json_object_new_string(user));
        return annotations;
}

int ocispec_build(struct engine *e, struct container *c, const struct ocispec_rootfs *rootfs,
                  const struct namespace_shares *shares, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *spec = json_object_new_object();
        json_object *root = json_object_new_object(), *mounts, *annotations;
        const char *domainname = json_field_string(c->config, "Domainname", "");
        int r;

        mounts = build_mounts(c, rootfs, err);
        annotations = build_annotations(c, rootfs);
        /* The layers belong to host root; the runtime shows them to the
         * remapped root through id-mapped mounts instead of copies. */
        if (annotations && userns_container_remapped(e->daemon->userns_remap, c->host_config))
                json_object_object_add(annotations, RUNTIME_ANNOTATION_IDMAP, json_object_new_string("true"));
        if (!mounts || !annotations) {
                json_object_put(root);
                json_object_put(mounts);
                json_object_put(annotations);
                return err && err->code ? err->code : -ENOMEM;
        }

        json_object_object_add(root, "path", json_object_new_string(rootfs->root_path));
        json_object_object_add(root, "readonly",
                               json_object_new_boolean(json_field_bool(c->host_config, "ReadonlyRootfs", false)));

        json_object_object_add(spec, "ociVersion", json_object_new_string("1.0.2"));
        json_object_object_add(spec, "process", build_process(c));
        json_object_object_add(spec, "root", root);
        json_object_object_add(spec, "hostname", json_object_new_string(json_field_string(c->config, "Hostname", "")));
        if (*domainname)
                json_object_object_add(spec, "domainname", json_object_new_string(domainname));
        json_object_object_add(spec, "mounts", mounts);
        json_object_object_add(spec, "linux", build_linux(e, c));
        json_object_object_add(spec, "annotations", annotations);
        r = ocispec_add_resources(json_field_object(json_field_object(spec, "linux"), "resources"), c->host_config,
                                  err);
        if (r < 0)
                return r;
        r = ocispec_isolation_apply(e, c, shares, spec, err);
        if (r < 0)
                return r;

        /* Last: the seccomp rules depend on the final capability set. */
        r = ocispec_add_security(spec, c->host_config, &e->daemon->config, err);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(spec);
        return 0;
}
