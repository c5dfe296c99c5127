/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "error.h"
#include "runtime/process.h"
#include "runtime/spec.h"

/* A config.json shaped like the one dockerd 20.10 writes for runc. */
static const char docker_config[] =
        "{\"ociVersion\":\"1.0.2-dev\",\"unknownTopLevel\":{\"x\":1},"
        "\"process\":{\"user\":{\"uid\":1000,\"gid\":1000,\"additionalGids\":[1000,27]},"
        "\"args\":[\"sleep\",\"100\"],\"env\":[\"PATH=/usr/bin:/bin\",\"HOSTNAME=abc\"],\"cwd\":\"/\","
        "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"effective\":[\"CAP_CHOWN\"],"
        "\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\"]},\"oomScoreAdj\":0,"
        "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":2048,\"soft\":1024}],\"unknownProcessField\":true},"
        "\"root\":{\"path\":\"/var/lib/x/merged\"},\"hostname\":\"abc\","
        "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\","
        "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
        "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/data/hosts\","
        "\"options\":[\"rbind\",\"rprivate\"]}],"
        "\"hooks\":{\"prestart\":[]},"
        "\"linux\":{\"sysctl\":{\"net.ipv4.ping_group_range\":\"0 2147483647\"},"
        "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}],"
        "\"memory\":{\"limit\":67108864,\"disableOOMKiller\":false},\"cpu\":{\"shares\":0},"
        "\"blockIO\":{\"weight\":0},\"pids\":{\"limit\":100}},"
        "\"cgroupsPath\":\"/docker/abc\","
        "\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\"},{\"type\":\"uts\"},{\"type\":\"pid\"},"
        "{\"type\":\"ipc\"},{\"type\":\"cgroup\",\"path\":\"/proc/1/ns/cgroup\"}],"
        "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
        "\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
        "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\","
        "\"args\":[{\"index\":0,\"value\":2114060288,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
        "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]},"
        "\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"],"
        "\"rootfsPropagation\":\"rslave\"},"
        "\"annotations\":{\"org.sockerless.rootfs.lower\":\"/l/2:/l/1\",\"org.sockerless.rootfs.upper\":\"/u\","
        "\"org.sockerless.rootfs.work\":\"/w\",\"org.sockerless.user\":\"app:staff\",\"other\":\"x\"}}";

static struct runtime_spec *parse_ok(const char *text)
{
        struct error err = ERROR_INIT;
        struct runtime_spec *spec = NULL;
        int r = runtime_spec_parse(text, strlen(text), &spec, &err);

        if (r < 0)
                fail_msg("parse failed: %s", error_message(&err, r));
        error_clear(&err);
        return spec;
}

/* Parses text expecting failure with code and a message containing want. */
static void parse_fails(const char *text, int code, const char *want)
{
        struct error err = ERROR_INIT;
        struct runtime_spec *spec = NULL;
        int r = runtime_spec_parse(text, strlen(text), &spec, &err);

        assert_int_equal(r, code);
        assert_null(spec);
        assert_non_null(err.message);
        if (!strstr(err.message, want))
                fail_msg("message \"%s\" lacks \"%s\"", err.message, want);
        error_clear(&err);
}

static void spec_docker_process(void **state)
{
        struct runtime_spec *spec = parse_ok(docker_config);
        const struct runtime_process *p = &spec->process;

        assert_true(spec->has_process);
        assert_false(runtime_spec_terminal(spec));
        assert_int_equal(p->user.uid, 1000);
        assert_int_equal(p->user.gid, 1000);
        assert_int_equal(p->user.n_additional_gids, 2);
        assert_int_equal(p->user.additional_gids[1], 27);
        assert_string_equal(p->args[0], "sleep");
        assert_string_equal(p->env[1], "HOSTNAME=abc");
        assert_string_equal(p->cwd, "/");
        assert_int_equal(p->capabilities.bounding, (1u << 0) | (1u << 5));
        assert_int_equal(p->capabilities.effective, 1u << 0);
        assert_int_equal(p->capabilities.ambient, 0);
        assert_int_equal(p->n_rlimits, 1);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(p->rlimits[0].soft, 1024);
        assert_true(p->has_oom_score_adj);
        assert_int_equal(p->oom_score_adj, 0);
        runtime_spec_free(spec);
}

