/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resource limits of HostConfig: the create and update checks against
 * the host (src/engine/resources.c) and the OCI linux.resources object
 * they become (src/engine/ocispec-resources.c). Checks whose outcome
 * depends on what the host's cgroups offer read that first, so the tests
 * hold on cgroup v1, v2 and hybrid hosts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/ocispec-resources.h"
#include "engine/resources.h"
#include "error.h"
#include "jsonutil.h"
#include "runtime/cgroup.h"

static json_object *parse(const char *text)
{
        json_object *obj = json_tokener_parse(text);

        assert_non_null(obj);
        return obj;
}

/* Runs resources_check on text, expecting code and, when not NULL, a
 * message containing want. */
static void check(const char *text, int code, const char *want)
{
        _cleanup_json_ json_object *hc = parse(text);
        _cleanup_error_ struct error err = ERROR_INIT;

        assert_int_equal(resources_check(hc, "HostConfig", NULL, &err), code);
        if (want && (!err.message || !strstr(err.message, want)))
                fail_msg("message \"%s\" lacks \"%s\"", err.message ? err.message : "", want);
}

static void check_rejects_wrong_types(void **state)
{
        check("{\"BlkioWeight\":\"high\"}", -EINVAL, "Go struct field HostConfig.BlkioWeight");
        check("{\"OomKillDisable\":1}", -EINVAL, "Go struct field HostConfig.OomKillDisable");
        check("{\"CpusetCpus\":0}", -EINVAL, "Go struct field HostConfig.CpusetCpus");
        check("{\"BlkioDeviceReadBps\":{}}", -EINVAL, "Go struct field HostConfig.BlkioDeviceReadBps");
        check("{\"BlkioDeviceReadBps\":[{\"Path\":5,\"Rate\":1}]}", -EINVAL,
              "invalid BlkioDeviceReadBps entry: it needs a device Path and a Rate of 0 or more");
        check("{\"BlkioWeightDevice\":[{\"Path\":\"/dev/sda\",\"Weight\":-3}]}", -EINVAL,
              "invalid BlkioWeightDevice entry: it needs a device Path and a Weight of 0 or more");
        check("{\"BlkioDeviceWriteIOps\":[7]}", -EINVAL, "invalid BlkioDeviceWriteIOps entry");
}

static void check_cpuset_lists(void **state)
{
        check("{\"CpusetCpus\":\"0\",\"CpusetMems\":\"0\"}", 0, NULL);
        check("{\"CpusetCpus\":\"x\"}", -EINVAL, "Invalid value x for cpuset cpus: invalid format: x");
        check("{\"CpusetCpus\":\"0-\"}", -EINVAL, "Invalid value 0- for cpuset cpus: invalid format: 0-");
        check("{\"CpusetCpus\":\"3-1\"}", -EINVAL, "invalid format: 3-1");
        check("{\"CpusetCpus\":\"0,,1\"}", -EINVAL, "invalid format: 0,,1");
        check("{\"CpusetCpus\":\" 0\"}", -EINVAL, "invalid format:  0");
        check("{\"CpusetCpus\":\"0-100000\"}", -EINVAL, "Requested CPUs are not available - requested 0-100000");
        check("{\"CpusetMems\":\"4096\"}", -EINVAL,
              "Requested memory nodes are not available - requested 4096, available: ");
        check("{\"CpusetMems\":\"a\"}", -EINVAL, "Invalid value a for cpuset mems: invalid format: a");
}

static void check_realtime(void **state)
{
        struct cgroup_support host;

        check("{\"CpuRealtimeRuntime\":2000,\"CpuRealtimePeriod\":1000}", -EINVAL,
              "cpu real-time runtime cannot be higher than cpu real-time period");
        assert_int_equal(cgroup_support_detect(&host), 0);
        if (host.cpu_realtime)
                check("{\"CpuRealtimeRuntime\":1000,\"CpuRealtimePeriod\":100000}", 0, NULL);
        else
                check("{\"CpuRealtimeRuntime\":1000}", -EINVAL,
                      "Your kernel does not support cgroup cpu real-time runtime");
        cgroup_support_done(&host);
}

