/* SPDX-License-Identifier: Apache-2.0 */
/* The parser of Docker seccomp profiles, which come from API clients and
 * from the daemon's configuration. */
#include "seccomp-profile.h"

#include <stdio.h>

#include "jsonutil.h"
#include "seccomp-profile-internal.h"
#include "strv.h"

/* Field paths in messages, such as "syscalls[12].includes.minKernel". */
#define FIELD_PATH_MAX 128

/* The errno a rule may return: the kernel keeps 16 bits, and the runtime
 * accepts the errno range. */
#define ERRNO_RET_MAX 4095

static const char *const action_names[] = {
        "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
        "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",        "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
};

static const char *const op_names[] = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

/* libseccomp's architecture names. */
static const char *const arch_names[] = {
        "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
        "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",
};

/* The flags the runtime applies (runtime/seccomp.c). */
static const char *const flag_names[] = {
        "SECCOMP_FILTER_FLAG_TSYNC",
        "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
};

static const char *find_name(const char *const *table, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (streq(table[i], name))
                        return table[i];
        return NULL;
}

/* A path too long for buf is cut short, which only shortens a message. */
static void field_path(char *buf, const char *path, const char *key)
{
        if (snprintf(buf, FIELD_PATH_MAX, "%s%s%s", path, *path ? "." : "", key) >= FIELD_PATH_MAX)
                buf[FIELD_PATH_MAX - 1] = '\0';
}

static void index_path(char *buf, const char *path, size_t index)
{
        if (snprintf(buf, FIELD_PATH_MAX, "%s[%zu]", path, index) >= FIELD_PATH_MAX)
                buf[FIELD_PATH_MAX - 1] = '\0';
}

/* Returns obj's member key, or NULL when it is missing or null: Go's
 * decoder leaves a field unset for both. */
static json_object *member(json_object *obj, const char *key)
{
        json_object *v = NULL;

        return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

static int wrong_type(struct error *err, const char *path, const char *expected, json_object *value)
{
        return error_set(err, -EINVAL, "%s: expected %s, got %s", path, expected,
                         json_type_to_name(json_object_get_type(value)));
}

static int get_string(json_object *obj, const char *path, const char *key, const char **ret, struct error *err)
{
        json_object *v = member(obj, key);
        char field[FIELD_PATH_MAX];

        *ret = NULL;
        if (!v)
                return 0;
        field_path(field, path, key);
        if (!json_object_is_type(v, json_type_string))
                return wrong_type(err, field, "a string", v);
        *ret = json_object_get_string(v);
        return 0;
}

static int get_strv(json_object *obj, const char *path, const char *key, char ***ret, struct error *err)
{
        json_object *v = member(obj, key);
        char field[FIELD_PATH_MAX];

        if (!v)
                return 0;
        field_path(field, path, key);
        if (!json_object_is_type(v, json_type_array))
                return wrong_type(err, field, "an array of strings", v);
        for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *item = json_object_array_get_idx(v, i);
                char item_field[FIELD_PATH_MAX];

                index_path(item_field, field, i);
                if (!item || !json_object_is_type(item, json_type_string))
                        return wrong_type(err, item_field, "a string", item);
        }
        return json_array_to_strv(v, ret);
}

/* Reads an unsigned integer no larger than max. *ret_has is set when the
 * field is present; ret_has may be NULL. */
static int get_uint(json_object *obj, const char *path, const char *key, uint64_t max, bool *ret_has, uint64_t *ret,
                    struct error *err)
{
        json_object *v = member(obj, key);
        char field[FIELD_PATH_MAX];
        uint64_t value;

        if (!v)
                return 0;
        field_path(field, path, key);
        if (!json_object_is_type(v, json_type_int))
                return wrong_type(err, field, "an unsigned integer", v);
        if (json_object_get_int64(v) < 0)
                return error_set(err, -EINVAL, "%s: %lld is negative", field, (long long)json_object_get_int64(v));
        value = json_object_get_uint64(v);
        if (value > max)
                return error_set(err, -EINVAL, "%s: %llu is out of range (maximum %llu)", field,
                                 (unsigned long long)value, (unsigned long long)max);
        if (ret_has)
                *ret_has = true;
        *ret = value;
        return 0;
}

