/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sched.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "runtime/spec-internal.h"
#include "runtime/spec-json.h"
#include "strv.h"

/* config.json of a real container is a few kilobytes; this bounds memory
 * use for a hostile file. */
#define SPEC_MAX_SIZE (4u << 20)

static int parse_root(json_object *spec_obj, struct runtime_spec *spec, struct error *err)
{
        json_object *root;
        int r;

        r = spec_json_object(spec_obj, "", "root", &root, err);
        if (r < 0)
                return r;
        if (!root)
                return error_set(err, -EINVAL, "invalid config.json: root is missing");

        r = spec_json_string(root, "root", "path", &spec->root_path, err);
        if (r < 0)
                return r;
        if (isempty(spec->root_path))
                return error_set(err, -EINVAL, "invalid config.json: root.path is missing");
        return spec_json_bool(root, "root", "readonly", &spec->root_readonly, err);
}

static int parse_mount(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        struct runtime_mount *m = (struct runtime_mount *)items + index;
        int r;

        r = spec_json_string(obj, path, "destination", &m->destination, err);
        if (r < 0)
                return r;
        if (isempty(m->destination))
                return spec_json_invalid(err, path, "destination", "missing");
        if (m->destination[0] != '/')
                return spec_json_invalid(err, path, "destination", "must be an absolute path");

        r = spec_json_string(obj, path, "type", &m->type, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, path, "source", &m->source, err);
        if (r < 0)
                return r;
        return spec_json_strv(obj, path, "options", &m->options, err);
}

static int parse_idmap(json_object *annotations, struct runtime_spec *spec, struct error *err)
{
        _cleanup_free_ char *value = NULL;
        int r;

        r = spec_json_string(annotations, "annotations", RUNTIME_ANNOTATION_IDMAP, &value, err);
        if (r < 0 || !value)
                return r;
        if (!streq(value, "true") && !streq(value, "false"))
                return spec_json_invalid(err, "annotations", RUNTIME_ANNOTATION_IDMAP, "must be \"true\" or \"false\"");
        spec->rootfs_idmap = streq(value, "true");
        return 0;
}

/* Keeps every annotation, which the runtime passes on to hooks and shows
 * in the container's state. */
