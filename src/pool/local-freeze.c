/* SPDX-License-Identifier: Apache-2.0 */
/* Freezing a local container's processes through its cgroup, for docker
 * pause and the pause of docker commit. */
#include "local-internal.h"
#include "runtime/cgroup-procs.h"
#include "runtime/cgroup.h"

int local_freeze(struct backend *b, struct container *c, bool frozen, struct error *err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        int r;

        r = local_container_cgroup(b, c, &cg, err);
        if (r < 0)
                return r;
        r = cgroup_procs_freeze(cg, frozen, err);
        if (r == -ENOENT) {
                error_clear(err);
                return -ESRCH;
        }
        return r;
}
