/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fsutil.h"
#include "timeutil.h"
#include "monitor-log-fixture.h"
#include "runtime/monitor/jsonlog.h"

/* Times of the entries in the dockerd 20.10 log the expectations below were
 * copied from. */
#define T1 INT64_C(1796415810142572114) /* 2026-12-04T20:23:30.142572114Z */
#define T2 INT64_C(1796415810142596320) /* 2026-12-04T20:23:30.14259632Z */
#define T3 INT64_C(1796415810142633265) /* 2026-12-04T20:23:30.142633265Z */

static int setup(void **state)
{
        return log_fixture_setup(state, "c-json.log");
}

static char *read_all(const char *path)
{
        char *text = NULL;

        assert_int_equal(fs_read_file_at(AT_FDCWD, path, 64u << 20, &text, NULL), 0);
        return text;
}

/* Returns line n (from 0) of text, without its newline. Not inlined because
 * GCC 12 then takes the cleanup of the caller's buffer for a dangling use. */
static __attribute__((noinline)) char *nth_line(const char *text, int n)
{
        const char *p = text, *nl;

        for (int i = 0; i < n; i++) {
                p = strchr(p, '\n');
                assert_non_null(p);
                p++;
        }
        nl = strchr(p, '\n');
        assert_non_null(nl);
        return strndup(p, (size_t)(nl - p));
}

static int count_lines(const char *text)
{
        int n = 0;

        for (const char *p = text; *p; p++)
                n += *p == '\n';
        return n;
}

static void writer_escapes_like_dockerd(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_free_ char *text = NULL;
        static const char input[] = "a<b>&c\t\001\037\177 \342\200\250 \342\200\251 \377\303( \355\240\200 "
                                    "\357\277\275 \"q\" \\ \r\n";
        static const char expected[] =
                "{\"log\":\"a\\u003cb\\u003e\\u0026c\\u0009\\u0001\\u001f\177 \\u2028 \\u2029 \\ufffd\\ufffd( "
                "\\ufffd\\ufffd\\ufffd \357\277\275 \\\"q\\\" \\\\ \\r\\n\",\"stream\":\"stdout\","
                "\"time\":\"2026-12-04T20:23:30.142572114Z\"}\n"
                "{\"log\":\"\\ufffd\\ufffdx\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30.14259632Z\"}\n"
                "{\"log\":\"err\\n\",\"stream\":\"stderr\",\"time\":\"2026-12-04T20:23:30.142633265Z\"}\n";

        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T1, input, sizeof(input) - 1), 0);
        /* A sequence cut short by the end of a write is invalid by itself
         * once the line ends, as dockerd logs it. */
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T1, "\342\202", 2), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T2, "x\n", 2), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDERR, T3, "err\n", 4), 0);

        text = read_all(f->path);
        assert_string_equal(text, expected);
}

static void writer_splits_lines(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_free_ char *text = NULL, *l0 = NULL, *l1 = NULL, *l2 = NULL;

        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T1, "a\nb\nc", 5), 0);
        text = read_all(f->path);
        assert_int_equal(count_lines(text), 2);
        free(text);

        assert_int_equal(jsonlog_writer_flush(w), 0);
        text = read_all(f->path);
        assert_int_equal(count_lines(text), 3);
        l0 = nth_line(text, 0);
        l1 = nth_line(text, 1);
        l2 = nth_line(text, 2);
        assert_string_equal(l0, "{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30.142572114Z\"}");
        assert_string_equal(l1, "{\"log\":\"b\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30.142572114Z\"}");
        /* The rest at the end of the stream has no newline and the time of
         * the flush. */
        assert_non_null(strstr(l2, "{\"log\":\"c\",\"stream\":\"stdout\",\"time\":\""));
        assert_null(strstr(l2, "20:23:30"));
}

static void writer_joins_partial_writes(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_free_ char *text = NULL;

        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T1, "hel", 3), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDERR, T2, "oops\n", 5), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T3, "lo\n", 3), 0);

        /* The line is stamped when its newline is read. */
        text = read_all(f->path);
        assert_string_equal(
                text, "{\"log\":\"oops\\n\",\"stream\":\"stderr\",\"time\":\"2026-12-04T20:23:30.14259632Z\"}\n"
                      "{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30.142633265Z\"}\n");
}

