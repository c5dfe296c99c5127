/* SPDX-License-Identifier: Apache-2.0 */
#include "timeutil.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NSEC_PER_SEC INT64_C(1000000000)

static int64_t clock_ns(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int64_t timeutil_now_ns(void)
{
        return clock_ns(CLOCK_REALTIME);
}

int64_t timeutil_monotonic_ns(void)
{
        return clock_ns(CLOCK_MONOTONIC);
}

void timeutil_monotonic_deadline(struct timespec *ret, int timeout_ms)
{
        clock_gettime(CLOCK_MONOTONIC, ret);
        ret->tv_sec += timeout_ms / 1000;
        ret->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (ret->tv_nsec >= 1000000000L) {
                ret->tv_sec++;
                ret->tv_nsec -= 1000000000L;
        }
}

char *timeutil_format_rfc3339(int64_t ns, char *buf, size_t size)
{
        /* The date and time of the last second this thread formatted. The
         * json-file writer and docker logs format a timestamp per entry,
         * and gmtime_r() with strftime() cost more than the entry's
         * escaping did. */
        static __thread bool cached;
        static __thread time_t cached_secs;
        static __thread char cached_text[32];
        static __thread size_t cached_len;
        char text[TIMEUTIL_RFC3339_MAX];
        time_t secs;
        long frac;
        size_t n;

        if (ns == 0) {
                snprintf(buf, size, "0001-01-01T00:00:00Z");
                return buf;
        }

        secs = (time_t)(ns / NSEC_PER_SEC);
        frac = (long)(ns % NSEC_PER_SEC);
        if (frac < 0) {
                frac += NSEC_PER_SEC;
                secs--;
        }
        if (!cached || secs != cached_secs) {
                struct tm tm;

                gmtime_r(&secs, &tm);
                cached_len = strftime(cached_text, sizeof(cached_text), "%Y-%m-%dT%H:%M:%S", &tm);
                cached_secs = secs;
                cached = cached_len > 0;
                if (!cached) {
                        if (size > 0)
                                buf[0] = '\0';
                        return buf;
                }
        }
        memcpy(text, cached_text, cached_len);
        n = cached_len;

        /* The fraction has 9 digits, without its trailing zeros. */
        if (frac > 0) {
                char digits[9];
                size_t len = sizeof(digits);

                for (int i = 8; i >= 0; i--) {
                        digits[i] = (char)('0' + frac % 10);
                        frac /= 10;
                }
                while (digits[len - 1] == '0')
                        len--;
                text[n++] = '.';
                memcpy(text + n, digits, len);
                n += len;
        }
        text[n++] = 'Z';
        if (size > 0) {
                size_t copy = n < size ? n : size - 1;

                memcpy(buf, text, copy);
                buf[copy] = '\0';
        }
        return buf;
}

static int parse_digits(const char **p, int count, int *ret)
{
        int value = 0;

        for (int i = 0; i < count; i++) {
                if (!isdigit((unsigned char)(*p)[i]))
                        return -EINVAL;
                value = value * 10 + ((*p)[i] - '0');
        }
        *p += count;
        *ret = value;
        return 0;
}

static int expect_char(const char **p, char c)
{
        if (**p != c)
                return -EINVAL;
        (*p)++;
        return 0;
}

/* Parses ".123" into nanoseconds, accepting 1 to 9 digits. */
static int parse_fraction(const char **p, int64_t *ret_ns)
{
        int64_t frac = 0;
        int digits = 0;

        *ret_ns = 0;
        if (**p != '.')
                return 0;
        (*p)++;
        while (isdigit((unsigned char)**p)) {
                if (digits < 9) {
                        frac = frac * 10 + (**p - '0');
                        digits++;
                }
                (*p)++;
        }
        if (digits == 0)
                return -EINVAL;
        while (digits++ < 9)
                frac *= 10;
        *ret_ns = frac;
        return 0;
}

static int parse_zone(const char **p, int64_t *ret_offset_secs)
{
        int sign, hours, minutes;

        if (**p == 'Z' || **p == 'z') {
                (*p)++;
                *ret_offset_secs = 0;
                return 0;
        }
        if (**p != '+' && **p != '-')
                return -EINVAL;
        sign = **p == '-' ? -1 : 1;
        (*p)++;
        if (parse_digits(p, 2, &hours) < 0 || expect_char(p, ':') < 0 || parse_digits(p, 2, &minutes) < 0)
                return -EINVAL;
        *ret_offset_secs = sign * (hours * 3600 + minutes * 60);
        return 0;
}

/* Counts the days from 1970-01-01 to a date of the proleptic Gregorian
 * calendar. The count takes years to start on March 1, so that the leap
 * day ends its year. A day past the end of its month counts on into the
 * next one, as timegm() normalizes it. docker logs parses a timestamp per
 * line, and timegm() took 14 % of the daemon's instructions there
 * (callgrind, docs/benchmarks.md). */
static int64_t days_from_civil(int year, int month, int day)
{
        int64_t y = year - (month <= 2);
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t year_of_era = y - era * 400;
        int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

        return era * 146097 + day_of_era - 719468;
}

int timeutil_parse_rfc3339(const char *s, int64_t *ret_ns)
{
        int year, month, day, hour, minute, second;
        int64_t frac, offset, secs;
        const char *p = s;

        if (parse_digits(&p, 4, &year) < 0 || expect_char(&p, '-') < 0 || parse_digits(&p, 2, &month) < 0 ||
            expect_char(&p, '-') < 0 || parse_digits(&p, 2, &day) < 0)
                return -EINVAL;
        if (*p != 'T' && *p != 't' && *p != ' ')
                return -EINVAL;
        p++;
        if (parse_digits(&p, 2, &hour) < 0 || expect_char(&p, ':') < 0 || parse_digits(&p, 2, &minute) < 0 ||
            expect_char(&p, ':') < 0 || parse_digits(&p, 2, &second) < 0)
                return -EINVAL;
        if (parse_fraction(&p, &frac) < 0 || parse_zone(&p, &offset) < 0 || *p != '\0')
                return -EINVAL;
        if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
                return -EINVAL;
        /* Go's zero time stands for "never" and maps to 0. */
        if (year == 1 && month == 1 && day == 1 && hour == 0 && minute == 0 && second == 0 && frac == 0) {
                *ret_ns = 0;
                return 0;
        }
        /* Nanoseconds since the epoch fit in 64 bits only between 1678 and 2261. */
        if (year < 1678 || year > 2261)
                return -ERANGE;

        secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
        *ret_ns = (secs - offset) * NSEC_PER_SEC + frac;
        return 0;
}

int timeutil_parse_timestamp(const char *s, int64_t *ret_ns)
{
        const char *p = s;
        int64_t secs = 0, frac;
        bool negative = false;

        if (!s || !*s)
                return -EINVAL;
        if (strchr(s, '-') && strchr(s, 'T'))
                return timeutil_parse_rfc3339(s, ret_ns);

        if (*p == '-') {
                negative = true;
                p++;
        }
        if (!isdigit((unsigned char)*p))
                return -EINVAL;
        while (isdigit((unsigned char)*p)) {
                if (secs > INT64_MAX / NSEC_PER_SEC / 10)
                        return -EINVAL;
                secs = secs * 10 + (*p - '0');
                p++;
        }
        if (parse_fraction(&p, &frac) < 0 || *p != '\0')
                return -EINVAL;
        *ret_ns = (negative ? -1 : 1) * (secs * NSEC_PER_SEC + frac);
        return 0;
}