static void check_swappiness(void **state)
{
        _cleanup_json_ json_object *unset = parse("{\"MemorySwappiness\":-1}");
        _cleanup_json_ json_object *warnings = json_object_new_array();
        _cleanup_json_ json_object *hc = parse("{\"MemorySwappiness\":30}");
        json_object *value = NULL;
        struct cgroup_support host;

        assert_int_equal(resources_check(unset, "HostConfig", NULL, NULL), 0);
        assert_true(json_object_object_get_ex(unset, "MemorySwappiness", &value));
        assert_null(value);

        assert_int_equal(cgroup_support_detect(&host), 0);
        if (host.memory_swappiness) {
                check("{\"MemorySwappiness\":200}", -EINVAL,
                      "Invalid value: 200, valid memory swappiness range is 0-100");
                assert_int_equal(resources_check(hc, "HostConfig", warnings, NULL), 0);
                assert_int_equal(json_field_int(hc, "MemorySwappiness", 0), 30);
                assert_int_equal(json_object_array_length(warnings), 0);
        } else {
                assert_int_equal(resources_check(hc, "HostConfig", warnings, NULL), 0);
                assert_true(json_object_object_get_ex(hc, "MemorySwappiness", &value));
                assert_null(value);
                assert_string_equal(json_object_get_string(json_object_array_get_idx(warnings, 0)),
                                    "Your kernel does not support memory swappiness capabilities or the cgroup is not "
                                    "mounted. Memory swappiness discarded.");
        }
        cgroup_support_done(&host);
}

static void check_blkio_weight(void **state)
{
        _cleanup_json_ json_object *warnings = json_object_new_array();
        _cleanup_json_ json_object *hc = parse("{\"BlkioWeight\":5}");
        _cleanup_error_ struct error err = ERROR_INIT;
        struct cgroup_support host;

        assert_int_equal(cgroup_support_detect(&host), 0);
        if (host.blkio_weight) {
                assert_int_equal(resources_check(hc, "HostConfig", warnings, &err), -EINVAL);
                assert_string_equal(err.message, "Range of blkio weight is from 10 to 1000");
        } else {
                assert_int_equal(resources_check(hc, "HostConfig", warnings, &err), 0);
                assert_int_equal(json_field_int(hc, "BlkioWeight", -1), 0);
                assert_string_equal(json_object_get_string(json_object_array_get_idx(warnings, 0)),
                                    "Your kernel does not support Block I/O weight or the cgroup is not mounted. "
                                    "Weight discarded.");
        }
        cgroup_support_done(&host);
}

static void check_oom_kill_disable_warning(void **state)
{
        _cleanup_json_ json_object *warnings = json_object_new_array();
        _cleanup_json_ json_object *hc = parse("{\"OomKillDisable\":true}");
        struct cgroup_support host;

        assert_int_equal(cgroup_support_detect(&host), 0);
        assert_int_equal(resources_check(hc, "HostConfig", warnings, NULL), 0);
        assert_int_equal(json_object_array_length(warnings), 1);
        if (host.oom_kill_disable) {
                assert_true(json_field_bool(hc, "OomKillDisable", false));
                assert_string_equal(json_object_get_string(json_object_array_get_idx(warnings, 0)),
                                    "OOM killer is disabled for the container, but no memory limit is set, this can "
                                    "result in the system running out of resources.");
        } else {
                assert_false(json_field_bool(hc, "OomKillDisable", true));
                assert_string_equal(json_object_get_string(json_object_array_get_idx(warnings, 0)),
                                    "Your kernel does not support OomKillDisable. OomKillDisable discarded.");
        }
        cgroup_support_done(&host);
}

