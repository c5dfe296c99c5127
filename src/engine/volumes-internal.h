/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <pthread.h>

#include "volumes.h"

/* Shared between the volume store's source files only. */
struct volume {
        char *name;
        int64_t created_ns;
        json_object *labels;  /* Labels as created, or NULL */
        json_object *options; /* DriverOpts as created, or NULL */
        char **refs;          /* the containers that use it */
        char **users;         /* the running containers that need its mount */
        bool mounted;         /* its file system is mounted on _data */
};

struct volume_store {
        pthread_mutex_t lock; /* guards items and every volume in them */
        char *dir;            /* <data-root>/volumes */
        int dirfd;
        uid_t root_uid; /* the owner of new _data directories */
        gid_t root_gid;
        struct volume **items;
        size_t n, allocated;
        volume_event_fn event_hook;
        void *event_userdata;
};

void volume_free(struct volume *v);

/* Returns the volume called name, or NULL. Call with the lock held. */
struct volume *volume_store_find_locked(struct volume_store *s, const char *name);

/* Removes v from disk and from the store (v is freed). Call with the lock held. */
int volume_remove_locked(struct volume_store *s, struct volume *v);

/* Tells whether the volume has a mount type or device, so it is mounted
 * while containers use it. */
bool volume_has_mount(const struct volume *v);

/* Tells whether dirfd/name is the root of a mount. */
bool volume_path_is_mount_point(int dirfd, const char *name);

/* Deletes the directory name of the store; -EBUSY while its _data stays mounted. */
int volume_dir_delete(struct volume_store *s, const char *name);
