/* SPDX-License-Identifier: Apache-2.0 */
/* Loading the containers found on disk when the daemon starts. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>

#include "container-trash.h"
#include "container-volumes.h"
#include "daemon.h"
#include "engine-internal.h"
#include "fsutil.h"
#include "health-scheduler.h"
#include "image/image.h"
#include "jsonutil.h"
#include "log.h"
#include "namespace-modes.h"
#include "network.h"
#include "pool/backend.h"
#include "restart.h"
#include "runtime/monitor/proto.h"
#include "strv.h"
#include "unixsock.h"
#include "volumes.h"

#define CONTAINER_JSON_MAX (4u << 20)

static int load_one(struct engine *e, int parent_fd, const char *id, struct container **ret)
{
        _cleanup_json_ json_object *definition = NULL, *state = NULL;
        _cleanup_close_ int fd = openat(parent_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct container *c = NULL;
        bool lost_state;
        int r;

        if (fd < 0)
                return -errno;
        r = json_file_read(fd, "container.json", CONTAINER_JSON_MAX, &definition);
        if (r < 0)
                return r;
        r = json_file_read(fd, "state.json", CONTAINER_JSON_MAX, &state);
        if (r == -ENOMEM)
                return r;
        lost_state = r < 0 && r != -ENOENT;
        r = container_from_json(definition, lost_state ? NULL : state, &c);
        if (r < 0)
                return r;
        if (!streq(c->id, id)) {
                container_unref(c);
                return -EINVAL;
        }
        /* state.json is not synced, so only a power failure or a kernel
         * crash leaves it unreadable, and every container has ended then.
         * Recorded as running without a process, the container gets the
         * exit in its exit.json, or 255, as after a hard reboot. */
        if (lost_state) {
                log_warn("Container %s: its state.json is unreadable, so its last run is taken as ended", id);
                c->state.status = CONTAINER_RUNNING;
                c->state.pid = 0;
        }
        *ret = c;
        return 0;
}

/* Attaches the image (to keep its layers) and the backend. A container
 * whose image is gone stays listed but cannot start. */
static void bind_resources(struct engine *e, struct container *c)
{
        int r = image_store_hold_lookup(e->daemon->images, c->id, &c->image);

        if (r == -ENOENT)
                r = image_store_lookup(e->daemon->images, c->image_id, &c->image, NULL);
        if (r < 0)
                log_warn("Container %s: its image %s is missing: %s", c->id, c->image_id, strerror(-r));
        c->backend = engine_backend_for_pool(e, c->pool);
}

/* Brings a loaded container to its true state. The backend looks at every
 * container, those recorded as created or exited too, because a daemon
 * killed during a start may have left a process that it never recorded. */
static void reconcile(struct engine *e, struct container *c)
{
        enum container_status status;
        bool running;

        pthread_mutex_lock(&c->lock);
        status = c->state.status;
        pthread_mutex_unlock(&c->lock);

        if (status == CONTAINER_REMOVING || status == CONTAINER_DEAD) {
                /* The daemon stopped in the middle of a removal: finish it. */
                engine_container_remove(e, c, true, true, NULL);
                return;
        }
        c->backend->ops->restore(c->backend, c);
        /* Before exits found later tear the sandbox down. */
        network_container_restore(e, c);

        /* A shareable /dev/shm that a crash left mounted goes now, unless
         * its container still runs. */
        pthread_mutex_lock(&c->lock);
        running = container_is_running(c);
        pthread_mutex_unlock(&c->lock);
        if (!running)
                namespace_shares_release(e, c);
}

/* Tells whether a monitor listens in the exec directory name. */
static bool monitor_answers(int parent_fd, const char *name)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;

        if (asprintf(&path, "/proc/self/fd/%d/%s/%s", parent_fd, name, MONITOR_SOCKET_NAME) < 0)
                return false;
        fd = unixsock_connect(path, SOCK_SEQPACKET);
        return fd >= 0;
}

