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
#include "engine/create-config.h"
#include "engine/create-options.h"
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
                { "/tmp:/mnt", "/tmp", "/mnt", "", NULL, false },
                { "/tmp:/mnt:ro", "/tmp", "/mnt", "ro", NULL, true },
                { "/tmp:/mnt:rw,z", "/tmp", "/mnt", "rw,z", NULL, false },
                { "/a/b:/c/d:ro,rslave", "/a/b", "/c/d", "ro,rslave", "rslave", true },
                { "/x:/y:Z,shared", "/x", "/y", "Z,shared", "shared", false },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct bind b;

                assert_int_equal(bind_parse(cases[i].spec, &b, NULL), 0);
                assert_string_equal(b.source, cases[i].source);
                assert_string_equal(b.destination, cases[i].destination);
                assert_string_equal(b.mode, cases[i].mode);
                if (cases[i].propagation)
                        assert_string_equal(b.propagation, cases[i].propagation);
                else
                        assert_null(b.propagation);
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
                { "/tmp:ro", -EINVAL, "invalid volume specification: '/tmp:ro'" },
                { "/tmp:/", -EINVAL,
                  "invalid volume specification: '/tmp:/': invalid mount config for type \"bind\": invalid "
                  "specification: destination can't be '/'" },
                { "a:b:c:d", -EINVAL, "invalid volume specification: 'a:b:c:d'" },
                { "named:/data:rshared", -EINVAL,
                  "invalid volume specification: 'named:/data:rshared': invalid mount config for type \"volume\": "
                  "field BindOptions must not be specified" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                struct bind b;

                assert_int_equal(bind_parse(cases[i].spec, &b, &err), cases[i].code);
                if (cases[i].message)
                        assert_string_equal(err.message, cases[i].message);
        }
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

static const char image_config_json[] =
        "{\"Env\":[\"PATH=/usr/bin:/bin\",\"GREETING=hello world\"],\"Cmd\":[\"echo\",\"image\"],"
        "\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"WorkingDir\":\"/home/app\",\"User\":\"app\","
        "\"Labels\":{\"a\":\"image\",\"b\":\"image\"},\"StopSignal\":\"SIGUSR1\"}";

static json_object *merged(const char *request)
{
        _cleanup_json_ json_object *req = json_tokener_parse(request);
        _cleanup_json_ json_object *image = json_tokener_parse(image_config_json);

        assert_non_null(req);
        assert_int_equal(create_request_check(req, NULL), 0);
        return create_config_build(req, image);
}

static const char *array_item(json_object *obj, const char *key, size_t i)
{
        return json_object_get_string(json_object_array_get_idx(json_field_array(obj, key), i));
}

static void create_merges_image_config(void **state)
{
        _cleanup_json_ json_object *config = merged("{\"Env\":[\"FOO=bar\",\"GREETING=hi\"],"
                                                    "\"Labels\":{\"a\":\"request\"}}");

        assert_int_equal(json_object_array_length(json_field_array(config, "Env")), 3);
        assert_string_equal(array_item(config, "Env", 0), "FOO=bar");
        assert_string_equal(array_item(config, "Env", 1), "GREETING=hi");
        assert_string_equal(array_item(config, "Env", 2), "PATH=/usr/bin:/bin");
        assert_string_equal(array_item(config, "Cmd", 1), "image");
        assert_string_equal(array_item(config, "Entrypoint", 0), "/bin/sh");
        assert_string_equal(json_field_string(config, "WorkingDir", ""), "/home/app");
        assert_string_equal(json_field_string(config, "User", ""), "app");
        assert_string_equal(json_field_string(config, "StopSignal", ""), "SIGUSR1");
        assert_string_equal(json_field_string(json_field_object(config, "Labels"), "a", ""), "request");
        assert_string_equal(json_field_string(json_field_object(config, "Labels"), "b", ""), "image");
}

static void create_entrypoint_overrides(void **state)
{
        _cleanup_json_ json_object *own = merged("{\"Entrypoint\":\"/bin/true\"}");
        _cleanup_json_ json_object *empty = merged("{\"Entrypoint\":[\"\"],\"Cmd\":[\"echo\",\"hi\"]}");
        _cleanup_json_ json_object *cmd_only = merged("{\"Cmd\":\"date\"}");
        _cleanup_free_ char *path = NULL;
        _cleanup_strv_free_ char **args = NULL;

        /* An entrypoint of the request's own drops the image's Cmd. */
        assert_string_equal(array_item(own, "Entrypoint", 0), "/bin/true");
        assert_null(json_field_array(own, "Cmd"));
        /* --entrypoint "" clears the entrypoint; the request's Cmd runs. */
        assert_null(json_field_array(empty, "Entrypoint"));
        assert_int_equal(create_command_build(empty, &path, &args, NULL), 0);
        assert_string_equal(path, "echo");
        assert_string_equal(args[0], "hi");
        assert_null(args[1]);
        /* A Cmd given as a string becomes an array, after the image's entrypoint. */
        assert_string_equal(array_item(cmd_only, "Cmd", 0), "date");
        assert_string_equal(array_item(cmd_only, "Entrypoint", 1), "-c");
}