static void spec_docker_root_and_mounts(void **state)
{
        struct runtime_spec *spec = parse_ok(docker_config);

        assert_string_equal(spec->root_path, "/var/lib/x/merged");
        assert_false(spec->root_readonly);
        assert_string_equal(spec->hostname, "abc");
        assert_int_equal(spec->n_mounts, 2);
        assert_string_equal(spec->mounts[1].destination, "/etc/hosts");
        assert_string_equal(spec->mounts[1].options[1], "rprivate");
        assert_string_equal(spec->rootfs_lower[0], "/l/2");
        assert_string_equal(spec->rootfs_lower[1], "/l/1");
        assert_null(spec->rootfs_lower[2]);
        assert_string_equal(spec->rootfs_upper, "/u");
        assert_string_equal(spec->rootfs_work, "/w");
        assert_string_equal(spec->user, "app:staff");
        runtime_spec_free(spec);
}

static void spec_docker_linux(void **state)
{
        struct runtime_spec *spec = parse_ok(docker_config);
        const struct runtime_linux *l = &spec->linux_config;
        const char *path = NULL;

        assert_int_equal(l->n_namespaces, 6);
        assert_true(runtime_spec_has_namespace(spec, CLONE_NEWPID, &path));
        assert_null(path);
        assert_true(runtime_spec_has_namespace(spec, CLONE_NEWCGROUP, &path));
        assert_string_equal(path, "/proc/1/ns/cgroup");
        assert_false(runtime_spec_has_namespace(spec, CLONE_NEWUSER, NULL));
        assert_string_equal(l->sysctl_keys[0], "net.ipv4.ping_group_range");
        assert_string_equal(l->sysctl_values[0], "0 2147483647");
        assert_int_equal(l->resources.n_devices, 2);
        assert_false(l->resources.devices[0].allow);
        assert_int_equal(l->resources.devices[0].type, 'a');
        assert_int_equal(l->resources.devices[1].major, 1);
        assert_true(l->resources.has_memory_limit);
        assert_int_equal(l->resources.memory_limit, 67108864);
        assert_int_equal(l->resources.pids_limit, 100);
        assert_string_equal(l->cgroups_path, "/docker/abc");
        assert_int_equal(l->rootfs_propagation, MS_SLAVE | MS_REC);
        assert_string_equal(l->masked_paths[0], "/proc/kcore");
        runtime_spec_free(spec);
}

static void spec_docker_seccomp(void **state)
{
        struct runtime_spec *spec = parse_ok(docker_config);
        const struct runtime_seccomp *s = spec->linux_config.seccomp;

        assert_non_null(s);
        assert_int_equal(s->default_action, RUNTIME_SECCOMP_ERRNO);
        assert_false(s->has_default_errno_ret);
        assert_int_equal(s->n_rules, 3);
        assert_int_equal(s->rules[1].n_args, 1);
        assert_int_equal(s->rules[1].args[0].op, RUNTIME_SECCOMP_MASKED_EQ);
        assert_int_equal(s->rules[1].args[0].value, 2114060288);
        assert_true(s->rules[2].has_errno_ret);
        assert_int_equal(s->rules[2].errno_ret, 38);
        runtime_spec_free(spec);
}

#define MINIMAL_HEAD "{\"root\":{\"path\":\"rootfs\"},"

static void spec_minimal(void **state)
{
        struct runtime_spec *spec = parse_ok(MINIMAL_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}}");

        assert_int_equal(spec->process.user.uid, 0);
        assert_null(spec->process.env);
        assert_null(spec->rootfs_lower);
        assert_null(spec->linux_config.seccomp);
        assert_int_equal(spec->linux_config.rootfs_propagation, 0);
        runtime_spec_free(spec);
}

