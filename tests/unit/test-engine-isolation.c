/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the create checks of the isolation options (devices,
 * device cgroup rules, sysctls, --oom-score-adj, --group-add, ulimits) and
 * of the daemon's default ulimits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <sys/resource.h>

#include "daemon-ulimits.h"
#include "engine/create-isolation.h"
#include "engine/devices.h"
#include "jsonutil.h"

static void device_rule_valid(void **state)
{
        static const struct {
                const char *text;
                char type;
                int64_t major, minor;
                const char *access;
        } cases[] = {
                { "c 1:3 rwm", 'c', 1, 3, "rwm" },
                { "b 8:* rw", 'b', 8, -1, "rw" },
                { "a *:* m", 'a', -1, -1, "m" },
                { "c *:5 r", 'c', -1, 5, "r" },
                { "c 4294967295:0 w", 'c', UINT32_MAX, 0, "w" },
                /* Docker's expression takes any three of r, w and m. */
                { "c 1:3 rr", 'c', 1, 3, "rr" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct device_rule rule;

                assert_int_equal(device_rule_parse(cases[i].text, &rule, NULL), 0);
                assert_int_equal(rule.type, cases[i].type);
                assert_int_equal(rule.major, cases[i].major);
                assert_int_equal(rule.minor, cases[i].minor);
                assert_string_equal(rule.access, cases[i].access);
        }
}

static void device_rule_invalid(void **state)
{
        static const char *const cases[] = {
                "",           "c",        "c 1:3",    "c 1:3 ",   "x 1:3 r",  "c 1 3 r",
                "c 1:3 rwmr", "c 1:3 rx", "c -1:3 r", "c 1:3 r ", " c 1:3 r", "c  1:3 r",
                "c 1:3\tr",   "c 1:** r", "c :3 r",   "c 1: r",   "C 1:3 r",
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct device_rule rule;

                assert_int_equal(device_rule_parse(cases[i], &rule, NULL), -EINVAL);
        }
}

static void device_rule_range(void **state)
{
        struct device_rule rule;
        const char *field = NULL;

        assert_int_equal(device_rule_parse("c 4294967296:1 r", &rule, &field), -ERANGE);
        assert_string_equal(field, "major");
        assert_int_equal(device_rule_parse("c 1:99999999999999999999 r", &rule, &field), -ERANGE);
        assert_string_equal(field, "minor");
}

static void check_message(int (*check)(json_object *, struct error *), const char *json, int code, const char *message)
{
        _cleanup_json_ json_object *obj = json_tokener_parse(json);
        _cleanup_error_ struct error err = ERROR_INIT;

        assert_non_null(obj);
        assert_int_equal(check(obj, &err), code);
        if (message)
                assert_string_equal(error_message(&err, code), message);
}

static void device_rules_messages(void **state)
{
        check_message(devices_check_rules, "[\"c 1:3 rwm\", \"b *:* m\"]", 0, NULL);
        check_message(devices_check_rules, "[\"c 1:3\"]", -EINVAL, "invalid device cgroup rule format: 'c 1:3'");
        check_message(devices_check_rules, "[\"c 99999999999:1 r\"]", -EINVAL,
                      "invalid major value in device cgroup rule format: 'c 99999999999:1 r'");
        check_message(devices_check_rules, "[\"c 1:99999999999 r\"]", -EINVAL,
                      "invalid minor value in device cgroup rule format: 'c 1:99999999999 r'");
        check_message(devices_check_rules, "[5]", -EINVAL, "invalid device cgroup rule format: ''");
}

static void device_mappings_messages(void **state)
{
        check_message(devices_check_mappings,
                      "[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/x\",\"CgroupPermissions\":\"rw\"}]", 0,
                      NULL);
        check_message(devices_check_mappings, "[{\"PathOnHost\":\"/dev/null\"}]", 0, NULL);
        check_message(devices_check_mappings, "[{\"PathInContainer\":\"/dev/x\"}]", -EINVAL,
                      "invalid device mapping: PathOnHost is missing");
        check_message(devices_check_mappings, "[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"rel\"}]", -EINVAL,
                      "rel is not an absolute path");
        check_message(devices_check_mappings,
                      "[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/x\",\"CgroupPermissions\":\"rwq\"}]",
                      -EINVAL, "bad mode specified: rwq");
        check_message(devices_check_mappings,
                      "[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/x\",\"CgroupPermissions\":\"rr\"}]",
                      -EINVAL, "bad mode specified: rr");
        check_message(devices_check_mappings, "[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/null\"}]",
                      -EOPNOTSUPP, NULL);
        check_message(devices_check_mappings, "[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/../etc/x\"}]",
                      -EOPNOTSUPP, NULL);
}

static void sysctl_rules(void **state)
{
        static const struct {
                const char *host_config;
                int code;
                const char *message;
        } cases[] = {
                { "{\"Sysctls\":{\"kernel.shmmax\":\"1\",\"fs.mqueue.msg_max\":\"20\",\"net.ipv4.ip_forward\":\"1\","
                  "\"kernel.domainname\":\"x.example\"}}",
                  0, NULL },
                { "{\"Sysctls\":{\"vm.swappiness\":\"1\"}}", -EINVAL,
                  "sysctl \"vm.swappiness\" is not in a separate kernel namespace" },
                { "{\"Sysctls\":{\"kernel.msgfoo\":\"1\"}}", -EINVAL,
                  "sysctl \"kernel.msgfoo\" is not in a separate kernel namespace" },
                { "{\"NetworkMode\":\"host\",\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\"}}", -EINVAL,
                  "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace" },
                { "{\"IpcMode\":\"host\",\"Sysctls\":{\"kernel.sem\":\"1 2 3 4\"}}", -EINVAL,
                  "sysctl \"kernel.sem\" is not allowed in the hosts ipc namespace" },
                { "{\"IpcMode\":\"container:abc\",\"Sysctls\":{\"kernel.shmall\":\"1\"}}", 0, NULL },
                { "{\"Sysctls\":{\"kernel.hostname\":\"x\"}}", -EINVAL,
                  "sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field" },
                { "{\"UTSMode\":\"host\",\"Sysctls\":{\"kernel.domainname\":\"x\"}}", -EINVAL,
                  "sysctl \"kernel.domainname\" is not in a separate kernel namespace" },
                { "{\"Sysctls\":{\"net.ipv4/../../kernel/x\":\"1\"}}", -EINVAL,
                  "sysctl \"net.ipv4/../../kernel/x\" is not allowed: a name cannot contain \"/\" or \"..\"" },
                { "{\"Sysctls\":{\"net..ipv4\":\"1\"}}", -EINVAL, NULL },
                { "{\"Sysctls\":{\"net.ipv4.ip_forward\":1}}", -EINVAL, NULL },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                check_message(create_isolation_check, cases[i].host_config, cases[i].code, cases[i].message);
}

static void oom_and_groups(void **state)
{
        check_message(create_isolation_check, "{\"OomScoreAdj\":-1000}", 0, NULL);
        check_message(create_isolation_check, "{\"OomScoreAdj\":1000}", 0, NULL);
        check_message(create_isolation_check, "{\"OomScoreAdj\":1001}", -EINVAL,
                      "Invalid value 1001, range for oom score adj is [-1000, 1000]");
        check_message(create_isolation_check, "{\"OomScoreAdj\":-1001}", -EINVAL,
                      "Invalid value -1001, range for oom score adj is [-1000, 1000]");
        check_message(create_isolation_check, "{\"GroupAdd\":[\"audio\",\"1234\",\"-5\"]}", 0, NULL);
        check_message(create_isolation_check, "{\"GroupAdd\":[\"a,b\"]}", -EINVAL,
                      "Unable to find group a,b: no matching entries in group file");
        check_message(create_isolation_check, "{\"GroupAdd\":[\"\"]}", -EINVAL, NULL);
        check_message(create_isolation_check, "{\"GroupAdd\":[5]}", -EINVAL, NULL);
}

/* A limit one above the daemon's own hard limit, or 0 when that is
 * unlimited or the test may raise it (CAP_SYS_RESOURCE). */
static uint64_t above_hard_nofile(void)
{
        struct rlimit own;

        if (getrlimit(RLIMIT_NOFILE, &own) < 0 || own.rlim_max == RLIM_INFINITY)
                return 0;
        if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){ own.rlim_cur, own.rlim_max + 1 }) == 0) {
                setrlimit(RLIMIT_NOFILE, &own);
                return 0;
        }
        return own.rlim_max + 1;
}

