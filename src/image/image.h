/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "error.h"
#include "macro.h"

/*
 * The image store: layers extracted once into their own directories (to be
 * stacked with overlayfs), image configs by ID, and the tags that name them.
 * All functions are thread-safe.
 *
 * Layout under <data-root>/image/:
 *
 *   layers/<chain-id hex>/diff/         the layer's content, an overlayfs
 *                                       lower directory (Docker's overlay2
 *                                       semantics: whiteouts are 0:0
 *                                       character devices, opaque
 *                                       directories carry
 *                                       trusted.overlay.opaque=y)
 *   layers/<chain-id hex>/layer.json    {"ChainID","DiffID","Parent","Size"}
 *   layers/<chain-id hex>/tar-split     how to write the layer's tar again
 *                                       byte for byte from diff/
 *                                       (tar-split.h, layer-tar.h); missing
 *                                       in layers stored before it existed
 *   configs/<image-id hex>              the image config, byte for byte; the
 *                                       image ID is its sha256
 *   meta/<image-id hex>.json            {"LastTagTime","Parent"}, once tagged
 *                                       by API or made by a commit
 *   repositories.json                   tags and digests, Docker's format:
 *                                       {"Repositories":{"busybox":
 *                                        {"busybox:latest":"sha256:..."}}}
 *   holds/<holder>.json                 layers a container keeps alive
 *   staging/                            layers being extracted, trees
 *                                       being removed
 *   tmp/                                archives being loaded
 *
 * Crash safety: a layer is extracted into staging/ and renamed into layers/
 * with its layer.json already inside; every JSON file and config is written
 * with fs_write_atomic_at. Open empties staging/ and tmp/, drops configs
 * whose layers are missing and tags whose image is missing, and removes
 * layers that no image and no hold uses. So a crash at any point leaves a
 * store that opens, with the operation either done or not done.
 *
 * Rules for the daemon:
 *  - A struct image (from lookup or list) keeps its layer directories on
 *    disk until its last reference is dropped, even when the image is
 *    deleted meanwhile. Drop every reference before image_store_free.
 *  - That reference lives in memory only. A container must also take a
 *    hold (image_store_hold) when it is created and release it when it is
 *    removed: holds survive restarts, so "docker rmi -f" of an image that a
 *    stopped container uses removes the image but never the container's
 *    layers. After a restart, image_store_hold_lookup finds the held image
 *    even when it was deleted. Holds whose container no longer exists are
 *    released with image_store_release.
 *  - Install image_store_set_in_use_check (any container) and
 *    image_store_set_running_check (running containers) so that rmi answers
 *    Docker's 409 conflicts.
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

        /* Also a snapshot, in the order of diff_ids: */
        char **chain_ids;     /* "sha256:..." */
        int64_t *layer_sizes; /* each layer's own content size */
        int64_t last_tag_ns;  /* when the API last tagged it, 0 if never */
        bool deleted;         /* found through a hold after rmi */
        char parent_id[65];   /* the image a commit made it from (hex), or "" */
        bool has_children;    /* another image names it as its parent */

        /* Private to the store. */
        struct image_store *store;
        struct layer **layers;
        size_t n_layers;
        json_object *container_config;
};

int image_store_open(const char *data_root, struct image_store **ret, struct error *err);
void image_store_free(struct image_store *s);

/* Finds an image by reference ("busybox", "name:tag", "name@sha256:..."),
 * full ID ("sha256:..." or 64 hex) or unique ID prefix. Returns a new
 * reference in *ret, or -ENOENT with "No such image: <ref>". A malformed
 * reference is -EINVAL with Docker's message. */
int image_store_lookup(struct image_store *s, const char *ref, struct image **ret, struct error *err);

struct image *image_ref(struct image *img);
void image_unref(struct image *img);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct image *, image_unref)
#define _cleanup_image_ _cleanup_(image_unrefp)

/* Returns the number of images (distinct IDs). */
size_t image_store_count(struct image_store *s);

/* The image config's "config" object (Env, Cmd, Entrypoint, WorkingDir,
 * User, Labels, ExposedPorts, Volumes, StopSignal, Healthcheck, ...),
 * normalized to the fields and types of Docker's container config (a
 * string Cmd becomes an array, field names take Docker's case), or NULL
 * when the image has none. */
json_object *image_container_config(const struct image *img);

/* Called by the store before deleting an image: returns true and the ID of
 * a container using image_id in ret_container (64 hex) when one exists. The
 * daemon installs this so that rmi answers 409. */
typedef bool (*image_in_use_fn)(const char *image_id, char *ret_container, void *userdata);
void image_store_set_in_use_check(struct image_store *s, image_in_use_fn fn, void *userdata);

/* The same check for running containers only. A running user is a
 * conflict even with force, as in Docker ("cannot be forced"); without
 * this check installed every user counts as stopped. */
void image_store_set_running_check(struct image_store *s, image_in_use_fn fn, void *userdata);

/* Called after each change Docker reports as an image event: action is
 * "load", "import", "tag", "untag", "delete" or "save", id the image ID
 * ("sha256:..."), name the tag for "tag" events and the ID otherwise. For
 * "pull" and "push", id is the reference as the client gave it and name
 * its repository.
 * labels are the Labels of the image's config, or NULL when it has none
 * or is deleted, as dockerd copies them into the event. The hook runs
 * with the store locked, possibly on several threads at once, so it must
 * not call the store. */
typedef void (*image_event_fn)(const char *action, const char *id, const char *name, json_object *labels,
                               void *userdata);
void image_store_set_event_hook(struct image_store *s, image_event_fn fn, void *userdata);

/* Returns snapshots of all images in *ret (a NULL-terminated array the
 * caller frees with image_list_free). */
