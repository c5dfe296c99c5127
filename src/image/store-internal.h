/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>

#include "digest.h"
#include "extract.h"
#include "image.h"
#include "reference.h"

/*
 * The store's memory: an index of what is on disk, rebuilt at open. All
 * fields below the lock are guarded by it. Arrays stay small (one entry per
 * layer, image and tag), so lookups scan them.
 */

#define CONFIG_MAX_SIZE   (32u * 1024 * 1024)
#define METADATA_MAX_SIZE (64u * 1024 * 1024)

struct layer {
        char chain_id[DIGEST_STRING_MAX];
        char diff_id[DIGEST_STRING_MAX];
        char *dir;    /* absolute path of the content directory */
        int64_t size; /* Docker's size of this layer's own content */
        /* Users that keep the layer on disk: images, holds, live struct
         * image snapshots and loads in progress. At zero it is removed. */
        unsigned refs;
};

struct image_entry {
        char id[65];
        char *config_bytes; /* the config blob, byte for byte */
        size_t config_len;
        json_object *config;
        json_object *container_config; /* normalized "config", or NULL */
        struct layer **layers;         /* lowest first, each counted in refs */
        size_t n_layers;
        int64_t created_ns;
        int64_t last_tag_ns; /* 0 for Go's zero time */
        /* Deleted by the API but kept for a hold: invisible to names,
         * lists and counts, found only through the hold. */
        bool deleted;
        char parent[65]; /* the image a commit made this one from (hex), or "" */
};

/* One tag or digest reference naming an image. */
struct tag_entry {
        struct reference ref;
        char *full;     /* "docker.io/library/busybox:latest" (the sort key) */
        char *familiar; /* "busybox:latest" */
        char image_id[65];
};

struct hold_entry {
        char *holder;
        char image_id[65];
        struct layer **layers;
        size_t n_layers;
};

struct image_store {
        unsigned refs; /* the owner's plus one per live struct image */
        char *root;    /* <data-root>/image, absolute */
        int root_fd;
        int layers_fd, configs_fd, meta_fd, holds_fd, staging_fd, tmp_fd;

        pthread_rwlock_t lock;
        struct layer **layers;
        size_t n_layers;
        struct image_entry **images;
        size_t n_images;
        struct tag_entry **tags;
        size_t n_tags;
        struct hold_entry **holds;
        size_t n_holds;
        /* Names in staging/ of layer trees to remove once unlocked. */
        char **pending_removals;

        image_in_use_fn in_use;
        void *in_use_userdata;
        image_in_use_fn running;
        void *running_userdata;
        image_event_fn event;
        void *event_userdata;
};

/* store.c */
void store_unref(struct image_store *s);
/* Reports an image event (see image_event_fn); name NULL means the ID.
 * Call with the lock held. */
void store_event(struct image_store *s, const char *action, const char *id, const char *name);

/* The Labels of image id's config (hex), or NULL. Call with the lock held. */
json_object *store_image_labels(struct image_store *s, const char *id);
int store_staging_name(char *ret, size_t size);
/* Moves a directory below root_fd into staging and removes it, so that a
 * crash in the middle leaves only staging content, which open removes. */
void store_remove_tree(struct image_store *s, int dirfd, const char *name);
/* Calls load for the name of every entry of directory dirfd but "." and
 * "..", and stops at the first negative errno it returns. */
int store_load_each(struct image_store *s, int dirfd, int (*load)(struct image_store *s, const char *name));

/* store-layer.c; callers hold the write lock unless stated otherwise. */
struct layer *store_layer_find(struct image_store *s, const char *chain_id);
void store_layer_ref(struct layer *l);
/* Drops a reference; at zero the layer leaves the index and its directory
 * is renamed into staging, to be removed by store_flush_removals. Returns
 * true when that happened. */
bool store_layer_unref(struct image_store *s, struct layer *l);
/* Removes the trees store_layer_unref staged. Call without the lock. */
void store_flush_removals(struct image_store *s);
int store_layers_load(struct image_store *s);
/* Removes every layer nothing refers to; for open. */
void store_layers_collect(struct image_store *s);
/* Empties the staging directory; takes no lock. */
void store_staging_clean(struct image_store *s);

