/* SPDX-License-Identifier: Apache-2.0 */
/* Restart policies: parsing, the restart decision and the backoff, with
 * the values and messages of dockerd 20.10. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

#include "engine/restart-policy.h"
#include "jsonutil.h"

#define SECOND_NS 1000000000LL

/* Parses the RestartPolicy JSON text (NULL for none). Returns the result
 * code and fills message with err's text. */
static int parse(const char *text, struct restart_policy *ret, char *message, size_t size)
{
        _cleanup_json_ json_object *obj = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        if (text)
                assert_int_equal(json_parse_buffer(text, strlen(text), &obj, NULL), 0);
        r = restart_policy_parse(obj, ret, &err);
        snprintf(message, size, "%s", r < 0 ? error_message(&err, r) : "");
        return r;
}

static void expect_policy(const char *text, enum restart_policy_name name, int64_t max_retry_count)
{
        struct restart_policy policy = { .name = RESTART_POLICY_ALWAYS, .max_retry_count = -1 };
        char message[256];

        assert_int_equal(parse(text, &policy, message, sizeof(message)), 0);
        assert_int_equal(policy.name, name);
        assert_int_equal(policy.max_retry_count, max_retry_count);
}

static void expect_error(const char *text, const char *message)
{
        struct restart_policy policy;
        char actual[256];

        assert_int_equal(parse(text, &policy, actual, sizeof(actual)), -EINVAL);
        assert_string_equal(actual, message);
}

static void parse_valid_policies(void **state)
{
        expect_policy(NULL, RESTART_POLICY_NO, 0);
        expect_policy("null", RESTART_POLICY_NO, 0);
        expect_policy("{}", RESTART_POLICY_NO, 0);
        expect_policy("{\"Name\":\"\"}", RESTART_POLICY_NO, 0);
        /* dockerd ignores the count of an empty name. */
        expect_policy("{\"Name\":\"\",\"MaximumRetryCount\":3}", RESTART_POLICY_NO, 0);
        expect_policy("{\"Name\":\"no\"}", RESTART_POLICY_NO, 0);
        expect_policy("{\"Name\":\"always\",\"MaximumRetryCount\":0}", RESTART_POLICY_ALWAYS, 0);
        expect_policy("{\"Name\":\"unless-stopped\"}", RESTART_POLICY_UNLESS_STOPPED, 0);
        expect_policy("{\"Name\":\"on-failure\"}", RESTART_POLICY_ON_FAILURE, 0);
        expect_policy("{\"Name\":\"on-failure\",\"MaximumRetryCount\":5}", RESTART_POLICY_ON_FAILURE, 5);
        expect_policy("{\"Name\":\"on-failure\",\"MaximumRetryCount\":null}", RESTART_POLICY_ON_FAILURE, 0);
}

static void parse_invalid_policies(void **state)
{
        expect_error("{\"Name\":\"bogus\"}", "invalid restart policy 'bogus'");
        expect_error("{\"Name\":\"Always\"}", "invalid restart policy 'Always'");
        expect_error("{\"Name\":\"on-failure:3\"}", "invalid restart policy 'on-failure:3'");
        expect_error("{\"Name\":\"always\",\"MaximumRetryCount\":3}",
                     "maximum retry count cannot be used with restart policy 'always'");
        expect_error("{\"Name\":\"no\",\"MaximumRetryCount\":1}",
                     "maximum retry count cannot be used with restart policy 'no'");
        expect_error("{\"Name\":\"unless-stopped\",\"MaximumRetryCount\":-1}",
                     "maximum retry count cannot be used with restart policy 'unless-stopped'");
        expect_error("{\"Name\":\"on-failure\",\"MaximumRetryCount\":-1}", "maximum retry count cannot be negative");
        expect_error("{\"Name\":5}", "json: cannot unmarshal number into Go struct field RestartPolicy.Name of type "
                                     "string");
        expect_error(
                "{\"Name\":\"on-failure\",\"MaximumRetryCount\":\"3\"}",
                "json: cannot unmarshal string into Go struct field RestartPolicy.MaximumRetryCount of type int64");
        expect_error("\"always\"", "json: cannot unmarshal value into Go struct field HostConfig.RestartPolicy of type "
                                   "container.RestartPolicy");
        expect_error("[]", "json: cannot unmarshal array into Go struct field HostConfig.RestartPolicy of type "
                           "container.RestartPolicy");
}

