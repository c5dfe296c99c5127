/* SPDX-License-Identifier: Apache-2.0 */
/* The "exec" message of the monitor protocol, built by the daemon and
 * parsed by the monitor. */
#include "base64.h"
#include "idutil.h"
#include "jsonutil.h"
#include "proto.h"
#include "strv.h"

/* The largest pty dimension, because struct winsize has unsigned short members. */
#define PTY_SIZE_MAX 65535

static bool field_has_type(json_object *msg, const char *key, json_type type)
{
        json_object *value;

        return !json_object_object_get_ex(msg, key, &value) || json_object_is_type(value, type);
}

static int parse_string(json_object *msg, const char *key, char **ret, struct error *err)
{
        const char *value;

        if (!field_has_type(msg, key, json_type_string))
                return error_set(err, -EINVAL, "\"%s\" must be a string", key);
        value = json_field_string(msg, key, NULL);
        if (!value)
                return 0;
        *ret = strdup(value);
        return *ret ? 0 : -ENOMEM;
}

static int parse_bool(json_object *msg, const char *key, bool *ret, struct error *err)
{
        if (!field_has_type(msg, key, json_type_boolean))
                return error_set(err, -EINVAL, "\"%s\" must be a boolean", key);
        *ret = json_field_bool(msg, key, false);
        return 0;
}

static int parse_size(json_object *msg, const char *key, unsigned *ret, struct error *err)
{
        int64_t value;

        if (!field_has_type(msg, key, json_type_int))
                return error_set(err, -EINVAL, "\"%s\" must be an integer", key);
        value = json_field_int(msg, key, 0);
        if (value < 0 || value > PTY_SIZE_MAX)
                return error_set(err, -EINVAL, "\"%s\" must be between 0 and %d", key, PTY_SIZE_MAX);
        *ret = (unsigned)value;
        return 0;
}

static int parse_strv(json_object *msg, const char *key, char ***ret, struct error *err)
{
        json_object *array;

        if (!json_object_object_get_ex(msg, key, &array) || !json_object_is_type(array, json_type_array))
                return error_set(err, -EINVAL, "\"%s\" must be an array of strings", key);
        if (json_array_to_strv(array, ret) < 0)
                return error_set(err, -EINVAL, "\"%s\" must be an array of strings", key);
        /* An empty array gives NULL; the callers want a vector. */
        if (!*ret) {
                *ret = calloc(1, sizeof(char *));
                if (!*ret)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_pending(json_object *msg, struct monitor_exec_request *r, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        int ret;

        ret = parse_string(msg, "pending", &text, err);
        if (ret < 0 || isempty(text))
                return ret;
        if (base64_decode(text, &r->pending, &r->pending_len) < 0)
                return error_set(err, -EINVAL, "\"pending\" is not valid base64");
        return 0;
}

static int parse_process(json_object *msg, struct monitor_exec_request *r, struct error *err)
{
        int ret;

        if ((ret = parse_strv(msg, "args", &r->args, err)) < 0 || (ret = parse_strv(msg, "env", &r->env, err)) < 0)
                return ret;
        if (!r->args[0])
                return error_set(err, -EINVAL, "\"args\" must not be empty");
        if ((ret = parse_string(msg, "cwd", &r->cwd, err)) < 0 || (ret = parse_string(msg, "user", &r->user, err)) < 0)
                return ret;
        if (r->cwd && r->cwd[0] != '/')
                return error_set(err, -EINVAL, "\"cwd\" must be an absolute path");
        if (isempty(r->user)) {
                free(r->user);
                r->user = NULL;
        }
        return 0;
}

static int parse_flags(json_object *msg, struct monitor_exec_request *r, struct error *err)
{
        int ret;

        if ((ret = parse_bool(msg, "tty", &r->tty, err)) < 0 || (ret = parse_bool(msg, "raw", &r->raw, err)) < 0 ||
            (ret = parse_bool(msg, "privileged", &r->privileged, err)) < 0 ||
            (ret = parse_bool(msg, "stdin", &r->attach_stdin, err)) < 0 ||
            (ret = parse_bool(msg, "stdout", &r->attach_stdout, err)) < 0 ||
            (ret = parse_bool(msg, "stderr", &r->attach_stderr, err)) < 0)
                return ret;
        if ((ret = parse_size(msg, "height", &r->height, err)) < 0 ||
            (ret = parse_size(msg, "width", &r->width, err)) < 0)
                return ret;
        return parse_string(msg, "detach_keys", &r->detach_keys, err);
}

int monitor_exec_request_parse(json_object *msg, struct monitor_exec_request *ret, struct error *err)
{
        struct monitor_exec_request r = {};
        int code;

        code = parse_string(msg, "id", &r.id, err);
        if (code >= 0 && (!r.id || !id_is_hex(r.id, ID_LENGTH)))
                code = error_set(err, -EINVAL, "\"id\" must be 64 lowercase hex characters");
        if (code >= 0)
                code = parse_process(msg, &r, err);
        if (code >= 0)
                code = parse_flags(msg, &r, err);
        if (code >= 0)
                code = parse_pending(msg, &r, err);
        if (code < 0) {
                monitor_exec_request_clear(&r);
                return code;
        }
        *ret = r;
        return 0;
}

static void add_string(json_object *msg, const char *key, const char *value)
{
        if (value)
                json_object_object_add(msg, key, json_object_new_string(value));
}

static void add_bool(json_object *msg, const char *key, bool value)
{
        json_object_object_add(msg, key, json_object_new_boolean(value));
}

json_object *monitor_exec_request_to_json(const struct monitor_exec_request *r)
{
        _cleanup_json_ json_object *msg = json_object_new_object();
        _cleanup_free_ char *pending = NULL;

        if (!msg)
                return NULL;
        add_string(msg, "type", "exec");
        add_string(msg, "id", r->id);
        json_object_object_add(msg, "args", json_array_from_strv(r->args) ?: json_object_new_array());
        json_object_object_add(msg, "env", json_array_from_strv(r->env) ?: json_object_new_array());
        add_string(msg, "cwd", r->cwd);
        add_string(msg, "user", r->user);
        add_bool(msg, "tty", r->tty);
        add_bool(msg, "raw", r->raw);
        add_bool(msg, "privileged", r->privileged);
        json_object_object_add(msg, "height", json_object_new_int((int)r->height));
        json_object_object_add(msg, "width", json_object_new_int((int)r->width));
        add_bool(msg, "stdin", r->attach_stdin);
        add_bool(msg, "stdout", r->attach_stdout);
        add_bool(msg, "stderr", r->attach_stderr);
        add_string(msg, "detach_keys", r->detach_keys);
        if (r->pending_len > 0) {
                pending = base64_encode(r->pending, r->pending_len);
                if (!pending)
                        return NULL;
                add_string(msg, "pending", pending);
        }
        return TAKE_PTR(msg);
}

void monitor_exec_request_clear(struct monitor_exec_request *r)
{
        free(r->id);
        strv_free(r->args);
        strv_free(r->env);
        free(r->cwd);
        free(r->user);
        free(r->detach_keys);
        free(r->pending);
        *r = (struct monitor_exec_request){};
}
