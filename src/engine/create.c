/* SPDX-License-Identifier: Apache-2.0 */
/* POST /containers/create: from the request body and the image's config
 * to a stored container, with Docker's merge rules and defaults. */
#include <stdio.h>
#include <sys/stat.h>

#include "binds.h"
#include "daemon.h"
#include "engine-internal.h"
#include "fsutil.h"
#include "image/image.h"
#include "jsonutil.h"
#include "log.h"
#include "names.h"
#include "pool/backend.h"
#include "strv.h"
#include "timeutil.h"

#define DEFAULT_SHM_SIZE (64 * 1024 * 1024)

/* The Config fields a create request carries at its top level. */
static const char *const config_fields[] = {
        "Hostname",     "Domainname",   "User",        "AttachStdin",     "AttachStdout",
        "AttachStderr", "ExposedPorts", "Tty",         "OpenStdin",       "StdinOnce",
        "Env",          "Cmd",          "Healthcheck", "ArgsEscaped",     "Image",
        "Volumes",      "WorkingDir",   "Entrypoint",  "NetworkDisabled", "MacAddress",
        "OnBuild",      "Labels",       "StopSignal",  "StopTimeout",     "Shell",
};

/* Checks a field of Docker's StrSlice type: null, a string, or an array of strings. */
static int check_str_slice(json_object *req, const char *key, struct error *err)
{
        json_object *v = NULL;
        const char *bad = NULL;

        if (!json_object_object_get_ex(req, key, &v) || !v || json_object_is_type(v, json_type_string))
                return 0;
        if (json_object_is_type(v, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(v) && !bad; i++)
                        if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
                                bad = "number";
        } else {
                bad = json_object_is_type(v, json_type_object) ? "object" : "number";
        }
        if (!bad)
                return 0;
        return error_set(err, -EINVAL,
                         "json: cannot unmarshal %s into Go struct field ContainerConfigWrapper.%s of type string", bad,
                         key);
}

static const char *const config_bools[] = { "AttachStdin", "AttachStdout", "AttachStderr",
                                            "Tty",         "OpenStdin",    "StdinOnce" };

/* Type checks with the messages dockerd's JSON decoder gives. Cmd and
 * Entrypoint may be a string or an array, as Docker's StrSlice allows. */
