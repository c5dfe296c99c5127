/* SPDX-License-Identifier: Apache-2.0 */
/* The filesystem of a local container for docker cp: the running
 * container's own mount tree through its init, or for a stopped one a
 * tree of detached mounts that never appears in any mount table. */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "daemon.h"
#include "engine/copy.h"
#include "engine/engine.h"
#include "engine/ocispec-options.h"
#include "engine/userns.h"
#include "fsutil.h"
#include "image/image.h"
#include "jsonutil.h"
#include "local-internal.h"
#include "strv.h"

void rootfs_view_close(struct rootfs_view *view)
{
        if (view->root_fd >= 0)
                close(view->root_fd);
        if (view->hold_fd >= 0)
                close(view->hold_fd);
        *view = (struct rootfs_view){ .root_fd = -1, .hold_fd = -1 };
}

/* Tells whether pid's cgroup is the container's, whose path ends with
 * its ID, so that a pid reused by another process is not taken for it. */
static bool pid_in_container_cgroup(pid_t pid, const struct container *c)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dirfd = -1;
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d", (int)pid);
        dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0 || fs_read_file_at(dirfd, "cgroup", 64 * 1024, &text, NULL) < 0)
                return false;
        return strstr(text, c->id) != NULL;
}

/* NOTE: in a remapped container, filesystems the container mounted in
 * its own user namespace (--tmpfs, /dev) reject files that the daemon,
 * host root, creates (EOVERFLOW), so copies into them fail. */
static int open_running(struct container *c, pid_t pid, struct rootfs_view *ret, struct error *err)
{
        _cleanup_close_ int pidfd = -1, root_fd = -1, ns_fd = -1;
        struct pollfd pfd;
        char path[64];

        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0 || !pid_in_container_cgroup(pid, c))
                return error_set(err, -ESRCH, "container %s is not running", c->id);

        snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
        root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
        ns_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (root_fd < 0 || ns_fd < 0)
                return error_set_errno(err, -errno, "opening the filesystem of container %s failed", c->id);

        /* The init still runs, so both opens reached it and not a process
         * that reused its pid. */
        pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
        if (poll(&pfd, 1, 0) != 0)
                return error_set(err, -ESRCH, "container %s is not running", c->id);

        *ret = (struct rootfs_view){ .root_fd = TAKE_FD(root_fd), .hold_fd = TAKE_FD(ns_fd), .running = true };
        return 0;
}

static int write_map(pid_t pid, const char *file, const struct userns_idmap *map)
{
        char path[64], line[64];
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        text = calloc(map->n_ranges + 1, sizeof(line));
        if (!text)
                return -ENOMEM;
        for (size_t i = 0; i < map->n_ranges; i++)
                len += (size_t)sprintf(text + len, "%u %u %u\n", map->ranges[i].container_id, map->ranges[i].host_id,
                                       map->ranges[i].size);
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        r = open(path, O_WRONLY | O_CLOEXEC);
        if (r < 0)
                return -errno;
        if (fs_write_all(r, text, len) < 0) {
                int saved = -errno;

                close(r);
                return saved;
        }
        close(r);
        return 0;
}

/* Creates a user namespace with the remapped containers' maps and returns
 * an fd of it, for id-mapped mounts. A multi-threaded process cannot
 * unshare its own user namespace, so a child is cloned into a new one and
 * killed once its namespace is open. The child only waits in pause(). */
static int open_remap_userns(const struct userns_remap *remap, struct error *err)
{
        char path[64];
        pid_t pid;
        int fd = -1, r;

        pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0);
        if (pid < 0)
                return error_set_errno(err, -errno, "creating a user namespace for the remapped root failed");
        if (pid == 0)
                for (;;)
                        pause();

        r = write_map(pid, "uid_map", &remap->uids);
        if (r >= 0)
                r = write_map(pid, "gid_map", &remap->gids);
        if (r >= 0) {
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                r = fd < 0 ? -errno : 0;
        }
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return error_set_errno(err, r, "creating a user namespace for the remapped root failed");
        return fd;
}

