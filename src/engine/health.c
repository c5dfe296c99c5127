/* SPDX-License-Identifier: Apache-2.0 */
/* The health state of a container and the rules that update it. */
#include "health.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "macro.h"
#include "strv.h"
#include "timeutil.h"

static char **probe_command(json_object *test)
{
        const char *type = json_object_get_string(json_object_array_get_idx(test, 0));
        size_t n = json_object_array_length(test);
        char **probe = NULL;

        if (streq(type, "CMD-SHELL")) {
                const char *command = json_object_get_string(json_object_array_get_idx(test, 1));

                if (strv_append(&probe, "/bin/sh") < 0 || strv_append(&probe, "-c") < 0 ||
                    strv_append(&probe, command ? command : "") < 0) {
                        strv_free(probe);
                        return NULL;
                }
                return probe;
        }
        for (size_t i = 1; i < n; i++) {
                const char *arg = json_object_get_string(json_object_array_get_idx(test, i));

                if (strv_append(&probe, arg ? arg : "") < 0) {
                        strv_free(probe);
                        return NULL;
                }
        }
        return probe;
}

int health_config_from_json(json_object *healthcheck, struct health_config *ret)
{
        json_object *test = json_field_array(healthcheck, "Test");
        const char *type;
        int64_t value;

        *ret = (struct health_config){ 0 };
        if (!test || json_object_array_length(test) == 0)
                return 0;
        type = json_object_get_string(json_object_array_get_idx(test, 0));
        if (!type || (!streq(type, "CMD") && !streq(type, "CMD-SHELL")))
                return 0;
        /* A "CMD" without arguments leaves probe NULL, so every probe fails
         * with "No exec command specified". */
        ret->probe = probe_command(test);
        if (!ret->probe && json_object_array_length(test) > 1)
                return -ENOMEM;

        value = json_field_int(healthcheck, "Interval", 0);
        ret->interval_ns = value > 0 ? value : HEALTH_DEFAULT_INTERVAL_NS;
        value = json_field_int(healthcheck, "Timeout", 0);
        ret->timeout_ns = value > 0 ? value : HEALTH_DEFAULT_TIMEOUT_NS;
        value = json_field_int(healthcheck, "StartPeriod", 0);
        ret->start_period_ns = value > 0 ? value : 0;
        value = json_field_int(healthcheck, "Retries", 0);
        ret->retries = value > 0 && value <= INT32_MAX ? (int)value : HEALTH_DEFAULT_RETRIES;
        return 1;
}

void health_config_clear(struct health_config *config)
{
        strv_free(config->probe);
        *config = (struct health_config){ 0 };
}

const char *health_status_to_string(enum health_status status)
{
        switch (status) {
        case HEALTH_HEALTHY:
                return "healthy";
        case HEALTH_UNHEALTHY:
                return "unhealthy";
        default:
                return "starting";
        }
}

const char *health_status_text(enum health_status status)
{
        return status == HEALTH_STARTING ? "health: starting" : health_status_to_string(status);
}

static int health_status_from_string(const char *s)
{
        if (streq(s, "starting"))
                return HEALTH_STARTING;
        if (streq(s, "healthy"))
                return HEALTH_HEALTHY;
        if (streq(s, "unhealthy"))
                return HEALTH_UNHEALTHY;
        return -EINVAL;
}

void health_reset(struct container_health *h)
{
        h->status = HEALTH_STARTING;
        h->failing_streak = 0;
}

static void append_log(struct container_health *h, struct health_result *result)
{
        if (h->n_log == HEALTH_LOG_MAX) {
                free(h->log[0].output);
                memmove(&h->log[0], &h->log[1], (HEALTH_LOG_MAX - 1) * sizeof(h->log[0]));
                h->n_log--;
        }
        h->log[h->n_log++] = *result;
        result->output = NULL;
}

bool health_record(struct container_health *h, const struct health_config *config, int64_t started_ns,
                   struct health_result *result)
{
        enum health_status old = h->status;
        bool counts = true;

        if (result->exit_code == 0) {
                h->failing_streak = 0;
                h->status = HEALTH_HEALTHY;
        } else {
                /* Failures before the first success do not count while the
                 * start period lasts. */
                if (h->status == HEALTH_STARTING && result->start_ns - started_ns < config->start_period_ns)
                        counts = false;
                if (counts && ++h->failing_streak >= config->retries)
                        h->status = HEALTH_UNHEALTHY;
        }
        append_log(h, result);
        return h->status != old;
}

void health_truncate_output(char *output, size_t len)
{
        if (len <= HEALTH_OUTPUT_MAX) {
                output[len] = '\0';
                return;
        }
        memcpy(output + HEALTH_OUTPUT_MAX, "...", 4);
}

/* Appends "INT[.FRACTION]UNIT" with the fraction's trailing zeros cut, as
 * Go prints a duration's last unit. */
