/* SPDX-License-Identifier: Apache-2.0 */
#include "userns.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "jsonutil.h"

/* (uid_t)-1 means "no id" to chown and setresuid, so no map may reach it. */
#define ID_LIMIT UINT32_MAX

int userns_split_spec(const char *spec, char **ret_user, char **ret_group, struct error *err)
{
        const char *colon = strchr(spec, ':');
        _cleanup_free_ char *user = NULL, *group = NULL;

        if (colon && strchr(colon + 1, ':'))
                return error_set(err, -EINVAL, "Invalid user/group specification in --userns-remap: \"%s\"", spec);
        user = colon ? strndup(spec, colon - spec) : strdup(spec);
        if (!user || (colon && !(group = strdup(colon + 1))))
                return -ENOMEM;
        if (!*user || (group && !*group))
                return error_set(err, -EINVAL, "Invalid user/group specification in --userns-remap: \"%s\"", spec);

        *ret_user = TAKE_PTR(user);
        *ret_group = TAKE_PTR(group);
        return 0;
}

/* Parses a decimal number of at most ID_LIMIT, without sign or spaces. */
static int parse_id(const char *text, uint32_t *ret)
{
        uint64_t value = 0;

        if (!*text)
                return -EINVAL;
        for (const char *p = text; *p; p++) {
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                value = value * 10 + (uint64_t)(*p - '0');
                if (value > ID_LIMIT)
                        return -ERANGE;
        }
        *ret = (uint32_t)value;
        return 0;
}

/* Returns line with the ASCII spaces at both ends cut off, in place. */
static char *trim(char *line)
{
        char *end;

        while (isspace((unsigned char)*line))
                line++;
        end = line + strlen(line);
        while (end > line && isspace((unsigned char)end[-1]))
                *--end = '\0';
        return line;
}

static int append_range(struct userns_range **ranges, size_t *n, uint32_t start, uint32_t count)
{
        struct userns_range *grown;

        /* More than a map takes is an error later; this only bounds memory. */
        if (*n > USERNS_MAX_RANGES)
                return 0;
        grown = realloc(*ranges, (*n + 1) * sizeof(**ranges));
        if (!grown)
                return -ENOMEM;
        grown[*n] = (struct userns_range){ .host_id = start, .size = count };
        *ranges = grown;
        (*n)++;
        return 0;
}

/* Parses one trimmed, non-empty line and appends its range when it
 * belongs to name or id. */
static int parse_line(char *line, const char *path, const char *name, const char *id, struct userns_range **ranges,
                      size_t *n, struct error *err)
{
        char *start_text, *count_text;
        uint32_t start, count;

        start_text = strchr(line, ':');
        count_text = start_text ? strchr(start_text + 1, ':') : NULL;
        if (!count_text || strchr(count_text + 1, ':'))
                return error_set(err, -EINVAL, "Cannot parse subuid/gid information: Format not correct for %s file",
                                 path);
        *start_text++ = '\0';
        *count_text++ = '\0';
        if (name && !streq(line, name) && !streq_ptr(line, id))
                return 0;

        if (parse_id(start_text, &start) < 0)
                return error_set(err, -EINVAL,
                                 "String to int conversion failed during subuid/gid parsing of %s: invalid number "
                                 "\"%s\"",
                                 path, start_text);
        if (parse_id(count_text, &count) < 0)
                return error_set(err, -EINVAL,
                                 "String to int conversion failed during subuid/gid parsing of %s: invalid number "
                                 "\"%s\"",
                                 path, count_text);
        return append_range(ranges, n, start, count);
}

int userns_subid_parse(const char *text, size_t len, const char *path, const char *name, const char *id,
                       struct userns_range **ret_ranges, size_t *ret_n, struct error *err)
{
        _cleanup_free_ struct userns_range *ranges = NULL;
        size_t n = 0, pos = 0;
        int r;

