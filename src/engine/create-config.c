/* SPDX-License-Identifier: Apache-2.0 */
/* The parts of POST /containers/create that depend only on the request
 * and the image: type checks, Docker's merge of the two configs, the
 * command, and HostConfig defaults and checks. */
#include "create-config.h"

#include "binds.h"
#include "engine-internal.h"
#include "jsonutil.h"
#include "strv.h"

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
int create_request_check(json_object *req, struct error *err)
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
        /* Env is a plain array, but its items are checked the same way. */
        return json_field_array(req, "Env") ? check_str_slice(req, "Env", err) : 0;
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

/* Healthcheck: the image's, with any field the request sets overriding it.
 * The request's null, zero and empty fields are left out, as dockerd's
 * omitempty leaves them out of inspect. */
static json_object *merge_healthcheck(json_object *user, json_object *image)
{
        json_object *merged;

        if (!user)
                return image ? json_object_get(image) : NULL;
        merged = json_object_new_object();
        if (image) {
                json_object_object_foreach (image, k1, v1)
                        json_object_object_add(merged, k1, json_object_get(v1));
        }
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
json_object *create_config_build(json_object *req, json_object *image_config)
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

int create_command_build(json_object *config, char **ret_path, char ***ret_args, struct error *err)
{
        json_object *entrypoint = json_field_array(config, "Entrypoint");
        json_object *cmd = json_field_array(config, "Cmd");
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *path = NULL;
        char **args;
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

        path = strdup(argv[0]);
        args = calloc(strv_length(argv), sizeof(char *));
        if (!path || !args) {
                free(args);
                return -ENOMEM;
        }
        for (size_t i = 1; argv[i]; i++)
                args[i - 1] = TAKE_PTR(argv[i]);
        *ret_path = TAKE_PTR(path);
        *ret_args = args;
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
void create_host_config_defaults(json_object *hc)
{
        json_object *log_config = json_object_new_object();
        json_object *restart = json_object_new_object();
        json_object *restart_sent;
        const char *network = json_field_string(hc, "NetworkMode", "");

        json_object_object_add(log_config, "Type", json_object_new_string("json-file"));
        json_object_object_add(log_config, "Config", json_object_new_object());
        default_field(hc, "LogConfig", log_config);
        /* The CLI sends an empty Type for the default driver. */
        if (!*json_field_string(json_field_object(hc, "LogConfig"), "Type", ""))
                json_object_object_add(json_field_object(hc, "LogConfig"), "Type", json_object_new_string("json-file"));
        json_object_object_add(restart, "Name", json_object_new_string("no"));
        json_object_object_add(restart, "MaximumRetryCount", json_object_new_int(0));
        default_field(hc, "RestartPolicy", restart);
        /* dockerd shows both fields of the policy, sent or not. */
        restart_sent = json_field_object(hc, "RestartPolicy");
        if (restart_sent && !json_object_object_get_ex(restart_sent, "MaximumRetryCount", NULL))
                json_object_object_add(restart_sent, "MaximumRetryCount", json_object_new_int(0));
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
        if (!json_field_array(hc, "ConsoleSize") ||
            json_object_array_length(json_field_array(hc, "ConsoleSize")) != 2) {
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

/* Type checks of the HostConfig fields the daemon reads, with the
 * messages of dockerd's JSON decoder. */
static int check_host_config_types(json_object *hc, struct error *err)
{
        static const struct {
                const char *key;
                json_type type;
        } checks[] = {
                { "Binds", json_type_array },
                { "NetworkMode", json_type_string },
                { "ShmSize", json_type_int },
                { "ConsoleSize", json_type_array },
                { "AutoRemove", json_type_boolean },
                { "Privileged", json_type_boolean },
                { "ReadonlyRootfs", json_type_boolean },
                { "LogConfig", json_type_object },
                { "RestartPolicy", json_type_object },
                { "Dns", json_type_array },
                { "DnsOptions", json_type_array },
                { "DnsSearch", json_type_array },
                { "MaskedPaths", json_type_array },
                { "ReadonlyPaths", json_type_array },
                { "OomScoreAdj", json_type_int },
                { "PidMode", json_type_string },
                { "IpcMode", json_type_string },
                { "UTSMode", json_type_string },
                { "UsernsMode", json_type_string },
                { "CgroupnsMode", json_type_string },
                { "Runtime", json_type_string },
                { "Mounts", json_type_array },
                { "Tmpfs", json_type_object },
                { "Sysctls", json_type_object },
                { "Ulimits", json_type_array },
                { "ExtraHosts", json_type_array },
                { "CapAdd", json_type_array },
                { "CapDrop", json_type_array },
                { "Memory", json_type_int },
                { "MemorySwap", json_type_int },
                { "MemoryReservation", json_type_int },
                { "KernelMemory", json_type_int },
                { "MemorySwappiness", json_type_int },
                { "NanoCpus", json_type_int },
                { "CpuShares", json_type_int },
                { "CpuPeriod", json_type_int },
                { "CpuQuota", json_type_int },
                { "CpusetCpus", json_type_string },
                { "CpusetMems", json_type_string },
                { "PidsLimit", json_type_int },
                { "PortBindings", json_type_object },
                { "Devices", json_type_array },
                { "DeviceCgroupRules", json_type_array },
                { "GroupAdd", json_type_array },
                { "Init", json_type_boolean },
        };
        static const char *const string_arrays[] = {
                "Binds",  "Dns",     "DnsOptions", "DnsSearch",         "MaskedPaths", "ReadonlyPaths",
                "CapAdd", "CapDrop", "ExtraHosts", "DeviceCgroupRules", "GroupAdd"
        };
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
                r = json_field_check(hc, checks[i].key, checks[i].type, "HostConfig", err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(string_arrays); i++) {
                json_object *array = json_field_array(hc, string_arrays[i]);

                for (size_t j = 0; j < array_length(array); j++)
                        if (!json_object_is_type(json_object_array_get_idx(array, j), json_type_string))
                                return error_set(
                                        err, -EINVAL,
                                        "json: cannot unmarshal %s into Go struct field HostConfig.%s of "
                                        "type string",
                                        json_object_is_type(json_object_array_get_idx(array, j), json_type_object)
                                                ? "object"
                                                : "number",
                                        string_arrays[i]);
        }
        return 0;
}

/* Checks HostConfig for what this daemon can run, with Docker's messages. */
int create_host_config_check(json_object *hc, struct error *err)
{
        json_object *binds = json_field_array(hc, "Binds");
        int r;

        r = check_host_config_types(hc, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < array_length(binds); i++) {
                json_object *item = json_object_array_get_idx(binds, i);
                struct bind b;

                r = bind_parse(json_object_get_string(item), &b, err);
                if (r < 0)
                        return r;
                bind_clear(&b);
        }

        /* Unknown network names fail at start, as in dockerd: the docker
         * CLI reads a 404 from create as a missing image. */
        return 0;
}
