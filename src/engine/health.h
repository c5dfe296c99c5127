/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Health checks, as dockerd 20.10 runs them: a probe from
 * Config.Healthcheck runs as an exec in the running container every
 * interval, and its results decide State.Health.
 */

/* State.Health.Log keeps this many results, the newest last. */
#define HEALTH_LOG_MAX 5

/* A probe's output is cut at this many bytes and then ends with "...". */
#define HEALTH_OUTPUT_MAX 4096

/* dockerd's defaults for the fields of a Healthcheck left at 0. */
#define HEALTH_DEFAULT_INTERVAL_NS (INT64_C(30) * 1000000000)
#define HEALTH_DEFAULT_TIMEOUT_NS  (INT64_C(30) * 1000000000)
#define HEALTH_DEFAULT_RETRIES     3

enum health_status {
        HEALTH_STARTING,
        HEALTH_HEALTHY,
        HEALTH_UNHEALTHY,
};

/* One probe's result (Docker's HealthcheckResult). Times are wall-clock
 * nanoseconds. */
struct health_result {
        int64_t start_ns;
        int64_t end_ns;
        int exit_code; /* -1 when the probe timed out or could not run */
        char *output;
};

/* Docker's State.Health. Lives in container_state, guarded by its lock. */
struct container_health {
        enum health_status status;
        int failing_streak;
        struct health_result log[HEALTH_LOG_MAX];
        size_t n_log;
};

/* Config.Healthcheck with dockerd's defaults applied. */
struct health_config {
        char **probe; /* the command run as an exec */
        int64_t interval_ns;
        int64_t timeout_ns;
        int64_t start_period_ns;
        int retries;
};

/* Reads a Config.Healthcheck object. Returns 1 with ret filled when it
 * has a probe (Test is ["CMD", ARGS...] or ["CMD-SHELL", COMMAND]), 0 when
 * there is none (no object, an empty Test, ["NONE"] or an unknown type,
 * which dockerd ignores with a warning), -ENOMEM. */
int health_config_from_json(json_object *healthcheck, struct health_config *ret);
void health_config_clear(struct health_config *config);

const char *health_status_to_string(enum health_status status);

/* Returns the health text that docker ps puts after "Up ...":
 * "health: starting", "healthy" or "unhealthy". */
const char *health_status_text(enum health_status status);

/* Resets h for a new start of the container: starting, with no failing
 * streak, keeping the log as dockerd does. */
void health_reset(struct container_health *h);

/* Records a probe's result (consumed) in h with dockerd's rules. Exit
 * code 0 makes the container healthy. Any other code adds to the failing
 * streak, and retries failures in a row make it unhealthy. A failure
 * while the container is starting and within start_period of started_ns
 * does not count. Returns true when the status changed. */
bool health_record(struct container_health *h, const struct health_config *config, int64_t started_ns,
                   struct health_result *result);

/* Ends output, which contains len bytes, at HEALTH_OUTPUT_MAX bytes with
 * "..." appended when it was longer (as dockerd does), else at len. The
 * buffer has room for len + 1 and HEALTH_OUTPUT_MAX + 4 bytes. */
void health_truncate_output(char *output, size_t len);

/* Formats "Health check exceeded timeout (DURATION)" with DURATION as Go
 * prints a time.Duration ("30s", "1.5s", "500ms", "1m0s"). */
char *health_timeout_message(int64_t timeout_ns);

/* Formats ns as Go's time.Duration.String() into buf. */
const char *health_format_duration(int64_t ns, char *buf, size_t size);

json_object *health_to_json(const struct container_health *h);
/* Parses State.Health from state.json. Returns NULL for a missing or
 * invalid object. */
struct container_health *health_from_json(json_object *obj);
void health_free(struct container_health *h);