static int get_object(json_object *obj, const char *path, const char *key, json_object **ret, struct error *err)
{
        json_object *v = member(obj, key);
        char field[FIELD_PATH_MAX];

        *ret = NULL;
        if (!v)
                return 0;
        field_path(field, path, key);
        if (!json_object_is_type(v, json_type_object))
                return wrong_type(err, field, "an object", v);
        *ret = v;
        return 0;
}

/* Reads the array obj[key] into n elements of size bytes each, calling
 * parse on every element object. */
static int get_array(json_object *obj, const char *path, const char *key, size_t size,
                     int (*parse)(json_object *item, const char *path, void *element, struct error *err), void **ret,
                     size_t *ret_n, struct error *err)
{
        json_object *v = member(obj, key);
        char field[FIELD_PATH_MAX];
        size_t n;
        char *elements;
        int r;

        if (!v)
                return 0;
        field_path(field, path, key);
        if (!json_object_is_type(v, json_type_array))
                return wrong_type(err, field, "an array", v);
        n = json_object_array_length(v);
        if (n == 0)
                return 0;
        elements = calloc(n, size);
        if (!elements)
                return -ENOMEM;
        /* Owned by the caller from here, so a failure midway frees what was
         * parsed so far. */
        *ret = elements;
        for (size_t i = 0; i < n; i++) {
                json_object *item = json_object_array_get_idx(v, i);
                char item_field[FIELD_PATH_MAX];

                index_path(item_field, field, i);
                if (!item || !json_object_is_type(item, json_type_object))
                        return wrong_type(err, item_field, "an object", item);
                *ret_n = i + 1;
                r = parse(item, item_field, elements + i * size, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int get_name(json_object *obj, const char *path, const char *key, const char *const *table, size_t n,
                    const char *what, const char **ret, struct error *err)
{
        char field[FIELD_PATH_MAX];
        const char *name;
        int r;

        /* An empty name is Go's zero value: the field is unset. */
        *ret = NULL;
        r = get_string(obj, path, key, &name, err);
        if (r < 0 || isempty(name))
                return r;
        field_path(field, path, key);
        *ret = find_name(table, n, name);
        if (!*ret)
                return error_set(err, -EINVAL, "%s: unknown %s \"%s\"", field, what, name);
        return 0;
}

static int get_action(json_object *obj, const char *path, const char *key, const char **ret, struct error *err)
{
        char field[FIELD_PATH_MAX];
        const char *name;
        int r;

        r = get_string(obj, path, key, &name, err);
        if (r < 0)
                return r;
        field_path(field, path, key);
        if (name && streq(name, "SCMP_ACT_NOTIFY"))
                return error_set(err, -EOPNOTSUPP, "%s: SCMP_ACT_NOTIFY is not supported by this daemon", field);
        return get_name(obj, path, key, action_names, ARRAY_SIZE(action_names), "action", ret, err);
}

/* Every name must be one of table's. */
static int check_names(char *const *names, const char *path, const char *key, const char *const *table, size_t n,
                       const char *what, struct error *err)
{
        char field[FIELD_PATH_MAX];
        size_t i = 0;

        field_path(field, path, key);
        STRV_FOREACH (name, names) {
                if (!find_name(table, n, *name))
                        return error_set(err, -EINVAL, "%s[%zu]: unknown %s \"%s\"", field, i, what, *name);
                i++;
        }
        return 0;
}

static int parse_arg(json_object *obj, const char *path, void *element, struct error *err)
{
        struct seccomp_arg *arg = element;
        uint64_t index = 0;
        int r;

        r = get_uint(obj, path, "index", 5, NULL, &index, err);
        if (r < 0)
                return r;
        arg->index = (unsigned)index;
        r = get_uint(obj, path, "value", UINT64_MAX, NULL, &arg->value, err);
        if (r < 0)
                return r;
        r = get_uint(obj, path, "valueTwo", UINT64_MAX, NULL, &arg->value_two, err);
        if (r < 0)
                return r;
        r = get_name(obj, path, "op", op_names, ARRAY_SIZE(op_names), "comparison", &arg->op, err);
        if (r < 0)
                return r;
        if (!arg->op)
                return error_set(err, -EINVAL, "%s.op: missing", path);
        return 0;
}

/* Docker's kernel versions are "<kernel>.<major>", two numbers of at most
 * 255, not both 0: "4.8" for 4.8 and later. */
static int parse_kernel_version(const char *text, unsigned *ret_major, unsigned *ret_minor)
{
        unsigned major, minor;
        int consumed = 0;

        if (sscanf(text, "%3u.%3u%n", &major, &minor, &consumed) != 2 || text[consumed] != '\0')
                return -EINVAL;
        /* sscanf skips spaces and takes signs; Docker's parser takes neither. */
        for (const char *p = text; *p; p++)
                if (*p != '.' && (*p < '0' || *p > '9'))
                        return -EINVAL;
        if (major > 255 || minor > 255 || (major == 0 && minor == 0))
                return -EINVAL;
        *ret_major = major;
        *ret_minor = minor;
        return 0;
}

static int parse_filter(json_object *obj, const char *path, const char *key, struct seccomp_filter *f,
                        struct error *err)
{
        char field[FIELD_PATH_MAX];
        const char *min_kernel;
        json_object *filter;
        int r;

        r = get_object(obj, path, key, &filter, err);
        if (r < 0 || !filter)
                return r;
        field_path(field, path, key);
        r = get_strv(filter, field, "caps", &f->caps, err);
        if (r < 0)
                return r;
        r = get_strv(filter, field, "arches", &f->arches, err);
        if (r < 0)
                return r;
        r = get_string(filter, field, "minKernel", &min_kernel, err);
        if (r < 0 || isempty(min_kernel))
                return r;
        if (parse_kernel_version(min_kernel, &f->min_kernel_major, &f->min_kernel_minor) < 0)
                return error_set(err, -EINVAL,
                                 "%s.minKernel: invalid kernel version \"%s\": expected \"<kernel>.<major>\", such as "
                                 "\"4.8\"",
                                 field, min_kernel);
        f->has_min_kernel = true;
        return 0;
}

static int parse_rule_names(json_object *obj, const char *path, struct seccomp_rule *rule, struct error *err)
{
        const char *name;
        int r;

        r = get_string(obj, path, "name", &name, err);
        if (r < 0)
                return r;
        r = get_strv(obj, path, "names", &rule->names, err);
        if (r < 0)
                return r;
        if (isempty(name))
                return 0;
        if (strv_length(rule->names) > 0)
                return error_set(err, -EINVAL,
                                 "%s: 'name' and 'names' were specified in the seccomp profile, use either 'name' or "
                                 "'names'",
                                 path);
        strv_free(rule->names);
        rule->names = NULL;
        return strv_append(&rule->names, name);
}

static int parse_rule(json_object *obj, const char *path, void *element, struct error *err)
{
        struct seccomp_rule *rule = element;
        uint64_t errno_ret = 0;
        const char *comment;
        int r;

        r = parse_rule_names(obj, path, rule, err);
        if (r < 0)
                return r;
        r = get_action(obj, path, "action", &rule->action, err);
        if (r < 0)
                return r;
        if (!rule->action)
                return error_set(err, -EINVAL, "%s.action: missing", path);
        r = get_uint(obj, path, "errnoRet", ERRNO_RET_MAX, &rule->has_errno_ret, &errno_ret, err);
        if (r < 0)
                return r;
        rule->errno_ret = (unsigned)errno_ret;
        r = get_array(obj, path, "args", sizeof(*rule->args), parse_arg, (void **)&rule->args, &rule->n_args, err);
        if (r < 0)
                return r;
        r = get_string(obj, path, "comment", &comment, err);
        if (r < 0)
                return r;
        r = parse_filter(obj, path, "includes", &rule->includes, err);
        if (r < 0)
                return r;
        return parse_filter(obj, path, "excludes", &rule->excludes, err);
}

static int parse_arch_map(json_object *obj, const char *path, void *element, struct error *err)
{
        struct seccomp_arch_map *map = element;
        const char *arch;
        int r;

        r = get_name(obj, path, "architecture", arch_names, ARRAY_SIZE(arch_names), "architecture", &arch, err);
        if (r < 0)
                return r;
        if (!arch)
                return error_set(err, -EINVAL, "%s.architecture: missing", path);
        map->arch = strdup(arch);
        if (!map->arch)
                return -ENOMEM;
        r = get_strv(obj, path, "subArchitectures", &map->sub_arches, err);
        if (r < 0)
                return r;
        return check_names(map->sub_arches, path, "subArchitectures", arch_names, ARRAY_SIZE(arch_names),
                           "architecture", err);
}

static int parse_architectures(json_object *obj, struct seccomp_profile *p, struct error *err)
{
        int r;

        r = get_strv(obj, "", "architectures", &p->architectures, err);
        if (r < 0)
                return r;
        r = check_names(p->architectures, "", "architectures", arch_names, ARRAY_SIZE(arch_names), "architecture", err);
        if (r < 0)
                return r;
        r = get_array(obj, "", "archMap", sizeof(*p->arch_map), parse_arch_map, (void **)&p->arch_map, &p->n_arch_map,
                      err);
        if (r < 0)
                return r;
        if (strv_length(p->architectures) > 0 && p->n_arch_map > 0)
                return error_set(err, -EINVAL,
                                 "'architectures' and 'archMap' were specified in the seccomp profile, use either "
                                 "'architectures' or 'archMap'");
        return 0;
}

static int parse_profile(json_object *obj, struct seccomp_profile *p, struct error *err)
{
        uint64_t errno_ret = 0;
        const char *listener;
        int r;

        r = get_action(obj, "", "defaultAction", &p->default_action, err);
        if (r < 0)
                return r;
        r = get_uint(obj, "", "defaultErrnoRet", ERRNO_RET_MAX, &p->has_default_errno_ret, &errno_ret, err);
        if (r < 0)
                return r;
        p->default_errno_ret = (unsigned)errno_ret;
        r = parse_architectures(obj, p, err);
        if (r < 0)
                return r;
        r = get_strv(obj, "", "flags", &p->flags, err);
        if (r < 0)
                return r;
        r = check_names(p->flags, "", "flags", flag_names, ARRAY_SIZE(flag_names), "flag", err);
        if (r < 0)
                return r;
        r = get_string(obj, "", "listenerPath", &listener, err);
        if (r < 0)
                return r;
        if (!isempty(listener))
                return error_set(err, -EOPNOTSUPP,
                                 "listenerPath: seccomp notification is not supported by this daemon");
        r = get_array(obj, "", "syscalls", sizeof(*p->rules), parse_rule, (void **)&p->rules, &p->n_rules, err);
        if (r < 0)
                return r;
        if (!p->default_action && p->n_rules > 0)
                return error_set(err, -EINVAL,
                                 "defaultAction: missing: a profile with syscalls needs a default action");
        return 0;
}

int seccomp_profile_parse(const char *text, size_t len, struct seccomp_profile **ret, struct error *err)
{
        _cleanup_json_ json_object *root = NULL;
        struct seccomp_profile *p;
        int r;

        r = json_parse_buffer(text, len, &root, err);
        if (r < 0)
                return r;
        if (!json_object_is_type(root, json_type_object))
                return error_set(err, -EINVAL, "expected a JSON object, got %s",
                                 json_type_to_name(json_object_get_type(root)));

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        r = parse_profile(root, p, err);
        if (r < 0) {
                seccomp_profile_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

static void filter_clear(struct seccomp_filter *f)
{
        strv_free(f->caps);
        strv_free(f->arches);
}

void seccomp_profile_free(struct seccomp_profile *p)
{
        if (!p)
                return;
        strv_free(p->architectures);
        strv_free(p->flags);
        for (size_t i = 0; i < p->n_arch_map; i++) {
                free(p->arch_map[i].arch);
                strv_free(p->arch_map[i].sub_arches);
        }
        free(p->arch_map);
        for (size_t i = 0; i < p->n_rules; i++) {
                strv_free(p->rules[i].names);
                free(p->rules[i].args);
                filter_clear(&p->rules[i].includes);
                filter_clear(&p->rules[i].excludes);
        }
        free(p->rules);
        free(p);
}
