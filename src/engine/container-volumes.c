/* SPDX-License-Identifier: Apache-2.0 */
/* The volumes of a container through its life: decided and created at
 * create, mounted at start, released at removal. */
#include "container-volumes.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>

#include "binds.h"
#include "daemon.h"
#include "fsutil.h"
#include "engine-internal.h"
#include "image/image.h"
#include "image/layerstack.h"
#include "jsonutil.h"
#include "log.h"
#include "mounts.h"
#include "userns.h"
#include "volumes.h"

static struct volume_store *store_of(struct engine *e)
{
        return engine_daemon(e)->volumes;
}

/* ---- Create ---- */

static void from_list_clear(struct mounts_from *from, size_t n)
{
        for (size_t i = 0; i < n; i++)
                json_object_put(from[i].mount_points);
        free(from);
}

/* Copies the mount points of each VolumesFrom container. */
static int collect_from(struct engine *e, json_object *host_config, struct mounts_from **ret, size_t *ret_n,
                        struct error *err)
{
        json_object *specs = json_field_array(host_config, "VolumesFrom");
        size_t n = specs ? json_object_array_length(specs) : 0;
        struct mounts_from *from = calloc(n + 1, sizeof(*from));
        int r = 0;

        if (!from)
                return -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_free_ char *name = NULL;
                struct container *source = NULL;

                r = volumes_from_parse(json_object_get_string(json_object_array_get_idx(specs, i)), &name, &from[i].rw,
                                       err);
                if (r >= 0)
                        r = engine_container_find(e, name, &source, err);
                /* dockerd returns 400 here, and a 404 would make the CLI pull the image. */
                if (r == -ENOENT)
                        r = -EINVAL;
                if (r < 0)
                        break;
                pthread_mutex_lock(&source->lock);
                from[i].mount_points = json_object_get(source->mounts);
                pthread_mutex_unlock(&source->lock);
                container_unref(source);
        }
        if (r < 0) {
                from_list_clear(from, n);
                return r;
        }
        *ret = from;
        *ret_n = n;
        return 0;
}

int container_volumes_build(struct engine *e, struct container *c, struct error *err)
{
        struct mounts_from *from = NULL;
        size_t n_from = 0;
        int r;

        r = collect_from(e, c->host_config, &from, &n_from, err);
        if (r < 0)
                return r;
        r = mounts_build(c->config, c->host_config, from, n_from, engine_daemon(e)->config.data_root, &c->mounts, err);
        from_list_clear(from, n_from);
        return r;
}

/* Creates the volume of one mount point, or references the existing one. */
static int attach_one(struct engine *e, struct container *c, json_object *m, struct error *err)
{
        json_object *options = json_field_object(m, "VolumeOptions");
        struct volume_create create = {
                .name = json_field_string(m, "Name", ""),
                .driver = json_field_string(options, "Driver", ""),
                .options = json_field_object(options, "Options"),
                .labels = json_field_object(options, "Labels"),
                .container = c->id,
        };
        _cleanup_free_ char *name = NULL, *path = NULL;
        int r;

        /* dockerd looks up the volumes of --volumes-from, which sends no
         * create event. */
        if (json_field_bool(m, "Existing", false)) {
                r = volume_store_acquire(store_of(e), create.name, c->id, err);
                name = r >= 0 ? strdup(create.name) : NULL;
                if (r >= 0 && !name)
                        r = -ENOMEM;
        } else {
                r = volume_store_create(store_of(e), &create, &name, err);
        }
        /* dockerd returns 404 for an unknown driver, which the CLI of
         * docker run would take for a missing image and pull. */
        if (r == -ENOENT)
                r = -EINVAL;
        if (r < 0)
                return r;
        path = volume_store_data_path(store_of(e), name);
        if (!path)
                return -ENOMEM;
        json_set_string(m, "Name", name);
        json_set_string(m, "Source", path);
        json_object_object_del(m, "VolumeOptions");
        return 0;
}

static bool dir_is_empty(int fd)
{
        int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        DIR *dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
        struct dirent *de;
        bool empty = true;

        if (!dir) {
                if (dup_fd >= 0)
                        close(dup_fd);
                return false;
        }
        while (empty && (de = readdir(dir)))
                empty = streq(de->d_name, ".") || streq(de->d_name, "..");
        closedir(dir);
        return empty;
}

