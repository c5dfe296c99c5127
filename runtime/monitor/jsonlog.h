/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include "macro.h"

/*
 * Docker's json-file log format: one JSON object per line,
 *
 *   {"log":"hi\n","stream":"stdout","time":"2026-12-04T20:11:39.188268918Z"}
 *
 * written the way dockerd 20.10 writes it, so that files move between the
 * two engines and tools that parse dockerd's files read ours. A line of the
 * container's output becomes one entry whose "log" ends in "\n". A line of
 * JSONLOG_LINE_MAX bytes or more is split into partial entries of exactly
 * JSONLOG_LINE_MAX bytes without "\n", all stamped with the time of the
 * first one. Output left without a newline when the stream ends becomes a
 * last entry without "\n".
 */

#define JSONLOG_STDOUT 1
#define JSONLOG_STDERR 2

/* The file formats of a container log: json-file's lines, or the length
 * framed protobuf records of dockerd's local driver (locallog.h). Rotation,
 * compression and the split of long lines are the same in both. */
enum jsonlog_format {
        JSONLOG_FORMAT_JSON_FILE,
        JSONLOG_FORMAT_LOCAL,
};

/* dockerd's copier buffer: no entry carries more bytes than this. */
#define JSONLOG_LINE_MAX (16 * 1024)

struct jsonlog_writer;

/* Opens (appending to) or creates the log at path, never following a
 * symlink. When max_size > 0 the file is rotated before an entry is written
 * once it has reached max_size bytes: path.(max_files - 1) is dropped,
 * path.N becomes path.(N + 1) and path becomes path.1; with max_files <= 1
 * the file is truncated instead. */
int jsonlog_writer_open(const char *path, int64_t max_size, int max_files, struct jsonlog_writer **ret);

/* Selects the format of the entries written from now on (json-file when
 * never called). */
void jsonlog_writer_set_format(struct jsonlog_writer *w, enum jsonlog_format format);

/* Has rotation gzip each file it moves to path.1 into path.1.gz, as
 * dockerd's compress option does. Older files are then path.N.gz. */
void jsonlog_writer_set_compress(struct jsonlog_writer *w, bool compress);

/* Adds attrs, a JSON object's text such as {"app":"web"}, to every entry
 * from now on (copied). The local format has no attributes and ignores
 * them. */
int jsonlog_writer_set_attrs(struct jsonlog_writer *w, const char *attrs);

/* Logs a chunk of output as read from the container's stream (JSONLOG_STDOUT
 * or JSONLOG_STDERR), stamped with the current time. Bytes after the last
 * newline are kept until their newline arrives. */
int jsonlog_writer_write(struct jsonlog_writer *w, int stream, const void *data, size_t len);

/* Like jsonlog_writer_write with the time given in nanoseconds since the
 * epoch (the time the chunk was read). */
int jsonlog_writer_write_at(struct jsonlog_writer *w, int stream, int64_t time_ns, const void *data, size_t len);

/* Logs the pending output of every stream that has no newline yet, as
 * dockerd does when a stream ends. */
int jsonlog_writer_flush(struct jsonlog_writer *w);

/* Closes the file without flushing. */
void jsonlog_writer_free(struct jsonlog_writer *w);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct jsonlog_writer *, jsonlog_writer_free)

/* Appends the JSON string literal for data (quotes included) to out, escaped
 * byte for byte as dockerd's json-file writer does: <, > and & as \u003c,
 * \u003e and \u0026, control characters as \u00XX except \n and \r, invalid
 * UTF-8 bytes as \ufffd each, and U+2028 and U+2029 escaped. out must have
 * room for jsonlog_quoted_max(len) bytes. Returns the number written. */
size_t jsonlog_quote(const void *data, size_t len, char *out);

static inline size_t jsonlog_quoted_max(size_t len)
{
        return len * 6 + 2;
}

/* Upper bound of the bytes jsonlog_format_entry writes for len bytes of
 * output: the quoted data, "\n", the stream and the time. */
static inline size_t jsonlog_entry_max(size_t len)
{
        return jsonlog_quoted_max(len) + 2 + 128;
}

/* Writes the json-file line (with its final newline) for one entry to out,
 * which has room for jsonlog_entry_max(len) bytes. newline appends "\n" to
 * the logged data, as for every entry but partial ones. Returns the length. */
size_t jsonlog_format_entry(int stream, int64_t time_ns, const void *data, size_t len, bool newline, char *out);

/* Like jsonlog_format_entry with an "attrs" member between "stream" and
 * "time", as dockerd writes the attributes of --log-opt labels and env.
 * attrs is a JSON object's text, or NULL for none. out needs
 * strlen(attrs) + 16 more bytes. */
size_t jsonlog_format_entry_attrs(int stream, int64_t time_ns, const void *data, size_t len, bool newline,
                                  const char *attrs, char *out);

/* One entry as read back. data points into the reader or the parsed line
 * and stays valid until the next call on it. */
struct jsonlog_entry {
        int stream; /* JSONLOG_STDOUT or JSONLOG_STDERR */
        int64_t time_ns;
        const char *data;
        size_t len;
        const char *attrs; /* the "attrs" object's text, not NUL-terminated, or NULL */
        size_t attrs_len;
};

/* Parses one line (without its newline) into entry. The decoded "log" bytes
 * are written over the line itself, which is why line is not const. Returns
 * 0, or -EBADMSG when the line is not a json-file entry. */
int jsonlog_parse_line(char *line, size_t len, struct jsonlog_entry *ret);

/* Gzips path.1 into path.1.gz and removes path.1 (nothing to do when
 * path.1 is missing). */
int jsonlog_compress_rotated(const char *path);

/* Opens the gzip'd log file at path as an unnamed file with its
 * uncompressed content, positioned at its start. Returns the descriptor,
 * -1 when path is missing, or a negative errno (-EBADMSG for a damaged
 * file). NOTE: the content is held in memory (a memfd) while it is read. */
int jsonlog_open_gzip(const char *path);

struct jsonlog_reader;

/* Opens the log at path and its rotated files (path.N down to path.1, read
 * oldest first, each also found gzip'd as path.N.gz), positioned at the first entry. A missing path is an empty
 * log. */
int jsonlog_reader_open(const char *path, struct jsonlog_reader **ret);

/* Like jsonlog_reader_open for a log in the given format. */
int jsonlog_reader_open_format(const char *path, enum jsonlog_format format, struct jsonlog_reader **ret);

/* Returns the format the log driver named type writes: local or json-file
 * (for json-file and any other name). */
enum jsonlog_format jsonlog_format_for_driver(const char *type);

/* Positions the reader on the last n entries (all of them when n < 0),
 * reading backwards from the end without parsing what it skips. */
int jsonlog_reader_tail(struct jsonlog_reader *r, int64_t n);

/* Returns 1 with the next entry in *ret, 0 at the current end of the log, or
 * a negative errno. Malformed lines and records are skipped. A local
 * record whose lengths do not fit the file ends reading of that file, as
 * nothing after it can be found. */
int jsonlog_reader_next(struct jsonlog_reader *r, struct jsonlog_entry *ret);

/* Blocks until the log has grown or rotated since the last
 * jsonlog_reader_next returned 0, or timeout_ms passes (-1 waits forever).
 * Returns 1 when there may be more to read, 0 on timeout, or a negative
 * errno. */
int jsonlog_reader_wait(struct jsonlog_reader *r, int timeout_ms);

void jsonlog_reader_free(struct jsonlog_reader *r);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct jsonlog_reader *, jsonlog_reader_free)
