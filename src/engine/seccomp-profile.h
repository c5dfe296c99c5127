/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

#include "error.h"

/*
 * Docker seccomp profiles: the JSON that `--security-opt seccomp=FILE` and
 * the daemon's --seccomp-profile take, in Docker's schema (architectures or
 * archMap, syscall rules with includes and excludes), and their conversion
 * to the OCI linux.seccomp object of one container, as dockerd 20.10 does it.
 */

struct seccomp_profile;

/* The properties of the host that select a profile's rules. */
struct seccomp_host {
        const char *arch;      /* the architecture as includes.arches names it: "amd64", "arm64" */
        unsigned kernel_major; /* the running kernel's version, 6 and 1 for "6.1.0-13-amd64" */
        unsigned kernel_minor;
};

/* Docker's default profile (contrib/seccomp/default.json), built into the
 * daemon: src/local.mk generates seccomp-default.c from the JSON file. */
extern const char seccomp_default_json[];
extern const size_t seccomp_default_json_size;

/* Parses and checks a profile. Anything a runtime would reject at start is
 * rejected here: unknown actions, comparisons, architectures and flags,
 * argument indexes above 5, malformed kernel versions. err names the field,
 * as in "syscalls[3].args[0].op: unknown comparison \"SCMP_CMP_X\"".
 * Unknown keys are ignored, as Go's JSON decoder ignores them in dockerd. */
int seccomp_profile_parse(const char *text, size_t len, struct seccomp_profile **ret, struct error *err);

void seccomp_profile_free(struct seccomp_profile *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct seccomp_profile *, seccomp_profile_free)

/* Fills host for the machine the daemon runs on. */
void seccomp_host_read(struct seccomp_host *ret);

/* Builds the OCI linux.seccomp object for a container whose bounding
 * capability set is bounding ("CAP_CHOWN", ...), keeping the rules whose
 * includes and excludes match the capabilities, host->arch and the kernel
 * version, with archMap reduced to the host's architectures. Sets *ret to
 * NULL for a profile with neither defaultAction nor syscalls, which dockerd
 * takes as no filter. */
int seccomp_profile_to_oci(const struct seccomp_profile *p, const struct seccomp_host *host, char *const *bounding,
                           json_object **ret);
