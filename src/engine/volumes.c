/* SPDX-License-Identifier: Apache-2.0 */
/* The volume store: volumes on disk, their references and mounts. */
#include "volumes.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "idutil.h"
#include "jsonutil.h"
#include "log.h"
#include "strv.h"
#include "timeutil.h"
#include "volumes-internal.h"

#define VOLUME_JSON      "volume.json"
#define VOLUME_JSON_MAX  (1u << 20)
#define STAGING_TEMPLATE ".staging-XXXXXX"

void volume_free(struct volume *v)
{
        if (!v)
                return;
        free(v->name);
        json_object_put(v->labels);
        json_object_put(v->options);
        strv_free(v->refs);
        strv_free(v->users);
        free(v);
}

struct volume *volume_store_find_locked(struct volume_store *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->items[i]->name, name))
                        return s->items[i];
        return NULL;
}

static int store_add(struct volume_store *s, struct volume *v)
{
        if (s->n == s->allocated) {
                size_t n = s->allocated ? s->allocated * 2 : 32;
                struct volume **grown = realloc(s->items, n * sizeof(*grown));

                if (!grown)
                        return -ENOMEM;
                s->items = grown;
                s->allocated = n;
        }
        s->items[s->n++] = v;
        return 0;
}

static void store_drop(struct volume_store *s, struct volume *v)
{
        for (size_t i = 0; i < s->n; i++) {
                if (s->items[i] != v)
                        continue;
                memmove(&s->items[i], &s->items[i + 1], (s->n - i - 1) * sizeof(v));
                s->n--;
                break;
        }
        volume_free(v);
}

char *volume_store_data_path(struct volume_store *s, const char *name)
{
        char *path = NULL;

        if (asprintf(&path, "%s/%s/_data", s->dir, name) < 0)
                return NULL;
        return path;
}

bool volume_has_mount(const struct volume *v)
{
        return v->options &&
               (*json_field_string(v->options, "device", "") || *json_field_string(v->options, "type", ""));
}

/* ---- Loading ---- */

static json_object *volume_to_stored_json(const struct volume *v)
{
        json_object *obj = json_object_new_object();
        char created[TIMEUTIL_RFC3339_MAX];

        json_object_object_add(obj, "Name", json_object_new_string(v->name));
        json_object_object_add(obj, "Driver", json_object_new_string("local"));
        json_object_object_add(
                obj, "CreatedAt",
                json_object_new_string(timeutil_format_rfc3339(v->created_ns, created, sizeof(created))));
        json_object_object_add(obj, "Labels", json_object_get(v->labels));
        json_object_object_add(obj, "Options", json_object_get(v->options));
        return obj;
}

static int volume_from_stored_json(json_object *obj, const char *name, struct volume **ret)
{
        struct volume *v = calloc(1, sizeof(*v));
        json_object *labels = json_field_object(obj, "Labels"), *options = json_field_object(obj, "Options");

        if (!v)
                return -ENOMEM;
        v->name = strdup(name);
        if (!v->name) {
                volume_free(v);
                return -ENOMEM;
        }
        if (timeutil_parse_rfc3339(json_field_string(obj, "CreatedAt", ""), &v->created_ns) < 0)
                v->created_ns = 0;
        v->labels = labels ? json_object_get(labels) : NULL;
        v->options = options ? json_object_get(options) : NULL;
        *ret = v;
        return 0;
}

