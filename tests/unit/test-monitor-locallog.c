/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "monitor-log-fixture.h"
#include "runtime/monitor/jsonlog.h"
#include "runtime/monitor/locallog.h"

/* tests/fixtures/dockerd-local-log.bin is the local-logs/container.log
 * that dockerd 20.10.24's local driver wrote for a container that ran
 *
 *   echo hello; echo "to stderr" >&2; printf "a\tb <&> \303\251\n"; echo;
 *   printf "no newline"
 *
 * with pauses between the commands. These are its records' times. */
static const int64_t fixture_times[] = {
        INT64_C(1796440100353523610), INT64_C(1796440100554626653), INT64_C(1796440100755976278),
        INT64_C(1796440100957073701), INT64_C(1796440101188688251),
};

#define FIXTURE_RECORDS 5

static int setup(void **state)
{
        return log_fixture_setup(state, "container.log");
}

static char *read_file(const char *path, size_t *ret_len)
{
        char *data = NULL;

        assert_int_equal(fs_read_file_at(AT_FDCWD, path, 64u << 20, &data, ret_len), 0);
        return data;
}

static char *read_dockerd_fixture(size_t *ret_len)
{
        const char *srcdir = getenv("abs_top_srcdir");
        char path[4096];

        snprintf(path, sizeof(path), "%s/tests/fixtures/dockerd-local-log.bin", srcdir ? srcdir : ".");
        return read_file(path, ret_len);
}

static void write_file(const char *path, const void *data, size_t len)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

        assert_true(fd >= 0);
        assert_int_equal(fs_write_all(fd, data, len), 0);
}

/* Splits a file of records: returns record i's offset and framed length. */
static void record_at(const char *data, size_t len, int index, size_t *ret_offset, size_t *ret_len)
{
        size_t pos = 0;

        for (int i = 0;; i++) {
                uint32_t n;

                assert_true(pos + 8 <= len);
                n = locallog_read_length((const uint8_t *)data + pos);
                assert_true(pos + 8 + n <= len);
                if (i == index) {
                        *ret_offset = pos;
                        *ret_len = n + 8;
                        return;
                }
                pos += n + 8;
        }
}

static void expect_entry(struct jsonlog_reader *r, int stream, int64_t time_ns, const char *data)
{
        struct jsonlog_entry e;

        assert_int_equal(jsonlog_reader_next(r, &e), 1);
        assert_int_equal(e.stream, stream);
        if (time_ns != 0)
                assert_int_equal(e.time_ns, time_ns);
        assert_int_equal(e.len, strlen(data));
        assert_memory_equal(e.data, data, e.len);
        assert_null(e.attrs);
}

static void expect_fixture_entries(struct jsonlog_reader *r, int from)
{
        static const char *const lines[] = { "hello\n", "to stderr\n", "a\tb <&> \303\251\n", "\n", "no newline" };

        for (int i = from; i < FIXTURE_RECORDS; i++)
                expect_entry(r, i == 1 ? JSONLOG_STDERR : JSONLOG_STDOUT, fixture_times[i], lines[i]);
}

static void decode_reencodes_dockerd_records(void **state)
{
        _cleanup_free_ char *data = NULL;
        size_t len;

        (void)state;
        data = read_dockerd_fixture(&len);
        for (int i = 0; i < FIXTURE_RECORDS; i++) {
                struct locallog_entry e;
                uint8_t out[512];
                size_t offset, size;

                record_at(data, len, i, &offset, &size);
                assert_int_equal(locallog_decode_entry((const uint8_t *)data + offset + 4, size - 8, &e), 0);
                assert_int_equal(e.time_ns, fixture_times[i]);
                assert_true(locallog_record_max(&e) <= sizeof(out));
                assert_int_equal(locallog_encode_record(&e, out), size);
                assert_memory_equal(out, data + offset, size);
        }
}

static void decode_dockerd_partial_record(void **state)
{
        _cleanup_free_ char *data = NULL;
        struct locallog_entry e;
        size_t len, offset, size;

        (void)state;
        data = read_dockerd_fixture(&len);
        record_at(data, len, 4, &offset, &size);
        assert_int_equal(locallog_decode_entry((const uint8_t *)data + offset + 4, size - 8, &e), 0);
        assert_int_equal(e.source_len, 6);
        assert_memory_equal(e.source, "stdout", 6);
        assert_int_equal(e.line_len, 10);
        assert_memory_equal(e.line, "no newline", 10);
        assert_true(e.partial);
        assert_true(e.has_metadata);
        assert_false(e.last);
        assert_int_equal(e.id_len, LOCALLOG_PARTIAL_ID_LENGTH);
        assert_int_equal(e.ordinal, 1);
}

