/* SPDX-License-Identifier: Apache-2.0 */
/* A local container's cgroup: its processes for docker top, and whether
 * it is frozen, for the restore of a paused container. */
#include <fcntl.h>

#include "engine/engine.h"
#include "jsonutil.h"
#include "local-internal.h"
#include "runtime/cgroup-procs.h"

/* The bundle's config.json is at most this large (runtime/spec.c reads
 * the same limit). */
#define BUNDLE_CONFIG_MAX (16u * 1024 * 1024)

int local_container_cgroup(struct backend *b, struct container *c, struct cgroup **ret, struct error *err)
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
        r = json_file_read(dir_fd, "config.json", BUNDLE_CONFIG_MAX, &spec);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return error_set_errno(err, r, "reading the bundle of container %s failed", c->id);

        /* The path the runtime used, so that a daemon restarted with
         * another cgroup parent still finds the cgroup. */
        cgroups_path = json_field_string(json_field_object(spec, "linux"), "cgroupsPath", "");
        r = cgroup_path_for(cgroups_path, NULL, c->id, &path, err);
        if (r < 0)
                return r;
        r = cgroup_open(path, false, ret, err);
        if (r == -ENOENT) {
                error_clear(err);
                return -ESRCH;
        }
        return r;
}

int local_list_pids(struct backend *b, struct container *c, pid_t **ret, size_t *ret_n, struct error *err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        int r;

        r = local_container_cgroup(b, c, &cg, err);
        if (r < 0)
                return r;
        r = cgroup_procs_list(cg, ret, ret_n, err);
        if (r == -ENOENT) {
                error_clear(err);
                return -ESRCH;
        }
        return r;
}

bool local_container_frozen(struct backend *b, struct container *c)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;

        return local_container_cgroup(b, c, &cg, NULL) >= 0 && cgroup_procs_frozen(cg);
}
