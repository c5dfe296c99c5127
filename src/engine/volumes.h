/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "macro.h"

/*
 * The volumes of the "local" driver, kept as dockerd keeps them:
 *
 *   <data-root>/volumes/<name>/_data        the content, or the mount point
 *                                           of a volume with a mount type
 *   <data-root>/volumes/<name>/opts.json    the mount options in dockerd's
 *                                           format, when there are any
 *   <data-root>/volumes/<name>/volume.json  name, creation time, labels and
 *                                           options as created
 *
 * A volume is assembled in a hidden directory and renamed into place, and
 * removed by renaming it to a hidden name first, so a crash leaves either
 * a whole volume or a hidden directory that the next start deletes.
 *
 * The store counts which containers use each volume (references) and
 * which running containers have it mounted. Thread-safe.
 */
struct volume_store;

/* The settings of a new volume (POST /volumes/create). */
struct volume_create {
        const char *name;      /* NULL or "" for a generated 64-hex name */
        const char *driver;    /* NULL or "" for "local" */
        json_object *options;  /* DriverOpts (strings), or NULL */
        json_object *labels;   /* Labels (strings), or NULL */
        const char *container; /* the container that will use it, or NULL */
};

/* Receives the store's events: action "create" or "destroy" of the volume
 * name, with attributes as key, value pairs (NULL-terminated, may be NULL),
 * as dockerd sends volume events. */
typedef void (*volume_event_fn)(const char *name, const char *action, char *const *attributes, void *userdata);

/* Opens the store under data_root, deletes what crashed creates and
 * removals left, and loads every volume. New _data directories belong to
 * root_uid and root_gid: the remapped root with --userns-remap, as in
 * dockerd, or 0. */
int volume_store_open(const char *data_root, uid_t root_uid, gid_t root_gid, struct volume_store **ret,
                      struct error *err);
void volume_store_free(struct volume_store *s);

/* Sets the function that receives the store's events. */
void volume_store_set_event_hook(struct volume_store *s, volume_event_fn hook, void *userdata);

/* Passes an event of the volume name to the event hook, if one is set. */
void volume_store_emit(struct volume_store *s, const char *name, const char *action, char *const *attributes);

/* Creates a volume, or finds the volume of that name, which keeps its
 * own labels and options as with dockerd. With create->container set, the
 * volume is referenced by it on return. Errors have dockerd's texts with
 * "create NAME: " before them. The name goes into ret_name (may be NULL). */
int volume_store_create(struct volume_store *s, const struct volume_create *create, char **ret_name, struct error *err);

/* Returns Docker's Volume object of a volume: -ENOENT "get NAME: no such
 * volume". */
int volume_store_inspect(struct volume_store *s, const char *name, json_object **ret, struct error *err);

/* Lists the volumes that match filters as Docker's Volume objects: name
 * (a regular expression), label (key or key=value), dangling (true, 1,
 * false or 0) and driver. Other keys are -EINVAL "Invalid filter 'KEY'". */
int volume_store_list(struct volume_store *s, json_object *filters, json_object **ret, struct error *err);

/* Removes a volume that no container uses. -EBUSY "remove NAME: volume is
 * in use - [IDS]" otherwise; -ENOENT for a missing one, unless force. */
int volume_store_remove(struct volume_store *s, const char *name, bool force, struct error *err);

/* Removes the unused volumes that have no mount options and match the
 * label filters, as dockerd 20.10's prune does (named and anonymous
 * alike). Their names go into ret_deleted, the bytes freed into ret_space. */
int volume_store_prune(struct volume_store *s, json_object *filters, json_object *ret_deleted, int64_t *ret_space,
                       struct error *err);

/* The volumes without mount options, with UsageData {Size, RefCount}, for
 * GET /system/df. */
json_object *volume_store_usage(struct volume_store *s);

/* Records that container uses the volume: -ENOENT when it is missing. */
int volume_store_acquire(struct volume_store *s, const char *name, const char *container, struct error *err);

/* Drops the reference of container (and its mount, if any). */
void volume_store_release(struct volume_store *s, const char *name, const char *container);

/* Returns the path of the volume's _data directory (newly allocated). */
char *volume_store_data_path(struct volume_store *s, const char *name);

/* Mounts a volume with a mount type when the first running container
 * needs it, and records that container as one of its users. A volume
 * without mount options needs nothing. */
int volume_store_mount(struct volume_store *s, const char *name, const char *container, struct error *err);

/* Forgets container as a user of the volume's mount, and unmounts it when
 * no user is left. */
void volume_store_unmount(struct volume_store *s, const char *name, const char *container);

/* Records container, running since before the daemon started, as a user
 * of the volume's mount, which is still in place. */
void volume_store_mount_restored(struct volume_store *s, const char *name, const char *container);

/* Unmounts the volumes that were left mounted by a previous daemon and
 * that no restored container uses. */
void volume_store_unmount_unused(struct volume_store *s);

/* Tells whether the volume has mount options (it is mounted while used). */
bool volume_store_needs_mount(struct volume_store *s, const char *name);

/* Tells whether name is a valid volume name. Sets err as dockerd does for
 * an invalid one, with "create NAME: " before the text. */
int volume_name_check(const char *name, struct error *err);

/* Checks the options of the local driver as dockerd 20.10 does: the keys
 * type, o, device and size, type and device together, o only with a
 * device. */
int volume_options_check(json_object *options, struct error *err);

/* Mounts the volume's file system on path with the options of its
 * DriverOpts: mount(2) of device with the type, with the options of "o"
 * that mount(8) turns into flags as flags and the rest as data. */
int volume_options_mount(json_object *options, const char *path, struct error *err);

/* Returns the total size of the files below the directory path, each inode
 * counted once, as dockerd sizes volumes (0 when it cannot be read). */
int64_t volume_tree_size(const char *path);
