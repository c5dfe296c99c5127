/* SPDX-License-Identifier: Apache-2.0 */
/* docker cp: the archive operations on a container's filesystem, through
 * the view its backend opens (see copy.h for how paths are resolved). */
#include <fcntl.h>
#include <stdio.h>

#include "archive.h"
#include "daemon.h"
#include "engine-internal.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "ocispec-options.h"
#include "pool/backend.h"
#include "runtime/user.h"
#include "userns.h"

/* The largest /etc/passwd or /etc/group read to resolve the user of cp -a. */
#define USER_FILE_MAX (4 * 1024 * 1024)

struct container_archive {
        struct container *container;
        struct rootfs_view view;
        bool op_locked; /* op_lock is held until close: the view is of a stopped container */
        struct copy_target target;
        struct copy_path_stat stat;
        struct copy_idmaps maps;
};

static void archive_release_view(struct container *c, struct rootfs_view *view, bool op_locked)
{
        rootfs_view_close(view);
        if (op_locked)
                pthread_mutex_unlock(&c->op_lock);
}

/* Opens the container's filesystem. For a stopped container op_lock stays
 * held (*ret_op_locked), so that it cannot start with a second overlay on
 * its writable layer until the view is closed. */
static int open_view(struct container *c, struct rootfs_view *ret, bool *ret_op_locked, struct error *err)
{
        int r;

        if (!c->backend->ops->open_rootfs)
                return error_set(err, -EOPNOTSUPP,
                                 "copying files to or from containers of the %s backend is not "
                                 "supported",
                                 c->backend->ops->name);
        pthread_mutex_lock(&c->op_lock);
        r = c->backend->ops->open_rootfs(c->backend, c, ret, err);
        if (r < 0 || ret->running)
                pthread_mutex_unlock(&c->op_lock);
        if (r < 0)
                return r;
        *ret_op_locked = !ret->running;
        return 0;
}

static struct copy_idmaps container_idmaps(struct engine *e, struct container *c)
{
        const struct userns_remap *remap = e->daemon->userns_remap;
        bool remapped;

        pthread_mutex_lock(&c->lock);
        remapped = userns_container_remapped(remap, c->host_config);
        pthread_mutex_unlock(&c->lock);
        if (!remapped)
                return (struct copy_idmaps){ 0 };
        return (struct copy_idmaps){ .uids = &remap->uids, .gids = &remap->gids };
}

/* The messages of dockerd for a failed stat; -ENOENT has none, since the
 * API layer names the container as the client named it. */
static int stat_error(int r, const char *path, struct error *err)
{
        if (r == -ENOENT)
                return r;
        if (r == -EINVAL)
                return error_set(err, r, "bad parameter: path cannot be empty");
        return error_set(err, r == -ENOMEM ? r : -EIO, "lstat %s: %s", path, strerror(-r));
}

int engine_container_archive_stat(struct engine *e, struct container *c, const char *path, struct copy_path_stat *ret,
                                  struct error *err)
{
        struct container_archive *ar = NULL;
        int r;

        r = engine_container_archive_open(e, c, path, &ar, err);
        if (r < 0)
                return r;
        *ret = ar->stat;
        ar->stat = (struct copy_path_stat){ 0 };
        engine_container_archive_close(ar);
        return 0;
}

int engine_container_archive_open(struct engine *e, struct container *c, const char *path,
                                  struct container_archive **ret, struct error *err)
{
        struct container_archive *ar;
        int r;

        if (isempty(path))
                return stat_error(-EINVAL, "", err);
        ar = calloc(1, sizeof(*ar));
        if (!ar)
                return -ENOMEM;
        ar->container = container_ref(c);
        ar->view = (struct rootfs_view){ .root_fd = -1, .hold_fd = -1 };
        ar->target = (struct copy_target){ .parent_fd = -1, .fd = -1 };
        ar->maps = container_idmaps(e, c);

        r = open_view(c, &ar->view, &ar->op_locked, err);
        if (r >= 0) {
                r = copy_stat_path(ar->view.root_fd, path, &ar->target, &ar->stat);
                if (r < 0)
                        r = stat_error(r, path, err);
        }
        if (r < 0) {
                engine_container_archive_close(ar);
                return r;
        }
        *ret = ar;
        return 0;
}

