/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "seccomp-profile.h"

/* A parsed profile, shared by the parser (seccomp-profile.c) and the
 * conversion to OCI (seccomp-profile-oci.c). Action and comparison names
 * point to the parser's static tables. */

struct seccomp_arg {
        unsigned index;
        uint64_t value;
        uint64_t value_two;
        const char *op;
};

/* A rule's "includes" or "excludes". */
struct seccomp_filter {
        char **caps;
        char **arches;
        bool has_min_kernel;
        unsigned min_kernel_major;
        unsigned min_kernel_minor;
};

struct seccomp_rule {
        char **names; /* a "name" is stored as a list of one */
        const char *action;
        bool has_errno_ret;
        unsigned errno_ret;
        struct seccomp_arg *args;
        size_t n_args;
        struct seccomp_filter includes;
        struct seccomp_filter excludes;
};

struct seccomp_arch_map {
        char *arch;
        char **sub_arches;
};

struct seccomp_profile {
        const char *default_action; /* NULL when missing or empty */
        bool has_default_errno_ret;
        unsigned default_errno_ret;
        char **architectures;
        char **flags;
        struct seccomp_arch_map *arch_map;
        size_t n_arch_map;
        struct seccomp_rule *rules;
        size_t n_rules;
};
