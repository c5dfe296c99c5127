/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>
#include <stddef.h>
#include <time.h>

/* Large enough for "2006-01-02T15:04:05.999999999Z" plus a NUL. */
#define TIMEUTIL_RFC3339_MAX 40

/* Nanoseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t timeutil_now_ns(void);

/* Nanoseconds of CLOCK_MONOTONIC, for timeouts. */
int64_t timeutil_monotonic_ns(void);

/* Sets ret to timeout_ms milliseconds from now on CLOCK_MONOTONIC, the
 * absolute time that pthread_cond_timedwait takes on a condition whose
 * clock is CLOCK_MONOTONIC. */
void timeutil_monotonic_deadline(struct timespec *ret, int timeout_ms);

/* Formats ns as Go's time.RFC3339Nano in UTC, the format of every time in the
 * Docker API and its json-file logs: trailing zeros of the fraction are
 * dropped, and 0 is Go's zero time "0001-01-01T00:00:00Z". Returns buf. */
char *timeutil_format_rfc3339(int64_t ns, char *buf, size_t size);

/* Parses an RFC 3339 time with optional fraction and "Z" or "+hh:mm" into
 * nanoseconds since the epoch. Go's zero time parses as 0. Returns 0 or -EINVAL. */
int timeutil_parse_rfc3339(const char *s, int64_t *ret_ns);

/* Parses the time forms Docker's --since and --until send: a Unix
 * timestamp with optional fraction ("1700000000.5"), or RFC 3339.
 * Returns 0 or -EINVAL. */
int timeutil_parse_timestamp(const char *s, int64_t *ret_ns);
