/* SPDX-License-Identifier: Apache-2.0 */
/* dl_load_functions, which loads libcurl and libarchive on first use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <zlib.h>

#include "dlutil.h"
#include "macro.h"

/* zlib, which this test links, so its soname is installed. */
#define ZLIB_SONAME "libz.so.1"

struct zlib_functions {
        const char *(*zlibVersion)(void);
        uLong (*crc32)(uLong crc, const Bytef *buf, uInt len);
};

static void load_fills_table(void **state)
{
        static const char *const names[] = { "zlibVersion", "crc32" };
        struct zlib_functions functions = { 0 };

        assert_true(dl_load_functions(ZLIB_SONAME, names, ARRAY_SIZE(names), &functions));
        assert_non_null(functions.zlibVersion);
        assert_non_null(functions.crc32);
        assert_string_equal(functions.zlibVersion(), zlibVersion());
        assert_int_equal(functions.crc32(0, (const Bytef *)"abc", 3), crc32(0, (const Bytef *)"abc", 3));
}

static void load_missing_library_fails(void **state)
{
        static const char *const names[] = { "zlibVersion" };
        struct zlib_functions functions = { 0 };

        assert_false(dl_load_functions("libsockerless-missing.so.0", names, ARRAY_SIZE(names), &functions));
        assert_null(functions.zlibVersion);
}

static void load_missing_function_fails(void **state)
{
        static const char *const names[] = { "zlibVersion", "sockerless_missing_function" };
        struct zlib_functions functions = { 0 };

        assert_false(dl_load_functions(ZLIB_SONAME, names, ARRAY_SIZE(names), &functions));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(load_fills_table),
                cmocka_unit_test(load_missing_library_fails),
                cmocka_unit_test(load_missing_function_fails),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
