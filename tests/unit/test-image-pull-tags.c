/* SPDX-License-Identifier: Apache-2.0 */
/* The pages of a registry's tag list that a pull of every tag reads: their
 * JSON bodies and the Link header that names the next page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "image/pull-internal.h"
#include "strv.h"

static int parse(const char *body, char ***tags)
{
        _cleanup_error_ struct error err = ERROR_INIT;

        return pull_tags_parse_page(body, strlen(body), tags, &err);
}

static void parse_pages(void **state)
{
        _cleanup_strv_free_ char **tags = NULL;

        (void)state;
        assert_int_equal(parse("{\"name\":\"a/b\",\"tags\":[\"v1\",\"latest\"]}", &tags), 0);
        assert_int_equal(parse("{\"name\":\"a/b\",\"tags\":[\"v2\"]}", &tags), 0);
        assert_int_equal(strv_length(tags), 3);
        assert_string_equal(tags[0], "v1");
        assert_string_equal(tags[1], "latest");
        assert_string_equal(tags[2], "v2");
}

static void parse_no_tags(void **state)
{
        _cleanup_strv_free_ char **tags = NULL;

        (void)state;
        assert_int_equal(parse("{\"name\":\"a/b\",\"tags\":null}", &tags), 0);
        assert_int_equal(parse("{\"name\":\"a/b\"}", &tags), 0);
        assert_int_equal(parse("{\"name\":\"a/b\",\"tags\":[]}", &tags), 0);
        assert_null(tags);
}

static void parse_invalid(void **state)
{
        static const char *const bodies[] = {
                "", "not json", "[\"v1\"]", "{\"tags\":\"v1\"}", "{\"tags\":[1]}", "{\"tags\":[\"v1\",null]}",
        };

        (void)state;
        for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
                _cleanup_strv_free_ char **tags = NULL;
                _cleanup_error_ struct error err = ERROR_INIT;
                int r = pull_tags_parse_page(bodies[i], strlen(bodies[i]), &tags, &err);

                assert_int_equal(r, -EBADMSG);
                assert_non_null(strstr(error_message(&err, r), "invalid tag list from the registry"));
        }
}

static void assert_next(const char *header, const char *expected)
{
        char *next = (char *)"unset";

        assert_int_equal(pull_tags_next_link(header, &next), 0);
        if (expected)
                assert_string_equal(next, expected);
        else
                assert_null(next);
        free(next);
}

static void next_links(void **state)
{
        (void)state;
        assert_next("</v2/a/b/tags/list?last=v1&n=2>; rel=\"next\"", "/v2/a/b/tags/list?last=v1&n=2");
        assert_next("  <https://r.test/v2/a/b/tags/list?last=x>;rel=next", "https://r.test/v2/a/b/tags/list?last=x");
        assert_next("</v2/a/b/tags/list?last=v1>; REL=\"next\"; type=x", "/v2/a/b/tags/list?last=v1");
        assert_next(NULL, NULL);
        assert_next("</v2/a/b/tags/list?last=v1>; rel=\"prev\"", NULL);
        assert_next("</v2/a/b/tags/list?last=v1>; rel=nextpage", NULL);
}

static void invalid_links(void **state)
{
        static const char *const headers[] = {
                "",
                "/v2/a/b/tags/list; rel=\"next\"",
                "<>; rel=\"next\"",
                "</v2/a/b/tags/list rel=\"next\"",
                "</v2/a/b/tags/list> rel=\"next\"",
        };

        (void)state;
        for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
                char *next = (char *)"unset";

                assert_int_equal(pull_tags_next_link(headers[i], &next), -EBADMSG);
                assert_null(next);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(parse_pages), cmocka_unit_test(parse_no_tags), cmocka_unit_test(parse_invalid),
                cmocka_unit_test(next_links),  cmocka_unit_test(invalid_links),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
