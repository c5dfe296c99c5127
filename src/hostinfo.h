/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

/* Facts about the host that /info and /version report. */
struct hostinfo {
        char kernel_version[128];
        char architecture[65];    /* uname's machine: "x86_64" */
        char go_architecture[65]; /* Docker's spelling: "amd64", "arm64" */
        char operating_system[256];
        char os_version[64];
        char hostname[256];
        long cpus;
        int64_t memory_total;
        int cgroup_version; /* 1 (v1 or hybrid) or 2 */
};

/* Fills info; fields that cannot be read stay empty or 0. */
void hostinfo_read(struct hostinfo *info);
