/* SPDX-License-Identifier: Apache-2.0 */
/* HEALTHCHECK, builder flags and Go durations. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>

#include "changes-internal.h"
#include "jsonutil.h"
#include "shellword.h"
#include "strv.h"

#define MIN_INTERVAL_NS INT64_C(1000000) /* Docker's container.MinimumDuration, 1ms */

int changes_check_flags(struct instruction *in, const char *const *names, const char **ret_values, size_t n,
                        struct error *err)
{
        for (size_t i = 0; i < n; i++)
                ret_values[i] = NULL;

        STRV_FOREACH (flag, in->flags) {
                _cleanup_free_ char *name = NULL;
                const char *body = startswith(*flag, "--"), *eq;
                size_t i;

                if (!body)
                        return error_set(err, -EINVAL, "Arg should start with -- : %s", *flag);
                eq = strchr(body, '=');
                name = strndup(body, eq ? (size_t)(eq - body) : strlen(body));
                if (!name)
                        return -ENOMEM;

                for (i = 0; i < n && !streq(names[i], name); i++)
                        ;
                if (i == n)
                        return error_set(err, -EINVAL, "Unknown flag: %s", name);
                if (ret_values[i])
                        return error_set(err, -EINVAL, "Duplicate flag specified: %s", name);
                if (!eq)
                        return error_set(err, -EINVAL, "Missing a value on flag: %s", name);
                ret_values[i] = eq + 1;
        }
        return 0;
}

static const struct {
        const char *name;
        int64_t ns;
} duration_units[] = {
        { "ns", 1 },
        { "us", 1000 },
        { "\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
        { "\xce\xbcs", 1000 }, /* U+03BC Greek mu */
        { "ms", 1000000 },
        { "s", INT64_C(1000000000) },
        { "m", INT64_C(60000000000) },
        { "h", INT64_C(3600000000000) },
};

static int duration_error(struct error *err, const char *problem, const char *s)
{
        _cleanup_free_ char *quoted = shellword_go_quote(s);

        return error_set(err, -EINVAL, "time: %s %s", problem, quoted ?: s);
}

/* One "<number><unit>" part of a duration, added to *total. */
static int duration_part(const char **p, const char *whole, long double *total, struct error *err)
{
        const char *s = *p, *unit;
        long double value = 0, scale = 1;
        bool digits = false;
        size_t unit_len;

        for (; isdigit((unsigned char)*s); s++, digits = true)
                value = value * 10 + (*s - '0');
        if (*s == '.') {
                for (s++; isdigit((unsigned char)*s); s++, digits = true) {
                        scale /= 10;
                        value += (*s - '0') * scale;
                }
        }
        if (!digits)
                return duration_error(err, "invalid duration", whole);

        unit = s;
        while (*s && *s != '.' && !isdigit((unsigned char)*s))
                s++;
        unit_len = (size_t)(s - unit);
        if (unit_len == 0)
                return duration_error(err, "missing unit in duration", whole);

        for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++)
                if (strlen(duration_units[i].name) == unit_len &&
                    strncmp(unit, duration_units[i].name, unit_len) == 0) {
                        *total += value * (long double)duration_units[i].ns;
                        *p = s;
                        return 0;
                }

        {
                _cleanup_free_ char *name = strndup(unit, unit_len), *quoted = NULL, *quoted_whole = NULL;

                quoted = name ? shellword_go_quote(name) : NULL;
                quoted_whole = shellword_go_quote(whole);
                return error_set(err, -EINVAL, "time: unknown unit %s in duration %s", quoted ?: "",
                                 quoted_whole ?: "");
        }
}

int changes_parse_duration(const char *s, int64_t *ret_ns, struct error *err)
{
        const char *p = s;
        long double total = 0;
        bool negative = false;

        if (*p == '-' || *p == '+')
                negative = *p++ == '-';
        if (streq(p, "0")) {
                *ret_ns = 0;
                return 0;
        }
        if (!*p)
                return duration_error(err, "invalid duration", s);

        while (*p) {
                int r = duration_part(&p, s, &total, err);

                if (r < 0)
                        return r;
        }
        if (total > (long double)INT64_MAX)
                return duration_error(err, "invalid duration", s);

        *ret_ns = negative ? -(int64_t)total : (int64_t)total;
        return 0;
}