static char *repeat(char c, size_t n, const char *suffix)
{
        size_t extra = strlen(suffix);
        char *s = malloc(n + extra + 1);

        assert_non_null(s);
        memset(s, c, n);
        memcpy(s + n, suffix, extra + 1);
        return s;
}

/* Writes data in pieces of step bytes, as a pipe may deliver it. */
static void write_in_steps(struct jsonlog_writer *w, int64_t t, const char *data, size_t len, size_t step)
{
        for (size_t o = 0; o < len; o += step)
                assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, t, data + o, MIN(step, len - o)), 0);
}

static void expect_run_entry(const char *line, char c, size_t n, bool newline, const char *stamp)
{
        _cleanup_free_ char *run = repeat(c, n, newline ? "\\n" : "");
        _cleanup_free_ char *expected = NULL;

        assert_true(asprintf(&expected, "{\"log\":\"%s\",\"stream\":\"stdout\",\"time\":\"%s\"}", run, stamp) > 0);
        assert_string_equal(line, expected);
}

static void writer_splits_long_lines(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_free_ char *y = repeat('y', 20000, "\n"), *z = repeat('z', 16384, "\n"), *v = repeat('w', 16383, "\n");
        _cleanup_free_ char *text = NULL;
        char *line;

        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
        /* dockerd 20.10 logged these three lines as five entries, the parts
         * of a line all with the time of its first part. */
        write_in_steps(w, T1, y, 20001, 2048);
        write_in_steps(w, T2, z, 16385, 16385);
        write_in_steps(w, T3, v, 16384, 1000);
        write_in_steps(w, T1 + 1, z, 16385, 1);

        text = read_all(f->path);
        assert_int_equal(count_lines(text), 7);
        expect_run_entry(line = nth_line(text, 0), 'y', 16384, false, "2026-12-04T20:23:30.142572114Z");
        free(line);
        expect_run_entry(line = nth_line(text, 1), 'y', 3616, true, "2026-12-04T20:23:30.142572114Z");
        free(line);
        expect_run_entry(line = nth_line(text, 2), 'z', 16384, false, "2026-12-04T20:23:30.14259632Z");
        free(line);
        expect_run_entry(line = nth_line(text, 3), 'z', 0, true, "2026-12-04T20:23:30.14259632Z");
        free(line);
        expect_run_entry(line = nth_line(text, 4), 'w', 16383, true, "2026-12-04T20:23:30.142633265Z");
        free(line);
        expect_run_entry(line = nth_line(text, 5), 'z', 16384, false, "2026-12-04T20:23:30.142572115Z");
        free(line);
        expect_run_entry(line = nth_line(text, 6), 'z', 0, true, "2026-12-04T20:23:30.142572115Z");
        free(line);
}

static void writer_rotates(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        char name[160], msg[32];
        struct stat st;

        assert_int_equal(jsonlog_writer_open(f->path, 300, 3, &w), 0);
        for (int i = 0; i < 40; i++) {
                int n = snprintf(msg, sizeof(msg), "message %02d\n", i);

                assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T1, msg, (size_t)n), 0);
        }

        /* Each entry is 81 bytes: a file takes four before it reaches 300. */
        assert_int_equal(stat(f->path, &st), 0);
        assert_true(st.st_size > 0 && st.st_size <= 4 * 81);
        snprintf(name, sizeof(name), "%s.1", f->path);
        assert_int_equal(stat(name, &st), 0);
        assert_int_equal(st.st_size, 4 * 81);
        assert_int_equal(st.st_mode & 0777, 0640);
        snprintf(name, sizeof(name), "%s.2", f->path);
        assert_int_equal(stat(name, &st), 0);
        snprintf(name, sizeof(name), "%s.3", f->path);
        assert_int_equal(stat(name, &st), -1);
}

/* Forty lines in one call, whose entries are written in batches, rotate
 * at the same entries as forty calls do. */
