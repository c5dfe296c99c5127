/* SPDX-License-Identifier: Apache-2.0 */
/* Freezing a local container's processes through its cgroup, for the
 * pause of docker commit. */
#include <fcntl.h>

#include "engine/engine.h"
#include "jsonutil.h"
#include "local-internal.h"
#include "runtime/cgroup-procs.h"
#include "runtime/cgroup.h"

/* The cgroup the runtime created, as the bundle's config.json names it,
 * so that a daemon restarted with another cgroup parent still finds it. */
static int container_cgroup(struct backend *b, struct container *c, struct cgroup **ret, struct error *err)
{
        _cleanup_free_ char *exec_dir = engine_container_exec_dir(b->engine, c);
        _cleanup_json_ json_object *spec = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int dir_fd = -1;
        const char *cgroups_path;
        int r;

        if (!exec_dir)
                return -ENOMEM;
        dir_fd = open(exec_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return errno == ENOENT ? -ESRCH : error_set_errno(err, -errno, "opening %s failed", exec_dir);
        r = json_file_read(dir_fd, "config.json", 16u * 1024 * 1024, &spec);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return error_set_errno(err, r, "reading the bundle of container %s failed", c->id);

        cgroups_path = json_field_string(json_field_object(spec, "linux"), "cgroupsPath", "");
        r = cgroup_path_for(cgroups_path, NULL, c->id, &path, err);
        if (r < 0)
                return r;
        return cgroup_open(path, false, ret, err);
}

int local_freeze(struct backend *b, struct container *c, bool frozen, struct error *err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        int r;

        r = container_cgroup(b, c, &cg, err);
        if (r < 0)
                return r;
        r = cgroup_procs_freeze(cg, frozen, err);
        if (r == -ENOENT) {
                error_clear(err);
                return -ESRCH;
        }
        return r;
}
