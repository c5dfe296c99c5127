/* SPDX-License-Identifier: Apache-2.0 */
/* The changes of "docker import --change", with the configs and messages
 * Docker Engine 20.10 produced for the same input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

#include "image/changes.h"
#include "image/changes-internal.h"
#include "image/jsonmessage.h"
#include "image/shellword.h"
#include "jsonutil.h"
#include "strv.h"

#define TTY "\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,"

struct change_case {
        const char *changes[12];
        const char *config; /* expected JSON, or NULL when an error is expected */
        const char *message;
};

static const struct change_case cases[] = {
        { { "CMD echo hi", "ENTRYPOINT [\"a\",\"b\"]", "ENV A=1 B=\"x y\"", "ENV C 2 3", "EXPOSE 80 53/udp",
            "LABEL a=b \"c d\"=e", "USER u:g", "VOLUME /a /b", "VOLUME [\"/c\"]", "WORKDIR /w", "WORKDIR rel",
            "ONBUILD RUN x" },
          "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"u:g\",\"AttachStdin\":false,\"AttachStdout\":false,"
          "\"AttachStderr\":false,\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}}," TTY
          "\"Env\":[\"A=1\",\"B=x y\",\"C=2 3\"],\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"],\"Image\":\"\","
          "\"Volumes\":{\"/a\":{},\"/b\":{},\"/c\":{}},\"WorkingDir\":\"/w/rel\",\"Entrypoint\":[\"a\",\"b\"],"
          "\"OnBuild\":[\"RUN x\"],\"Labels\":{\"a\":\"b\",\"c d\":\"e\"}}",
          NULL },
        { { "RUN x" }, NULL, "run is not a valid change command" },
        { { "FROM x" }, NULL, "from is not a valid change command" },
        { { "BOGUS x" }, NULL, "bogus is not a valid change command" },
        { { "" }, NULL, "file with no instructions" },
        { { "  " }, NULL, "file with no instructions" },
        { { "ENV" }, NULL, "ENV requires at least one argument" },
        { { "ENV a" }, NULL, "ENV must have two arguments" },
        { { "EXPOSE" }, NULL, "EXPOSE requires at least one argument" },
        { { "EXPOSE abc" }, NULL, "Invalid containerPort: abc" },
        { { "EXPOSE 81-80" }, NULL, "Invalid containerPort: 81-80" },
        { { "EXPOSE 70000" }, NULL, "Invalid containerPort: 70000" },
        { { "EXPOSE 80/xyz" }, NULL, "Invalid proto: xyz" },
        { { "LABEL" }, NULL, "LABEL requires at least one argument" },
        { { "LABEL a" }, NULL, "LABEL must have two arguments" },
        { { "USER" }, NULL, "USER requires exactly one argument" },
        { { "VOLUME" }, NULL, "VOLUME requires at least one argument" },
        { { "VOLUME []" }, NULL, "VOLUME requires at least one argument" },
        { { "VOLUME \"\"" }, NULL, "VOLUME specified can not be an empty string" },
        { { "WORKDIR" }, NULL, "WORKDIR requires exactly one argument" },
        { { "ONBUILD" }, NULL, "ONBUILD requires at least one argument" },
        { { "ONBUILD FROM x" }, NULL, "FROM isn't allowed as an ONBUILD trigger" },
        { { "ONBUILD ONBUILD x" }, NULL, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed" },
        { { "ONBUILD MAINTAINER x" }, NULL, "MAINTAINER isn't allowed as an ONBUILD trigger" },
        { { "CMD [\"a\", 1]" }, NULL, "when using JSON array syntax, arrays must be comprised of strings only" },
        { { "CMD [1]" }, NULL, "when using JSON array syntax, arrays must be comprised of strings only" },
        { { "CMD --foo x" }, NULL, "Unknown flag: foo" },
        { { "HEALTHCHECK --interval=5 CMD true" }, NULL, "time: missing unit in duration \"5\"" },
        { { "HEALTHCHECK CMD" }, NULL, "Missing command after HEALTHCHECK CMD" },
        { { "HEALTHCHECK NONE x" }, NULL, "HEALTHCHECK NONE takes no arguments" },
        { { "HEALTHCHECK FOO x" }, NULL, "Unknown type \"FOO\" in HEALTHCHECK (try CMD)" },
        { { "HEALTHCHECK --retries=0 CMD x" }, NULL, "--retries must be at least 1 (not 0)" },
        { { "HEALTHCHECK --interval=1ns CMD x" }, NULL, "Interval \"interval\" cannot be less than 1ms" },
        { { "HEALTHCHECK --foo=1 CMD x" }, NULL, "Unknown flag: foo" },
        { { "HEALTHCHECK --interval CMD x" }, NULL, "Missing a value on flag: interval" },
        { { "ENV a=\"unterminated" },
          NULL,
          "failed to process \"\\\"unterminated\": unexpected end of statement while looking for matching "
          "double-quote" },
        { { "STOPSIGNAL SIGNOPE" }, NULL, "Invalid signal: SIGNOPE" },
};

