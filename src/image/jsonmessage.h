/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The lines of Docker's JSON message streams (load, import, pull), byte for
 * byte as dockerd writes them: Go's JSON encoding (which escapes <, > and &
 * as \u003c, \u003e and \u0026) and a "\r\n" after each message. Each
 * function returns a new string, or NULL when out of memory.
 */

/* {"stream":"<text>"} */
char *jsonmessage_stream(const char *text);

/* {"status":"<status>"} */
char *jsonmessage_status(const char *status);

/* {"status":"<status>","id":"<id>"}, as Docker's progress.Message writes
 * "Pulling from <repository>" with the tag as id. */
char *jsonmessage_status_id(const char *id, const char *status);

/* {"errorDetail":{"message":"<m>"},"error":"<m>"} */
char *jsonmessage_error(const char *message);

/* {"status":"<action>","progressDetail":{"current":..,"total":..},
 *  "progress":"[==>   ]  1.2MB/3MB","id":"<id>"} */
char *jsonmessage_progress(const char *id, const char *action, int64_t current, int64_t total);

/* {"progressDetail":{},"aux":{"Tag":"<tag>","Digest":"<digest>","Size":<size>}},
 * the result of pushing one tag. */
char *jsonmessage_push_result(const char *tag, const char *digest, int64_t size);

/* Formats a byte count as Docker's units.HumanSize: "32.77kB", "3.011MB". */
void jsonmessage_human_size(double size, char *ret, size_t size_ret);
