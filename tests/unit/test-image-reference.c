/* SPDX-License-Identifier: Apache-2.0 */
/* Reference parsing and normalisation, checked against what Docker Engine
 * 20.10 answers for the same names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

#include "image/reference.h"

#define HEX32 "0123456789abcdef0123456789abcdef"
#define HEX64 HEX32 HEX32

struct valid_case {
        const char *input;
        const char *full;     /* after reference_tag_name_only */
        const char *familiar; /* the same, familiar */
};

static const struct valid_case valid_cases[] = {
        { "busybox", "docker.io/library/busybox:latest", "busybox:latest" },
        { "busybox:1.35", "docker.io/library/busybox:1.35", "busybox:1.35" },
        { "library/busybox", "docker.io/library/busybox:latest", "busybox:latest" },
        { "docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest" },
        { "index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest" },
        { "sockerless-test/busybox:1.35", "docker.io/sockerless-test/busybox:1.35", "sockerless-test/busybox:1.35" },
        { "localhost:5000/a/b:tag", "localhost:5000/a/b:tag", "localhost:5000/a/b:tag" },
        { "localhost/a", "localhost/a:latest", "localhost/a:latest" },
        { "localhost:5000", "docker.io/library/localhost:5000", "localhost:5000" },
        { "example.com:80/a", "example.com:80/a:latest", "example.com:80/a:latest" },
        { "Example.com/foo", "Example.com/foo:latest", "Example.com/foo:latest" },
        { "EXAMPLE.com/a", "EXAMPLE.com/a:latest", "EXAMPLE.com/a:latest" },
        { "ex-ample.com/a", "ex-ample.com/a:latest", "ex-ample.com/a:latest" },
        /* "ex_ample.com" is no domain, so the whole name is a path. */
        { "ex_ample.com/a", "ex_ample.com/a:latest", "ex_ample.com/a:latest" },
        { "a__b", "docker.io/library/a__b:latest", "a__b:latest" },
        { "a---b", "docker.io/library/a---b:latest", "a---b:latest" },
        { "a.b_c-d", "docker.io/library/a.b_c-d:latest", "a.b_c-d:latest" },
        { "a:B", "docker.io/library/a:B", "a:B" },
        { "a:_b", "docker.io/library/a:_b", "a:_b" },
        { "name@sha256:" HEX64, "docker.io/library/name@sha256:" HEX64, "name@sha256:" HEX64 },
        { "a:b@sha256:" HEX64, "docker.io/library/a:b@sha256:" HEX64, "a:b@sha256:" HEX64 },
        { "0123456789ab", "docker.io/library/0123456789ab:latest", "0123456789ab:latest" },
};

struct invalid_case {
        const char *input;
        const char *message;
};

static const struct invalid_case invalid_cases[] = {
        { "NoSuch", "invalid reference format: repository name must be lowercase" },
        { "Localhost/foo", "invalid reference format: repository name must be lowercase" },
        { "localhost:5000/Foo", "invalid reference format: repository name must be lowercase" },
        { "foo:Bar/x", "invalid reference format" },
        { "a/b:c/D", "invalid reference format" },
        { "a___b", "invalid reference format" },
        { "a-.b", "invalid reference format" },
        { "-a", "invalid reference format" },
        { "a:-b", "invalid reference format" },
        { ":a", "invalid reference format" },
        { "a:", "invalid reference format" },
        { "", "invalid reference format" },
        { "a//b", "invalid reference format" },
        { "@sha256:" HEX64, "invalid reference format" },
        { "-ex.com/a", "invalid reference format" },
        { "a@sha256:abc", "invalid reference format" },
        { "a@sha256:" HEX32, "invalid checksum digest length" },
        { "a@sha512:" HEX64, "invalid checksum digest length" },
        { "a@sha256:0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
          "invalid checksum digest format" },
        { "a@md5:" HEX32, "unsupported digest algorithm" },
        { HEX64, "invalid repository name (" HEX64 "), cannot specify 64-byte hexadecimal strings" },
};

static void reference_valid_table(void **state)
{
        for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
                _cleanup_reference_ struct reference ref = { 0 };
                _cleanup_free_ char *full = NULL, *familiar = NULL;
                struct error err = ERROR_INIT;
                int r = reference_parse_normalized(valid_cases[i].input, &ref, &err);

                if (r < 0)
                        fail_msg("\"%s\" was rejected: %s", valid_cases[i].input, error_message(&err, r));
                assert_int_equal(reference_tag_name_only(&ref), 0);
                full = reference_string(&ref);
                familiar = reference_familiar_string(&ref);
                assert_string_equal(full, valid_cases[i].full);
                assert_string_equal(familiar, valid_cases[i].familiar);
                error_clear(&err);
        }
}

static void reference_invalid_table(void **state)
{
        for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
                _cleanup_reference_ struct reference ref = { 0 };
                _cleanup_error_ struct error err = ERROR_INIT;
                int r = reference_parse_normalized(invalid_cases[i].input, &ref, &err);

                if (r >= 0)
                        fail_msg("\"%s\" was accepted", invalid_cases[i].input);
                assert_int_equal(r, -EINVAL);
                assert_string_equal(err.message, invalid_cases[i].message);
        }
}

