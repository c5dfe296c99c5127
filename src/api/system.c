/* SPDX-License-Identifier: Apache-2.0 */
/* /_ping, /version and /info. */
#include <dirent.h>
#include <stdio.h>

#include "api.h"
#include "engine/security-opt.h"
#include "hostinfo.h"
#include "image/image.h"
#include "jsonutil.h"
#include "timeutil.h"

#define BUILD_TIME __DATE__ " " __TIME__

static void api_ping(struct http_request *req)
{
        /* The API-Version, OSType and Docker-Experimental headers come with
         * every reply; ping adds no-cache like dockerd. */
        http_reply_add_header(req, "Cache-Control", "no-cache, no-store, must-revalidate");
        http_reply_add_header(req, "Pragma", "no-cache");
        http_reply_data(req, 200, "text/plain; charset=utf-8", "OK", 2);
}

static const char *api_version_string(char *buf, size_t size, unsigned version)
{
        snprintf(buf, size, "%u.%u", version / 100, version % 100);
        return buf;
}

static json_object *version_json(struct daemon *d)
{
        json_object *obj = json_object_new_object(), *components = json_object_new_array();
        json_object *engine = json_object_new_object(), *details = json_object_new_object();
        json_object *platform = json_object_new_object();
        char max[16], min[16];
        struct hostinfo host;

        hostinfo_read(&host);
        api_version_string(max, sizeof(max), HTTP_API_VERSION_MAX);
        api_version_string(min, sizeof(min), HTTP_API_VERSION_MIN);

        json_object_object_add(details, "ApiVersion", json_object_new_string(max));
        json_object_object_add(details, "Arch", json_object_new_string(host.go_architecture));
        json_object_object_add(details, "BuildTime", json_object_new_string(BUILD_TIME));
        json_object_object_add(details, "Experimental", json_object_new_string("false"));
        json_object_object_add(details, "GitCommit", json_object_new_string(""));
        json_object_object_add(details, "KernelVersion", json_object_new_string(host.kernel_version));
        json_object_object_add(details, "MinAPIVersion", json_object_new_string(min));
        json_object_object_add(details, "Os", json_object_new_string("linux"));
        json_object_object_add(engine, "Name", json_object_new_string("Engine"));
        json_object_object_add(engine, "Version", json_object_new_string(SOCKERLESS_VERSION));
        json_object_object_add(engine, "Details", details);
        json_object_array_add(components, engine);

        json_object_object_add(platform, "Name", json_object_new_string("Sockerless"));
        json_object_object_add(obj, "Platform", platform);
        json_object_object_add(obj, "Components", components);
        json_object_object_add(obj, "Version", json_object_new_string(SOCKERLESS_VERSION));
        json_object_object_add(obj, "ApiVersion", json_object_new_string(max));
        json_object_object_add(obj, "MinAPIVersion", json_object_new_string(min));
        json_object_object_add(obj, "GitCommit", json_object_new_string(""));
        json_object_object_add(obj, "GoVersion", json_object_new_string(""));
        json_object_object_add(obj, "Os", json_object_new_string("linux"));
        json_object_object_add(obj, "Arch", json_object_new_string(host.go_architecture));
        json_object_object_add(obj, "KernelVersion", json_object_new_string(host.kernel_version));
        json_object_object_add(obj, "BuildTime", json_object_new_string(BUILD_TIME));
        return obj;
}

static void api_version(struct http_request *req)
{
        http_reply_json(req, 200, version_json(api_daemon(req)));
}

static json_object *strings(const char *const *items, size_t n)
{
        json_object *array = json_object_new_array();

        for (size_t i = 0; i < n; i++)
                json_object_array_add(array, json_object_new_string(items[i]));
        return array;
}

static int count_open_fds(void)
{
        DIR *dir = opendir("/proc/self/fd");
        int n = 0;

        if (!dir)
                return 0;
        while (readdir(dir))
                n++;
        closedir(dir);
        return n > 3 ? n - 3 : 0; /* ".", ".." and the directory's own fd */
}

