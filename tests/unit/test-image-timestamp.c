/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time filter values as Docker's GetTimestamp reads them: durations back
 * from now, dates and times with and without a zone, Unix timestamps, and
 * the errors. The expected values follow Docker 20.10's rules; the local
 * time zone is set to UTC+2 so that zone-less values are visibly local.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <time.h>

#include "image/timestamp.h"

#define SEC 1000000000LL
/* 2023-11-14T22:13:20Z plus half a second. */
#define NOW (1700000000LL * SEC + SEC / 2)

static int64_t parse(const char *value)
{
        int64_t ns = 0;
        struct error err = ERROR_INIT;

        if (timestamp_parse_docker(value, NOW, &ns, &err) < 0)
                fail_msg("\"%s\" failed: %s", value, err.message);
        error_clear(&err);
        return ns;
}

static void durations(void **state)
{
        (void)state;
        /* Counted back from now and cut to whole seconds. */
        assert_int_equal(parse("24h"), (1700000000LL - 86400) * SEC);
        assert_int_equal(parse("1h30m"), (1700000000LL - 5400) * SEC);
        assert_int_equal(parse("1.5s"), 1699999999LL * SEC);
        assert_int_equal(parse("-1h"), (1700000000LL + 3600) * SEC);
        assert_int_equal(parse("500ms"), 1700000000LL * SEC);
}

static void dates_and_times(void **state)
{
        (void)state;
        assert_int_equal(parse("2023-11-14T22:13:20Z"), 1700000000LL * SEC);
        assert_int_equal(parse("2023-11-14T22:13:20.25Z"), 1700000000LL * SEC + SEC / 4);
        assert_int_equal(parse("2023-11-15T00:13:20+02:00"), 1700000000LL * SEC);
        assert_int_equal(parse("2023-11-14T21:13:20-01:00"), 1700000000LL * SEC);
        assert_int_equal(parse("2023-11-14T22Z"), (1700000000LL - 800) * SEC);
        assert_int_equal(parse("2023-11-14T22:13Z"), (1700000000LL - 20) * SEC);
        /* Without a zone, the daemon's local zone (UTC+2 here). */
        assert_int_equal(parse("2023-11-15T00:13:20"), 1700000000LL * SEC);
        assert_int_equal(parse("2023-11-15"), (1700000000LL - 800) * SEC);
        assert_int_equal(parse("2023-11-15T00"), (1700000000LL - 800) * SEC);
}

static void unix_timestamps(void **state)
{
        (void)state;
        assert_int_equal(parse("1700000000"), 1700000000LL * SEC);
        assert_int_equal(parse("1700000000.5"), 1700000000LL * SEC + SEC / 2);
        /* "0" is the epoch, not a zero duration. */
        assert_int_equal(parse("0"), 0);
}

static void invalid_values(void **state)
{
        static const char *const values[] = {
                "yesterday", "2023-13-01", "2023-02-30", "2023-11-14T25:00Z", "2023-11-14T22:13:20.Z", "12h30", ""
        };

        (void)state;
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                struct error err = ERROR_INIT;
                int64_t ns;

                assert_int_equal(timestamp_parse_docker(values[i], NOW, &ns, &err), -EINVAL);
                assert_non_null(err.message);
                error_clear(&err);
        }
}

static void invalid_value_messages(void **state)
{
        struct error err = ERROR_INIT;
        int64_t ns;

        (void)state;
        assert_int_equal(timestamp_parse_docker("yesterday", NOW, &ns, &err), -EINVAL);
        assert_string_equal(err.message, "failed to parse value as time or duration: \"yesterday\"");
        error_clear(&err);
        assert_int_equal(timestamp_parse_docker("2023-13-01", NOW, &ns, &err), -EINVAL);
        assert_string_equal(err.message, "parsing time \"2023-13-01\": month out of range");
        error_clear(&err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(durations),
                cmocka_unit_test(dates_and_times),
                cmocka_unit_test(unix_timestamps),
                cmocka_unit_test(invalid_values),
                cmocka_unit_test(invalid_value_messages),
        };

        /* POSIX TZ: "UTC-2" is two hours east of UTC. */
        setenv("TZ", "UTC-2", 1);
        tzset();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