static void create_needs_command(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *config = json_tokener_parse("{\"Cmd\":null,\"Entrypoint\":null}");
        char *path = NULL, **args = NULL;

        assert_int_equal(create_command_build(config, &path, &args, &err), -EINVAL);
        assert_string_equal(err.message, "No command specified");
        assert_null(path);
}

static void create_type_errors(void **state)
{
        static const struct {
                const char *request, *message;
        } cases[] = {
                { "{\"Cmd\":5}",
                  "json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Cmd of type string" },
                { "{\"Cmd\":[1]}",
                  "json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Cmd of type string" },
                { "{\"Tty\":\"yes\"}",
                  "json: cannot unmarshal string into Go struct field ContainerConfigWrapper.Tty of type bool" },
                { "{\"Env\":{}}", "json: cannot unmarshal object into Go struct field ContainerConfigWrapper.Env "
                                  "of type []string" },
                { "[]", "json: cannot unmarshal array into Go value of type container.ContainerConfigWrapper" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_json_ json_object *req = json_tokener_parse(cases[i].request);

                assert_int_equal(create_request_check(req, &err), -EINVAL);
                assert_string_equal(err.message, cases[i].message);
        }
}

static void create_host_config_rules(void **state)
{
        static const struct {
                const char *host_config;
                int code;
        } cases[] = {
                { "{\"NetworkMode\":\"none\"}", 0 },
                { "{\"NetworkMode\":\"host\",\"Binds\":[\"/tmp:/mnt:ro\"]}", 0 },
                /* dockerd resolves network names at start, so does Sockerless. */
                { "{\"NetworkMode\":\"mynet\"}", 0 },
                { "{\"Binds\":[\"/tmp:relative\"]}", -EINVAL },
                { "{\"Binds\":[5]}", -EINVAL },
                { "{\"PidMode\":\"host\",\"UTSMode\":\"host\"}", 0 },
        };
        _cleanup_json_ json_object *defaults = json_object_new_object();

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_json_ json_object *hc = json_tokener_parse(cases[i].host_config);

                assert_int_equal(create_host_config_check(hc, NULL), cases[i].code);
        }
        create_host_config_defaults(defaults);
        assert_string_equal(json_field_string(defaults, "NetworkMode", ""), "default");
        assert_int_equal(json_field_int(defaults, "ShmSize", 0), 64 * 1024 * 1024);
        assert_string_equal(json_field_string(json_field_object(defaults, "LogConfig"), "Type", ""), "json-file");
        assert_int_equal(json_object_array_length(json_field_array(defaults, "MaskedPaths")), 10);
}

static void create_options_rules(void **state)
{
        static const struct {
                const char *host_config;
                int code;
                const char *message;
        } cases[] = {
                { "{\"Memory\":67108864,\"NanoCpus\":500000000,\"PidsLimit\":10,\"CapAdd\":[\"NET_ADMIN\"],"
                  "\"CapDrop\":[\"ALL\"],\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":100,\"Hard\":200}],"
                  "\"Tmpfs\":{\"/run\":\"size=1m\"},\"ExtraHosts\":[\"db:192.0.2.7\"],"
                  "\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"max-size\":\"1m\",\"max-file\":\"2\"}},"
                  "\"RestartPolicy\":{\"Name\":\"no\"},\"MemorySwappiness\":-1}",
                  0, NULL },
                { "{\"VolumesFrom\":[\"other\"]}", 0, NULL },
                { "{\"Privileged\":true,\"Init\":true,\"GroupAdd\":[\"audio\"],\"IpcMode\":\"shareable\","
                  "\"CgroupnsMode\":\"host\",\"DeviceCgroupRules\":[\"c 1:3 r\"]}",
                  0, NULL },
                { "{\"PidMode\":\"container:\"}", -EINVAL, "invalid PID mode: container:" },
                { "{\"UTSMode\":\"container:x\"}", -EINVAL, "invalid UTS mode: container:x" },
                { "{\"CgroupnsMode\":\"bogus\"}", -EINVAL, "invalid cgroup namespace mode: bogus" },
                { "{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8080\"}]}}", 0, NULL },
                { "{\"CpuCount\":2}", -EOPNOTSUPP,
                  "--cpu-count (HostConfig.CpuCount) is not supported by this daemon yet" },
                { "{\"Memory\":1024}", -EINVAL, "Minimum memory limit allowed is 6MB" },
                { "{\"MemorySwap\":100000000}", -EINVAL,
                  "You should always set the Memory limit when using Memoryswap limit, see usage" },
                { "{\"NanoCpus\":-1}", -EINVAL, NULL },
                { "{\"NanoCpus\":1000000000,\"CpuPeriod\":100000}", -EINVAL,
                  "Conflicting options: Nano CPUs and CPU Period cannot both be set" },
                { "{\"CpuQuota\":10}", -EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)" },
                { "{\"CapAdd\":[\"NOPE\"]}", -EINVAL, "unknown capability: \"NOPE\"" },
                { "{\"CapDrop\":[\"CAP_NOPE\"]}", -EINVAL, "unknown capability: \"CAP_NOPE\"" },
                { "{\"RestartPolicy\":{\"Name\":\"bogus\"}}", -EINVAL, "invalid restart policy 'bogus'" },
                { "{\"RestartPolicy\":{\"Name\":\"always\"}}", 0, NULL },
                { "{\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":-1}}", -EINVAL,
                  "maximum retry count cannot be negative" },
                { "{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}", -EINVAL,
                  "can't create 'AutoRemove' container with restart policy" },
                { "{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"no\"}}", 0, NULL },
                { "{\"LogConfig\":{\"Type\":\"syslog\"}}", -EOPNOTSUPP, NULL },
                { "{\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"max-size\":\"lots\"}}}", -EINVAL,
                  "invalid value for max-size: lots" },
                { "{\"Ulimits\":[{\"Name\":\"bogus\",\"Soft\":1,\"Hard\":1}]}", -EINVAL, "invalid ulimit type: bogus" },
                { "{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":2,\"Hard\":1}]}", -EINVAL, NULL },
                { "{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/nonexistent/x\",\"Target\":\"/x\"}]}", -EINVAL,
                  "invalid mount config for type \"bind\": bind source path does not exist: /nonexistent/x" },
                { "{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/x\"}]}", 0, NULL },
                { "{\"ExtraHosts\":[\"nohost\"]}", -EINVAL, NULL },
                { "{\"IpcMode\":\"bogus\"}", -EINVAL, "Invalid IPC mode: bogus" },
                { "{\"Runtime\":\"kata\"}", -EINVAL, "Unknown runtime specified kata" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_json_ json_object *hc = json_tokener_parse(cases[i].host_config);

                assert_non_null(hc);
                assert_int_equal(create_host_config_check(hc, &err), 0);
                assert_int_equal(create_options_check(hc, NULL, &err), cases[i].code);
                if (cases[i].message)
                        assert_string_equal(err.message, cases[i].message);
        }
}

