/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of Docker seccomp profiles (parsing, the OCI object per
 * container) and of --security-opt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <sys/stat.h>

#include "daemon.h"
#include "engine/seccomp-profile.h"
#include "engine/security-opt.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "strv.h"

static const char *const default_caps[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_FSETID",
        "CAP_FOWNER",
        "CAP_MKNOD",
        "CAP_NET_RAW",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETFCAP",
        "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT",
        "CAP_KILL",
        "CAP_AUDIT_WRITE",
        NULL,
};

static const struct seccomp_host amd64_host = { .arch = "amd64", .kernel_major = 6, .kernel_minor = 1 };

static struct seccomp_profile *parse_ok(const char *text)
{
        struct error err = ERROR_INIT;
        struct seccomp_profile *p = NULL;
        int r = seccomp_profile_parse(text, strlen(text), &p, &err);

        if (r < 0)
                fail_msg("parse failed: %s", error_message(&err, r));
        error_clear(&err);
        return p;
}

static struct seccomp_profile *parse_default(void)
{
        struct error err = ERROR_INIT;
        struct seccomp_profile *p = NULL;
        int r = seccomp_profile_parse(seccomp_default_json, seccomp_default_json_size, &p, &err);

        if (r < 0)
                fail_msg("the built-in profile does not parse: %s", error_message(&err, r));
        return p;
}

/* Converts the default profile for host with the default capabilities
 * plus extra (NULL-terminated, may be NULL). */
static json_object *default_oci(const struct seccomp_host *host, const char *const *extra)
{
        _cleanup_(seccomp_profile_freep) struct seccomp_profile *p = parse_default();
        _cleanup_strv_free_ char **caps = NULL;
        json_object *obj = NULL;

        for (const char *const *c = default_caps; *c; c++)
                assert_int_equal(strv_append(&caps, *c), 0);
        for (const char *const *c = extra; c && *c; c++)
                assert_int_equal(strv_append(&caps, *c), 0);
        assert_int_equal(seccomp_profile_to_oci(p, host, caps, &obj), 0);
        assert_non_null(obj);
        return obj;
}

/* Returns the rules of obj that name syscall, as a new array. */
static json_object *rules_for(json_object *obj, const char *syscall)
{
        json_object *rules = json_field_array(obj, "syscalls"), *found = json_object_new_array();

        for (size_t i = 0; i < json_object_array_length(rules); i++) {
                json_object *rule = json_object_array_get_idx(rules, i);
                json_object *names = json_field_array(rule, "names");

                for (size_t j = 0; j < json_object_array_length(names); j++)
                        if (streq(json_object_get_string(json_object_array_get_idx(names, j)), syscall))
                                json_object_array_add(found, json_object_get(rule));
        }
        return found;
}

static size_t count_rules(json_object *obj, const char *syscall)
{
        _cleanup_json_ json_object *found = rules_for(obj, syscall);

        return json_object_array_length(found);
}

