/* SPDX-License-Identifier: Apache-2.0 */
/* Feeds arbitrary bytes to the decoder of the local log driver's records.
 * A decoded entry is encoded again and must decode to the same fields, and
 * the reader's conversion to a log entry must stay inside the record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/monitor/jsonlog.h"
#include "runtime/monitor/locallog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_bytes(const void *a, size_t a_len, const void *b, size_t b_len)
{
        return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

static void check_round_trip(const struct locallog_entry *e)
{
        size_t max = locallog_record_max(e);
        uint8_t *record = malloc(max);
        struct locallog_entry again;
        size_t n;

        if (!record)
                return;
        n = locallog_encode_record(e, record);
        if (n != max || locallog_read_length(record) != n - 8 || locallog_read_length(record + n - 4) != n - 8)
                abort();
        if (locallog_decode_entry(record + 4, n - 8, &again) != 0)
                abort();
        if (!same_bytes(again.source, again.source_len, e->source, e->source_len) ||
            !same_bytes(again.line, again.line_len, e->line, e->line_len) || again.time_ns != e->time_ns ||
            again.partial != e->partial || again.has_metadata != e->has_metadata)
                abort();
        if (e->has_metadata && (again.last != e->last || again.ordinal != e->ordinal ||
                                !same_bytes(again.id, again.id_len, e->id, e->id_len)))
                abort();
        free(record);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* One byte more, as after a record in a file, for the newline. */
        uint8_t *record = malloc(size + 1);
        struct locallog_entry e;
        struct jsonlog_entry entry;

        if (!record)
                return 0;
        memcpy(record, data, size);
        if (locallog_decode_entry(record, size, &e) == 0) {
                if (e.source_len > size || e.line_len > size || e.id_len > size)
                        abort();
                check_round_trip(&e);
        }
        if (locallog_parse_record(record, size, &entry) == 0) {
                if (entry.stream != JSONLOG_STDOUT && entry.stream != JSONLOG_STDERR)
                        abort();
                if ((const uint8_t *)entry.data < record || (const uint8_t *)entry.data + entry.len > record + size + 1)
                        abort();
        }
        free(record);
        return 0;
}
