/* SPDX-License-Identifier: Apache-2.0 */
/* A container's mount points: -v, --mount, --volumes-from and the image's
 * VOLUME paths, checked and merged as dockerd 20.10 does at create. */
#include "mounts.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "binds.h"
#include "jsonutil.h"
#include "strv.h"

static const char *const propagation_modes[] = { "private", "rprivate", "shared", "rshared", "slave", "rslave" };

bool mounts_is_volume(json_object *mount_point)
{
        return streq(json_field_string(mount_point, "Type", ""), "volume") &&
               *json_field_string(mount_point, "Name", "");
}

/* Docker's filepath.Clean for absolute paths: no "//", ".", ".." or
 * trailing "/". */
static char *clean_path(const char *path)
{
        _cleanup_strv_free_ char **parts = strv_split(path, "/", false);
        char *out = malloc(strlen(path) + 2);
        size_t len = 0;

        if (!parts || !out) {
                free(out);
                return NULL;
        }
        STRV_FOREACH (p, parts) {
                if (streq(*p, ".") || isempty(*p))
                        continue;
                if (streq(*p, "..")) {
                        while (len > 0 && out[len - 1] != '/')
                                len--;
                        if (len > 0)
                                len--;
                        continue;
                }
                len += (size_t)sprintf(out + len, "/%s", *p);
        }
        if (len == 0)
                out[len++] = '/';
        out[len] = '\0';
        return out;
}

/* dockerd makes binds of its data root, of a directory above it or below
 * it rslave by default, so that mounts it makes there reach the container. */
static const char *default_propagation(const char *source, const char *data_root)
{
        size_t ls = strlen(source), lr = strlen(data_root);

        if (streq(source, "/") || (ls <= lr && strncmp(data_root, source, ls) == 0 && data_root[ls] == '/') ||
            (lr <= ls && strncmp(source, data_root, lr) == 0 && (source[lr] == '/' || source[lr] == '\0')))
                return "rslave";
        return "rprivate";
}

static json_object *new_point(const char *type, const char *destination, const char *mode, bool rw)
{
        json_object *m = json_object_new_object();

        json_set_string(m, "Type", type);
        json_set_string(m, "Name", "");
        json_set_string(m, "Source", "");
        json_set_string(m, "Destination", destination);
        json_set_string(m, "Driver", streq(type, "volume") ? "local" : "");
        json_set_string(m, "Mode", mode);
        json_object_object_add(m, "RW", json_object_new_boolean(rw));
        json_set_string(m, "Propagation", "");
        return m;
}

static void set_bool(json_object *m, const char *key, bool value)
{
        json_object_object_add(m, key, json_object_new_boolean(value));
}

/* The mount points being built. */
struct build {
        json_object *points;
        char **user_destinations; /* the destinations of -v and --mount */
        json_object *tmpfs;       /* HostConfig.Tmpfs */
        const char *data_root;
        const char *volume_driver; /* HostConfig.VolumeDriver: the driver of -v volumes */
        bool check_sources;        /* --mount bind sources must exist */
};

/* Gives a volume of -v or Config.Volumes the driver of --volume-driver,
 * which --mount volumes do not take, as in dockerd. */
static void set_volume_driver(struct build *b, json_object *m)
{
        json_object *create;

        if (!*b->volume_driver)
                return;
        create = json_object_new_object();
        json_set_string(create, "Driver", b->volume_driver);
        json_object_object_add(m, "VolumeOptions", create);
}

static json_object *find_point(struct build *b, const char *destination, size_t *ret_index)
{
        for (size_t i = 0; i < json_object_array_length(b->points); i++) {
                json_object *m = json_object_array_get_idx(b->points, i);

                if (streq(json_field_string(m, "Destination", ""), destination)) {
                        if (ret_index)
                                *ret_index = i;
                        return m;
                }
        }
        return NULL;
}

/* Adds a -v or --mount point, replacing one of VolumesFrom. */
static int add_user_point(struct build *b, json_object *m, struct error *err)
{
        const char *destination = json_field_string(m, "Destination", "");
        size_t index;
        int r;

        if (strv_contains(b->user_destinations, destination) || json_field_string(b->tmpfs, destination, NULL)) {
                /* destination belongs to m, so the message comes first. */
                r = error_set(err, -EINVAL, "Duplicate mount point: %s", destination);
                json_object_put(m);
                return r;
        }
        if (strv_append(&b->user_destinations, destination) < 0) {
                json_object_put(m);
                return -ENOMEM;
        }
        if (find_point(b, destination, &index))
                json_object_array_del_idx(b->points, index, 1);
        json_object_array_add(b->points, m);
        return 0;
}