static json_object *plugins_json(void)
{
        static const char *const volume[] = { "local" };
        static const char *const network[] = { "bridge", "host", "null" };
        static const char *const log[] = { "json-file", "none" };
        json_object *plugins = json_object_new_object();

        json_object_object_add(plugins, "Volume", strings(volume, ARRAY_SIZE(volume)));
        json_object_object_add(plugins, "Network", strings(network, ARRAY_SIZE(network)));
        json_object_object_add(plugins, "Authorization", NULL);
        json_object_object_add(plugins, "Log", strings(log, ARRAY_SIZE(log)));
        return plugins;
}

static json_object *registry_json(void)
{
        json_object *registry = json_object_new_object(), *index = json_object_new_object();
        json_object *hub = json_object_new_object();
        static const char *const loopback[] = { "127.0.0.0/8" };

        json_object_object_add(hub, "Name", json_object_new_string("docker.io"));
        json_object_object_add(hub, "Mirrors", json_object_new_array());
        json_object_object_add(hub, "Secure", json_object_new_boolean(true));
        json_object_object_add(hub, "Official", json_object_new_boolean(true));
        json_object_object_add(index, "docker.io", hub);
        json_object_object_add(registry, "AllowNondistributableArtifactsCIDRs", json_object_new_array());
        json_object_object_add(registry, "AllowNondistributableArtifactsHostnames", json_object_new_array());
        json_object_object_add(registry, "InsecureRegistryCIDRs", strings(loopback, 1));
        json_object_object_add(registry, "IndexConfigs", index);
        json_object_object_add(registry, "Mirrors", json_object_new_array());
        return registry;
}

static json_object *swarm_json(void)
{
        json_object *swarm = json_object_new_object();

        json_object_object_add(swarm, "NodeID", json_object_new_string(""));
        json_object_object_add(swarm, "NodeAddr", json_object_new_string(""));
        json_object_object_add(swarm, "LocalNodeState", json_object_new_string("inactive"));
        json_object_object_add(swarm, "ControlAvailable", json_object_new_boolean(false));
        json_object_object_add(swarm, "Error", json_object_new_string(""));
        json_object_object_add(swarm, "RemoteManagers", NULL);
        return swarm;
}

static json_object *commit_json(void)
{
        json_object *commit = json_object_new_object();

        json_object_object_add(commit, "ID", json_object_new_string(""));
        json_object_object_add(commit, "Expected", json_object_new_string(""));
        return commit;
}

static void add_bool(json_object *obj, const char *key, bool value)
{
        json_object_object_add(obj, key, json_object_new_boolean(value));
}

static void add_string(json_object *obj, const char *key, const char *value)
{
        json_object_object_add(obj, key, json_object_new_string(value));
}

static void add_int(json_object *obj, const char *key, int64_t value)
{
        json_object_object_add(obj, key, json_object_new_int64(value));
}

/* The resource and kernel feature flags (cgroup controllers available). */
static void add_features(json_object *info, const struct hostinfo *host)
{
        static const char *const features[] = { "MemoryLimit", "SwapLimit", "CpuCfsPeriod", "CpuCfsQuota",
                                                "CPUShares",   "CPUSet",    "PidsLimit",    "IPv4Forwarding" };

        for (size_t i = 0; i < ARRAY_SIZE(features); i++)
                add_bool(info, features[i], true);
        add_bool(info, "KernelMemory", false);
        add_bool(info, "KernelMemoryTCP", false);
        add_bool(info, "BridgeNfIptables", false);
        add_bool(info, "BridgeNfIp6tables", false);
        add_bool(info, "OomKillDisable", host->cgroup_version == 1);
}

/* dockerd's order: seccomp, userns, then the fixed entries. */
static json_object *security_options(struct daemon *d, const char *const *fixed, size_t n)
{
        json_object *options = json_object_new_array();

        json_object_array_add(options, security_seccomp_info(&d->config));
        if (d->userns_remap)
                json_object_array_add(options, json_object_new_string("name=userns"));
        for (size_t i = 0; i < n; i++)
                json_object_array_add(options, json_object_new_string(fixed[i]));
        return options;
}