static void writer_rotates_within_one_write(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        char data[40 * 16], name[160];
        size_t len = 0;
        struct stat st;

        for (int i = 0; i < 40; i++)
                len += (size_t)snprintf(data + len, sizeof(data) - len, "message %02d\n", i);
        assert_int_equal(jsonlog_writer_open(f->path, 300, 3, &w), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T1, data, len), 0);

        assert_int_equal(stat(f->path, &st), 0);
        assert_int_equal(st.st_size, 4 * 81);
        snprintf(name, sizeof(name), "%s.1", f->path);
        assert_int_equal(stat(name, &st), 0);
        assert_int_equal(st.st_size, 4 * 81);
        snprintf(name, sizeof(name), "%s.3", f->path);
        assert_int_equal(stat(name, &st), -1);
}

static void writer_truncates_single_file(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_free_ char *text = NULL;
        char name[160];
        struct stat st;

        assert_int_equal(jsonlog_writer_open(f->path, 100, 1, &w), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T1, "one\ntwo\nthree\n", 14), 0);
        text = read_all(f->path);
        assert_string_equal(
                text, "{\"log\":\"three\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30.142572114Z\"}\n");
        snprintf(name, sizeof(name), "%s.1", f->path);
        assert_int_equal(stat(name, &st), -1);
}

static void writer_appends_to_existing(void **state)
{
        struct fixture *f = *state;
        struct jsonlog_writer *w = NULL;
        _cleanup_free_ char *text = NULL;

        for (int i = 0; i < 2; i++) {
                assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
                assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T1, "x\n", 2), 0);
                jsonlog_writer_free(w);
        }
        text = read_all(f->path);
        assert_int_equal(count_lines(text), 2);
}

static void writer_refuses_symlink(void **state)
{
        struct fixture *f = *state;
        struct jsonlog_writer *w = NULL;
        char target[160];

        snprintf(target, sizeof(target), "%s/target", f->dir);
        assert_int_equal(symlink(target, f->path), 0);
        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), -ELOOP);
        assert_null(w);
        assert_int_equal(access(target, F_OK), -1);
}

static void parse_line_decodes(void **state)
{
        char line[] = "{\"log\":\"a\\u003cb\\t\\ud83d\\ude00\\ud800x\\/\\\"\\n\",\"attrs\":{\"k\":[1,\"}\"]},"
                      "\"stream\":\"stderr\",\"time\":\"2026-12-04T20:23:30.142572114Z\"}";
        struct jsonlog_entry e;

        assert_int_equal(jsonlog_parse_line(line, strlen(line), &e), 0);
        assert_int_equal(e.stream, JSONLOG_STDERR);
        assert_true(e.time_ns == T1);
        assert_int_equal(e.len, strlen("a<b\t\xf0\x9f\x98\x80\xef\xbf\xbdx/\"\n"));
        assert_memory_equal(e.data, "a<b\t\xf0\x9f\x98\x80\xef\xbf\xbdx/\"\n", e.len);
}

static void parse_line_round_trip(void **state)
{
        static const char data[] = "\x01\x7f<&> \xe2\x80\xa8 \xc3\xa9\r\n";
        char line[jsonlog_entry_max(sizeof(data))];
        struct jsonlog_entry e;
        size_t n;

        n = jsonlog_format_entry(JSONLOG_STDOUT, T2, data, sizeof(data) - 1, false, line);
        assert_int_equal(line[n - 1], '\n');
        assert_int_equal(jsonlog_parse_line(line, n - 1, &e), 0);
        assert_int_equal(e.stream, JSONLOG_STDOUT);
        assert_true(e.time_ns == T2);
        assert_int_equal(e.len, sizeof(data) - 1);
        assert_memory_equal(e.data, data, e.len);
}

/* A quote, backslash, control character or UTF-8 sequence at each offset
 * of a long line, where the parser scans 8 bytes at a time. */