/* Compares only the members the expected JSON names, in its order. */
static void assert_config(const char *const *changes, const char *expected)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *config = NULL;
        size_t n = 0;
        int r;

        while (n < 12 && changes[n])
                n++;
        {
                char *list[13];

                memcpy(list, changes, n * sizeof(char *));
                list[n] = NULL;
                r = changes_apply(list, &config, &err);
        }
        if (r < 0)
                fail_msg("changes \"%s\" failed: %s", changes[0], err.message);
        if (strncmp(json_to_string(config), expected, strlen(expected)) != 0)
                fail_msg("changes \"%s\":\n got %s\nwant %s", changes[0], json_to_string(config), expected);
}

static void assert_error(const char *const *changes, const char *message)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *config = NULL;
        char *list[13] = { 0 };
        size_t n = 0;

        while (n < 12 && changes[n]) {
                list[n] = (char *)changes[n];
                n++;
        }
        if (changes_apply(list, &config, &err) >= 0)
                fail_msg("changes \"%s\" were accepted", changes[0]);
        assert_string_equal(err.message, message);
}

static void changes_table(void **state)
{
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                if (cases[i].config)
                        assert_config(cases[i].changes, cases[i].config);
                else
                        assert_error(cases[i].changes, cases[i].message);
        }
}

static void changes_expansion(void **state)
{
        static const char *const changes[] = { "ENV A=1 B=2", "WORKDIR /$A/${B:-z}/${C:-z}/${B:+p}",
                                               "LABEL x=$A",  "# comment",
                                               "USER $B",     "VOLUME /v$A",
                                               "EXPOSE 8$A",  "CMD echo $A \\",
                                               "more",        NULL };
        _cleanup_json_ json_object *config = NULL;

        assert_int_equal(changes_apply((char **)changes, &config, NULL), 0);
        assert_string_equal(json_field_string(config, "WorkingDir", ""), "/1/2/z/p");
        assert_string_equal(json_field_string(json_field_object(config, "Labels"), "x", ""), "1");
        assert_string_equal(json_field_string(config, "User", ""), "2");
        assert_non_null(json_field_object(json_field_object(config, "Volumes"), "/v1"));
        assert_non_null(json_field_object(json_field_object(config, "ExposedPorts"), "81/tcp"));
        assert_string_equal(json_to_string(json_field_array(config, "Cmd")), "[\"/bin/sh\",\"-c\",\"echo $A more\"]");
}

static void changes_command_forms(void **state)
{
        static const struct {
                const char *change, *key, *json;
        } forms[] = {
                { "CMD", "Cmd", "[\"/bin/sh\",\"-c\"]" },
                { "CMD []", "Cmd", "[]" },
                { "CMD [\"a\"] junk", "Cmd", "[\"a\"]" },
                { "CMD [\"a\" 1]", "Cmd", "[\"/bin/sh\",\"-c\",\"[\\\"a\\\" 1]\"]" },
                { "ENTRYPOINT", "Entrypoint", "null" },
                { "ENTRYPOINT []", "Entrypoint", "null" },
                { "cmd x", "Cmd", "[\"/bin/sh\",\"-c\",\"x\"]" },
                { "ENV A=1 A=2", "Env", "[\"A=2\"]" },
                { "ENV \"a b\"=c", "Env", "[\"a b=c\"]" },
                { "ENV A=\"a\\\"b\" B=\\$x C='s q' D=${A}-$A", "Env", "[\"A=a\\\"b\",\"B=$x\",\"C=s q\",\"D=-\"]" },
                { "LABEL a b c", "Labels", "{\"a\":\"b c\"}" },
                { "USER a b", "User", "\"a b\"" },
                { "WORKDIR /a/../b//", "WorkingDir", "\"/a/../b//\"" },
                { "EXPOSE 80 80/tcp 1-3/udp", "ExposedPorts",
                  "{\"1/udp\":{},\"2/udp\":{},\"3/udp\":{},\"80/tcp\":{}}" },
                { "EXPOSE 8080:80", "ExposedPorts", "{\"80/tcp\":{}}" },
                { "EXPOSE 80/UDP", "ExposedPorts", "{\"80/udp\":{}}" },
                { "ONBUILD bogus x", "OnBuild", "[\"bogus x\"]" },
                { "HEALTHCHECK NONE", "Healthcheck", "{\"Test\":[\"NONE\"]}" },
                { "HEALTHCHECK --interval=5s --retries=3 CMD [\"true\",\"x\"]", "Healthcheck",
                  "{\"Test\":[\"CMD\",\"true\",\"x\"],\"Interval\":5000000000,\"Retries\":3}" },
                { "HEALTHCHECK --timeout=1m30s CMD true", "Healthcheck",
                  "{\"Test\":[\"CMD-SHELL\",\"true\"],\"Timeout\":90000000000}" },
                { "STOPSIGNAL SIGKILL", "StopSignal", "\"SIGKILL\"" },
                { "STOPSIGNAL 9", "StopSignal", "\"9\"" },
        };

        for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_json_ json_object *config = NULL;
                char *list[] = { (char *)forms[i].change, NULL };
                json_object *value = NULL;
                int r = changes_apply(list, &config, &err);

                if (r < 0)
                        fail_msg("\"%s\" failed: %s", forms[i].change, err.message);
                json_object_object_get_ex(config, forms[i].key, &value);
                if (strcmp(value ? json_to_string(value) : "null", forms[i].json) != 0)
                        fail_msg("\"%s\": %s is %s, want %s", forms[i].change, forms[i].key,
                                 value ? json_to_string(value) : "null", forms[i].json);
        }
}