/* Tells whether path is a mount point (the root of a mount). */
bool volume_path_is_mount_point(int dirfd, const char *name)
{
        struct statx stx;

        if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
                return false;
        return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* Deletes a volume's directory, never through a mount left on _data: a
 * volume of type bind has the host's own directory there. */
int volume_dir_delete(struct volume_store *s, const char *name)
{
        _cleanup_free_ char *data = NULL, *path = NULL;

        if (asprintf(&data, "%s/_data", name) < 0 || asprintf(&path, "%s/%s", s->dir, data) < 0)
                return -ENOMEM;
        if (volume_path_is_mount_point(s->dirfd, data)) {
                if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
                        log_debug("Unmounting %s failed: %s", path, strerror(errno));
                if (volume_path_is_mount_point(s->dirfd, data))
                        return -EBUSY;
        }
        return fs_rm_rf_at(s->dirfd, name);
}

static void load_one(struct volume_store *s, const char *name)
{
        _cleanup_json_ json_object *obj = NULL;
        _cleanup_close_ int fd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct volume *v = NULL;
        int r;

        r = fd < 0 ? -errno : json_file_read(fd, VOLUME_JSON, VOLUME_JSON_MAX, &obj);
        if (r == -ENOTDIR)
                return;
        if (r >= 0 && volume_name_check(name, NULL) < 0)
                r = -EINVAL;
        if (r >= 0)
                r = volume_from_stored_json(obj, name, &v);
        if (r >= 0)
                r = store_add(s, v);
        if (r < 0) {
                log_error_errno(r, "Skipping volume %s, its files cannot be read: %m", name);
                volume_free(v);
                return;
        }
        /* A previous daemon may have left it mounted for a container that
         * still runs; restore decides whether it stays. */
        v->mounted = volume_has_mount(v) && volume_path_is_mount_point(fd, "_data");
}

static void load_all(struct volume_store *s)
{
        _cleanup_close_ int fd = fcntl(s->dirfd, F_DUPFD_CLOEXEC, 3);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (!dir)
                return;
        TAKE_FD(fd);
        while ((de = readdir(dir))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                /* A hidden directory is a create or a removal that a crash
                 * interrupted. */
                if (de->d_name[0] == '.') {
                        log_info("Removing the unfinished volume directory %s", de->d_name);
                        if (volume_dir_delete(s, de->d_name) < 0)
                                log_warn("Failed to remove the volume directory %s/%s", s->dir, de->d_name);
                        continue;
                }
                load_one(s, de->d_name);
        }
        closedir(dir);
}

int volume_store_open(const char *data_root, uid_t root_uid, gid_t root_gid, struct volume_store **ret,
                      struct error *err)
{
        struct volume_store *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -ENOMEM;
        pthread_mutex_init(&s->lock, NULL);
        s->dirfd = -1;
        s->root_uid = root_uid;
        s->root_gid = root_gid;
        s->dir = fs_path_join(data_root, "volumes");
        if (!s->dir) {
                volume_store_free(s);
                return -ENOMEM;
        }
        /* As dockerd: the remapped root can enter the directory, and other users cannot list it. */
        r = fs_mkdir_p(s->dir, 0701);
        if (r >= 0) {
                s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                r = s->dirfd < 0 ? -errno : 0;
        }
        if (r < 0) {
                r = error_set_errno(err, r, "opening the volume directory %s failed", s->dir);
                volume_store_free(s);
                return r;
        }
        load_all(s);
        log_info("Loaded %zu volumes", s->n);
        *ret = s;
        return 0;
}

void volume_store_free(struct volume_store *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n; i++)
                volume_free(s->items[i]);
        free(s->items);
        if (s->dirfd >= 0)
                close(s->dirfd);
        free(s->dir);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

/* The attributes of dockerd's volume create and destroy events. */
static char *const driver_attributes[] = { "driver", "local", NULL };

void volume_store_set_event_hook(struct volume_store *s, volume_event_fn hook, void *userdata)
{
        s->event_hook = hook;
        s->event_userdata = userdata;
}

void volume_store_emit(struct volume_store *s, const char *name, const char *action, char *const *attributes)
{
        if (s->event_hook)
                s->event_hook(name, action, attributes, s->event_userdata);
}

/* ---- Creating ---- */

/* Writes the mount options as dockerd's opts.json, for tools that read
 * dockerd's layout. */
static int write_docker_opts(int dirfd, json_object *options)
{
        _cleanup_json_ json_object *opts = json_object_new_object(), *quota = json_object_new_object();

        if (!options)
                return 0;
        json_object_object_add(opts, "MountType", json_object_new_string(json_field_string(options, "type", "")));
        json_object_object_add(opts, "MountOpts", json_object_new_string(json_field_string(options, "o", "")));
        json_object_object_add(opts, "MountDevice", json_object_new_string(json_field_string(options, "device", "")));
        json_object_object_add(quota, "Size", json_object_new_int(0));
        json_object_object_add(opts, "Quota", json_object_get(quota));
        return json_file_write_atomic(dirfd, "opts.json", opts, 0600);
}

/* Builds the volume's directory under a hidden name and renames it into
 * place, so a crash never leaves a volume without its files. */
static int write_volume_dir(struct volume_store *s, const struct volume *v)
{
        _cleanup_json_ json_object *stored = volume_to_stored_json(v);
        char staging[] = STAGING_TEMPLATE;
        _cleanup_close_ int fd = -1;
        int r;

        /* mkdtemp takes no directory fd, so the suffix is made here. */
        for (unsigned attempt = 0;; attempt++) {
                char suffix[ID_LENGTH + 1];

                r = id_generate(suffix);
                if (r < 0)
                        return r;
                memcpy(staging + strlen(".staging-"), suffix, 6);
                if (mkdirat(s->dirfd, staging, 0701) >= 0)
                        break;
                if (errno != EEXIST || attempt > 8)
                        return -errno;
        }
        fd = openat(s->dirfd, staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        r = fd < 0 ? -errno : 0;
        if (r >= 0 && fchmod(fd, 0701) < 0)
                r = -errno;
        if (r >= 0 && mkdirat(fd, "_data", 0755) < 0)
                r = -errno;
        if (r >= 0 && fchownat(fd, "_data", s->root_uid, s->root_gid, AT_SYMLINK_NOFOLLOW) < 0)
                r = -errno;
        if (r >= 0)
                r = write_docker_opts(fd, v->options);
        if (r >= 0)
                r = json_file_write_atomic(fd, VOLUME_JSON, stored, 0600);
        if (r >= 0 && renameat(s->dirfd, staging, s->dirfd, v->name) < 0)
                r = -errno;
        if (r >= 0 && fsync(s->dirfd) < 0)
                r = -errno;
        if (r < 0)
                fs_rm_rf_at(s->dirfd, staging);
        return r;
}

static json_object *copy_strings(json_object *map)
{
        return map ? json_tokener_parse(json_to_string(map)) : NULL;
}

static int new_volume(const struct volume_create *create, const char *name, struct volume **ret)
{
        struct volume *v = calloc(1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        v->name = strdup(name);
        v->created_ns = timeutil_now_ns();
        v->labels = copy_strings(create->labels);
        v->options = copy_strings(create->options);
        if (!v->name || (create->labels && !v->labels) || (create->options && !v->options)) {
                volume_free(v);
                return -ENOMEM;
        }
        *ret = v;
        return 0;
}

static int check_create(const struct volume_create *create, const char *name, struct error *err)
{
        const char *driver = isempty(create->driver) ? "local" : create->driver;
        int r;

        if (!streq(driver, "local"))
                return error_set(err, -ENOENT, "create %s: error looking up volume plugin %s: plugin \"%s\" not found",
                                 name, driver, driver);
        r = volume_name_check(name, err);
        if (r < 0)
                return r;
        r = volume_options_check(create->options, err);
        if (r < 0)
                return error_prefix(err, r, "create %s", name);
        return 0;
}

static int add_ref(struct volume *v, const char *container)
{
        if (!container || strv_contains(v->refs, container))
                return 0;
        return strv_append(&v->refs, container);
}

int volume_store_create(struct volume_store *s, const struct volume_create *create, char **ret_name, struct error *err)
{
        char generated[ID_LENGTH + 1];
        const char *name = create->name;
        struct volume *v;
        int r;

        if (isempty(name)) {
                r = id_generate(generated);
                if (r < 0)
                        return r;
                name = generated;
        }
        r = check_create(create, name, err);
        if (r < 0)
                return r;

        pthread_mutex_lock(&s->lock);
        v = volume_store_find_locked(s, name);
        if (!v) {
                r = new_volume(create, name, &v);
                if (r >= 0)
                        r = write_volume_dir(s, v);
                if (r >= 0)
                        r = store_add(s, v);
                if (r < 0) {
                        volume_free(v);
                        pthread_mutex_unlock(&s->lock);
                        return error_set_errno(err, r, "create %s: creating the volume directory failed", name);
                }
                log_info("Volume %s created", name);
        }
        /* dockerd sends the event for an existing volume too. */
        volume_store_emit(s, name, "create", driver_attributes);
        r = add_ref(v, create->container);
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                return r;
        if (ret_name && !(*ret_name = strdup(name)))
                return -ENOMEM;
        return 0;
}

/* ---- References and mounts ---- */

int volume_store_acquire(struct volume_store *s, const char *name, const char *container, struct error *err)
{
        struct volume *v;
        int r;

        pthread_mutex_lock(&s->lock);
        v = volume_store_find_locked(s, name);
        r = v ? add_ref(v, container) : error_set(err, -ENOENT, "get %s: no such volume", name);
        pthread_mutex_unlock(&s->lock);
        return r;
}

static void unmount_if_unused(struct volume_store *s, struct volume *v)
{
        _cleanup_free_ char *path = NULL;

        if (!v->mounted || strv_length(v->users) > 0)
                return;
        path = volume_store_data_path(s, v->name);
        if (path && umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
                log_warn_errno(-errno, "Failed to unmount volume %s: %m", v->name);
        v->mounted = false;
}

void volume_store_release(struct volume_store *s, const char *name, const char *container)
{
        struct volume *v;

        pthread_mutex_lock(&s->lock);
        v = volume_store_find_locked(s, name);
        if (v) {
                strv_remove(v->refs, container);
                strv_remove(v->users, container);
                unmount_if_unused(s, v);
        }
        pthread_mutex_unlock(&s->lock);
}

int volume_store_mount(struct volume_store *s, const char *name, const char *container, struct error *err)
{
        _cleanup_free_ char *path = volume_store_data_path(s, name);
        struct volume *v;
        int r = 0;

        if (!path)
                return -ENOMEM;
        pthread_mutex_lock(&s->lock);
        v = volume_store_find_locked(s, name);
        if (!v)
                r = error_set(err, -ENOENT, "get %s: no such volume", name);
        if (r >= 0 && volume_has_mount(v) && !v->mounted) {
                r = volume_options_mount(v->options, path, err);
                v->mounted = r >= 0;
        }
        if (r >= 0 && volume_has_mount(v) && !strv_contains(v->users, container))
                r = strv_append(&v->users, container);
        pthread_mutex_unlock(&s->lock);
        return r;
}

void volume_store_unmount(struct volume_store *s, const char *name, const char *container)
{
        struct volume *v;

        pthread_mutex_lock(&s->lock);
        v = volume_store_find_locked(s, name);
        if (v && strv_contains(v->users, container)) {
                strv_remove(v->users, container);
                unmount_if_unused(s, v);
        }
        pthread_mutex_unlock(&s->lock);
}

void volume_store_mount_restored(struct volume_store *s, const char *name, const char *container)
{
        struct volume *v;

        pthread_mutex_lock(&s->lock);
        v = volume_store_find_locked(s, name);
        if (v && v->mounted && !strv_contains(v->users, container) && strv_append(&v->users, container) < 0)
                log_warn("Volume %s: out of memory recording container %s", name, container);
        pthread_mutex_unlock(&s->lock);
}

void volume_store_unmount_unused(struct volume_store *s)
{
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n; i++)
                unmount_if_unused(s, s->items[i]);
        pthread_mutex_unlock(&s->lock);
}

bool volume_store_needs_mount(struct volume_store *s, const char *name)
{
        struct volume *v;
        bool needs;

        pthread_mutex_lock(&s->lock);
        v = volume_store_find_locked(s, name);
        needs = v && volume_has_mount(v);
        pthread_mutex_unlock(&s->lock);
        return needs;
}

/* ---- Removing ---- */

/* Removes v from disk and from the store. Call with the lock held. */
int volume_remove_locked(struct volume_store *s, struct volume *v)
{
        char hidden[ID_LENGTH + 16];
        char suffix[ID_LENGTH + 1];
        int r;

        r = id_generate(suffix);
        if (r < 0)
                return r;
        /* The rename makes the removal whole: what a crash leaves is hidden. */
        snprintf(hidden, sizeof(hidden), ".removing-%.12s", suffix);
        if (renameat(s->dirfd, v->name, s->dirfd, hidden) < 0)
                return -errno;
        fsync(s->dirfd);
        r = volume_dir_delete(s, hidden);
        if (r < 0)
                log_warn_errno(r, "Failed to delete the files of volume %s (%s/%s): %m", v->name, s->dir, hidden);
        log_info("Volume %s removed", v->name);
        volume_store_emit(s, v->name, "destroy", driver_attributes);
        store_drop(s, v);
        return 0;
}

/* Writes "[ID ID ...]", as Go prints a list of strings. */
static char *format_refs(char **refs)
{
        size_t len = 3;
        char *text, *p;

        STRV_FOREACH (r, refs)
                len += strlen(*r) + 1;
        text = p = malloc(len);
        if (!text)
                return NULL;
        *p++ = '[';
        STRV_FOREACH (r, refs)
                p += sprintf(p, "%s%s", r == refs ? "" : " ", *r);
        strcpy(p, "]");
        return text;
}

int volume_store_remove(struct volume_store *s, const char *name, bool force, struct error *err)
{
        _cleanup_free_ char *refs = NULL;
        struct volume *v;
        int r;

        pthread_mutex_lock(&s->lock);
        v = volume_store_find_locked(s, name);
        if (!v) {
                pthread_mutex_unlock(&s->lock);
                return force ? 0 : error_set(err, -ENOENT, "get %s: no such volume", name);
        }
        if (strv_length(v->refs) > 0) {
                refs = format_refs(v->refs);
                pthread_mutex_unlock(&s->lock);
                return error_set(err, -EBUSY, "remove %s: volume is in use - %s", name, refs ? refs : "[]");
        }
        r = volume_remove_locked(s, v);
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                return error_set_errno(err, r, "remove %s: removing the volume directory failed", name);
        return 0;
}
