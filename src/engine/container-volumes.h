/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "container.h"
#include "error.h"

struct engine;

/* Decides the mount points of a new container (c->mounts) from its
 * Config and HostConfig, looking up the containers of VolumesFrom. */
int container_volumes_build(struct engine *e, struct container *c, struct error *err);

/* Creates the container's new volumes and references all of them, then
 * copies the image's files into each new volume that is still empty, as
 * dockerd does at create (not with nocopy). Undoes its references on
 * failure. */
int container_volumes_attach(struct engine *e, struct container *c, struct error *err);

/* Drops the container's references; with remove_anonymous (docker rm -v),
 * also removes its anonymous volumes that no other container uses. */
void container_volumes_detach(struct engine *e, struct container *c, bool remove_anonymous);

/* Prepares the container's mounts before a start: checks the host mounts
 * of its shared and slave binds as dockerd does, mounts its volumes that
 * have mount options and sends the volumes' mount events. */
int container_volumes_mount(struct engine *e, struct container *c, struct error *err);

/* Undoes container_volumes_mount once the container has ended. */
void container_volumes_unmount(struct engine *e, struct container *c);

/* References the volumes of a container loaded at daemon start and, when
 * it runs, records it as a user of their mounts. A removed one is skipped. */
void container_volumes_restore(struct engine *e, struct container *c);

/* The volume store's event hook (volume_store_set_event_hook), with the
 * engine as userdata: publishes Docker's volume events. */
void engine_volume_event(const char *name, const char *action, char *const *attributes, void *userdata);
