/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/capability.h>
#include <sys/resource.h>

#include "runtime/spec-internal.h"
#include "runtime/spec-json.h"
#include "strv.h"

static const struct {
        const char *name;
        int resource;
} rlimit_names[] = {
        { "RLIMIT_AS", RLIMIT_AS },
        { "RLIMIT_CORE", RLIMIT_CORE },
        { "RLIMIT_CPU", RLIMIT_CPU },
        { "RLIMIT_DATA", RLIMIT_DATA },
        { "RLIMIT_FSIZE", RLIMIT_FSIZE },
        { "RLIMIT_LOCKS", RLIMIT_LOCKS },
        { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
        { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
        { "RLIMIT_NICE", RLIMIT_NICE },
        { "RLIMIT_NOFILE", RLIMIT_NOFILE },
        { "RLIMIT_NPROC", RLIMIT_NPROC },
        { "RLIMIT_RSS", RLIMIT_RSS },
        { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
        { "RLIMIT_RTTIME", RLIMIT_RTTIME },
        { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
        { "RLIMIT_STACK", RLIMIT_STACK },
};

static int parse_user(json_object *process, struct runtime_user *user, struct error *err)
{
        json_object *obj, *gids;
        uint64_t v;
        int r;

        r = spec_json_object(process, "process", "user", &obj, err);
        if (r < 0 || !obj)
                return r;

        v = 0;
        r = spec_json_uint64(obj, "process.user", "uid", UINT32_MAX - 1, &v, err);
        if (r < 0)
                return r;
        user->uid = v;
        v = 0;
        r = spec_json_uint64(obj, "process.user", "gid", UINT32_MAX - 1, &v, err);
        if (r < 0)
                return r;
        user->gid = v;
        if (json_object_object_get_ex(obj, "umask", NULL)) {
                v = 022;
                r = spec_json_uint64(obj, "process.user", "umask", 0777, &v, err);
                if (r < 0)
                        return r;
                user->has_umask = true;
                user->umask = v;
        }

        r = spec_json_array(obj, "process.user", "additionalGids", &gids, err);
        if (r < 0 || !gids)
                return r;
        user->n_additional_gids = json_object_array_length(gids);
        user->additional_gids = calloc(user->n_additional_gids ?: 1, sizeof(gid_t));
        if (!user->additional_gids)
                return -ENOMEM;
        for (size_t i = 0; i < user->n_additional_gids; i++) {
                json_object *item = json_object_array_get_idx(gids, i);

                if (!json_object_is_type(item, json_type_int) || json_object_get_int64(item) < 0 ||
                    json_object_get_int64(item) >= UINT32_MAX)
                        return spec_json_invalid(err, "process.user", "additionalGids",
                                                 "must be an array of group IDs");
                user->additional_gids[i] = json_object_get_int64(item);
        }
        return 0;
}

/* Parses one set of capability names into a mask. Names unknown to libcap
 * are rejected; names the running kernel lacks are dropped when applied. */
static int parse_cap_set(json_object *caps, const char *key, uint64_t *ret, struct error *err)
{
        _cleanup_strv_free_ char **names = NULL;
        uint64_t mask = 0;
        int r;

        r = spec_json_strv(caps, "process.capabilities", key, &names, err);
        if (r < 0)
                return r;

        STRV_FOREACH (name, names) {
                cap_value_t cap;

                if (cap_from_name(*name, &cap) < 0 || cap < 0 || cap > 63)
                        return error_set(err, -EINVAL,
                                         "invalid config.json: process.capabilities.%s: unknown capability %s", key,
                                         *name);
                mask |= UINT64_C(1) << cap;
        }
        *ret = mask;
        return 0;
}

static int parse_capabilities(json_object *process, struct runtime_capabilities *caps, struct error *err)
{
        json_object *obj;
        int r;

        r = spec_json_object(process, "process", "capabilities", &obj, err);
        if (r < 0 || !obj)
                return r;

        r = parse_cap_set(obj, "bounding", &caps->bounding, err);
        if (r >= 0)
                r = parse_cap_set(obj, "effective", &caps->effective, err);
        if (r >= 0)
                r = parse_cap_set(obj, "inheritable", &caps->inheritable, err);
        if (r >= 0)
                r = parse_cap_set(obj, "permitted", &caps->permitted, err);
        if (r >= 0)
                r = parse_cap_set(obj, "ambient", &caps->ambient, err);
        return r;
}

static int rlimit_from_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
                if (streq(rlimit_names[i].name, name))
                        return rlimit_names[i].resource;
        return -EINVAL;
}

static int parse_rlimit(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        struct runtime_rlimit *rlimits = items, *rl = &rlimits[index];
        _cleanup_free_ char *type = NULL;
        int r;

        r = spec_json_string(obj, path, "type", &type, err);
        if (r < 0)
                return r;
        if (!type)
                return spec_json_invalid(err, path, "type", "missing");
        rl->resource = rlimit_from_name(type);
        if (rl->resource < 0)
                return error_set(err, -EINVAL, "invalid config.json: %s.type: unknown resource limit %s", path, type);

        r = spec_json_uint64(obj, path, "soft", UINT64_MAX, &rl->soft, err);
        if (r < 0)
                return r;
        r = spec_json_uint64(obj, path, "hard", UINT64_MAX, &rl->hard, err);
        if (r < 0)
                return r;
        if (rl->soft > rl->hard)
                return spec_json_invalid(err, path, NULL, "soft limit is above the hard limit");
        for (size_t i = 0; i < index; i++)
                if (rlimits[i].resource == rl->resource)
                        return spec_json_invalid(err, path, "type", "resource limit given twice");
        return 0;
}

static int parse_console_size(json_object *process, struct runtime_process *p, struct error *err)
{
        json_object *obj;
        uint64_t v;
        int r;

        r = spec_json_object(process, "process", "consoleSize", &obj, err);
        if (r < 0 || !obj)
                return r;

        v = 0;
        r = spec_json_uint64(obj, "process.consoleSize", "height", UINT16_MAX, &v, err);
        if (r < 0)
                return r;
        p->console_height = v;
        v = 0;
        r = spec_json_uint64(obj, "process.consoleSize", "width", UINT16_MAX, &v, err);
        if (r < 0)
                return r;
        p->console_width = v;
        return 0;
}

/* Rejects security settings this runtime cannot apply rather than running
 * the process without them. */
static int reject_unsupported(json_object *process, struct error *err)
{
        _cleanup_free_ char *apparmor = NULL, *selinux = NULL;
        json_object *obj;
        int r;

        r = spec_json_string(process, "process", "apparmorProfile", &apparmor, err);
        if (r < 0)
                return r;
        if (!isempty(apparmor))
                return error_set(err, -EOPNOTSUPP, "process.apparmorProfile: AppArmor is not supported");
        r = spec_json_string(process, "process", "selinuxLabel", &selinux, err);
        if (r < 0)
                return r;
        if (!isempty(selinux))
                return error_set(err, -EOPNOTSUPP, "process.selinuxLabel: SELinux is not supported");

        r = spec_json_object(process, "process", "ioPriority", &obj, err);
        if (r < 0)
                return r;
        if (obj)
                return error_set(err, -EOPNOTSUPP, "process.ioPriority is not supported");
        r = spec_json_object(process, "process", "scheduler", &obj, err);
        if (r < 0)
                return r;
        if (obj)
                return error_set(err, -EOPNOTSUPP, "process.scheduler is not supported");
        return 0;
}

static int parse_oom_score_adj(json_object *process, struct runtime_process *p, struct error *err)
{
        int64_t v;
        int r;

        if (!json_object_object_get_ex(process, "oomScoreAdj", NULL))
                return 0;

        v = INT64_MIN;
        r = spec_json_int64(process, "process", "oomScoreAdj", &v, err);
        if (r < 0 || v == INT64_MIN)
                return r;
        if (v < -1000 || v > 1000)
                return spec_json_invalid(err, "process", "oomScoreAdj", "must be between -1000 and 1000");
        p->has_oom_score_adj = true;
        p->oom_score_adj = v;
        return 0;
}

int spec_parse_process(json_object *obj, struct runtime_process *p, struct error *err)
{
        int r;

        r = reject_unsupported(obj, err);
        if (r < 0)
                return r;
        r = spec_json_bool(obj, "process", "terminal", &p->terminal, err);
        if (r < 0)
                return r;
        r = parse_console_size(obj, p, err);
        if (r < 0)
                return r;
        r = parse_user(obj, &p->user, err);
        if (r < 0)
                return r;
        r = spec_json_strv(obj, "process", "args", &p->args, err);
        if (r < 0)
                return r;
        if (!p->args || !p->args[0])
                return error_set(err, -EINVAL, "invalid config.json: process.args must not be empty");
        r = spec_json_strv(obj, "process", "env", &p->env, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, "process", "cwd", &p->cwd, err);
        if (r < 0)
                return r;
        if (isempty(p->cwd) || p->cwd[0] != '/')
                return error_set(err, -EINVAL, "invalid config.json: process.cwd must be an absolute path");
        r = parse_capabilities(obj, &p->capabilities, err);
        if (r < 0)
                return r;
        r = spec_json_parse_array(obj, "process", "rlimits", sizeof(*p->rlimits), parse_rlimit, (void **)&p->rlimits,
                                  &p->n_rlimits, err);
        if (r < 0)
                return r;
        r = spec_json_bool(obj, "process", "noNewPrivileges", &p->no_new_privileges, err);
        if (r < 0)
                return r;
        return parse_oom_score_adj(obj, p, err);
}

void spec_process_done(struct runtime_process *p)
{
        free(p->user.additional_gids);
        strv_free(p->args);
        strv_free(p->env);
        free(p->cwd);
        free(p->rlimits);
}
