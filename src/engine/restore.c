/* SPDX-License-Identifier: Apache-2.0 */
/* Loading the containers found on disk when the daemon starts. */
#include <dirent.h>
#include <fcntl.h>

#include "container-volumes.h"
#include "daemon.h"
#include "engine-internal.h"
#include "fsutil.h"
#include "image/image.h"
#include "jsonutil.h"
#include "log.h"
#include "pool/backend.h"
#include "strv.h"
#include "volumes.h"

#define CONTAINER_JSON_MAX (4u << 20)

static int load_one(struct engine *e, int parent_fd, const char *id, struct container **ret)
{
        _cleanup_json_ json_object *definition = NULL, *state = NULL;
        _cleanup_close_ int fd = openat(parent_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct container *c = NULL;
        int r;

        if (fd < 0)
                return -errno;
        r = json_file_read(fd, "container.json", CONTAINER_JSON_MAX, &definition);
        if (r < 0)
                return r;
        r = json_file_read(fd, "state.json", CONTAINER_JSON_MAX, &state);
        if (r < 0 && r != -ENOENT)
                return r;
        r = container_from_json(definition, state, &c);
        if (r < 0)
                return r;
        if (!streq(c->id, id)) {
                container_unref(c);
                return -EINVAL;
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

/* Brings a loaded container to its true state. */
static void reconcile(struct engine *e, struct container *c)
{
        enum container_status status;

        pthread_mutex_lock(&c->lock);
        status = c->state.status;
        pthread_mutex_unlock(&c->lock);

        switch (status) {
        case CONTAINER_RUNNING:
        case CONTAINER_PAUSED:
        case CONTAINER_RESTARTING:
                c->backend->ops->restore(c->backend, c);
                break;
        case CONTAINER_REMOVING:
        case CONTAINER_DEAD:
                /* The daemon stopped in the middle of a removal: finish it. */
                engine_container_remove(e, c, true, true, NULL);
                break;
        default:
                break;
        }
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
        for (size_t i = 0; i < n; i++)
                reconcile(e, loaded[i]);
        for (size_t i = 0; i < n; i++)
                container_volumes_restore(e, loaded[i]);
        volume_store_unmount_unused(e->daemon->volumes);
        log_info("Loaded %zu containers", n);
        engine_container_list_free(loaded, n);
        return 0;
}
