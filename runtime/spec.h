/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/*
 * The OCI runtime configuration (config.json of a bundle), parsed.
 *
 * Besides the standard fields the runtime honours these annotations, which
 * sockerlessd writes so that the root filesystem is assembled inside the
 * container's own mount namespace and never appears in the host's:
 *
 *   org.sockerless.rootfs.lower   overlay lower directories, absolute paths
 *                                 joined by ':', top-most first
 *   org.sockerless.rootfs.upper   overlay upper directory
 *   org.sockerless.rootfs.work    overlay work directory
 *   org.sockerless.user           Docker's user string ("name", "uid",
 *                                 "name:group", "uid:gid"), resolved in the
 *                                 container's /etc/passwd and /etc/group; it
 *                                 overrides process.user and adds the user's
 *                                 supplementary groups and a missing HOME
 *
 * With the overlay annotations, root.path names the (empty) directory the
 * overlay is mounted on.
 */

#define RUNTIME_ANNOTATION_LOWER "org.sockerless.rootfs.lower"
#define RUNTIME_ANNOTATION_UPPER "org.sockerless.rootfs.upper"
#define RUNTIME_ANNOTATION_WORK  "org.sockerless.rootfs.work"
#define RUNTIME_ANNOTATION_USER  "org.sockerless.user"

struct runtime_spec;

/* Parses config.json text. Unknown fields are ignored, as the spec asks;
 * known fields of the wrong type are errors naming the field. */
int runtime_spec_parse(const char *text, size_t len, struct runtime_spec **ret, struct error *err);

/* Reads and parses <bundle>/config.json. */
int runtime_spec_load(const char *bundle, struct runtime_spec **ret, struct error *err);

void runtime_spec_free(struct runtime_spec *spec);

/* Tells whether process.terminal is set. */
bool runtime_spec_terminal(const struct runtime_spec *spec);