static int parse_all_annotations(json_object *annotations, struct runtime_spec *spec, struct error *err)
{
        json_object_object_foreach (annotations, key, value) {
                _cleanup_free_ char *text = NULL;
                int r;

                (void)value;
                r = spec_json_string(annotations, "annotations", key, &text, err);
                if (r < 0)
                        return r;
                if (!text)
                        continue;
                if (strv_append(&spec->annotations, key) < 0 || strv_consume(&spec->annotations, TAKE_PTR(text)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_group_add(json_object *annotations, struct runtime_spec *spec, struct error *err)
{
        _cleanup_free_ char *value = NULL;
        int r;

        r = spec_json_string(annotations, "annotations", RUNTIME_ANNOTATION_GROUP_ADD, &value, err);
        if (r < 0 || !value)
                return r;
        spec->group_add = strv_split(value, ",", false);
        return spec->group_add ? 0 : -ENOMEM;
}

static int parse_annotations(json_object *spec_obj, struct runtime_spec *spec, struct error *err)
{
        _cleanup_free_ char *lower = NULL;
        json_object *annotations;
        int r;

        r = spec_json_object(spec_obj, "", "annotations", &annotations, err);
        if (r < 0 || !annotations)
                return r;
        r = parse_all_annotations(annotations, spec, err);
        if (r < 0)
                return r;

        r = spec_json_string(annotations, "annotations", RUNTIME_ANNOTATION_LOWER, &lower, err);
        if (r < 0)
                return r;
        r = spec_json_string(annotations, "annotations", RUNTIME_ANNOTATION_UPPER, &spec->rootfs_upper, err);
        if (r < 0)
                return r;
        r = spec_json_string(annotations, "annotations", RUNTIME_ANNOTATION_WORK, &spec->rootfs_work, err);
        if (r < 0)
                return r;
        r = parse_group_add(annotations, spec, err);
        if (r < 0)
                return r;
        r = spec_json_string(annotations, "annotations", RUNTIME_ANNOTATION_USER, &spec->user, err);
        if (r < 0)
                return r;
        r = parse_idmap(annotations, spec, err);
        if (r < 0)
                return r;

        if (!lower)
                return 0;
        spec->rootfs_lower = strv_split(lower, ":", false);
        if (!spec->rootfs_lower)
                return -ENOMEM;
        if (!spec->rootfs_lower[0])
                return spec_json_invalid(err, "annotations", RUNTIME_ANNOTATION_LOWER, "no lower directory");
        STRV_FOREACH (dir, spec->rootfs_lower)
                if (dir[0][0] != '/')
                        return spec_json_invalid(err, "annotations", RUNTIME_ANNOTATION_LOWER,
                                                 "lower directories must be absolute paths");
        if (!!spec->rootfs_upper != !!spec->rootfs_work)
                return spec_json_invalid(err, "annotations", NULL,
                                         RUNTIME_ANNOTATION_UPPER " and " RUNTIME_ANNOTATION_WORK
                                                                  " must be given together");
        return 0;
}

static int parse_object(json_object *obj, struct runtime_spec *spec, struct error *err)
{
        json_object *process, *linux_obj;
        int r;

        if (!json_object_is_type(obj, json_type_object))
                return error_set(err, -EINVAL, "invalid config.json: not a JSON object");

        r = spec_json_string(obj, "", "ociVersion", &spec->oci_version, err);
        if (r < 0)
                return r;
        r = spec_parse_hooks(obj, spec, err);
        if (r < 0)
                return r;
        r = parse_root(obj, spec, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, "", "hostname", &spec->hostname, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, "", "domainname", &spec->domainname, err);
        if (r < 0)
                return r;
        r = spec_json_parse_array(obj, "", "mounts", sizeof(*spec->mounts), parse_mount, (void **)&spec->mounts,
                                  &spec->n_mounts, err);
        if (r < 0)
                return r;
        r = parse_annotations(obj, spec, err);
        if (r < 0)
                return r;

        r = spec_json_object(obj, "", "process", &process, err);
        if (r < 0)
                return r;
        if (process) {
                spec->has_process = true;
                r = spec_parse_process(process, &spec->process, err);
                if (r < 0)
                        return r;
        }

        r = spec_json_object(obj, "", "linux", &linux_obj, err);
        if (r < 0)
                return r;
        if (linux_obj)
                return spec_parse_linux(linux_obj, &spec->linux_config, err);
        return 0;
}

int runtime_spec_parse(const char *text, size_t len, struct runtime_spec **ret, struct error *err)
{
        _cleanup_json_ json_object *obj = NULL;
        struct runtime_spec *spec;
        int r;

        r = json_parse_buffer(text, len, &obj, err);
        if (r < 0)
                return error_prefix(err, r, "invalid config.json");

        spec = calloc(1, sizeof(*spec));
        if (!spec)
                return -ENOMEM;
        r = parse_object(obj, spec, err);
        if (r < 0) {
                runtime_spec_free(spec);
                return r == -ENOMEM ? error_set(err, r, "out of memory parsing config.json") : r;
        }

        *ret = spec;
        return 0;
}

int runtime_spec_load(const char *bundle, struct runtime_spec **ret, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dirfd = -1;
        size_t len;
        int r;

        dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return error_set_errno(err, negative_errno(), "failed to open bundle %s", bundle);

        r = fs_read_file_at(dirfd, "config.json", SPEC_MAX_SIZE, &text, &len);
        if (r < 0)
                return error_set_errno(err, r, "failed to read %s/config.json", bundle);
        return runtime_spec_parse(text, len, ret, err);
}

void runtime_spec_free(struct runtime_spec *spec)
{
        if (!spec)
                return;

        free(spec->oci_version);
        spec_process_done(&spec->process);
        free(spec->root_path);
        free(spec->hostname);
        free(spec->domainname);
        for (size_t i = 0; i < spec->n_mounts; i++) {
                free(spec->mounts[i].destination);
                free(spec->mounts[i].type);
                free(spec->mounts[i].source);
                strv_free(spec->mounts[i].options);
        }
        free(spec->mounts);
        spec_linux_done(&spec->linux_config);
        spec_hooks_done(spec);
        strv_free(spec->annotations);
        strv_free(spec->rootfs_lower);
        free(spec->rootfs_upper);
        free(spec->rootfs_work);
        free(spec->user);
        strv_free(spec->group_add);
        free(spec);
}

int runtime_spec_parse_process(struct runtime_spec *spec, const char *text, size_t len, struct error *err)
{
        _cleanup_json_ json_object *obj = NULL;
        struct runtime_process process = {};
        int r;

        r = json_parse_buffer(text, len, &obj, err);
        if (r < 0)
                return error_prefix(err, r, "invalid process.json");
        if (!json_object_is_type(obj, json_type_object))
                return error_set(err, -EINVAL, "invalid process.json: not a JSON object");

        r = spec_parse_process(obj, &process, err);
        if (r < 0) {
                spec_process_done(&process);
                return r == -ENOMEM ? error_set(err, r, "out of memory parsing process.json") : r;
        }
        spec_process_done(&spec->process);
        spec->process = process;
        spec->has_process = true;
        return 0;
}

bool runtime_spec_terminal(const struct runtime_spec *spec)
{
        return spec->has_process && spec->process.terminal;
}

bool runtime_spec_has_namespace(const struct runtime_spec *spec, int type, const char **ret_path)
{
        const struct runtime_linux *l = &spec->linux_config;

        for (size_t i = 0; i < l->n_namespaces; i++)
                if (l->namespaces[i].type == type) {
                        if (ret_path)
                                *ret_path = l->namespaces[i].path;
                        return true;
                }
        return false;
}
