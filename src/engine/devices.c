/* SPDX-License-Identifier: Apache-2.0 */
#include "devices.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "jsonutil.h"
#include "macro.h"

/* The maximum depth of the walk of a --device directory or of the host's
 * /dev. */
#define MAX_WALK_DEPTH 8

static int parse_device_number(const char **p, int64_t *ret)
{
        int64_t v = 0;

        if (**p == '*') {
                (*p)++;
                *ret = -1;
                return 0;
        }
        if (!isdigit((unsigned char)**p))
                return -EINVAL;
        for (; isdigit((unsigned char)**p); (*p)++) {
                v = v * 10 + (**p - '0');
                if (v > UINT32_MAX)
                        return -ERANGE;
        }
        *ret = v;
        return 0;
}

int device_rule_parse(const char *text, struct device_rule *ret, const char **ret_field)
{
        struct device_rule rule = {};
        const char *p = text;
        size_t n;
        int r;

        if (!p || !p[0] || !strchr("abc", p[0]) || p[1] != ' ')
                return -EINVAL;
        rule.type = p[0];
        p += 2;

        r = parse_device_number(&p, &rule.major);
        if (r == -ERANGE && ret_field)
                *ret_field = "major";
        if (r < 0)
                return r;
        if (*p++ != ':')
                return -EINVAL;
        r = parse_device_number(&p, &rule.minor);
        if (r == -ERANGE && ret_field)
                *ret_field = "minor";
        if (r < 0)
                return r;
        if (*p++ != ' ')
                return -EINVAL;

        n = strspn(p, "rwm");
        if (n < 1 || n > 3 || p[n] != '\0')
                return -EINVAL;
        memcpy(rule.access, p, n);
        *ret = rule;
        return 0;
}

int devices_check_rules(json_object *rules, struct error *err)
{
        for (size_t i = 0; rules && i < json_object_array_length(rules); i++) {
                json_object *item = json_object_array_get_idx(rules, i);
                const char *text = json_object_is_type(item, json_type_string) ? json_object_get_string(item) : "";
                const char *field = NULL;
                struct device_rule rule;
                int r;

                r = device_rule_parse(text, &rule, &field);
                if (r == -ERANGE)
                        return error_set(err, -EINVAL, "invalid %s value in device cgroup rule format: '%s'", field,
                                         text);
                if (r < 0)
                        return error_set(err, -EINVAL, "invalid device cgroup rule format: '%s'", text);
        }
        return 0;
}