static void policy_is_set(void **state)
{
        _cleanup_json_ json_object *no = json_tokener_parse("{\"Name\":\"no\"}");
        _cleanup_json_ json_object *always = json_tokener_parse("{\"Name\":\"always\"}");
        _cleanup_json_ json_object *invalid = json_tokener_parse("{\"Name\":\"bogus\"}");

        assert_false(restart_policy_is_set(NULL));
        assert_false(restart_policy_is_set(no));
        assert_true(restart_policy_is_set(always));
        assert_false(restart_policy_is_set(invalid));
}

static void decide_no_and_always(void **state)
{
        const struct restart_policy no = { .name = RESTART_POLICY_NO };
        const struct restart_policy always = { .name = RESTART_POLICY_ALWAYS };

        assert_false(restart_policy_should_restart(&no, 0, 1, false));
        assert_false(restart_policy_should_restart(&no, 0, 0, false));
        assert_true(restart_policy_should_restart(&always, 0, 0, false));
        assert_true(restart_policy_should_restart(&always, 1000, 137, false));
        /* A user's stop does not hold "always" back at daemon start. */
        assert_true(restart_policy_should_restart(&always, 0, 143, true));
}

static void decide_unless_stopped(void **state)
{
        const struct restart_policy policy = { .name = RESTART_POLICY_UNLESS_STOPPED };

        assert_true(restart_policy_should_restart(&policy, 0, 0, false));
        assert_true(restart_policy_should_restart(&policy, 7, 2, false));
        assert_false(restart_policy_should_restart(&policy, 0, 0, true));
        assert_false(restart_policy_should_restart(&policy, 0, 137, true));
}

static void decide_on_failure(void **state)
{
        const struct restart_policy unlimited = { .name = RESTART_POLICY_ON_FAILURE };
        const struct restart_policy three = { .name = RESTART_POLICY_ON_FAILURE, .max_retry_count = 3 };

        assert_false(restart_policy_should_restart(&unlimited, 0, 0, false));
        assert_true(restart_policy_should_restart(&unlimited, 0, 1, false));
        assert_true(restart_policy_should_restart(&unlimited, 100000, 255, false));
        /* dockerd ignores a user's stop for on-failure: 137 is a failure. */
        assert_true(restart_policy_should_restart(&unlimited, 0, 137, true));

        assert_true(restart_policy_should_restart(&three, 0, 3, false));
        assert_true(restart_policy_should_restart(&three, 2, 3, false));
        assert_false(restart_policy_should_restart(&three, 3, 3, false));
        assert_false(restart_policy_should_restart(&three, 4, 3, false));
        assert_false(restart_policy_should_restart(&three, 0, 0, false));
}

static void delay_doubles_to_a_minute(void **state)
{
        static const int64_t expected[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000 };
        int64_t delay = 0;

        for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
                delay = restart_delay_next(delay, 0);
                assert_int_equal(delay, expected[i]);
        }
}

static void delay_resets_after_ten_seconds(void **state)
{
        assert_int_equal(restart_delay_next(0, 0), RESTART_DELAY_FIRST_MS);
        assert_int_equal(restart_delay_next(60000, 10 * SECOND_NS), 100);
        assert_int_equal(restart_delay_next(60000, 10 * SECOND_NS - 1), 60000);
        assert_int_equal(restart_delay_next(3200, 9 * SECOND_NS), 6400);
        assert_int_equal(restart_delay_next(3200, 3600 * SECOND_NS), 100);
        /* A clock that went backwards gives a negative run: no reset. */
        assert_int_equal(restart_delay_next(400, -SECOND_NS), 800);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(parse_valid_policies),
                cmocka_unit_test(parse_invalid_policies),
                cmocka_unit_test(policy_is_set),
                cmocka_unit_test(decide_no_and_always),
                cmocka_unit_test(decide_unless_stopped),
                cmocka_unit_test(decide_on_failure),
                cmocka_unit_test(delay_doubles_to_a_minute),
                cmocka_unit_test(delay_resets_after_ten_seconds),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
