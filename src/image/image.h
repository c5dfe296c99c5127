/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "error.h"
#include "macro.h"

/*
 * The image store: layers extracted once into their own directories (to be
 * stacked with overlayfs), image configs by ID, and the tags that name them.
 * Layout under <data-root>/image/ is described in docs/architecture.md.
 * All functions are thread-safe.
 */

struct image_store;

/* One image, immutable once loaded, reference-counted. */
struct image {
        char id[65]; /* sha256 of the config blob, hex */
        json_object
                *config;  /* the image config blob as parsed (Docker's "container_config", "config", "rootfs", ...) */
        char **repo_tags; /* "name:tag", NULL-terminated (a snapshot) */
        char **repo_digests; /* "name@sha256:...", NULL-terminated */
        char **layer_dirs;   /* the layers' content directories, lowest first */
        char **diff_ids;     /* "sha256:...", lowest first */
        int64_t size;        /* sum of the layers' content sizes, bytes */
        int64_t created_ns;  /* from the config's "created" */
        int refcount;
};

int image_store_open(const char *data_root, struct image_store **ret, struct error *err);
void image_store_free(struct image_store *s);

/* Finds an image by reference ("busybox", "name:tag", "name@sha256:..."),
 * full ID ("sha256:..." or 64 hex) or unique ID prefix. Returns a new
 * reference in *ret, or -ENOENT with "No such image: <ref>". */
int image_store_lookup(struct image_store *s, const char *ref, struct image **ret, struct error *err);

struct image *image_ref(struct image *img);
void image_unref(struct image *img);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct image *, image_unref)
#define _cleanup_image_ _cleanup_(image_unrefp)

/* Returns the number of images (distinct IDs). */
size_t image_store_count(struct image_store *s);

/* The image config's "config" object (Env, Cmd, Entrypoint, WorkingDir,
 * User, Labels, ExposedPorts, Volumes, StopSignal, Healthcheck, ...), or NULL. */
json_object *image_container_config(const struct image *img);

/* Called by the store before deleting an image: returns true and the ID of
 * a container using image_id in ret_container (64 hex) when one exists. The
 * daemon installs this so that rmi answers 409. */
typedef bool (*image_in_use_fn)(const char *image_id, char *ret_container, void *userdata);
void image_store_set_in_use_check(struct image_store *s, image_in_use_fn fn, void *userdata);

/* Registers the image API routes (load, import, list, inspect, tag, rmi,
 * history, ...) in the daemon's route table; see src/api/images.c. */
