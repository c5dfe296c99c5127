/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <time.h>

#include "fsutil.h"
#include "runtime/cgroup-procs.h"

/* Freezing waits for every task to stop in the kernel; a task in an
 * uninterruptible sleep delays that. This bounds the wait. */
#define FREEZE_TIMEOUT_MS 5000

/* Which interface freezes the cgroup, and the directory to use it in. */
struct freezer {
        int fd;
        bool v2;
};

static int open_freezer(const struct cgroup *cg, struct freezer *ret, struct error *err)
{
        const struct cgroup_hierarchy *h = cgroup_find_controller(cg, "freezer");

        /* cgroup v2 has the freezer in every cgroup, and does not list it
         * in cgroup.controllers. */
        for (size_t i = 0; !h && i < cg->n_hierarchies; i++)
                if (cg->hierarchies[i].unified)
                        h = &cg->hierarchies[i];
        if (!h)
                return error_set(err, -EOPNOTSUPP, "no freezer cgroup controller on this host");

        ret->fd = cgroup_open_dir(cg, h);
        if (ret->fd < 0)
                return error_set_errno(err, ret->fd, "failed to open cgroup %s/%s", h->mountpoint, cg->path);
        ret->v2 = h->unified;
        return 0;
}

static bool read_frozen(const struct freezer *f, bool *ret_settled)
{
        _cleanup_free_ char *text = NULL;
        uint64_t v = 0;

        if (f->v2) {
                *ret_settled = true;
                return cgroup_read_key(f->fd, "cgroup.events", "frozen", &v) == 0 && v == 1;
        }
        if (fs_read_file_at(f->fd, "freezer.state", 64, &text, NULL) < 0) {
                *ret_settled = true;
                return false;
        }
        *ret_settled = !startswith(text, "FREEZING");
        return startswith(text, "FROZEN") || startswith(text, "FREEZING");
}

int cgroup_procs_freeze(const struct cgroup *cg, bool frozen, struct error *err)
{
        struct freezer f = { .fd = -1 };
        _cleanup_close_ int fd = -1;
        int r;

        r = open_freezer(cg, &f, err);
        if (r < 0)
                return r;
        fd = f.fd;

        for (int waited = 0; waited < FREEZE_TIMEOUT_MS; waited++) {
                bool settled;

                /* v1 can stay in FREEZING when a task was busy: writing
                 * FROZEN again retries those tasks. */
                if (waited % 100 == 0) {
                        r = f.v2 ? cgroup_write(fd, "cgroup.freeze", frozen ? "1" : "0", err)
                                 : cgroup_write(fd, "freezer.state", frozen ? "FROZEN" : "THAWED", err);
                        if (r < 0)
                                return r;
                }
                if (read_frozen(&f, &settled) == frozen && settled)
                        return 0;
                nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
        }
        return error_set(err, -ETIMEDOUT, "timed out waiting for cgroup %s to %s", cg->path,
                         frozen ? "freeze" : "thaw");
}

bool cgroup_procs_frozen(const struct cgroup *cg)
{
        struct freezer f = { .fd = -1 };
        bool settled;
        bool frozen;

        if (open_freezer(cg, &f, NULL) < 0)
                return false;
        frozen = read_frozen(&f, &settled);
        close(f.fd);
        return frozen;
}

int cgroup_procs_list(const struct cgroup *cg, pid_t **ret, size_t *ret_n, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_close_ int fd = -1;
        size_t n = 0, allocated = 0;
        int r;

        if (cg->n_hierarchies == 0)
                return error_set(err, -ENOENT, "no cgroup hierarchy");
        /* Every hierarchy has all the container's processes; take the
         * first one. */
        fd = cgroup_open_dir(cg, &cg->hierarchies[0]);
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open cgroup %s/%s", cg->hierarchies[0].mountpoint, cg->path);
        r = fs_read_file_at(fd, "cgroup.procs", 16u << 20, &text, NULL);
        if (r < 0)
                return error_set_errno(err, r, "failed to read the processes of cgroup %s", cg->path);

        for (char *p = text, *end; *p; p = end + strspn(end, "\n")) {
                long pid = strtol(p, &end, 10);

                if (end == p)
                        break;
                if (n == allocated) {
                        pid_t *more = realloc(pids, (allocated = allocated * 2 + 16) * sizeof(pid_t));

                        if (!more)
                                return -ENOMEM;
                        pids = more;
                }
                pids[n++] = (pid_t)pid;
        }
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}
