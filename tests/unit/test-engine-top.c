/* SPDX-License-Identifier: Apache-2.0 */
/* docker top: the check of ps_args and the reading of ps's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

#include "engine/top.h"
#include "jsonutil.h"
#include "strv.h"

static int check(const char *ps_args, char *message, size_t size)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r = top_check_ps_args(ps_args, &err);

        snprintf(message, size, "%s", r < 0 ? error_message(&err, r) : "");
        return r;
}

static void ps_args_renaming_pid_rejected(void **state)
{
        char message[256];

        assert_int_equal(check("-ef", message, sizeof(message)), 0);
        assert_int_equal(check("-o pid,comm", message, sizeof(message)), 0);
        assert_int_equal(check("-o pid=PID", message, sizeof(message)), 0);
        /* The check needs whitespace before the key, as dockerd's regexp. */
        assert_int_equal(check("user=PID", message, sizeof(message)), 0);

        assert_int_equal(check("-o pid -o user=PID", message, sizeof(message)), -EIO);
        assert_string_equal(message, "specifying \"user=PID\" is not allowed");
        assert_int_equal(check("-o pid,user=PIDX", message, sizeof(message)), -EIO);
        assert_string_equal(message, "specifying \"pid,user=PIDX\" is not allowed");
        assert_int_equal(check("-o user= PID", message, sizeof(message)), -EIO);
        assert_string_equal(message, "specifying \"user=PID\" is not allowed");
        assert_int_equal(check("-o a=b=PID", message, sizeof(message)), -EIO);
        assert_string_equal(message, "specifying \"a=b=PID\" is not allowed");
        assert_int_equal(check("-o user=pid", message, sizeof(message)), 0);
}

/* Go's strings.Split keeps the empty argument between two spaces. */
static void ps_args_split_at_each_space(void **state)
{
        _cleanup_strv_free_ char **args = top_split_ps_args("-o  pid");

        assert_int_equal(strv_length(args), 3);
        assert_string_equal(args[0], "-o");
        assert_string_equal(args[1], "");
        assert_string_equal(args[2], "pid");
}

static int parse(const char *output, const pid_t *pids, size_t n, json_object **ret, char *message, size_t size)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r = top_parse_ps_output(output, pids, n, ret, &err);

        snprintf(message, size, "%s", r < 0 ? error_message(&err, r) : "");
        return r;
}

static void output_keeps_container_pids(void **state)
{
        static const char output[] = "UID  PID  PPID  CMD\n"
                                     "root 1    0     /sbin/init splash\n"
                                     "root 42   1     sleep   1000\n"
                                     "root 43   42    sh -c  echo hi\n";
        const pid_t pids[] = { 42, 43 };
        _cleanup_json_ json_object *result = NULL;
        char message[256];

        assert_int_equal(parse(output, pids, 2, &result, message, sizeof(message)), 0);
        assert_string_equal(json_to_string(result), "{\"Processes\":[[\"root\",\"42\",\"1\",\"sleep 1000\"],"
                                                    "[\"root\",\"43\",\"42\",\"sh -c echo hi\"]],"
                                                    "\"Titles\":[\"UID\",\"PID\",\"PPID\",\"CMD\"]}");
}

/* Thread lines ("-" as PID, from ps -L or m) follow a kept process. */
static void output_keeps_threads_of_kept_process(void **state)
{
        static const char output[] = "PID TID CMD\n"
                                     "7 - other\n"
                                     "- 8 other-thread\n"
                                     "9 - sleep\n"
                                     "- 10 sleep-thread\n";
        const pid_t pids[] = { 9 };
        _cleanup_json_ json_object *result = NULL;
        char message[256];

        assert_int_equal(parse(output, pids, 1, &result, message, sizeof(message)), 0);
        assert_string_equal(json_to_string(json_object_object_get(result, "Processes")),
                            "[[\"9\",\"-\",\"sleep\"],[\"-\",\"10\",\"sleep-thread\"]]");
}

static void output_without_processes_is_null(void **state)
{
        const pid_t pids[] = { 99 };
        _cleanup_json_ json_object *result = NULL;
        char message[256];

        assert_int_equal(parse("PID CMD\n1 init\n", pids, 1, &result, message, sizeof(message)), 0);
        assert_true(json_object_object_get_ex(result, "Processes", NULL));
        assert_null(json_object_object_get(result, "Processes"));
}

static void output_errors(void **state)
{
        const pid_t pids[] = { 1 };
        json_object *result = NULL;
        char message[256];

        assert_int_equal(parse("COMMAND\nsleep\n", pids, 1, &result, message, sizeof(message)), -EIO);
        assert_string_equal(message, "Couldn't find PID field in ps output");
        assert_int_equal(parse("", pids, 1, &result, message, sizeof(message)), -EIO);
        assert_int_equal(parse("PID CMD\nabc sleep\n", pids, 1, &result, message, sizeof(message)), -EIO);
        assert_non_null(strstr(message, "Unexpected pid 'abc'"));
        assert_int_equal(parse("CMD PID\nsleep\n", pids, 1, &result, message, sizeof(message)), -EIO);
        assert_int_equal(parse("PID TTY CMD\n1 sleep\n", pids, 1, &result, message, sizeof(message)), -EIO);
        assert_string_equal(message, "Unexpected ps output line with fewer columns than titles");
        assert_null(result);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(ps_args_renaming_pid_rejected),
                cmocka_unit_test(ps_args_split_at_each_space),
                cmocka_unit_test(output_keeps_container_pids),
                cmocka_unit_test(output_keeps_threads_of_kept_process),
                cmocka_unit_test(output_without_processes_is_null),
                cmocka_unit_test(output_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
