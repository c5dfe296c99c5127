/* SPDX-License-Identifier: Apache-2.0 */
/* sockerlessd's flags and daemon.json, with dockerd's names. */
#include "daemon-config.h"

#include <getopt.h>
#include <stdio.h>

#include "daemon-ulimits.h"
#include "engine/seccomp-profile.h"
#include "engine/security-opt.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "strv.h"

#define CONFIG_FILE_MAX (1u << 20)

enum {
        OPT_DATA_ROOT = 0x100,
        OPT_EXEC_ROOT,
        OPT_CONFIG_FILE,
        OPT_LIVE_RESTORE,
        OPT_DEFAULT_ULIMIT,
        OPT_DNS,
        OPT_DNS_SEARCH,
        OPT_DNS_OPT,
        OPT_CGROUP_PARENT,
        OPT_BIP,
        OPT_INSECURE_REGISTRY,
        OPT_REGISTRY_MIRROR,
        OPT_LABEL,
        OPT_SECCOMP_PROFILE,
        OPT_USERNS_REMAP,
        OPT_MAX_CONCURRENT_DOWNLOADS,
        OPT_MAX_DOWNLOAD_ATTEMPTS,
        OPT_MAX_CONCURRENT_UPLOADS,
        OPT_CRASH_AT,
        OPT_FIXED_CIDR,
        OPT_FIXED_CIDR_V6,
        OPT_MTU,
        OPT_DEFAULT_ADDRESS_POOL,
        OPT_IP_FORWARD,
        OPT_IP_MASQ,
        OPT_ICC,
        OPT_IPTABLES,
        OPT_IPV6,
};

