/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources of config.json: the cgroup limits and device rules. */
#include "jsonutil.h"
#include "runtime/spec-internal.h"
#include "runtime/spec-json.h"

int spec_parse_device_number(json_object *obj, const char *path, const char *key, int64_t *ret, struct error *err)
{
        int64_t v = -1;
        int r;

        r = spec_json_int64(obj, path, key, &v, err);
        if (r < 0)
                return r;
        if (v < -1 || v > UINT32_MAX)
                return spec_json_invalid(err, path, key, "not a device number");
        *ret = v;
        return 0;
}

static int parse_device_rule(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        struct runtime_device_rule *rule = (struct runtime_device_rule *)items + index;
        _cleanup_free_ char *type = NULL, *access = NULL;
        int r;

        r = spec_json_bool(obj, path, "allow", &rule->allow, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, path, "type", &type, err);
        if (r < 0)
                return r;
        if (!type || !*type)
                rule->type = 'a';
        else if (strlen(type) == 1 && strchr("acb", type[0]))
                rule->type = type[0];
        else
                return spec_json_invalid(err, path, "type", "must be a, c or b");

        rule->major = rule->minor = -1;
        r = spec_parse_device_number(obj, path, "major", &rule->major, err);
        if (r < 0)
                return r;
        r = spec_parse_device_number(obj, path, "minor", &rule->minor, err);
        if (r < 0)
                return r;

        r = spec_json_string(obj, path, "access", &access, err);
        if (r < 0)
                return r;
        if (!access || !*access)
                strcpy(rule->access, "rwm");
        else if (strlen(access) <= 3 && strspn(access, "rwm") == strlen(access))
                strcpy(rule->access, access);
        else
                return spec_json_invalid(err, path, "access", "must be a combination of r, w and m");
        return 0;
}

static int parse_memory(json_object *resources, struct runtime_resources *res, struct error *err)
{
        static const char *path = "linux.resources.memory";
        json_object *obj;
        int64_t v;
        int r;

        r = spec_json_object(resources, "linux.resources", "memory", &obj, err);
        if (r < 0 || !obj)
                return r;

        if (json_object_object_get_ex(obj, "limit", NULL)) {
                r = spec_json_int64(obj, path, "limit", &res->memory_limit, err);
                if (r < 0)
                        return r;
                res->has_memory_limit = true;
        }
        if (json_object_object_get_ex(obj, "reservation", NULL)) {
                r = spec_json_int64(obj, path, "reservation", &res->memory_reservation, err);
                if (r < 0)
                        return r;
                res->has_memory_reservation = true;
        }
        if (json_object_object_get_ex(obj, "swap", NULL)) {
                r = spec_json_int64(obj, path, "swap", &res->memory_swap, err);
                if (r < 0)
                        return r;
                res->has_memory_swap = true;
        }
        r = spec_json_bool(obj, path, "disableOOMKiller", &res->disable_oom_killer, err);
        if (r < 0)
                return r;

        /* Docker sends these only when the user set them. */
        v = 0;
        r = spec_json_int64(obj, path, "kernel", &v, err);
        if (r < 0)
                return r;
        if (v != 0)
                return error_set(err, -EOPNOTSUPP, "%s.kernel: kernel memory limits are not supported", path);
        /* -1 is how older Docker versions wrote "unset". */
        v = -1;
        r = spec_json_int64(obj, path, "swappiness", &v, err);
        if (r < 0)
                return r;
        if (v < -1 || v > 100)
                return spec_json_invalid(err, path, "swappiness", "must be between 0 and 100");
        res->has_memory_swappiness = v >= 0;
        res->memory_swappiness = v >= 0 ? (uint64_t)v : 0;
        return 0;
}

static int parse_cpu(json_object *resources, struct runtime_resources *res, struct error *err)
{
        static const char *path = "linux.resources.cpu";
        json_object *obj;
        int r;

        r = spec_json_object(resources, "linux.resources", "cpu", &obj, err);
        if (r < 0 || !obj)
                return r;

        r = spec_json_uint64(obj, path, "shares", UINT64_MAX, &res->cpu_shares, err);
        if (r < 0)
                return r;
        r = spec_json_int64(obj, path, "quota", &res->cpu_quota, err);
        if (r < 0)
                return r;
        r = spec_json_uint64(obj, path, "period", UINT64_MAX, &res->cpu_period, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, path, "cpus", &res->cpuset_cpus, err);
        if (r < 0)
                return r;
        r = spec_json_string(obj, path, "mems", &res->cpuset_mems, err);
        if (r < 0)
                return r;

        r = spec_json_int64(obj, path, "realtimeRuntime", &res->cpu_rt_runtime, err);
        if (r < 0)
                return r;
        return spec_json_uint64(obj, path, "realtimePeriod", UINT64_MAX, &res->cpu_rt_period, err);
}

static int parse_pids(json_object *resources, struct runtime_resources *res, struct error *err)
{
        json_object *obj;
        int r;

        r = spec_json_object(resources, "linux.resources", "pids", &obj, err);
        if (r < 0 || !obj)
                return r;
        if (!json_object_object_get_ex(obj, "limit", NULL))
                return 0;

        r = spec_json_int64(obj, "linux.resources.pids", "limit", &res->pids_limit, err);
        if (r < 0)
                return r;
        res->has_pids_limit = true;
        return 0;
}

static const struct {
        const char *key;
        const char *value_key;
} throttle_lists[_RUNTIME_BLKIO_THROTTLE_MAX] = {
        [RUNTIME_BLKIO_READ_BPS] = { "throttleReadBpsDevice", "rate" },
        [RUNTIME_BLKIO_WRITE_BPS] = { "throttleWriteBpsDevice", "rate" },
        [RUNTIME_BLKIO_READ_IOPS] = { "throttleReadIOPSDevice", "rate" },
        [RUNTIME_BLKIO_WRITE_IOPS] = { "throttleWriteIOPSDevice", "rate" },
};