static void default_profile_amd64(void **state)
{
        _cleanup_json_ json_object *obj = default_oci(&amd64_host, NULL);
        _cleanup_json_ json_object *clone = rules_for(obj, "clone"), *clone3 = rules_for(obj, "clone3");
        json_object *arg;

        assert_string_equal(json_field_string(obj, "defaultAction", ""), "SCMP_ACT_ERRNO");
        assert_int_equal(json_field_int(obj, "defaultErrnoRet", 0), 1);
        assert_string_equal(json_to_string(json_field_array(obj, "architectures")),
                            "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]");
        assert_null(json_field_array(obj, "flags"));

        /* clone only without namespace flags; clone3 fails with ENOSYS so
         * that libcs fall back to clone. */
        assert_int_equal(json_object_array_length(clone), 1);
        arg = json_object_array_get_idx(json_field_array(json_object_array_get_idx(clone, 0), "args"), 0);
        assert_string_equal(json_to_string(arg), "{\"index\":0,\"value\":2114060288,\"op\":\"SCMP_CMP_MASKED_EQ\"}");
        assert_int_equal(json_object_array_length(clone3), 1);
        assert_string_equal(json_to_string(json_object_array_get_idx(clone3, 0)),
                            "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}");

        assert_int_equal(count_rules(obj, "personality"), 5);
        assert_int_equal(count_rules(obj, "socket"), 3);
        assert_int_equal(count_rules(obj, "arch_prctl"), 1);
        assert_int_equal(count_rules(obj, "chroot"), 1);
        assert_int_equal(count_rules(obj, "process_vm_readv"), 1);
        /* Gated on capabilities the default set lacks, or other arches. */
        assert_int_equal(count_rules(obj, "unshare"), 0);
        assert_int_equal(count_rules(obj, "mount"), 0);
        assert_int_equal(count_rules(obj, "bpf"), 0);
        assert_int_equal(count_rules(obj, "kcmp"), 0);
        assert_int_equal(count_rules(obj, "arm_fadvise64_64"), 0);
        assert_int_equal(count_rules(obj, "s390_pci_mmio_read"), 0);
        /* Never allowed. */
        assert_int_equal(count_rules(obj, "keyctl"), 0);
        assert_int_equal(count_rules(obj, "add_key"), 0);
        assert_int_equal(count_rules(obj, "kexec_load"), 0);
        assert_int_equal(count_rules(obj, "io_uring_setup"), 0);
}

static void default_profile_socket_families(void **state)
{
        _cleanup_json_ json_object *obj = default_oci(&amd64_host, NULL);
        _cleanup_json_ json_object *socket = rules_for(obj, "socket");
        char text[3][128];

        /* Every family but AF_ALG (38) and AF_VSOCK (40). */
        for (size_t i = 0; i < 3; i++)
                snprintf(text[i], sizeof(text[i]), "%s",
                         json_to_string(json_field_array(json_object_array_get_idx(socket, i), "args")));
        assert_string_equal(text[0], "[{\"index\":0,\"value\":38,\"op\":\"SCMP_CMP_LT\"}]");
        assert_string_equal(text[1], "[{\"index\":0,\"value\":39,\"op\":\"SCMP_CMP_EQ\"}]");
        assert_string_equal(text[2], "[{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_GT\"}]");
}

static void default_profile_sys_admin(void **state)
{
        static const char *const extra[] = { "CAP_SYS_ADMIN", "CAP_SYS_PTRACE", NULL };
        _cleanup_json_ json_object *obj = default_oci(&amd64_host, extra);
        _cleanup_json_ json_object *clone = rules_for(obj, "clone");

        assert_int_equal(count_rules(obj, "unshare"), 1);
        assert_int_equal(count_rules(obj, "mount"), 1);
        assert_int_equal(count_rules(obj, "setns"), 1);
        assert_int_equal(count_rules(obj, "kcmp"), 1);
        /* With CAP_SYS_ADMIN clone and clone3 are not restricted, and
         * the rule allowing every clone comes from the SYS_ADMIN list. */
        assert_int_equal(count_rules(obj, "clone3"), 1);
        assert_int_equal(json_object_array_length(clone), 1);
        assert_null(json_field_array(json_object_array_get_idx(clone, 0), "args"));
}

static void default_profile_arm64_old_kernel(void **state)
{
        static const struct seccomp_host host = { .arch = "arm64", .kernel_major = 4, .kernel_minor = 4 };
        _cleanup_json_ json_object *obj = default_oci(&host, NULL);

        assert_string_equal(json_to_string(json_field_array(obj, "architectures")),
                            "[\"SCMP_ARCH_AARCH64\",\"SCMP_ARCH_ARM\"]");
        assert_int_equal(count_rules(obj, "arm_fadvise64_64"), 1);
        assert_int_equal(count_rules(obj, "arch_prctl"), 0);
        /* minKernel 4.8 */
        assert_int_equal(count_rules(obj, "process_vm_readv"), 0);
}

static void default_profile_unknown_arch(void **state)
{
        static const struct seccomp_host host = { .arch = "", .kernel_major = 6, .kernel_minor = 1 };
        _cleanup_json_ json_object *obj = default_oci(&host, NULL);

        assert_null(json_field_array(obj, "architectures"));
        assert_int_equal(count_rules(obj, "read"), 1);
}