const struct copy_path_stat *engine_container_archive_path_stat(const struct container_archive *ar)
{
        return &ar->stat;
}

int engine_container_archive_write(struct container_archive *ar, copy_write_fn write, void *userdata, struct error *err)
{
        return copy_tar_write(&ar->target, ar->stat.name, &ar->maps, write, userdata, err);
}

void engine_container_archive_close(struct container_archive *ar)
{
        if (!ar)
                return;
        copy_target_clear(&ar->target);
        copy_path_stat_clear(&ar->stat);
        archive_release_view(ar->container, &ar->view, ar->op_locked);
        container_unref(ar->container);
        free(ar);
}

/* Finds the mount that contains path (a resolved absolute path in the
 * container), the deepest one when they nest. Returns NULL for the root
 * filesystem. */
static json_object *mount_of(json_object *mounts, const char *path, bool running)
{
        json_object *found = NULL;
        size_t found_len = 0;

        for (size_t i = 0; i < json_object_array_length(mounts); i++) {
                json_object *m = json_object_array_get_idx(mounts, i);
                const char *destination = json_field_string(m, "destination", "");
                const char *rest = startswith(path, destination);
                size_t len = strlen(destination);

                /* A tmpfs exists only while the container runs. */
                if (!running && streq(json_field_string(m, "type", ""), "tmpfs"))
                        continue;
                if (!rest || (*rest && *rest != '/' && !endswith(destination, "/")) || len < found_len)
                        continue;
                found = m;
                found_len = len;
        }
        return found;
}

static bool mount_read_only(json_object *mount)
{
        json_object *options = json_field_array(mount, "options");

        for (size_t i = 0; options && i < json_object_array_length(options); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(options, i)), "ro"))
                        return true;
        return false;
}

/* dockerd's checks of the destination's filesystem: a read-only mount,
 * or a read-only root filesystem when the path is on no mount. */
static int check_writable(struct container *c, const char *path, bool running, struct error *err)
{
        _cleanup_json_ json_object *mounts = json_object_new_array();
        json_object *mount;
        bool readonly_rootfs;
        int r;

        if (!mounts)
                return -ENOMEM;
        pthread_mutex_lock(&c->lock);
        r = ocispec_add_user_mounts(mounts, c->host_config, c->mounts, err);
        readonly_rootfs = json_field_bool(c->host_config, "ReadonlyRootfs", false);
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;

        mount = mount_of(mounts, path, running);
        if (mount && mount_read_only(mount))
                return error_set(err, -EROFS, "mounted volume is marked read-only");
        if (!mount && readonly_rootfs)
                return error_set(err, -EROFS, "container rootfs is marked read-only");
        return 0;
}

/* Reads a file of the container, never through a symbolic link the
 * container could swap in. Leaves *ret NULL when there is none, as the
 * runtime treats a missing /etc/passwd. */
