/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "error.h"

/*
 * A container's mount points, decided at create and kept in its
 * container.json as "MountPoints": an array of objects with Docker's
 * inspect fields (Type "bind", "volume" or "tmpfs", Name, Source,
 * Destination, Driver, Mode, RW, Propagation) and these of the daemon's:
 *
 *   Anonymous     a volume made for this container (docker rm -v removes it)
 *   CopyData      the image's files at Destination go into a new volume
 *   CreateSource  a missing host path of a -v bind is created at start
 *   NonRecursive  bind without its submounts
 *   DefaultPropagation  the bind's propagation is dockerd's default, not the user's
 *   TmpfsOptions  {SizeBytes, Mode} of a tmpfs
 *   VolumeOptions {Driver, Options, Labels} of a volume the create makes
 *   Existing      a volume of --volumes-from, which the create only references
 *
 * Name and Source of a volume stay empty until the volume exists.
 */

/* The mount points of a container named in HostConfig.VolumesFrom. */
struct mounts_from {
        json_object *mount_points; /* its MountPoints */
        bool rw;                   /* false with the ":ro" mode */
};

/* Builds the mount points of a new container as dockerd 20.10 registers
 * them: those of the VolumesFrom containers (from, n_from), then -v
 * (HostConfig.Binds) and --mount (HostConfig.Mounts), which replace a
 * VolumesFrom mount at the same destination, then an anonymous volume for
 * each path of Config.Volumes that nothing mounts yet. data_root decides
 * the default propagation of binds. Errors have dockerd's messages
 * ("Duplicate mount point: /d", "invalid mount config for type ..."). */
int mounts_build(json_object *config, json_object *host_config, const struct mounts_from *from, size_t n_from,
                 const char *data_root, json_object **ret, struct error *err);

/* Checks HostConfig.Mounts (--mount) as dockerd does, the sources of
 * binds included. */
int mounts_check_specs(json_object *host_config, struct error *err);

/* Checks, as dockerd does at start, that the host mount of each shared
 * bind's source is shared, and that of each slave bind shared or a slave,
 * in mountinfo (the text of /proc/self/mountinfo). Errors have dockerd's
 * message: "path SRC is mounted on MNT but it is not a shared mount". */
int mounts_check_propagation(json_object *mounts, const char *mountinfo, struct error *err);

/* Docker's "Mounts" of inspect and list for the stored mount points. */
json_object *mounts_to_json(json_object *mount_points);

/* The mount points of containers stored before they were kept: the binds
 * of HostConfig.Binds, or NULL when there are none. */
json_object *mounts_from_legacy_binds(json_object *host_config);

/* Tells whether a mount point is a volume (type "volume" with a name). */
bool mounts_is_volume(json_object *mount_point);