/* The weights of cgroup v1 (and of BFQ on v2) go from 1 to 1000, and 0 is unset. */
#define BLKIO_WEIGHT_MAX 1000

/* Leaf weights existed only with the CFQ I/O scheduler, which Linux 5.0
 * removed, so a spec that sets one is rejected rather than half applied. */
static int reject_leaf_weight(json_object *obj, const char *path, struct error *err)
{
        uint64_t leaf = 0;
        int r;

        r = spec_json_uint64(obj, path, "leafWeight", UINT16_MAX, &leaf, err);
        if (r < 0)
                return r;
        if (leaf != 0)
                return error_set(err, -EOPNOTSUPP, "%s.leafWeight: leaf weights are not supported", path);
        return 0;
}

static int parse_blkio_device(json_object *obj, const char *path, const char *value_key, uint64_t max,
                              struct runtime_blkio_device *dev, struct error *err)
{
        int r;

        dev->major = dev->minor = -1;
        r = spec_parse_device_number(obj, path, "major", &dev->major, err);
        if (r >= 0)
                r = spec_parse_device_number(obj, path, "minor", &dev->minor, err);
        if (r < 0)
                return r;
        if (dev->major < 0 || dev->minor < 0)
                return spec_json_invalid(err, path, NULL, "a block device needs a major and a minor number");
        return spec_json_uint64(obj, path, value_key, max, &dev->value, err);
}

static int parse_weight_device(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        struct runtime_blkio_device *dev = (struct runtime_blkio_device *)items + index;
        int r;

        r = parse_blkio_device(obj, path, "weight", BLKIO_WEIGHT_MAX, dev, err);
        if (r < 0)
                return r;
        return reject_leaf_weight(obj, path, err);
}

static int parse_rate_device(json_object *obj, const char *path, void *items, size_t index, struct error *err)
{
        return parse_blkio_device(obj, path, "rate", UINT64_MAX, (struct runtime_blkio_device *)items + index, err);
}

static int parse_blkio(json_object *resources, struct runtime_blkio *blkio, struct error *err)
{
        static const char *path = "linux.resources.blockIO";
        json_object *obj;
        int r;

        r = spec_json_object(resources, "linux.resources", "blockIO", &obj, err);
        if (r < 0 || !obj)
                return r;

        r = spec_json_uint64(obj, path, "weight", BLKIO_WEIGHT_MAX, &blkio->weight, err);
        if (r < 0)
                return r;
        r = reject_leaf_weight(obj, path, err);
        if (r < 0)
                return r;
        r = spec_json_parse_array(obj, path, "weightDevice", sizeof(*blkio->weight_devices), parse_weight_device,
                                  (void **)&blkio->weight_devices, &blkio->n_weight_devices, err);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(throttle_lists); i++)
                r = spec_json_parse_array(obj, path, throttle_lists[i].key, sizeof(*blkio->throttle[i]),
                                          parse_rate_device, (void **)&blkio->throttle[i], &blkio->n_throttle[i], err);
        return r;
}

static int reject_unsupported_resources(json_object *resources, struct error *err)
{
        json_object *obj;
        int r;

        r = spec_json_array(resources, "linux.resources", "hugepageLimits", &obj, err);
        if (r < 0)
                return r;
        if (obj && json_object_array_length(obj) > 0)
                return error_set(err, -EOPNOTSUPP, "linux.resources.hugepageLimits: hugetlb limits are not supported");
        return 0;
}

int spec_parse_resources(json_object *obj, struct runtime_resources *res, struct error *err)
{
        int r;

        r = reject_unsupported_resources(obj, err);
        if (r < 0)
                return r;
        r = spec_json_parse_array(obj, "linux.resources", "devices", sizeof(*res->devices), parse_device_rule,
                                  (void **)&res->devices, &res->n_devices, err);
        if (r < 0)
                return r;
        r = parse_memory(obj, res, err);
        if (r < 0)
                return r;
        r = parse_cpu(obj, res, err);
        if (r < 0)
                return r;
        r = parse_pids(obj, res, err);
        if (r < 0)
                return r;
        return parse_blkio(obj, &res->blkio, err);
}

void spec_resources_done(struct runtime_resources *res)
{
        free(res->cpuset_cpus);
        free(res->cpuset_mems);
        free(res->devices);
        free(res->blkio.weight_devices);
        for (size_t i = 0; i < ARRAY_SIZE(res->blkio.throttle); i++)
                free(res->blkio.throttle[i]);
}

int runtime_resources_parse(const char *text, size_t len, struct runtime_resources **ret, struct error *err)
{
        _cleanup_json_ json_object *obj = NULL;
        struct runtime_resources *res;
        int r;

        r = json_parse_buffer(text, len, &obj, err);
        if (r < 0)
                return error_prefix(err, r, "invalid resources");
        if (!json_object_is_type(obj, json_type_object))
                return error_set(err, -EINVAL, "invalid resources: not a JSON object");

        res = calloc(1, sizeof(*res));
        if (!res)
                return -ENOMEM;
        r = spec_parse_resources(obj, res, err);
        if (r < 0) {
                runtime_resources_free(res);
                return r == -ENOMEM ? error_set(err, r, "out of memory parsing the resources") : r;
        }
        *ret = res;
        return 0;
}

void runtime_resources_free(struct runtime_resources *res)
{
        if (!res)
                return;
        spec_resources_done(res);
        free(res);
}
