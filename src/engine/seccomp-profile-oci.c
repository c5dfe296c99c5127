/* SPDX-License-Identifier: Apache-2.0 */
/* A Docker seccomp profile becomes the OCI linux.seccomp of one container,
 * with the rules dockerd 20.10 keeps for its capabilities, architecture and
 * kernel (setupSeccomp in moby's profiles/seccomp). */
#include <stdio.h>
#include <sys/utsname.h>

#include "jsonutil.h"
#include "seccomp-profile-internal.h"
#include "strv.h"

/* The architecture the daemon is built for, by the name includes.arches
 * uses (Go's GOARCH, with "x86" for 386). Rules for other architectures
 * never apply, because the filter is for the daemon's own. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define NATIVE_ARCH "amd64"
#elif defined(__i386__)
#define NATIVE_ARCH "x86"
#elif defined(__aarch64__)
#define NATIVE_ARCH "arm64"
#elif defined(__arm__)
#define NATIVE_ARCH "arm"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH "ppc64le"
#elif defined(__powerpc64__)
#define NATIVE_ARCH "ppc64"
#elif defined(__s390x__)
#define NATIVE_ARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH "riscv64"
#elif defined(__loongarch64)
#define NATIVE_ARCH "loong64"
#else
#define NATIVE_ARCH ""
#endif

/* The libseccomp architecture of each native one, which selects the
 * archMap entry. */
static const struct {
        const char *arch;
        const char *seccomp_arch;
} native_arches[] = {
        { "x86", "SCMP_ARCH_X86" },           { "amd64", "SCMP_ARCH_X86_64" },
        { "arm", "SCMP_ARCH_ARM" },           { "arm64", "SCMP_ARCH_AARCH64" },
        { "mips64", "SCMP_ARCH_MIPS64" },     { "mips64n32", "SCMP_ARCH_MIPS64N32" },
        { "mipsel64", "SCMP_ARCH_MIPSEL64" }, { "mips3l64n32", "SCMP_ARCH_MIPSEL64N32" },
        { "mipsle", "SCMP_ARCH_MIPSEL" },     { "ppc", "SCMP_ARCH_PPC" },
        { "ppc64", "SCMP_ARCH_PPC64" },       { "ppc64le", "SCMP_ARCH_PPC64LE" },
        { "s390", "SCMP_ARCH_S390" },         { "s390x", "SCMP_ARCH_S390X" },
        { "riscv64", "SCMP_ARCH_RISCV64" },   { "loong64", "SCMP_ARCH_LOONGARCH64" },
};

void seccomp_host_read(struct seccomp_host *ret)
{
        struct utsname u;
        unsigned major = 0, minor = 0;

        if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) != 2)
                major = minor = 0;
        *ret = (struct seccomp_host){ .arch = NATIVE_ARCH, .kernel_major = major, .kernel_minor = minor };
}

static const char *seccomp_arch_of(const char *arch)
{
        for (size_t i = 0; i < ARRAY_SIZE(native_arches); i++)
                if (streq(native_arches[i].arch, arch))
                        return native_arches[i].seccomp_arch;
        return NULL;
}

static bool kernel_at_least(const struct seccomp_host *host, const struct seccomp_filter *f)
{
        if (host->kernel_major != f->min_kernel_major)
                return host->kernel_major > f->min_kernel_major;
        return host->kernel_minor >= f->min_kernel_minor;
}

static bool any_in(char *const *names, char *const *set)
{
        STRV_FOREACH (name, names)
                if (strv_contains(set, *name))
                        return true;
        return false;
}

static bool all_in(char *const *names, char *const *set)
{
        STRV_FOREACH (name, names)
                if (!strv_contains(set, *name))
                        return false;
        return true;
}

/* dockerd's test, in its order. A rule is dropped when an excluded
 * architecture or capability is present or the kernel is new enough. It is
 * also dropped when the architecture is not among the included ones, an
 * included capability is missing or the kernel is too old. */
