/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "daemon.h"
#include "engine/userns.h"
#include "error.h"

/* The user "default" stands for, as in dockerd. */
#define USERNS_DEFAULT_USER "dockremap"

/* Resolves a --userns-remap value as dockerd 20.10 does. "default" is
 * the user and group dockremap, which the daemon creates with their
 * subordinate ranges when missing (userns_adduser_create). Otherwise the
 * user and group of "USER[:GROUP]" (names or numbers) must exist. The
 * ranges of USER in /etc/subuid and /etc/subgid become the maps. *ret is
 * NULL when the value is empty or names root, which leaves remapping off. */
int userns_remap_load(const char *spec, struct userns_remap **ret, struct error *err);

/* Moves config->data_root to <data-root>/<uid>.<gid>, the remapped
 * root's host ids, as dockerd does. A container's init goes through the
 * data root, that subdirectory, its containers directory, the exec root
 * and its containers directory, so they get the remapped root's group and
 * mode 0710. Every directory above them must let the remapped root
 * through, or this fails with dockerd's message. */
int userns_remap_setup_dirs(struct daemon_config *config, const struct userns_remap *remap, struct error *err);