static int interval(const char *flag, const char *value, int64_t *ret, struct error *err)
{
        int r;

        *ret = 0;
        if (isempty(value))
                return 0;
        r = changes_parse_duration(value, ret, err);
        if (r < 0)
                return r;
        if (*ret < MIN_INTERVAL_NS)
                return error_set(err, -EINVAL, "Interval \"%s\" cannot be less than 1ms", flag);
        return 0;
}

static int parse_retries(const char *value, int64_t *ret, struct error *err)
{
        char *end = NULL;
        long long n;

        *ret = 0;
        if (isempty(value))
                return 0;
        errno = 0;
        n = strtoll(value, &end, 10);
        if (errno == ERANGE || n > INT32_MAX || n < INT32_MIN)
                return error_set(err, -EINVAL, "strconv.ParseInt: parsing \"%s\": value out of range", value);
        if (*end || end == value || isspace((unsigned char)*value))
                return error_set(err, -EINVAL, "strconv.ParseInt: parsing \"%s\": invalid syntax", value);
        if (n < 1)
                return error_set(err, -EINVAL, "--retries must be at least 1 (not %lld)", n);
        *ret = n;
        return 0;
}

static json_object *health_test(struct instruction *in, const char *type)
{
        json_object *test = json_object_new_array();

        json_object_array_add(test, json_object_new_string(in->json ? type : "CMD-SHELL"));
        if (in->json)
                for (size_t i = 1; in->args[i]; i++)
                        json_object_array_add(test, json_object_new_string(in->args[i]));
        else {
                _cleanup_free_ char *joined = changes_join(in->args + 1);

                json_object_array_add(test, json_object_new_string(joined ?: ""));
        }
        return test;
}

int changes_apply_healthcheck(json_object *config, struct instruction *in, struct error *err)
{
        static const char *const names[] = { "interval", "timeout", "start-period", "retries" };
        static const char *const keys[] = { "Interval", "Timeout", "StartPeriod" };
        const char *values[ARRAY_SIZE(names)];
        json_object *health;
        char type[16];
        int64_t retries;
        size_t n_args = strv_length(in->args);
        int r;

        if (n_args == 0)
                return error_set(err, -EINVAL, "HEALTHCHECK requires at least one argument");
        snprintf(type, sizeof(type), "%s", in->args[0]);
        for (char *p = type; *p; p++)
                *p = (char)toupper((unsigned char)*p);

        /* NONE takes no flags either; Docker does not even look at them. */
        if (streq(type, "NONE")) {
                if (n_args > 1)
                        return error_set(err, -EINVAL, "HEALTHCHECK NONE takes no arguments");
                health = json_object_new_object();
                json_object_object_add(health, "Test", json_tokener_parse("[\"NONE\"]"));
                json_object_object_add(config, "Healthcheck", health);
                return 0;
        }

        r = changes_check_flags(in, names, values, ARRAY_SIZE(names), err);
        if (r < 0)
                return r;
        if (!streq(type, "CMD")) {
                _cleanup_free_ char *quoted = shellword_go_quote(type);

                return error_set(err, -EINVAL, "Unknown type %s in HEALTHCHECK (try CMD)", quoted ?: type);
        }
        if (n_args < 2)
                return error_set(err, -EINVAL, "Missing command after HEALTHCHECK CMD");

        health = json_object_new_object();
        json_object_object_add(health, "Test", health_test(in, type));
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                int64_t ns;

                r = interval(names[i], values[i], &ns, err);
                if (r < 0) {
                        json_object_put(health);
                        return r;
                }
                json_object_object_add(health, keys[i], json_object_new_int64(ns));
        }
        r = parse_retries(values[3], &retries, err);
        if (r < 0) {
                json_object_put(health);
                return r;
        }
        json_object_object_add(health, "Retries", json_object_new_int64(retries));
        json_object_object_add(config, "Healthcheck", health);
        return 0;
}