static void create_defaults(void **state)
{
        _cleanup_json_ json_object *hc = parse("{\"Memory\":67108864,\"PidsLimit\":-1}");
        _cleanup_json_ json_object *kept = parse("{\"Memory\":67108864,\"MemorySwap\":-1,\"PidsLimit\":5,"
                                                 "\"MemorySwappiness\":10}");
        json_object *value = NULL;

        resources_create_defaults(hc);
        assert_int_equal(json_field_int(hc, "MemorySwap", 0), 134217728);
        assert_true(json_object_object_get_ex(hc, "PidsLimit", &value));
        assert_null(value);
        assert_true(json_object_object_get_ex(hc, "MemorySwappiness", &value));
        assert_null(value);

        resources_create_defaults(kept);
        assert_int_equal(json_field_int(kept, "MemorySwap", 0), -1);
        assert_int_equal(json_field_int(kept, "PidsLimit", 0), 5);
        assert_int_equal(json_field_int(kept, "MemorySwappiness", 0), 10);
}

/* Merges update into a HostConfig made of current, expecting code. */
static json_object *merge(const char *current, const char *update, int code, const char *message)
{
        json_object *hc = parse(current);
        _cleanup_json_ json_object *req = parse(update);
        _cleanup_error_ struct error err = ERROR_INIT;

        assert_int_equal(resources_merge_update(hc, req, &err), code);
        if (message)
                assert_string_equal(err.message, message);
        return hc;
}

