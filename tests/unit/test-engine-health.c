/* SPDX-License-Identifier: Apache-2.0 */
/* Health checks: Config.Healthcheck, the status decisions, the log,
 * output truncation, Go durations and the JSON of State.Health. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/health.h"
#include "jsonutil.h"

#define SECOND INT64_C(1000000000)

static int parse_config(const char *text, struct health_config *ret)
{
        _cleanup_json_ json_object *obj = NULL;

        assert_int_equal(json_parse_buffer(text, strlen(text), &obj, NULL), 0);
        return health_config_from_json(obj, ret);
}

static void config_cmd_shell(void **state)
{
        struct health_config config;

        (void)state;
        assert_int_equal(parse_config("{\"Test\":[\"CMD-SHELL\",\"curl -f x || exit 1\"]}", &config), 1);
        assert_string_equal(config.probe[0], "/bin/sh");
        assert_string_equal(config.probe[1], "-c");
        assert_string_equal(config.probe[2], "curl -f x || exit 1");
        assert_null(config.probe[3]);
        assert_int_equal(config.interval_ns, HEALTH_DEFAULT_INTERVAL_NS);
        assert_int_equal(config.timeout_ns, HEALTH_DEFAULT_TIMEOUT_NS);
        assert_int_equal(config.start_period_ns, 0);
        assert_int_equal(config.retries, HEALTH_DEFAULT_RETRIES);
        health_config_clear(&config);
}

static void config_cmd_with_values(void **state)
{
        struct health_config config;

        (void)state;
        assert_int_equal(parse_config("{\"Test\":[\"CMD\",\"check\",\"-v\"],\"Interval\":2000000000,"
                                      "\"Timeout\":1000000000,\"StartPeriod\":5000000000,\"Retries\":7}",
                                      &config),
                         1);
        assert_string_equal(config.probe[0], "check");
        assert_string_equal(config.probe[1], "-v");
        assert_null(config.probe[2]);
        assert_int_equal(config.interval_ns, 2 * SECOND);
        assert_int_equal(config.timeout_ns, SECOND);
        assert_int_equal(config.start_period_ns, 5 * SECOND);
        assert_int_equal(config.retries, 7);
        health_config_clear(&config);
}

static void config_without_probe(void **state)
{
        struct health_config config;

        (void)state;
        assert_int_equal(parse_config("{}", &config), 0);
        assert_int_equal(parse_config("{\"Test\":[]}", &config), 0);
        assert_int_equal(parse_config("{\"Test\":[\"NONE\"]}", &config), 0);
        assert_int_equal(parse_config("{\"Test\":[\"BOGUS\",\"x\"]}", &config), 0);
        assert_int_equal(health_config_from_json(NULL, &config), 0);
}

static struct health_config test_config(int retries, int64_t start_period_ns)
{
        return (struct health_config){
                .interval_ns = SECOND, .timeout_ns = SECOND, .start_period_ns = start_period_ns, .retries = retries
        };
}

static bool record(struct container_health *h, const struct health_config *config, int64_t start_ns, int exit_code)
{
        struct health_result result = { .start_ns = start_ns, .end_ns = start_ns + 1, .exit_code = exit_code };

        result.output = strdup("out");
        return health_record(h, config, 0, &result);
}

static void record_success_is_healthy(void **state)
{
        struct container_health h = { 0 };
        struct health_config config = test_config(3, 0);

        (void)state;
        health_reset(&h);
        assert_true(record(&h, &config, SECOND, 0));
        assert_int_equal(h.status, HEALTH_HEALTHY);
        assert_int_equal(h.failing_streak, 0);
        assert_false(record(&h, &config, 2 * SECOND, 0));
        for (size_t i = 0; i < h.n_log; i++)
                free(h.log[i].output);
}

static void record_failures_reach_retries(void **state)
{
        struct container_health h = { 0 };
        struct health_config config = test_config(3, 0);

        (void)state;
        health_reset(&h);
        assert_false(record(&h, &config, SECOND, 1));
        assert_int_equal(h.failing_streak, 1);
        assert_false(record(&h, &config, 2 * SECOND, 2));
        assert_int_equal(h.status, HEALTH_STARTING);
        assert_true(record(&h, &config, 3 * SECOND, -1));
        assert_int_equal(h.status, HEALTH_UNHEALTHY);
        assert_int_equal(h.failing_streak, 3);
        assert_true(record(&h, &config, 4 * SECOND, 0));
        assert_int_equal(h.status, HEALTH_HEALTHY);
        assert_int_equal(h.failing_streak, 0);
        for (size_t i = 0; i < h.n_log; i++)
                free(h.log[i].output);
}

static void record_start_period(void **state)
{
        struct container_health h = { 0 };
        struct health_config config = test_config(1, 10 * SECOND);

        (void)state;
        health_reset(&h);
        /* Within the start period a failure does not count. */
        assert_false(record(&h, &config, 5 * SECOND, 1));
        assert_int_equal(h.failing_streak, 0);
        assert_int_equal(h.status, HEALTH_STARTING);
        assert_int_equal(h.n_log, 1);
        /* After it, it does. */
        assert_true(record(&h, &config, 10 * SECOND, 1));
        assert_int_equal(h.status, HEALTH_UNHEALTHY);
        for (size_t i = 0; i < h.n_log; i++)
                free(h.log[i].output);
}

