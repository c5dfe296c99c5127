/* SPDX-License-Identifier: Apache-2.0 */
#include "create-options.h"

#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <unistd.h>

#include "create-isolation.h"
#include "jsonutil.h"
#include "portmap.h"
#include "macro.h"
#include "mounts.h"
#include "ocispec-options.h"
#include "restart-policy.h"
#include "security-opt.h"
#include "signals.h"

/* dockerd's smallest memory limit and reservation. */
#define MIN_MEMORY (6 * 1024 * 1024)

/* Tells whether a JSON value is what the docker CLI sends for an unset
 * option: missing, null, false, 0, "" or an empty array or object. */
static bool is_unset(json_object *v)
{
        if (!v)
                return true;
        switch (json_object_get_type(v)) {
        case json_type_boolean:
                return !json_object_get_boolean(v);
        case json_type_int:
        case json_type_double:
                return json_object_get_int64(v) == 0;
        case json_type_string:
                return json_object_get_string_len(v) == 0;
        case json_type_array:
                return json_object_array_length(v) == 0;
        case json_type_object:
                return json_object_object_length(v) == 0;
        default:
                return true;
        }
}

static json_object *member(json_object *obj, const char *key)
{
        json_object *v = NULL;

        return obj && json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

/* HostConfig options the daemon does not apply yet, with their flags. */
static const struct {
        const char *key;
        const char *flag;
} unsupported[] = {
        { "DeviceRequests", "--gpus" },
        { "KernelMemoryTCP", "--kernel-memory-tcp" },
        { "CpuCount", "--cpu-count" },
        { "CpuPercent", "--cpu-percent" },
        { "IOMaximumIOps", "--io-maxiops" },
        { "IOMaximumBandwidth", "--io-maxbandwidth" },
        { "Cgroup", "--cgroup" },
        { "CgroupParent", "--cgroup-parent" },
        { "Isolation", "--isolation" },
};

static int check_unsupported(json_object *hc, struct error *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
                if (!is_unset(member(hc, unsupported[i].key)))
                        return error_set(err, -EOPNOTSUPP, "%s (HostConfig.%s) is not supported by this daemon yet",
                                         unsupported[i].flag, unsupported[i].key);
        return 0;
}

const char *create_mode_container(const char *mode)
{
        return mode ? startswith(mode, "container:") : NULL;
}

static bool mode_is(const char *mode, const char *const *names)
{
        for (; *names; names++)
                if (streq(mode, *names))
                        return true;
        return false;
}

/* The namespace modes dockerd takes. "container:X" needs an X, which
 * create then looks up. */
static int check_modes(json_object *hc, struct error *err)
{
        static const char *const ipc_modes[] = { "", "private", "shareable", "host", "none", NULL };
        static const char *const pid_modes[] = { "", "private", "host", NULL };
        static const char *const uts_modes[] = { "", "private", "host", NULL };
        static const char *const cgroupns_modes[] = { "", "private", "host", NULL };
        const char *ipc = json_field_string(hc, "IpcMode", "");
        const char *pid = json_field_string(hc, "PidMode", "");
        const char *uts = json_field_string(hc, "UTSMode", "");
        const char *cgroupns = json_field_string(hc, "CgroupnsMode", "");
        const char *runtime = json_field_string(hc, "Runtime", "");

        if (!mode_is(ipc, ipc_modes) && isempty(create_mode_container(ipc)))
                return error_set(err, -EINVAL, "Invalid IPC mode: %s", ipc);
        if (!mode_is(pid, pid_modes) && isempty(create_mode_container(pid)))
                return error_set(err, -EINVAL, "invalid PID mode: %s", pid);
        if (!mode_is(uts, uts_modes))
                return error_set(err, -EINVAL, "invalid UTS mode: %s", uts);
        if (!mode_is(cgroupns, cgroupns_modes))
                return error_set(err, -EINVAL, "invalid cgroup namespace mode: %s", cgroupns);
        if (*runtime && !streq(runtime, "sockerless") && !streq(runtime, "runc"))
                return error_set(err, -EINVAL, "Unknown runtime specified %s", runtime);
        return 0;
}

/* Checks the RestartPolicy of a HostConfig or of an UpdateConfig, which
 * has no AutoRemove. */
static int check_restart_policy(json_object *hc, struct error *err)
{
        struct restart_policy policy;
        int r;

        r = restart_policy_parse(member(hc, "RestartPolicy"), &policy, err);
        if (r < 0)
                return r;
        if (policy.name != RESTART_POLICY_NO && json_field_bool(hc, "AutoRemove", false))
                return error_set(err, -EINVAL, "can't create 'AutoRemove' container with restart policy");
        return 0;
}

int create_parse_size(const char *text, int64_t *ret)
{
        char *end;
        double value;
        int64_t unit = 1;

        if (isempty(text) || !isdigit((unsigned char)text[0]))
                return -EINVAL;
        value = strtod(text, &end);
        if (*end) {
                switch (tolower((unsigned char)*end)) {
                case 'b':
                        break;
                case 'k':
                        unit = 1024;
                        break;
                case 'm':
                        unit = 1024 * 1024;
                        break;
                case 'g':
                        unit = 1024 * 1024 * 1024;
                        break;
                case 't':
                        unit = INT64_C(1024) * 1024 * 1024 * 1024;
                        break;
                default:
                        return -EINVAL;
                }
                end++;
                if (*end == 'b' || *end == 'B')
                        end++;
                if (*end)
                        return -EINVAL;
        }
        if (value * (double)unit >= 9.2e18)
                return -EINVAL;
        *ret = (int64_t)(value * (double)unit);
        return 0;
}

/* The --log-opt keys of each driver, as dockerd 20.10 accepts them. */
static int check_log_option_key(const char *type, const char *key, struct error *err)
{
        static const char *const json_file_keys[] = { "max-file",     "max-size", "compress",  "labels",
                                                      "labels-regex", "env",      "env-regex", "tag" };
        static const char *const local_keys[] = { "max-file", "max-size", "compress" };

        if (streq(type, "local")) {
                for (size_t i = 0; i < ARRAY_SIZE(local_keys); i++)
                        if (streq(key, local_keys[i]))
                                return 0;
                return error_set(err, -EINVAL, "unknown log opt '%s' for log driver local", key);
        }
        /* dockerd 20.10 creates a none container with options (its CLI
         * rejects them). */
        if (streq(type, "none"))
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(json_file_keys); i++)
                if (streq(key, json_file_keys[i]))
                        return 0;
        return error_set(err, -EINVAL, "unknown log opt '%s' for json-file log driver", key);
}