static int add_bind_entry(struct build *b, const char *spec, struct error *err)
{
        _cleanup_free_ char *destination = NULL, *source = NULL;
        struct bind bind;
        json_object *m;
        int r;

        r = bind_parse(spec, &bind, err);
        if (r < 0)
                return r;
        destination = clean_path(bind.destination);
        source = bind.source && !bind.volume ? clean_path(bind.source) : NULL;
        if (!destination || (bind.source && !bind.volume && !source)) {
                bind_clear(&bind);
                return -ENOMEM;
        }
        /* dockerd shows "z" for a volume given without a mode. */
        m = new_point(bind.volume ? "volume" : "bind", destination, bind.volume && !*bind.mode ? "z" : bind.mode,
                      !bind.read_only);
        if (bind.volume) {
                json_set_string(m, "Name", bind.source ? bind.source : "");
                set_bool(m, "Anonymous", !bind.source);
                set_bool(m, "CopyData", !bind.nocopy);
                set_volume_driver(b, m);
        } else {
                json_set_string(m, "Source", source);
                json_set_string(m, "Propagation",
                                bind.propagation ? bind.propagation : default_propagation(source, b->data_root));
                set_bool(m, "DefaultPropagation", !bind.propagation);
                set_bool(m, "CreateSource", true);
        }
        bind_clear(&bind);
        return add_user_point(b, m, err);
}

/* ---- --mount ---- */

static int mount_config_error(struct error *err, const char *type, const char *detail)
{
        return error_set(err, -EINVAL, "invalid mount config for type \"%s\": %s", type, detail);
}

static bool has_member(json_object *obj, const char *key)
{
        json_object *v = NULL;

        return json_object_object_get_ex(obj, key, &v) && v;
}

/* Checks that the option objects of the other types are absent. */
static int check_foreign_options(json_object *spec, const char *type, struct error *err)
{
        static const struct {
                const char *key, *type;
        } owners[] = { { "BindOptions", "bind" }, { "VolumeOptions", "volume" }, { "TmpfsOptions", "tmpfs" } };
        char detail[64];

        for (size_t i = 0; i < ARRAY_SIZE(owners); i++) {
                if (streq(owners[i].type, type) || !has_member(spec, owners[i].key))
                        continue;
                /* dockerd 20.10 lets a volume and a tmpfs carry each other's options. */
                if ((streq(type, "volume") && streq(owners[i].type, "tmpfs")) ||
                    (streq(type, "tmpfs") && streq(owners[i].type, "volume")))
                        continue;
                snprintf(detail, sizeof(detail), "field %s must not be specified", owners[i].key);
                return mount_config_error(err, type, detail);
        }
        return 0;
}

static int check_bind_spec(json_object *spec, bool check_source, struct error *err)
{
        const char *source = json_field_string(spec, "Source", "");
        const char *propagation = json_field_string(json_field_object(spec, "BindOptions"), "Propagation", "");
        _cleanup_free_ char *detail = NULL;
        bool known = !*propagation;

        if (!*source)
                return mount_config_error(err, "bind", "field Source must not be empty");
        if (source[0] != '/') {
                if (asprintf(&detail, "invalid mount path: '%s' mount path must be absolute", source) < 0)
                        return -ENOMEM;
                return mount_config_error(err, "bind", detail);
        }
        for (size_t i = 0; i < ARRAY_SIZE(propagation_modes); i++)
                known = known || streq(propagation, propagation_modes[i]);
        if (!known) {
                if (asprintf(&detail, "invalid propagation mode: %s", propagation) < 0)
                        return -ENOMEM;
                return mount_config_error(err, "bind", detail);
        }
        if (check_source && access(source, F_OK) < 0) {
                if (asprintf(&detail, "bind source path does not exist: %s", source) < 0)
                        return -ENOMEM;
                return mount_config_error(err, "bind", detail);
        }
        return 0;
}

