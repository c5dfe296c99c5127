/* SPDX-License-Identifier: Apache-2.0 */
#include "engine-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "create-options.h"
#include "daemon.h"
#include "events.h"
#include "exec.h"
#include "fsutil.h"
#include "health-scheduler.h"
#include "idutil.h"
#include "image/image.h"
#include "jsonutil.h"
#include "log.h"
#include "network-internal.h"
#include "pool/backend.h"
#include "restart.h"

#define CONTAINER_JSON_MAX (4u << 20)

int engine_new(struct daemon *daemon, struct engine **ret, struct error *err)
{
        _cleanup_free_ char *dir = fs_path_join(daemon->config.data_root, "containers");
        struct engine *e;
        int r;

        if (!dir)
                return -ENOMEM;
        r = fs_mkdir_p(dir, 0710);
        if (r < 0)
                return error_set_errno(err, r, "creating %s failed", dir);

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->daemon = daemon;
        pthread_rwlock_init(&e->lock, NULL);
        e->containers_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (e->containers_dirfd < 0) {
                r = error_set_errno(err, -errno, "opening %s failed", dir);
                engine_free(e);
                return r;
        }
        r = exec_table_new(&e->execs);
        if (r < 0) {
                engine_free(e);
                return r;
        }
        r = restart_scheduler_new(e, &e->restarts);
        if (r < 0) {
                engine_free(e);
                return error_set_errno(err, r, "starting the restart manager failed");
        }
        r = event_bus_new(&e->events);
        if (r < 0) {
                engine_free(e);
                return r;
        }
        r = health_scheduler_new(e, &e->health);
        if (r < 0) {
                engine_free(e);
                return error_set_errno(err, r, "starting the health checker failed");
        }

        r = local_backend_new(e, &e->local, err);
        if (r < 0) {
                engine_free(e);
                return r;
        }
        r = network_store_open(e, &e->networks, err);
        if (r < 0) {
                engine_free(e);
                return r;
        }
        *ret = e;
        return 0;
}

struct network_store *engine_network_store(struct engine *e)
{
        return e->networks;
}

void engine_free(struct engine *e)
{
        if (!e)
                return;
        /* Before the event bus and the backend, which a restart or a
         * health probe in progress uses. */
        restart_scheduler_free(e->restarts);
        health_scheduler_free(e->health);
        /* Stops the DNS server, whose lookups read the store. */
        network_store_free(e->networks);
        /* First, so that no reader of GET /events waits on a freed engine. */
        event_bus_free(e->events);
        for (size_t i = 0; i < e->n_containers; i++)
                if (e->containers[i]->backend)
                        e->containers[i]->backend->ops->forget(e->containers[i]->backend, e->containers[i]);
        if (e->local)
                e->local->ops->free(e->local);
        exec_table_free(e->execs);
        engine_container_list_free(e->containers, e->n_containers);
        if (e->containers_dirfd >= 0)
                close(e->containers_dirfd);
        pthread_rwlock_destroy(&e->lock);
        free(e);
}

struct daemon *engine_daemon(struct engine *e)
{
        return e->daemon;
}

struct backend *engine_backend_for_pool(struct engine *e, const char *pool)
{
        /* NOTE: only the local pool exists so far; other pool names fall back to it. */
        return e->local;
}

/* Returns the data directory of the container with this full ID (newly
 * allocated). */
static char *data_dir_for_id(struct engine *e, const char *id)
{
        char *path = NULL;

        if (asprintf(&path, "%s/containers/%s", e->daemon->config.data_root, id) < 0)
                return NULL;
        return path;
}

char *engine_container_data_dir(struct engine *e, const struct container *c)
{
        return data_dir_for_id(e, c->id);
}

char *engine_container_etc_dir(struct engine *e, const struct container *c)
{
        const char *donor = create_mode_container(json_field_string(c->host_config, "NetworkMode", ""));

        /* create stores the donor by its full ID. */
        if (!donor || strlen(donor) != ID_LENGTH || !id_is_hex(donor, ID_LENGTH))
                return data_dir_for_id(e, c->id);
        return data_dir_for_id(e, donor);
}