/* Adds one lower directory, id-mapped with userns_fd when it is not -1.
 * The id-mapped copy is returned in *ret_fd (-1 otherwise): closing a
 * detached mount unmounts it, so it must stay open until the overlay
 * exists. */
static int add_layer(int fs_fd, const char *dir, int userns_fd, int *ret_fd)
{
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
        _cleanup_close_ int layer_fd = -1;

        if (userns_fd < 0)
                return fsconfig(fs_fd, FSCONFIG_SET_STRING, "lowerdir+", dir, 0) < 0 ? -errno : 0;
        layer_fd = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (layer_fd < 0 || mount_setattr(layer_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                return -errno;
        if (fsconfig(fs_fd, FSCONFIG_SET_FD, "lowerdir+", NULL, layer_fd) < 0)
                return -errno;
        *ret_fd = TAKE_FD(layer_fd);
        return 0;
}

static void close_layer_fds(int **fds)
{
        for (int *fd = *fds; fd && *fd != -2; fd++)
                if (*fd >= 0)
                        close(*fd);
        free(*fds);
}

/* Builds the container's overlay as a detached mount, with the same
 * layers, writable layer and (when remapped) id-mapped lower directories
 * as the runtime gives it. */
static int mount_overlay(struct local_backend *lb, struct container *c, int userns_fd, struct error *err)
{
        _cleanup_free_ char *data_dir = engine_container_data_dir(lb->base.engine, c);
        _cleanup_free_ char *upper = NULL, *work = NULL;
        _cleanup_strv_free_ char **lower = NULL;
        _cleanup_(close_layer_fds) int *layer_fds = NULL;
        _cleanup_close_ int fs_fd = -1;
        size_t n;
        int r, mnt;

        if (!data_dir)
                return -ENOMEM;
        upper = fs_path_join(data_dir, "upper");
        work = fs_path_join(data_dir, "work");
        if (!upper || !work)
                return -ENOMEM;
        if (!c->image)
                return error_set(err, -ENOENT, "the image %s of container %s is missing", c->image_id, c->id);

        lower = local_lower_dirs(&lb->base, c);
        if (!lower)
                return -ENOMEM;

        fs_fd = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fs_fd < 0)
                return error_set_errno(err, -errno, "creating the overlay of container %s failed", c->id);
        n = strv_length(lower);
        /* -1 for each layer without an fd, then -2 to end the list. */
        layer_fds = malloc((n + 1) * sizeof(*layer_fds));
        if (!layer_fds)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                layer_fds[i] = -1;
        layer_fds[n] = -2;
        /* overlayfs takes the top-most lower directory first. */
        for (size_t i = n; i > 0; i--) {
                r = add_layer(fs_fd, lower[i - 1], userns_fd, &layer_fds[i - 1]);
                if (r < 0)
                        return error_set_errno(err, r, "adding the layer %s to the overlay failed", lower[i - 1]);
        }
        /* As the runtime mounts it: the layer walks of docker diff and
         * commit understand neither redirects nor metacopy files. */
        if (fsconfig(fs_fd, FSCONFIG_SET_STRING, "redirect_dir", "nofollow", 0) < 0 ||
            fsconfig(fs_fd, FSCONFIG_SET_STRING, "metacopy", "off", 0) < 0 ||
            fsconfig(fs_fd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
            fsconfig(fs_fd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
            fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return error_set_errno(err, -errno, "creating the overlay of container %s failed", c->id);
        mnt = fsmount(fs_fd, FSMOUNT_CLOEXEC, 0);
        if (mnt < 0)
                return error_set_errno(err, -errno, "mounting the overlay of container %s failed", c->id);
        return mnt;
}

static bool has_option(json_object *mount, const char *option)
{
        json_object *options = json_field_array(mount, "options");

        for (size_t i = 0; options && i < json_object_array_length(options); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(options, i)), option))
                        return true;
        return false;
}

/* Opens the mount point of a bind in the view, creating it as the
 * runtime would at start: a directory, or a file for a file source. */
static int open_mount_point(int root_fd, const char *destination, bool file, uid_t uid, gid_t gid, int *ret_fd)
{
        struct copy_target t = { .parent_fd = -1, .fd = -1 };
        int r;

        r = copy_resolve(root_fd, destination, COPY_FOLLOW_FINAL | (file ? 0 : COPY_CREATE_DIRS), uid, gid, &t);
        if (r >= 0 && t.fd < 0 && file && t.parent_fd >= 0) {
                int fd = openat(t.parent_fd, t.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

                r = fd < 0 ? -errno : 0;
                if (fd >= 0)
                        close(fd);
                copy_target_clear(&t);
                if (r >= 0)
                        r = copy_resolve(root_fd, destination, COPY_FOLLOW_FINAL, uid, gid, &t);
        }
        if (r >= 0 && t.fd < 0)
                r = -ENOENT;
        if (r >= 0)
                *ret_fd = TAKE_FD(t.fd);
        copy_target_clear(&t);
        return r;
}

/* Attaches one bind mount of the OCI mounts to the detached root. */
static int attach_bind(int root_fd, json_object *mount, uid_t uid, gid_t gid, struct error *err)
{
        const char *source = json_field_string(mount, "source", "");
        const char *destination = json_field_string(mount, "destination", "");
        struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
        _cleanup_close_ int bind_fd = -1, target_fd = -1;
        struct stat st;
        int r;

        bind_fd = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (bind_fd < 0 || fstat(bind_fd, &st) < 0)
                return error_set_errno(err, -errno, "opening the bind mount source %s failed", source);
        if (has_option(mount, "ro") && mount_setattr(bind_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0)
                return error_set_errno(err, -errno, "making the bind mount of %s read-only failed", source);

        r = open_mount_point(root_fd, destination, !S_ISDIR(st.st_mode), uid, gid, &target_fd);
        if (r < 0)
                return error_set_errno(err, r, "creating the mount point %s failed", destination);
        /* NOTE: attaching to a detached mount tree needs Linux 6.15 or
         * later; older kernels fail here with EINVAL. */
        if (move_mount(bind_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return error_set_errno(err, -errno, "mounting %s on %s for the copy failed", source, destination);
        return 0;
}

static int open_stopped(struct local_backend *lb, struct container *c, struct rootfs_view *ret, struct error *err)
{
        const struct userns_remap *remap = engine_daemon(lb->base.engine)->userns_remap;
        _cleanup_json_ json_object *mounts = json_object_new_array();
        _cleanup_close_ int userns_fd = -1, root_fd = -1;
        bool remapped;
        uid_t uid = 0;
        gid_t gid = 0;
        int r;

        pthread_mutex_lock(&c->lock);
        remapped = userns_container_remapped(remap, c->host_config);
        r = mounts ? ocispec_add_user_mounts(mounts, c->host_config, c->mounts, err) : -ENOMEM;
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;
        if (remapped) {
                uid = remap->root_uid;
                gid = remap->root_gid;
                userns_fd = open_remap_userns(remap, err);
                if (userns_fd < 0)
                        return userns_fd;
        }

        root_fd = mount_overlay(lb, c, userns_fd, err);
        if (root_fd < 0)
                return root_fd;
        /* The binds, parents first; tmpfs mounts exist only while the
         * container runs. */
        for (size_t i = 0; i < json_object_array_length(mounts); i++) {
                json_object *m = json_object_array_get_idx(mounts, i);

                if (!streq(json_field_string(m, "type", ""), "bind"))
                        continue;
                r = attach_bind(root_fd, m, uid, gid, err);
                if (r < 0)
                        return r;
        }
        *ret = (struct rootfs_view){ .root_fd = TAKE_FD(root_fd), .hold_fd = -1 };
        return 0;
}

int local_open_rootfs(struct backend *b, struct container *c, struct rootfs_view *ret, struct error *err)
{
        bool running;
        pid_t pid;

        pthread_mutex_lock(&c->lock);
        running = container_is_running(c);
        pid = c->state.pid;
        pthread_mutex_unlock(&c->lock);

        if (running && pid > 0)
                return open_running(c, pid, ret, err);
        return open_stopped((struct local_backend *)b, c, ret, err);
}
