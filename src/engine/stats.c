/* SPDX-License-Identifier: Apache-2.0 */
/* docker stats: a sample of a container's resource usage. */
#include "engine-internal.h"
#include "pool/backend.h"

int engine_container_stats(struct engine *e, struct container *c, json_object **ret, struct error *err)
{
        bool running;

        pthread_mutex_lock(&c->lock);
        running = container_is_running(c);
        pthread_mutex_unlock(&c->lock);
        if (!running)
                return -ESRCH;
        if (!c->backend->ops->stats)
                return error_set(err, -EOPNOTSUPP, "docker stats is not supported by the %s backend",
                                 c->backend->ops->name);
        return c->backend->ops->stats(c->backend, c, ret, err);
}