static void parse_line_special_at_each_offset(void **state)
{
        static const char *const specials[] = { "\"", "\\", "\x01", "\x1f", "\xc3\xa9", "\n" };

        for (size_t k = 0; k < ARRAY_SIZE(specials); k++)
                for (size_t at = 0; at < 40; at++) {
                        char data[64], line[jsonlog_entry_max(sizeof(data))];
                        struct jsonlog_entry e;
                        size_t len, n;

                        memset(data, 'a', 40);
                        len = 40 + strlen(specials[k]);
                        memcpy(data + at, specials[k], strlen(specials[k]));
                        memset(data + at + strlen(specials[k]), 'b', 40 - at);
                        n = jsonlog_format_entry(JSONLOG_STDOUT, T2, data, len, false, line);
                        assert_int_equal(jsonlog_parse_line(line, n - 1, &e), 0);
                        assert_int_equal(e.len, len);
                        assert_memory_equal(e.data, data, len);
                }

        for (size_t at = 0; at < 40; at++) {
                char line[192];
                struct jsonlog_entry e;

                snprintf(line, sizeof(line),
                         "{\"log\":\"%.*s\x01%.*s\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}", (int)at,
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", (int)(40 - at),
                         "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
                assert_int_equal(jsonlog_parse_line(line, strlen(line), &e), -EBADMSG);
        }
}

static void parse_line_rejects(void **state)
{
        static const char *const bad[] = {
                "",
                "{",
                "[]",
                "{\"log\":\"x\\n\",\"time\":\"2026-12-04T20:23:30Z\"}",
                "{\"log\":\"x\\n\",\"stream\":\"stdin\",\"time\":\"2026-12-04T20:23:30Z\"}",
                "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"yesterday\"}",
                "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}junk",
                "{\"log\":\"x\\q\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}",
                "{\"log\":\"\\u12\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}",
                "{\"log\":\"tab\there\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}",
                "{\"log\":5,\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}",
                "{\"log\":\"x\" \"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}",
                "{\"attrs\":{\"a\":1,\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}",
        };

        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_free_ char *line = strdup(bad[i]);
                struct jsonlog_entry e;

                assert_int_equal(jsonlog_parse_line(line, strlen(line), &e), -EBADMSG);
        }
}

/* Writes entries "<prefix>N\n" for N in [from, to). */
static void write_numbered(struct jsonlog_writer *w, const char *prefix, int from, int to)
{
        char msg[64];

        for (int i = from; i < to; i++) {
                int n = snprintf(msg, sizeof(msg), "%s%d\n", prefix, i);

                assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T1 + i, msg, (size_t)n), 0);
        }
}

/* Reads every entry left and checks they are "<prefix>N\n" for N in
 * [from, to). */
static void expect_numbered(struct jsonlog_reader *r, const char *prefix, int from, int to)
{
        struct jsonlog_entry e;
        char msg[64];

        for (int i = from; i < to; i++) {
                int n = snprintf(msg, sizeof(msg), "%s%d\n", prefix, i);

                assert_int_equal(jsonlog_reader_next(r, &e), 1);
                assert_int_equal(e.len, (size_t)n);
                assert_memory_equal(e.data, msg, e.len);
                assert_true(e.time_ns == T1 + i);
        }
        assert_int_equal(jsonlog_reader_next(r, &e), 0);
}

static void reader_reads_rotated_in_order(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;

        /* Entries of "m0\n".."m9\n" are 70 bytes: three per file. */
        assert_int_equal(jsonlog_writer_open(f->path, 200, 3, &w), 0);
        write_numbered(w, "m", 0, 10);

        assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
        /* path.2 contains m3..m5 after the oldest file was dropped. */
        expect_numbered(r, "m", 3, 10);
}

static void reader_reads_compressed_rotation(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        char name[160];
        struct stat st;

        assert_int_equal(jsonlog_writer_open(f->path, 200, 3, &w), 0);
        jsonlog_writer_set_compress(w, true);
        write_numbered(w, "m", 0, 10);

        snprintf(name, sizeof(name), "%s.1", f->path);
        assert_int_equal(stat(name, &st), -1);
        snprintf(name, sizeof(name), "%s.1.gz", f->path);
        assert_int_equal(stat(name, &st), 0);
        snprintf(name, sizeof(name), "%s.2.gz", f->path);
        assert_int_equal(stat(name, &st), 0);
        snprintf(name, sizeof(name), "%s.3.gz", f->path);
        assert_int_equal(stat(name, &st), -1);

        assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
        expect_numbered(r, "m", 3, 10);
}