        while (pos < len) {
                const char *newline = memchr(text + pos, '\n', len - pos);
                size_t line_len = newline ? (size_t)(newline - (text + pos)) : len - pos;
                /* A NUL inside the line ends it, as it would for getline users. */
                _cleanup_free_ char *copy = strndup(text + pos, line_len);
                char *line;

                if (!copy)
                        return -ENOMEM;
                pos += line_len + 1;
                line = trim(copy);
                if (!*line || *line == '#')
                        continue;
                r = parse_line(line, path, name, id, &ranges, &n, err);
                if (r < 0)
                        return r;
        }

        *ret_ranges = TAKE_PTR(ranges);
        *ret_n = n;
        return 0;
}

static int compare_ranges(const void *a, const void *b)
{
        const struct userns_range *x = a, *y = b;

        if (x->host_id != y->host_id)
                return x->host_id < y->host_id ? -1 : 1;
        return x->size < y->size ? -1 : x->size > y->size;
}

int userns_idmap_build(struct userns_range *ranges, size_t n, const char *kind, struct userns_idmap *ret,
                       struct error *err)
{
        _cleanup_free_ struct userns_range *owned = ranges;
        uint64_t next_container_id = 0;

        if (n > USERNS_MAX_RANGES)
                return error_set(err, -EINVAL, "too many %s ranges: a user namespace takes at most %d", kind,
                                 USERNS_MAX_RANGES);
        if (n > 0)
                qsort(owned, n, sizeof(*owned), compare_ranges);
        for (size_t i = 0; i < n; i++) {
                struct userns_range *r = &owned[i];

                if (r->size == 0)
                        return error_set(err, -EINVAL, "invalid %s range %" PRIu32 ":0: the count must not be 0", kind,
                                         r->host_id);
                if ((uint64_t)r->host_id + r->size > ID_LIMIT)
                        return error_set(err, -EINVAL,
                                         "invalid %s range %" PRIu32 ":%" PRIu32 ": it ends beyond id 4294967294", kind,
                                         r->host_id, r->size);
                if (i > 0 && (uint64_t)owned[i - 1].host_id + owned[i - 1].size > r->host_id)
                        return error_set(err, -EINVAL,
                                         "invalid %s ranges %" PRIu32 ":%" PRIu32 " and %" PRIu32 ":%" PRIu32
                                         " overlap",
                                         kind, owned[i - 1].host_id, owned[i - 1].size, r->host_id, r->size);
                /* Disjoint ranges below ID_LIMIT add up to less than ID_LIMIT. */
                r->container_id = (uint32_t)next_container_id;
                next_container_id += r->size;
        }

        ret->ranges = TAKE_PTR(owned);
        ret->n_ranges = n;
        return 0;
}

int64_t userns_idmap_to_host(const struct userns_idmap *map, uint32_t container_id)
{
        for (size_t i = 0; i < map->n_ranges; i++) {
                const struct userns_range *r = &map->ranges[i];

                if (container_id >= r->container_id && container_id - r->container_id < r->size)
                        return (int64_t)r->host_id + (container_id - r->container_id);
        }
        return -1;
}

int64_t userns_idmap_to_container(const struct userns_idmap *map, uint32_t host_id)
{
        for (size_t i = 0; i < map->n_ranges; i++) {
                const struct userns_range *r = &map->ranges[i];

                if (host_id >= r->host_id && host_id - r->host_id < r->size)
                        return (int64_t)r->container_id + (host_id - r->host_id);
        }
        return -1;
}

void userns_idmap_clear(struct userns_idmap *map)
{
        free(map->ranges);
        *map = (struct userns_idmap){ 0 };
}

void userns_remap_free(struct userns_remap *remap)
{
        if (!remap)
                return;
        free(remap->user);
        free(remap->group);
        userns_idmap_clear(&remap->uids);
        userns_idmap_clear(&remap->gids);
        free(remap);
}

bool userns_container_remapped(const struct userns_remap *remap, json_object *host_config)
{
        /* dockerd takes every mode but "host" as a private namespace. */
        return remap && !streq(json_field_string(host_config, "UsernsMode", ""), "host");
}

