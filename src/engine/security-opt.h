/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "error.h"

struct daemon_config;
struct seccomp_profile;

/* The seccomp profile a container requests with --security-opt seccomp=. */
enum security_seccomp {
        SECURITY_SECCOMP_DAEMON,     /* none given: the daemon's default (--seccomp-profile) */
        SECURITY_SECCOMP_UNCONFINED, /* "unconfined": no filter */
        SECURITY_SECCOMP_BUILTIN,    /* "builtin": Docker's default, whatever the daemon's is */
        SECURITY_SECCOMP_CUSTOM,     /* a profile's JSON, which the docker CLI reads from FILE */
};

/* The settings of HostConfig.SecurityOpt. */
struct security_opts {
        bool no_new_privileges;
        enum security_seccomp seccomp;
        const char *seccomp_json; /* the JSON of SECURITY_SECCOMP_CUSTOM, inside hc */
};

/* Parses HostConfig.SecurityOpt ("key=value", or the older "key:value")
 * with dockerd's rules and messages ("invalid --security-opt 2: ..."),
 * and rejects what this daemon cannot apply: AppArmor profiles other than
 * "unconfined" and SELinux labels other than "disable". */
int security_opts_parse(json_object *hc, struct security_opts *ret, struct error *err);

/* The create-time check: security_opts_parse, and a custom seccomp profile
 * must parse (seccomp_profile_parse), so that a bad profile fails at
 * create rather than at every start. */
int security_opts_check(json_object *hc, struct error *err);

/* Sets process.noNewPrivileges and linux.seccomp of the OCI spec: no filter
 * for a privileged container or "unconfined", else the profile the
 * container or the daemon's config chooses, reduced to the spec's bounding
 * capabilities and the host. */
int ocispec_add_security(json_object *spec, json_object *hc, const struct daemon_config *config, struct error *err);

/* The daemon's "seccomp-profile" setting: NULL or "builtin" for Docker's
 * default profile, "unconfined", or a file, which is read and parsed into
 * *ret (NULL for the other two). */
int security_seccomp_profile_load(const char *setting, struct seccomp_profile **ret, struct error *err);

/* The entry of `docker info` SecurityOptions for the daemon's profile:
 * "name=seccomp,profile=default" (dockerd 20.10's name for the built-in
 * one), "...,profile=unconfined" or "...,profile=<file>". */
json_object *security_seccomp_info(const struct daemon_config *config);