/* Docker's device permissions: r, w and m, each at most once. */
static bool permissions_valid(const char *permissions)
{
        size_t n = strlen(permissions);

        if (n == 0 || n > 3 || strspn(permissions, "rwm") != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (strchr(permissions + i + 1, permissions[i]))
                        return false;
        return true;
}

int devices_check_mappings(json_object *mappings, struct error *err)
{
        for (size_t i = 0; mappings && i < json_object_array_length(mappings); i++) {
                json_object *m = json_object_array_get_idx(mappings, i);
                const char *host = json_field_string(m, "PathOnHost", "");
                const char *container = json_field_string(m, "PathInContainer", "");
                const char *permissions = json_field_string(m, "CgroupPermissions", "");

                if (!json_object_is_type(m, json_type_object) || !*host)
                        return error_set(err, -EINVAL, "invalid device mapping: PathOnHost is missing");
                if (!*container)
                        container = host;
                if (container[0] != '/')
                        return error_set(err, -EINVAL, "%s is not an absolute path", container);
                /* The runtime creates device nodes only in the container's
                 * /dev, a tmpfs of its own, never in the image's layers. */
                if (!startswith(container, "/dev/") || strstr(container, "/.."))
                        return error_set(err, -EOPNOTSUPP,
                                         "--device %s:%s: this daemon creates devices only below /dev in the "
                                         "container",
                                         host, container);
                if (*permissions && !permissions_valid(permissions))
                        return error_set(err, -EINVAL, "bad mode specified: %s", permissions);
        }
        return 0;
}

/* The text of errno in the form Go gives it, which the docker CLI reads:
 * "no such file or directory" makes `docker run` exit with 127. */
static const char *errno_text(int code, char *buf, size_t size)
{
        snprintf(buf, size, "%s", strerror(code));
        buf[0] = (char)tolower((unsigned char)buf[0]);
        return buf;
}

static void add_int(json_object *obj, const char *key, int64_t value)
{
        json_object_object_add(obj, key, json_object_new_int64(value));
}

static void add_node(json_object *linux_devices, const char *path, const struct stat *st)
{
        json_object *d = json_object_new_object();

        json_object_object_add(d, "path", json_object_new_string(path));
        json_object_object_add(d, "type", json_object_new_string(S_ISBLK(st->st_mode) ? "b" : "c"));
        add_int(d, "major", major(st->st_rdev));
        add_int(d, "minor", minor(st->st_rdev));
        add_int(d, "fileMode", st->st_mode & 07777);
        add_int(d, "uid", st->st_uid);
        add_int(d, "gid", st->st_gid);
        json_object_array_add(linux_devices, d);
}

static json_object *new_rule(char type, int64_t major_number, int64_t minor_number, const char *access)
{
        json_object *rule = json_object_new_object();
        char type_text[2] = { type, '\0' };

        json_object_object_add(rule, "allow", json_object_new_boolean(true));
        if (type != 'a')
                json_object_object_add(rule, "type", json_object_new_string(type_text));
        if (major_number >= 0)
                add_int(rule, "major", major_number);
        if (minor_number >= 0)
                add_int(rule, "minor", minor_number);
        json_object_object_add(rule, "access", json_object_new_string(access));
        return rule;
}

static bool is_device(const struct stat *st)
{
        return S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode);
}

struct walk {
        json_object *linux_devices;
        json_object *cgroup_rules; /* NULL to add no rules */
        const char *access;
        bool host_dev; /* walking the host's /dev for --privileged */
};

/* Entries of the host's /dev that are no devices to copy. The directories
 * are runc's list of those that hold mounts or links. The runtime sets up
 * the console from the container's terminal, and links ptmx to the
 * container's own devpts. */
static bool skip_host_entry(const char *name, bool is_dir)
{
        static const char *const dirs[] = { "pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev" };

        if (!is_dir)
                return streq(name, "console") || streq(name, "ptmx");
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
                if (streq(name, dirs[i]))
                        return true;
        return false;
}

static void add_device(const struct walk *w, const char *path, const struct stat *st)
{
        add_node(w->linux_devices, path, st);
        if (w->cgroup_rules)
                json_object_array_add(w->cgroup_rules, new_rule(S_ISBLK(st->st_mode) ? 'b' : 'c', major(st->st_rdev),
                                                                minor(st->st_rdev), w->access));
}

/* Adds the devices below the host directory dir_fd, named container_dir
 * in the container. Entries that cannot be read are skipped, as dockerd
 * skips them. */
static void walk_dir(const struct walk *w, int dir_fd, const char *container_dir, unsigned depth)
{
        DIR *dir;
        struct dirent *de;

        if (depth > MAX_WALK_DEPTH)
                return;
        dir = fdopendir(dir_fd);
        if (!dir) {
                close(dir_fd);
                return;
        }
        while ((de = readdir(dir))) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (w->host_dev && skip_host_entry(de->d_name, S_ISDIR(st.st_mode)))
                        continue;
                if (asprintf(&path, "%s/%s", container_dir, de->d_name) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        int sub_fd = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        if (sub_fd >= 0)
                                walk_dir(w, sub_fd, path, depth + 1);
                } else if (is_device(&st)) {
                        add_device(w, path, &st);
                }
        }
        closedir(dir);
}

/* One --device mapping, as dockerd resolves it: a symlink on the host is
 * followed, a device node is added under the container path, and a
 * directory adds the devices below it under the container path. */
