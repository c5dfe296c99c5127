/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

/* The first id and the size of the subordinate ranges dockerd gives the
 * user it creates. */
#define USERNS_ADDUSER_RANGE_START 100000u
#define USERNS_ADDUSER_RANGE_SIZE  65536u

/* Creates the system user and group name with the host's adduser, or
 * useradd where adduser is missing. Where /etc/subuid or /etc/subgid has
 * no range for the user, usermod adds the first free range of
 * USERNS_ADDUSER_RANGE_SIZE ids from USERNS_ADDUSER_RANGE_START on. These
 * are dockerd's commands and arguments, so the result is dockerd's. */
int userns_adduser_create(const char *name, struct error *err);

/* Returns the first id from USERNS_ADDUSER_RANGE_START on where a range
 * of USERNS_ADDUSER_RANGE_SIZE ids overlaps none of the /etc/subuid or
 * /etc/subgid text, or -ERANGE when no such range is left below 2^32 - 1. */
int64_t userns_adduser_free_range(const char *text, size_t len, const char *path, struct error *err);
