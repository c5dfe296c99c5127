/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the daemon's parsers: binds, names, signals and the
 * command line with daemon.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <stdio.h>

#include "daemon-config.h"
#include "engine/binds.h"
#include "engine/names.h"
#include "engine/signals.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "strv.h"

static void bind_parse_valid(void **state)
{
        static const struct {
                const char *spec;
                const char *source, *destination, *mode, *propagation;
                bool read_only;
        } cases[] = {
                { "/tmp:/mnt", "/tmp", "/mnt", "", "rprivate", false },
                { "/tmp:/mnt:ro", "/tmp", "/mnt", "ro", "rprivate", true },
                { "/tmp:/mnt:rw,z", "/tmp", "/mnt", "rw,z", "rprivate", false },
                { "/a/b:/c/d:ro,rslave", "/a/b", "/c/d", "ro,rslave", "rslave", true },
                { "/x:/y:Z,shared", "/x", "/y", "Z,shared", "shared", false },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct bind b;

                assert_int_equal(bind_parse(cases[i].spec, &b, NULL), 0);
                assert_string_equal(b.source, cases[i].source);
                assert_string_equal(b.destination, cases[i].destination);
                assert_string_equal(b.mode, cases[i].mode);
                assert_string_equal(b.propagation, cases[i].propagation);
                assert_int_equal(b.read_only, cases[i].read_only);
                bind_clear(&b);
        }
}

static void bind_parse_invalid(void **state)
{
        static const struct {
                const char *spec;
                int code;
                const char *message;
        } cases[] = {
                { "/tmp:/x:bogus", -EINVAL, "invalid mode: bogus" },
                { "/tmp:/x:ro,rw", -EINVAL, "invalid mode: ro,rw" },
                { "/tmp:x", -EINVAL,
                  "invalid volume specification: '/tmp:x': invalid mount config for type \"bind\": invalid mount "
                  "path: 'x' mount path must be absolute" },
                { "/tmp", -EINVAL, "invalid volume specification: '/tmp'" },
                { "/tmp:/", -EINVAL,
                  "invalid volume specification: '/tmp:/': invalid mount config for type \"bind\": invalid "
                  "specification: destination can't be '/'" },
                { "a:b:c:d", -EINVAL, "invalid volume specification: 'a:b:c:d'" },
                { "named:/data", -EOPNOTSUPP, NULL },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                struct bind b;

                assert_int_equal(bind_parse(cases[i].spec, &b, &err), cases[i].code);
                if (cases[i].message)
                        assert_string_equal(err.message, cases[i].message);
        }
}

static void binds_mounts_json(void **state)
{
        _cleanup_json_ json_object *binds = json_tokener_parse("[\"/tmp:/mnt:ro\"]");
        _cleanup_json_ json_object *mounts = binds_to_mounts_json(binds);
        json_object *m = json_object_array_get_idx(mounts, 0);

        assert_int_equal(json_object_array_length(mounts), 1);
        assert_string_equal(json_field_string(m, "Type", ""), "bind");
        assert_string_equal(json_field_string(m, "Source", ""), "/tmp");
        assert_string_equal(json_field_string(m, "Destination", ""), "/mnt");
        assert_string_equal(json_field_string(m, "Mode", ""), "ro");
        assert_false(json_field_bool(m, "RW", true));
}

static void name_rules(void **state)
{
        assert_true(container_name_is_valid("web"));
        assert_true(container_name_is_valid("/web-1_x.y"));
        assert_true(container_name_is_valid("a1"));
        assert_false(container_name_is_valid("a"));
        assert_false(container_name_is_valid("bad name"));
        assert_false(container_name_is_valid("-lead"));
        assert_false(container_name_is_valid("_lead"));
        assert_false(container_name_is_valid("x/y"));
        assert_false(container_name_is_valid(""));
}

static void name_generated_valid(void **state)
{
        for (unsigned i = 0; i < 50; i++) {
                _cleanup_free_ char *name = container_name_generate(i % 3);

                assert_non_null(name);
                assert_true(container_name_is_valid(name));
                assert_non_null(strchr(name, '_'));
        }
}

static void signal_names(void **state)
{
        assert_int_equal(signal_from_string("SIGKILL"), SIGKILL);
        assert_int_equal(signal_from_string("KILL"), SIGKILL);
        assert_int_equal(signal_from_string("kill"), SIGKILL);
        assert_int_equal(signal_from_string("usr1"), SIGUSR1);
        assert_int_equal(signal_from_string("15"), SIGTERM);
        assert_int_equal(signal_from_string("RTMIN+3"), 37);
        assert_int_equal(signal_from_string("SIGRTMAX-1"), 63);
        assert_int_equal(signal_from_string("0"), -EINVAL);
        assert_int_equal(signal_from_string("65"), -EINVAL);
        assert_int_equal(signal_from_string("NOPE"), -EINVAL);
        assert_int_equal(signal_from_string(""), -EINVAL);
        assert_string_equal(signal_to_string(SIGTERM), "SIGTERM");
}

