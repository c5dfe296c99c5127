/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The record format of dockerd's local log driver (dockerd 20.10,
 * daemon/logger/local). Each entry is stored as
 *
 *   4-byte big-endian length N | N bytes of a protobuf LogEntry | N again
 *
 * so that a reader can walk the file backwards for --tail. LogEntry is the
 * message of moby's api/types/plugins/logdriver/entry.proto:
 *
 *   1 source (string)  2 time_nano (int64)  3 line (bytes)  4 partial (bool)
 *   5 partial_log_metadata (message: 1 last (bool), 2 id (string),
 *                                     3 ordinal (int32))
 *
 * A complete line is stored without its newline. The pieces of a line over
 * 16 KiB are partial entries sharing one id, with ordinals 1, 2, ...; the
 * piece that ends the line has the next ordinal and last set.
 *
 * The encoder and decoder are written by hand for these five fields: a
 * protobuf library would add a code generator and a runtime dependency to
 * the monitor, which every container runs, for one fixed message.
 */

/* Bytes of each length field around a record. */
#define LOCALLOG_LENGTH_SIZE 4

/* Records with a larger protobuf part are rejected as damaged. The writer
 * stores at most 16 KiB of output per record, so this leaves room for
 * records of other writers without letting a bad length allocate much. */
#define LOCALLOG_RECORD_MAX (1024 * 1024)

/* Bytes of the random id of a partial line (hexadecimal, as dockerd's). */
#define LOCALLOG_PARTIAL_ID_LENGTH 64

/* One LogEntry. The pointers refer to the decoded buffer or to the
 * caller's data. */
struct locallog_entry {
        const char *source; /* "stdout" or "stderr" as written by dockerd */
        size_t source_len;
        int64_t time_ns;
        const uint8_t *line;
        size_t line_len;
        bool partial;
        /* partial_log_metadata, meaningful when has_metadata */
        bool has_metadata;
        bool last;
        const char *id;
        size_t id_len;
        int32_t ordinal;
};

/* Upper bound of the bytes locallog_encode_record writes for e. */
size_t locallog_record_max(const struct locallog_entry *e);

/* Writes the framed record of e (both lengths included) to out, which has
 * room for locallog_record_max(e) bytes, with the fields in the order and
 * encoding of dockerd's generated code: ascending field numbers, fields
 * with their zero value left out. Returns the record's length. */
size_t locallog_encode_record(const struct locallog_entry *e, uint8_t *out);

/* Decodes the protobuf part of one record (without the lengths) into
 * *ret. Unknown fields are skipped, as protobuf readers do. Returns 0, or
 * -EBADMSG when data is not a valid LogEntry. */
int locallog_decode_entry(const uint8_t *data, size_t len, struct locallog_entry *ret);

/* Reads the big-endian length at p. */
static inline uint32_t locallog_read_length(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

struct jsonlog_entry;

/* Decodes the protobuf part of a record into a log entry for docker logs.
 * The entry's data points into record. A line that is not partial, or that
 * ends a partial one, gets its newline back in the byte after the line.
 * So record must be writable up to len + 1 bytes, which in a file is the
 * length after the record. Returns 0, or -EBADMSG for an invalid entry or
 * a source other than stdout and stderr. */
int locallog_parse_record(uint8_t *record, size_t len, struct jsonlog_entry *ret);

/* Finds where the last *remaining records of the log file fd begin,
 * walking backwards over their lengths. Returns 1 with *ret_start when
 * they all lie in this file; otherwise returns 0 with the file's records
 * subtracted from *remaining. When the lengths do not match, the file is
 * counted from its start, up to the first record that does not fit. */
int locallog_find_tail_start(int fd, int64_t *remaining, off_t *ret_start);
