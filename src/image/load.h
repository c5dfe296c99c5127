/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "image.h"
#include "reference.h"
#include "spool.h"

/* One entry of a docker-archive's manifest.json. */
struct archive_manifest {
        char *config;     /* path of the config in the archive */
        char **repo_tags; /* NULL-terminated, possibly empty */
        char **layers;    /* paths of the layer tars, lowest first */
};

/* Parses manifest.json into *ret (n_ret entries). Errors are -EINVAL. */
int archive_manifest_parse(const char *buf, size_t len, struct archive_manifest **ret, size_t *ret_n,
                           struct error *err);
void archive_manifest_free(struct archive_manifest *m, size_t n);

/* State shared by the images of one archive being loaded. */
struct loader {
        struct image_store *store;
        struct spool *spool;
        const struct image_load_callbacks *cb;
        struct error *err;
};

/* Loads one image: its config bytes and its layers, each found in the
 * spool at layer_paths[i] and, when layer_digests[i] is set, verified
 * against that blob digest too. The image ID goes to ret_id (65 bytes). */
int loader_add_image(struct loader *l, const char *config, size_t config_len, char *const *layer_paths,
                     char *const *layer_digests, char *ret_id);

/* Points the tag (a reference with a tag or digest) at image_id and sends
 * Docker's "Loaded image: ..." message for tags. */
int loader_tag(struct loader *l, const struct reference *ref, const char *image_id);

void loader_message(struct loader *l, const char *fmt, ...) _printf_(2, 3);

/* Reports the "load" event of the image image_id. */
void loader_event(struct loader *l, const char *image_id);

/* Loads the images of an OCI image layout (index.json, blobs/). */
int load_oci_layout(struct loader *l);
