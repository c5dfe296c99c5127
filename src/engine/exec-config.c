/* SPDX-License-Identifier: Apache-2.0 */
/* The create request of an exec, and the environment it runs with. */
#include "exec.h"

#include "jsonutil.h"
#include "strv.h"

#define CONTEXT "ExecConfig"

/* Checks an array of strings with the messages of Go's decoder. */
static int check_strings(json_object *body, const char *key, struct error *err)
{
        json_object *array = json_field_array(body, key);
        int r;

        r = json_field_check(body, key, json_type_array, CONTEXT, err);
        if (r < 0 || !array)
                return r;
        for (size_t i = 0; i < json_object_array_length(array); i++) {
                json_object *item = json_object_array_get_idx(array, i);
                json_type type = json_object_get_type(item);

                if (type == json_type_string || type == json_type_null)
                        continue;
                return error_set(err, -EINVAL, "json: cannot unmarshal %s into Go struct field %s.%s of type string",
                                 type == json_type_boolean  ? "bool"
                                 : type == json_type_array  ? "array"
                                 : type == json_type_object ? "object"
                                                            : "number",
                                 CONTEXT, key);
        }
        return 0;
}

static int check_types(json_object *body, struct error *err)
{
        static const struct {
                const char *key;
                json_type type;
        } checks[] = {
                { "User", json_type_string },          { "Privileged", json_type_boolean },
                { "Tty", json_type_boolean },          { "AttachStdin", json_type_boolean },
                { "AttachStderr", json_type_boolean }, { "AttachStdout", json_type_boolean },
                { "Detach", json_type_boolean },       { "DetachKeys", json_type_string },
                { "WorkingDir", json_type_string },
        };
        int r;

        if (!json_object_is_type(body, json_type_object))
                return error_set(err, -EINVAL, "json: cannot unmarshal %s into Go value of type types.ExecConfig",
                                 json_object_is_type(body, json_type_array) ? "array" : "value");
        for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
                r = json_field_check(body, checks[i].key, checks[i].type, CONTEXT, err);
                if (r < 0)
                        return r;
        }
        r = check_strings(body, "Env", err);
        if (r >= 0)
                r = check_strings(body, "Cmd", err);
        return r;
}

/* Copies an array of strings; a null element becomes "", as in Go. */
static int copy_strings(json_object *array, char ***ret)
{
        _cleanup_strv_free_ char **v = calloc(1, sizeof(char *));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; array && i < json_object_array_length(array); i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(array, i));

                if (strv_append(&v, s ?: "") < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

static int copy_optional_string(json_object *body, const char *key, char **ret)
{
        const char *value = json_field_string(body, key, NULL);

        if (isempty(value))
                return 0;
        *ret = strdup(value);
        return *ret ? 0 : -ENOMEM;
}

int exec_config_parse(json_object *body, struct exec_config *ret, struct error *err)
{
        struct exec_config config = {};
        json_object *cmd;
        int r;

        if (!body)
                return error_set(err, -EINVAL, "got EOF while reading request body");
        r = check_types(body, err);
        if (r < 0)
                return r;
        cmd = json_field_array(body, "Cmd");
        if (!cmd || json_object_array_length(cmd) == 0)
                return error_set(err, -EINVAL, "No exec command specified");

        if (copy_strings(cmd, &config.cmd) < 0 || copy_strings(json_field_array(body, "Env"), &config.env) < 0 ||
            copy_optional_string(body, "User", &config.user) < 0 ||
            copy_optional_string(body, "WorkingDir", &config.working_dir) < 0 ||
            copy_optional_string(body, "DetachKeys", &config.detach_keys) < 0) {
                exec_config_clear(&config);
                return -ENOMEM;
        }
        config.tty = json_field_bool(body, "Tty", false);
        config.privileged = json_field_bool(body, "Privileged", false);
        config.attach_stdin = json_field_bool(body, "AttachStdin", false);
        config.attach_stdout = json_field_bool(body, "AttachStdout", false);
        config.attach_stderr = json_field_bool(body, "AttachStderr", false);
        *ret = config;
        return 0;
}

void exec_config_clear(struct exec_config *config)
{
        strv_free(config->cmd);
        strv_free(config->env);
        free(config->user);
        free(config->working_dir);
        free(config->detach_keys);
        *config = (struct exec_config){};
}

/* Returns the index of the entry of env named like entry (up to its "="),
 * or -1. */
static ssize_t env_find(char **env, const char *entry)
{
        size_t len = strcspn(entry, "=");

        for (size_t i = 0; env[i]; i++)
                if (strncmp(env[i], entry, len) == 0 && (env[i][len] == '=' || env[i][len] == '\0'))
                        return (ssize_t)i;
        return -1;
}

static void env_remove_at(char **env, size_t i)
{
        free(env[i]);
        memmove(&env[i], &env[i + 1], (strv_length(env + i + 1) + 1) * sizeof(char *));
}

int exec_env_apply(char ***env, char *const *changes)
{
        STRV_FOREACH (entry, changes) {
                ssize_t i = env_find(*env, *entry);
                char *copy;

                if (!strchr(*entry, '=')) {
                        if (i >= 0)
                                env_remove_at(*env, (size_t)i);
                        continue;
                }
                if (i < 0) {
                        if (strv_append(env, *entry) < 0)
                                return -ENOMEM;
                        continue;
                }
                copy = strdup(*entry);
                if (!copy)
                        return -ENOMEM;
                free((*env)[i]);
                (*env)[i] = copy;
        }
        return 0;
}
