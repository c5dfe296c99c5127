/* SPDX-License-Identifier: Apache-2.0 */
/* docker rename. */
#include <stdio.h>

#include "engine-internal.h"
#include "network.h"
#include "log.h"
#include "names.h"

/* Checks and messages of dockerd 20.10's ContainerRename, in its order:
 * the empty name comes before the lookup of the container. */
int engine_container_rename(struct engine *e, struct container *c, const char *name, struct error *err)
{
        _cleanup_free_ char *new_name = NULL, *old_name = NULL;
        struct container *holder;
        int r = 0;

        if (isempty(name))
                return error_set(err, -EINVAL, "Neither old nor new names may be empty");
        if (asprintf(&new_name, "%s%s", name[0] == '/' ? "" : "/", name) < 0)
                return -ENOMEM;

        pthread_mutex_lock(&c->op_lock);
        pthread_rwlock_wrlock(&e->lock);
        pthread_mutex_lock(&c->lock);
        holder = engine_table_find_name(e, new_name);
        if (streq(c->name, new_name))
                r = error_set(err, -EINVAL, "Renaming a container with the same name as its current name");
        else if (!container_name_is_valid(new_name))
                r = error_set(err, -EINVAL,
                              "Error when allocating new name: Invalid container name (%s), only "
                              "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                              new_name);
        else if (holder)
                r = error_set(err, -EEXIST,
                              "Error when allocating new name: Conflict. The container name \"%s\" is already in use "
                              "by container \"%s\". You have to remove (or rename) that container to be able to "
                              "reuse that name.",
                              new_name, holder->id);
        else if (c->state.removed)
                r = error_set(err, -ENOENT, "No such container: %s", c->id);
        if (r >= 0) {
                old_name = TAKE_PTR(c->name);
                c->name = TAKE_PTR(new_name);
                r = engine_container_save_definition(e, c);
                if (r < 0) {
                        /* The old name stays, on disk and in memory. */
                        new_name = TAKE_PTR(c->name);
                        c->name = TAKE_PTR(old_name);
                        r = error_set_errno(err, r, "saving the new name of container %s failed", c->id);
                }
        }
        pthread_mutex_unlock(&c->lock);
        pthread_rwlock_unlock(&e->lock);
        pthread_mutex_unlock(&c->op_lock);
        if (r < 0)
                return r;

        network_container_renamed(e, c, name);
        engine_event_container(e, c, "rename", "oldName", old_name, NULL);
        log_info("Container %s renamed from %s to %s", c->id, old_name, name);
        return 0;
}
