/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "error.h"

/*
 * A container's root filesystem read from the directories overlayfs stacks:
 * the container's upper directory on top, then its init layer and the
 * image's layers. It is read without mounting anything, through directory
 * fds: every name is opened relative to its parent's fd with O_NOFOLLOW, so
 * a symlink that the container put into its upper directory is never
 * followed on the host.
 *
 * The layers use overlayfs's format: a character device 0:0 is a whiteout
 * (it hides the name in the layers below), a directory with
 * trusted.overlay.opaque=y hides the directory's entries of the layers
 * below. Redirects and metacopy files are not understood, so the overlay
 * must be mounted with redirect_dir=nofollow and metacopy=off, as the
 * runtime does.
 *
 * Ownership: files of a layer marked host_ids (the upper directory of a
 * container in a user namespace) carry host ids, which map_id turns back
 * into the ids inside the container; the image's layers keep container ids.
 */

/* Maps a host uid (group false) or gid to the container's id, or returns
 * -1 when the container has no id for it. */
typedef int64_t (*layerstack_map_id_fn)(uint32_t host_id, bool group, void *userdata);

struct layerstack_layer {
        int fd;        /* the layer's directory, opened O_RDONLY | O_DIRECTORY */
        bool host_ids; /* owners on disk are host ids, to map with map_id */
};

struct layerstack {
        const struct layerstack_layer *layers; /* topmost (the upper directory) first */
        size_t n_layers;
        layerstack_map_id_fn map_id; /* NULL when no layer has host_ids */
        void *userdata;
};

/* The overflow id that the kernel shows for an id with no mapping. */
#define LAYERSTACK_OVERFLOW_ID 65534

/* Returns the changes of layers[0] over the layers below it as GET
 * /containers/{id}/changes reports them: an array of {"Path","Kind"}
 * (Kind 0 modified, 1 added, 2 deleted), or NULL when nothing changed.
 * The entries and their order follow dockerd 20.10's comparison of the two
 * trees (its "naive diff"): a directory whose children changed is listed
 * as modified before them; a directory's deleted children come after its
 * other entries. dockerd lists siblings in random order; here they are
 * sorted by name. */
int layerstack_changes(const struct layerstack *fs, json_object **ret, struct error *err);

/* Finds path (relative, such as "etc/hosts") in the merged tree without
 * following symlinks: 0 with its lstat, -ENOENT when it does not exist,
 * -ENOTDIR when a component on the way is no directory. */
int layerstack_lookup(const struct layerstack *fs, const char *path, struct stat *ret);

/* Called with consecutive pieces of a tar; returns 0 or a negative errno,
 * which stops the writing and is returned. */
typedef int (*layerstack_write_fn)(void *userdata, const void *buf, size_t len);

/* Writes layers[0] as a layer tar, as Docker's overlay2 driver exports a
 * container's changes for docker commit: entries in name order, whiteouts
 * as empty ".wh.NAME" files (mode 0600), an opaque directory followed by
 * its ".wh..wh..opq" file. Without entries the tar is the 1024 zero bytes
 * of an empty archive, whose digest is Docker's empty layer. */
int layerstack_write_diff(const struct layerstack *fs, layerstack_write_fn write, void *userdata, struct error *err);

/* Writes the merged filesystem of all layers as a tar, as docker export
 * does: every entry in name order, without the root directory itself and
 * without whiteouts. On an error after the first write, the bytes written
 * so far are not a complete tar. */
int layerstack_write_export(const struct layerstack *fs, layerstack_write_fn write, void *userdata, struct error *err);

/* Changes the owner of a copied file, from the container's ids to those
 * on disk (for a user namespace). */
typedef void (*layerstack_owner_fn)(uid_t *uid, gid_t *gid, void *userdata);

/* Copies the directory path of the merged layers, its entries and its own
 * owner, mode and times, into the directory dest_fd, which should be
 * empty: owners (passed through owner when not NULL), modes, times,
 * symbolic links and device nodes are kept; extended attributes and hard
 * links are not. -ENOENT when path is missing or goes through a symbolic
 * link, -ENOTDIR when it is not a directory. With dest_fd -1, only checks
 * path. */
int layerstack_copy_dir(const struct layerstack *fs, const char *path, int dest_fd, layerstack_owner_fn owner,
                        void *userdata, struct error *err);
