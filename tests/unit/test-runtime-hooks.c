/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "fsutil.h"
#include "runtime/hooks.h"
#include "runtime/spec.h"

#define HEAD "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"

static struct runtime_spec *parse_ok(const char *text)
{
        struct error err = ERROR_INIT;
        struct runtime_spec *spec = NULL;
        int r = runtime_spec_parse(text, strlen(text), &spec, &err);

        if (r < 0)
                fail_msg("parse failed: %s", error_message(&err, r));
        error_clear(&err);
        return spec;
}

static void parse_fails(const char *text, const char *message)
{
        struct error err = ERROR_INIT;
        struct runtime_spec *spec = NULL;
        int r = runtime_spec_parse(text, strlen(text), &spec, &err);

        assert_int_equal(r, -EINVAL);
        assert_non_null(strstr(error_message(&err, r), message));
        error_clear(&err);
}

static void hooks_parsed_per_kind(void **state)
{
        struct runtime_spec *spec =
                parse_ok(HEAD "\"hooks\":{\"prestart\":[{\"path\":\"/a\"},{\"path\":\"/b\",\"args\":[\"b\",\"1\"],"
                              "\"env\":[\"X=1\"],\"timeout\":5}],\"createRuntime\":[{\"path\":\"/c\"}],"
                              "\"poststop\":[],\"unknownKind\":[{\"path\":\"x\"}]},"
                              "\"annotations\":{\"k\":\"v\"}}");

        assert_int_equal(spec->n_hooks[RUNTIME_HOOK_PRESTART], 2);
        assert_string_equal(spec->hooks[RUNTIME_HOOK_PRESTART][0].path, "/a");
        assert_null(spec->hooks[RUNTIME_HOOK_PRESTART][0].args);
        assert_null(spec->hooks[RUNTIME_HOOK_PRESTART][0].env);
        assert_int_equal(spec->hooks[RUNTIME_HOOK_PRESTART][0].timeout_s, 0);
        assert_string_equal(spec->hooks[RUNTIME_HOOK_PRESTART][1].args[1], "1");
        assert_string_equal(spec->hooks[RUNTIME_HOOK_PRESTART][1].env[0], "X=1");
        assert_int_equal(spec->hooks[RUNTIME_HOOK_PRESTART][1].timeout_s, 5);
        assert_int_equal(spec->n_hooks[RUNTIME_HOOK_CREATE_RUNTIME], 1);
        assert_int_equal(spec->n_hooks[RUNTIME_HOOK_POSTSTOP], 0);
        assert_false(runtime_hooks_any(spec, RUNTIME_HOOK_POSTSTART));
        assert_string_equal(spec->annotations[0], "k");
        assert_string_equal(spec->annotations[1], "v");
        runtime_spec_free(spec);
}

static void hooks_invalid_rejected(void **state)
{
        parse_fails(HEAD "\"hooks\":{\"prestart\":[{\"path\":\"bin/x\"}]}}",
                    "hooks.prestart[0].path: must be an absolute");
        parse_fails(HEAD "\"hooks\":{\"poststart\":[{}]}}", "hooks.poststart[0].path: missing");
        parse_fails(HEAD "\"hooks\":{\"poststop\":[{\"path\":\"/x\",\"timeout\":-1}]}}",
                    "hooks.poststop[0].timeout: must be greater than zero");
        parse_fails(HEAD "\"hooks\":{\"poststop\":[{\"path\":\"/x\",\"timeout\":\"1\"}]}}",
                    "hooks.poststop[0].timeout");
        parse_fails(HEAD "\"hooks\":{\"startContainer\":{\"path\":\"/x\"}}}", "hooks.startContainer");
        parse_fails(HEAD "\"hooks\":{\"createContainer\":[{\"path\":\"/x\",\"args\":\"x\"}]}}",
                    "hooks.createContainer[0].args");
        parse_fails(HEAD "\"annotations\":{\"k\":1}}", "annotations.k must be a string");
}

static void state_json_has_oci_fields(void **state)
{
        char *annotations[] = { "a", "1", NULL };
        struct runtime_state st = {
                .id = "c1", .status = "created", .pid = 42, .bundle = "/b", .annotations = annotations
        };
        char *json = runtime_state_to_json(&st);

        assert_string_equal(json, "{\"ociVersion\":\"" RUNTIME_OCI_VERSION "\",\"id\":\"c1\",\"status\":\"created\","
                                  "\"pid\":42,\"bundle\":\"/b\",\"annotations\":{\"a\":\"1\"}}");
        free(json);

        st = (struct runtime_state){ .id = "c1", .status = "stopped", .bundle = "/b" };
        json = runtime_state_to_json(&st);
        assert_string_equal(json, "{\"ociVersion\":\"" RUNTIME_OCI_VERSION "\",\"id\":\"c1\",\"status\":\"stopped\","
                                  "\"bundle\":\"/b\"}");
        free(json);
}