int create_parse_bool(const char *text)
{
        static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
        static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (text && streq(text, yes[i]))
                        return 1;
                if (text && streq(text, no[i]))
                        return 0;
        }
        return -EINVAL;
}

/* json-file compresses only with rotation to at least two files. local
 * compresses by default and needs two files unless that is turned off. */
static int check_log_compress(const char *type, json_object *options, struct error *err)
{
        const char *compress = json_field_string(options, "compress", NULL);
        const char *max_file = json_field_string(options, "max-file", NULL);
        const char *max_size = json_field_string(options, "max-size", NULL);

        if (streq(type, "none"))
                return 0;
        if (streq(type, "local")) {
                if ((!compress || create_parse_bool(compress) == 1) && max_file && atol(max_file) <= 1)
                        return error_set(err, -EINVAL,
                                         "failed to initialize logging driver: compression cannot be "
                                         "enabled when max file count is 1");
                return 0;
        }
        if (compress && create_parse_bool(compress) == 1 && (!max_size || !max_file || atol(max_file) < 2))
                return error_set(err, -EINVAL,
                                 "failed to initialize logging driver: compress cannot be true when "
                                 "max-file is less than 2 or max-size is not set");
        return 0;
}

/* The options of the json-file, local and none drivers. dockerd checks
 * the values of compress when the container starts; here create checks
 * them, with dockerd's message. */
