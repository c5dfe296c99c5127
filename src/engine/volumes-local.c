/* SPDX-License-Identifier: Apache-2.0 */
/* The rules of dockerd's "local" volume driver: names, options, and the
 * mount of a volume created with a type and device. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "jsonutil.h"
#include "strv.h"
#include "volumes.h"

int volume_name_check(const char *name, struct error *err)
{
        size_t len = strlen(name);

        if (len == 1)
                return error_set(err, -EINVAL,
                                 "create %s: volume name is too short, names should be at least two alphanumeric "
                                 "characters",
                                 name);
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)name[i];
                bool ok = isalnum(ch) || (i > 0 && (ch == '_' || ch == '.' || ch == '-'));

                if (!ok || ch >= 0x80)
                        return error_set(err, -EINVAL,
                                         "create %s: \"%s\" includes invalid characters for a local volume name, "
                                         "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a "
                                         "host directory, use absolute path",
                                         name, name);
        }
        return len == 0 ? -EINVAL : 0;
}

static bool has_option(json_object *options, const char *key)
{
        return options && json_object_object_get_ex(options, key, NULL);
}

/* Parses a size as Docker's units.RAMInBytes: a number, then optionally
 * a space, a unit of k, m, g, t or p (powers of 1024), "i" and "b". */
static int parse_ram_size(const char *text, int64_t *ret)
{
        static const char units[] = "kmgtp";
        const char *unit;
        double value;
        char *end;
        int64_t multiplier = 1;

        if (!isdigit((unsigned char)*text))
                return -EINVAL;
        value = strtod(text, &end);
        if (*end == ' ')
                end++;
        if (*end && (unit = strchr(units, tolower((unsigned char)*end)))) {
                for (const char *u = units; u <= unit; u++)
                        multiplier *= 1024;
                end++;
        }
        if (*end == 'i' || *end == 'I')
                end++;
        if (*end == 'b' || *end == 'B')
                end++;
        if (*end || value * (double)multiplier >= 9.2e18)
                return -EINVAL;
        *ret = (int64_t)(value * (double)multiplier);
        return 0;
}

int volume_options_check(json_object *options, struct error *err)
{
        static const char *const valid[] = { "type", "o", "device", "size" };
        static const struct {
                const char *option, *requires;
        } required[] = { { "device", "type" }, { "type", "device" }, { "o", "device" } };

        if (!options)
                return 0;
        json_object_object_foreach (options, key, value) {
                bool known = false;

                for (size_t i = 0; i < ARRAY_SIZE(valid); i++)
                        known = known || streq(key, valid[i]);
                if (!known)
                        return error_set(err, -EINVAL, "invalid option: \"%s\"", key);
                if (!json_object_is_type(value, json_type_string))
                        return error_set(err, -EINVAL, "invalid option: \"%s\" must be a string", key);
        }
        if (has_option(options, "size")) {
                int64_t size;

                if (parse_ram_size(json_field_string(options, "size", ""), &size) < 0)
                        return error_set(err, -EINVAL, "invalid size: '%s'", json_field_string(options, "size", ""));
                /* dockerd sets sizes with XFS project quotas, which this daemon does not. */
                if (size > 0)
                        return error_set(err, -EINVAL, "quota size requested but no quota support");
        }
        for (size_t i = 0; i < ARRAY_SIZE(required); i++)
                if (has_option(options, required[i].option) && !has_option(options, required[i].requires))
                        return error_set(err, -EINVAL, "missing required option: \"%s\"", required[i].requires);
        return 0;
}

/* The options that mount(8) turns into flags, as in dockerd's mount
 * package. An option with clear set removes its flag. */
static const struct {
        const char *name;
        bool clear;
        unsigned long flag;
} mount_flags[] = {
        { "ro", false, MS_RDONLY },
        { "rw", true, MS_RDONLY },
        { "suid", true, MS_NOSUID },
        { "nosuid", false, MS_NOSUID },
        { "dev", true, MS_NODEV },
        { "nodev", false, MS_NODEV },
        { "exec", true, MS_NOEXEC },
        { "noexec", false, MS_NOEXEC },
        { "sync", false, MS_SYNCHRONOUS },
        { "async", true, MS_SYNCHRONOUS },
        { "dirsync", false, MS_DIRSYNC },
        { "remount", false, MS_REMOUNT },
        { "mand", false, MS_MANDLOCK },
        { "nomand", true, MS_MANDLOCK },
        { "atime", true, MS_NOATIME },
        { "noatime", false, MS_NOATIME },
        { "diratime", true, MS_NODIRATIME },
        { "nodiratime", false, MS_NODIRATIME },
        { "bind", false, MS_BIND },
        { "rbind", false, MS_BIND | MS_REC },
        { "unbindable", false, MS_UNBINDABLE },
        { "runbindable", false, MS_UNBINDABLE | MS_REC },
        { "private", false, MS_PRIVATE },
        { "rprivate", false, MS_PRIVATE | MS_REC },
        { "shared", false, MS_SHARED },
        { "rshared", false, MS_SHARED | MS_REC },
        { "slave", false, MS_SLAVE },
        { "rslave", false, MS_SLAVE | MS_REC },
        { "relatime", false, MS_RELATIME },
        { "norelatime", true, MS_RELATIME },
        { "strictatime", false, MS_STRICTATIME },
        { "nostrictatime", true, MS_STRICTATIME },
};

#define PROPAGATION_TYPES (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