static const struct option options[] = {
        { "host", required_argument, NULL, 'H' },
        { "data-root", required_argument, NULL, OPT_DATA_ROOT },
        { "exec-root", required_argument, NULL, OPT_EXEC_ROOT },
        { "pidfile", required_argument, NULL, 'p' },
        { "config-file", required_argument, NULL, OPT_CONFIG_FILE },
        { "log-level", required_argument, NULL, 'l' },
        { "debug", no_argument, NULL, 'D' },
        { "group", required_argument, NULL, 'G' },
        { "live-restore", optional_argument, NULL, OPT_LIVE_RESTORE },
        { "default-ulimit", required_argument, NULL, OPT_DEFAULT_ULIMIT },
        { "dns", required_argument, NULL, OPT_DNS },
        { "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
        { "dns-opt", required_argument, NULL, OPT_DNS_OPT },
        { "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
        { "bip", required_argument, NULL, OPT_BIP },
        { "bridge", required_argument, NULL, 'b' },
        { "fixed-cidr", required_argument, NULL, OPT_FIXED_CIDR },
        { "fixed-cidr-v6", required_argument, NULL, OPT_FIXED_CIDR_V6 },
        { "mtu", required_argument, NULL, OPT_MTU },
        { "default-address-pool", required_argument, NULL, OPT_DEFAULT_ADDRESS_POOL },
        { "ip-forward", optional_argument, NULL, OPT_IP_FORWARD },
        { "ip-masq", optional_argument, NULL, OPT_IP_MASQ },
        { "icc", optional_argument, NULL, OPT_ICC },
        { "iptables", optional_argument, NULL, OPT_IPTABLES },
        { "ipv6", optional_argument, NULL, OPT_IPV6 },
        { "insecure-registry", required_argument, NULL, OPT_INSECURE_REGISTRY },
        { "registry-mirror", required_argument, NULL, OPT_REGISTRY_MIRROR },
        { "max-concurrent-downloads", required_argument, NULL, OPT_MAX_CONCURRENT_DOWNLOADS },
        { "max-concurrent-uploads", required_argument, NULL, OPT_MAX_CONCURRENT_UPLOADS },
        { "max-download-attempts", required_argument, NULL, OPT_MAX_DOWNLOAD_ATTEMPTS },
        { "label", required_argument, NULL, OPT_LABEL },
        { "seccomp-profile", required_argument, NULL, OPT_SECCOMP_PROFILE },
        { "userns-remap", required_argument, NULL, OPT_USERNS_REMAP },
        /* A fault injection hook for tests (crash-point.h), left out of the help. */
        { "crash-at", required_argument, NULL, OPT_CRASH_AT },
        { "version", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        {}
};

/* The daemon.json keys this daemon reads, and the flag behind each. Keys
 * of dockerd's that only matter to features it does not have yet are
 * accepted and ignored (listed with a NULL flag). */
static const struct {
        const char *key;
        const char *flag;
} known_keys[] = {
        { "hosts", "host" },
        { "data-root", "data-root" },
        { "exec-root", "exec-root" },
        { "pidfile", "pidfile" },
        { "log-level", "log-level" },
        { "debug", "debug" },
        { "group", "group" },
        { "live-restore", "live-restore" },
        { "default-ulimits", "default-ulimit" },
        { "dns", "dns" },
        { "dns-search", "dns-search" },
        { "dns-opts", "dns-opt" },
        { "cgroup-parent", "cgroup-parent" },
        { "bip", "bip" },
        { "bridge", "bridge" },
        { "fixed-cidr-v6", "fixed-cidr-v6" },
        { "ipv6", "ipv6" },
        { "ip-masq", "ip-masq" },
        { "icc", "icc" },
        { "ip6tables", NULL },
        { "insecure-registries", "insecure-registry" },
        { "registry-mirrors", "registry-mirror" },
        { "labels", "label" },
        { "seccomp-profile", "seccomp-profile" },
        { "userns-remap", "userns-remap" },
        { "pools", NULL },
        { "storage-driver", NULL },
        { "log-driver", NULL },
        { "log-opts", NULL },
        { "experimental", NULL },
        { "features", NULL },
        { "default-address-pools", "default-address-pool" },
        { "mtu", "mtu" },
        { "fixed-cidr", "fixed-cidr" },
        { "iptables", "iptables" },
        { "ip-forward", "ip-forward" },
        { "userland-proxy", NULL },
        { "max-concurrent-downloads", "max-concurrent-downloads" },
        { "max-download-attempts", "max-download-attempts" },
        { "max-concurrent-uploads", "max-concurrent-uploads" },
        { "shutdown-timeout", NULL },
        { "default-runtime", NULL },
        { "runtimes", NULL },
};

void config_print_help(void)
{
        printf("Usage: sockerlessd [OPTIONS]\n"
               "\n"
               "A container engine that serves the Docker Engine API.\n"
               "\n"
               "Options:\n"
               "  -H, --host ADDRESS            socket to listen on (unix://PATH, fd://), may repeat\n"
               "                                (default " DEFAULT_HOST ")\n"
               "      --data-root DIR           root of persistent state (default " DEFAULT_DATA_ROOT ")\n"
               "      --exec-root DIR           root of runtime state (default " DEFAULT_EXEC_ROOT ")\n"
               "  -p, --pidfile FILE            pid file (default " DEFAULT_PIDFILE ")\n"
               "      --config-file FILE        daemon.json settings (default " DEFAULT_CONFIG_FILE ")\n"
               "  -l, --log-level LEVEL         debug, info, warn, error or fatal (default info)\n"
               "  -D, --debug                   same as --log-level debug\n"
               "  -G, --group GROUP             group owning the unix sockets (default docker)\n"
               "      --live-restore[=BOOL]     keep containers running while the daemon is down\n"
               "                                (default true)\n"
               "      --default-ulimit NAME=SOFT[:HARD]  default ulimit for containers, may repeat\n"
               "      --dns ADDRESS             DNS server for containers, may repeat\n"
               "      --dns-search DOMAIN       DNS search domain for containers, may repeat\n"
               "      --dns-opt OPTION          DNS option for containers, may repeat\n"
               "      --cgroup-parent NAME      parent cgroup of containers (default sockerless)\n"
               "      --label KEY=VALUE         daemon label, may repeat\n"
               "  -b, --bridge NAME             interface of the default bridge network (default\n"
               "                                sockerless0); \"none\" for no default bridge\n"
               "      --bip CIDR                the default bridge's address and prefix\n"
               "      --fixed-cidr CIDR         IPv4 range of container addresses on the default bridge\n"
               "      --fixed-cidr-v6 CIDR      IPv6 subnet of the default bridge (with --ipv6)\n"
               "      --mtu BYTES               MTU of the default bridge (default 1500)\n"
               "      --default-address-pool base=CIDR,size=BITS  pool of subnets for new\n"
               "                                networks, may repeat\n"
               "      --icc[=BOOL]              containers of the default bridge reach each other\n"
               "                                (default true)\n"
               "      --ip-masq[=BOOL]          masquerade traffic leaving bridges (default true)\n"
               "      --ip-forward[=BOOL]       enable IP forwarding (default true)\n"
               "      --iptables[=BOOL]         manage the nftables table of NAT and isolation rules\n"
               "                                (default true)\n"
               "      --ipv6[=BOOL]             IPv6 on the default bridge (default false)\n"
               "      --seccomp-profile FILE    default seccomp profile of containers, in Docker's\n"
               "                                format; \"unconfined\" for none (default: Docker's)\n"
               "      --insecure-registry HOST  registry (host[:port] or CIDR) reached without TLS\n"
               "                                verification, may repeat (loopback always is)\n"
               "      --registry-mirror URL     mirror tried before Docker Hub, may repeat\n"
               "      --max-concurrent-downloads N  layers downloaded at once per pull (default 3)\n"
               "      --max-download-attempts N  retries of a failed layer download (default 5)\n"
               "      --max-concurrent-uploads N  layers uploaded at once per push (default 5)\n"
               "      --userns-remap USER[:GROUP]  run containers in user namespaces mapped to the\n"
               "                                subordinate ids of USER (\"default\": dockremap)\n"
               "  -v, --version                 print the version and exit\n"
               "  -h, --help                    print this help and exit\n");
}

/* Settings given on the command line, kept apart to detect conflicts with the file. */
struct flags {
        json_object *values; /* daemon.json key -> value given by a flag */
};

static void flag_add_string(struct flags *f, const char *key, const char *value)
{
        json_object_object_add(f->values, key, json_object_new_string(value));
}

static void flag_append(struct flags *f, const char *key, const char *value)
{
        json_object *array = json_field_array(f->values, key);

        if (!array) {
                array = json_object_new_array();
                json_object_object_add(f->values, key, array);
        }
        json_object_array_add(array, json_object_new_string(value));
}

static int flag_add_count(struct flags *f, const char *key, const char *value)
{
        char *end;
        long n;

        errno = 0;
        n = strtol(value, &end, 10);
        if (errno || end == value || *end || n < 0 || n > INT32_MAX)
                return -EINVAL;
        json_object_object_add(f->values, key, json_object_new_int((int32_t)n));
        return 0;
}

/* Reads dockerd's "base=CIDR,size=BITS" into a default-address-pools entry. */
static int flag_add_address_pool(struct flags *f, const char *value)
{
        _cleanup_free_ char *copy = strdup(value);
        json_object *array = json_field_array(f->values, "default-address-pools");
        json_object *pool;
        char *saveptr = NULL;

        if (!copy)
                return -ENOMEM;
        pool = json_object_new_object();
        for (char *part = strtok_r(copy, ",", &saveptr); part; part = strtok_r(NULL, ",", &saveptr)) {
                if (startswith(part, "base="))
                        json_object_object_add(pool, "base", json_object_new_string(part + 5));
                else if (startswith(part, "size="))
                        json_object_object_add(pool, "size", json_object_new_int(atoi(part + 5)));
                else {
                        json_object_put(pool);
                        return -EINVAL;
                }
        }
        if (!array) {
                array = json_object_new_array();
                json_object_object_add(f->values, "default-address-pools", array);
        }
        json_object_array_add(array, pool);
        return 0;
}

static int parse_bool(const char *s, bool *ret)
{
        if (!s || streq(s, "true") || streq(s, "1")) {
                *ret = true;
                return 0;
        }
        if (streq(s, "false") || streq(s, "0")) {
                *ret = false;
                return 0;
        }
        return -EINVAL;
}

static int parse_flags(int argc, char **argv, struct flags *f, char **ret_config_file, enum config_action *ret_action,
                       struct error *err)
{
        int c;
        bool b;

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":H:p:l:DG:b:vh", options, NULL)) != -1) {
                switch (c) {
                case 'H':
                        flag_append(f, "hosts", optarg);
                        break;
                case OPT_DATA_ROOT:
                        flag_add_string(f, "data-root", optarg);
                        break;
                case OPT_EXEC_ROOT:
                        flag_add_string(f, "exec-root", optarg);
                        break;
                case 'p':
                        flag_add_string(f, "pidfile", optarg);
                        break;
                case OPT_CONFIG_FILE:
                        free(*ret_config_file);
                        *ret_config_file = strdup(optarg);
                        break;
                case 'l':
                        flag_add_string(f, "log-level", optarg);
                        break;
                case 'D':
                        json_object_object_add(f->values, "debug", json_object_new_boolean(true));
                        break;
                case 'G':
                        flag_add_string(f, "group", optarg);
                        break;
                case OPT_LIVE_RESTORE:
                        if (parse_bool(optarg, &b) < 0)
                                return error_set(err, -EINVAL, "invalid value \"%s\" for --live-restore", optarg);
                        json_object_object_add(f->values, "live-restore", json_object_new_boolean(b));
                        break;
                case OPT_DEFAULT_ULIMIT:
                        flag_append(f, "default-ulimits", optarg);
                        break;
                case OPT_DNS:
                        flag_append(f, "dns", optarg);
                        break;
                case OPT_DNS_SEARCH:
                        flag_append(f, "dns-search", optarg);
                        break;
                case OPT_DNS_OPT:
                        flag_append(f, "dns-opts", optarg);
                        break;
                case OPT_CGROUP_PARENT:
                        flag_add_string(f, "cgroup-parent", optarg);
                        break;
                case OPT_BIP:
                        flag_add_string(f, "bip", optarg);
                        break;
                case 'b':
                        flag_add_string(f, "bridge", optarg);
                        break;
                case OPT_FIXED_CIDR:
                        flag_add_string(f, "fixed-cidr", optarg);
                        break;
                case OPT_FIXED_CIDR_V6:
                        flag_add_string(f, "fixed-cidr-v6", optarg);
                        break;
                case OPT_MTU:
                        if (flag_add_count(f, "mtu", optarg) < 0)
                                return error_set(err, -EINVAL, "invalid value \"%s\" for flag --mtu: expected a number",
                                                 optarg);
                        break;
                case OPT_DEFAULT_ADDRESS_POOL:
                        if (flag_add_address_pool(f, optarg) < 0)
                                return error_set(err, -EINVAL,
                                                 "invalid value \"%s\" for flag --default-address-pool: expected "
                                                 "base=CIDR,size=BITS",
                                                 optarg);
                        break;
                case OPT_IP_FORWARD:
                case OPT_IP_MASQ:
                case OPT_ICC:
                case OPT_IPTABLES:
                case OPT_IPV6: {
                        const char *key = c == OPT_IP_FORWARD ? "ip-forward"
                                          : c == OPT_IP_MASQ  ? "ip-masq"
                                          : c == OPT_ICC      ? "icc"
                                          : c == OPT_IPTABLES ? "iptables"
                                                              : "ipv6";

                        if (parse_bool(optarg, &b) < 0)
                                return error_set(err, -EINVAL, "invalid value \"%s\" for --%s", optarg, key);
                        json_object_object_add(f->values, key, json_object_new_boolean(b));
                        break;
                }
                case OPT_INSECURE_REGISTRY:
                        flag_append(f, "insecure-registries", optarg);
                        break;
                case OPT_REGISTRY_MIRROR:
                        flag_append(f, "registry-mirrors", optarg);
                        break;
                case OPT_MAX_CONCURRENT_DOWNLOADS:
                case OPT_MAX_DOWNLOAD_ATTEMPTS:
                case OPT_MAX_CONCURRENT_UPLOADS: {
                        const char *key = c == OPT_MAX_CONCURRENT_DOWNLOADS ? "max-concurrent-downloads"
                                          : c == OPT_MAX_DOWNLOAD_ATTEMPTS  ? "max-download-attempts"
                                                                            : "max-concurrent-uploads";

                        if (flag_add_count(f, key, optarg) < 0)
                                return error_set(err, -EINVAL, "invalid value \"%s\" for flag --%s: expected a number",
                                                 optarg, key);
                        break;
                }
                case OPT_LABEL:
                        flag_append(f, "labels", optarg);
                        break;
                case OPT_SECCOMP_PROFILE:
                        flag_add_string(f, "seccomp-profile", optarg);
                        break;
                case OPT_USERNS_REMAP:
                        flag_add_string(f, "userns-remap", optarg);
                        break;
                case OPT_CRASH_AT:
                        /* Only a flag sets it, because daemon.json does not know the key. */
                        flag_add_string(f, "crash-at", optarg);
                        break;
                case 'v':
                        *ret_action = CONFIG_VERSION;
                        return 0;
                case 'h':
                        *ret_action = CONFIG_HELP;
                        return 0;
                case ':':
                        return error_set(err, -EINVAL, "flag needs an argument: %s", argv[optind - 1]);
                default:
                        return error_set(err, -EINVAL, "unknown flag: %s", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return error_set(err, -EINVAL, "sockerlessd takes no arguments, got \"%s\"", argv[optind]);
        return 0;
}

static const char *flag_for_key(const char *key)
{
        for (size_t i = 0; i < ARRAY_SIZE(known_keys); i++)
                if (streq(known_keys[i].key, key))
                        return known_keys[i].flag ? known_keys[i].flag : "";
        return NULL;
}

/* Checks the file for unknown keys and for keys also given as flags. */
static int check_file(json_object *file, json_object *flag_values, struct error *err)
{
        json_object_object_foreach (file, key, value) {
                json_object *flag_value;

                if (!flag_for_key(key))
                        return error_set(err, -EINVAL,
                                         "the following directives don't match any configuration option: %s", key);
                if (json_object_object_get_ex(flag_values, key, &flag_value))
                        return error_set(err, -EINVAL,
                                         "the following directives are specified both as a flag and in the "
                                         "configuration file: %s: (from flag: %s, from file: %s)",
                                         key, json_to_string(flag_value), json_to_string(value));
        }
        return 0;
}

static int read_file(const char *path, bool required, json_object **ret, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        *ret = NULL;
        r = fs_read_file_at(AT_FDCWD, path, CONFIG_FILE_MAX, &text, &len);
        if (r == -ENOENT && !required)
                return 0;
        if (r < 0)
                return error_set_errno(err, r, "unable to read the configuration file %s", path);
        r = json_parse_buffer(text, len, ret, err);
        if (r < 0)
                return error_prefix(err, r, "unable to parse the configuration file %s", path);
        if (!*ret || !json_object_is_type(*ret, json_type_object)) {
                json_object_put(*ret);
                *ret = NULL;
                return error_set(err, -EINVAL, "the configuration file %s does not hold a JSON object", path);
        }
        return 0;
}

static int set_string(char **field, json_object *settings, const char *key, const char *fallback)
{
        const char *value = json_field_string(settings, key, fallback);

        free(*field);
        *field = value ? strdup(value) : NULL;
        return value && !*field ? -ENOMEM : 0;
}

static int set_strv(char ***field, json_object *settings, const char *key)
{
        strv_free(*field);
        *field = NULL;
        return json_array_to_strv(json_field_array(settings, key), field);
}

/* Applies the settings that may change at runtime. */
static int apply_reloadable(struct daemon_config *config, json_object *settings, struct error *err)
{
        const char *level = json_field_string(settings, "log-level", "info");
        int lvl = log_level_from_string(level);
        int r;

        if (lvl < 0)
                return error_set(err, -EINVAL, "invalid log level \"%s\": use debug, info, warn, error or fatal",
                                 level);
        config->log_level = json_field_bool(settings, "debug", false) ? LOG_LEVEL_DEBUG : (enum log_level)lvl;
        config->live_restore = json_field_bool(settings, "live-restore", true);
        json_object_put(config->labels);
        config->labels = json_object_get(json_field_array(settings, "labels"));
        r = set_strv(&config->dns, settings, "dns");
        if (r >= 0)
                r = set_strv(&config->dns_search, settings, "dns-search");
        if (r >= 0)
                r = set_strv(&config->dns_options, settings, "dns-opts");
        if (r < 0)
                return error_set(err, -EINVAL, "invalid dns settings: expected lists of strings");
        return 0;
}

/* Reads a non-negative count; a missing key gives fallback. */
static int get_count(json_object *settings, const char *key, unsigned fallback, unsigned *ret, struct error *err)
{
        json_object *value = json_object_object_get(settings, key);
        int64_t n;

        if (!value) {
                *ret = fallback;
                return 0;
        }
        n = json_object_get_int64(value);
        if (!json_object_is_type(value, json_type_int) || n < 0 || n > INT32_MAX)
                return error_set(err, -EINVAL, "invalid \"%s\": expected a non-negative number", key);
        *ret = (unsigned)n;
        return 0;
}

/* The registry settings as dockerd 20.10 checks them: a zero download,
 * attempt or upload count is an error. */
static int apply_registry_settings(struct daemon_config *config, json_object *settings, struct error *err)
{
        int r;

        if (set_strv(&config->insecure_registries, settings, "insecure-registries") < 0)
                return error_set(err, -EINVAL, "invalid \"insecure-registries\": expected a list of strings");
        if (set_strv(&config->registry_mirrors, settings, "registry-mirrors") < 0)
                return error_set(err, -EINVAL, "invalid \"registry-mirrors\": expected a list of strings");
        r = get_count(settings, "max-concurrent-downloads", 3, &config->max_concurrent_downloads, err);
        if (r >= 0)
                r = get_count(settings, "max-download-attempts", 5, &config->max_download_attempts, err);
        if (r >= 0)
                r = get_count(settings, "max-concurrent-uploads", 5, &config->max_concurrent_uploads, err);
        if (r < 0)
                return r;
        if (config->max_concurrent_downloads == 0)
                return error_set(err, -EINVAL, "invalid max concurrent downloads: 0");
        if (config->max_download_attempts == 0)
                return error_set(err, -EINVAL, "invalid max download attempts: 0");
        if (config->max_concurrent_uploads == 0)
                return error_set(err, -EINVAL, "invalid max concurrent uploads: 0");
        return 0;
}

static int apply(struct daemon_config *config, json_object *settings, struct error *err)
{
        json_object *remap;
        int r;

        r = set_strv(&config->hosts, settings, "hosts");
        if (r < 0)
                return error_set(err, -EINVAL, "invalid \"hosts\": expected a list of addresses");
        if (!config->hosts && strv_append(&config->hosts, DEFAULT_HOST) < 0)
                return -ENOMEM;
        if (set_string(&config->data_root, settings, "data-root", DEFAULT_DATA_ROOT) < 0 ||
            set_string(&config->exec_root, settings, "exec-root", DEFAULT_EXEC_ROOT) < 0 ||
            set_string(&config->pidfile, settings, "pidfile", DEFAULT_PIDFILE) < 0 ||
            set_string(&config->cgroup_parent, settings, "cgroup-parent", "sockerless") < 0 ||
            set_string(&config->group, settings, "group", "docker") < 0 ||
            set_string(&config->userns_remap, settings, "userns-remap", NULL) < 0 ||
            set_string(&config->crash_at, settings, "crash-at", NULL) < 0)
                return -ENOMEM;
        if (json_object_object_get_ex(settings, "userns-remap", &remap) && remap &&
            !json_object_is_type(remap, json_type_string))
                return error_set(err, -EINVAL, "invalid \"userns-remap\": expected a string");
        if (config->data_root[0] != '/' || config->exec_root[0] != '/')
                return error_set(err, -EINVAL, "--data-root and --exec-root must be absolute paths");
        r = apply_registry_settings(config, settings, err);
        if (r >= 0)
                r = config_apply_network(config, settings, err);
        if (r < 0)
                return r;
        json_object_put(config->default_ulimits);
        config->default_ulimits = NULL;
        r = config_default_ulimits_parse(json_object_object_get(settings, "default-ulimits"), &config->default_ulimits,
                                         err);
        if (r < 0)
                return r;
        return apply_reloadable(config, settings, err);
}

/* Reads the default seccomp profile once, at start: as in dockerd, a
 * reload keeps the profile the daemon started with. */
static int apply_seccomp_profile(struct daemon_config *config, json_object *settings, struct error *err)
{
        json_object *value = NULL;

        if (json_object_object_get_ex(settings, "seccomp-profile", &value) && value &&
            !json_object_is_type(value, json_type_string))
                return error_set(err, -EINVAL, "invalid \"seccomp-profile\": expected a string");
        if (set_string(&config->seccomp_profile, settings, "seccomp-profile", NULL) < 0)
                return -ENOMEM;
        seccomp_profile_free(config->seccomp);
        return security_seccomp_profile_load(config->seccomp_profile, &config->seccomp, err);
}

/* Merges the flag values over the file's into one settings object. */
static json_object *merge(json_object *file, json_object *flag_values)
{
        json_object *settings = json_object_new_object();

        if (file) {
                json_object_object_foreach (file, k1, v1)
                        json_object_object_add(settings, k1, json_object_get(v1));
        }
        json_object_object_foreach (flag_values, k2, v2)
                json_object_object_add(settings, k2, json_object_get(v2));
        return settings;
}

int config_load(int argc, char **argv, struct daemon_config *config, enum config_action *ret_action, struct error *err)
{
        _cleanup_json_ json_object *flag_values = json_object_new_object(), *file = NULL, *settings = NULL;
        struct flags f = { .values = flag_values };
        _cleanup_free_ char *config_file = NULL;
        int r;

        *ret_action = CONFIG_RUN;
        r = parse_flags(argc, argv, &f, &config_file, ret_action, err);
        if (r < 0 || *ret_action != CONFIG_RUN)
                return r;

        r = read_file(config_file ? config_file : DEFAULT_CONFIG_FILE, config_file != NULL, &file, err);
        if (r < 0)
                return r;
        if (file) {
                r = check_file(file, flag_values, err);
                if (r < 0)
                        return r;
        }

        free(config->config_file);
        config->config_file = strdup(config_file ? config_file : DEFAULT_CONFIG_FILE);
        if (!config->config_file)
                return -ENOMEM;
        settings = merge(file, flag_values);
        json_object_put(config->flags);
        config->flags = json_object_get(flag_values);
        r = apply(config, settings, err);
        if (r < 0)
                return r;
        return apply_seccomp_profile(config, settings, err);
}

int config_reload(struct daemon_config *config, struct error *err)
{
        _cleanup_json_ json_object *file = NULL, *settings = NULL;
        int r;

        r = read_file(config->config_file, false, &file, err);
        if (r < 0)
                return r;
        if (file) {
                r = check_file(file, config->flags, err);
                if (r < 0)
                        return r;
        }
        settings = merge(file, config->flags);
        return apply_reloadable(config, settings, err);
}

void config_clear(struct daemon_config *config)
{
        strv_free(config->hosts);
        free(config->data_root);
        free(config->exec_root);
        free(config->pidfile);
        free(config->config_file);
        strv_free(config->dns);
        strv_free(config->dns_search);
        strv_free(config->dns_options);
        free(config->cgroup_parent);
        free(config->group);
        free(config->userns_remap);
        free(config->crash_at);
        json_object_put(config->default_ulimits);
        json_object_put(config->labels);
        json_object_put(config->flags);
        free(config->seccomp_profile);
        seccomp_profile_free(config->seccomp);
        strv_free(config->insecure_registries);
        strv_free(config->registry_mirrors);
        config_clear_network(config);
        memset(config, 0, sizeof(*config));
}