int userns_check_host_config(const struct userns_remap *remap, json_object *host_config, struct error *err)
{
        const char *mode = json_field_string(host_config, "UsernsMode", "");

        /* dockerd takes any other value for "private"; the docker CLI
         * rejects them, and so does this daemon. */
        if (*mode && !streq(mode, "host") && !streq(mode, "private"))
                return error_set(err, -EINVAL, "invalid UsernsMode \"%s\": use \"host\" or leave it empty", mode);
        if (!userns_container_remapped(remap, host_config))
                return 0;
        if (json_field_bool(host_config, "Privileged", false))
                return error_set(err, -EINVAL,
                                 "privileged mode is incompatible with user namespaces.  You must run the container "
                                 "in the host namespace when running privileged mode");
        if (streq(json_field_string(host_config, "NetworkMode", ""), "host"))
                return error_set(err, -EINVAL,
                                 "cannot share the host's network namespace when user namespaces are enabled");
        if (streq(json_field_string(host_config, "PidMode", ""), "host"))
                return error_set(err, -EINVAL, "cannot share the host PID namespace when user namespaces are enabled");
        return 0;
}

static json_object *idmap_json(const struct userns_idmap *map)
{
        json_object *array = json_object_new_array();

        for (size_t i = 0; i < map->n_ranges; i++) {
                json_object *line = json_object_new_object();

                json_object_object_add(line, "containerID", json_object_new_int64(map->ranges[i].container_id));
                json_object_object_add(line, "hostID", json_object_new_int64(map->ranges[i].host_id));
                json_object_object_add(line, "size", json_object_new_int64(map->ranges[i].size));
                json_object_array_add(array, line);
        }
        return array;
}

void userns_spec_add(const struct userns_remap *remap, json_object *linux_obj)
{
        json_object *namespaces = json_field_array(linux_obj, "namespaces");
        json_object *ns = json_object_new_object();

        if (!namespaces) {
                namespaces = json_object_new_array();
                json_object_object_add(linux_obj, "namespaces", namespaces);
        }
        json_object_object_add(ns, "type", json_object_new_string("user"));
        json_object_array_add(namespaces, ns);
        json_object_object_add(linux_obj, "uidMappings", idmap_json(&remap->uids));
        json_object_object_add(linux_obj, "gidMappings", idmap_json(&remap->gids));
}

/* Lets group remapped root search dir_fd, as dockerd's mode 0710 does. */
static int share_dir(const struct userns_remap *remap, int dir_fd)
{
        if (fchown(dir_fd, (uid_t)-1, remap->root_gid) < 0 || fchmod(dir_fd, 0710) < 0)
                return -errno;
        return 0;
}

int userns_prepare_container_files(const struct userns_remap *remap, json_object *host_config, int data_fd, int exec_fd,
                                   struct error *err)
{
        /* "mounts/shm" is the tmpfs of --ipc shareable, which dockerd also
         * gives to the remapped root. */
        static const char *const owned[] = { "upper", "work", "hostname", "hosts", "resolv.conf", "mounts/shm" };
        _cleanup_close_ int mounts_fd = -1;
        int r;

        if (!userns_container_remapped(remap, host_config))
                return 0;
        r = share_dir(remap, data_fd);
        if (r >= 0)
                r = share_dir(remap, exec_fd);
        mounts_fd = openat(data_fd, "mounts", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (r >= 0 && mounts_fd >= 0)
                r = share_dir(remap, mounts_fd);
        if (r < 0)
                return error_set_errno(err, r, "giving the container's directories to the remapped root failed");
        for (size_t i = 0; i < ARRAY_SIZE(owned); i++)
                if (fchownat(data_fd, owned[i], remap->root_uid, remap->root_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
                    errno != ENOENT)
                        return error_set_errno(err, -errno, "giving %s to the remapped root failed", owned[i]);
        return 0;
}

int userns_mkdir_bind_source(const struct userns_remap *remap, const char *path)
{
        _cleanup_free_ char *copy = strdup(path);
        char *p = copy;

        if (!copy)
                return -ENOMEM;
        do {
                p = strchr(p + 1, '/');
                if (p)
                        *p = '\0';
                if (mkdir(copy, 0755) == 0) {
                        if (remap && chown(copy, remap->root_uid, remap->root_gid) < 0)
                                return -errno;
                } else if (errno != EEXIST)
                        return -errno;
                if (p)
                        *p = '/';
        } while (p);
        return 0;
}