static json_object *convert(const char *text, const struct seccomp_host *host)
{
        _cleanup_(seccomp_profile_freep) struct seccomp_profile *p = parse_ok(text);
        json_object *obj = NULL;

        assert_int_equal(seccomp_profile_to_oci(p, host, (char **)default_caps, &obj), 0);
        return obj;
}

static void profile_conversion(void **state)
{
        static const struct {
                const char *profile;
                const char *oci; /* NULL: no filter */
        } cases[] = {
                { "{}", NULL },
                { "{\"defaultAction\":\"\",\"syscalls\":[]}", NULL },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"comment\":1,\"architectures\":null,\"flags\":[],"
                  "\"syscalls\":[{\"name\":\"mkdir\",\"action\":\"SCMP_ACT_ERRNO\",\"comment\":\"x\",\"unknown\":[]}]}",
                  "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
                  "\"SCMP_ACT_ERRNO\"}]}" },
                { "{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"defaultErrnoRet\":5,"
                  "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
                  "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":5,"
                  "\"value\":18446744073709551615,\"valueTwo\":3,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
                  "{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}]}",
                  "{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"defaultErrnoRet\":5,\"architectures\":"
                  "[\"SCMP_ARCH_X86_64\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":[{\"names\":"
                  "[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":5,\"value\":18446744073709551615,"
                  "\"valueTwo\":3,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}" },
                /* Includes and excludes: arches, capabilities, kernels. */
                { "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                  "{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"arm64\"]}},"
                  "{\"names\":[\"b\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"arches\":[\"amd64\"]}},"
                  "{\"names\":[\"c\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_KILL\"]}},"
                  "{\"names\":[\"d\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_KILL\","
                  "\"CAP_BPF\"]}},"
                  "{\"names\":[\"e\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":[\"CAP_BPF\","
                  "\"CAP_KILL\"]}},"
                  "{\"names\":[\"f\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"6.1\"}},"
                  "{\"names\":[\"g\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"6.2\"}},"
                  "{\"names\":[\"h\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"minKernel\":\"5.10\"}},"
                  "{\"names\":[\"i\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"minKernel\":\"7.0\"},"
                  "\"includes\":{\"arches\":[\"x86\",\"amd64\"],\"caps\":[]}}]}",
                  "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"c\"],\"action\":"
                  "\"SCMP_ACT_ALLOW\"},{\"names\":[\"f\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"i\"],"
                  "\"action\":\"SCMP_ACT_ALLOW\"}]}" },
                /* archMap: the host's entry only, and never another's. */
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_AARCH64\","
                  "\"subArchitectures\":[\"SCMP_ARCH_ARM\"]},{\"architecture\":\"SCMP_ARCH_X86_64\","
                  "\"subArchitectures\":null}]}",
                  "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"]}" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_json_ json_object *obj = convert(cases[i].profile, &amd64_host);

                if (!cases[i].oci) {
                        assert_null(obj);
                        continue;
                }
                assert_non_null(obj);
                if (!streq(json_to_string(obj), cases[i].oci))
                        fail_msg("case %zu: got %s, expected %s", i, json_to_string(obj), cases[i].oci);
        }
}

static void profile_errors(void **state)
{
        static const struct {
                const char *profile;
                int code;
                const char *message;
        } cases[] = {
                { "[]", -EINVAL, "expected a JSON object, got array" },
                { "{\"defaultAction\":", -EINVAL, "" },
                { "{\"defaultAction\":1}", -EINVAL, "defaultAction: expected a string, got int" },
                { "{\"defaultAction\":\"SCMP_ACT_NOPE\"}", -EINVAL, "defaultAction: unknown action \"SCMP_ACT_NOPE\"" },
                { "{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", -EOPNOTSUPP, "SCMP_ACT_NOTIFY is not supported" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":-1}", -EINVAL,
                  "defaultErrnoRet: -1 is negative" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":70000}", -EINVAL,
                  "defaultErrnoRet: 70000 is out of range (maximum 4095)" },
                { "{\"architectures\":[\"SCMP_ARCH_PDP11\"]}", -EINVAL,
                  "architectures[0]: unknown architecture \"SCMP_ARCH_PDP11\"" },
                { "{\"architectures\":[\"SCMP_ARCH_X86\"],\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}",
                  -EINVAL, "'architectures' and 'archMap' were specified in the seccomp profile" },
                { "{\"archMap\":[{\"subArchitectures\":[]}]}", -EINVAL, "archMap[0].architecture: missing" },
                { "{\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"X\"]}]}", -EINVAL,
                  "archMap[0].subArchitectures[0]: unknown architecture \"X\"" },
                { "{\"archMap\":[1]}", -EINVAL, "archMap[0]: expected an object, got int" },
                { "{\"flags\":[\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}", -EINVAL,
                  "flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"" },
                { "{\"listenerPath\":\"/run/x.sock\"}", -EOPNOTSUPP, "listenerPath: seccomp notification" },
                { "{\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}", -EINVAL,
                  "defaultAction: missing" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", -EINVAL,
                  "syscalls: expected an array, got object" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"]}]}", -EINVAL,
                  "syscalls[0].action: missing" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":\"a\",\"action\":"
                  "\"SCMP_ACT_ALLOW\"}]}",
                  -EINVAL, "syscalls[0].names: expected an array of strings, got string" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\",2],\"action\":"
                  "\"SCMP_ACT_ALLOW\"}]}",
                  -EINVAL, "syscalls[0].names[1]: expected a string, got int" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"a\",\"names\":[\"b\"],"
                  "\"action\":\"SCMP_ACT_ALLOW\"}]}",
                  -EINVAL, "'name' and 'names' were specified in the seccomp profile" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
                  "\"SCMP_ACT_ERRNO\",\"errnoRet\":1.5}]}",
                  -EINVAL, "syscalls[0].errnoRet: expected an unsigned integer, got double" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
                  "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                  -EINVAL, "syscalls[0].args[0].index: 6 is out of range (maximum 5)" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
                  "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                  -EINVAL, "syscalls[0].args[0].value: -1 is negative" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
                  "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_BOGUS\"}]}]}",
                  -EINVAL, "syscalls[0].args[0].op: unknown comparison \"SCMP_CMP_BOGUS\"" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
                  "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1}]}]}",
                  -EINVAL, "syscalls[0].args[0].op: missing" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
                  "\"SCMP_ACT_ALLOW\",\"includes\":[]}]}",
                  -EINVAL, "syscalls[0].includes: expected an object, got array" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
                  "\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":[1]}}]}",
                  -EINVAL, "syscalls[0].excludes.caps[0]: expected a string, got int" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
                  "\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"abc\"}}]}",
                  -EINVAL, "syscalls[0].includes.minKernel: invalid kernel version \"abc\"" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct error err = ERROR_INIT;
                struct seccomp_profile *p = NULL;
                int r = seccomp_profile_parse(cases[i].profile, strlen(cases[i].profile), &p, &err);

                if (r != cases[i].code)
                        fail_msg("case %zu (%s): returned %d, expected %d", i, cases[i].profile, r, cases[i].code);
                assert_null(p);
                if (!strstr(error_message(&err, r), cases[i].message))
                        fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, error_message(&err, r), cases[i].message);
                error_clear(&err);
        }
}

