/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "base64.h"
#include "error.h"
#include "fsutil.h"
#include "idutil.h"
#include "jsonutil.h"
#include "strv.h"
#include "timeutil.h"

static void rfc3339_trims_zeros(void **state)
{
        char buf[TIMEUTIL_RFC3339_MAX];

        assert_string_equal(timeutil_format_rfc3339(INT64_C(1700000000123400000), buf, sizeof(buf)),
                            "2023-11-14T22:13:20.1234Z");
        assert_string_equal(timeutil_format_rfc3339(INT64_C(1700000000000000000), buf, sizeof(buf)),
                            "2023-11-14T22:13:20Z");
        assert_string_equal(timeutil_format_rfc3339(0, buf, sizeof(buf)), "0001-01-01T00:00:00Z");
}

/* Consecutive calls within one second and across seconds, which reuse or
 * replace the cached second. */
static void rfc3339_format_sequence(void **state)
{
        char buf[TIMEUTIL_RFC3339_MAX];

        assert_string_equal(timeutil_format_rfc3339(INT64_C(1700000000123400000), buf, sizeof(buf)),
                            "2023-11-14T22:13:20.1234Z");
        assert_string_equal(timeutil_format_rfc3339(INT64_C(1700000000000000001), buf, sizeof(buf)),
                            "2023-11-14T22:13:20.000000001Z");
        assert_string_equal(timeutil_format_rfc3339(INT64_C(1700000001000000000), buf, sizeof(buf)),
                            "2023-11-14T22:13:21Z");
        assert_string_equal(timeutil_format_rfc3339(-1, buf, sizeof(buf)), "1969-12-31T23:59:59.999999999Z");
        assert_string_equal(timeutil_format_rfc3339(INT64_C(1700000000500000000), buf, sizeof(buf)),
                            "2023-11-14T22:13:20.5Z");
        assert_string_equal(timeutil_format_rfc3339(INT64_C(1700000000500000000), buf, 8), "2023-11");
}

static void rfc3339_round_trip(void **state)
{
        int64_t ns;

        assert_int_equal(timeutil_parse_rfc3339("2023-11-14T22:13:20.1234Z", &ns), 0);
        assert_int_equal(ns, INT64_C(1700000000123400000));
        assert_int_equal(timeutil_parse_rfc3339("2023-11-14T23:13:20+01:00", &ns), 0);
        assert_int_equal(ns, INT64_C(1700000000000000000));
        assert_int_equal(timeutil_parse_rfc3339("0001-01-01T00:00:00Z", &ns), 0);
        assert_int_equal(ns, 0);
}

/* Every day from 1678 to 2261, with days past the end of a month, parses
 * to what timegm() gives. */
static void rfc3339_matches_timegm(void **state)
{
        for (int year = 1678; year <= 2261; year++)
                for (int month = 1; month <= 12; month++)
                        for (int day = 1; day <= 31; day++) {
                                struct tm tm = { .tm_year = year - 1900,
                                                 .tm_mon = month - 1,
                                                 .tm_mday = day,
                                                 .tm_hour = 23,
                                                 .tm_min = 59,
                                                 .tm_sec = 60 };
                                char text[64];
                                int64_t ns;

                                snprintf(text, sizeof(text), "%04d-%02d-%02dT23:59:60.5Z", year, month, day);
                                assert_int_equal(timeutil_parse_rfc3339(text, &ns), 0);
                                assert_int_equal(ns, (int64_t)timegm(&tm) * INT64_C(1000000000) + 500000000);
                        }
}

static void rfc3339_rejects_garbage(void **state)
{
        int64_t ns;

        assert_int_equal(timeutil_parse_rfc3339("2023-11-14", &ns), -EINVAL);
        assert_int_equal(timeutil_parse_rfc3339("2023-13-14T00:00:00Z", &ns), -EINVAL);
        assert_int_equal(timeutil_parse_rfc3339("2023-11-14T00:00:00Zjunk", &ns), -EINVAL);
        assert_int_equal(timeutil_parse_rfc3339("", &ns), -EINVAL);
        assert_int_equal(timeutil_parse_rfc3339("9999-01-01T00:00:00Z", &ns), -ERANGE);
}

