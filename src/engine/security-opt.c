/* SPDX-License-Identifier: Apache-2.0 */
/* --security-opt (seccomp, no-new-privileges, apparmor, label) and the
 * daemon's --seccomp-profile. */
#include "security-opt.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>

#include "daemon.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "seccomp-profile.h"
#include "strv.h"

/* Profiles are a few tens of KiB; this bounds what a daemon option reads. */
#define PROFILE_FILE_MAX (4u << 20)

#define APPARMOR_ENABLED_PATH "/sys/module/apparmor/parameters/enabled"

/* Go's strconv.ParseBool, which dockerd applies to no-new-privileges. */
static int parse_go_bool(const char *s, bool *ret)
{
        static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
        static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (streq(s, yes[i])) {
                        *ret = true;
                        return 0;
                }
                if (streq(s, no[i])) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

static bool apparmor_enabled(void)
{
        _cleanup_free_ char *text = NULL;

        return fs_read_file_at(AT_FDCWD, APPARMOR_ENABLED_PATH, 16, &text, NULL) >= 0 && text[0] == 'Y';
}

static int apply_apparmor(const char *opt, const char *value, struct error *err)
{
        /* dockerd applies no profile either on a host without AppArmor. */
        if (isempty(value) || streq(value, "unconfined"))
                return 0;
        if (!apparmor_enabled())
                return error_set(err, -EINVAL, "--security-opt %s: AppArmor is not enabled on this host", opt);
        return error_set(err, -EOPNOTSUPP,
                         "--security-opt %s: AppArmor profiles are not supported by this daemon yet, only "
                         "apparmor=unconfined",
                         opt);
}

/* "disable" requests no SELinux label, which is what every container of
 * this daemon gets, so the option is honoured rather than ignored. */
static int apply_label(const char *opt, const char *value, struct error *err)
{
        if (streq(value, "disable"))
                return 0;
        return error_set(err, -EOPNOTSUPP,
                         "--security-opt %s: SELinux labels are not supported by this daemon, only label=disable", opt);
}

static void apply_seccomp(const char *value, struct security_opts *o)
{
        o->seccomp_json = NULL;
        if (!*value)
                o->seccomp = SECURITY_SECCOMP_DAEMON;
        else if (streq(value, "unconfined"))
                o->seccomp = SECURITY_SECCOMP_UNCONFINED;
        else if (streq(value, "builtin"))
                o->seccomp = SECURITY_SECCOMP_BUILTIN;
        else {
                o->seccomp = SECURITY_SECCOMP_CUSTOM;
                o->seccomp_json = value;
        }
}

/* One entry, in dockerd's order of tests (parseSecurityOpt, 20.10). */
static int parse_one(const char *opt, struct security_opts *o, struct error *err)
{
        _cleanup_free_ char *key = NULL;
        const char *value;
        size_t key_len;

        if (streq(opt, "no-new-privileges")) {
                o->no_new_privileges = true;
                return 0;
        }
        if (streq(opt, "disable"))
                return 0;

        key_len = strcspn(opt, strchr(opt, '=') ? "=" : ":");
        if (!opt[key_len])
                return error_set(err, -EINVAL, "invalid --security-opt 1: \"%s\"", opt);
        key = strndup(opt, key_len);
        if (!key)
                return -ENOMEM;
        value = opt + key_len + 1;

        if (streq(key, "label"))
                return apply_label(opt, value, err);
        if (streq(key, "apparmor"))
                return apply_apparmor(opt, value, err);
        if (streq(key, "seccomp")) {
                apply_seccomp(value, o);
                return 0;
        }
        if (streq(key, "no-new-privileges") && parse_go_bool(value, &o->no_new_privileges) >= 0)
                return 0;
        return error_set(err, -EINVAL, "invalid --security-opt 2: \"%s\"", opt);
}

/* The name Go's JSON decoder gives the type of value in its messages. */
static const char *go_type_name(json_object *value)
{
        switch (json_object_get_type(value)) {
        case json_type_boolean:
                return "bool";
        case json_type_int:
        case json_type_double:
                return "number";
        case json_type_array:
                return "array";
        default:
                return "object";
        }
}

int security_opts_parse(json_object *hc, struct security_opts *ret, struct error *err)
{
        struct security_opts o = { .seccomp = SECURITY_SECCOMP_DAEMON };
        json_object *list;
        int r;

        r = json_field_check(hc, "SecurityOpt", json_type_array, "HostConfig", err);
        if (r < 0)
                return r;
        list = json_field_array(hc, "SecurityOpt");
        for (size_t i = 0; list && i < json_object_array_length(list); i++) {
                json_object *item = json_object_array_get_idx(list, i);

                /* Go decodes a null element as "". */
                if (item && !json_object_is_type(item, json_type_string))
                        return error_set(err, -EINVAL,
                                         "json: cannot unmarshal %s into Go struct field HostConfig.SecurityOpt of "
                                         "type string",
                                         go_type_name(item));
                r = parse_one(item ? json_object_get_string(item) : "", &o, err);
                if (r < 0)
                        return r;
        }
        *ret = o;
        return 0;
}

static int parse_custom(const char *json, struct seccomp_profile **ret, struct error *err)
{
        int r;

        r = seccomp_profile_parse(json, strlen(json), ret, err);
        if (r < 0)
                return error_prefix(err, r, "Decoding seccomp profile failed");
        return 0;
}

int security_opts_check(json_object *hc, struct error *err)
{
        struct seccomp_profile *profile = NULL;
        struct security_opts o;
        int r;

        r = security_opts_parse(hc, &o, err);
        if (r < 0 || o.seccomp != SECURITY_SECCOMP_CUSTOM)
                return r;
        r = parse_custom(o.seccomp_json, &profile, err);
        seccomp_profile_free(profile);
        return r;
}

/* The process's bounding set, which selects the profile's rules. */
static int bounding_set(json_object *spec, char ***ret)
{
        json_object *caps = json_field_object(json_field_object(spec, "process"), "capabilities");

        return json_array_to_strv(json_field_array(caps, "bounding"), ret);
}

static int add_seccomp(json_object *spec, const struct seccomp_profile *profile, struct error *err)
{
        _cleanup_strv_free_ char **bounding = NULL;
        json_object *linux_obj = json_field_object(spec, "linux"), *seccomp;
        struct seccomp_host host;
        int r;

        if (!profile)
                return error_set(err, -ENOMEM, "the built-in seccomp profile is not available");
        if (!linux_obj)
                return error_set(err, -EINVAL, "the OCI spec has no linux object");
        r = bounding_set(spec, &bounding);
        if (r < 0)
                return r;
        seccomp_host_read(&host);
        r = seccomp_profile_to_oci(profile, &host, bounding, &seccomp);
        if (r < 0)
                return r;
        if (seccomp)
                json_object_object_add(linux_obj, "seccomp", seccomp);
        return 0;
}

static struct seccomp_profile *builtin_profile;
static pthread_once_t builtin_profile_once = PTHREAD_ONCE_INIT;

/* The embedded file is checked by the unit tests, so only a lack of memory
 * can leave builtin_profile NULL. */
static void parse_builtin_profile(void)
{
        (void)seccomp_profile_parse(seccomp_default_json, seccomp_default_json_size, &builtin_profile, NULL);
}

static const struct seccomp_profile *builtin(void)
{
        pthread_once(&builtin_profile_once, parse_builtin_profile);
        return builtin_profile;
}

static bool daemon_unconfined(const struct daemon_config *config)
{
        return config->seccomp_profile && streq(config->seccomp_profile, "unconfined");
}

int ocispec_add_security(json_object *spec, json_object *hc, const struct daemon_config *config, struct error *err)
{
        _cleanup_(seccomp_profile_freep) struct seccomp_profile *custom = NULL;
        json_object *process = json_field_object(spec, "process");
        struct security_opts o;
        int r;

        r = security_opts_parse(hc, &o, err);
        if (r < 0)
                return r;
        if (process)
                json_object_object_add(process, "noNewPrivileges", json_object_new_boolean(o.no_new_privileges));

        /* --privileged runs without a filter whatever else is asked. */
        if (json_field_bool(hc, "Privileged", false))
                return 0;
        switch (o.seccomp) {
        case SECURITY_SECCOMP_UNCONFINED:
                return 0;
        case SECURITY_SECCOMP_BUILTIN:
                return add_seccomp(spec, builtin(), err);
        case SECURITY_SECCOMP_CUSTOM:
                r = parse_custom(o.seccomp_json, &custom, err);
                if (r < 0)
                        return r;
                return add_seccomp(spec, custom, err);
        case SECURITY_SECCOMP_DAEMON:
        default:
                if (daemon_unconfined(config))
                        return 0;
                return add_seccomp(spec, config->seccomp ?: builtin(), err);
        }
}

int security_seccomp_profile_load(const char *setting, struct seccomp_profile **ret, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        *ret = NULL;
        if (!setting || streq(setting, "builtin") || streq(setting, "unconfined"))
                return 0;
        r = fs_read_file_at(AT_FDCWD, setting, PROFILE_FILE_MAX, &text, &len);
        if (r < 0)
                return error_set_errno(err, r, "opening seccomp profile (%s) failed", setting);
        r = seccomp_profile_parse(text, len, ret, err);
        if (r < 0)
                return error_prefix(err, r, "invalid seccomp profile %s", setting);
        return 0;
}

json_object *security_seccomp_info(const struct daemon_config *config)
{
        const char *profile = config->seccomp_profile;
        char *text = NULL;
        json_object *entry;

        if (!profile || streq(profile, "builtin"))
                profile = "default";
        if (asprintf(&text, "name=seccomp,profile=%s", profile) < 0)
                return NULL;
        entry = json_object_new_string(text);
        free(text);
        return entry;
}