/* Writes text to a temporary daemon.json and returns its path. */
static char *write_config(const char *text)
{
        char path[] = "/tmp/test-engine-config.XXXXXX";
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        assert_int_equal(fs_write_all(fd, text, strlen(text)), 0);
        close(fd);
        return strdup(path);
}

static int load(const char *config_text, char **extra_argv, struct daemon_config *config, struct error *err)
{
        _cleanup_free_ char *path = config_text ? write_config(config_text) : NULL;
        _cleanup_strv_free_ char **argv = NULL;
        enum config_action action;
        int r;

        strv_append(&argv, "sockerlessd");
        if (path) {
                strv_append(&argv, "--config-file");
                strv_append(&argv, path);
        } else {
                strv_append(&argv, "--config-file=/nonexistent/daemon.json");
        }
        STRV_FOREACH (a, extra_argv)
                strv_append(&argv, *a);
        r = config_load((int)strv_length(argv), argv, config, &action, err);
        if (path)
                unlink(path);
        return r;
}

static void config_flags_and_file(void **state)
{
        struct daemon_config config = { 0 };
        _cleanup_error_ struct error err = ERROR_INIT;
        char *argv[] = { "-H", "unix:///tmp/a.sock", "--host=unix:///tmp/b.sock", "--data-root", "/tmp/d", NULL };

        assert_int_equal(
                load("{\"exec-root\":\"/tmp/e\",\"log-level\":\"debug\",\"dns\":[\"192.0.2.1\"]}", argv, &config, &err),
                0);
        assert_int_equal(strv_length(config.hosts), 2);
        assert_string_equal(config.hosts[1], "unix:///tmp/b.sock");
        assert_string_equal(config.data_root, "/tmp/d");
        assert_string_equal(config.exec_root, "/tmp/e");
        assert_int_equal(config.log_level, LOG_LEVEL_DEBUG);
        assert_string_equal(config.dns[0], "192.0.2.1");
        assert_true(config.live_restore);
        config_clear(&config);
}

static void config_defaults(void **state)
{
        struct daemon_config config = { 0 };
        _cleanup_error_ struct error err = ERROR_INIT;
        char *argv[] = { NULL };

        assert_int_equal(load(NULL, argv, &config, &err), -ENOENT);
        config_clear(&config);
        error_clear(&err);

        assert_int_equal(load("{}", argv, &config, &err), 0);
        assert_string_equal(config.hosts[0], DEFAULT_HOST);
        assert_string_equal(config.data_root, DEFAULT_DATA_ROOT);
        assert_string_equal(config.exec_root, DEFAULT_EXEC_ROOT);
        assert_string_equal(config.pidfile, DEFAULT_PIDFILE);
        assert_int_equal(config.log_level, LOG_LEVEL_INFO);
        config_clear(&config);
}

static void config_conflicts_rejected(void **state)
{
        static const struct {
                const char *file;
                const char *message_start;
        } cases[] = {
                { "{\"hosts\":[\"unix:///tmp/x.sock\"]}",
                  "the following directives are specified both as a flag and in the configuration file: hosts" },
                { "{\"bogus\":1}", "the following directives don't match any configuration option: bogus" },
                { "{\"log-level\":\"loud\"}", "invalid log level \"loud\"" },
                { "[1]", "the configuration file" },
                { "{\"data-root\":", "unable to parse the configuration file" },
        };
        char *argv[] = { "-H", "unix:///tmp/a.sock", NULL };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct daemon_config config = { 0 };
                _cleanup_error_ struct error err = ERROR_INIT;

                assert_int_equal(load(cases[i].file, argv, &config, &err), -EINVAL);
                assert_non_null(strstr(err.message, cases[i].message_start));
                config_clear(&config);
        }
}

static void config_bad_flags(void **state)
{
        char *unknown[] = { "--bogus", NULL };
        char *missing[] = { "--data-root", NULL };
        char *relative[] = { "--data-root", "relative", NULL };
        char **cases[] = { unknown, missing, relative };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct daemon_config config = { 0 };
                _cleanup_error_ struct error err = ERROR_INIT;

                assert_int_equal(load("{}", cases[i], &config, &err), -EINVAL);
                assert_non_null(err.message);
                config_clear(&config);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(bind_parse_valid),          cmocka_unit_test(bind_parse_invalid),
                cmocka_unit_test(binds_mounts_json),         cmocka_unit_test(name_rules),
                cmocka_unit_test(name_generated_valid),      cmocka_unit_test(signal_names),
                cmocka_unit_test(config_flags_and_file),     cmocka_unit_test(config_defaults),
                cmocka_unit_test(config_conflicts_rejected), cmocka_unit_test(config_bad_flags),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
