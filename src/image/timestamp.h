/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "error.h"

/* Parses a time filter value ("until" of prune, "since" and "until" of
 * events) as Docker's timetypes.GetTimestamp does, relative to now_ns:
 *  - a Go duration ("24h", "90m", "-1h") counts back from now, truncated
 *    to whole seconds;
 *  - "2006-01-02", "2006-01-02T15", "2006-01-02T15:04",
 *    "2006-01-02T15:04:05" and "2006-01-02T15:04:05.999999999", in the
 *    daemon's local time zone, or with a zone ("Z", "+07:00") after them;
 *  - a Unix timestamp, seconds with an optional fraction ("1700000000.5").
 * Returns the time in ns since the epoch, or -EINVAL with Docker's
 * message. */
int timestamp_parse_docker(const char *value, int64_t now_ns, int64_t *ret_ns, struct error *err);