static int add_mapping(json_object *m, json_object *linux_devices, json_object *cgroup_rules, struct error *err)
{
        const char *host = json_field_string(m, "PathOnHost", "");
        const char *container = json_field_string(m, "PathInContainer", "");
        const char *permissions = json_field_string(m, "CgroupPermissions", "");
        struct walk w = { .linux_devices = linux_devices, .cgroup_rules = cgroup_rules };
        size_t before = json_object_array_length(linux_devices);
        _cleanup_free_ char *resolved = realpath(host, NULL);
        struct stat st;
        char text[128];
        int dir_fd;

        w.access = *permissions ? permissions : "rwm";
        if (!*container)
                container = host;
        if (!resolved || stat(resolved, &st) < 0)
                return error_set(err, -ENODEV,
                                 "error gathering device information while adding custom device \"%s\": %s", host,
                                 errno_text(errno, text, sizeof(text)));
        if (is_device(&st)) {
                add_device(&w, container, &st);
                return 0;
        }
        if (S_ISDIR(st.st_mode)) {
                dir_fd = open(resolved, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir_fd >= 0)
                        walk_dir(&w, dir_fd, container, 0);
        }
        if (json_object_array_length(linux_devices) > before)
                return 0;
        return error_set(err, -ENODEV,
                         "error gathering device information while adding custom device \"%s\": not a device node",
                         host);
}

static void add_cgroup_rules(json_object *hc, json_object *cgroup_rules)
{
        json_object *rules = json_field_array(hc, "DeviceCgroupRules");

        for (size_t i = 0; rules && i < json_object_array_length(rules); i++) {
                struct device_rule rule;

                /* Create checked every rule. */
                if (device_rule_parse(json_object_get_string(json_object_array_get_idx(rules, i)), &rule, NULL) < 0)
                        continue;
                json_object_array_add(cgroup_rules, new_rule(rule.type, rule.major, rule.minor, rule.access));
        }
}

/* --privileged: every device of the host, and a rule that allows all.
 * Mappings add devices under other names; their permissions do not
 * matter, as dockerd ignores them too. */
static int add_privileged(json_object *hc, json_object *linux_devices, json_object *cgroup_rules, struct error *err)
{
        json_object *mappings = json_field_array(hc, "Devices");
        struct walk w = { .linux_devices = linux_devices, .access = "rwm", .host_dev = true };
        int dir_fd, r;

        dir_fd = open("/dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return error_set_errno(err, -errno, "reading the host's /dev for --privileged failed");
        walk_dir(&w, dir_fd, "/dev", 0);

        for (size_t i = 0; mappings && i < json_object_array_length(mappings); i++) {
                json_object *m = json_object_array_get_idx(mappings, i);
                const char *host = json_field_string(m, "PathOnHost", "");
                const char *container = json_field_string(m, "PathInContainer", "");

                if (!*container || streq(container, host))
                        continue;
                r = add_mapping(m, linux_devices, NULL, err);
                if (r < 0)
                        return r;
        }

        while (json_object_array_length(cgroup_rules) > 0)
                json_object_array_del_idx(cgroup_rules, 0, 1);
        json_object_array_add(cgroup_rules, new_rule('a', -1, -1, "rwm"));
        return 0;
}

int devices_add_to_spec(json_object *hc, json_object *linux_devices, json_object *cgroup_rules, struct error *err)
{
        json_object *mappings = json_field_array(hc, "Devices");
        int r;

        if (json_field_bool(hc, "Privileged", false))
                return add_privileged(hc, linux_devices, cgroup_rules, err);

        for (size_t i = 0; mappings && i < json_object_array_length(mappings); i++) {
                r = add_mapping(json_object_array_get_idx(mappings, i), linux_devices, cgroup_rules, err);
                if (r < 0)
                        return r;
        }
        add_cgroup_rules(hc, cgroup_rules);
        return 0;
}