static json_object *info_json(struct daemon *d)
{
        static const char *const security[] = { "name=cgroupns" };
        json_object *info = json_object_new_object(), *runtimes = json_object_new_object();
        json_object *runtime = json_object_new_object();
        size_t running, paused, stopped;
        char stamp[TIMEUTIL_RFC3339_MAX], cgroup_version[4];
        struct hostinfo host;

        hostinfo_read(&host);
        engine_container_counts(d->engine, &running, &paused, &stopped);
        snprintf(cgroup_version, sizeof(cgroup_version), "%d", host.cgroup_version);
        add_string(runtime, "path", "sockerless-runtime");
        json_object_object_add(runtimes, "sockerless", runtime);

        add_string(info, "ID", d->engine_id);
        add_int(info, "Containers", (int64_t)(running + paused + stopped));
        add_int(info, "ContainersRunning", (int64_t)running);
        add_int(info, "ContainersPaused", (int64_t)paused);
        add_int(info, "ContainersStopped", (int64_t)stopped);
        add_int(info, "Images", (int64_t)image_store_count(d->images));
        add_string(info, "Driver", "overlay2");
        json_object_object_add(info, "DriverStatus", image_store_driver_status(d->images));
        json_object_object_add(info, "Plugins", plugins_json());
        add_features(info, &host);
        add_bool(info, "Debug", d->config.log_level >= LOG_LEVEL_DEBUG);
        add_int(info, "NFd", count_open_fds());
        add_int(info, "NGoroutines", 0);
        add_string(info, "SystemTime", timeutil_format_rfc3339(timeutil_now_ns(), stamp, sizeof(stamp)));
        add_string(info, "LoggingDriver", "json-file");
        add_string(info, "CgroupDriver", "cgroupfs");
        add_string(info, "CgroupVersion", cgroup_version);
        add_int(info, "NEventsListener", 0);
        add_string(info, "KernelVersion", host.kernel_version);
        add_string(info, "OperatingSystem", host.operating_system);
        add_string(info, "OSVersion", host.os_version);
        add_string(info, "OSType", "linux");
        add_string(info, "Architecture", host.architecture);
        add_string(info, "IndexServerAddress", "https://index.docker.io/v1/");
        json_object_object_add(info, "RegistryConfig", registry_json());
        add_int(info, "NCPU", host.cpus);
        add_int(info, "MemTotal", host.memory_total);
        json_object_object_add(info, "GenericResources", NULL);
        add_string(info, "DockerRootDir", d->config.data_root);
        add_string(info, "HttpProxy", "");
        add_string(info, "HttpsProxy", "");
        add_string(info, "NoProxy", "");
        add_string(info, "Name", host.hostname);
        json_object_object_add(info, "Labels", json_object_get(d->config.labels) ?: json_object_new_array());
        add_bool(info, "ExperimentalBuild", false);
        add_string(info, "ServerVersion", SOCKERLESS_VERSION);
        json_object_object_add(info, "Runtimes", runtimes);
        add_string(info, "DefaultRuntime", "sockerless");
        json_object_object_add(info, "Swarm", swarm_json());
        add_bool(info, "LiveRestoreEnabled", d->config.live_restore);
        add_string(info, "Isolation", "");
        add_string(info, "InitBinary", "");
        json_object_object_add(info, "ContainerdCommit", commit_json());
        json_object_object_add(info, "RuncCommit", commit_json());
        json_object_object_add(info, "InitCommit", commit_json());
        json_object_object_add(info, "SecurityOptions", security_options(d, security, ARRAY_SIZE(security)));
        json_object_object_add(info, "Warnings", NULL);
        return info;
}

static void api_info(struct http_request *req)
{
        http_reply_json(req, 200, info_json(api_daemon(req)));
}

const struct http_route api_system_routes[] = {
        { "GET", "/_ping", api_ping, HTTP_BODY_JSON },
        { "HEAD", "/_ping", api_ping, HTTP_BODY_JSON },
        { "GET", "/version", api_version, HTTP_BODY_JSON },
        { "GET", "/info", api_info, HTTP_BODY_JSON },
        { "GET", "/system/df", api_system_df, HTTP_BODY_JSON },
        /* A stream of every event until the client leaves (events.c). */
        { "GET", "/events", api_events, HTTP_BODY_JSON },
};
const size_t api_system_routes_count = ARRAY_SIZE(api_system_routes);