static void read_container_file(int root_fd, const char *path, char **ret)
{
        struct copy_target t = { .parent_fd = -1, .fd = -1 };
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        ssize_t n;

        *ret = NULL;
        if (copy_resolve(root_fd, path, COPY_FOLLOW_FINAL, 0, 0, &t) >= 0 && t.fd >= 0 && t.parent_fd >= 0)
                fd = openat(t.parent_fd, t.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        copy_target_clear(&t);
        buf = malloc(USER_FILE_MAX + 1);
        if (fd < 0 || !buf)
                return;
        n = fs_read_all(fd, buf, USER_FILE_MAX);
        if (n < 0)
                return;
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
}

/* cp -a: dockerd gives the files to the container's user when it has one
 * (Config.User), which is resolved in the container's own /etc/passwd and
 * /etc/group. NOTE: dockerd 20.10 looks the user up on the host instead,
 * and fails for a user the host lacks. */
static int resolve_copy_user(struct engine *e, struct container *c, int root_fd, struct copy_extract_options *opts,
                             struct error *err)
{
        _cleanup_free_ char *user = NULL, *passwd = NULL, *group = NULL;
        struct runtime_exec_user u = { 0 };
        int64_t uid, gid;
        int r;

        pthread_mutex_lock(&c->lock);
        user = strdup(json_field_string(c->config, "User", ""));
        pthread_mutex_unlock(&c->lock);
        if (!user)
                return -ENOMEM;
        if (isempty(user))
                return 0;

        read_container_file(root_fd, "/etc/passwd", &passwd);
        read_container_file(root_fd, "/etc/group", &group);
        r = runtime_user_resolve(user, passwd, group, &u, err);
        if (r < 0)
                return r;
        uid = opts->maps.uids ? userns_idmap_to_host(opts->maps.uids, u.uid) : u.uid;
        gid = opts->maps.gids ? userns_idmap_to_host(opts->maps.gids, u.gid) : u.gid;
        runtime_exec_user_done(&u);
        if (uid < 0 || gid < 0)
                return error_set(err, -EINVAL, "the user %s of container %s has no id on the host", user, c->id);
        opts->chown_to_user = true;
        opts->uid = (uid_t)uid;
        opts->gid = (gid_t)gid;
        (void)e;
        return 0;
}

static int extract_options(struct engine *e, struct container *c, int root_fd, const struct engine_extract_request *req,
                           struct copy_extract_options *ret, struct error *err)
{
        const struct userns_remap *remap = e->daemon->userns_remap;

        *ret = (struct copy_extract_options){
                .no_overwrite_dir_non_dir = req->no_overwrite_dir_non_dir,
                .maps = container_idmaps(e, c),
        };
        if (ret->maps.uids) {
                ret->root_uid = remap->root_uid;
                ret->root_gid = remap->root_gid;
        }
        if (req->copy_uid_gid)
                return resolve_copy_user(e, c, root_fd, ret, err);
        return 0;
}

/* Resolves the destination, which must be a directory (its last
 * component followed), and checks that it may be written. */
static int resolve_destination(struct container *c, const struct rootfs_view *view, const char *path,
                               struct copy_target *ret, struct error *err)
{
        _cleanup_free_ char *abs_path = NULL;
        struct stat st;
        int r;

        r = copy_clean_path(path, &abs_path);
        if (r == -EINVAL)
                return error_set(err, r, "bad parameter: path cannot be empty");
        if (r >= 0)
                r = copy_resolve(view->root_fd, abs_path, COPY_FOLLOW_FINAL, 0, 0, ret);
        if (r >= 0 && ret->fd < 0)
                r = -ENOENT;
        if (r < 0)
                return r == -ENOENT ? r : error_set(err, r, "lstat %s: %s", path, strerror(-r));
        if (fstat(ret->fd, &st) < 0)
                return error_set_errno(err, -errno, "lstat %s", path);
        if (!S_ISDIR(st.st_mode))
                return error_set(err, -ENOTDIR, "extraction point is not a directory");
        if (ret->pseudo)
                return error_set(err, -EROFS, "extraction point %s is on a kernel filesystem", ret->path);
        return check_writable(c, ret->path, view->running, err);
}

int engine_container_extract(struct engine *e, struct container *c, const char *path, int fd,
                             const struct engine_extract_request *req, struct error *err)
{
        struct rootfs_view view = { .root_fd = -1, .hold_fd = -1 };
        struct copy_target dest = { .parent_fd = -1, .fd = -1 };
        struct copy_extract_options opts;
        bool op_locked = false;
        int r;

        if (isempty(path))
                return error_set(err, -EINVAL, "bad parameter: path cannot be empty");
        r = open_view(c, &view, &op_locked, err);
        if (r < 0)
                return r;

        r = resolve_destination(c, &view, path, &dest, err);
        if (r >= 0)
                r = extract_options(e, c, view.root_fd, req, &opts, err);
        if (r >= 0) {
                r = copy_extract(view.root_fd, dest.path, fd, &opts, err);
                /* dockerd reports every failure of the extraction as its
                 * tar process's, with status 500. */
                if (r < 0 && r != -ENOMEM) {
                        error_prefix(err, r, "Error processing tar file(exit status 1)");
                        if (err)
                                err->code = -EIO;
                        r = -EIO;
                }
        }
        copy_target_clear(&dest);
        archive_release_view(c, &view, op_locked);
        return r;
}