static void spec_wrong_types(void **state)
{
        parse_fails(MINIMAL_HEAD "\"process\":{\"args\":\"sh\",\"cwd\":\"/\"}}", -EINVAL,
                    "process.args must be an array of strings, not a string");
        parse_fails(MINIMAL_HEAD "\"process\":{\"args\":[\"sh\",1],\"cwd\":\"/\"}}", -EINVAL,
                    "process.args must be an array of strings, not a number");
        parse_fails(MINIMAL_HEAD "\"process\":{\"terminal\":\"yes\",\"args\":[\"sh\"],\"cwd\":\"/\"}}", -EINVAL,
                    "process.terminal must be a boolean, not a string");
        parse_fails(MINIMAL_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}}", -EINVAL,
                    "process.user.uid: must not be negative");
        parse_fails(MINIMAL_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":1.5}}}", -EINVAL,
                    "process.user.uid must be an integer, not a number");
        parse_fails(MINIMAL_HEAD "\"mounts\":[{\"destination\":\"/x\",\"options\":7}]}", -EINVAL,
                    "mounts[0].options must be an array of strings, not a number");
        parse_fails(MINIMAL_HEAD "\"mounts\":[{\"destination\":\"x\"}]}", -EINVAL,
                    "mounts[0].destination: must be an absolute path");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}", -EINVAL,
                    "linux.namespaces[0].type: unknown namespace type bogus");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}}", -EINVAL,
                    "namespace type given twice");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"sysctl\":{\"a.b\":1}}}", -EINVAL, "linux.sysctl.a.b must be a string");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1g\"}}}}", -EINVAL,
                    "linux.resources.memory.limit must be an integer, not a string");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}}}", -EINVAL,
                    "unknown seccomp action SCMP_ACT_NOPE");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"rootfsPropagation\":\"sideways\"}}", -EINVAL,
                    "unknown propagation sideways");
        parse_fails("[1,2]", -EINVAL, "not a JSON object");
        parse_fails("{\"root\":", -EINVAL, "invalid config.json");
        parse_fails("{\"process\":{}}", -EINVAL, "root is missing");
}

static void spec_rlimits(void **state)
{
        parse_fails(MINIMAL_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
                                 "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":5}]}}",
                    -EINVAL, "soft limit is above the hard limit");
        parse_fails(MINIMAL_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
                                 "\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"soft\":1,\"hard\":1}]}}",
                    -EINVAL, "unknown resource limit RLIMIT_BOGUS");

        struct runtime_spec *spec = parse_ok(MINIMAL_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
                                                          "\"rlimits\":[{\"type\":\"RLIMIT_CORE\","
                                                          "\"soft\":18446744073709551615,"
                                                          "\"hard\":18446744073709551615}]}}");
        assert_int_equal(spec->process.rlimits[0].resource, RLIMIT_CORE);
        assert_true(spec->process.rlimits[0].hard == UINT64_MAX);
        runtime_spec_free(spec);
}

static void spec_unsupported_rejected(void **state)
{
        parse_fails(MINIMAL_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"apparmorProfile\":\"x\"}}",
                    -EOPNOTSUPP, "AppArmor is not supported");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"intelRdt\":{\"closID\":\"x\"}}}", -EOPNOTSUPP,
                    "Intel RDT is not supported");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2MB\","
                                 "\"limit\":1}]}}}",
                    -EOPNOTSUPP, "hugetlb limits are not supported");
        parse_fails(MINIMAL_HEAD "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
                                 "\"capabilities\":{\"bounding\":[\"CAP_FLY\"]}}}",
                    -EINVAL, "unknown capability CAP_FLY");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                                 "\"listenerPath\":\"/run/x.sock\"}}}",
                    -EOPNOTSUPP, "seccomp notification is not supported");
}