static void map_owner_to_host(uid_t *uid, gid_t *gid, void *userdata)
{
        const struct userns_remap *remap = userdata;
        int64_t u = userns_idmap_to_host(&remap->uids, *uid), g = userns_idmap_to_host(&remap->gids, *gid);

        *uid = u < 0 ? 65534 : (uid_t)u;
        *gid = g < 0 ? 65534 : (gid_t)g;
}

/* Copies the image's directory at the mount point's destination into its
 * volume when the volume is empty. */
static void close_image_layers(struct layerstack_layer *layers, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (layers[i].fd >= 0)
                        close(layers[i].fd);
        free(layers);
}

/* Opens the image's layers for layerstack, topmost first. */
static int open_image_layers(struct container *c, struct layerstack_layer **ret, size_t *ret_n)
{
        struct layerstack_layer *layers;
        size_t n = 0;

        for (char **dir = c->image->layer_dirs; dir && *dir; dir++)
                n++;
        layers = calloc(n + 1, sizeof(*layers));
        if (!layers)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                layers[i].fd = -1;
        for (size_t i = 0; i < n; i++) {
                layers[i].fd = open(c->image->layer_dirs[n - 1 - i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (layers[i].fd < 0) {
                        int r = -errno;

                        close_image_layers(layers, n);
                        return r;
                }
        }
        *ret = layers;
        *ret_n = n;
        return 0;
}

/* Copies the image's directory at the mount point's destination into its
 * volume when the volume is empty, as dockerd does at create. A volume
 * over a file of the image is an error, as in dockerd. */
static int copy_image_files(struct engine *e, struct container *c, json_object *m, struct error *err)
{
        const struct userns_remap *remap = engine_daemon(e)->userns_remap;
        const char *destination = json_field_string(m, "Destination", "");
        _cleanup_close_ int dest_fd = -1;
        struct layerstack_layer *layers = NULL;
        struct layerstack fs;
        bool copy;
        size_t n = 0;
        int r;

        if (!c->image)
                return 0;
        /* NOTE: a volume with mount options (a tmpfs, say) is mounted only
         * while a container runs, so it gets no files here. dockerd copies
         * them into a mount that goes away with its last user anyway. */
        copy = json_field_bool(m, "CopyData", false) &&
               !volume_store_needs_mount(store_of(e), json_field_string(m, "Name", ""));
        if (copy) {
                dest_fd = open(json_field_string(m, "Source", ""), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dest_fd < 0)
                        return error_set_errno(err, -errno, "opening volume %s failed",
                                               json_field_string(m, "Name", ""));
                if (!dir_is_empty(dest_fd)) {
                        close(dest_fd);
                        dest_fd = -1;
                }
        }

        r = open_image_layers(c, &layers, &n);
        if (r < 0)
                return error_set_errno(err, r, "opening the layers of image %s failed", c->image_id);
        fs = (struct layerstack){ .layers = layers, .n_layers = n };
        r = layerstack_copy_dir(&fs, destination, dest_fd,
                                userns_container_remapped(remap, c->host_config) ? map_owner_to_host : NULL,
                                (void *)remap, err);
        close_image_layers(layers, n);
        if (r == -ENOTDIR)
                return error_set(err, -EINVAL, "cannot mount volume over existing file, file exists %s", destination);
        if (r < 0 && r != -ENOENT)
                return error_prefix(err, r, "copying the image's files at %s into a volume failed", destination);
        return 0;
}

int container_volumes_attach(struct engine *e, struct container *c, struct error *err)
{
        json_object *points = c->mounts;
        int r = 0;

        for (size_t i = 0; points && i < json_object_array_length(points) && r >= 0; i++) {
                json_object *m = json_object_array_get_idx(points, i);

                if (!streq(json_field_string(m, "Type", ""), "volume"))
                        continue;
                r = attach_one(e, c, m, err);
                if (r >= 0)
                        r = copy_image_files(e, c, m, err);
        }
        if (r < 0)
                container_volumes_detach(e, c, true);
        return r;
}

void container_volumes_detach(struct engine *e, struct container *c, bool remove_anonymous)
{
        json_object *points = c->mounts;

        for (size_t i = 0; points && i < json_object_array_length(points); i++) {
                json_object *m = json_object_array_get_idx(points, i);
                const char *name = json_field_string(m, "Name", "");
                _cleanup_error_ struct error err = ERROR_INIT;
                int r;

                if (!mounts_is_volume(m))
                        continue;
                volume_store_release(store_of(e), name, c->id);
                if (!remove_anonymous || !json_field_bool(m, "Anonymous", false))
                        continue;
                /* Another container may use it (--volumes-from): it stays. */
                r = volume_store_remove(store_of(e), name, false, &err);
                if (r < 0 && r != -EBUSY && r != -ENOENT)
                        log_warn("Failed to remove volume %s of container %s: %s", name, c->id, error_message(&err, r));
        }
}

/* ---- Start and end ---- */

/* Sends dockerd's volume events of a start ("mount") and an end ("unmount"). */
static void emit_mount_event(struct engine *e, struct container *c, json_object *m, const char *action)
{
        char *const mount_attributes[] = {
                "driver",      "local",
                "container",   c->id,
                "destination", (char *)json_field_string(m, "Destination", ""),
                "read/write",  json_field_bool(m, "RW", true) ? "true" : "false",
                "propagation", (char *)json_field_string(m, "Propagation", ""),
                NULL,
        };
        char *const unmount_attributes[] = { "driver", "local", "container", c->id, NULL };

        volume_store_emit(store_of(e), json_field_string(m, "Name", ""), action,
                          streq(action, "mount") ? mount_attributes : unmount_attributes);
}

static bool wants_propagation(json_object *points)
{
        for (size_t i = 0; points && i < json_object_array_length(points); i++) {
                const char *propagation = json_field_string(json_object_array_get_idx(points, i), "Propagation", "");

                if (strstr(propagation, "shared") || strstr(propagation, "slave"))
                        return true;
        }
        return false;
}

/* Reads the host's mounts only for a container with a shared or slave bind. */
static int check_bind_propagation(json_object *points, struct error *err)
{
        _cleanup_close_ int proc_fd = -1;
        _cleanup_free_ char *mountinfo = NULL;
        int r;

        if (!wants_propagation(points))
                return 0;
        proc_fd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd < 0)
                return error_set_errno(err, -errno, "opening /proc/self failed");
        r = fs_read_file_at(proc_fd, "mountinfo", 64u << 20, &mountinfo, NULL);
        if (r < 0)
                return error_set_errno(err, r, "reading /proc/self/mountinfo failed");
        return mounts_check_propagation(points, mountinfo, err);
}

int container_volumes_mount(struct engine *e, struct container *c, struct error *err)
{
        json_object *points;
        int r = 0;

        pthread_mutex_lock(&c->lock);
        points = json_object_get(c->mounts);
        pthread_mutex_unlock(&c->lock);
        r = check_bind_propagation(points, err);
        for (size_t i = 0; points && i < json_object_array_length(points) && r >= 0; i++) {
                json_object *m = json_object_array_get_idx(points, i);

                if (!mounts_is_volume(m))
                        continue;
                r = volume_store_mount(store_of(e), json_field_string(m, "Name", ""), c->id, err);
                if (r >= 0)
                        emit_mount_event(e, c, m, "mount");
        }
        json_object_put(points);
        if (r < 0)
                container_volumes_unmount(e, c);
        return r;
}

void container_volumes_unmount(struct engine *e, struct container *c)
{
        json_object *points;

        pthread_mutex_lock(&c->lock);
        points = json_object_get(c->mounts);
        pthread_mutex_unlock(&c->lock);
        for (size_t i = 0; points && i < json_object_array_length(points); i++) {
                json_object *m = json_object_array_get_idx(points, i);

                if (!mounts_is_volume(m))
                        continue;
                volume_store_unmount(store_of(e), json_field_string(m, "Name", ""), c->id);
                emit_mount_event(e, c, m, "unmount");
        }
        json_object_put(points);
}

void container_volumes_restore(struct engine *e, struct container *c)
{
        json_object *points = c->mounts;
        bool running, removed;

        pthread_mutex_lock(&c->lock);
        running = container_is_running(c);
        removed = c->state.removed;
        pthread_mutex_unlock(&c->lock);
        if (removed)
                return;
        for (size_t i = 0; points && i < json_object_array_length(points); i++) {
                json_object *m = json_object_array_get_idx(points, i);
                const char *name = json_field_string(m, "Name", "");
                _cleanup_error_ struct error err = ERROR_INIT;

                if (!mounts_is_volume(m))
                        continue;
                if (volume_store_acquire(store_of(e), name, c->id, &err) < 0) {
                        log_warn("Container %s: its volume %s is missing", c->id, name);
                        continue;
                }
                if (running)
                        volume_store_mount_restored(store_of(e), name, c->id);
        }
}

void engine_volume_event(const char *name, const char *action, char *const *attributes, void *userdata)
{
        engine_event_emit(userdata, "volume", action, name, attributes);
}