static void timestamp_unix_seconds(void **state)
{
        int64_t ns;

        assert_int_equal(timeutil_parse_timestamp("1700000000.5", &ns), 0);
        assert_int_equal(ns, INT64_C(1700000000500000000));
        assert_int_equal(timeutil_parse_timestamp("1700000000", &ns), 0);
        assert_int_equal(ns, INT64_C(1700000000000000000));
        assert_int_equal(timeutil_parse_timestamp("12x", &ns), -EINVAL);
        assert_int_equal(timeutil_parse_timestamp("", &ns), -EINVAL);
}

static void strv_split_and_append(void **state)
{
        _cleanup_strv_free_ char **v = strv_split("a::b:", ":", false);

        assert_non_null(v);
        assert_int_equal(strv_length(v), 2);
        assert_string_equal(v[0], "a");
        assert_string_equal(v[1], "b");
        assert_int_equal(strv_append(&v, "c"), 0);
        assert_true(strv_contains(v, "c"));
        assert_false(strv_contains(v, "d"));
}

static void strv_remove_keeps_order(void **state)
{
        _cleanup_strv_free_ char **v = strv_split("a:b:c:b", ":", false);

        assert_non_null(v);
        assert_true(strv_remove(v, "b"));
        assert_int_equal(strv_length(v), 3);
        assert_string_equal(v[0], "a");
        assert_string_equal(v[1], "c");
        assert_string_equal(v[2], "b");
        assert_false(strv_remove(v, "d"));
        assert_int_equal(strv_length(v), 3);
        assert_false(strv_remove(NULL, "a"));
}

static void id_generate_is_hex(void **state)
{
        char id[ID_LENGTH + 1];

        assert_int_equal(id_generate(id), 0);
        assert_true(id_is_hex(id, ID_LENGTH));
        assert_true(id_is_prefix("abc"));
        assert_false(id_is_prefix("ABC"));
        assert_false(id_is_prefix(""));
}

static void error_keeps_first_cause(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;

        assert_int_equal(error_set(&err, -ENOENT, "No such container: %s", "x"), -ENOENT);
        assert_int_equal(error_set(&err, -EINVAL, "later"), -EINVAL);
        assert_string_equal(err.message, "No such container: x");
        assert_int_equal(err.code, -ENOENT);
        error_prefix(&err, -EIO, "start");
        assert_string_equal(err.message, "start: No such container: x");
        assert_int_equal(error_set(NULL, -EPERM, "ignored"), -EPERM);
}

static void json_parse_strict(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *obj = NULL;

        assert_int_equal(json_parse_buffer("{\"a\":1} ", 8, &obj, &err), 0);
        assert_int_equal(json_field_int(obj, "a", 0), 1);
        json_object_put(obj);

        assert_int_equal(json_parse_buffer("123", 3, &obj, &err), 0);
        assert_int_equal(json_object_get_int(obj), 123);
        json_object_put(obj);
        assert_int_equal(json_parse_buffer("true", 4, &obj, &err), 0);
        assert_true(json_object_get_boolean(obj));
        json_object_put(obj);
        assert_int_equal(json_parse_buffer("null", 4, &obj, &err), 0);
        assert_null(obj);

        assert_int_equal(json_parse_buffer("{\"a\":1} x", 10, &obj, &err), -EINVAL);
        error_clear(&err);
        assert_int_equal(json_parse_buffer("{\"a\":", 5, &obj, &err), -EINVAL);
        assert_string_equal(err.message, "unexpected end of JSON input");
}

static void json_field_type_check(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *obj = json_tokener_parse("{\"Cmd\":5,\"Tty\":true}");

        assert_int_equal(json_field_check(obj, "Tty", json_type_boolean, "Config", &err), 0);
        assert_int_equal(json_field_check(obj, "Cmd", json_type_array, "Config", &err), -EINVAL);
        assert_string_equal(err.message,
                            "json: cannot unmarshal number into Go struct field Config.Cmd of type []string");
}

