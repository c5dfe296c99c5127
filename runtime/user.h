/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include "error.h"

/* The credentials a container process runs with. */
struct runtime_exec_user {
        uid_t uid;
        gid_t gid;
        gid_t *groups; /* supplementary groups */
        size_t n_groups;
        char *home; /* from passwd, "/" when the user has no entry */
};

/*
 * Resolves Docker's user string against the text of the container's
 * /etc/passwd and /etc/group (either may be NULL when the file is missing),
 * with the rules of Docker and runc:
 *
 *   "" (empty)     uid 0, with root's passwd entry when there is one
 *   "name"|"uid"   the first passwd entry with that name, or that uid; a
 *                  number without an entry is used as the uid with gid 0
 *   "u:group"|"u:gid"  the same, with the primary group looked up by
 *                  name or gid in /etc/group (a number without entry is used
 *                  as is); without a group part, the supplementary groups
 *                  are those listing the user's name as a member
 *
 * A name without an entry fails with runc's message, such as "unable to
 * find user app: no matching entries in passwd file".
 */
int runtime_user_resolve(const char *spec, const char *passwd, const char *group, struct runtime_exec_user *ret,
                         struct error *err);

/*
 * Adds the groups of `docker run --group-add` to u's supplementary groups,
 * resolved against the text of the container's /etc/group (NULL when it is
 * missing) as runc resolves them for dockerd: each value names the first
 * group with that name or gid, and a number without an entry is used as
 * the gid. A gid u has already is not added again. Fails with runc's
 * messages: "Unable to find group NAME: no matching entries in group file"
 * (-ENOENT), or -EINVAL for a number outside 0..INT32_MAX.
 */
int runtime_user_add_groups(struct runtime_exec_user *u, char *const *values, const char *group, struct error *err);

void runtime_exec_user_done(struct runtime_exec_user *u);

/* Switches the calling process to u's uid, gid and supplementary groups,
 * keeping its permitted capabilities for the caller to set afterwards. */
int user_switch(const struct runtime_exec_user *u, struct error *err);