static void create_config_options_rules(void **state)
{
        static const struct {
                const char *request;
                int code;
        } cases[] = {
                { "{\"WorkingDir\":\"/w\",\"Healthcheck\":{\"Test\":[\"NONE\"]}}", 0 },
                { "{\"WorkingDir\":\"relative\"}", -EINVAL },
                { "{\"Volumes\":{\"/data\":{}}}", 0 },
                { "{\"MacAddress\":\"02:42:ac:11:00:02\"}", 0 },
                { "{\"MacAddress\":\"02:42:ac:11:00\"}", -EINVAL },
                { "{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}}", 0 },
                { "{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":999999}}", -EINVAL },
                { "{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Timeout\":1000000}}", 0 },
                { "{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"StartPeriod\":1}}", -EINVAL },
                { "{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Retries\":-1}}", -EINVAL },
                { "{\"StopSignal\":\"SIGBOGUS\"}", -EINVAL },
                { "{\"StopSignal\":\"USR1\"}", 0 },
                { "{\"Hostname\":\"h\",\"HostConfig\":{\"UTSMode\":\"host\"}}", -EINVAL },
                { "{\"Domainname\":\"d\",\"HostConfig\":{\"UTSMode\":\"host\"}}", -EINVAL },
                { "{\"HostConfig\":{\"UTSMode\":\"host\"}}", 0 },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_json_ json_object *req = json_tokener_parse(cases[i].request);

                assert_int_equal(create_config_options_check(req, NULL), cases[i].code);
        }
}

static void size_units(void **state)
{
        int64_t n;

        assert_int_equal(create_parse_size("1024", &n), 0);
        assert_int_equal(n, 1024);
        assert_int_equal(create_parse_size("64m", &n), 0);
        assert_int_equal(n, 64 * 1024 * 1024);
        assert_int_equal(create_parse_size("1.5k", &n), 0);
        assert_int_equal(n, 1536);
        assert_int_equal(create_parse_size("2gb", &n), 0);
        assert_int_equal(n, INT64_C(2) * 1024 * 1024 * 1024);
        assert_int_equal(create_parse_size("", &n), -EINVAL);
        assert_int_equal(create_parse_size("m", &n), -EINVAL);
        assert_int_equal(create_parse_size("5x", &n), -EINVAL);
        assert_int_equal(create_parse_size("99999999999t", &n), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(bind_parse_valid),
                cmocka_unit_test(bind_parse_invalid),
                cmocka_unit_test(name_rules),
                cmocka_unit_test(name_generated_valid),
                cmocka_unit_test(signal_names),
                cmocka_unit_test(config_flags_and_file),
                cmocka_unit_test(config_defaults),
                cmocka_unit_test(config_conflicts_rejected),
                cmocka_unit_test(config_bad_flags),
                cmocka_unit_test(create_merges_image_config),
                cmocka_unit_test(create_entrypoint_overrides),
                cmocka_unit_test(create_needs_command),
                cmocka_unit_test(create_type_errors),
                cmocka_unit_test(create_host_config_rules),
                cmocka_unit_test(create_options_rules),
                cmocka_unit_test(create_config_options_rules),
                cmocka_unit_test(size_units),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
