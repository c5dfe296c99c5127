/* SPDX-License-Identifier: Apache-2.0 */
/* The blob upload state machine of push, driven by scripted registry
 * responses, and the parsers of the headers it reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>

#include "image/blob-upload.h"

#define HEX64  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIGEST "sha256:" HEX64

#define UPLOADS "http://127.0.0.1:5000/v2/a/blobs/uploads/"

static const struct blob_upload_response created_202 = {
        .status = 202,
        .location = UPLOADS "u1?_state=s1",
};

/* Checks the next request's method, URL and body range. */
static void expect_request(struct blob_upload *u, const char *method, const char *url, int64_t offset, int64_t length,
                           bool content_range)
{
        struct blob_upload_request req;

        assert_int_equal(blob_upload_next(u, &req), 1);
        assert_string_equal(req.method, method);
        if (url)
                assert_string_equal(req.url, url);
        else
                assert_null(req.url);
        assert_int_equal(req.offset, offset);
        assert_int_equal(req.length, length);
        assert_int_equal(req.content_range, content_range);
}

static void handle_ok(struct blob_upload *u, long status, const char *location, const char *range)
{
        struct blob_upload_response resp = { .status = status, .location = location, .range = range };
        struct error err = ERROR_INIT;

        assert_int_equal(blob_upload_handle(u, &resp, &err), 0);
        assert_null(err.message);
}

static void upload_monolithic(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;
        struct blob_upload_request req;

        assert_int_equal(blob_upload_init(&u, DIGEST, 1000, BLOB_UPLOAD_CHUNK_SIZE), 0);

        expect_request(&u, "POST", NULL, 0, 0, false);
        handle_ok(&u, 202, created_202.location, NULL);
        expect_request(&u, "PUT", UPLOADS "u1?_state=s1&digest=sha256%3A" HEX64, 0, 1000, false);
        handle_ok(&u, 201, NULL, NULL);

        assert_int_equal(blob_upload_next(&u, &req), 0);
        assert_int_equal(u.state, BLOB_UPLOAD_DONE);
}

static void upload_without_chunks(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        /* Chunk size 0: one PUT whatever the size. */
        assert_int_equal(blob_upload_init(&u, DIGEST, INT64_C(1) << 40, 0), 0);
        expect_request(&u, "POST", NULL, 0, 0, false);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        expect_request(&u, "PUT", UPLOADS "u1?digest=sha256%3A" HEX64, 0, INT64_C(1) << 40, false);
}

static void upload_chunked(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        assert_int_equal(blob_upload_init(&u, DIGEST, 25, 10), 0);
        expect_request(&u, "POST", NULL, 0, 0, false);
        handle_ok(&u, 202, UPLOADS "u1?_state=s1", NULL);

        /* Every chunk goes to the Location of the response before it. */
        expect_request(&u, "PATCH", UPLOADS "u1?_state=s1", 0, 10, true);
        handle_ok(&u, 202, UPLOADS "u1?_state=s2", "0-9");
        expect_request(&u, "PATCH", UPLOADS "u1?_state=s2", 10, 10, true);
        handle_ok(&u, 202, UPLOADS "u1?_state=s3", "bytes=0-19");
        expect_request(&u, "PATCH", UPLOADS "u1?_state=s3", 20, 5, true);
        handle_ok(&u, 202, UPLOADS "u1?_state=s4", "0-24");

        /* The commit carries no body: the registry has every byte. */
        expect_request(&u, "PUT", UPLOADS "u1?_state=s4&digest=sha256%3A" HEX64, 25, 0, false);
        handle_ok(&u, 201, NULL, NULL);
        assert_int_equal(u.state, BLOB_UPLOAD_DONE);
}