static void kernel_versions(void **state)
{
        static const struct {
                const char *version;
                bool valid;
        } cases[] = {
                { "4.8", true },   { "0.1", true },   { "255.255", true }, { "04.08", true },  { "0.0", false },
                { "4", false },    { "4.", false },   { ".8", false },     { "4.8.1", false }, { "256.1", false },
                { "+4.8", false }, { " 4.8", false }, { "4.8 ", false },   { "4.-8", false },  { "1234.5", false },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char text[256];
                struct error err = ERROR_INIT;
                struct seccomp_profile *p = NULL;
                int r;

                snprintf(text, sizeof(text),
                         "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":"
                         "\"SCMP_ACT_ALLOW\",\"excludes\":{\"minKernel\":\"%s\"}}]}",
                         cases[i].version);
                r = seccomp_profile_parse(text, strlen(text), &p, &err);
                if ((r >= 0) != cases[i].valid)
                        fail_msg("minKernel \"%s\": returned %d (%s)", cases[i].version, r, error_message(&err, r));
                seccomp_profile_free(p);
                error_clear(&err);
        }
}

static json_object *host_config(const char *const *opts, bool privileged)
{
        json_object *hc = json_object_new_object(), *list = json_object_new_array();

        for (const char *const *o = opts; o && *o; o++)
                json_object_array_add(list, json_object_new_string(*o));
        json_object_object_add(hc, "SecurityOpt", list);
        json_object_object_add(hc, "Privileged", json_object_new_boolean(privileged));
        return hc;
}