static int check_log_config(json_object *hc, struct error *err)
{
        json_object *log = json_field_object(hc, "LogConfig");
        const char *type = json_field_string(log, "Type", "");
        json_object *options = json_field_object(log, "Config");

        if (*type && !streq(type, "json-file") && !streq(type, "local") && !streq(type, "none"))
                return error_set(err, -EOPNOTSUPP,
                                 "log driver \"%s\" is not supported by this daemon: use json-file, local or none",
                                 type);
        if (!options)
                return 0;
        json_object_object_foreach (options, key, value) {
                const char *text = json_object_get_string(value);
                int64_t n;

                if (check_log_option_key(type, key, err) < 0)
                        return -EINVAL;
                if (streq(key, "compress")) {
                        if (create_parse_bool(text) < 0)
                                return error_set(err, -EINVAL,
                                                 "failed to initialize logging driver: strconv.ParseBool: "
                                                 "parsing \"%s\": invalid syntax",
                                                 text ? text : "");
                } else if (streq(key, "max-size")) {
                        if (create_parse_size(text, &n) < 0 || n <= 0)
                                return error_set(err, -EINVAL, "invalid value for max-size: %s", text);
                } else if (streq(key, "max-file")) {
                        char *end;
                        long files = strtol(text ? text : "", &end, 10);

                        if (!text || !*text || *end || files < 1)
                                return error_set(err, -EINVAL, "max-file cannot be less than 1");
                        if (!json_field_string(options, "max-size", NULL) && files > 1 && !streq(type, "local"))
                                return error_set(err, -EINVAL, "max-file cannot be set without max-size");
                }
        }
        return check_log_compress(type, options, err);
}

/* dockerd's memory checks; an update may set a swap limit alone. */
static int check_memory(json_object *hc, bool update, json_object *warnings, struct error *err)
{
        int64_t memory = json_field_int(hc, "Memory", 0);
        int64_t swap = json_field_int(hc, "MemorySwap", 0);
        int64_t reservation = json_field_int(hc, "MemoryReservation", 0);

        if (memory != 0 && memory < MIN_MEMORY)
                return error_set(err, -EINVAL, "Minimum memory limit allowed is 6MB");
        if (swap > 0 && memory == 0 && !update)
                return error_set(err, -EINVAL,
                                 "You should always set the Memory limit when using Memoryswap limit, see usage");
        if (swap > 0 && swap < memory)
                return error_set(err, -EINVAL,
                                 "Minimum memoryswap limit should be larger than memory limit, see usage");
        if (reservation != 0 && reservation < MIN_MEMORY)
                return error_set(err, -EINVAL, "Minimum memory reservation allowed is 6MB");
        if (memory > 0 && reservation > memory)
                return error_set(err, -EINVAL,
                                 "Minimum memory limit can not be less than memory reservation limit, see usage");
        if (json_field_int(hc, "KernelMemory", 0) != 0 && warnings)
                json_object_array_add(warnings, json_object_new_string("Specifying a kernel memory limit is "
                                                                       "deprecated and will be removed in a future "
                                                                       "release."));
        if (json_field_int(hc, "KernelMemory", 0) > 0 && json_field_int(hc, "KernelMemory", 0) < MIN_MEMORY)
                return error_set(err, -EINVAL, "Minimum kernel memory limit allowed is 6MB");
        return 0;
}