static void attrs_written_and_read(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        _cleanup_free_ char *text = NULL;
        struct jsonlog_entry e;

        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
        assert_int_equal(jsonlog_writer_set_attrs(w, "{\"app\":\"a\\\"b\"}"), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, T1, "hi\n", 3), 0);

        text = read_all(f->path);
        assert_string_equal(text, "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"attrs\":{\"app\":\"a\\\"b\"},"
                                  "\"time\":\"2026-12-04T20:23:30.142572114Z\"}\n");

        assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
        assert_int_equal(jsonlog_reader_next(r, &e), 1);
        assert_int_equal(e.len, 3);
        assert_memory_equal(e.data, "hi\n", 3);
        assert_int_equal(e.attrs_len, strlen("{\"app\":\"a\\\"b\"}"));
        assert_memory_equal(e.attrs, "{\"app\":\"a\\\"b\"}", e.attrs_len);
}

static void reader_tail_spans_files(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        static const int64_t tails[] = { 0, 1, 2, 3, 5, 7, 8, 100 };

        assert_int_equal(jsonlog_writer_open(f->path, 200, 4, &w), 0);
        write_numbered(w, "m", 0, 11);

        for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
                _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
                int64_t n = tails[i];
                int from = 11 - (int)MIN(n, 11);

                assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
                assert_int_equal(jsonlog_reader_tail(r, n), 0);
                expect_numbered(r, "m", from, 11);
        }
}

static void reader_tail_all(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;

        assert_int_equal(jsonlog_writer_open(f->path, 200, 4, &w), 0);
        write_numbered(w, "m", 0, 6);
        assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
        assert_int_equal(jsonlog_reader_tail(r, -1), 0);
        expect_numbered(r, "m", 0, 6);
}

static void append_raw(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

        assert_true(fd >= 0);
        assert_int_equal(fs_write_all(fd, text, strlen(text)), 0);
        close(fd);
}

static void reader_skips_malformed(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        _cleanup_free_ char *huge = repeat('x', 5 << 20, "\n");
        struct jsonlog_entry e;

        append_raw(f->path, "garbage\n");
        append_raw(f->path, "{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}\n");
        append_raw(f->path, "\n{\"log\":\"b\\n\",\"stream\":\"bad\",\"time\":\"2026-12-04T20:23:30Z\"}\n");
        append_raw(f->path, huge);
        append_raw(f->path, "{\"log\":\"c\\n\",\"stream\":\"stderr\",\"time\":\"2026-12-04T20:23:30Z\"}\n");
        /* A line still being written is left for later. */
        append_raw(f->path, "{\"log\":\"d\\n\",\"stream\":\"stdout\",");

        assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
        assert_int_equal(jsonlog_reader_next(r, &e), 1);
        assert_memory_equal(e.data, "a\n", 2);
        assert_int_equal(jsonlog_reader_next(r, &e), 1);
        assert_memory_equal(e.data, "c\n", 2);
        assert_int_equal(e.stream, JSONLOG_STDERR);
        assert_int_equal(jsonlog_reader_next(r, &e), 0);

        append_raw(f->path, "\"time\":\"2026-12-04T20:23:30Z\"}\n");
        assert_int_equal(jsonlog_reader_next(r, &e), 1);
        assert_memory_equal(e.data, "d\n", 2);
        assert_int_equal(jsonlog_reader_next(r, &e), 0);
}