/* The monitor's writer, given dockerd's output and times, writes the
 * same bytes. The last record is the output left without a newline at the
 * end, which the writer stamps with the time of the flush and gives a
 * random id, so only its other fields are compared. */
static void writer_matches_dockerd(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_free_ char *expected = NULL, *written = NULL;
        struct locallog_entry ours, theirs;
        size_t expected_len, written_len, ours_offset, ours_size, theirs_offset, theirs_size;

        expected = read_dockerd_fixture(&expected_len);
        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
        jsonlog_writer_set_format(w, JSONLOG_FORMAT_LOCAL);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, fixture_times[0], "hello\n", 6), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDERR, fixture_times[1], "to stderr\n", 10), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, fixture_times[2], "a\tb <&> \303\251\n", 11), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, fixture_times[3], "\n", 1), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, fixture_times[4], "no newline", 10), 0);
        assert_int_equal(jsonlog_writer_flush(w), 0);

        written = read_file(f->path, &written_len);
        assert_int_equal(written_len, expected_len);
        record_at(expected, expected_len, 4, &theirs_offset, &theirs_size);
        assert_memory_equal(written, expected, theirs_offset);

        record_at(written, written_len, 4, &ours_offset, &ours_size);
        assert_int_equal(ours_offset, theirs_offset);
        assert_int_equal(ours_size, theirs_size);
        assert_int_equal(locallog_decode_entry((const uint8_t *)written + ours_offset + 4, ours_size - 8, &ours), 0);
        assert_int_equal(locallog_decode_entry((const uint8_t *)expected + theirs_offset + 4, theirs_size - 8, &theirs),
                         0);
        assert_int_equal(ours.line_len, theirs.line_len);
        assert_memory_equal(ours.line, theirs.line, ours.line_len);
        assert_int_equal(ours.partial, theirs.partial);
        assert_int_equal(ours.last, theirs.last);
        assert_int_equal(ours.ordinal, theirs.ordinal);
        assert_int_equal(ours.id_len, theirs.id_len);
}

static void reader_reads_dockerd_file(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        _cleanup_free_ char *data = NULL;
        struct jsonlog_entry e;
        size_t len;

        data = read_dockerd_fixture(&len);
        write_file(f->path, data, len);

        assert_int_equal(jsonlog_reader_open_format(f->path, JSONLOG_FORMAT_LOCAL, &r), 0);
        expect_fixture_entries(r, 0);
        assert_int_equal(jsonlog_reader_next(r, &e), 0);

        assert_int_equal(jsonlog_reader_tail(r, 2), 0);
        expect_fixture_entries(r, 3);
        assert_int_equal(jsonlog_reader_tail(r, 0), 0);
        assert_int_equal(jsonlog_reader_next(r, &e), 0);
        assert_int_equal(jsonlog_reader_tail(r, 100), 0);
        expect_fixture_entries(r, 0);
}

static void writer_splits_long_line(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        _cleanup_free_ char *line = malloc(20001), *written = NULL;
        struct locallog_entry first, last;
        struct jsonlog_entry e;
        size_t len, offset, size;

        assert_non_null(line);
        memset(line, 'x', 20000);
        line[20000] = '\n';
        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
        jsonlog_writer_set_format(w, JSONLOG_FORMAT_LOCAL);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, fixture_times[0], line, 20001), 0);
        assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, fixture_times[1], "next\n", 5), 0);

        /* As dockerd 20.10's copier: parts 1, 2, ... share an id and the
         * time of the first; the part that ends the line has the next
         * ordinal and last set. */
        written = read_file(f->path, &len);
        record_at(written, len, 0, &offset, &size);
        assert_int_equal(locallog_decode_entry((const uint8_t *)written + offset + 4, size - 8, &first), 0);
        record_at(written, len, 1, &offset, &size);
        assert_int_equal(locallog_decode_entry((const uint8_t *)written + offset + 4, size - 8, &last), 0);
        assert_int_equal(first.line_len, JSONLOG_LINE_MAX);
        assert_true(first.partial);
        assert_false(first.last);
        assert_int_equal(first.ordinal, 1);
        assert_int_equal(first.id_len, LOCALLOG_PARTIAL_ID_LENGTH);
        assert_int_equal(last.line_len, 20000 - JSONLOG_LINE_MAX);
        assert_true(last.partial);
        assert_true(last.last);
        assert_int_equal(last.ordinal, 2);
        assert_int_equal(last.time_ns, first.time_ns);
        assert_memory_equal(last.id, first.id, LOCALLOG_PARTIAL_ID_LENGTH);

        assert_int_equal(jsonlog_reader_open_format(f->path, JSONLOG_FORMAT_LOCAL, &r), 0);
        assert_int_equal(jsonlog_reader_next(r, &e), 1);
        assert_int_equal(e.len, JSONLOG_LINE_MAX);
        assert_int_equal(jsonlog_reader_next(r, &e), 1);
        assert_int_equal(e.len, 20000 - JSONLOG_LINE_MAX + 1);
        assert_int_equal(e.data[e.len - 1], '\n');
        expect_entry(r, JSONLOG_STDOUT, fixture_times[1], "next\n");
}