/* Removes the directories under <exec-root>/containers that belong to no
 * container, which a crash during a removal leaves. A directory whose
 * monitor still accepts connections is left alone. */
static void remove_orphan_exec_dirs(struct engine *e)
{
        _cleanup_free_ char *path = fs_path_join(e->daemon->config.exec_root, "containers");
        DIR *dir = path ? opendir(path) : NULL;
        struct dirent *de;

        if (!dir)
                return;
        while ((de = readdir(dir))) {
                struct container *c = NULL;

                if (de->d_name[0] == '.' || !id_is_hex(de->d_name, ID_LENGTH))
                        continue;
                if (engine_container_find(e, de->d_name, &c, NULL) >= 0) {
                        container_unref(c);
                        continue;
                }
                if (monitor_answers(dirfd(dir), de->d_name)) {
                        log_warn("Leaving %s/%s: its monitor runs, but no container has that ID", path, de->d_name);
                        continue;
                }
                log_info("Removing %s/%s, which belongs to no container", path, de->d_name);
                fs_rm_rf_at(dirfd(dir), de->d_name);
        }
        closedir(dir);
}

/* Releases layer holds whose container is gone (a removal that crashed
 * after deleting the container's files). */
static void release_orphan_holds(struct engine *e)
{
        _cleanup_strv_free_ char **holders = NULL;

        if (image_store_holders(e->daemon->images, &holders) < 0)
                return;
        STRV_FOREACH (holder, holders) {
                struct container *c = NULL;

                if (engine_container_find(e, *holder, &c, NULL) >= 0) {
                        container_unref(c);
                        continue;
                }
                log_info("Releasing the image layers held by removed container %s", *holder);
                image_store_release(e->daemon->images, *holder);
        }
}

int engine_restore(struct engine *e)
{
        _cleanup_close_ int fd = fcntl(e->containers_dirfd, F_DUPFD_CLOEXEC, 3);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct container **loaded = NULL;
        size_t n = 0;
        struct dirent *de;

        if (!dir)
                return -errno;
        TAKE_FD(fd);
        engine_trash_empty(e);
        while ((de = readdir(dir))) {
                struct container *c = NULL, **grown;
                int r;

                if (de->d_name[0] == '.')
                        continue;
                r = load_one(e, dirfd(dir), de->d_name, &c);
                if (r == -ENOENT) {
                        /* A directory without a definition is a create that did not finish. */
                        log_warn("Removing incomplete container directory %s", de->d_name);
                        fs_rm_rf_at(dirfd(dir), de->d_name);
                        continue;
                }
                if (r < 0) {
                        log_error_errno(r, "Skipping container %s, its files cannot be read: %m", de->d_name);
                        continue;
                }
                bind_resources(e, c);
                grown = realloc(loaded, (n + 1) * sizeof(*grown));
                if (!grown || engine_table_add(e, c, NULL) < 0) {
                        log_error("Container %s could not be loaded (duplicate name %s?)", c->id, c->name);
                        container_unref(c);
                        if (grown)
                                loaded = grown;
                        continue;
                }
                loaded = grown;
                loaded[n++] = c;
        }
        closedir(dir);

        release_orphan_holds(e);
        remove_orphan_exec_dirs(e);

        /* Exits during the restore are decided by engine_restart_at_boot,
         * once every container has its true state. */
        engine_restart_restore_begin(e);
        for (size_t i = 0; i < n; i++)
                reconcile(e, loaded[i]);
        if (!e->daemon->config.live_restore)
                engine_stop_running(e, loaded, n);
        engine_restart_restore_end(e);
        network_restore_finish(e);
        for (size_t i = 0; i < n; i++) {
                container_volumes_restore(e, loaded[i]);
                /* Running containers start their health checks afresh. */
                health_scheduler_watch(e->health, loaded[i]);
        }
        volume_store_unmount_unused(e->daemon->volumes);
        log_info("Loaded %zu containers", n);

        engine_restart_at_boot(e, loaded, n);
        engine_container_list_free(loaded, n);
        return 0;
}