static void record_start_period_after_success(void **state)
{
        struct container_health h = { 0 };
        struct health_config config = test_config(1, 10 * SECOND);

        (void)state;
        health_reset(&h);
        assert_true(record(&h, &config, SECOND, 0));
        /* Once healthy, failures count even within the start period. */
        assert_true(record(&h, &config, 2 * SECOND, 1));
        assert_int_equal(h.status, HEALTH_UNHEALTHY);
        for (size_t i = 0; i < h.n_log; i++)
                free(h.log[i].output);
}

static void log_keeps_last_five(void **state)
{
        struct container_health h = { 0 };
        struct health_config config = test_config(100, 0);

        (void)state;
        health_reset(&h);
        for (int i = 1; i <= 7; i++)
                record(&h, &config, i * SECOND, i);
        assert_int_equal(h.n_log, HEALTH_LOG_MAX);
        assert_int_equal(h.log[0].exit_code, 3);
        assert_int_equal(h.log[4].exit_code, 7);
        for (size_t i = 0; i < h.n_log; i++)
                free(h.log[i].output);
}

static void reset_keeps_log(void **state)
{
        struct container_health h = { 0 };
        struct health_config config = test_config(1, 0);

        (void)state;
        record(&h, &config, SECOND, 1);
        assert_int_equal(h.status, HEALTH_UNHEALTHY);
        health_reset(&h);
        assert_int_equal(h.status, HEALTH_STARTING);
        assert_int_equal(h.failing_streak, 0);
        assert_int_equal(h.n_log, 1);
        free(h.log[0].output);
}

static void truncate_output(void **state)
{
        char *buf = malloc(HEALTH_OUTPUT_MAX + 4);

        (void)state;
        memset(buf, 'a', HEALTH_OUTPUT_MAX + 1);
        health_truncate_output(buf, HEALTH_OUTPUT_MAX + 1);
        assert_int_equal(strlen(buf), HEALTH_OUTPUT_MAX + 3);
        assert_string_equal(buf + HEALTH_OUTPUT_MAX, "...");

        memset(buf, 'b', HEALTH_OUTPUT_MAX);
        health_truncate_output(buf, HEALTH_OUTPUT_MAX);
        assert_int_equal(strlen(buf), HEALTH_OUTPUT_MAX);

        health_truncate_output(buf, 2);
        assert_string_equal(buf, "bb");
        free(buf);
}

static void go_durations(void **state)
{
        static const struct {
                int64_t ns;
                const char *text;
        } cases[] = {
                { 0, "0s" },
                { 30 * SECOND, "30s" },
                { SECOND + SECOND / 2, "1.5s" },
                { SECOND / 2, "500ms" },
                { 1500, "1.5µs" },
                { 999, "999ns" },
                { 60 * SECOND, "1m0s" },
                { 90 * SECOND, "1m30s" },
                { 3600 * SECOND + 1, "1h0m0.000000001s" },
        };
        char buf[64];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                assert_string_equal(health_format_duration(cases[i].ns, buf, sizeof(buf)), cases[i].text);
}

static void timeout_message(void **state)
{
        char *message = health_timeout_message(SECOND);

        (void)state;
        assert_string_equal(message, "Health check exceeded timeout (1s)");
        free(message);
}

static void json_round_trip(void **state)
{
        struct container_health h = { 0 }, *back;
        struct health_config config = test_config(2, 0);
        _cleanup_json_ json_object *obj = NULL;
        json_object *log;

        (void)state;
        health_reset(&h);
        record(&h, &config, 1700000000 * SECOND, 1);
        obj = health_to_json(&h);
        assert_string_equal(json_field_string(obj, "Status", ""), "starting");
        assert_int_equal(json_field_int(obj, "FailingStreak", -1), 1);
        log = json_field_array(obj, "Log");
        assert_int_equal(json_object_array_length(log), 1);
        assert_string_equal(json_field_string(json_object_array_get_idx(log, 0), "Output", ""), "out");
        assert_int_equal(json_field_int(json_object_array_get_idx(log, 0), "ExitCode", 0), 1);

        back = health_from_json(obj);
        assert_non_null(back);
        assert_int_equal(back->status, HEALTH_STARTING);
        assert_int_equal(back->failing_streak, 1);
        assert_int_equal(back->n_log, 1);
        assert_int_equal(back->log[0].start_ns, 1700000000 * SECOND);
        health_free(back);
        free(h.log[0].output);
}

static void json_bad_status(void **state)
{
        _cleanup_json_ json_object *obj = json_tokener_parse("{\"Status\":\"bogus\"}");

        (void)state;
        assert_null(health_from_json(obj));
        assert_null(health_from_json(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(config_cmd_shell),
                cmocka_unit_test(config_cmd_with_values),
                cmocka_unit_test(config_without_probe),
                cmocka_unit_test(record_success_is_healthy),
                cmocka_unit_test(record_failures_reach_retries),
                cmocka_unit_test(record_start_period),
                cmocka_unit_test(record_start_period_after_success),
                cmocka_unit_test(log_keeps_last_five),
                cmocka_unit_test(reset_keeps_log),
                cmocka_unit_test(truncate_output),
                cmocka_unit_test(go_durations),
                cmocka_unit_test(timeout_message),
                cmocka_unit_test(json_round_trip),
                cmocka_unit_test(json_bad_status),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
