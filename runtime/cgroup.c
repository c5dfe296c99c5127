/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "fsutil.h"
#include "runtime/cgroup.h"
#include "strv.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

void cgroup_free(struct cgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n_hierarchies; i++) {
                free(cg->hierarchies[i].mountpoint);
                free(cg->hierarchies[i].options);
                strv_free(cg->hierarchies[i].controllers);
        }
        free(cg->hierarchies);
        free(cg->path);
        free(cg);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct cgroup *, cgroup_free)

int cgroup_path_for(const char *cgroups_path, const char *parent, const char *id, char **ret, struct error *err)
{
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ char *path = NULL;

        if (isempty(cgroups_path)) {
                if (isempty(id) || strchr(id, '/') || streq(id, ".") || streq(id, ".."))
                        return error_set(err, -EINVAL, "invalid container ID \"%s\"", id ?: "");
                if (asprintf(&path, "%s/%s", isempty(parent) ? "sockerless" : parent, id) < 0)
                        return -ENOMEM;
        } else {
                if (strchr(cgroups_path, ':'))
                        return error_set(err, -EOPNOTSUPP, "cgroupsPath %s: the systemd cgroup driver is not supported",
                                         cgroups_path);
                path = strdup(cgroups_path);
                if (!path)
                        return -ENOMEM;
        }

        parts = strv_split(path, "/", false);
        if (!parts)
                return -ENOMEM;
        if (!parts[0])
                return error_set(err, -EINVAL, "invalid cgroup path \"%s\"", path);
        STRV_FOREACH (p, parts)
                if (streq(*p, ".") || streq(*p, ".."))
                        return error_set(err, -EINVAL, "invalid cgroup path \"%s\"", path);

        free(path);
        path = NULL;
        STRV_FOREACH (p, parts) {
                char *joined;

                if (asprintf(&joined, "%s%s%s", path ?: "", path ? "/" : "", *p) < 0)
                        return -ENOMEM;
                free(path);
                path = joined;
        }
        *ret = TAKE_PTR(path);
        return 0;
}

/* Parses the super options of a v1 hierarchy ("rw,cpu,cpuacct") into the
 * options that name it ("cpu,cpuacct") and its controllers. */
static int parse_v1_options(const char *super, struct cgroup_hierarchy *h)
{
        _cleanup_strv_free_ char **opts = strv_split(super, ",", false);
        _cleanup_strv_free_ char **naming = NULL;

        if (!opts)
                return -ENOMEM;
        STRV_FOREACH (o, opts) {
                const char *name;

                if (streq(*o, "rw") || streq(*o, "ro") || startswith(*o, "release_agent=") ||
                    streq(*o, "clone_children") || streq(*o, "noprefix") || streq(*o, "xattr") ||
                    streq(*o, "cpuset_v2_mode") || streq(*o, "favordynmods"))
                        continue;
                if (strv_append(&naming, *o) < 0)
                        return -ENOMEM;
                name = startswith(*o, "name=") ?: *o;
                if (strv_append(&h->controllers, name) < 0)
                        return -ENOMEM;
        }
        if (!naming)
                return -EINVAL;

        h->options = strdup("");
        STRV_FOREACH (o, naming) {
                char *joined;

                if (!h->options || asprintf(&joined, "%s%s%s", h->options, *h->options ? "," : "", *o) < 0)
                        return -ENOMEM;
                free(h->options);
                h->options = joined;
        }
        return 0;
}

