/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>

#include "jsonutil.h"
#include "runtime/cli/cli.h"
#include "runtime/hooks.h"
#include "runtime/mountopts.h"
#include "strv.h"

/* The oldest spec version whose config.json the parser reads. */
#define OCI_VERSION_MIN "1.0.0"

static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network", "pid", "user", "uts" };

/* The seccomp actions and operators the spec parser (spec-seccomp.c)
 * accepts; SCMP_ACT_NOTIFY is not among them. */
static const char *const seccomp_actions[] = {
        "SCMP_ACT_ALLOW",       "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",   "SCMP_ACT_TRACE", "SCMP_ACT_TRAP",
};
static const char *const seccomp_operators[] = {
        "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};

/* Architectures a seccomp profile may name; those the host's libseccomp
 * resolves are listed. */
static const char *const seccomp_archs[] = {
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",      "SCMP_ARCH_MIPS",        "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",    "SCMP_ARCH_PPC64",
        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",  "SCMP_ARCH_X32",
        "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",
};

static json_object *string_array(const char *const *v, size_t n)
{
        json_object *array = json_object_new_array();

        for (size_t i = 0; i < n; i++)
                json_object_array_add(array, json_object_new_string(v[i]));
        return array;
}

static json_object *hooks_array(void)
{
        json_object *array = json_object_new_array();

        for (int kind = 0; kind < _RUNTIME_HOOK_KIND_MAX; kind++)
                json_object_array_add(array, json_object_new_string(runtime_hook_kind_name(kind)));
        return array;
}

/* Every capability libcap names, in kernel order ("CAP_CHOWN" first). */
static json_object *capabilities_array(void)
{
        json_object *array = json_object_new_array();

        for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; cap++) {
                char *name = cap_to_name(cap);

                if (!name)
                        continue;
                if (startswith(name, "cap_")) {
                        for (char *p = name; *p; p++)
                                *p = toupper((unsigned char)*p);
                        json_object_array_add(array, json_object_new_string(name));
                }
                cap_free(name);
        }
        return array;
}

static json_object *seccomp_object(void)
{
        json_object *obj = json_object_new_object();
        json_object *archs = json_object_new_array();

        for (size_t i = 0; i < ARRAY_SIZE(seccomp_archs); i++) {
                char lower[32];
                size_t j;

                for (j = 0; seccomp_archs[i][10 + j] && j < sizeof(lower) - 1; j++)
                        lower[j] = tolower((unsigned char)seccomp_archs[i][10 + j]);
                lower[j] = '\0';
                if (seccomp_arch_resolve_name(lower) != 0)
                        json_object_array_add(archs, json_object_new_string(seccomp_archs[i]));
        }
        json_object_object_add(obj, "enabled", json_object_new_boolean(true));
        json_object_object_add(obj, "actions", string_array(seccomp_actions, ARRAY_SIZE(seccomp_actions)));
        json_object_object_add(obj, "operators", string_array(seccomp_operators, ARRAY_SIZE(seccomp_operators)));
        json_object_object_add(obj, "archs", archs);
        return obj;
}

static json_object *enabled_object(bool enabled)
{
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "enabled", json_object_new_boolean(enabled));
        return obj;
}

static json_object *linux_object(void)
{
        json_object *obj = json_object_new_object();
        json_object *cgroup = json_object_new_object();

        json_object_object_add(cgroup, "v1", json_object_new_boolean(true));
        json_object_object_add(cgroup, "v2", json_object_new_boolean(true));
        json_object_object_add(cgroup, "systemd", json_object_new_boolean(false));
        json_object_object_add(cgroup, "systemdUser", json_object_new_boolean(false));

        json_object_object_add(obj, "namespaces", string_array(namespaces, ARRAY_SIZE(namespaces)));
        json_object_object_add(obj, "capabilities", capabilities_array());
        json_object_object_add(obj, "cgroup", cgroup);
        json_object_object_add(obj, "seccomp", seccomp_object());
        json_object_object_add(obj, "apparmor", enabled_object(false));
        json_object_object_add(obj, "selinux", enabled_object(false));
        return obj;
}

static json_object *annotations_object(void)
{
        const struct scmp_version *v = seccomp_version();
        json_object *obj = json_object_new_object();
        char text[64];

        snprintf(text, sizeof(text), "%u.%u.%u", v->major, v->minor, v->micro);
        json_object_object_add(obj, "io.github.seccomp.libseccomp.version", json_object_new_string(text));
        json_object_object_add(obj, "org.sockerless.runtime.version", json_object_new_string(PACKAGE_VERSION));
        return obj;
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_features(int argc, char **argv)
{
        _cleanup_json_ json_object *obj = NULL;
        _cleanup_strv_free_ char **mount_options = NULL;

        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: sockerless-runtime features\n\nPrints what the runtime supports as JSON, in "
                       "the form of the OCI runtime\nfeatures document.\n");
                return 0;
        }
        if (!cli_check_args("features", argc - 1, 0, 0))
                return 1;
        if (runtime_mount_options_known(&mount_options) < 0) {
                cli_error("out of memory");
                return 1;
        }
        qsort(mount_options, strv_length(mount_options), sizeof(char *), compare_strings);

        obj = json_object_new_object();
        json_object_object_add(obj, "ociVersionMin", json_object_new_string(OCI_VERSION_MIN));
        json_object_object_add(obj, "ociVersionMax", json_object_new_string(RUNTIME_OCI_VERSION));
        json_object_object_add(obj, "hooks", hooks_array());
        json_object_object_add(obj, "mountOptions", json_array_from_strv(mount_options));
        json_object_object_add(obj, "linux", linux_object());
        json_object_object_add(obj, "annotations", annotations_object());
        puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
        return 0;
}