static void security_opt_parsing(void **state)
{
        static const struct {
                const char *opt;
                int code;
                bool no_new_privileges;
                enum security_seccomp seccomp;
                const char *message;
        } cases[] = {
                { "no-new-privileges", 0, true, SECURITY_SECCOMP_DAEMON, NULL },
                { "no-new-privileges=true", 0, true, SECURITY_SECCOMP_DAEMON, NULL },
                { "no-new-privileges:1", 0, true, SECURITY_SECCOMP_DAEMON, NULL },
                { "no-new-privileges=false", 0, false, SECURITY_SECCOMP_DAEMON, NULL },
                { "no-new-privileges=maybe", -EINVAL, false, 0,
                  "invalid --security-opt 2: \"no-new-privileges=maybe\"" },
                { "seccomp=unconfined", 0, false, SECURITY_SECCOMP_UNCONFINED, NULL },
                { "seccomp:unconfined", 0, false, SECURITY_SECCOMP_UNCONFINED, NULL },
                { "seccomp=builtin", 0, false, SECURITY_SECCOMP_BUILTIN, NULL },
                { "seccomp=", 0, false, SECURITY_SECCOMP_DAEMON, NULL },
                { "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}", 0, false, SECURITY_SECCOMP_CUSTOM, NULL },
                { "apparmor=unconfined", 0, false, SECURITY_SECCOMP_DAEMON, NULL },
                { "label=disable", 0, false, SECURITY_SECCOMP_DAEMON, NULL },
                { "label:disable", 0, false, SECURITY_SECCOMP_DAEMON, NULL },
                { "disable", 0, false, SECURITY_SECCOMP_DAEMON, NULL },
                { "label=user:system_u", -EOPNOTSUPP, false, 0, "--security-opt label=user:system_u: SELinux labels" },
                { "label=level:s0", -EOPNOTSUPP, false, 0, "only label=disable" },
                { "seccomp", -EINVAL, false, 0, "invalid --security-opt 1: \"seccomp\"" },
                { "foo", -EINVAL, false, 0, "invalid --security-opt 1: \"foo\"" },
                { "foo=bar", -EINVAL, false, 0, "invalid --security-opt 2: \"foo=bar\"" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const char *const opts[] = { cases[i].opt, NULL };
                _cleanup_json_ json_object *hc = host_config(opts, false);
                struct error err = ERROR_INIT;
                struct security_opts o;
                int r = security_opts_parse(hc, &o, &err);

                if (r != cases[i].code)
                        fail_msg("\"%s\": returned %d (%s)", cases[i].opt, r, error_message(&err, r));
                if (r < 0) {
                        if (!strstr(error_message(&err, r), cases[i].message))
                                fail_msg("\"%s\": message \"%s\" lacks \"%s\"", cases[i].opt, error_message(&err, r),
                                         cases[i].message);
                        error_clear(&err);
                        continue;
                }
                assert_int_equal(o.no_new_privileges, cases[i].no_new_privileges);
                assert_int_equal(o.seccomp, cases[i].seccomp);
        }
}

static void security_opt_apparmor(void **state)
{
        const char *const opts[] = { "apparmor=docker-default", NULL };
        _cleanup_json_ json_object *hc = host_config(opts, false);
        struct error err = ERROR_INIT;
        struct security_opts o;
        int r = security_opts_parse(hc, &o, &err);

        /* Rejected either way: not enabled, or not supported yet. */
        assert_true(r == -EINVAL || r == -EOPNOTSUPP);
        assert_non_null(strstr(error_message(&err, r), "--security-opt apparmor=docker-default: AppArmor"));
        error_clear(&err);
}

static void security_opt_types(void **state)
{
        static const char *const bodies[] = {
                "{\"SecurityOpt\":\"seccomp=unconfined\"}",
                "{\"SecurityOpt\":[1]}",
                "{\"SecurityOpt\":[true]}",
                "{\"SecurityOpt\":[null]}",
        };
        static const char *const messages[] = {
                "json: cannot unmarshal string into Go struct field HostConfig.SecurityOpt of type []string",
                "json: cannot unmarshal number into Go struct field HostConfig.SecurityOpt of type string",
                "json: cannot unmarshal bool into Go struct field HostConfig.SecurityOpt of type string",
                "invalid --security-opt 1: \"\"",
        };

        for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
                _cleanup_json_ json_object *hc = json_tokener_parse(bodies[i]);
                struct error err = ERROR_INIT;
                struct security_opts o;

                assert_int_equal(security_opts_parse(hc, &o, &err), -EINVAL);
                assert_string_equal(err.message, messages[i]);
                error_clear(&err);
        }
}