static int run_hook(const char *script, int timeout_s, char **env, struct error *err)
{
        char *args[] = { "sh", "-c", (char *)script, NULL };
        struct runtime_hook hook = { .path = "/bin/sh", .args = args, .env = env, .timeout_s = timeout_s };

        return runtime_hook_run(&hook, "{\"id\":\"x\"}", err);
}

static void hook_gets_state_and_env(void **state)
{
        char dir[] = "/tmp/test-runtime-hooks.XXXXXX";
        char script[256], path[64], *env[] = { "ONLY=this", NULL };
        struct error err = ERROR_INIT;
        char *text = NULL;

        assert_non_null(mkdtemp(dir));
        snprintf(script, sizeof(script), "{ cat; env | grep -v PWD=; } >%s/out", dir);
        assert_int_equal(run_hook(script, 0, env, &err), 0);
        snprintf(path, sizeof(path), "%s/out", dir);
        assert_int_equal(fs_read_file_at(AT_FDCWD, path, 4096, &text, NULL), 0);
        assert_string_equal(text, "{\"id\":\"x\"}ONLY=this\n");
        free(text);
        snprintf(script, sizeof(script), "rm -rf %s", dir);
        assert_int_equal(system(script), 0);
}

static void hook_failure_has_output(void **state)
{
        struct error err = ERROR_INIT;

        assert_int_equal(run_hook("echo out; echo err >&2; exit 3", 0, NULL, &err), -EIO);
        assert_string_equal(error_message(&err, -EIO), "exit status 3, stdout: out\n, stderr: err\n");
        error_clear(&err);

        assert_int_equal(run_hook("kill -9 $$", 0, NULL, &err), -EIO);
        assert_string_equal(error_message(&err, -EIO), "killed by signal 9, stdout: , stderr: ");
        error_clear(&err);
}

static void hook_output_keeps_the_end(void **state)
{
        struct error err = ERROR_INIT;

        /* 100 KiB of output: the hook never blocks on a full pipe, and the
         * message keeps only the last 2 KiB. */
        assert_int_equal(run_hook("head -c 102400 /dev/zero | tr '\\0' a; echo END; exit 1", 0, NULL, &err), -EIO);
        assert_non_null(strstr(error_message(&err, -EIO), "aaaaEND\n, stderr: "));
        assert_true(strlen(error_message(&err, -EIO)) < 2100 + 40);
        error_clear(&err);
}

static void hook_timeout_kills_it(void **state)
{
        struct error err = ERROR_INIT;

        assert_int_equal(run_hook("sleep 20", 1, NULL, &err), -ETIME);
        assert_string_equal(error_message(&err, -ETIME), "ran past its timeout of 1 seconds");
        error_clear(&err);
}

static void hook_missing_binary(void **state)
{
        struct runtime_hook hook = { .path = "/nonexistent/hook" };
        struct error err = ERROR_INIT;

        assert_int_equal(runtime_hook_run(&hook, "{}", &err), -EIO);
        assert_string_equal(error_message(&err, -EIO), "failed to start /nonexistent/hook: No such file or directory");
        error_clear(&err);
}

static void hooks_run_in_order_and_stop(void **state)
{
        struct runtime_spec *spec =
                parse_ok(HEAD "\"hooks\":{\"poststart\":[{\"path\":\"/bin/true\"},{\"path\":\"/bin/false\"},"
                              "{\"path\":\"/nonexistent\"}]}}");
        struct runtime_state st = { .id = "c", .status = "running", .pid = 1, .bundle = "/b" };
        struct error err = ERROR_INIT;

        assert_int_equal(runtime_hooks_run(spec, RUNTIME_HOOK_POSTSTART, &st, &err), -EIO);
        assert_string_equal(error_message(&err, -EIO),
                            "error running poststart hook #1 (/bin/false): exit status 1, stdout: , stderr: ");
        error_clear(&err);
        assert_int_equal(runtime_hooks_run(spec, RUNTIME_HOOK_POSTSTOP, &st, &err), 0);
        runtime_spec_free(spec);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(hooks_parsed_per_kind),       cmocka_unit_test(hooks_invalid_rejected),
                cmocka_unit_test(state_json_has_oci_fields),   cmocka_unit_test(hook_gets_state_and_env),
                cmocka_unit_test(hook_failure_has_output),     cmocka_unit_test(hook_output_keeps_the_end),
                cmocka_unit_test(hook_timeout_kills_it),       cmocka_unit_test(hook_missing_binary),
                cmocka_unit_test(hooks_run_in_order_and_stop),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
