/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "error.h"

/*
 * The options of one OCI mount, split into what the new mount API takes:
 * mount attributes (MOUNT_ATTR_*), for the mount itself or, from the "r"
 * options such as "rro", for every mount below it too; a propagation type;
 * whether the mount is a bind; and the filesystem's own options for
 * fsconfig(2).
 */
struct runtime_mount_options {
        uint64_t attr_set; /* MOUNT_ATTR_* to set on the mount */
        uint64_t attr_clr; /* MOUNT_ATTR_* to clear on the mount */
        uint64_t recursive_attr_set;
        uint64_t recursive_attr_clr;
        unsigned long propagation; /* MS_PRIVATE, MS_SLAVE, ... with MS_REC, or 0 */
        bool bind;
        bool recursive_bind;
        char **data; /* filesystem options, "key" or "key=value" */
};

/* Parses the options array of a mount (NULL is an empty array). Options
 * this runtime does not implement, such as "idmap" and "remount", are
 * errors naming the option. */
int runtime_mount_options_parse(char *const *options, struct runtime_mount_options *ret, struct error *err);

void runtime_mount_options_done(struct runtime_mount_options *o);

/* Adds "ro" to the filesystem options of a read-only mount of a new
 * filesystem of type, so that a new superblock is read-only too, as
 * mount(2) with MS_RDONLY makes it for runc. A superblock that exists
 * already, such as the host's sysfs for a container without a network
 * namespace, keeps its flags. tmpfs is left out, because runc mounts it
 * read-write and makes only the mount read-only. Returns 0 or -ENOMEM. */
int runtime_mount_options_readonly_superblock(struct runtime_mount_options *o, const char *type);

/* Lists the mount options this runtime knows, the "r" forms included, for
 * the features document; other options pass to the filesystem. */
int runtime_mount_options_known(char ***ret);
