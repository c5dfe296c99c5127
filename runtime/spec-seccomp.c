/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/spec-internal.h"
#include "runtime/spec-json.h"
#include "strv.h"

static const struct {
        const char *name;
        enum runtime_seccomp_action action;
} action_names[] = {
        { "SCMP_ACT_KILL", RUNTIME_SECCOMP_KILL_THREAD },
        { "SCMP_ACT_KILL_THREAD", RUNTIME_SECCOMP_KILL_THREAD },
        { "SCMP_ACT_KILL_PROCESS", RUNTIME_SECCOMP_KILL_PROCESS },
        { "SCMP_ACT_TRAP", RUNTIME_SECCOMP_TRAP },
        { "SCMP_ACT_ERRNO", RUNTIME_SECCOMP_ERRNO },
        { "SCMP_ACT_TRACE", RUNTIME_SECCOMP_TRACE },
        { "SCMP_ACT_ALLOW", RUNTIME_SECCOMP_ALLOW },
        { "SCMP_ACT_LOG", RUNTIME_SECCOMP_LOG },
};

static const struct {
        const char *name;
        enum runtime_seccomp_op op;
} op_names[] = {
        { "SCMP_CMP_NE", RUNTIME_SECCOMP_NE },
        { "SCMP_CMP_LT", RUNTIME_SECCOMP_LT },
        { "SCMP_CMP_LE", RUNTIME_SECCOMP_LE },
        { "SCMP_CMP_EQ", RUNTIME_SECCOMP_EQ },
        { "SCMP_CMP_GE", RUNTIME_SECCOMP_GE },
        { "SCMP_CMP_GT", RUNTIME_SECCOMP_GT },
        { "SCMP_CMP_MASKED_EQ", RUNTIME_SECCOMP_MASKED_EQ },
};

static int parse_action(json_object *obj, const char *path, const char *key, enum runtime_seccomp_action *ret,
                        struct error *err)
{
        _cleanup_free_ char *name = NULL;
        int r;

        r = spec_json_string(obj, path, key, &name, err);
        if (r < 0)
                return r;
        if (!name)
                return spec_json_invalid(err, path, key, "missing");

        for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
                if (streq(name, action_names[i].name)) {
                        *ret = action_names[i].action;
                        return 0;
                }
        if (streq(name, "SCMP_ACT_NOTIFY"))
                return error_set(err, -EOPNOTSUPP, "%s.%s: SCMP_ACT_NOTIFY is not supported", path, key);
        return error_set(err, -EINVAL, "invalid config.json: %s.%s: unknown seccomp action %s", path, key, name);
}

static int parse_errno_ret(json_object *obj, const char *path, const char *key, bool *ret_has, unsigned *ret,
                           struct error *err)
{
        uint64_t v;
        int r;

        if (!json_object_object_get_ex(obj, key, NULL))
                return 0;
        v = UINT64_MAX;
        r = spec_json_uint64(obj, path, key, 4095, &v, err);
        if (r < 0 || v == UINT64_MAX)
                return r;
        *ret_has = true;
        *ret = v;
        return 0;
}

static int parse_arg(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        struct runtime_seccomp_arg *arg = (struct runtime_seccomp_arg *)items + index;
        _cleanup_free_ char *op = NULL;
        uint64_t arg_index = 0;
        int r;

        r = spec_json_uint64(obj, path, "index", 5, &arg_index, err);
        if (r < 0)
                return r;
        arg->index = arg_index;
        r = spec_json_uint64(obj, path, "value", UINT64_MAX, &arg->value, err);
        if (r < 0)
                return r;
        r = spec_json_uint64(obj, path, "valueTwo", UINT64_MAX, &arg->value_two, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, path, "op", &op, err);
        if (r < 0)
                return r;

        for (size_t i = 0; op && i < ARRAY_SIZE(op_names); i++)
                if (streq(op, op_names[i].name)) {
                        arg->op = op_names[i].op;
                        return 0;
                }
        return error_set(err, -EINVAL, "invalid config.json: %s.op: unknown comparison %s", path, op ?: "(missing)");
}

static int parse_rule(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        struct runtime_seccomp_rule *rule = (struct runtime_seccomp_rule *)items + index;
        int r;

        r = spec_json_strv(obj, path, "names", &rule->names, err);
        if (r < 0)
                return r;
        if (!rule->names || !rule->names[0])
                return spec_json_invalid(err, path, "names", "missing");
        r = parse_action(obj, path, "action", &rule->action, err);
        if (r < 0)
                return r;
        r = parse_errno_ret(obj, path, "errnoRet", &rule->has_errno_ret, &rule->errno_ret, err);
        if (r < 0)
                return r;
        return spec_json_parse_array(obj, path, "args", sizeof(*rule->args), parse_arg, (void **)&rule->args,
                                     &rule->n_args, err);
}

static int parse_object(json_object *obj, struct runtime_seccomp *s, struct error *err)
{
        _cleanup_free_ char *listener = NULL;
        int r;

        r = parse_action(obj, "linux.seccomp", "defaultAction", &s->default_action, err);
        if (r < 0)
                return r;
        r = parse_errno_ret(obj, "linux.seccomp", "defaultErrnoRet", &s->has_default_errno_ret, &s->default_errno_ret,
                            err);
        if (r < 0)
                return r;
        r = spec_json_strv(obj, "linux.seccomp", "architectures", &s->architectures, err);
        if (r < 0)
                return r;
        r = spec_json_strv(obj, "linux.seccomp", "flags", &s->flags, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, "linux.seccomp", "listenerPath", &listener, err);
        if (r < 0)
                return r;
        if (!isempty(listener))
                return error_set(err, -EOPNOTSUPP, "linux.seccomp.listenerPath: seccomp notification is not supported");
        return spec_json_parse_array(obj, "linux.seccomp", "syscalls", sizeof(*s->rules), parse_rule,
                                     (void **)&s->rules, &s->n_rules, err);
}

int spec_parse_seccomp(json_object *obj, struct runtime_seccomp **ret, struct error *err)
{
        struct runtime_seccomp *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        r = parse_object(obj, s, err);
        if (r < 0) {
                spec_seccomp_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void spec_seccomp_free(struct runtime_seccomp *s)
{
        if (!s)
                return;
        strv_free(s->architectures);
        strv_free(s->flags);
        for (size_t i = 0; i < s->n_rules; i++) {
                strv_free(s->rules[i].names);
                free(s->rules[i].args);
        }
        free(s->rules);
        free(s);
}