static void atomic_write_replaces(void **state)
{
        char dir[] = "/tmp/test-common.XXXXXX";
        _cleanup_free_ char *content = NULL;
        _cleanup_close_ int dirfd = -1;

        assert_non_null(mkdtemp(dir));
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dirfd >= 0);

        assert_int_equal(fs_write_atomic_at(dirfd, "f", "one", 3, 0600), 0);
        assert_int_equal(fs_write_atomic_at(dirfd, "f", "two", 3, 0600), 0);
        assert_int_equal(fs_read_file_at(dirfd, "f", 100, &content, NULL), 0);
        assert_string_equal(content, "two");
        assert_int_equal(fs_read_file_at(dirfd, "f", 2, &content, NULL), -EFBIG);

        assert_int_equal(fs_mkdir_at(dirfd, "sub", 0700), 0);
        assert_int_equal(fs_write_atomic_at(dirfd, "sub/g", "x", 1, 0600), -ENOENT);
        assert_int_equal(symlinkat("/", dirfd, "sub/link"), 0);
        assert_int_equal(fs_rm_rf_at(AT_FDCWD, dir), 0);
        assert_int_equal(access(dir, F_OK), -1);
}

static void replace_keeps_mode(void **state)
{
        char dir[] = "/tmp/test-common.XXXXXX";
        _cleanup_free_ char *content = NULL;
        _cleanup_close_ int dirfd = -1;
        mode_t mask = umask(0);
        struct stat st;

        umask(mask);
        assert_non_null(mkdtemp(dir));
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dirfd >= 0);

        assert_int_equal(fs_replace_at(dirfd, "f", "one", 3, 0640), 0);
        assert_int_equal(fs_replace_at(dirfd, "f", "second", 6, 0640), 0);
        assert_int_equal(fs_read_file_at(dirfd, "f", 100, &content, NULL), 0);
        assert_string_equal(content, "second");
        assert_int_equal(fstatat(dirfd, "f", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_mode & 07777, 0640 & ~mask);
        assert_int_equal(fs_replace_at(dirfd, "missing/g", "x", 1, 0600), -ENOENT);
        assert_int_equal(fs_rm_rf_at(AT_FDCWD, dir), 0);
}

static void base64_round_trip(void **state)
{
        static const char *const cases[][2] = {
                { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *encoded = base64_encode(cases[i][0], strlen(cases[i][0]));
                _cleanup_free_ void *decoded = NULL;
                size_t len;

                assert_string_equal(encoded, cases[i][1]);
                assert_int_equal(base64_decode(encoded, &decoded, &len), 0);
                assert_int_equal(len, strlen(cases[i][0]));
                assert_memory_equal(decoded, cases[i][0], len);
        }
}

static void base64_rejects_garbage(void **state)
{
        void *decoded = NULL;
        size_t len;

        assert_int_equal(base64_decode("Zm9v!", &decoded, &len), -EINVAL);
        assert_int_equal(base64_decode("Z", &decoded, &len), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(rfc3339_trims_zeros),     cmocka_unit_test(rfc3339_round_trip),
                cmocka_unit_test(rfc3339_matches_timegm),  cmocka_unit_test(rfc3339_format_sequence),
                cmocka_unit_test(rfc3339_rejects_garbage), cmocka_unit_test(timestamp_unix_seconds),
                cmocka_unit_test(strv_split_and_append),   cmocka_unit_test(strv_remove_keeps_order),
                cmocka_unit_test(id_generate_is_hex),      cmocka_unit_test(error_keeps_first_cause),
                cmocka_unit_test(json_parse_strict),       cmocka_unit_test(json_field_type_check),
                cmocka_unit_test(atomic_write_replaces),   cmocka_unit_test(replace_keeps_mode),
                cmocka_unit_test(base64_round_trip),       cmocka_unit_test(base64_rejects_garbage),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