static void reference_length_limits(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct reference ref = { 0 };
        char name[300], tag[200];

        /* 238 characters plus "docker.io/library/" is 256, one too many. */
        memset(name, 'a', 238);
        name[238] = '\0';
        assert_int_equal(reference_parse_normalized(name, &ref, &err), -EINVAL);
        assert_string_equal(err.message, "repository name must not be more than 255 characters");
        error_clear(&err);

        name[237] = '\0';
        assert_int_equal(reference_parse_normalized(name, &ref, &err), 0);
        reference_done(&ref);

        memset(tag, 't', 128);
        tag[128] = '\0';
        snprintf(name, sizeof(name), "a:%s", tag);
        assert_int_equal(reference_parse_normalized(name, &ref, &err), 0);
        reference_done(&ref);

        snprintf(name, sizeof(name), "a:%st", tag);
        assert_int_equal(reference_parse_normalized(name, &ref, &err), -EINVAL);
        assert_string_equal(err.message, "invalid reference format");
}

static void reference_set_tag_rules(void **state)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *full = NULL;

        assert_int_equal(reference_parse_normalized("image-test/x:3@sha256:" HEX64, &ref, NULL), 0);
        assert_int_equal(reference_set_tag(&ref, "4", &err), 0);
        full = reference_string(&ref);
        assert_string_equal(full, "docker.io/image-test/x:4");

        assert_int_equal(reference_set_tag(&ref, "+a", &err), -EINVAL);
        assert_string_equal(err.message, "invalid tag format");
}

static void reference_names(void **state)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_free_ char *name = NULL, *familiar = NULL;

        assert_int_equal(reference_parse_normalized("library/a/b:1", &ref, NULL), 0);
        name = reference_name(&ref);
        familiar = reference_familiar_name(&ref);
        /* "library/" goes only from one-component official names. */
        assert_string_equal(name, "docker.io/library/a/b");
        assert_string_equal(familiar, "library/a/b");
}

static void digest_validation(void **state)
{
        assert_int_equal(reference_digest_validate("sha256:" HEX64, NULL), 0);
        assert_int_equal(reference_digest_validate("sha512:" HEX64 HEX64, NULL), 0);
        assert_int_equal(reference_digest_validate("sha256:" HEX32, NULL), -EINVAL);
        assert_int_equal(reference_digest_validate("sha256", NULL), -EINVAL);
        assert_int_equal(reference_digest_validate(":" HEX64, NULL), -EINVAL);
        assert_true(reference_is_identifier(HEX64));
        assert_false(reference_is_identifier("sha256:" HEX64));
        assert_false(reference_is_identifier(HEX32));
}

struct match_case {
        const char *pattern, *name;
        int result; /* 1 match, 0 no match, -1 bad pattern */
};

static const struct match_case match_cases[] = {
        { "*", "busybox", 1 },
        { "*", "a/b", 0 },
        { "a/*", "a/b:1", 1 },
        { "a/*", "a/b/c", 0 },
        { "?", "/", 0 },
        { "a?c", "abc", 1 },
        { "[a-c]x", "bx", 1 },
        { "[^a-c]x", "bx", 0 },
        { "[^a-c]x", "dx", 1 },
        { "\\*", "*", 1 },
        { "\\*", "a", 0 },
        { "*:1*", "runtime-notes-test:1", 1 },
        { "*:1*", "sockerless-test/layers:1", 0 },
        { "[invalid", "x", -1 },
        { "[]a]", "a", -1 },
        { "[a-]", "a", -1 },
        { "a\\", "a", -1 },
        { "x[", "y", -1 }, /* reported even though "x" fails first */
        { "**b", "aab", 1 },
        { "", "", 1 },
        { "", "a", 0 },
};

static void path_match_table(void **state)
{
        for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
                bool match = false;
                int r = reference_path_match(match_cases[i].pattern, match_cases[i].name, &match);

                if (match_cases[i].result < 0) {
                        if (r != -EINVAL)
                                fail_msg("pattern \"%s\" was accepted", match_cases[i].pattern);
                        continue;
                }
                assert_int_equal(r, 0);
                if (match != (match_cases[i].result == 1))
                        fail_msg("\"%s\" against \"%s\": got %d", match_cases[i].pattern, match_cases[i].name, match);
        }
}

static void familiar_match_uses_name_too(void **state)
{
        _cleanup_reference_ struct reference ref = { 0 };
        bool match = false;

        assert_int_equal(reference_parse_normalized("sockerless-test/busybox:1.35", &ref, NULL), 0);
        assert_int_equal(reference_familiar_match("*/busybox", &ref, &match), 0);
        assert_true(match);
        assert_int_equal(reference_familiar_match("sockerless-test/b*:1.35", &ref, &match), 0);
        assert_true(match);
        assert_int_equal(reference_familiar_match("docker.io/sockerless-test/busybox", &ref, &match), 0);
        assert_false(match);
        assert_int_equal(reference_familiar_match("busybox", &ref, &match), 0);
        assert_false(match);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(reference_valid_table),   cmocka_unit_test(reference_invalid_table),
                cmocka_unit_test(reference_length_limits), cmocka_unit_test(reference_set_tag_rules),
                cmocka_unit_test(reference_names),         cmocka_unit_test(digest_validation),
                cmocka_unit_test(path_match_table),        cmocka_unit_test(familiar_match_uses_name_too),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