#define BLKIO_HEAD MINIMAL_HEAD "\"linux\":{\"resources\":{\"blockIO\":"

static void spec_blkio(void **state)
{
        struct runtime_spec *spec =
                parse_ok(BLKIO_HEAD "{\"weight\":500,\"leafWeight\":0,"
                                    "\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":300}],"
                                    "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576},"
                                    "{\"major\":254,\"minor\":16,\"rate\":0}],"
                                    "\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":1,\"rate\":2097152}],"
                                    "\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":2,\"rate\":100}],"
                                    "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":3,\"rate\":200}]}}}}");
        const struct runtime_blkio *b = &spec->linux_config.resources.blkio;

        assert_int_equal(b->weight, 500);
        assert_int_equal(b->n_weight_devices, 1);
        assert_int_equal(b->weight_devices[0].major, 8);
        assert_int_equal(b->weight_devices[0].minor, 0);
        assert_int_equal(b->weight_devices[0].value, 300);
        assert_int_equal(b->n_throttle[RUNTIME_BLKIO_READ_BPS], 2);
        assert_int_equal(b->throttle[RUNTIME_BLKIO_READ_BPS][0].value, 1048576);
        assert_int_equal(b->throttle[RUNTIME_BLKIO_READ_BPS][1].major, 254);
        assert_int_equal(b->throttle[RUNTIME_BLKIO_READ_BPS][1].minor, 16);
        assert_int_equal(b->throttle[RUNTIME_BLKIO_READ_BPS][1].value, 0);
        assert_int_equal(b->throttle[RUNTIME_BLKIO_WRITE_BPS][0].minor, 1);
        assert_int_equal(b->throttle[RUNTIME_BLKIO_WRITE_BPS][0].value, 2097152);
        assert_int_equal(b->throttle[RUNTIME_BLKIO_READ_IOPS][0].value, 100);
        assert_int_equal(b->throttle[RUNTIME_BLKIO_WRITE_IOPS][0].minor, 3);
        assert_int_equal(b->throttle[RUNTIME_BLKIO_WRITE_IOPS][0].value, 200);
        runtime_spec_free(spec);

        /* What dockerd writes when no block I/O option is set. */
        spec = parse_ok(BLKIO_HEAD "{\"weight\":0}}}}");
        assert_int_equal(spec->linux_config.resources.blkio.weight, 0);
        assert_int_equal(spec->linux_config.resources.blkio.n_weight_devices, 0);
        assert_null(spec->linux_config.resources.blkio.throttle[RUNTIME_BLKIO_READ_BPS]);
        runtime_spec_free(spec);
}

static void spec_blkio_invalid(void **state)
{
        parse_fails(BLKIO_HEAD "{\"weight\":1001}}}}", -EINVAL, "linux.resources.blockIO.weight");
        parse_fails(BLKIO_HEAD "{\"weight\":\"high\"}}}}", -EINVAL,
                    "linux.resources.blockIO.weight must be an integer, not a string");
        parse_fails(BLKIO_HEAD "{\"leafWeight\":100}}}}", -EOPNOTSUPP,
                    "linux.resources.blockIO.leafWeight: leaf weights are not supported");
        parse_fails(BLKIO_HEAD "{\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":300,\"leafWeight\":5}]}}}}",
                    -EOPNOTSUPP, "linux.resources.blockIO.weightDevice[0].leafWeight: leaf weights are not supported");
        parse_fails(BLKIO_HEAD "{\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":5000}]}}}}", -EINVAL,
                    "linux.resources.blockIO.weightDevice[0].weight");
        parse_fails(BLKIO_HEAD "{\"throttleReadBpsDevice\":[{\"minor\":0,\"rate\":1}]}}}}", -EINVAL,
                    "linux.resources.blockIO.throttleReadBpsDevice[0]: a block device needs a major and a minor "
                    "number");
        parse_fails(BLKIO_HEAD "{\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":-1}]}}}}", -EINVAL,
                    "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: must not be negative");
        parse_fails(BLKIO_HEAD "{\"throttleWriteBpsDevice\":{\"major\":8}}}}}", -EINVAL,
                    "linux.resources.blockIO.throttleWriteBpsDevice");
        parse_fails(BLKIO_HEAD "{\"throttleReadIOPSDevice\":[7]}}}}", -EINVAL,
                    "linux.resources.blockIO.throttleReadIOPSDevice[0]");
        parse_fails(BLKIO_HEAD "[]}}}", -EINVAL, "linux.resources.blockIO must be an object");
}