static int check_spec(json_object *spec, bool check_source, struct error *err)
{
        const char *type = json_field_string(spec, "Type", "");
        const char *target = json_field_string(spec, "Target", "");
        _cleanup_free_ char *detail = NULL;
        int r;

        if (!json_object_is_type(spec, json_type_object))
                return error_set(err, -EINVAL, "invalid mount config: expected an object");
        if (!streq(type, "bind") && !streq(type, "volume") && !streq(type, "tmpfs"))
                return mount_config_error(err, type, "mount type unknown");
        if (!*target)
                return mount_config_error(err, type, "field Target must not be empty");
        if (target[0] != '/') {
                if (asprintf(&detail, "invalid mount path: '%s' mount path must be absolute", target) < 0)
                        return -ENOMEM;
                return mount_config_error(err, type, detail);
        }
        if (streq(target, "/"))
                return mount_config_error(err, type, "invalid specification: destination can't be '/'");
        r = check_foreign_options(spec, type, err);
        if (r < 0)
                return r;
        if (streq(type, "bind"))
                return check_bind_spec(spec, check_source, err);
        if (streq(type, "tmpfs") && *json_field_string(spec, "Source", ""))
                return mount_config_error(err, "tmpfs", "field Source must not be specified");
        if (streq(type, "volume") && !*json_field_string(spec, "Source", "") &&
            json_field_bool(spec, "ReadOnly", false))
                return mount_config_error(err, "volume", "must not set ReadOnly mode when using anonymous volumes");
        return 0;
}

