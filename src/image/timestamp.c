/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's time filter values (timestamp.h), after the rules of its
 * api/types/time.GetTimestamp in Docker 20.10. */
#include "timestamp.h"

#include <ctype.h>
#include <time.h>

#include "changes-internal.h"
#include "timeutil.h"

#define NS_PER_SEC 1000000000LL

/* The layout GetTimestamp picks for a value. */
struct layout {
        bool local;    /* no zone: the daemon's local time zone */
        int fields;    /* 3 date only, 4 with hour, 5 with minutes, 6 with seconds */
        bool fraction; /* ".999999999" after the seconds */
};

static struct layout pick_layout(const char *value)
{
        struct layout l = { 0 };
        size_t dashes = 0, colons = 0;

        for (const char *p = value; *p; p++) {
                dashes += *p == '-';
                colons += *p == ':';
        }
        /* A Z, a + or three dashes (a date and a negative offset) mean a
         * zone is given. */
        l.local = !(strpbrk(value, "zZ+") || dashes == 3);
        if (strchr(value, '.')) {
                l.fields = 6;
                l.fraction = true;
        } else if (strchr(value, 'T')) {
                /* The colons of the time, without the one in "+07:00". */
                if (!l.local && !strpbrk(value, "zZ") && colons > 0)
                        colons--;
                if (colons == 0)
                        l.fields = 4;
                else if (colons == 1)
                        l.fields = 5;
                else
                        l.fields = 6;
        } else
                l.fields = 3;
        return l;
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *ret)
{
        int value = 0;

        for (int i = 0; i < n; i++) {
                if (!isdigit((unsigned char)(*p)[i]))
                        return false;
                value = value * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = value;
        return true;
}

static bool literal(const char **p, char c)
{
        if (**p != c)
                return false;
        (*p)++;
        return true;
}

static bool parse_fraction(const char **p, int64_t *ret_ns)
{
        int64_t ns = 0, scale = NS_PER_SEC / 10;

        if (!literal(p, '.') || !isdigit((unsigned char)**p))
                return false;
        for (; isdigit((unsigned char)**p); (*p)++) {
                ns += (**p - '0') * scale;
                scale /= 10;
        }
        *ret_ns = ns;
        return true;
}

/* Parses "Z", "+07:00" or "-07:00" into seconds east of UTC. */
static bool parse_zone(const char **p, int64_t *ret_offset)
{
        int hours, minutes;
        int sign;

        if (literal(p, 'Z')) {
                *ret_offset = 0;
                return true;
        }
        if (**p != '+' && **p != '-')
                return false;
        sign = **p == '-' ? -1 : 1;
        (*p)++;
        if (!digits(p, 2, &hours) || !literal(p, ':') || !digits(p, 2, &minutes) || hours > 23 || minutes > 59)
                return false;
        *ret_offset = sign * (hours * 3600 + minutes * 60);
        return true;
}

static int days_in_month(int year, int month)
{
        static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

        return month == 2 && leap ? 29 : days[month - 1];
}

/* The daemon's current offset from UTC, which Docker uses for values
 * without a zone (time.FixedZone(reference.Zone())). */
static int64_t local_offset(int64_t now_ns)
{
        time_t now = (time_t)(now_ns / NS_PER_SEC);
        struct tm tm;

        return localtime_r(&now, &tm) ? tm.tm_gmtoff : 0;
}

/* Returns the field Go's time.Parse names when a value is out of range
 * ("month" for "month out of range"), or NULL. */
static const char *out_of_range(const int f[6])
{
        if (f[1] < 1 || f[1] > 12)
                return "month";
        if (f[2] < 1 || f[2] > days_in_month(f[0], f[1]))
                return "day";
        if (f[3] > 23)
                return "hour";
        if (f[4] > 59)
                return "minute";
        if (f[5] > 59)
                return "second";
        return NULL;
}

static int parse_time(const char *value, const struct layout *l, int64_t now_ns, int64_t *ret_ns,
                      const char **ret_range)
{
        const char *p = value;
        int f[6] = { 0, 1, 1, 0, 0, 0 };
        int64_t fraction = 0, offset = 0, secs;
        struct tm tm = { 0 };

        if (!digits(&p, 4, &f[0]) || !literal(&p, '-') || !digits(&p, 2, &f[1]) || !literal(&p, '-') ||
            !digits(&p, 2, &f[2]))
                return -EINVAL;
        for (int i = 3; i < l->fields; i++)
                if (!literal(&p, i == 3 ? 'T' : ':') || !digits(&p, 2, &f[i]))
                        return -EINVAL;
        if (l->fraction && !parse_fraction(&p, &fraction))
                return -EINVAL;
        if (!l->local && !parse_zone(&p, &offset))
                return -EINVAL;
        if (*p != '\0')
                return -EINVAL;

        *ret_range = out_of_range(f);
        if (*ret_range)
                return -EINVAL;
        if (l->local)
                offset = local_offset(now_ns);

        tm = (struct tm){ .tm_year = f[0] - 1900,
                          .tm_mon = f[1] - 1,
                          .tm_mday = f[2],
                          .tm_hour = f[3],
                          .tm_min = f[4],
                          .tm_sec = f[5] };
        secs = (int64_t)timegm(&tm) - offset;
        /* Years outside 1678 to 2261 do not fit in nanoseconds: clamp them,
         * which keeps their order for the filters that compare them. */
        if (secs <= INT64_MIN / NS_PER_SEC)
                *ret_ns = INT64_MIN;
        else if (secs >= INT64_MAX / NS_PER_SEC)
                *ret_ns = INT64_MAX;
        else
                *ret_ns = secs * NS_PER_SEC + fraction;
        return 0;
}

/* Returns now_ns - duration_ns rounded down to a whole second, as Go's
 * Time.Unix() rounds toward the earlier second. Times that nanoseconds
 * cannot hold are clamped, as parse_time clamps them. */
static int64_t whole_seconds_before(int64_t now_ns, int64_t duration_ns)
{
        int64_t t, secs;

        if (__builtin_sub_overflow(now_ns, duration_ns, &t))
                return duration_ns > 0 ? INT64_MIN : INT64_MAX;
        secs = t / NS_PER_SEC - (t % NS_PER_SEC < 0);
        if (secs < INT64_MIN / NS_PER_SEC)
                return INT64_MIN;
        return secs * NS_PER_SEC;
}

int timestamp_parse_docker(const char *value, int64_t now_ns, int64_t *ret_ns, struct error *err)
{
        const char *range = NULL;
        struct layout l;
        int64_t duration;

        if (!streq(value, "0") && changes_parse_duration(value, &duration, NULL) >= 0) {
                *ret_ns = whole_seconds_before(now_ns, duration);
                return 0;
        }

        l = pick_layout(value);
        if (parse_time(value, &l, now_ns, ret_ns, &range) >= 0)
                return 0;
        if (range)
                return error_set(err, -EINVAL, "parsing time \"%s\": %s out of range", value, range);
        /* A dash means a date that failed to parse; Go's parser then
         * names the layout, which this message does in words. */
        if (strchr(value, '-'))
                return error_set(err, -EINVAL,
                                 "parsing time \"%s\": expected a date as 2006-01-02, optionally followed by "
                                 "T15, T15:04, T15:04:05 or T15:04:05.999999999 and a zone",
                                 value);
        if (timeutil_parse_timestamp(value, ret_ns) < 0)
                return error_set(err, -EINVAL, "failed to parse value as time or duration: \"%s\"", value);
        return 0;
}