static void upload_chunked_without_range(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        assert_int_equal(blob_upload_init(&u, DIGEST, 15, 10), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        handle_ok(&u, 202, UPLOADS "u2", NULL);
        expect_request(&u, "PATCH", UPLOADS "u2", 10, 5, true);
        handle_ok(&u, 204, UPLOADS "u3", NULL);
        expect_request(&u, "PUT", UPLOADS "u3?digest=sha256%3A" HEX64, 15, 0, false);
}

static void upload_registry_keeps_less(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        /* A registry that stored only part of a chunk gets the rest again. */
        assert_int_equal(blob_upload_init(&u, DIGEST, 30, 10), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        handle_ok(&u, 202, UPLOADS "u2", "0-5");
        expect_request(&u, "PATCH", UPLOADS "u2", 6, 10, true);
}

static void upload_chunk_min_length(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;
        struct blob_upload_response resp = { .status = 202, .location = UPLOADS "u1", .chunk_min = "20" };
        struct error err = ERROR_INIT;

        assert_int_equal(blob_upload_init(&u, DIGEST, 50, 10), 0);
        assert_int_equal(blob_upload_handle(&u, &resp, &err), 0);
        expect_request(&u, "PATCH", UPLOADS "u1", 0, 20, true);
}

static void upload_chunk_min_makes_monolithic(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;
        struct blob_upload_response resp = { .status = 202, .location = UPLOADS "u1", .chunk_min = "100" };
        struct error err = ERROR_INIT;

        assert_int_equal(blob_upload_init(&u, DIGEST, 50, 10), 0);
        assert_int_equal(blob_upload_handle(&u, &resp, &err), 0);
        expect_request(&u, "PUT", UPLOADS "u1?digest=sha256%3A" HEX64, 0, 50, false);
}

static void upload_resumes_after_416(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        assert_int_equal(blob_upload_init(&u, DIGEST, 30, 10), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        handle_ok(&u, 202, UPLOADS "u2", "0-9");

        /* The registry rejects the second chunk's range: ask where it is. */
        handle_ok(&u, 416, NULL, NULL);
        expect_request(&u, "GET", UPLOADS "u2", 0, 0, false);
        handle_ok(&u, 204, UPLOADS "u3", "0-14");
        expect_request(&u, "PATCH", UPLOADS "u3", 15, 10, true);
}

static void upload_status_keeps_location(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        assert_int_equal(blob_upload_init(&u, DIGEST, 30, 10), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        handle_ok(&u, 416, NULL, NULL);
        handle_ok(&u, 204, NULL, "0-0");
        expect_request(&u, "PATCH", UPLOADS "u1", 0, 10, true);
}

static void upload_stalls_fail(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;
        struct blob_upload_response rejected = { .status = 416 };
        struct blob_upload_response status = { .status = 204, .range = "0-9" };
        struct error err = ERROR_INIT;
        int r = 0;

        assert_int_equal(blob_upload_init(&u, DIGEST, 30, 10), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        handle_ok(&u, 202, UPLOADS "u2", "0-9");

        /* A registry that rejects every chunk at the offset it reports. */
        for (unsigned i = 0; i < BLOB_UPLOAD_MAX_STALLS + 1 && r == 0; i++) {
                assert_int_equal(blob_upload_handle(&u, &rejected, &err), 0);
                r = blob_upload_handle(&u, &status, &err);
        }
        assert_int_equal(r, -EIO);
        assert_non_null(strstr(err.message, "rejected the upload's chunks"));
        error_clear(&err);
}

static void upload_unexpected_status(void **state)
{
        static const struct {
                enum blob_upload_state state;
                long status;
        } cases[] = {
                { BLOB_UPLOAD_CREATE, 201 }, { BLOB_UPLOAD_CREATE, 401 }, { BLOB_UPLOAD_CREATE, 404 },
                { BLOB_UPLOAD_SEND, 400 },   { BLOB_UPLOAD_SEND, 404 },   { BLOB_UPLOAD_STATUS, 404 },
                { BLOB_UPLOAD_COMMIT, 400 }, { BLOB_UPLOAD_COMMIT, 202 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_blob_upload_ struct blob_upload u;
                struct blob_upload_response resp = { .status = cases[i].status, .location = UPLOADS "x" };
                struct error err = ERROR_INIT;

                assert_int_equal(blob_upload_init(&u, DIGEST, 30, 10), 0);
                u.state = cases[i].state;
                u.location = strdup(UPLOADS "x");
                u.commit_url = strdup(UPLOADS "x?digest=" DIGEST);
                assert_int_equal(blob_upload_handle(&u, &resp, &err), -EPROTO);
                /* The caller words the error from the registry's body. */
                assert_null(err.message);
        }
}

static void upload_missing_location(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;
        struct blob_upload_response resp = { .status = 202 };
        struct error err = ERROR_INIT;

        assert_int_equal(blob_upload_init(&u, DIGEST, 30, 10), 0);
        assert_int_equal(blob_upload_handle(&u, &resp, &err), -EBADMSG);
        assert_string_equal(err.message, "the registry's upload response has no Location header");
        error_clear(&err);
}

static void upload_range_beyond_sent(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;
        struct blob_upload_response resp = { .status = 202, .location = UPLOADS "u2", .range = "0-19" };
        struct error err = ERROR_INIT;

        assert_int_equal(blob_upload_init(&u, DIGEST, 30, 10), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        assert_int_equal(blob_upload_handle(&u, &resp, &err), -EBADMSG);
        assert_string_equal(err.message, "the registry reports 20 bytes of the upload after 10 were sent");
        error_clear(&err);
}

static void upload_bad_range(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;
        struct blob_upload_response resp = { .status = 202, .location = UPLOADS "u2", .range = "5-9" };
        struct error err = ERROR_INIT;

        assert_int_equal(blob_upload_init(&u, DIGEST, 30, 10), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        assert_int_equal(blob_upload_handle(&u, &resp, &err), -EBADMSG);
        assert_string_equal(err.message, "invalid Range header from the registry: '5-9'");
        error_clear(&err);
}

static void upload_bad_location(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;
        struct blob_upload_response resp = { .status = 202, .location = UPLOADS "a b" };
        struct error err = ERROR_INIT;

        assert_int_equal(blob_upload_init(&u, DIGEST, 30, 10), 0);
        assert_int_equal(blob_upload_handle(&u, &resp, &err), -EBADMSG);
        assert_string_equal(err.message, "invalid upload Location from the registry: '" UPLOADS "a b'");
        error_clear(&err);
}

static void upload_one_byte_chunk(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        /* The registry's "0-0" after one byte means one byte. */
        assert_int_equal(blob_upload_init(&u, DIGEST, 2, 1), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        expect_request(&u, "PATCH", UPLOADS "u1", 0, 1, true);
        handle_ok(&u, 202, UPLOADS "u2", "0-0");
        expect_request(&u, "PATCH", UPLOADS "u2", 1, 1, true);
}

static void upload_streaming_chunks(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        /* Full chunks go while the blob grows; its end sets the last one. */
        assert_int_equal(blob_upload_init_streaming(&u, 10), 0);
        expect_request(&u, "POST", NULL, 0, 0, false);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        expect_request(&u, "PATCH", UPLOADS "u1", 0, 10, true);
        handle_ok(&u, 202, UPLOADS "u2", "0-9");
        expect_request(&u, "PATCH", UPLOADS "u2", 10, 10, true);
        handle_ok(&u, 202, UPLOADS "u3", "0-19");

        assert_int_equal(blob_upload_finish_input(&u, DIGEST, 25), 0);
        expect_request(&u, "PATCH", UPLOADS "u3", 20, 5, true);
        handle_ok(&u, 202, UPLOADS "u4", "0-24");
        expect_request(&u, "PUT", UPLOADS "u4?digest=sha256%3A" HEX64, 25, 0, false);
        handle_ok(&u, 201, NULL, NULL);
        assert_int_equal(u.state, BLOB_UPLOAD_DONE);
}

static void upload_streaming_ends_on_chunk(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        assert_int_equal(blob_upload_init_streaming(&u, 10), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        handle_ok(&u, 202, UPLOADS "u2", "0-9");
        handle_ok(&u, 202, UPLOADS "u3", "0-19");

        /* Every byte is there already: the commit follows at once. */
        assert_int_equal(blob_upload_finish_input(&u, DIGEST, 20), 0);
        expect_request(&u, "PUT", UPLOADS "u3?digest=sha256%3A" HEX64, 20, 0, false);
}

static void upload_streaming_resumes(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        assert_int_equal(blob_upload_init_streaming(&u, 10), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        handle_ok(&u, 416, NULL, NULL);
        handle_ok(&u, 204, NULL, "0-0");
        expect_request(&u, "PATCH", UPLOADS "u1", 0, 10, true);
}

static void upload_streaming_finish_invalid(void **state)
{
        _cleanup_blob_upload_ struct blob_upload u;

        assert_int_equal(blob_upload_init_streaming(&u, 0), -EINVAL);
        assert_int_equal(blob_upload_init_streaming(&u, 10), 0);
        handle_ok(&u, 202, UPLOADS "u1", NULL);
        handle_ok(&u, 202, UPLOADS "u2", "0-9");

        assert_int_equal(blob_upload_finish_input(&u, DIGEST, 9), -EINVAL);
        assert_int_equal(blob_upload_finish_input(&u, "sha256:x", 30), -EINVAL);
        assert_int_equal(blob_upload_finish_input(&u, DIGEST, 30), 0);
        assert_int_equal(blob_upload_finish_input(&u, DIGEST, 30), -EINVAL);
}

static void upload_init_invalid(void **state)
{
        struct blob_upload u;

        assert_int_equal(blob_upload_init(&u, "sha256:abc", 1, 0), -EINVAL);
        assert_int_equal(blob_upload_init(&u, DIGEST, -1, 0), -EINVAL);
        assert_int_equal(blob_upload_init(&u, DIGEST, 1, -1), -EINVAL);
}

static void url_with_digest_cases(void **state)
{
        static const struct {
                const char *location;
                const char *expected;
        } cases[] = {
                { "http://r/v2/a/blobs/uploads/u", "http://r/v2/a/blobs/uploads/u?digest=sha256%3A" HEX64 },
                { "http://r/u?", "http://r/u?digest=sha256%3A" HEX64 },
                { "http://r/u?a=1", "http://r/u?a=1&digest=sha256%3A" HEX64 },
                { "http://r/u?a=1&", "http://r/u?a=1&digest=sha256%3A" HEX64 },
                { "http://r/u?a=1&&b=2", "http://r/u?a=1&b=2&digest=sha256%3A" HEX64 },
                { "http://r/u?digest=old&a=1", "http://r/u?a=1&digest=sha256%3A" HEX64 },
                { "http://r/u?digest&a=1", "http://r/u?a=1&digest=sha256%3A" HEX64 },
                { "http://r/u?digests=1", "http://r/u?digests=1&digest=sha256%3A" HEX64 },
                { "http://r/u?a=1#frag", "http://r/u?a=1&digest=sha256%3A" HEX64 },
                { "http://r/u#frag?x", "http://r/u?digest=sha256%3A" HEX64 },
        };
        static const char *const invalid[] = {
                "", "?a=1", "#x", "http://r/u v", "http://r/u\r\nX: y", "http://r/\x7f"
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *url = NULL;

                assert_int_equal(blob_upload_url_with_digest(cases[i].location, DIGEST, &url), 0);
                assert_string_equal(url, cases[i].expected);
                free(url);
        }
        for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
                char *url = NULL;

                assert_int_equal(blob_upload_url_with_digest(invalid[i], DIGEST, &url), -EBADMSG);
                assert_null(url);
        }
}

static void parse_range_cases(void **state)
{
        static const struct {
                const char *value;
                int64_t size;
        } valid[] = {
                { "0-0", 0 },
                { "0-1", 2 },
                { "0-1048575", 1048576 },
                { "bytes=0-99", 100 },
        };
        static const char *const invalid[] = { "",     "-",    "0-",   "-5",        "1-5",   "0-x",
                                               "0- 5", " 0-5", "0-5 ", "bytes 0-5", "0-1-2", "0-9999999999999999999" };

        for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
                int64_t size = -1;

                assert_int_equal(blob_upload_parse_range(valid[i].value, &size), 0);
                assert_int_equal(size, valid[i].size);
        }
        for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
                int64_t size = -1;

                assert_int_equal(blob_upload_parse_range(invalid[i], &size), -EBADMSG);
                assert_int_equal(size, -1);
        }
}

static void parse_chunk_min_cases(void **state)
{
        int64_t n = 0;

        assert_int_equal(blob_upload_parse_chunk_min("5242880", &n), 0);
        assert_int_equal(n, 5242880);
        assert_int_equal(blob_upload_parse_chunk_min("0", &n), -EBADMSG);
        assert_int_equal(blob_upload_parse_chunk_min("-1", &n), -EBADMSG);
        assert_int_equal(blob_upload_parse_chunk_min("", &n), -EBADMSG);
        assert_int_equal(blob_upload_parse_chunk_min("12k", &n), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(upload_monolithic),
                cmocka_unit_test(upload_without_chunks),
                cmocka_unit_test(upload_chunked),
                cmocka_unit_test(upload_chunked_without_range),
                cmocka_unit_test(upload_registry_keeps_less),
                cmocka_unit_test(upload_chunk_min_length),
                cmocka_unit_test(upload_chunk_min_makes_monolithic),
                cmocka_unit_test(upload_resumes_after_416),
                cmocka_unit_test(upload_status_keeps_location),
                cmocka_unit_test(upload_stalls_fail),
                cmocka_unit_test(upload_unexpected_status),
                cmocka_unit_test(upload_missing_location),
                cmocka_unit_test(upload_range_beyond_sent),
                cmocka_unit_test(upload_bad_range),
                cmocka_unit_test(upload_bad_location),
                cmocka_unit_test(upload_one_byte_chunk),
                cmocka_unit_test(upload_streaming_chunks),
                cmocka_unit_test(upload_streaming_ends_on_chunk),
                cmocka_unit_test(upload_streaming_resumes),
                cmocka_unit_test(upload_streaming_finish_invalid),
                cmocka_unit_test(upload_init_invalid),
                cmocka_unit_test(url_with_digest_cases),
                cmocka_unit_test(parse_range_cases),
                cmocka_unit_test(parse_chunk_min_cases),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