int image_store_list(struct image_store *s, struct image ***ret);
void image_list_free(struct image **list);

/* Tags the image found by name with repo (and tag, when not empty) as
 * POST /images/{name}/tag does, moving the tag from any other image. */
int image_store_tag(struct image_store *s, const char *name, const char *repo, const char *tag, struct error *err);

/* Deletes or untags as DELETE /images/{name} does. On success *ret holds
 * Docker's list of {"Untagged": ref} and {"Deleted": id} objects. Conflicts
 * are -EBUSY with Docker's texts; an image with children (made from it by
 * commit) cannot be deleted, even with force. With prune, the parents
 * left without tags, children and containers are deleted too. */
int image_store_delete(struct image_store *s, const char *name, bool force, bool prune, json_object **ret,
                       struct error *err);

struct image_prune_options {
        bool dangling_only; /* only images without tags, Docker's default */
        bool has_until;
        int64_t until_ns;        /* only images created at or before, when has_until */
        json_object *labels;     /* "key" or "key=value" that must match, or NULL */
        json_object *not_labels; /* the same for "label!": must not match */
};

/* Deletes unused images as POST /images/prune does: each candidate by its
 * references (or its ID) without force, skipping conflicts. Returns the
 * Untagged/Deleted records and the bytes of the layers removed. */
int image_store_prune(struct image_store *s, const struct image_prune_options *opts, json_object **ret_deleted,
                      uint64_t *ret_reclaimed);

/* ---- Load and import ---- */

struct image_load_callbacks {
        /* One line of the "stream" output ("Loaded image: busybox:latest\n"). */
        void (*message)(const char *text, void *userdata);
        /* Layer extraction progress, reported only when set (quiet=0): the
         * layer's short ID, bytes read and the layer file's size. */
        void (*progress)(const char *short_id, int64_t current, int64_t total, void *userdata);
        void *userdata;
};

/* Loads the images of a docker-archive ("docker save" format, optionally
 * compressed, also with the OCI layout Docker 25+ adds) or of an OCI image
 * layout archive read from fd, as POST /images/load does. Images loaded
 * before a failure stay loaded, as in Docker. */
int image_store_load(struct image_store *s, int fd, const struct image_load_callbacks *cb, struct error *err);

struct image_import_options {
        const char *repo;           /* may be NULL or empty */
        const char *tag;            /* may be NULL or empty */
        const char *message;        /* the comment; "Imported from -" when empty */
        char *const *changes;       /* Dockerfile instructions, NULL-terminated */
        const char *docker_version; /* the daemon's version, for "docker_version", or NULL */
};

/* Checks the options of an import before its body is read: the reference
 * and the changes. Errors are -EINVAL with Docker's messages. */
int image_import_validate(const struct image_import_options *opts, struct error *err);

/* Creates a one-layer image from a root filesystem tar (optionally
 * compressed) read from fd, as POST /images/create?fromSrc=- does. The new
 * image ID ("sha256:...") goes to ret_id (72 bytes). */
int image_store_import(struct image_store *s, int fd, const struct image_import_options *opts, char *ret_id,
                       struct error *err);

/* ---- Commit ---- */

struct image_commit_options {
        const char *author;            /* may be NULL */
        const char *comment;           /* may be NULL */
        char *const *changes;          /* Dockerfile instructions, NULL-terminated, or NULL */
        json_object *config;           /* the config the request sent, or NULL */
        json_object *container_config; /* the container's Config */
        const char *container_id;      /* 64 hex */
        const char *docker_version;    /* the daemon's version, for "docker_version" */
};

/* Builds the new image's "config" as dockerd 20.10's commit does: the
 * changes applied to the request's config, or without one to the
 * container's, then the fields left empty taken from the container's.
 * Errors are -EINVAL with Docker's messages. */
int image_commit_config(const struct image_commit_options *opts, json_object **ret, struct error *err);

/* A layer tar read from a pipe whose writer may still fail. */
struct image_layer_stream {
        int fd;
        /* Called once the tar was read, or reading it failed: closes fd,
         * waits for the writer and returns its result, so that a tar cut
         * short by a failed writer never becomes a layer. */
        int (*finish)(void *userdata, struct error *err);
        void *userdata;
};

/* Creates the child image of parent that a commit makes: parent's layers
 * plus the layer tar of stream, unless that tar is Docker's empty layer,
 * and config (from image_commit_config) with a new history entry. The new
 * image records parent as its parent. Its ID ("sha256:...") goes to
 * ret_id (72 bytes). A failure of the writer is returned as the cause.
 * -ENOENT when parent was deleted. */
int image_store_commit(struct image_store *s, const struct image *parent, const struct image_layer_stream *stream,
                       const struct image_commit_options *opts, json_object *config, char *ret_id, struct error *err);

/* ---- Holds: layers that containers keep alive across restarts ---- */

/* Records durably that holder (a container ID) uses img's layers. Fails
 * with -ENOENT when they are gone. Holding twice replaces the first hold. */
int image_store_hold(struct image_store *s, const struct image *img, const char *holder, struct error *err);

/* Returns the image holder holds, also after the image was deleted (then
 * with no tags and deleted set). -ENOENT when holder holds nothing. */
int image_store_hold_lookup(struct image_store *s, const char *holder, struct image **ret);

/* Drops holder's hold; layers nothing else uses are removed. A missing
 * hold is not an error. */
int image_store_release(struct image_store *s, const char *holder);

/* Lists the holders, NULL-terminated (free with strv_free). */
int image_store_holders(struct image_store *s, char ***ret);

/* ---- docker info ---- */

/* Docker's "DriverStatus" pairs for the overlay2 driver: backing
 * filesystem, d_type support, native overlay diff, userxattr. */
json_object *image_store_driver_status(struct image_store *s);