static void ulimit_rules(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        uint64_t above = above_hard_nofile();
        char expected[160];

        assert_int_equal(create_ulimit_check("--ulimit", "nofile", 100, 200, NULL), 0);
        assert_int_equal(create_ulimit_check("--ulimit", "core", -1, -1, NULL), 0);
        assert_int_equal(create_ulimit_check("--ulimit", "bogus", 1, 1, NULL), -EINVAL);
        assert_int_equal(create_ulimit_check("--ulimit", "nofile", 2, 1, NULL), -EINVAL);
        /* -1 is unlimited, above any soft limit. */
        assert_int_equal(create_ulimit_check("--ulimit", "nofile", -1, 100, NULL), -EINVAL);
        if (above == 0) {
                skip();
                return;
        }
        assert_int_equal(create_ulimit_check("--ulimit", "nofile", 1, (int64_t)above, &err), -EINVAL);
        snprintf(expected, sizeof(expected),
                 "--ulimit nofile: the hard limit %llu is above the maximum %llu (the daemon's own hard limit)",
                 (unsigned long long)above, (unsigned long long)above - 1);
        assert_string_equal(error_message(&err, -EINVAL), expected);
}

static json_object *parse_defaults(const char *json, int code, const char *message)
{
        _cleanup_json_ json_object *value = json_tokener_parse(json);
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *list = NULL;

        assert_non_null(value);
        assert_int_equal(config_default_ulimits_parse(value, &list, &err), code);
        if (message)
                assert_string_equal(error_message(&err, code), message);
        return list;
}

