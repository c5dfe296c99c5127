/* SPDX-License-Identifier: Apache-2.0 */
/* POST /containers/{id}/update: new resource limits and restart policy for
 * a container, applied at once when it runs and kept for its next start. */
#include "create-options.h"
#include "engine-internal.h"
#include "jsonutil.h"
#include "log.h"
#include "ocispec-resources.h"
#include "pool/backend.h"
#include "resources.h"
#include "restart-policy.h"

/* The fields of Docker's UpdateConfig that docker update applies. */
static const char *const int_fields[] = {
        "BlkioWeight", "CpuShares", "Memory",       "NanoCpus",          "CpuPeriod",         "CpuQuota",
        "MemorySwap",  "PidsLimit", "KernelMemory", "MemoryReservation", "CpuRealtimePeriod", "CpuRealtimeRuntime",
};

/* The other resource fields of UpdateConfig. dockerd 20.10 leaves them
 * unchanged without a word, but this daemon rejects a value, so that no
 * change is silently dropped. */
static const char *const fixed_fields[] = {
        "CgroupParent",
        "BlkioWeightDevice",
        "BlkioDeviceReadBps",
        "BlkioDeviceWriteBps",
        "BlkioDeviceReadIOps",
        "BlkioDeviceWriteIOps",
        "Devices",
        "DeviceCgroupRules",
        "DeviceRequests",
        "OomKillDisable",
        "Ulimits",
        "CpuCount",
        "CpuPercent",
        "IOMaximumIOps",
        "IOMaximumBandwidth",
        "KernelMemoryTCP",
};

static bool is_set(json_object *v)
{
        switch (json_object_get_type(v)) {
        case json_type_null:
                return false;
        case json_type_boolean:
                return json_object_get_boolean(v);
        case json_type_int:
        case json_type_double:
                return json_object_get_int64(v) != 0;
        case json_type_string:
                return json_object_get_string_len(v) > 0;
        case json_type_array:
                return json_object_array_length(v) > 0;
        default:
                return json_object_object_length(v) > 0;
        }
}

static int check_request(json_object *update, struct error *err)
{
        json_object *swappiness = NULL;
        int r;

        if (!json_object_is_type(update, json_type_object))
                return error_set(err, -EINVAL, "json: cannot unmarshal %s into Go value of type container.UpdateConfig",
                                 json_object_is_type(update, json_type_array) ? "array" : "value");
        for (size_t i = 0; i < ARRAY_SIZE(int_fields); i++) {
                r = json_field_check(update, int_fields[i], json_type_int, "UpdateConfig", err);
                if (r < 0)
                        return r;
        }
        r = json_field_check(update, "RestartPolicy", json_type_object, "UpdateConfig", err);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ARRAY_SIZE(fixed_fields); i++) {
                json_object *v = NULL;

                if (json_object_object_get_ex(update, fixed_fields[i], &v) && is_set(v))
                        return error_set(err, -EINVAL,
                                         "%s cannot be changed by docker update: set it when the container is created",
                                         fixed_fields[i]);
        }
        /* Clients send -1 for unset. */
        if (json_object_object_get_ex(update, "MemorySwappiness", &swappiness) && is_set(swappiness) &&
            json_object_get_int64(swappiness) != -1)
                return error_set(err, -EINVAL,
                                 "MemorySwappiness cannot be changed by docker update: set it when the container is "
                                 "created");
        return 0;
}

/* Returns the container's HostConfig with the update merged in, or NULL
 * with err set. Call with c->lock held. */
static json_object *merged_host_config(struct container *c, json_object *update, struct error *err)
{
        _cleanup_json_ json_object *hc = json_tokener_parse(json_to_string(c->host_config));
        json_object *restart = json_field_object(update, "RestartPolicy");
        struct restart_policy policy;

        if (!hc) {
                error_set(err, -ENOMEM, "out of memory");
                return NULL;
        }
        if (resources_merge_update(hc, update, err) < 0)
                return NULL;
        if (!*json_field_string(restart, "Name", ""))
                return TAKE_PTR(hc);
        /* create_update_options_check has checked the policy. */
        if (restart_policy_parse(restart, &policy, err) < 0)
                return NULL;
        if (policy.name != RESTART_POLICY_NO && json_field_bool(hc, "AutoRemove", false)) {
                error_set(err, -EBUSY,
                          "Restart policy cannot be updated because AutoRemove is enabled for the container");
                return NULL;
        }
        json_object_object_add(hc, "RestartPolicy", restart_policy_to_json(&policy));
        return TAKE_PTR(hc);
}

/* Brings the running container's cgroup to the limits of hc. */
static int apply_to_running(struct container *c, json_object *hc, json_object *update, struct error *err)
{
        _cleanup_json_ json_object *resources = NULL;
        int r;

        r = ocispec_update_resources(hc, update, &resources, err);
        if (r < 0)
                return r;
        if (!c->backend->ops->update)
                return error_set(err, -EOPNOTSUPP, "the %s backend cannot change the limits of a running container",
                                 c->backend->ops->name);
        r = c->backend->ops->update(c->backend, c, resources, err);
        /* A container that ended meanwhile gets the limits at its next start. */
        return r == -ESRCH ? 0 : r;
}

static int update_locked(struct engine *e, struct container *c, json_object *update, struct error *err)
{
        _cleanup_json_ json_object *hc = NULL;
        enum container_status status;
        int r;

        pthread_mutex_lock(&c->lock);
        status = c->state.status;
        hc = merged_host_config(c, update, err);
        pthread_mutex_unlock(&c->lock);
        if (status == CONTAINER_REMOVING || status == CONTAINER_DEAD)
                return error_set(err, -EBUSY, "container is marked for removal and cannot be \"update\"");
        if (!hc)
                return err && err->code ? err->code : -ENOMEM;

        if (status == CONTAINER_RUNNING || status == CONTAINER_PAUSED) {
                r = apply_to_running(c, hc, update, err);
                if (r < 0)
                        return r;
        }

        pthread_mutex_lock(&c->lock);
        json_object_put(c->host_config);
        c->host_config = TAKE_PTR(hc);
        r = engine_container_save_definition(e, c);
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return error_set_errno(err, r, "saving the definition of the container failed");
        return 0;
}

int engine_container_update(struct engine *e, struct container *c, json_object *update, json_object *warnings,
                            struct error *err)
{
        _cleanup_json_ json_object *empty = NULL;
        int r;

        /* An empty body or null changes nothing, as with dockerd. */
        if (!update)
                update = empty = json_object_new_object();
        r = check_request(update, err);
        if (r >= 0)
                r = create_update_options_check(update, warnings, err);
        if (r >= 0)
                r = resources_check(update, "UpdateConfig", warnings, err);
        if (r < 0)
                return r;

        pthread_mutex_lock(&c->op_lock);
        r = update_locked(e, c, update, err);
        pthread_mutex_unlock(&c->op_lock);
        if (r < 0)
                return error_prefix(err, r, "Cannot update container %s", c->id);
        engine_event_container(e, c, "update", NULL);
        log_info("Container %s updated", c->id);
        return 0;
}