static int check_request_types(json_object *req, struct error *err)
{
        static const struct {
                const char *key;
                json_type type;
        } checks[] = {
                { "Hostname", json_type_string },      { "Domainname", json_type_string },
                { "User", json_type_string },          { "AttachStdin", json_type_boolean },
                { "AttachStdout", json_type_boolean }, { "AttachStderr", json_type_boolean },
                { "Tty", json_type_boolean },          { "OpenStdin", json_type_boolean },
                { "StdinOnce", json_type_boolean },    { "Env", json_type_array },
                { "Image", json_type_string },         { "WorkingDir", json_type_string },
                { "Labels", json_type_object },        { "Volumes", json_type_object },
                { "ExposedPorts", json_type_object },  { "StopSignal", json_type_string },
                { "StopTimeout", json_type_int },      { "Healthcheck", json_type_object },
                { "HostConfig", json_type_object },    { "NetworkingConfig", json_type_object },
        };
        static const char *const str_slices[] = { "Cmd", "Entrypoint", "Shell", "OnBuild" };
        int r;

        if (!json_object_is_type(req, json_type_object))
                return error_set(err, -EINVAL,
                                 "json: cannot unmarshal %s into Go value of type container.ContainerConfigWrapper",
                                 json_object_is_type(req, json_type_array) ? "array" : "value");

        for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
                r = json_field_check(req, checks[i].key, checks[i].type, "ContainerConfigWrapper", err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(str_slices); i++) {
                r = check_str_slice(req, str_slices[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Returns a string slice field as an array (a string becomes a one-element
 * array), a new reference, or NULL when absent or null. */
static json_object *str_slice(json_object *obj, const char *key)
{
        json_object *v = NULL;

        if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
                return NULL;
        if (json_object_is_type(v, json_type_string)) {
                json_object *array = json_object_new_array();

                json_object_array_add(array, json_object_get(v));
                return array;
        }
        for (size_t i = 0; i < json_object_array_length(v); i++)
                if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
                        return NULL;
        return json_object_get(v);
}

static size_t array_length(json_object *array)
{
        return array ? json_object_array_length(array) : 0;
}

/* Env: the request's entries first, then the image's whose names the
 * request does not set. */
static json_object *merge_env(json_object *user, json_object *image)
{
        json_object *env = json_object_new_array();

        for (size_t i = 0; i < array_length(user); i++)
                json_object_array_add(env, json_object_get(json_object_array_get_idx(user, i)));
        for (size_t i = 0; i < array_length(image); i++) {
                const char *entry = json_object_get_string(json_object_array_get_idx(image, i));
                size_t key_len = strcspn(entry, "=");
                bool overridden = false;

                for (size_t j = 0; j < array_length(user) && !overridden; j++) {
                        const char *u = json_object_get_string(json_object_array_get_idx(user, j));

                        overridden = strncmp(u, entry, key_len) == 0 && (u[key_len] == '=' || u[key_len] == '\0');
                }
                if (!overridden)
                        json_object_array_add(env, json_object_new_string(entry));
        }
        return env;
}

/* Object fields (Labels, ExposedPorts, Volumes): the image's, then the request's on top. */
static json_object *merge_objects(json_object *user, json_object *image)
{
        json_object *merged;

        if (!image)
                return user ? json_object_get(user) : NULL;
        merged = json_object_new_object();
        json_object_object_foreach (image, k1, v1)
                json_object_object_add(merged, k1, json_object_get(v1));
        if (user) {
                json_object_object_foreach (user, k2, v2)
                        json_object_object_add(merged, k2, json_object_get(v2));
        }
        return merged;
}

/* Healthcheck: the image's, with any field the request sets overriding it. */
static json_object *merge_healthcheck(json_object *user, json_object *image)
{
        json_object *merged;

        if (!user)
                return image ? json_object_get(image) : NULL;
        if (!image)
                return json_object_get(user);
        merged = json_object_new_object();
        json_object_object_foreach (image, k1, v1)
                json_object_object_add(merged, k1, json_object_get(v1));
        json_object_object_foreach (user, k2, v2) {
                bool empty = !v2 || (json_object_is_type(v2, json_type_array) && json_object_array_length(v2) == 0) ||
                             (json_object_is_type(v2, json_type_int) && json_object_get_int64(v2) == 0);

                if (!empty)
                        json_object_object_add(merged, k2, json_object_get(v2));
        }
        return merged;
}

static void set_or_delete(json_object *obj, const char *key, json_object *value)
{
        if (value)
                json_object_object_add(obj, key, value);
        else
                json_object_object_add(obj, key, NULL);
}

static const char *string_or(json_object *obj, const char *key, json_object *fallback_obj)
{
        const char *v = json_field_string(obj, key, "");

        return *v ? v : json_field_string(fallback_obj, key, "");
}

/* Builds the container's Config: the request's fields merged with the
 * image's config by Docker's rules. */
static json_object *build_config(json_object *req, json_object *image_config)
{
        json_object *config = json_object_new_object();
        json_object *cmd = str_slice(req, "Cmd"), *entrypoint = str_slice(req, "Entrypoint");

        for (size_t i = 0; i < ARRAY_SIZE(config_fields); i++) {
                json_object *v = NULL;

                if (json_object_object_get_ex(req, config_fields[i], &v))
                        json_object_object_add(config, config_fields[i], json_object_get(v));
        }

        /* Only without an Entrypoint of its own does a request inherit the
         * image's Cmd and Entrypoint. */
        if (array_length(entrypoint) == 0) {
                if (array_length(cmd) == 0) {
                        json_object_put(cmd);
                        cmd = str_slice(image_config, "Cmd");
                }
                if (!entrypoint)
                        entrypoint = str_slice(image_config, "Entrypoint");
        }
        /* `--entrypoint ""` arrives as [""] and means no entrypoint at all. */
        if (array_length(entrypoint) == 1 &&
            streq(json_object_get_string(json_object_array_get_idx(entrypoint, 0)), "")) {
                json_object_put(entrypoint);
                entrypoint = NULL;
        }
        set_or_delete(config, "Cmd", cmd);
        set_or_delete(config, "Entrypoint", entrypoint);

        json_object_object_add(config, "Env",
                               merge_env(json_field_array(req, "Env"), json_field_array(image_config, "Env")));
        set_or_delete(config, "Labels",
                      merge_objects(json_field_object(req, "Labels"), json_field_object(image_config, "Labels")));
        set_or_delete(
                config, "ExposedPorts",
                merge_objects(json_field_object(req, "ExposedPorts"), json_field_object(image_config, "ExposedPorts")));
        set_or_delete(config, "Volumes",
                      merge_objects(json_field_object(req, "Volumes"), json_field_object(image_config, "Volumes")));
        set_or_delete(config, "Healthcheck",
                      merge_healthcheck(json_field_object(req, "Healthcheck"),
                                        json_field_object(image_config, "Healthcheck")));

        json_set_string(config, "WorkingDir", string_or(req, "WorkingDir", image_config));
        json_set_string(config, "User", string_or(req, "User", image_config));
        if (!*json_field_string(req, "StopSignal", "") && *json_field_string(image_config, "StopSignal", ""))
                json_set_string(config, "StopSignal", json_field_string(image_config, "StopSignal", ""));
        if (!json_field_array(config, "OnBuild"))
                json_object_object_add(config, "OnBuild", NULL);

        for (size_t i = 0; i < ARRAY_SIZE(config_bools); i++)
                if (!json_field_bool(config, config_bools[i], false))
                        json_object_object_add(config, config_bools[i], json_object_new_boolean(false));
        if (!json_field_string(config, "Hostname", NULL))
                json_set_string(config, "Hostname", "");
        if (!json_field_string(config, "Domainname", NULL))
                json_set_string(config, "Domainname", "");
        return config;
}

/* Path and Args: the entrypoint's first element, then the rest and Cmd. */
static int build_command(struct container *c, struct error *err)
{
        json_object *entrypoint = json_field_array(c->config, "Entrypoint");
        json_object *cmd = json_field_array(c->config, "Cmd");
        _cleanup_strv_free_ char **argv = NULL;
        int r;

        for (size_t i = 0; i < array_length(entrypoint); i++) {
                r = strv_append(&argv, json_object_get_string(json_object_array_get_idx(entrypoint, i)));
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < array_length(cmd); i++) {
                r = strv_append(&argv, json_object_get_string(json_object_array_get_idx(cmd, i)));
                if (r < 0)
                        return r;
        }
        if (strv_length(argv) == 0)
                return error_set(err, -EINVAL, "No command specified");

        c->path = strdup(argv[0]);
        if (!c->path)
                return -ENOMEM;
        c->args = calloc(strv_length(argv), sizeof(char *));
        if (!c->args)
                return -ENOMEM;
        for (size_t i = 1; argv[i]; i++)
                c->args[i - 1] = TAKE_PTR(argv[i]);
        return 0;
}

static void default_field(json_object *obj, const char *key, json_object *value)
{
        json_object *existing = NULL;

        if (json_object_object_get_ex(obj, key, &existing) && existing) {
                json_object_put(value);
                return;
        }
        json_object_object_add(obj, key, value);
}

static json_object *string_array(const char *const *items, size_t n)
{
        json_object *array = json_object_new_array();

        for (size_t i = 0; i < n; i++)
                json_object_array_add(array, json_object_new_string(items[i]));
        return array;
}

/* Docker's default masked and read-only paths, shown in HostConfig and
 * applied by the runtime. */
const char *const engine_default_masked_paths[] = {
        "/proc/asound",     "/proc/acpi",        "/proc/kcore",       "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
};
const size_t engine_default_masked_paths_count = ARRAY_SIZE(engine_default_masked_paths);
const char *const engine_default_readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
const size_t engine_default_readonly_paths_count = ARRAY_SIZE(engine_default_readonly_paths);

/* Fills the HostConfig fields dockerd sets itself, so inspect shows them. */
static void host_config_defaults(json_object *hc)
{
        json_object *log_config = json_object_new_object();
        json_object *restart = json_object_new_object();
        const char *network = json_field_string(hc, "NetworkMode", "");

        json_object_object_add(log_config, "Type", json_object_new_string("json-file"));
        json_object_object_add(log_config, "Config", json_object_new_object());
        default_field(hc, "LogConfig", log_config);
        json_object_object_add(restart, "Name", json_object_new_string("no"));
        json_object_object_add(restart, "MaximumRetryCount", json_object_new_int(0));
        default_field(hc, "RestartPolicy", restart);
        if (!*network)
                json_set_string(hc, "NetworkMode", "default");
        if (json_field_int(hc, "ShmSize", 0) <= 0)
                json_object_object_add(hc, "ShmSize", json_object_new_int64(DEFAULT_SHM_SIZE));
        if (!*json_field_string(hc, "IpcMode", ""))
                json_set_string(hc, "IpcMode", "private");
        if (!*json_field_string(hc, "CgroupnsMode", ""))
                json_set_string(hc, "CgroupnsMode", "private");
        if (!*json_field_string(hc, "Runtime", ""))
                json_set_string(hc, "Runtime", "sockerless");
        default_field(hc, "PortBindings", json_object_new_object());
        default_field(hc, "Dns", json_object_new_array());
        default_field(hc, "DnsOptions", json_object_new_array());
        default_field(hc, "DnsSearch", json_object_new_array());
        default_field(hc, "ConsoleSize", string_array(NULL, 0));
        if (json_object_array_length(json_field_array(hc, "ConsoleSize")) != 2) {
                json_object *size = json_object_new_array();

                json_object_array_add(size, json_object_new_int(0));
                json_object_array_add(size, json_object_new_int(0));
                json_object_object_add(hc, "ConsoleSize", size);
        }
        if (!json_field_bool(hc, "Privileged", false)) {
                default_field(hc, "MaskedPaths",
                              string_array(engine_default_masked_paths, engine_default_masked_paths_count));
                default_field(hc, "ReadonlyPaths",
                              string_array(engine_default_readonly_paths, engine_default_readonly_paths_count));
        }
}

/* Checks HostConfig for what this daemon can run, with Docker's messages. */
static int check_host_config(json_object *hc, struct error *err)
{
        static const char *const unsupported_modes[] = { "PidMode", "UTSMode", "UsernsMode" };
        const char *network = json_field_string(hc, "NetworkMode", "default");
        json_object *binds = json_field_array(hc, "Binds");
        int r;

        r = json_field_check(hc, "Binds", json_type_array, "HostConfig", err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < array_length(binds); i++) {
                json_object *item = json_object_array_get_idx(binds, i);
                struct bind b;

                if (!json_object_is_type(item, json_type_string))
                        return error_set(err, -EINVAL,
                                         "json: cannot unmarshal number into Go struct field "
                                         "HostConfig.Binds of type string");
                r = bind_parse(json_object_get_string(item), &b, err);
                if (r < 0)
                        return r;
                bind_clear(&b);
        }

        if (!streq(network, "default") && !streq(network, "none") && !streq(network, "host") &&
            !streq(network, "bridge")) {
                if (startswith(network, "container:"))
                        return error_set(err, -EOPNOTSUPP, "network mode %s is not supported by this daemon yet",
                                         network);
                return error_set(err, -ENOENT, "network %s not found", network);
        }
        for (size_t i = 0; i < ARRAY_SIZE(unsupported_modes); i++) {
                const char *mode = json_field_string(hc, unsupported_modes[i], "");

                if (*mode && !streq(mode, "private"))
                        return error_set(err, -EOPNOTSUPP, "%s \"%s\" is not supported by this daemon yet",
                                         unsupported_modes[i], mode);
        }
        return 0;
}

/* Picks the container's name: the requested one, checked, or a generated one. */
static int choose_name(struct engine *e, const char *requested, char **ret, struct error *err)
{
        char *name = NULL;

        if (!isempty(requested)) {
                if (!container_name_is_valid(requested))
                        return error_set(err, -EINVAL,
                                         "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                                         requested);
                if (asprintf(&name, "%s%s", requested[0] == '/' ? "" : "/", requested) < 0)
                        return -ENOMEM;
                *ret = name;
                return 0;
        }

        for (unsigned retry = 0; retry < 16; retry++) {
                _cleanup_free_ char *base = container_name_generate(retry);
                bool taken;

                if (!base || asprintf(&name, "/%s", base) < 0)
                        return -ENOMEM;
                pthread_rwlock_rdlock(&e->lock);
                taken = engine_table_find_name(e, name) != NULL;
                pthread_rwlock_unlock(&e->lock);
                if (!taken) {
                        *ret = name;
                        return 0;
                }
                free(name);
        }
        return error_set(err, -EEXIST, "could not generate a free container name");
}

static int make_container_dir(struct engine *e, struct container *c, struct error *err)
{
        if (mkdirat(e->containers_dirfd, c->id, 0710) < 0)
                return error_set_errno(err, -errno, "creating the directory of container %s failed", c->id);
        return 0;
}

/* Assembles the container in memory from the request and the image. */
static int build_container(struct engine *e, json_object *req, struct image *img, struct container *c,
                           struct error *err)
{
        json_object *hc = json_field_object(req, "HostConfig");
        const char *network;
        int r;

        r = id_generate(c->id);
        if (r < 0)
                return r;
        c->created_ns = timeutil_now_ns();
        c->image = image_ref(img);
        c->image_id = strdup(img->id);
        c->config = build_config(req, image_container_config(img));
        c->host_config = hc ? json_tokener_parse(json_to_string(hc)) : json_object_new_object();
        if (!c->image_id || !c->config || !c->host_config)
                return -ENOMEM;

        host_config_defaults(c->host_config);
        network = json_field_string(c->host_config, "NetworkMode", "default");
        if (!*json_field_string(c->config, "Hostname", "")) {
                char hostname[256] = "";

                if (streq(network, "host"))
                        gethostname(hostname, sizeof(hostname) - 1);
                else
                        memcpy(hostname, c->id, ID_SHORT_LENGTH);
                json_set_string(c->config, "Hostname", hostname);
        }
        return build_command(c, err);
}

int engine_container_create(struct engine *e, json_object *request, const char *name, const char *pool,
                            json_object *warnings, struct container **ret, struct error *err)
{
        _cleanup_container_ struct container *c = NULL;
        _cleanup_image_ struct image *img = NULL;
        const char *image_ref;
        json_object *hc;
        int r;

        if (!request)
                return error_set(err, -EINVAL, "config cannot be empty in order to create a container");
        r = check_request_types(request, err);
        if (r < 0)
                return r;
        image_ref = json_field_string(request, "Image", "");
        if (!*image_ref)
                return error_set(err, -EINVAL, "no image specified");
        hc = json_field_object(request, "HostConfig");
        r = check_host_config(hc, err);
        if (r < 0)
                return r;

        r = image_store_lookup(e->daemon->images, image_ref, &img, err);
        if (r < 0)
                return r;

        c = container_new();
        if (!c)
                return -ENOMEM;
        r = choose_name(e, name, &c->name, err);
        if (r < 0)
                return r;
        r = build_container(e, request, img, c, err);
        if (r < 0)
                return r;
        if (pool && !(c->pool = strdup(pool)))
                return -ENOMEM;
        c->backend = engine_backend_for_pool(e, pool);
        c->state.status = CONTAINER_CREATED;

        r = engine_table_add(e, c, err);
        if (r < 0)
                return r;
        r = make_container_dir(e, c, err);
        if (r >= 0)
                r = image_store_hold(e->daemon->images, img, c->id, err);
        if (r >= 0)
                r = c->backend->ops->create(c->backend, c, err);
        if (r >= 0) {
                pthread_mutex_lock(&c->lock);
                r = engine_container_save_definition(e, c);
                if (r >= 0)
                        r = engine_container_save_state(e, c);
                pthread_mutex_unlock(&c->lock);
                if (r < 0)
                        error_set_errno(err, r, "saving container %s failed", c->id);
        }
        if (r < 0) {
                engine_table_remove(e, c);
                fs_rm_rf_at(e->containers_dirfd, c->id);
                image_store_release(e->daemon->images, c->id);
                return r;
        }

        log_debug("Container %s created as %s from image %s", c->id, c->name, c->image_id);
        *ret = TAKE_PTR(c);
        return 0;
}