static void default_ulimits_parse(void **state)
{
        _cleanup_json_ json_object *flags = NULL, *file = NULL, *none = NULL;

        flags = parse_defaults("[\"nofile=100:200\", \"nproc=50\", \"nofile=300:400\"]", 0, NULL);
        assert_string_equal(json_to_string(flags), "[{\"Name\":\"nofile\",\"Hard\":400,\"Soft\":300},"
                                                   "{\"Name\":\"nproc\",\"Hard\":50,\"Soft\":50}]");
        file = parse_defaults("{\"nofile\":{\"Name\":\"nofile\",\"Hard\":200,\"Soft\":100}}", 0, NULL);
        assert_string_equal(json_to_string(file), "[{\"Name\":\"nofile\",\"Hard\":200,\"Soft\":100}]");
        assert_int_equal(config_default_ulimits_parse(NULL, &none, NULL), 0);
        assert_null(none);

        parse_defaults("[\"nofile\"]", -EINVAL,
                       "invalid value \"nofile\" for flag --default-ulimit: expected NAME=SOFT[:HARD]");
        parse_defaults("[\"bogus=1\"]", -EINVAL,
                       "invalid value \"bogus=1\" for flag --default-ulimit: invalid ulimit type: bogus");
        parse_defaults("[\"nofile=1:2:3\"]", -EINVAL,
                       "invalid value \"nofile=1:2:3\" for flag --default-ulimit: too many limit values, can only "
                       "have up to two, soft[:hard]");
        parse_defaults("[\"nofile=x\"]", -EINVAL,
                       "invalid value \"nofile=x\" for flag --default-ulimit: the limits must be integers");
        parse_defaults("[\"nofile=5:4\"]", -EINVAL,
                       "invalid value \"nofile=5:4\" for flag --default-ulimit: ulimit soft limit must be less than "
                       "or equal to hard limit: 5 > 4");
        parse_defaults("{\"nofile\":{\"Name\":\"nproc\",\"Hard\":2,\"Soft\":1}}", -EINVAL,
                       "invalid \"default-ulimits\" entry \"nofile\": its Name is \"nproc\"");
        parse_defaults("{\"nofile\":{\"Hard\":\"2\"}}", -EINVAL, NULL);
        parse_defaults("\"nofile=1\"", -EINVAL, "invalid \"default-ulimits\": expected an object of ulimits");
}

static void default_ulimits_merge(void **state)
{
        _cleanup_json_ json_object *defaults = parse_defaults("[\"nofile=100:200\", \"nproc=50\"]", 0, NULL);
        _cleanup_json_ json_object *own = json_tokener_parse("{\"Ulimits\":[{\"Name\":\"nproc\",\"Soft\":1,"
                                                             "\"Hard\":2}]}");
        _cleanup_json_ json_object *empty = json_object_new_object();

        create_merge_default_ulimits(own, defaults);
        assert_string_equal(json_to_string(json_field_array(own, "Ulimits")),
                            "[{\"Name\":\"nproc\",\"Soft\":1,\"Hard\":2},{\"Name\":\"nofile\",\"Hard\":200,"
                            "\"Soft\":100}]");
        create_merge_default_ulimits(empty, defaults);
        assert_int_equal(json_object_array_length(json_field_array(empty, "Ulimits")), 2);
        assert_int_equal(create_default_ulimits_check(defaults, own, NULL), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(device_rule_valid),        cmocka_unit_test(device_rule_invalid),
                cmocka_unit_test(device_rule_range),        cmocka_unit_test(device_rules_messages),
                cmocka_unit_test(device_mappings_messages), cmocka_unit_test(sysctl_rules),
                cmocka_unit_test(oom_and_groups),           cmocka_unit_test(ulimit_rules),
                cmocka_unit_test(default_ulimits_parse),    cmocka_unit_test(default_ulimits_merge),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