static int check_cpu(json_object *hc, struct error *err)
{
        int64_t nano = json_field_int(hc, "NanoCpus", 0);
        int64_t period = json_field_int(hc, "CpuPeriod", 0);
        int64_t quota = json_field_int(hc, "CpuQuota", 0);
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);

        if (nano != 0 && (period != 0 || quota != 0))
                return error_set(err, -EINVAL, "Conflicting options: Nano CPUs and CPU Period cannot both be set");
        if (nano < 0 || (nano > 0 && (nano < 10000000 || nano > (int64_t)cpus * 1000000000)))
                return error_set(err, -EINVAL,
                                 "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs available", cpus,
                                 cpus);
        if (period != 0 && (period < 1000 || period > 1000000))
                return error_set(
                        err, -EINVAL,
                        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        if (quota != 0 && quota < 1000 && quota != -1)
                return error_set(err, -EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
        if (json_field_int(hc, "CpuShares", 0) < 0)
                return error_set(err, -EINVAL, "invalid CPU shares %lld",
                                 (long long)json_field_int(hc, "CpuShares", 0));
        return 0;
}

static int check_extra_hosts(json_object *hc, struct error *err)
{
        json_object *hosts = json_field_array(hc, "ExtraHosts");

        for (size_t i = 0; hosts && i < json_object_array_length(hosts); i++) {
                const char *entry = json_object_get_string(json_object_array_get_idx(hosts, i));
                const char *colon = entry ? strchr(entry, ':') : NULL;

                if (!colon || colon == entry || !colon[1])
                        return error_set(err, -EINVAL, "invalid extra host entry \"%s\": expected HOST:IP",
                                         entry ? entry : "");
        }
        return 0;
}

/* Names in CapAdd must be capabilities the daemon can grant; names in
 * CapDrop need only exist. */
static int check_capabilities(json_object *hc, struct error *err)
{
        static const char *const keys[] = { "CapAdd", "CapDrop" };
        int r;

        for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
                json_object *list = json_field_array(hc, keys[k]);

                for (size_t i = 0; list && i < json_object_array_length(list); i++) {
                        r = ocispec_capability_check(json_object_get_string(json_object_array_get_idx(list, i)), k == 0,
                                                     err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int create_options_check(json_object *hc, json_object *warnings, struct error *err)
{
        int (*const checks[])(json_object *, struct error *) = {
                check_unsupported, check_modes,        check_restart_policy,   check_log_config,   check_cpu,
                check_extra_hosts, mounts_check_specs, create_isolation_check, check_capabilities, portmap_validate,
        };
        int r;

        if (!hc)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
                r = checks[i](hc, err);
                if (r < 0)
                        return r;
        }
        r = security_opts_check(hc, err);
        if (r < 0)
                return r;
        return check_memory(hc, false, warnings, err);
}

int create_update_options_check(json_object *update, json_object *warnings, struct error *err)
{
        int r;

        r = check_restart_policy(update, err);
        if (r >= 0)
                r = check_cpu(update, err);
        if (r >= 0)
                r = check_memory(update, true, warnings, err);
        return r;
}

/* With the host's UTS namespace, the container cannot have a host or
 * domain name of its own. */
static int check_uts_conflicts(json_object *req, struct error *err)
{
        json_object *hc = json_field_object(req, "HostConfig");

        if (!streq(json_field_string(hc, "UTSMode", ""), "host"))
                return 0;
        if (*json_field_string(req, "Hostname", ""))
                return error_set(err, -EINVAL, "conflicting options: hostname and the UTS mode");
        if (*json_field_string(req, "Domainname", ""))
                return error_set(err, -EINVAL, "conflicting options: domainname and the UTS mode");
        return 0;
}

/* dockerd 20.10's checks of Healthcheck: durations of 0 take the
 * defaults, and others must be at least 1 ms. */
static int check_healthcheck(json_object *health, struct error *err)
{
        static const char *const durations[] = { "Interval", "Timeout", "StartPeriod" };

        for (size_t i = 0; i < ARRAY_SIZE(durations); i++) {
                int64_t ns = json_field_int(health, durations[i], 0);

                if (ns != 0 && ns < 1000000)
                        return error_set(err, -EINVAL, "%s in Healthcheck cannot be less than 1ms", durations[i]);
        }
        if (json_field_int(health, "Retries", 0) < 0)
                return error_set(err, -EINVAL, "Retries in Healthcheck cannot be negative");
        return 0;
}

/* Tells whether s is six hexadecimal bytes separated by colons. */
static bool is_mac_address(const char *s)
{
        for (int i = 0; i < 6; i++) {
                if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
                        return false;
                s += 2;
                if (i < 5 && *s++ != ':')
                        return false;
        }
        return *s == '\0';
}

int create_config_options_check(json_object *req, struct error *err)
{
        const char *stop_signal = json_field_string(req, "StopSignal", "");
        const char *workdir = json_field_string(req, "WorkingDir", "");

        if (*workdir && workdir[0] != '/')
                return error_set(err, -EINVAL, "the working directory '%s' is invalid, it needs to be an absolute path",
                                 workdir);
        if (*json_field_string(req, "MacAddress", "") && !is_mac_address(json_field_string(req, "MacAddress", "")))
                return error_set(err, -EINVAL, "invalid MAC address: %s", json_field_string(req, "MacAddress", ""));
        if (*stop_signal && signal_from_string(stop_signal) < 0)
                return error_set(err, -EINVAL, "Invalid signal: %s", stop_signal);
        if (check_healthcheck(json_field_object(req, "Healthcheck"), err) < 0)
                return -EINVAL;
        return check_uts_conflicts(req, err);
}