static void security_opt_check_profile(void **state)
{
        const char *const good[] = { "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}", NULL };
        const char *const bad[] = { "seccomp={\"defaultAction\":\"SCMP_ACT_NOPE\"}", NULL };
        _cleanup_json_ json_object *good_hc = host_config(good, false), *bad_hc = host_config(bad, false);
        struct error err = ERROR_INIT;

        assert_int_equal(security_opts_check(good_hc, NULL), 0);
        assert_int_equal(security_opts_check(bad_hc, &err), -EINVAL);
        assert_string_equal(err.message,
                            "Decoding seccomp profile failed: defaultAction: unknown action \"SCMP_ACT_NOPE\"");
        error_clear(&err);
}

/* An OCI spec with the default capabilities, as ocispec_build makes it. */
static json_object *oci_spec(void)
{
        json_object *spec = json_object_new_object(), *process = json_object_new_object();
        json_object *caps = json_object_new_object();

        json_object_object_add(caps, "bounding", json_array_from_strv((char **)default_caps));
        json_object_object_add(process, "capabilities", caps);
        json_object_object_add(process, "noNewPrivileges", json_object_new_boolean(false));
        json_object_object_add(spec, "process", process);
        json_object_object_add(spec, "linux", json_object_new_object());
        return spec;
}

static json_object *security_for(const char *const *opts, bool privileged, const struct daemon_config *config)
{
        _cleanup_json_ json_object *hc = host_config(opts, privileged);
        json_object *spec = oci_spec();

        assert_int_equal(ocispec_add_security(spec, hc, config, NULL), 0);
        return spec;
}

static json_object *spec_seccomp(json_object *spec)
{
        return json_field_object(json_field_object(spec, "linux"), "seccomp");
}

static void oci_security(void **state)
{
        const char *const nnp[] = { "no-new-privileges", NULL };
        const char *const unconfined[] = { "seccomp=unconfined", NULL };
        const char *const builtin[] = { "seccomp=builtin", NULL };
        const char *const custom[] = {
                "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                "\"action\":\"SCMP_ACT_ERRNO\"}]}",
                NULL
        };
        struct daemon_config config = {}, config_unconfined = { .seccomp_profile = (char *)"unconfined" };
        json_object *spec;

        spec = security_for(NULL, false, &config);
        assert_int_equal(count_rules(spec_seccomp(spec), "clone3"), 1);
        assert_false(json_field_bool(json_field_object(spec, "process"), "noNewPrivileges", true));
        json_object_put(spec);

        spec = security_for(nnp, false, &config);
        assert_true(json_field_bool(json_field_object(spec, "process"), "noNewPrivileges", false));
        assert_non_null(spec_seccomp(spec));
        json_object_put(spec);

        /* --privileged: no filter, whatever is asked; no_new_privs stays. */
        spec = security_for(nnp, true, &config);
        assert_null(spec_seccomp(spec));
        assert_true(json_field_bool(json_field_object(spec, "process"), "noNewPrivileges", false));
        json_object_put(spec);

        spec = security_for(unconfined, false, &config);
        assert_null(spec_seccomp(spec));
        json_object_put(spec);

        spec = security_for(NULL, false, &config_unconfined);
        assert_null(spec_seccomp(spec));
        json_object_put(spec);

        spec = security_for(builtin, false, &config_unconfined);
        assert_int_equal(count_rules(spec_seccomp(spec), "clone3"), 1);
        json_object_put(spec);

        spec = security_for(custom, false, &config);
        assert_string_equal(json_to_string(spec_seccomp(spec)),
                            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":"
                            "\"SCMP_ACT_ERRNO\"}]}");
        json_object_put(spec);
}