static void reader_tail_ignores_unterminated(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        struct jsonlog_entry e;

        append_raw(f->path, "{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}\n");
        append_raw(f->path, "{\"log\":\"b\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-04T20:23:30Z\"}\n");
        append_raw(f->path, "{\"log\":\"c\\n\",\"stream\":\"stdout\",");

        assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
        assert_int_equal(jsonlog_reader_tail(r, 1), 0);
        assert_int_equal(jsonlog_reader_next(r, &e), 1);
        assert_memory_equal(e.data, "b\n", 2);
        assert_int_equal(jsonlog_reader_next(r, &e), 0);

        assert_int_equal(jsonlog_reader_tail(r, 0), 0);
        append_raw(f->path, "\"time\":\"2026-12-04T20:23:30Z\"}\n");
        assert_int_equal(jsonlog_reader_next(r, &e), 1);
        assert_memory_equal(e.data, "c\n", 2);
}

static void reader_missing_log_is_empty(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        struct jsonlog_entry e;

        assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
        assert_int_equal(jsonlog_reader_tail(r, 3), 0);
        assert_int_equal(jsonlog_reader_next(r, &e), 0);
        assert_int_equal(jsonlog_reader_wait(r, 0), 0);

        /* The log appears later. */
        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
        write_numbered(w, "m", 0, 2);
        assert_int_equal(jsonlog_reader_wait(r, 1000), 1);
        expect_numbered(r, "m", 0, 2);
}

static void reader_wait_times_out(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        int64_t start;

        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
        write_numbered(w, "m", 0, 1);
        assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
        expect_numbered(r, "m", 0, 1);

        /* Another file in the directory is no reason to wake up. */
        {
                char other[160];

                snprintf(other, sizeof(other), "%s/config.v2.json", f->dir);
                append_raw(other, "{}");
        }

        start = timeutil_monotonic_ns();
        assert_int_equal(jsonlog_reader_wait(r, 100), 0);
        assert_true(timeutil_monotonic_ns() - start >= 90 * 1000000);
}

static void reader_follows_rotation(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        struct jsonlog_entry e;
        pid_t pid;
        int status;

        assert_int_equal(jsonlog_writer_open(f->path, 200, 2, &w), 0);
        write_numbered(w, "m", 0, 2);
        assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
        expect_numbered(r, "m", 0, 2);

        /* A writer in another process goes on through two rotations while
         * the reader follows. */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                usleep(50 * 1000);
                write_numbered(w, "m", 2, 8);
                _exit(0);
        }

        for (int i = 2; i < 8; i++) {
                char msg[16];
                int k;

                while ((k = jsonlog_reader_next(r, &e)) == 0)
                        assert_int_equal(jsonlog_reader_wait(r, 5000), 1);
                assert_int_equal(k, 1);
                snprintf(msg, sizeof(msg), "m%d\n", i);
                assert_int_equal(e.len, strlen(msg));
                assert_memory_equal(e.data, msg, e.len);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(jsonlog_reader_next(r, &e), 0);
}

static void reader_follows_truncation(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;

        assert_int_equal(jsonlog_writer_open(f->path, 100, 1, &w), 0);
        write_numbered(w, "m", 0, 2);
        assert_int_equal(jsonlog_reader_open(f->path, &r), 0);
        expect_numbered(r, "m", 0, 2);

        /* The third entry truncates the file, which is then shorter than
         * what the reader has read. */
        write_numbered(w, "m", 2, 3);
        assert_int_equal(jsonlog_reader_wait(r, 1000), 1);
        expect_numbered(r, "m", 2, 3);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(writer_escapes_like_dockerd, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(writer_splits_lines, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(writer_joins_partial_writes, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(writer_splits_long_lines, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(writer_rotates, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(writer_rotates_within_one_write, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(writer_truncates_single_file, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(writer_appends_to_existing, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(writer_refuses_symlink, setup, log_fixture_teardown),
                cmocka_unit_test(parse_line_decodes),
                cmocka_unit_test(parse_line_round_trip),
                cmocka_unit_test(parse_line_special_at_each_offset),
                cmocka_unit_test(parse_line_rejects),
                cmocka_unit_test_setup_teardown(reader_reads_rotated_in_order, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_tail_spans_files, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_tail_all, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_skips_malformed, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_tail_ignores_unterminated, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_missing_log_is_empty, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_wait_times_out, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_follows_rotation, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_follows_truncation, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_reads_compressed_rotation, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(attrs_written_and_read, setup, log_fixture_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