/* Finds or creates the layer chain(parent, diff ID of the blob in fd): a
 * new one is extracted into staging without the lock, verified, then
 * committed. Returns it with one reference for the caller. The diff ID
 * must be expected_diff_id unless that is NULL (an import); when
 * expected_blob is set the blob's digest must match it too. Takes the
 * lock itself. */
struct layer_source {
        int fd;
        size_t index;                 /* the layer's position in its image, for messages */
        const char *expected_diff_id; /* or NULL */
        const char *expected_blob;    /* or NULL */
        extract_progress_fn progress;
        void *userdata;
};
int store_layer_create(struct image_store *s, const char *parent_chain, const struct layer_source *src,
                       struct layer **ret, struct error *err);
/* Finds chain_id and takes a reference on it; -ENOENT when missing. Takes
 * the lock itself. */
int store_layer_get(struct image_store *s, const char *chain_id, struct layer **ret);
/* Drops a reference taken by store_layer_create or store_layer_get. */
void store_layer_put(struct image_store *s, struct layer *l);

/* store-image.c */
struct image_entry *store_image_find(struct image_store *s, const char *id);
void store_image_entry_free(struct image_entry *e);
/* Parses a config blob: its rootfs.diff_ids in ret_diff_ids, its created
 * time. -EINVAL with a message for a config Docker could not use. */
int store_config_parse(const char *bytes, size_t len, json_object **ret_config, char ***ret_diff_ids,
                       struct error *err);
int store_images_load(struct image_store *s);
/* Writes a config and adds its image, taking a reference on each layer
 * (lowest first). The ID of the image, existing or new, goes to ret_id
 * (65 bytes). Takes the lock. */
int store_image_add(struct image_store *s, const char *config, size_t len, struct layer **layers, size_t n_layers,
                    char *ret_id, struct error *err);
/* Tells whether an image names id as its parent (lock held). */
bool store_image_has_children(struct image_store *s, const char *id);
/* Builds a snapshot for callers outside the lock (read lock held). */
int store_image_snapshot(struct image_store *s, struct image_entry *e, struct image **ret);
/* Resolves a reference, ID or ID prefix as Docker's GetImage does (read
 * lock held). */
int store_image_resolve(struct image_store *s, const char *name, struct image_entry **ret, struct error *err);
/* Removes an image and its config file, dropping its layer references.
 * The chain IDs of layers that went with it are appended to
 * ret_removed_layers (top first). Write lock held. */
int store_image_remove(struct image_store *s, struct image_entry *e, char ***ret_removed_layers);
int store_meta_write(struct image_store *s, struct image_entry *e);
/* Removes deleted images that no hold keeps any more. Write lock held. */
void store_images_collect(struct image_store *s);

/* store-tag.c; the lock is held by the caller. */
int store_tags_load(struct image_store *s);
int store_tags_save(struct image_store *s);
struct tag_entry *store_tag_find(struct image_store *s, const char *full);
/* Points ref at image_id, replacing what it named before. */
int store_tag_set(struct image_store *s, const struct reference *ref, const char *image_id);
int store_tag_remove(struct image_store *s, struct tag_entry *t);
/* Points ref at image e, saves the tags and e's last tag time, and sends
 * the "tag" event. */
int store_tag_image(struct image_store *s, const struct reference *ref, struct image_entry *e, struct error *err);
/* The tags of image_id sorted by full string, as a NULL-terminated array
 * that does not own its entries. */
struct tag_entry **store_tags_of(struct image_store *s, const char *image_id, size_t *ret_n);
bool store_image_has_tags(struct image_store *s, const char *image_id);

/* store-hold.c */
int store_holds_load(struct image_store *s);

static inline void rwlock_unlockp(pthread_rwlock_t **l)
{
        if (*l)
                pthread_rwlock_unlock(*l);
}

/* Unused as a name: the variable exists for its cleanup. */
#define _cleanup_unlock_ _cleanup_(rwlock_unlockp) _unused_

static inline pthread_rwlock_t *store_read_lock(struct image_store *s)
{
        pthread_rwlock_rdlock(&s->lock);
        return &s->lock;
}

static inline pthread_rwlock_t *store_write_lock(struct image_store *s)
{
        pthread_rwlock_wrlock(&s->lock);
        return &s->lock;
}
