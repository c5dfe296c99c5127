/* SPDX-License-Identifier: Apache-2.0 */
/* Feeds arbitrary lines to the json-file entry parser; a parsed entry is
 * formatted again and must parse back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/monitor/jsonlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct jsonlog_entry *e)
{
        char *line = malloc(jsonlog_entry_max(e->len));
        struct jsonlog_entry again;
        size_t n;

        if (!line)
                return;
        n = jsonlog_format_entry(e->stream, e->time_ns, e->data, e->len, false, line);
        if (jsonlog_parse_line(line, n - 1, &again) != 0 || again.stream != e->stream || again.time_ns != e->time_ns)
                abort();
        /* Invalid UTF-8 in the decoded bytes turns into U+FFFD, so only
         * the length can grow. */
        if (again.len < e->len)
                abort();
        free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *line = malloc(size + 1);
        struct jsonlog_entry e;

        if (!line)
                return 0;
        memcpy(line, data, size);
        if (jsonlog_parse_line(line, size, &e) == 0) {
                if (e.stream != JSONLOG_STDOUT && e.stream != JSONLOG_STDERR)
                        abort();
                if (e.len > size)
                        abort();
                check_round_trip(&e);
        }
        free(line);
        return 0;
}