static void spec_memory_and_realtime(void **state)
{
        struct runtime_spec *spec =
                parse_ok(MINIMAL_HEAD "\"linux\":{\"resources\":{\"memory\":{\"swappiness\":0},"
                                      "\"cpu\":{\"realtimeRuntime\":950,\"realtimePeriod\":1000}}}}");
        const struct runtime_resources *res = &spec->linux_config.resources;

        assert_true(res->has_memory_swappiness);
        assert_int_equal(res->memory_swappiness, 0);
        assert_int_equal(res->cpu_rt_runtime, 950);
        assert_int_equal(res->cpu_rt_period, 1000);
        runtime_spec_free(spec);

        spec = parse_ok(MINIMAL_HEAD "\"linux\":{\"resources\":{\"memory\":{\"swappiness\":-1}}}}");
        assert_false(spec->linux_config.resources.has_memory_swappiness);
        runtime_spec_free(spec);

        parse_fails(MINIMAL_HEAD "\"linux\":{\"resources\":{\"memory\":{\"swappiness\":101}}}}", -EINVAL,
                    "linux.resources.memory.swappiness: must be between 0 and 100");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"resources\":{\"memory\":{\"kernel\":67108864}}}}", -EOPNOTSUPP,
                    "kernel memory limits are not supported");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"resources\":{\"cpu\":{\"realtimePeriod\":-5}}}}", -EINVAL,
                    "linux.resources.cpu.realtimePeriod: must not be negative");
}

static void resources_alone(void **state)
{
        static const char text[] = "{\"memory\":{\"limit\":104857600,\"swap\":-1},\"cpu\":{\"shares\":512},"
                                   "\"pids\":{\"limit\":-1},\"blockIO\":{\"weight\":300}}";
        static const char wrong_type[] = "{\"pids\":{\"limit\":\"x\"}}";
        struct runtime_resources *res = NULL;
        struct error err = ERROR_INIT;

        assert_int_equal(runtime_resources_parse(text, strlen(text), &res, &err), 0);
        assert_true(res->has_memory_limit);
        assert_int_equal(res->memory_limit, 104857600);
        assert_true(res->has_memory_swap);
        assert_int_equal(res->memory_swap, -1);
        assert_int_equal(res->cpu_shares, 512);
        assert_true(res->has_pids_limit);
        assert_int_equal(res->pids_limit, -1);
        assert_int_equal(res->blkio.weight, 300);
        runtime_resources_free(res);

        res = NULL;
        assert_int_equal(runtime_resources_parse("[]", 2, &res, &err), -EINVAL);
        assert_null(res);
        assert_string_equal(err.message, "invalid resources: not a JSON object");
        error_clear(&err);
        assert_int_equal(runtime_resources_parse(wrong_type, strlen(wrong_type), &res, &err), -EINVAL);
        assert_null(res);
        assert_non_null(strstr(err.message, "linux.resources.pids.limit must be an integer"));
        error_clear(&err);
        assert_int_equal(runtime_resources_parse("{\"memory\"", 9, &res, &err), -EINVAL);
        assert_null(res);
        error_clear(&err);
        runtime_resources_free(NULL);
}

