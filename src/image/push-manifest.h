/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

/* The media types of an image manifest, schema 2, and of what it lists. */
#define MEDIA_TYPE_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_TYPE_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define MEDIA_TYPE_DOCKER_LAYER    "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MEDIA_TYPE_OCI_LAYER_GZIP  "application/vnd.oci.image.layer.v1.tar+gzip"

/* A blob the manifest lists: its digest and size in bytes. */
struct blob_descriptor {
        char digest[DIGEST_STRING_MAX];
        int64_t size;
};

/* Builds the image manifest, schema 2, of a config blob and its layer
 * blobs (lowest first), laid out byte for byte as dockerd 20.10 pushes
 * it: Go's json.MarshalIndent with three spaces and no final newline.
 * The manifest's digest is the sha256 of these bytes. Digests must be
 * sha256 digests (-EINVAL otherwise). */
int push_manifest_build(const struct blob_descriptor *config, const struct blob_descriptor *layers, size_t n_layers,
                        char **ret, size_t *ret_len);