static int format_fixed(char *buf, size_t size, int64_t value, int64_t scale, const char *unit)
{
        int64_t whole = value / scale, fraction = value % scale;
        char digits[32];
        int width = 0;

        if (fraction == 0)
                return snprintf(buf, size, "%" PRId64 "%s", whole, unit);
        for (int64_t s = scale; s > 1; s /= 10)
                width++;
        snprintf(digits, sizeof(digits), "%0*" PRId64, MIN(width, 18), fraction);
        for (size_t n = strlen(digits); n > 0 && digits[n - 1] == '0'; n--)
                digits[n - 1] = '\0';
        return snprintf(buf, size, "%" PRId64 ".%s%s", whole, digits, unit);
}

const char *health_format_duration(int64_t ns, char *buf, size_t size)
{
        const int64_t second = 1000000000, minute = 60 * second, hour = 60 * minute;
        int n = 0;

        if (ns < 0) {
                n = snprintf(buf, size, "-");
                ns = -ns;
        }
        if (ns == 0)
                snprintf(buf, size, "0s");
        else if (ns < 1000)
                snprintf(buf + n, size - n, "%" PRId64 "ns", ns);
        else if (ns < 1000000)
                format_fixed(buf + n, size - n, ns, 1000, "µs");
        else if (ns < second)
                format_fixed(buf + n, size - n, ns, 1000000, "ms");
        else if (ns < minute)
                format_fixed(buf + n, size - n, ns, second, "s");
        else {
                if (ns >= hour)
                        n += snprintf(buf + n, size - n, "%" PRId64 "h", ns / hour);
                n += snprintf(buf + n, size - n, "%" PRId64 "m", ns % hour / minute);
                format_fixed(buf + n, size - n, ns % minute, second, "s");
        }
        return buf;
}

char *health_timeout_message(int64_t timeout_ns)
{
        char duration[64];
        char *message;

        health_format_duration(timeout_ns, duration, sizeof(duration));
        if (asprintf(&message, "Health check exceeded timeout (%s)", duration) < 0)
                return NULL;
        return message;
}

static void add_time(json_object *obj, const char *key, int64_t ns)
{
        char buf[TIMEUTIL_RFC3339_MAX];

        json_object_object_add(obj, key, json_object_new_string(timeutil_format_rfc3339(ns, buf, sizeof(buf))));
}

json_object *health_to_json(const struct container_health *h)
{
        json_object *obj = json_object_new_object(), *log = json_object_new_array();

        json_object_object_add(obj, "Status", json_object_new_string(health_status_to_string(h->status)));
        json_object_object_add(obj, "FailingStreak", json_object_new_int(h->failing_streak));
        for (size_t i = 0; i < h->n_log; i++) {
                json_object *entry = json_object_new_object();

                add_time(entry, "Start", h->log[i].start_ns);
                add_time(entry, "End", h->log[i].end_ns);
                json_object_object_add(entry, "ExitCode", json_object_new_int(h->log[i].exit_code));
                json_object_object_add(entry, "Output", json_object_new_string(h->log[i].output ?: ""));
                json_object_array_add(log, entry);
        }
        json_object_object_add(obj, "Log", log);
        return obj;
}

static int64_t parse_time(json_object *obj, const char *key)
{
        int64_t ns = 0;

        if (timeutil_parse_rfc3339(json_field_string(obj, key, ""), &ns) < 0)
                return 0;
        return ns;
}

struct container_health *health_from_json(json_object *obj)
{
        json_object *log = json_field_array(obj, "Log");
        struct container_health *h;
        int status;
        size_t n, first;

        if (!obj || !json_object_is_type(obj, json_type_object))
                return NULL;
        status = health_status_from_string(json_field_string(obj, "Status", ""));
        if (status < 0)
                return NULL;
        h = calloc(1, sizeof(*h));
        if (!h)
                return NULL;
        h->status = status;
        h->failing_streak = (int)json_field_int(obj, "FailingStreak", 0);
        n = log ? json_object_array_length(log) : 0;
        first = n > HEALTH_LOG_MAX ? n - HEALTH_LOG_MAX : 0;
        for (size_t i = first; i < n; i++) {
                json_object *entry = json_object_array_get_idx(log, i);
                struct health_result *r = &h->log[h->n_log];

                r->start_ns = parse_time(entry, "Start");
                r->end_ns = parse_time(entry, "End");
                r->exit_code = (int)json_field_int(entry, "ExitCode", 0);
                r->output = strdup(json_field_string(entry, "Output", ""));
                if (!r->output) {
                        health_free(h);
                        return NULL;
                }
                h->n_log++;
        }
        return h;
}

void health_free(struct container_health *h)
{
        if (!h)
                return;
        for (size_t i = 0; i < h->n_log; i++)
                free(h->log[i].output);
        free(h);
}