static void daemon_profile(void **state)
{
        char dir[] = "/tmp/test-seccomp-profile.XXXXXX";
        _cleanup_free_ char *good = NULL, *bad = NULL, *missing = NULL;
        struct daemon_config config = {};
        struct error err = ERROR_INIT;
        struct seccomp_profile *p = NULL;
        _cleanup_close_ int dirfd = -1;
        json_object *spec, *info;

        assert_non_null(mkdtemp(dir));
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dirfd >= 0);
        good = fs_path_join(dir, "good.json");
        bad = fs_path_join(dir, "bad.json");
        missing = fs_path_join(dir, "missing.json");
        assert_int_equal(fs_write_atomic_at(dirfd, "good.json", "{\"defaultAction\":\"SCMP_ACT_LOG\"}", 32, 0644), 0);
        assert_int_equal(fs_write_atomic_at(dirfd, "bad.json", "{\"syscalls\":5}", 14, 0644), 0);

        assert_int_equal(security_seccomp_profile_load(NULL, &p, NULL), 0);
        assert_null(p);
        assert_int_equal(security_seccomp_profile_load("unconfined", &p, NULL), 0);
        assert_null(p);
        assert_int_equal(security_seccomp_profile_load(missing, &p, &err), -ENOENT);
        assert_non_null(strstr(err.message, "opening seccomp profile ("));
        error_clear(&err);
        assert_int_equal(security_seccomp_profile_load(bad, &p, &err), -EINVAL);
        assert_non_null(strstr(err.message, "bad.json: syscalls: expected an array, got int"));
        error_clear(&err);

        assert_int_equal(security_seccomp_profile_load(good, &p, NULL), 0);
        assert_non_null(p);
        config.seccomp_profile = good;
        config.seccomp = p;
        spec = security_for(NULL, false, &config);
        assert_string_equal(json_to_string(spec_seccomp(spec)), "{\"defaultAction\":\"SCMP_ACT_LOG\"}");
        json_object_put(spec);

        info = security_seccomp_info(&config);
        assert_non_null(strstr(json_object_get_string(info), "name=seccomp,profile=/tmp/test-seccomp-profile."));
        json_object_put(info);
        seccomp_profile_free(p);

        config = (struct daemon_config){};
        info = security_seccomp_info(&config);
        assert_string_equal(json_object_get_string(info), "name=seccomp,profile=default");
        json_object_put(info);
        config.seccomp_profile = (char *)"unconfined";
        info = security_seccomp_info(&config);
        assert_string_equal(json_object_get_string(info), "name=seccomp,profile=unconfined");
        json_object_put(info);

        assert_int_equal(fs_rm_rf_at(AT_FDCWD, dir), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(default_profile_amd64),
                cmocka_unit_test(default_profile_socket_families),
                cmocka_unit_test(default_profile_sys_admin),
                cmocka_unit_test(default_profile_arm64_old_kernel),
                cmocka_unit_test(default_profile_unknown_arch),
                cmocka_unit_test(profile_conversion),
                cmocka_unit_test(profile_errors),
                cmocka_unit_test(kernel_versions),
                cmocka_unit_test(security_opt_parsing),
                cmocka_unit_test(security_opt_apparmor),
                cmocka_unit_test(security_opt_types),
                cmocka_unit_test(security_opt_check_profile),
                cmocka_unit_test(oci_security),
                cmocka_unit_test(daemon_profile),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