static void merge_conflicts(void **state)
{
        static const struct {
                const char *current;
                const char *update;
                const char *message;
        } cases[] = {
                { "{\"CpuPeriod\":50000}", "{\"NanoCpus\":1000000000}",
                  "Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set" },
                { "{\"CpuQuota\":50000}", "{\"NanoCpus\":1000000000}",
                  "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set" },
                { "{\"NanoCpus\":1000000000}", "{\"CpuPeriod\":50000}",
                  "Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set" },
                { "{\"NanoCpus\":1000000000}", "{\"CpuQuota\":50000}",
                  "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set" },
                { "{\"Memory\":67108864,\"MemorySwap\":134217728}", "{\"Memory\":268435456}",
                  "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the "
                  "same time" },
                { "{}", "{\"Memory\":67108864}",
                  "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the "
                  "same time" },
                { "{\"Memory\":67108864,\"MemorySwap\":-1}", "{\"Memory\":100000000}",
                  "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the "
                  "same time" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_json_ json_object *hc = merge(cases[i].current, cases[i].update, -EBUSY, cases[i].message);
                _cleanup_json_ json_object *original = parse(cases[i].current);

                /* A refused update leaves the HostConfig as it was. */
                assert_string_equal(json_to_string(hc), json_to_string(original));
        }
}

static void merge_fields(void **state)
{
        _cleanup_json_ json_object *hc =
                merge("{\"Memory\":67108864,\"MemorySwap\":134217728,\"CpusetCpus\":\"1\",\"PidsLimit\":10,"
                      "\"CpuShares\":100,\"Binds\":[\"/a:/b\"]}",
                      "{\"Memory\":104857600,\"MemorySwap\":209715200,\"CpusetCpus\":\"\",\"CpuShares\":0,"
                      "\"PidsLimit\":-5,\"BlkioWeight\":300,\"KernelMemory\":67108864,\"CpuRealtimeRuntime\":1000}",
                      0, NULL);

        assert_int_equal(json_field_int(hc, "Memory", 0), 104857600);
        assert_int_equal(json_field_int(hc, "MemorySwap", 0), 209715200);
        assert_string_equal(json_field_string(hc, "CpusetCpus", ""), "1");
        assert_int_equal(json_field_int(hc, "CpuShares", 0), 100);
        assert_int_equal(json_field_int(hc, "PidsLimit", -1), 0);
        assert_int_equal(json_field_int(hc, "BlkioWeight", 0), 300);
        assert_int_equal(json_field_int(hc, "KernelMemory", 0), 67108864);
        assert_int_equal(json_field_int(hc, "CpuRealtimeRuntime", 0), 1000);
        assert_non_null(json_field_array(hc, "Binds"));
}

static json_object *resources_of(const char *host_config, int code, const char *message)
{
        _cleanup_json_ json_object *hc = parse(host_config);
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *resources = json_object_new_object();

        assert_int_equal(ocispec_add_resources(resources, hc, &err), code);
        if (message)
                assert_string_equal(err.message, message);
        return resources;
}

static void oci_memory_and_cpu(void **state)
{
        _cleanup_json_ json_object *r =
                resources_of("{\"Memory\":67108864,\"MemorySwappiness\":30,\"OomKillDisable\":true,"
                             "\"NanoCpus\":500000000,\"CpuRealtimeRuntime\":1000,\"CpuRealtimePeriod\":100000,"
                             "\"PidsLimit\":20}",
                             0, NULL);
        json_object *memory = json_field_object(r, "memory"), *cpu = json_field_object(r, "cpu");

        assert_int_equal(json_field_int(memory, "limit", 0), 67108864);
        assert_int_equal(json_field_int(memory, "swap", 0), 134217728);
        assert_int_equal(json_field_int(memory, "swappiness", -1), 30);
        assert_true(json_field_bool(memory, "disableOOMKiller", false));
        assert_int_equal(json_field_int(cpu, "quota", 0), 50000);
        assert_int_equal(json_field_int(cpu, "period", 0), 100000);
        assert_int_equal(json_field_int(cpu, "realtimeRuntime", 0), 1000);
        assert_int_equal(json_field_int(cpu, "realtimePeriod", 0), 100000);
        assert_int_equal(json_field_int(json_field_object(r, "pids"), "limit", 0), 20);
        assert_null(json_field_object(r, "blockIO"));
}

static void oci_nothing_set(void **state)
{
        _cleanup_json_ json_object *r = resources_of("{\"MemorySwappiness\":null,\"PidsLimit\":null,"
                                                     "\"BlkioWeight\":0,\"BlkioDeviceReadBps\":[]}",
                                                     0, NULL);

        assert_int_equal(json_object_object_length(r), 0);
}

static void oci_blkio_devices(void **state)
{
        _cleanup_json_ json_object *weight = resources_of("{\"BlkioWeight\":300}", 0, NULL);
        _cleanup_json_ json_object *missing =
                resources_of("{\"BlkioDeviceReadBps\":[{\"Path\":\"/dev/sl-no-such-disk\",\"Rate\":1}]}", -ENOENT,
                             "stat /dev/sl-no-such-disk: no such file or directory");
        _cleanup_json_ json_object *not_block =
                resources_of("{\"BlkioDeviceWriteIOps\":[{\"Path\":\"/dev/null\",\"Rate\":1}]}", -EINVAL,
                             "/dev/null is not a block device");

        assert_int_equal(json_field_int(json_field_object(weight, "blockIO"), "weight", 0), 300);
}

static void oci_update_removes_pids_limit(void **state)
{
        _cleanup_json_ json_object *hc = parse("{\"Memory\":67108864,\"PidsLimit\":0}");
        _cleanup_json_ json_object *update = parse("{\"PidsLimit\":-1}");
        _cleanup_json_ json_object *other = parse("{\"CpuShares\":512}");
        _cleanup_json_ json_object *removed = NULL, *untouched = NULL;

        assert_int_equal(ocispec_update_resources(hc, update, &removed, NULL), 0);
        assert_int_equal(json_field_int(json_field_object(removed, "pids"), "limit", 0), -1);
        assert_int_equal(json_field_int(json_field_object(removed, "memory"), "limit", 0), 67108864);

        assert_int_equal(ocispec_update_resources(hc, other, &untouched, NULL), 0);
        assert_null(json_field_object(untouched, "pids"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(check_rejects_wrong_types),
                cmocka_unit_test(check_cpuset_lists),
                cmocka_unit_test(check_realtime),
                cmocka_unit_test(check_swappiness),
                cmocka_unit_test(check_blkio_weight),
                cmocka_unit_test(check_oom_kill_disable_warning),
                cmocka_unit_test(create_defaults),
                cmocka_unit_test(merge_conflicts),
                cmocka_unit_test(merge_fields),
                cmocka_unit_test(oci_memory_and_cpu),
                cmocka_unit_test(oci_nothing_set),
                cmocka_unit_test(oci_blkio_devices),
                cmocka_unit_test(oci_update_removes_pids_limit),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