/* Splits "o" into mount flags and the file system's data, keeping the
 * order of the data options. */
static int parse_mount_options(const char *text, unsigned long *ret_flags, char **ret_data)
{
        _cleanup_strv_free_ char **options = strv_split(text, ",", true);
        _cleanup_free_ char *data = NULL;
        unsigned long flags = 0;
        size_t len = 0;

        if (!options)
                return -ENOMEM;
        data = calloc(1, strlen(text) + 1);
        if (!data)
                return -ENOMEM;
        STRV_FOREACH (o, options) {
                bool found = false;

                for (size_t i = 0; i < ARRAY_SIZE(mount_flags) && !found; i++) {
                        if (!streq(*o, mount_flags[i].name))
                                continue;
                        found = true;
                        if (mount_flags[i].clear)
                                flags &= ~mount_flags[i].flag;
                        else
                                flags |= mount_flags[i].flag;
                }
                /* "defaults" sets no flag, and dockerd passes it on as data. */
                if (found)
                        continue;
                len += (size_t)sprintf(data + len, "%s%s", len ? "," : "", *o);
        }
        *ret_flags = flags;
        *ret_data = TAKE_PTR(data);
        return 0;
}

/* Go's error texts start in lower case; the docker CLI reads "no such file
 * or directory" in a failed start to pick its exit code. */
static void lower_first(char *text)
{
        if (text && *text)
                *text = (char)tolower((unsigned char)*text);
}

static int mount_error(struct error *err, int code, const char *op, const char *device, const char *path,
                       unsigned long flags, const char *data)
{
        char reason[128], flags_text[40] = "";
        _cleanup_free_ char *data_text = NULL;

        snprintf(reason, sizeof(reason), "%s", strerror(-code));
        lower_first(reason);
        if (flags)
                snprintf(flags_text, sizeof(flags_text), ", flags: 0x%lx", flags);
        if (!isempty(data) && asprintf(&data_text, ", data: %s", data) < 0)
                return -ENOMEM;
        return error_set(err, code, "error while mounting volume '%s': failed to mount local volume: %s %s%s%s%s%s: %s",
                         path, op, device ? device : "", device ? ":" : "", path, flags_text,
                         data_text ? data_text : "", reason);
}

int volume_options_mount(json_object *options, const char *path, struct error *err)
{
        const char *device = json_field_string(options, "device", "");
        const char *type = json_field_string(options, "type", "");
        _cleanup_free_ char *data = NULL;
        unsigned long flags, base;
        bool remount;
        int r;

        r = parse_mount_options(json_field_string(options, "o", ""), &flags, &data);
        if (r < 0)
                return r;
        base = flags & ~PROPAGATION_TYPES;
        /* As dockerd's mount package: without data, a remount or a device
         * "" or "none" only changes an existing mount, in the steps below. */
        remount = (flags & MS_REMOUNT) || isempty(device) || streq(device, "none");
        if (!remount || !isempty(data)) {
                if (mount(device, path, type, base, isempty(data) ? NULL : data) < 0)
                        return mount_error(err, -errno, "mount", device, path, base, data);
        }
        if ((flags & PROPAGATION_TYPES) && mount(NULL, path, NULL, flags & (PROPAGATION_TYPES | MS_REC), NULL) < 0)
                return mount_error(err, -errno, "remount", NULL, path, flags & (PROPAGATION_TYPES | MS_REC), NULL);
        /* A bind mount becomes read-only only when it is remounted. */
        if ((base & (MS_BIND | MS_RDONLY)) == (MS_BIND | MS_RDONLY) &&
            mount(NULL, path, NULL, base | MS_REMOUNT, NULL) < 0)
                return mount_error(err, -errno, "remount-ro", NULL, path, base | MS_REMOUNT, NULL);
        return 0;
}

/* Inodes seen by volume_tree_size, so that hard links count once. */
struct inode_set {
        ino_t *items;
        size_t n, allocated;
};

static bool inode_seen(struct inode_set *set, ino_t ino)
{
        for (size_t i = 0; i < set->n; i++)
                if (set->items[i] == ino)
                        return true;
        if (set->n == set->allocated) {
                size_t n = set->allocated ? set->allocated * 2 : 64;
                ino_t *grown = realloc(set->items, n * sizeof(*grown));

                if (!grown)
                        return false;
                set->items = grown;
                set->allocated = n;
        }
        set->items[set->n++] = ino;
        return false;
}

/* Walks at most 256 directory levels, so a tree nested without bound by a
 * container cannot exhaust the daemon's stack. */
static int64_t dir_size(int dirfd_in, struct inode_set *seen, unsigned depth)
{
        DIR *dir = fdopendir(dirfd_in);
        struct dirent *de;
        int64_t total = 0;

        if (!dir) {
                close(dirfd_in);
                return 0;
        }
        while ((de = readdir(dir))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        int fd = depth < 256 ? openat(dirfd(dir), de->d_name,
                                                      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                                             : -1;

                        if (fd >= 0)
                                total += dir_size(fd, seen, depth + 1);
                        continue;
                }
                if (st.st_size == 0 || (st.st_nlink > 1 && inode_seen(seen, st.st_ino)))
                        continue;
                total += st.st_size;
        }
        closedir(dir);
        return total;
}

int64_t volume_tree_size(const char *path)
{
        struct inode_set seen = { 0 };
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int64_t size;

        if (fd < 0)
                return 0;
        size = dir_size(fd, &seen, 0);
        free(seen.items);
        return size;
}