static void changes_entrypoint_resets_cmd(void **state)
{
        char *cmd_first[] = { "CMD x", "ENTRYPOINT y", NULL };
        char *entrypoint_first[] = { "ENTRYPOINT y", NULL };
        _cleanup_json_ json_object *a = NULL, *b = NULL;

        assert_int_equal(changes_apply(cmd_first, &a, NULL), 0);
        assert_string_equal(json_to_string(json_field_array(a, "Cmd")), "[\"/bin/sh\",\"-c\",\"x\"]");
        assert_int_equal(changes_apply(entrypoint_first, &b, NULL), 0);
        assert_null(json_field_array(b, "Cmd"));
        assert_string_equal(json_to_string(json_field_array(b, "Entrypoint")), "[\"/bin/sh\",\"-c\",\"y\"]");
}

static void changes_escape_directive(void **state)
{
        char *changes[] = { "# escape=`", "ENV A=x`", "y", NULL };
        _cleanup_json_ json_object *config = NULL;

        assert_int_equal(changes_apply(changes, &config, NULL), 0);
        assert_string_equal(json_to_string(json_field_array(config, "Env")), "[\"A=xy\"]");
}

static void duration_parsing(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int64_t ns = 0;

        assert_int_equal(changes_parse_duration("1h2m3.5s", &ns, NULL), 0);
        assert_int_equal(ns, INT64_C(3723500000000));
        assert_int_equal(changes_parse_duration("250ms", &ns, NULL), 0);
        assert_int_equal(ns, 250000000);
        assert_int_equal(changes_parse_duration("0", &ns, NULL), 0);
        assert_int_equal(ns, 0);
        assert_int_equal(changes_parse_duration("5x", &ns, &err), -EINVAL);
        assert_string_equal(err.message, "time: unknown unit \"x\" in duration \"5x\"");
        error_clear(&err);
        assert_int_equal(changes_parse_duration("", &ns, &err), -EINVAL);
        assert_string_equal(err.message, "time: invalid duration \"\"");
}

static void shellword_words(void **state)
{
        char *env[] = { "P=80 443", NULL };
        _cleanup_strv_free_ char **words = NULL;

        assert_int_equal(shellword_process_words("$P \"8 9\"", env, '\\', &words, NULL), 0);
        assert_int_equal(strv_length(words), 3);
        assert_string_equal(words[0], "80");
        assert_string_equal(words[1], "443");
        assert_string_equal(words[2], "8 9");
}

static void jsonmessage_bytes(void **state)
{
        _cleanup_free_ char *stream = jsonmessage_stream("Loaded image: a:b\n");
        _cleanup_free_ char *error = jsonmessage_error("bad <thing> & more");
        _cleanup_free_ char *progress = jsonmessage_progress("87ec56b4d7ee", "Loading layer", 32768, 3010560);
        _cleanup_free_ char *done = jsonmessage_progress("87ec56b4d7ee", "Loading layer", 3010560, 3010560);

        assert_string_equal(stream, "{\"stream\":\"Loaded image: a:b\\n\"}\r\n");
        assert_string_equal(error, "{\"errorDetail\":{\"message\":\"bad \\u003cthing\\u003e \\u0026 more\"},"
                                   "\"error\":\"bad \\u003cthing\\u003e \\u0026 more\"}\r\n");
        /* The bytes dockerd 20.10 sent for the same layer. */
        assert_string_equal(progress, "{\"status\":\"Loading layer\",\"progressDetail\":{\"current\":32768,\"total\":"
                                      "3010560},\"progress\":\"[\\u003e                                            "
                                      "      ]  32.77kB/3.011MB\",\"id\":\"87ec56b4d7ee\"}\r\n");
        assert_string_equal(done, "{\"status\":\"Loading layer\",\"progressDetail\":{\"current\":3010560,\"total\":"
                                  "3010560},\"progress\":\"[==================================================\\u003e]"
                                  "  3.011MB/3.011MB\",\"id\":\"87ec56b4d7ee\"}\r\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(changes_table),
                cmocka_unit_test(changes_expansion),
                cmocka_unit_test(changes_command_forms),
                cmocka_unit_test(changes_entrypoint_resets_cmd),
                cmocka_unit_test(changes_escape_directive),
                cmocka_unit_test(duration_parsing),
                cmocka_unit_test(shellword_words),
                cmocka_unit_test(jsonmessage_bytes),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
