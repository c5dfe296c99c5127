/* SPDX-License-Identifier: Apache-2.0 */
/* Restart policies: parsing with dockerd's checks, and the restart
 * manager's decision and backoff. */
#include "restart-policy.h"

#include "jsonutil.h"
#include "macro.h"

static const char *const policy_names[] = {
        [RESTART_POLICY_NO] = "no",
        [RESTART_POLICY_ALWAYS] = "always",
        [RESTART_POLICY_UNLESS_STOPPED] = "unless-stopped",
        [RESTART_POLICY_ON_FAILURE] = "on-failure",
};

static int check_types(json_object *policy, struct error *err)
{
        int r;

        if (!policy || json_object_is_type(policy, json_type_null))
                return 0;
        if (!json_object_is_type(policy, json_type_object))
                return error_set(err, -EINVAL,
                                 "json: cannot unmarshal %s into Go struct field HostConfig.RestartPolicy of type "
                                 "container.RestartPolicy",
                                 json_object_is_type(policy, json_type_array) ? "array" : "value");
        r = json_field_check(policy, "Name", json_type_string, "RestartPolicy", err);
        if (r < 0)
                return r;
        return json_field_check(policy, "MaximumRetryCount", json_type_int, "RestartPolicy", err);
}

int restart_policy_parse(json_object *policy, struct restart_policy *ret, struct error *err)
{
        const char *name;
        int64_t count;
        int r;

        r = check_types(policy, err);
        if (r < 0)
                return r;
        name = json_field_string(policy, "Name", "");
        count = json_field_int(policy, "MaximumRetryCount", 0);

        /* dockerd takes an empty name as "no" and ignores its count. */
        if (!*name) {
                *ret = (struct restart_policy){ .name = RESTART_POLICY_NO };
                return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(policy_names); i++) {
                if (!streq(name, policy_names[i]))
                        continue;
                if (i != RESTART_POLICY_ON_FAILURE && count != 0)
                        return error_set(err, -EINVAL, "maximum retry count cannot be used with restart policy '%s'",
                                         name);
                if (count < 0)
                        return error_set(err, -EINVAL, "maximum retry count cannot be negative");
                *ret = (struct restart_policy){ .name = (enum restart_policy_name)i, .max_retry_count = count };
                return 0;
        }
        return error_set(err, -EINVAL, "invalid restart policy '%s'", name);
}

bool restart_policy_is_set(json_object *policy)
{
        struct restart_policy parsed;

        return restart_policy_parse(policy, &parsed, NULL) >= 0 && parsed.name != RESTART_POLICY_NO;
}

bool restart_policy_should_restart(const struct restart_policy *policy, int restart_count, int exit_code,
                                   bool stopped_by_user)
{
        switch (policy->name) {
        case RESTART_POLICY_ALWAYS:
                return true;
        case RESTART_POLICY_UNLESS_STOPPED:
                return !stopped_by_user;
        case RESTART_POLICY_ON_FAILURE:
                if (policy->max_retry_count > 0 && restart_count >= policy->max_retry_count)
                        return false;
                return exit_code != 0;
        case RESTART_POLICY_NO:
                break;
        }
        return false;
}

int64_t restart_delay_next(int64_t previous_ms, int64_t ran_ns)
{
        int64_t next;

        if (previous_ms <= 0 || ran_ns >= RESTART_RESET_AFTER_RUN_NS)
                return RESTART_DELAY_FIRST_MS;
        if (previous_ms >= RESTART_DELAY_MAX_MS)
                return RESTART_DELAY_MAX_MS;
        next = previous_ms * RESTART_DELAY_FACTOR;
        return next > RESTART_DELAY_MAX_MS ? RESTART_DELAY_MAX_MS : next;
}

json_object *restart_policy_to_json(const struct restart_policy *policy)
{
        json_object *obj = json_object_new_object();

        if (!obj)
                return NULL;
        json_object_object_add(obj, "Name", json_object_new_string(policy_names[policy->name]));
        json_object_object_add(obj, "MaximumRetryCount", json_object_new_int64(policy->max_retry_count));
        return obj;
}