static void write_numbered(struct jsonlog_writer *w, int from, int to)
{
        for (int i = from; i < to; i++) {
                char text[32];
                int n = snprintf(text, sizeof(text), "line %d\n", i);

                assert_int_equal(jsonlog_writer_write_at(w, JSONLOG_STDOUT, fixture_times[0] + i, text, (size_t)n), 0);
        }
}

static void expect_numbered(struct jsonlog_reader *r, int from, int to)
{
        struct jsonlog_entry e;

        for (int i = from; i < to; i++) {
                char text[32];

                snprintf(text, sizeof(text), "line %d\n", i);
                expect_entry(r, JSONLOG_STDOUT, fixture_times[0] + i, text);
        }
        assert_int_equal(jsonlog_reader_next(r, &e), 0);
}

static void reader_reads_compressed_rotation(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        char name[160];
        struct stat st;

        /* Each record is 34 or 35 bytes, so a file gets three. */
        assert_int_equal(jsonlog_writer_open(f->path, 100, 3, &w), 0);
        jsonlog_writer_set_format(w, JSONLOG_FORMAT_LOCAL);
        jsonlog_writer_set_compress(w, true);
        write_numbered(w, 0, 20);

        snprintf(name, sizeof(name), "%s.1.gz", f->path);
        assert_int_equal(stat(name, &st), 0);
        snprintf(name, sizeof(name), "%s.2.gz", f->path);
        assert_int_equal(stat(name, &st), 0);
        snprintf(name, sizeof(name), "%s.3.gz", f->path);
        assert_int_equal(stat(name, &st), -1);

        assert_int_equal(jsonlog_reader_open_format(f->path, JSONLOG_FORMAT_LOCAL, &r), 0);
        expect_numbered(r, 12, 20);
        jsonlog_reader_free(TAKE_PTR(r));

        assert_int_equal(jsonlog_reader_open_format(f->path, JSONLOG_FORMAT_LOCAL, &r), 0);
        assert_int_equal(jsonlog_reader_tail(r, 6), 0);
        expect_numbered(r, 14, 20);
}

/* Bytes that are no record end the reading of a file. Tail, which cannot
 * walk back over them, counts the file's records from its start. */
static void reader_stops_at_damage(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_writer_freep) struct jsonlog_writer *w = NULL;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        _cleanup_close_ int fd = -1;
        static const uint8_t junk[] = { 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 4 };

        assert_int_equal(jsonlog_writer_open(f->path, 0, 1, &w), 0);
        jsonlog_writer_set_format(w, JSONLOG_FORMAT_LOCAL);
        write_numbered(w, 0, 3);
        fd = open(f->path, O_WRONLY | O_APPEND | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(fs_write_all(fd, junk, sizeof(junk)), 0);

        assert_int_equal(jsonlog_reader_open_format(f->path, JSONLOG_FORMAT_LOCAL, &r), 0);
        expect_numbered(r, 0, 3);
        assert_int_equal(jsonlog_reader_tail(r, 2), 0);
        expect_numbered(r, 1, 3);
}

/* A record cut short at the end of the live file is left for later. */
static void reader_waits_for_whole_record(void **state)
{
        struct fixture *f = *state;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        _cleanup_free_ char *data = NULL;
        size_t len, offset, size;

        data = read_dockerd_fixture(&len);
        record_at(data, len, 1, &offset, &size);
        write_file(f->path, data, offset + 5);

        assert_int_equal(jsonlog_reader_open_format(f->path, JSONLOG_FORMAT_LOCAL, &r), 0);
        expect_entry(r, JSONLOG_STDOUT, fixture_times[0], "hello\n");
        {
                struct jsonlog_entry e;

                assert_int_equal(jsonlog_reader_next(r, &e), 0);
        }

        write_file(f->path, data, len);
        assert_int_equal(jsonlog_reader_wait(r, 1000), 1);
        expect_fixture_entries(r, 1);
}

