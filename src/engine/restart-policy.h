/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/*
 * Docker's restart policies (HostConfig.RestartPolicy) and the rules of
 * dockerd 20.10's restart manager: which exit restarts a container, and
 * how long to wait before. These functions keep no state, because the
 * engine keeps the restart count (State.RestartCount) and the last delay.
 */

enum restart_policy_name {
        RESTART_POLICY_NO,
        RESTART_POLICY_ALWAYS,
        RESTART_POLICY_UNLESS_STOPPED,
        RESTART_POLICY_ON_FAILURE,
};

struct restart_policy {
        enum restart_policy_name name;
        int64_t max_retry_count; /* on-failure only: restarts allowed, 0 for no limit */
};

/* The first delay before a restart, its growth factor, its maximum, and
 * how long a container must have run for the next delay to be the first
 * again (dockerd's restartmanager constants). */
#define RESTART_DELAY_FIRST_MS     100
#define RESTART_DELAY_FACTOR       2
#define RESTART_DELAY_MAX_MS       (60 * 1000)
#define RESTART_RESET_AFTER_RUN_NS (10 * 1000000000LL)

/* Parses a RestartPolicy object ({"Name", "MaximumRetryCount"}) with
 * dockerd's checks and messages: an unknown name is "invalid restart
 * policy 'NAME'", a retry count with a policy other than on-failure or a
 * negative one is invalid (-EINVAL). A missing or null object, or an
 * empty name, is "no". */
int restart_policy_parse(json_object *policy, struct restart_policy *ret, struct error *err);

/* Tells whether the container's restart policy is anything but "no".
 * An invalid policy counts as "no". */
bool restart_policy_is_set(json_object *policy);

/* Decides, as dockerd's restart manager does, whether an exit restarts
 * the container. "always" always does, and "unless-stopped" does unless a
 * user stopped or killed it. "on-failure" does when exit_code is not 0
 * and fewer than max_retry_count restarts (restart_count) happened since
 * the last start through the API. */
bool restart_policy_should_restart(const struct restart_policy *policy, int restart_count, int exit_code,
                                   bool stopped_by_user);

/* Returns the delay before the next restart, in milliseconds, given the
 * previous one (0 before the first restart) and how long the container
 * ran: RESTART_DELAY_FIRST_MS, doubled at each restart up to
 * RESTART_DELAY_MAX_MS, and back to the first after a run of at least
 * RESTART_RESET_AFTER_RUN_NS. */
int64_t restart_delay_next(int64_t previous_ms, int64_t ran_ns);

/* Returns the policy as dockerd shows it in HostConfig, with both fields
 * ({"Name", "MaximumRetryCount"}), or NULL when out of memory. */
json_object *restart_policy_to_json(const struct restart_policy *policy);