static int read_v2_controllers(struct cgroup_hierarchy *h)
{
        _cleanup_close_ int fd = open(h->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        int r;

        if (fd < 0)
                return negative_errno();
        r = fs_read_file_at(fd, "cgroup.controllers", 4096, &text, NULL);
        if (r < 0)
                return r;
        h->controllers = strv_split(text, " \n", false);
        return h->controllers ? 0 : -ENOMEM;
}

/* Tells whether the mount with device dev ("major:minor") is the one
 * visible at path, and not one that a later mount covers. */
static bool mount_visible(const char *path, const char *dev)
{
        unsigned major, minor;
        struct stat st;

        if (sscanf(dev, "%u:%u", &major, &minor) != 2 || lstat(path, &st) < 0)
                return false;
        return st.st_dev == makedev(major, minor);
}

/* Adds the hierarchy of one /proc/self/mountinfo line when it is a cgroup
 * mount directly under /sys/fs/cgroup (or that directory itself). */
static int add_hierarchy(struct cgroup *cg, char *line)
{
        char *fields[11] = {};
        char *saveptr = NULL, *sep;
        struct cgroup_hierarchy *h;
        size_t n = 0;
        int r;

        /* Stop right after the mount point and its options, so that the
         * separator is still in the rest of the line. */
        for (char *rest = line; n < 6; rest = NULL) {
                char *f = strtok_r(rest, " ", &saveptr);

                if (!f)
                        break;
                fields[n++] = f;
        }
        sep = strstr(saveptr ?: "", "- ");
        if (n < 6 || !sep)
                return 0;
        /* After the separator: fstype, source, super options. */
        saveptr = NULL;
        fields[6] = strtok_r(sep + 2, " ", &saveptr);
        fields[7] = strtok_r(NULL, " ", &saveptr);
        fields[8] = strtok_r(NULL, " \n", &saveptr);
        if (!fields[6] || !fields[8])
                return 0;

        bool v2 = streq(fields[6], "cgroup2");
        if (!v2 && !streq(fields[6], "cgroup"))
                return 0;
        const char *mp = fields[4];
        if (!streq(mp, CGROUP_ROOT) && !(startswith(mp, CGROUP_ROOT "/") && !strchr(mp + strlen(CGROUP_ROOT "/"), '/')))
                return 0;
        if (!mount_visible(mp, fields[2]))
                return 0;

        h = realloc(cg->hierarchies, (cg->n_hierarchies + 1) * sizeof(*h));
        if (!h)
                return -ENOMEM;
        cg->hierarchies = h;
        h = &cg->hierarchies[cg->n_hierarchies];
        *h = (struct cgroup_hierarchy){ .unified = v2, .ops = v2 ? &cgroup_v2_ops : &cgroup_v1_ops };
        h->mountpoint = strdup(mp);
        if (!h->mountpoint)
                return -ENOMEM;
        cg->n_hierarchies++;

        r = v2 ? read_v2_controllers(h) : parse_v1_options(fields[8], h);
        if (r < 0)
                return r;
        if (v2 && streq(mp, CGROUP_ROOT))
                cg->v2_only = true;
        return 0;
}

static int detect_hierarchies(struct cgroup *cg, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        char *saveptr = NULL;
        int r;

        r = fs_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 16u << 20, &text, NULL);
        if (r < 0)
                return error_set_errno(err, r, "failed to read /proc/self/mountinfo");

        for (char *line = strtok_r(text, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                r = add_hierarchy(cg, line);
                if (r < 0)
                        return error_set_errno(err, r, "failed to read the cgroup hierarchies");
        }
        if (cg->n_hierarchies == 0)
                return error_set(err, -ENOENT, "no cgroup hierarchy is mounted under " CGROUP_ROOT);
        return 0;
}

int cgroup_write(int dir_fd, const char *name, const char *value, struct error *err)
{
        _cleanup_close_ int fd = openat(dir_fd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        int r;

        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open cgroup file %s", name);
        r = fs_write_all(fd, value, strlen(value));
        if (r < 0)
                return error_set_errno(err, r, "failed to write \"%s\" to cgroup file %s", value, name);
        return 0;
}

int cgroup_read_key(int dir_fd, const char *name, const char *key, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        size_t klen = strlen(key);
        int r;

        r = fs_read_file_at(dir_fd, name, 65536, &text, NULL);
        if (r < 0)
                return r;
        for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
                if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
                        *ret = strtoull(line + klen + 1, NULL, 10);
                        return 0;
                }
        return -ENOENT;
}

/* Creates the missing directories of path below the hierarchy root; the
 * last one must be new. */
static int create_dirs(struct cgroup_hierarchy *h, const char *path, struct error *err)
{
        _cleanup_strv_free_ char **parts = strv_split(path, "/", false);
        _cleanup_close_ int fd = -1;

        if (!parts)
                return -ENOMEM;
        fd = open(h->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open %s", h->mountpoint);

        STRV_FOREACH (p, parts) {
                bool last = !p[1];
                _cleanup_close_ int child = -1;
                bool created = mkdirat(fd, *p, 0755) == 0;
                int r;

                if (!created && errno == EEXIST && last)
                        return error_set(err, -EEXIST, "cgroup %s/%s exists already; remove it if no container uses it",
                                         h->mountpoint, path);
                if (!created && errno != EEXIST)
                        return error_set_errno(err, negative_errno(), "failed to create cgroup %s/%s", h->mountpoint,
                                               path);
                child = openat(fd, *p, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (child < 0)
                        return error_set_errno(err, negative_errno(), "failed to open cgroup %s/%s", h->mountpoint,
                                               path);
                if (last)
                        h->created = true;
                if (created && h->ops->init_dir) {
                        r = h->ops->init_dir(fd, child, err);
                        if (r < 0)
                                return error_prefix(err, r, "cgroup %s/%s", h->mountpoint, path);
                }
                close(fd);
                fd = TAKE_FD(child);
        }
        return 0;
}

static int open_dir(const struct cgroup *cg, const struct cgroup_hierarchy *h)
{
        _cleanup_free_ char *path = fs_path_join(h->mountpoint, cg->path);
        int fd;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/* Returns the hierarchy that has controller: a v1 one when there is one,
 * because a hybrid host keeps its controllers there. */
static const struct cgroup_hierarchy *find_controller(const struct cgroup *cg, const char *controller)
{
        const struct cgroup_hierarchy *found = NULL;

        for (size_t i = 0; i < cg->n_hierarchies; i++)
                if (strv_contains(cg->hierarchies[i].controllers, controller) &&
                    (!found || !cg->hierarchies[i].unified))
                        found = &cg->hierarchies[i];
        return found;
}

/* Opens the container's directory in the hierarchy of controller. */
static int open_controller(const struct cgroup *cg, const char *controller, const struct cgroup_hierarchy **ret_h,
                           struct error *err)
{
        const struct cgroup_hierarchy *h = find_controller(cg, controller);
        int fd;

        if (!h)
                return error_set(err, -EOPNOTSUPP, "the %s cgroup controller is not available on this host",
                                 controller);
        fd = open_dir(cg, h);
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open cgroup %s/%s", h->mountpoint, cg->path);
        *ret_h = h;
        return fd;
}

static int apply_memory(const struct cgroup *cg, const struct runtime_resources *res, struct error *err)
{
        const struct cgroup_hierarchy *h;
        _cleanup_close_ int fd = -1;

        if (!res->has_memory_limit && !res->has_memory_reservation && !res->has_memory_swap &&
            !res->disable_oom_killer && !res->has_memory_swappiness)
                return 0;
        fd = open_controller(cg, "memory", &h, err);
        return fd < 0 ? fd : h->ops->set_memory(fd, res, err);
}

static int apply_cpu(const struct cgroup *cg, const struct runtime_resources *res, struct error *err)
{
        const struct cgroup_hierarchy *h;
        _cleanup_close_ int fd = -1;

        if (res->cpu_shares == 0 && res->cpu_quota == 0 && res->cpu_period == 0 && res->cpu_rt_runtime == 0 &&
            res->cpu_rt_period == 0)
                return 0;
        fd = open_controller(cg, "cpu", &h, err);
        return fd < 0 ? fd : h->ops->set_cpu(fd, res, err);
}

/* Both cgroup versions name these files alike and read the same list
 * format ("0-3,5"). */
static int write_cpuset(int fd, const struct runtime_resources *res, struct error *err)
{
        int r = 0;

        if (!isempty(res->cpuset_cpus))
                r = cgroup_write(fd, "cpuset.cpus", res->cpuset_cpus, err);
        if (r >= 0 && !isempty(res->cpuset_mems))
                r = cgroup_write(fd, "cpuset.mems", res->cpuset_mems, err);
        return r;
}

static int apply_cpuset(const struct cgroup *cg, const struct runtime_resources *res, struct error *err)
{
        const struct cgroup_hierarchy *h;
        _cleanup_close_ int fd = -1;

        if (isempty(res->cpuset_cpus) && isempty(res->cpuset_mems))
                return 0;
        fd = open_controller(cg, "cpuset", &h, err);
        return fd < 0 ? fd : write_cpuset(fd, res, err);
}

static int apply_pids(const struct cgroup *cg, const struct runtime_resources *res, struct error *err)
{
        const struct cgroup_hierarchy *h;
        _cleanup_close_ int fd = -1;

        if (!res->has_pids_limit)
                return 0;
        fd = open_controller(cg, "pids", &h, err);
        return fd < 0 ? fd : h->ops->set_pids(fd, res, err);
}

static int apply_blkio(const struct cgroup *cg, const struct runtime_resources *res, struct error *err)
{
        const struct runtime_blkio *b = &res->blkio;
        const struct cgroup_hierarchy *h;
        _cleanup_close_ int fd = -1;
        bool set = b->weight != 0 || b->n_weight_devices > 0;

        for (size_t i = 0; i < ARRAY_SIZE(b->n_throttle); i++)
                set = set || b->n_throttle[i] > 0;
        if (!set)
                return 0;
        /* cgroup v1 calls the controller blkio, v2 calls it io. */
        fd = open_controller(cg, find_controller(cg, "blkio") ? "blkio" : "io", &h, err);
        return fd < 0 ? fd : h->ops->set_blkio(fd, res, err);
}

static int apply_devices(const struct cgroup *cg, const struct runtime_resources *res, struct error *err)
{
        const struct cgroup_hierarchy *h;
        _cleanup_close_ int fd = -1;

        /* A hybrid host enforces the rules with its v1 devices controller;
         * a cgroup2-only host has none, and gets the eBPF filter instead. */
        if (!find_controller(cg, "devices") && !cg->v2_only)
                return error_set(err, -EOPNOTSUPP, "no devices cgroup controller to enforce the device rules");
        if (cg->v2_only) {
                h = &cg->hierarchies[0];
                fd = open_dir(cg, h);
                if (fd < 0)
                        return error_set_errno(err, fd, "failed to open cgroup %s/%s", h->mountpoint, cg->path);
        } else {
                fd = open_controller(cg, "devices", &h, err);
                if (fd < 0)
                        return fd;
        }
        return h->ops->set_devices(fd, res, err);
}

/* Applies every limit but the device rules. */
static int apply_limits(const struct cgroup *cg, const struct runtime_resources *res, struct error *err)
{
        int r;

        r = apply_memory(cg, res, err);
        if (r >= 0)
                r = apply_cpu(cg, res, err);
        if (r >= 0)
                r = apply_cpuset(cg, res, err);
        if (r >= 0)
                r = apply_pids(cg, res, err);
        if (r >= 0)
                r = apply_blkio(cg, res, err);
        return r;
}

static int apply_resources(const struct cgroup *cg, const struct runtime_resources *res, struct error *err)
{
        int r;

        r = apply_limits(cg, res, err);
        if (r >= 0)
                r = apply_devices(cg, res, err);
        return r;
}

int cgroup_update(const struct cgroup *cg, const struct runtime_resources *res, struct error *err)
{
        /* The device filter is built once, when the cgroup is created. */
        if (res->n_devices > 0)
                return error_set(err, -EOPNOTSUPP, "the device rules of a running container cannot be changed");
        return apply_limits(cg, res, err);
}

/* Allocates the cgroup at path and finds the hierarchies it is in. */
static int cgroup_new(const char *path, struct cgroup **ret, struct error *err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        int r;

        cg = calloc(1, sizeof(*cg));
        if (!cg)
                return -ENOMEM;
        cg->path = strdup(path);
        if (!cg->path)
                return -ENOMEM;
        r = detect_hierarchies(cg, err);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(cg);
        return 0;
}

int cgroup_create(const char *path, const struct runtime_resources *res, struct cgroup **ret, struct error *err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        int r;

        r = cgroup_new(path, &cg, err);
        if (r < 0)
                return r;

        for (size_t i = 0; i < cg->n_hierarchies; i++) {
                r = create_dirs(&cg->hierarchies[i], path, err);
                if (r < 0)
                        goto undo_dirs;
        }
        r = apply_resources(cg, res, err);
        if (r < 0)
                goto undo_dirs;

        *ret = TAKE_PTR(cg);
        return 0;

undo_dirs:
        cgroup_destroy(cg);
        return r;
}

int cgroup_open(const char *path, bool owned, struct cgroup **ret, struct error *err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        int r;

        r = cgroup_new(path, &cg, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cg->n_hierarchies; i++)
                cg->hierarchies[i].created = owned;

        *ret = TAKE_PTR(cg);
        return 0;
}

const struct cgroup_hierarchy *cgroup_find_controller(const struct cgroup *cg, const char *controller)
{
        return find_controller(cg, controller);
}

int cgroup_open_dir(const struct cgroup *cg, const struct cgroup_hierarchy *h)
{
        return open_dir(cg, h);
}

int cgroup_open_unified(const struct cgroup *cg)
{
        for (size_t i = 0; i < cg->n_hierarchies; i++)
                if (cg->hierarchies[i].unified)
                        return open_dir(cg, &cg->hierarchies[i]);
        return -ENOENT;
}

int cgroup_join(const struct cgroup *cg, pid_t pid, bool in_unified, struct error *err)
{
        char value[32];

        snprintf(value, sizeof(value), "%d", (int)pid);
        for (size_t i = 0; i < cg->n_hierarchies; i++) {
                _cleanup_close_ int fd = -1;
                int r;

                if (in_unified && cg->hierarchies[i].unified)
                        continue;
                fd = open_dir(cg, &cg->hierarchies[i]);

                if (fd < 0)
                        return error_set_errno(err, fd, "failed to open cgroup %s/%s", cg->hierarchies[i].mountpoint,
                                               cg->path);
                r = cgroup_write(fd, "cgroup.procs", value, err);
                if (r < 0)
                        return error_prefix(err, r, "failed to join cgroup %s/%s", cg->hierarchies[i].mountpoint,
                                            cg->path);
        }
        return 0;
}

/* Sends SIGKILL to every process in the cgroup and returns how many
 * there were.
 * NOTE: a pid read from cgroup.procs could be reused by a process outside
 * the cgroup before pidfd_open; the window is short, and cgroup v2 uses
 * cgroup.kill, which has none. */
static int kill_members(int dir_fd)
{
        _cleanup_free_ char *text = NULL;
        int count = 0;

        if (fs_read_file_at(dir_fd, "cgroup.procs", 16u << 20, &text, NULL) < 0)
                return 0;
        for (char *p = text; *p;) {
                char *end;
                long pid = strtol(p, &end, 10);

                if (end == p)
                        break;
                if (pid > 0) {
                        _cleanup_close_ int pidfd = pidfd_open(pid, 0);

                        if (pidfd >= 0)
                                pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
                        count++;
                }
                p = end + strspn(end, "\n");
        }
        return count;
}

static int remove_dir(const struct cgroup *cg, struct cgroup_hierarchy *h)
{
        _cleanup_free_ char *path = fs_path_join(h->mountpoint, cg->path);
        _cleanup_close_ int fd = -1;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();

        /* Killed processes leave the cgroup only once they have exited, and
         * rmdir fails with EBUSY until then: retry for up to 5 seconds. */
        for (int attempt = 0; attempt < 500; attempt++) {
                if (h->unified)
                        cgroup_write(fd, "cgroup.kill", "1", NULL);
                kill_members(fd);
                if (rmdir(path) == 0 || errno == ENOENT) {
                        h->created = false;
                        return 0;
                }
                if (errno != EBUSY)
                        return negative_errno();
                nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
        }
        return -EBUSY;
}

int cgroup_destroy(struct cgroup *cg)
{
        int ret = 0;

        for (size_t i = 0; i < cg->n_hierarchies; i++) {
                int r;

                if (!cg->hierarchies[i].created)
                        continue;
                r = remove_dir(cg, &cg->hierarchies[i]);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

bool cgroup_oom_killed(const struct cgroup *cg)
{
        const struct cgroup_hierarchy *h = find_controller(cg, "memory");
        _cleanup_close_ int fd = -1;
        uint64_t n = 0;

        if (!h)
                return false;
        fd = open_dir(cg, h);
        return fd >= 0 && cgroup_read_key(fd, h->ops->oom_kill_file, "oom_kill", &n) == 0 && n > 0;
}

static bool has_file(const char *dir, const char *name)
{
        _cleanup_free_ char *path = fs_path_join(dir, name);

        return path && access(path, F_OK) == 0;
}

/* Reads a list file such as cpuset.cpus ("0-3,5") without its newline, or
 * returns NULL. */
static char *read_list(const char *dir, const char *name)
{
        _cleanup_free_ char *path = fs_path_join(dir, name);
        char *text = NULL;

        if (!path || fs_read_file_at(AT_FDCWD, path, 65536, &text, NULL) < 0)
                return NULL;
        text[strcspn(text, "\n")] = '\0';
        return text;
}

static void detect_memory_support(const struct cgroup *cg, struct cgroup_support *s)
{
        const struct cgroup_hierarchy *h = find_controller(cg, "memory");

        if (!h)
                return;
        s->memory = true;
        if (h->unified) {
                s->swap = true;
                return;
        }
        s->swap = has_file(h->mountpoint, "memory.memsw.limit_in_bytes");
        s->memory_swappiness = has_file(h->mountpoint, "memory.swappiness");
        s->oom_kill_disable = has_file(h->mountpoint, "memory.oom_control");
        s->kernel_memory = has_file(h->mountpoint, "memory.kmem.limit_in_bytes");
}

static void detect_blkio_support(const struct cgroup *cg, struct cgroup_support *s)
{
        const struct cgroup_hierarchy *h = find_controller(cg, "blkio") ?: find_controller(cg, "io");

        if (!h)
                return;
        /* A v2 hierarchy shows no io files at its root; the runtime reports
         * a weight file that a container's cgroup lacks. */
        if (h->unified) {
                s->blkio_weight = s->blkio_weight_device = s->blkio_throttle = true;
                return;
        }
        s->blkio_weight = has_file(h->mountpoint, "blkio.weight") || has_file(h->mountpoint, "blkio.bfq.weight");
        s->blkio_weight_device =
                has_file(h->mountpoint, "blkio.weight_device") || has_file(h->mountpoint, "blkio.bfq.weight_device");
        s->blkio_throttle = has_file(h->mountpoint, "blkio.throttle.read_bps_device");
}

/* The CPUs and memory nodes containers may use: the root cpuset's, or
 * the online ones without a cpuset controller. */
static int detect_cpuset_support(const struct cgroup *cg, struct cgroup_support *s)
{
        const struct cgroup_hierarchy *h = find_controller(cg, "cpuset");

        if (h) {
                s->cpus = read_list(h->mountpoint, h->unified ? "cpuset.cpus.effective" : "cpuset.cpus");
                s->mems = read_list(h->mountpoint, h->unified ? "cpuset.mems.effective" : "cpuset.mems");
        }
        if (!s->cpus)
                s->cpus = read_list("/sys/devices/system/cpu", "online");
        if (!s->mems)
                s->mems = read_list("/sys/devices/system/node", "online") ?: strdup("0");
        return s->cpus && s->mems ? 0 : -ENOENT;
}

int cgroup_support_detect(struct cgroup_support *ret)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = calloc(1, sizeof(*cg));
        struct cgroup_support s = {};
        const struct cgroup_hierarchy *cpu;
        int r;

        if (!cg)
                return -ENOMEM;
        r = detect_hierarchies(cg, NULL);
        if (r < 0)
                return r;

        s.v2 = cg->v2_only;
        detect_memory_support(cg, &s);
        detect_blkio_support(cg, &s);
        cpu = find_controller(cg, "cpu");
        s.cpu_realtime = cpu && !cpu->unified && has_file(cpu->mountpoint, "cpu.rt_period_us") &&
                         has_file(cpu->mountpoint, "cpu.rt_runtime_us");
        r = detect_cpuset_support(cg, &s);
        if (r < 0) {
                cgroup_support_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void cgroup_support_done(struct cgroup_support *s)
{
        free(s->cpus);
        free(s->mems);
        s->cpus = s->mems = NULL;
}