static void decode_round_trip(void **state)
{
        static const char id[] = "0123";
        struct locallog_entry in = {
                .source = "stderr",
                .source_len = 6,
                .time_ns = -5,
                .line = (const uint8_t *)"\0bytes",
                .line_len = 6,
                .partial = true,
                .has_metadata = true,
                .last = true,
                .id = id,
                .id_len = 4,
                .ordinal = -2,
        };
        struct locallog_entry out;
        uint8_t buf[128];
        size_t n;

        (void)state;
        assert_true(locallog_record_max(&in) <= sizeof(buf));
        n = locallog_encode_record(&in, buf);
        assert_int_equal(n, locallog_record_max(&in));
        assert_int_equal(locallog_read_length(buf), n - 8);
        assert_int_equal(locallog_read_length(buf + n - 4), n - 8);
        assert_int_equal(locallog_decode_entry(buf + 4, n - 8, &out), 0);
        assert_int_equal(out.time_ns, -5);
        assert_int_equal(out.line_len, 6);
        assert_memory_equal(out.line, "\0bytes", 6);
        assert_true(out.partial && out.has_metadata && out.last);
        assert_int_equal(out.id_len, 4);
        assert_memory_equal(out.id, id, 4);
        assert_int_equal(out.ordinal, -2);
}

static void decode_skips_unknown_fields(void **state)
{
        /* field 9 varint, field 10 fixed64, field 11 bytes, field 12
         * fixed32, then source "stdout" and, in the metadata, field 7. */
        static const uint8_t data[] = { 0x48, 0x96, 0x01, 0x51, 1,    2,    3, 4,    5, 6,    7, 8,
                                        0x5a, 2,    'x',  'y',  0x65, 1,    2, 3,    4, 0x0a, 6, 's',
                                        't',  'd',  'o',  'u',  't',  0x2a, 4, 0x38, 1, 0x18, 7 };
        struct locallog_entry e;

        (void)state;
        assert_int_equal(locallog_decode_entry(data, sizeof(data), &e), 0);
        assert_int_equal(e.source_len, 6);
        assert_true(e.has_metadata);
        assert_int_equal(e.ordinal, 7);
        assert_false(e.partial);
}

static void decode_rejects(void **state)
{
        static const struct {
                const char *name;
                uint8_t data[16];
                size_t len;
        } cases[] = {
                { "truncated varint", { 0x10, 0x80 }, 2 },
                { "varint over ten bytes",
                  { 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1 },
                  12 },
                { "bytes past the end", { 0x1a, 5, 'a' }, 3 },
                { "field number zero", { 0x02, 0 }, 2 },
                { "source as varint", { 0x08, 1 }, 2 },
                { "time as bytes", { 0x12, 0 }, 2 },
                { "start group", { 0x4b }, 1 },
                { "bad metadata", { 0x2a, 2, 0x12, 3 }, 4 },
                { "metadata ordinal as bytes", { 0x2a, 2, 0x1a, 0 }, 4 },
        };
        struct locallog_entry e;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int r = locallog_decode_entry(cases[i].data, cases[i].len, &e);

                if (r != -EBADMSG)
                        fail_msg("%s: expected -EBADMSG, got %d", cases[i].name, r);
        }
}

static void parse_record_rejects_other_source(void **state)
{
        uint8_t record[] = { 0x0a, 3, 'f', 'o', 'o', 0x1a, 1, 'x', 0, 0, 0, 0 };
        struct jsonlog_entry e;

        (void)state;
        assert_int_equal(locallog_parse_record(record, 8, &e), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(decode_reencodes_dockerd_records),
                cmocka_unit_test(decode_dockerd_partial_record),
                cmocka_unit_test_setup_teardown(writer_matches_dockerd, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_reads_dockerd_file, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(writer_splits_long_line, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_reads_compressed_rotation, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_stops_at_damage, setup, log_fixture_teardown),
                cmocka_unit_test_setup_teardown(reader_waits_for_whole_record, setup, log_fixture_teardown),
                cmocka_unit_test(decode_round_trip),
                cmocka_unit_test(decode_skips_unknown_fields),
                cmocka_unit_test(decode_rejects),
                cmocka_unit_test(parse_record_rejects_other_source),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