int mounts_check_specs(json_object *host_config, struct error *err)
{
        json_object *specs = json_field_array(host_config, "Mounts");
        int r;

        for (size_t i = 0; specs && i < json_object_array_length(specs); i++) {
                r = check_spec(json_object_array_get_idx(specs, i), true, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static json_object *volume_point_from_spec(json_object *spec, const char *destination)
{
        json_object *options = json_field_object(spec, "VolumeOptions");
        json_object *driver_config = json_field_object(options, "DriverConfig");
        const char *name = json_field_string(spec, "Source", "");
        json_object *m = new_point("volume", destination, "z", !json_field_bool(spec, "ReadOnly", false));
        json_object *create = json_object_new_object();

        json_set_string(m, "Name", name);
        set_bool(m, "Anonymous", !*name);
        set_bool(m, "CopyData", !json_field_bool(options, "NoCopy", false));
        json_set_string(create, "Driver", json_field_string(driver_config, "Name", ""));
        json_object_object_add(create, "Options", json_object_get(json_field_object(driver_config, "Options")));
        json_object_object_add(create, "Labels", json_object_get(json_field_object(options, "Labels")));
        json_object_object_add(m, "VolumeOptions", create);
        return m;
}

static json_object *point_from_spec(struct build *b, json_object *spec, const char *destination)
{
        const char *type = json_field_string(spec, "Type", "");
        bool rw = !json_field_bool(spec, "ReadOnly", false);
        json_object *bind_options = json_field_object(spec, "BindOptions");
        _cleanup_free_ char *source = NULL;
        json_object *m;

        if (streq(type, "volume"))
                return volume_point_from_spec(spec, destination);
        m = new_point(type, destination, "", rw);
        if (streq(type, "tmpfs")) {
                json_object *tmpfs = json_field_object(spec, "TmpfsOptions");

                if (tmpfs)
                        json_object_object_add(m, "TmpfsOptions", json_object_get(tmpfs));
                return m;
        }
        source = clean_path(json_field_string(spec, "Source", ""));
        if (!source) {
                json_object_put(m);
                return NULL;
        }
        json_set_string(m, "Source", source);
        json_set_string(m, "Propagation",
                        *json_field_string(bind_options, "Propagation", "")
                                ? json_field_string(bind_options, "Propagation", "")
                                : default_propagation(source, b->data_root));
        set_bool(m, "DefaultPropagation", !*json_field_string(bind_options, "Propagation", ""));
        set_bool(m, "NonRecursive", json_field_bool(bind_options, "NonRecursive", false));
        return m;
}

static int add_spec(struct build *b, json_object *spec, struct error *err)
{
        _cleanup_free_ char *destination = clean_path(json_field_string(spec, "Target", ""));
        json_object *m;
        int r;

        r = check_spec(spec, b->check_sources, err);
        if (r < 0)
                return r;
        if (!destination)
                return -ENOMEM;
        m = point_from_spec(b, spec, destination);
        if (!m)
                return -ENOMEM;
        return add_user_point(b, m, err);
}

/* ---- --volumes-from and Config.Volumes ---- */

/* Copies a mount point of another container as dockerd does: no mode, no
 * copy of the image's files, read-only unless both allow writes. */
static void add_from_point(struct build *b, json_object *theirs, bool rw)
{
        json_object *m = json_tokener_parse(json_to_string(theirs));
        size_t index;

        if (!m)
                return;
        json_set_string(m, "Mode", "");
        json_object_object_add(m, "RW", json_object_new_boolean(rw && json_field_bool(theirs, "RW", true)));
        set_bool(m, "CopyData", false);
        set_bool(m, "CreateSource", false);
        json_object_object_del(m, "VolumeOptions");
        /* The volume exists: the create looks it up instead of creating it. */
        set_bool(m, "Existing", true);
        if (find_point(b, json_field_string(m, "Destination", ""), &index))
                json_object_array_del_idx(b->points, index, 1);
        json_object_array_add(b->points, m);
}

static int add_anonymous(struct build *b, const char *path)
{
        _cleanup_free_ char *destination = clean_path(path);
        json_object *m;

        if (!destination)
                return -ENOMEM;
        /* A mount from VolumesFrom, -v, --mount or --tmpfs takes precedence. */
        if (find_point(b, destination, NULL) || json_field_string(b->tmpfs, destination, NULL))
                return 0;
        m = new_point("volume", destination, "", true);
        set_bool(m, "Anonymous", true);
        set_bool(m, "CopyData", true);
        set_volume_driver(b, m);
        json_object_array_add(b->points, m);
        return 0;
}

static int build_points(json_object *config, json_object *host_config, const struct mounts_from *from, size_t n_from,
                        const char *data_root, bool check_sources, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *points = json_object_new_array();
        json_object *binds = json_field_array(host_config, "Binds");
        json_object *specs = json_field_array(host_config, "Mounts");
        json_object *volumes = json_field_object(config, "Volumes");
        struct build b = { points,
                           NULL,
                           json_field_object(host_config, "Tmpfs"),
                           data_root,
                           json_field_string(host_config, "VolumeDriver", ""),
                           check_sources };
        int r = 0;

        for (size_t i = 0; i < n_from; i++)
                for (size_t j = 0; from[i].mount_points && j < json_object_array_length(from[i].mount_points); j++)
                        add_from_point(&b, json_object_array_get_idx(from[i].mount_points, j), from[i].rw);
        for (size_t i = 0; binds && i < json_object_array_length(binds) && r >= 0; i++)
                r = add_bind_entry(&b, json_object_get_string(json_object_array_get_idx(binds, i)), err);
        for (size_t i = 0; specs && i < json_object_array_length(specs) && r >= 0; i++)
                r = add_spec(&b, json_object_array_get_idx(specs, i), err);
        if (volumes && r >= 0) {
                json_object_object_foreach (volumes, path, value) {
                        (void)value;
                        if (r >= 0)
                                r = add_anonymous(&b, path);
                }
        }
        strv_free(b.user_destinations);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(points);
        return 0;
}

/* ---- Propagation ---- */

/* Undoes the octal escapes (\040 for a space) of a mountinfo field. */
static void unescape_mountinfo(char *field)
{
        char *out = field;

        for (char *in = field; *in; in++) {
                if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' && in[3] >= '0' &&
                    in[3] <= '7') {
                        *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
                        in += 3;
                } else {
                        *out++ = *in;
                }
        }
        *out = '\0';
}

static bool path_under(const char *path, const char *mount_point)
{
        size_t len = strlen(mount_point);

        if (streq(mount_point, "/"))
                return true;
        return strncmp(path, mount_point, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

/* Finds the mount that contains path in mountinfo (the last of the
 * longest mount points, as the kernel stacks them): its mount point and
 * whether it is shared and whether it is a slave. */
static int find_mount(const char *mountinfo, const char *path, char **ret_mount_point, bool *ret_shared,
                      bool *ret_slave)
{
        _cleanup_strv_free_ char **lines = strv_split(mountinfo, "\n", false);
        _cleanup_free_ char *best = NULL;
        bool shared = false, slave = false;

        if (!lines)
                return -ENOMEM;
        STRV_FOREACH (line, lines) {
                _cleanup_strv_free_ char **fields = strv_split(*line, " ", false);
                bool is_shared = false, is_slave = false;

                if (!fields || strv_length(fields) < 7)
                        continue;
                unescape_mountinfo(fields[4]);
                if (!path_under(path, fields[4]) || (best && strlen(fields[4]) < strlen(best)))
                        continue;
                /* The optional fields come between the options and "-". */
                for (size_t i = 6; fields[i] && !streq(fields[i], "-"); i++) {
                        is_shared = is_shared || startswith(fields[i], "shared:");
                        is_slave = is_slave || startswith(fields[i], "master:");
                }
                free(best);
                best = strdup(fields[4]);
                if (!best)
                        return -ENOMEM;
                shared = is_shared;
                slave = is_slave;
        }
        if (!best)
                return -ENOENT;
        *ret_mount_point = TAKE_PTR(best);
        *ret_shared = shared;
        *ret_slave = slave;
        return 0;
}

/* dockerd's check at start: a shared bind needs a shared mount of its
 * source on the host, a slave bind a shared or slave one. */
static int check_source_propagation(const char *mountinfo, json_object *m, struct error *err)
{
        const char *propagation = json_field_string(m, "Propagation", "");
        bool wants_shared = streq(propagation, "shared") || streq(propagation, "rshared");
        bool wants_slave = streq(propagation, "slave") || streq(propagation, "rslave");
        _cleanup_free_ char *source = NULL, *mount_point = NULL;
        bool shared, slave;
        int r;

        /* dockerd keeps private the binds near its data root that it made
         * rslave by default, where the host's mount is private. */
        if ((!wants_shared && !wants_slave) || (wants_slave && json_field_bool(m, "DefaultPropagation", false)))
                return 0;
        source = realpath(json_field_string(m, "Source", ""), NULL);
        if (!source)
                return 0;
        r = find_mount(mountinfo, source, &mount_point, &shared, &slave);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        if (wants_shared && !shared)
                return error_set(err, -EINVAL, "path %s is mounted on %s but it is not a shared mount", source,
                                 mount_point);
        if (wants_slave && !shared && !slave)
                return error_set(err, -EINVAL, "path %s is mounted on %s but it is not a shared or slave mount", source,
                                 mount_point);
        return 0;
}

int mounts_check_propagation(json_object *mounts, const char *mountinfo, struct error *err)
{
        int r;

        for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++) {
                json_object *m = json_object_array_get_idx(mounts, i);

                if (!streq(json_field_string(m, "Type", ""), "bind"))
                        continue;
                r = check_source_propagation(mountinfo, m, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- Views ---- */

json_object *mounts_to_json(json_object *mount_points)
{
        static const char *const keys[] = { "Type",   "Name", "Source", "Destination",
                                            "Driver", "Mode", "RW",     "Propagation" };
        json_object *list = json_object_new_array();

        for (size_t i = 0; mount_points && i < json_object_array_length(mount_points); i++) {
                json_object *m = json_object_array_get_idx(mount_points, i), *out = json_object_new_object();
                bool volume = streq(json_field_string(m, "Type", ""), "volume");

                for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
                        json_object *v = NULL;

                        /* Name and Driver are omitted when empty, as in Docker's MountPoint. */
                        if (!volume && (streq(keys[k], "Name") || streq(keys[k], "Driver")))
                                continue;
                        json_object_object_get_ex(m, keys[k], &v);
                        json_object_object_add(out, keys[k], json_object_get(v));
                }
                json_object_array_add(list, out);
        }
        return list;
}

int mounts_build(json_object *config, json_object *host_config, const struct mounts_from *from, size_t n_from,
                 const char *data_root, json_object **ret, struct error *err)
{
        return build_points(config, host_config, from, n_from, data_root, true, ret, err);
}

json_object *mounts_from_legacy_binds(json_object *host_config)
{
        json_object *points = NULL;

        /* Before named volumes, Binds held host paths only, and the
         * daemon's default propagation was rprivate. A --mount source
         * removed since fails at start, as it did then. */
        if (build_points(NULL, host_config, NULL, 0, "/nonexistent", false, &points, NULL) < 0)
                return NULL;
        return points;
}
