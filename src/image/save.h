/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "image.h"
#include "layer-tar.h"

/*
 * docker save: a docker-archive as dockerd 20.10 writes it. For each image
 * <config hex>.json (the config, byte for byte) and, per layer, a directory
 * named by the layer's v1 ID with VERSION ("1.0"), json (the v1 image
 * config) and layer.tar (the layer's original tar, or a symlink to an
 * earlier copy of the same diff ID); then manifest.json and repositories.
 * Members come in the order of dockerd's directory walk, sorted by name.
 */

/* One member of the archive. */
struct save_member {
        char *path;
        mode_t type;   /* S_IFDIR, S_IFREG or S_IFLNK */
        int64_t mtime; /* seconds since the epoch */
        char *data;    /* contents of a small regular file */
        size_t len;
        char *chain_id; /* for a layer.tar: the layer whose tar is the content */
        uint64_t size;  /* the layer tar's size */
        char *link;     /* a symlink's target */
};

struct save_plan {
        struct save_member *members;
        size_t n_members;
};

/* Resolves names as dockerd's docker save does and lays out the archive.
 * A name-only reference ("busybox") takes every tag of that repository; an
 * ID, a digest reference or an ID prefix takes the image without tags.
 * Errors are -ENOENT with dockerd's texts, and -ENODATA when a layer has no
 * tar-split record (layer-tar.h). */
int save_plan_build(struct image_store *s, char *const *names, struct save_plan *ret, struct error *err);
void save_plan_done(struct save_plan *plan);

/* Sends a "save" event for each image of the plan, then writes the archive
 * it describes through write. A failure after the first write (a layer
 * that no longer rebuilds) stops in the middle of a member, so that
 * readers see a truncated archive rather than a different one. */
int save_plan_write(struct image_store *s, const struct save_plan *plan, image_layer_write_fn write, void *userdata,
                    struct error *err);

/* Writes the images that names name as a docker-archive through write
 * (see save_plan_build for names): save_plan_build, then save_plan_write.
 * Errors before the first write leave nothing written. */
int image_store_save(struct image_store *s, char *const *names, image_layer_write_fn write, void *userdata,
                     struct error *err);