char *engine_container_exec_dir(struct engine *e, const struct container *c)
{
        char *path = NULL;

        if (asprintf(&path, "%s/containers/%s", e->daemon->config.exec_root, c->id) < 0)
                return NULL;
        return path;
}

static int open_container_dir(struct engine *e, const struct container *c)
{
        int fd = openat(e->containers_dirfd, c->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

int engine_container_save_definition(struct engine *e, struct container *c)
{
        _cleanup_json_ json_object *obj = container_definition_to_json(c);
        _cleanup_close_ int dirfd = open_container_dir(e, c);

        if (dirfd < 0)
                return dirfd;
        return json_file_write_atomic(dirfd, "container.json", obj, 0600);
}

static int save_state(struct engine *e, struct container *c, bool synced)
{
        _cleanup_json_ json_object *obj = container_state_to_json(&c->state);
        _cleanup_close_ int dirfd = open_container_dir(e, c);
        int r;

        if (dirfd < 0)
                return dirfd;
        r = synced ? json_file_write_atomic(dirfd, "state.json", obj, 0600)
                   : json_file_replace(dirfd, "state.json", obj, 0600);
        if (r < 0)
                log_error_errno(r, "Failed to save the state of container %s: %m", c->id);
        return r;
}

/* Most of state.json describes processes, which a power failure ends
 * anyway, so it is not synced: restore checks every container's process
 * and loads an empty or unreadable state.json as no state. */
int engine_container_save_state(struct engine *e, struct container *c)
{
        return save_state(e, c, false);
}

int engine_container_save_state_synced(struct engine *e, struct container *c)
{
        return save_state(e, c, true);
}

void engine_container_notify(struct container *c)
{
        pthread_cond_broadcast(&c->changed);
}

/* ---- The table ---- */

struct container *engine_table_find_name(struct engine *e, const char *name)
{
        for (size_t i = 0; i < e->n_containers; i++)
                if (streq(e->containers[i]->name, name))
                        return e->containers[i];
        return NULL;
}

int engine_table_add(struct engine *e, struct container *c, struct error *err)
{
        struct container *holder;

        pthread_rwlock_wrlock(&e->lock);
        holder = engine_table_find_name(e, c->name);
        if (holder) {
                int r = error_set(err, -EEXIST,
                                  "Conflict. The container name \"%s\" is already in use by container \"%s\". You "
                                  "have to remove (or rename) that container to be able to reuse that name.",
                                  c->name, holder->id);
                pthread_rwlock_unlock(&e->lock);
                return r;
        }
        if (e->n_containers == e->allocated) {
                size_t n = e->allocated ? e->allocated * 2 : 64;
                struct container **grown = realloc(e->containers, n * sizeof(*grown));

                if (!grown) {
                        pthread_rwlock_unlock(&e->lock);
                        return -ENOMEM;
                }
                e->containers = grown;
                e->allocated = n;
        }
        e->containers[e->n_containers++] = container_ref(c);
        pthread_rwlock_unlock(&e->lock);
        return 0;
}

void engine_table_remove(struct engine *e, struct container *c)
{
        bool found = false;

        pthread_rwlock_wrlock(&e->lock);
        for (size_t i = 0; i < e->n_containers; i++) {
                if (e->containers[i] != c)
                        continue;
                memmove(&e->containers[i], &e->containers[i + 1], (e->n_containers - i - 1) * sizeof(c));
                e->n_containers--;
                found = true;
                break;
        }
        pthread_rwlock_unlock(&e->lock);
        if (found)
                container_unref(c);
}

/* Docker's lookup order: full ID, then exact name, then unique ID prefix. */
static int find_locked(struct engine *e, const char *ref, struct container **ret, struct error *err)
{
        _cleanup_free_ char *name = NULL;
        struct container *match = NULL;

        for (size_t i = 0; i < e->n_containers; i++)
                if (streq(e->containers[i]->id, ref)) {
                        *ret = container_ref(e->containers[i]);
                        return 0;
                }

        if (asprintf(&name, "%s%s", ref[0] == '/' ? "" : "/", ref) < 0)
                return -ENOMEM;
        match = engine_table_find_name(e, name);
        if (match) {
                *ret = container_ref(match);
                return 0;
        }

        if (id_is_prefix(ref)) {
                for (size_t i = 0; i < e->n_containers; i++) {
                        if (!startswith(e->containers[i]->id, ref))
                                continue;
                        if (match)
                                return error_set(err, -EINVAL, "Multiple IDs found with provided prefix: %s", ref);
                        match = e->containers[i];
                }
                if (match) {
                        *ret = container_ref(match);
                        return 0;
                }
        }
        return error_set(err, -ENOENT, "No such container: %s", ref);
}

int engine_container_find(struct engine *e, const char *ref, struct container **ret, struct error *err)
{
        int r;

        if (isempty(ref))
                return error_set(err, -ENOENT, "No such container: %s", ref ? ref : "");
        pthread_rwlock_rdlock(&e->lock);
        r = find_locked(e, ref, ret, err);
        pthread_rwlock_unlock(&e->lock);
        return r;
}

static int compare_newest_first(const void *a, const void *b)
{
        const struct container *ca = *(struct container *const *)a, *cb = *(struct container *const *)b;

        if (ca->created_ns != cb->created_ns)
                return ca->created_ns > cb->created_ns ? -1 : 1;
        return strcmp(ca->id, cb->id);
}

int engine_container_list(struct engine *e, struct container ***ret, size_t *ret_count)
{
        struct container **list;
        size_t n;

        pthread_rwlock_rdlock(&e->lock);
        n = e->n_containers;
        list = calloc(n + 1, sizeof(*list));
        if (!list) {
                pthread_rwlock_unlock(&e->lock);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                list[i] = container_ref(e->containers[i]);
        pthread_rwlock_unlock(&e->lock);

        qsort(list, n, sizeof(*list), compare_newest_first);
        *ret = list;
        *ret_count = n;
        return 0;
}

void engine_container_list_free(struct container **list, size_t count)
{
        for (size_t i = 0; i < count; i++)
                container_unref(list[i]);
        free(list);
}

void engine_container_counts(struct engine *e, size_t *ret_running, size_t *ret_paused, size_t *ret_stopped)
{
        size_t running = 0, paused = 0, stopped = 0;

        pthread_rwlock_rdlock(&e->lock);
        for (size_t i = 0; i < e->n_containers; i++) {
                struct container *c = e->containers[i];

                pthread_mutex_lock(&c->lock);
                if (c->state.status == CONTAINER_RUNNING || c->state.status == CONTAINER_RESTARTING)
                        running++;
                else if (c->state.status == CONTAINER_PAUSED)
                        paused++;
                else
                        stopped++;
                pthread_mutex_unlock(&c->lock);
        }
        pthread_rwlock_unlock(&e->lock);
        *ret_running = running;
        *ret_paused = paused;
        *ret_stopped = stopped;
}

static bool image_used(struct engine *e, const char *image_id, bool running_only, char *ret_container)
{
        bool used = false;

        pthread_rwlock_rdlock(&e->lock);
        for (size_t i = 0; i < e->n_containers && !used; i++) {
                struct container *c = e->containers[i];

                if (!streq(c->image_id, image_id))
                        continue;
                if (running_only) {
                        pthread_mutex_lock(&c->lock);
                        used = container_is_running(c) || c->state.status == CONTAINER_RESTARTING;
                        pthread_mutex_unlock(&c->lock);
                } else {
                        used = true;
                }
                if (used)
                        memcpy(ret_container, c->id, ID_LENGTH + 1);
        }
        pthread_rwlock_unlock(&e->lock);
        return used;
}

bool engine_image_in_use(const char *image_id, char *ret_container, void *userdata)
{
        return image_used(userdata, image_id, false, ret_container);
}

bool engine_image_running(const char *image_id, char *ret_container, void *userdata)
{
        return image_used(userdata, image_id, true, ret_container);
}