static void spec_user_namespace(void **state)
{
        struct runtime_spec *spec =
                parse_ok(MINIMAL_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
                                      "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
                                      "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":1},"
                                      "{\"containerID\":5,\"hostID\":100005,\"size\":65531}]}}");

        assert_int_equal(spec->linux_config.n_uid_mappings, 1);
        assert_int_equal(spec->linux_config.uid_mappings[0].host_id, 100000);
        assert_int_equal(spec->linux_config.uid_mappings[0].size, 65536);
        assert_int_equal(spec->linux_config.n_gid_mappings, 2);
        assert_int_equal(spec->linux_config.gid_mappings[1].container_id, 5);
        runtime_spec_free(spec);

        /* A joined user namespace takes no maps, and those given are
         * ignored. */
        spec = parse_ok(MINIMAL_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"}]}}");
        assert_int_equal(spec->linux_config.n_uid_mappings, 0);
        runtime_spec_free(spec);
        spec = parse_ok(MINIMAL_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"}],"
                                     "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
                                     "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}}");
        assert_int_equal(spec->linux_config.n_uid_mappings, 1);
        runtime_spec_free(spec);

        parse_fails(MINIMAL_HEAD "\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}],"
                                 "\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}}",
                    -EINVAL, "uid and gid mappings need a user namespace");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}}", -EINVAL,
                    "a new user namespace needs linux.uidMappings and linux.gidMappings");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
                                 "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]}}",
                    -EINVAL, "linux.uidMappings[0].size: must be above 0");
        parse_fails(MINIMAL_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
                                 "\"uidMappings\":[{\"containerID\":0,\"hostID\":-1,\"size\":1}]}}",
                    -EINVAL, "linux.uidMappings[0].hostID: must not be negative");
}

static void spec_annotations(void **state)
{
        parse_fails(MINIMAL_HEAD "\"annotations\":{\"org.sockerless.rootfs.lower\":\"rel/dir\"}}", -EINVAL,
                    "lower directories must be absolute paths");
        parse_fails(MINIMAL_HEAD "\"annotations\":{\"org.sockerless.rootfs.lower\":\"/l\","
                                 "\"org.sockerless.rootfs.upper\":\"/u\"}}",
                    -EINVAL, "must be given together");
        parse_fails(MINIMAL_HEAD "\"annotations\":{\"org.sockerless.user\":5}}", -EINVAL,
                    "annotations.org.sockerless.user must be a string");
}

static void sysctl_names(void **state)
{
        struct error err = ERROR_INIT;
        char *path = NULL;

        assert_int_equal(process_sysctl_path("net.ipv4.ip_forward", &path, NULL), 0);
        assert_string_equal(path, "net/ipv4/ip_forward");
        free(path);
        assert_int_equal(process_sysctl_path("net/ipv4/conf/eth0.100/forwarding", &path, NULL), 0);
        assert_string_equal(path, "net/ipv4/conf/eth0.100/forwarding");
        free(path);

        assert_int_equal(process_sysctl_path("net/../../etc/passwd", &path, &err), -EINVAL);
        assert_string_equal(err.message, "invalid sysctl name \"net/../../etc/passwd\"");
        error_clear(&err);
        assert_int_equal(process_sysctl_path("net..ipv4", &path, NULL), -EINVAL);
        assert_int_equal(process_sysctl_path("/net/ipv4", &path, NULL), -EINVAL);
        assert_int_equal(process_sysctl_path("", &path, NULL), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(spec_docker_process), cmocka_unit_test(spec_docker_root_and_mounts),
                cmocka_unit_test(spec_docker_linux),   cmocka_unit_test(spec_docker_seccomp),
                cmocka_unit_test(spec_minimal),        cmocka_unit_test(spec_wrong_types),
                cmocka_unit_test(spec_rlimits),        cmocka_unit_test(spec_unsupported_rejected),
                cmocka_unit_test(spec_user_namespace), cmocka_unit_test(spec_annotations),
                cmocka_unit_test(sysctl_names),        cmocka_unit_test(spec_blkio),
                cmocka_unit_test(spec_blkio_invalid),  cmocka_unit_test(spec_memory_and_realtime),
                cmocka_unit_test(resources_alone),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