static bool rule_applies(const struct seccomp_rule *rule, const struct seccomp_host *host, char *const *bounding)
{
        const struct seccomp_filter *ex = &rule->excludes, *in = &rule->includes;

        if (strv_contains(ex->arches, host->arch) || any_in(ex->caps, bounding))
                return false;
        if (ex->has_min_kernel && kernel_at_least(host, ex))
                return false;
        if (strv_length(in->arches) > 0 && !strv_contains(in->arches, host->arch))
                return false;
        if (!all_in(in->caps, bounding))
                return false;
        return !in->has_min_kernel || kernel_at_least(host, in);
}

static json_object *arg_json(const struct seccomp_arg *a)
{
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "index", json_object_new_int64(a->index));
        json_object_object_add(obj, "value", json_object_new_uint64(a->value));
        if (a->value_two != 0)
                json_object_object_add(obj, "valueTwo", json_object_new_uint64(a->value_two));
        json_object_object_add(obj, "op", json_object_new_string(a->op));
        return obj;
}

/* The OCI rule, with the fields Go leaves out when empty left out. */
static json_object *rule_json(const struct seccomp_rule *rule)
{
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "names", json_array_from_strv(rule->names));
        json_object_object_add(obj, "action", json_object_new_string(rule->action));
        if (rule->has_errno_ret)
                json_object_object_add(obj, "errnoRet", json_object_new_int64(rule->errno_ret));
        if (rule->n_args > 0) {
                json_object *args = json_object_new_array();

                for (size_t i = 0; i < rule->n_args; i++)
                        json_object_array_add(args, arg_json(&rule->args[i]));
                json_object_object_add(obj, "args", args);
        }
        return obj;
}

static json_object *strings_json(char *const *v)
{
        json_object *array = json_object_new_array();

        STRV_FOREACH (s, v)
                json_object_array_add(array, json_object_new_string(*s));
        return array;
}

/* The profile's architectures, or the archMap entry of the host's. */
static json_object *architectures_json(const struct seccomp_profile *p, const struct seccomp_host *host)
{
        const char *native = seccomp_arch_of(host->arch);
        json_object *array = strings_json(p->architectures);

        for (size_t i = 0; native && i < p->n_arch_map; i++) {
                if (!streq(p->arch_map[i].arch, native))
                        continue;
                json_object_array_add(array, json_object_new_string(native));
                STRV_FOREACH (sub, p->arch_map[i].sub_arches)
                        json_object_array_add(array, json_object_new_string(*sub));
                break;
        }
        return array;
}

static json_object *rules_json(const struct seccomp_profile *p, const struct seccomp_host *host, char *const *bounding)
{
        json_object *array = json_object_new_array();

        for (size_t i = 0; i < p->n_rules; i++) {
                const struct seccomp_rule *rule = &p->rules[i];

                /* A rule without names matches no syscall; the runtime
                 * takes "names" as required. */
                if (strv_length(rule->names) == 0 || !rule_applies(rule, host, bounding))
                        continue;
                json_object_array_add(array, rule_json(rule));
        }
        return array;
}

/* Adds key unless the array is empty, as Go's omitempty does. */
static void add_array(json_object *obj, const char *key, json_object *array)
{
        if (json_object_array_length(array) == 0) {
                json_object_put(array);
                return;
        }
        json_object_object_add(obj, key, array);
}

int seccomp_profile_to_oci(const struct seccomp_profile *p, const struct seccomp_host *host, char *const *bounding,
                           json_object **ret)
{
        json_object *obj;

        if (!p->default_action && p->n_rules == 0) {
                *ret = NULL;
                return 0;
        }

        obj = json_object_new_object();
        if (!obj)
                return -ENOMEM;
        json_object_object_add(obj, "defaultAction", json_object_new_string(p->default_action));
        if (p->has_default_errno_ret)
                json_object_object_add(obj, "defaultErrnoRet", json_object_new_int64(p->default_errno_ret));
        add_array(obj, "architectures", architectures_json(p, host));
        /* With no flags, the runtime picks runc's default ones, so an
         * empty list is left out as dockerd leaves it out. */
        add_array(obj, "flags", strings_json(p->flags));
        add_array(obj, "syscalls", rules_json(p, host, bounding));
        *ret = obj;
        return 0;
}
