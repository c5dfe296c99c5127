/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"

/*
 * Manifests as registries serve them: Docker image manifests (schema 2),
 * OCI image manifests, Docker manifest lists and OCI image indexes, and
 * platforms as containerd's platforms package (vendored by dockerd 20.10)
 * parses, normalizes and matches them. Docker schema 1 manifests are
 * recognized only to be rejected with a clear message.
 */

#define MEDIA_TYPE_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_TYPE_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_TYPE_DOCKER_SCHEMA1  "application/vnd.docker.distribution.manifest.v1+json"
#define MEDIA_TYPE_DOCKER_SIGNED   "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define MEDIA_TYPE_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define MEDIA_TYPE_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_TYPE_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define MEDIA_TYPE_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"

/* Registry documents larger than this are rejected unread (manifests and
 * indexes; docker/distribution's own limit is 4 MiB too). */
#define MANIFEST_MAX_SIZE (4u * 1024 * 1024)
/* Layers of one image, and entries of one index, beyond which a manifest
 * is rejected as malformed rather than pulled. */
#define MANIFEST_MAX_ENTRIES 1024

/* The Accept header of a manifest request: every kind this client reads,
 * schema 1 included so that the registry sends it rather than 404. */
#define MANIFEST_ACCEPT_HEADERS                                                                        \
        "Accept: " MEDIA_TYPE_DOCKER_MANIFEST ", " MEDIA_TYPE_DOCKER_LIST ", " MEDIA_TYPE_OCI_MANIFEST \
        ", " MEDIA_TYPE_OCI_INDEX ", " MEDIA_TYPE_DOCKER_SIGNED ", " MEDIA_TYPE_DOCKER_SCHEMA1

#define PLATFORM_FIELD_MAX 64

struct platform {
        char os[PLATFORM_FIELD_MAX];           /* "linux" */
        char architecture[PLATFORM_FIELD_MAX]; /* "amd64", "arm64" */
        char variant[PLATFORM_FIELD_MAX];      /* "v8", "v7", or "" */
        char os_version[PLATFORM_FIELD_MAX];   /* "os.version", Windows only; usually "" */
};

enum layer_compression {
        LAYER_GZIP,
        LAYER_ZSTD,
        LAYER_UNCOMPRESSED,
};

struct descriptor {
        char *media_type;
        char digest[DIGEST_STRING_MAX];
        int64_t size;
        struct platform platform; /* index entries only */
        bool has_platform;
};

enum manifest_kind {
        MANIFEST_IMAGE, /* Docker schema 2 or OCI image manifest */
        MANIFEST_INDEX, /* Docker manifest list or OCI image index */
        MANIFEST_SCHEMA1,
};

struct manifest {
        enum manifest_kind kind;
        char *media_type;         /* the type it was read as */
        struct descriptor config; /* MANIFEST_IMAGE */
        struct descriptor *layers;
        size_t n_layers;
        struct descriptor *manifests; /* MANIFEST_INDEX */
        size_t n_manifests;
};

/* Parses a manifest. content_type is the response's Content-Type (may be
 * NULL); without a specific one the document's mediaType field and shape
 * decide. Every digest must be sha256 and every size non-negative. Errors
 * are -EINVAL with a message naming the field; a schema 1 manifest parses
 * (kind MANIFEST_SCHEMA1) with nothing else filled. */
int manifest_parse(const char *content_type, const char *buf, size_t len, struct manifest *ret, struct error *err);
void manifest_done(struct manifest *m);

static inline void manifest_donep(struct manifest *m)
{
        manifest_done(m);
}

#define _cleanup_manifest_ _cleanup_(manifest_donep)

/* Checks the config descriptor's media type as dockerd 20.10 does: a
 * Docker or OCI image config. Anything else (a Helm chart, a plugin) is
 * -EINVAL with "Encountered remote \"<type>\"(<class>) when fetching". */
int manifest_check_config_type(const struct manifest *m, struct error *err);

/* Returns the compression that a layer's media type names. Unknown types
 * are -EINVAL. */
int layer_media_type_compression(const char *media_type, enum layer_compression *ret);

/* ---- Platforms ---- */

/* Parses "os", "arch", "os/arch" or "os/arch/variant" as containerd's
 * platforms.Parse does, normalized ("x86_64" becomes "amd64", "aarch64"
 * "arm64" with variant "v8"). Missing parts come from the daemon's own
 * platform. Errors are -EINVAL with containerd's messages. */
int platform_parse(const char *spec, struct platform *ret, struct error *err);

/* The daemon's platform, from uname: "linux/amd64", "linux/arm64/v8". */
void platform_default(struct platform *ret);

/* Normalizes architecture and variant in place, as containerd's
 * platforms.Normalize does. */
void platform_normalize(struct platform *p);

/* Ranks how well have suits want: 0 for an exact match, a higher number
 * for a compatible fallback (arm64 also runs arm/v8 down to arm/v5, arm/vN
 * runs older arm variants), -1 when it does not suit. */
int platform_rank(const struct platform *want, const struct platform *have);

/* Formats "os/arch[/variant]" into ret. */
void platform_format(const struct platform *p, char *ret, size_t size);

/* Picks the index entry that best suits want, the first among equals.
 * Returns its position, or -ENOENT when none suits. */
int manifest_select_platform(const struct manifest *index, const struct platform *want);
