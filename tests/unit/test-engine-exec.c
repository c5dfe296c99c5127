/* SPDX-License-Identifier: Apache-2.0 */
/* The exec create request (Docker's ExecConfig) and the exec's environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

#include "engine/exec.h"
#include "jsonutil.h"
#include "strv.h"

/* Parses body (NULL for an empty one); returns the result code and fills
 * message with err's text. */
static int parse(const char *body, struct exec_config *ret, char *message, size_t size)
{
        _cleanup_json_ json_object *obj = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        if (body)
                assert_int_equal(json_parse_buffer(body, strlen(body), &obj, NULL), 0);
        r = exec_config_parse(obj, ret, &err);
        snprintf(message, size, "%s", r < 0 ? error_message(&err, r) : "");
        return r;
}

static void expect_error(const char *body, const char *message)
{
        struct exec_config config;
        char text[256];

        assert_int_equal(parse(body, &config, text, sizeof(text)), -EINVAL);
        assert_string_equal(text, message);
}

static void create_body_errors(void **state)
{
        expect_error(NULL, "got EOF while reading request body");
        expect_error("{}", "No exec command specified");
        expect_error("{\"Cmd\":[]}", "No exec command specified");
        expect_error("{\"Cmd\":null}", "No exec command specified");
        expect_error("[]", "json: cannot unmarshal array into Go value of type types.ExecConfig");
        expect_error("\"x\"", "json: cannot unmarshal value into Go value of type types.ExecConfig");
        expect_error("{\"Cmd\":\"ls\"}",
                     "json: cannot unmarshal string into Go struct field ExecConfig.Cmd of type []string");
        expect_error("{\"Cmd\":[\"ls\",1]}",
                     "json: cannot unmarshal number into Go struct field ExecConfig.Cmd of type string");
        expect_error("{\"Cmd\":[\"ls\"],\"Env\":[true]}",
                     "json: cannot unmarshal bool into Go struct field ExecConfig.Env of type string");
        expect_error("{\"Cmd\":[\"ls\"],\"Tty\":\"yes\"}",
                     "json: cannot unmarshal string into Go struct field ExecConfig.Tty of type bool");
        expect_error("{\"Cmd\":[\"ls\"],\"User\":0}",
                     "json: cannot unmarshal number into Go struct field ExecConfig.User of type string");
        expect_error("{\"Cmd\":[\"ls\"],\"DetachKeys\":[]}",
                     "json: cannot unmarshal array into Go struct field ExecConfig.DetachKeys of type string");
}

static void create_body_fields(void **state)
{
        struct exec_config config;
        char text[256];

        assert_int_equal(parse("{\"Cmd\":[\"sh\",\"-c\",\"id\"],\"Env\":[\"A=1\",\"B\"],\"User\":\"nobody\","
                               "\"WorkingDir\":\"/tmp\",\"DetachKeys\":\"ctrl-a\",\"Tty\":true,\"Privileged\":true,"
                               "\"AttachStdin\":true,\"AttachStdout\":true,\"AttachStderr\":false,\"Detach\":true,"
                               "\"Unknown\":1}",
                               &config, text, sizeof(text)),
                         0);
        assert_int_equal(strv_length(config.cmd), 3);
        assert_string_equal(config.cmd[2], "id");
        assert_int_equal(strv_length(config.env), 2);
        assert_string_equal(config.env[1], "B");
        assert_string_equal(config.user, "nobody");
        assert_string_equal(config.working_dir, "/tmp");
        assert_string_equal(config.detach_keys, "ctrl-a");
        assert_true(config.tty);
        assert_true(config.privileged);
        assert_true(config.attach_stdin);
        assert_true(config.attach_stdout);
        assert_false(config.attach_stderr);
        exec_config_clear(&config);
}

/* Empty strings and nulls are "not set", as Go's zero values are. */
static void create_body_defaults(void **state)
{
        struct exec_config config;
        char text[256];

        assert_int_equal(parse("{\"Cmd\":[\"true\"],\"User\":\"\",\"WorkingDir\":null,\"Env\":null}", &config, text,
                               sizeof(text)),
                         0);
        assert_int_equal(strv_length(config.cmd), 1);
        assert_non_null(config.env);
        assert_null(config.env[0]);
        assert_null(config.user);
        assert_null(config.working_dir);
        assert_null(config.detach_keys);
        assert_false(config.tty);
        exec_config_clear(&config);
}

static void env_set_unset_append(void **state)
{
        _cleanup_strv_free_ char **env = NULL;
        char *changes[] = { "HOSTNAME=exec", "NEW=1", "PATH", "MISSING", "NEW=2", NULL };

        assert_int_equal(strv_append(&env, "PATH=/bin"), 0);
        assert_int_equal(strv_append(&env, "HOSTNAME=abc"), 0);
        assert_int_equal(strv_append(&env, "HOME=/root"), 0);
        assert_int_equal(exec_env_apply(&env, changes), 0);

        assert_int_equal(strv_length(env), 3);
        assert_string_equal(env[0], "HOSTNAME=exec");
        assert_string_equal(env[1], "HOME=/root");
        assert_string_equal(env[2], "NEW=2");
}

/* A name is matched whole: PATH2 is another variable than PATH. */
static void env_matches_whole_names(void **state)
{
        _cleanup_strv_free_ char **env = NULL;
        char *changes[] = { "PATH2=x", "PAT", NULL };

        assert_int_equal(strv_append(&env, "PATH=/bin"), 0);
        assert_int_equal(exec_env_apply(&env, changes), 0);
        assert_int_equal(strv_length(env), 2);
        assert_string_equal(env[0], "PATH=/bin");
        assert_string_equal(env[1], "PATH2=x");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(create_body_errors),      cmocka_unit_test(create_body_fields),
                cmocka_unit_test(create_body_defaults),    cmocka_unit_test(env_set_unset_append),
                cmocka_unit_test(env_matches_whole_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
