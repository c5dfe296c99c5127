/* SPDX-License-Identifier: Apache-2.0 */
/* The sizes of docker inspect --size (GET /containers/{id}/json?size=1). */
#include "api.h"
#include "log.h"

json_object *api_container_inspect_with_sizes(struct daemon *d, struct container *c, json_object *inspect)
{
        json_object *out = json_object_new_object();
        int64_t rw = 0, root_fs = 0;
        int r;

        /* dockerd reports 0 for sizes it cannot compute. */
        r = engine_container_size(d->engine, c, &rw, &root_fs);
        if (r < 0) {
                if (r != -ENOENT)
                        log_warn_errno(r, "Failed to compute the size of container %s: %m", c->id);
                rw = root_fs = 0;
        }
        /* After GraphDriver, where Docker's ContainerJSONBase has them. */
        json_object_object_foreach (inspect, key, value) {
                json_object_object_add(out, key, json_object_get(value));
                if (!streq(key, "GraphDriver"))
                        continue;
                json_object_object_add(out, "SizeRw", json_object_new_int64(rw));
                json_object_object_add(out, "SizeRootFs", json_object_new_int64(root_fs));
        }
        json_object_put(inspect);
        return out;
}
