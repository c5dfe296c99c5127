/* SPDX-License-Identifier: Apache-2.0 */
/* Opening and closing the store, and what it shares with its parts. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <dirent.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "store-internal.h"
#include "strv.h"

int store_staging_name(char *ret, size_t size)
{
        uint64_t nonce;

        if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
                return -errno;
        snprintf(ret, size, "%016llx", (unsigned long long)nonce);
        return 0;
}

void store_remove_tree(struct image_store *s, int dirfd, const char *name)
{
        char staged[32];
        int r;

        if (store_staging_name(staged, sizeof(staged)) < 0 || renameat(dirfd, name, s->staging_fd, staged) < 0) {
                r = fs_rm_rf_at(dirfd, name);
                if (r < 0)
                        log_debug_errno(r, "Failed to remove '%s' from the image store: %m", name);
                return;
        }
        r = fs_rm_rf_at(s->staging_fd, staged);
        if (r < 0)
                log_debug_errno(r, "Failed to remove staged '%s' from the image store: %m", staged);
}

int store_load_each(struct image_store *s, int dirfd, int (*load)(struct image_store *s, const char *name))
{
        _cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        int r = 0;

        if (!dir)
                return -errno;
        fd = -1;

        while (r >= 0 && (de = readdir(dir))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = load(s, de->d_name);
        }
        closedir(dir);
        return r;
}

void store_staging_clean(struct image_store *s)
{
        int fds[] = { s->staging_fd, s->tmp_fd };

        for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
                _cleanup_close_ int fd = openat(fds[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
                struct dirent *de;

                if (!dir)
                        continue;
                fd = -1;
                while ((de = readdir(dir)))
                        if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                                fs_rm_rf_at(fds[i], de->d_name);
                closedir(dir);
        }
}

static int open_subdir(int root_fd, const char *name, int *ret_fd)
{
        int r = fs_mkdir_at(root_fd, name, 0700);

        if (r < 0)
                return r;
        *ret_fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return *ret_fd < 0 ? -errno : 0;
}

static void store_close_fds(struct image_store *s)
{
        int *fds[] = {
                &s->root_fd, &s->layers_fd, &s->configs_fd, &s->meta_fd, &s->holds_fd, &s->staging_fd, &s->tmp_fd
        };

        for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
                if (*fds[i] >= 0) {
                        close(*fds[i]);
                        *fds[i] = -1;
                }
}

static void store_destroy(struct image_store *s)
{
        for (size_t i = 0; i < s->n_tags; i++) {
                reference_done(&s->tags[i]->ref);
                free(s->tags[i]->full);
                free(s->tags[i]->familiar);
                free(s->tags[i]);
        }
        for (size_t i = 0; i < s->n_holds; i++) {
                free(s->holds[i]->holder);
                free(s->holds[i]->layers);
                free(s->holds[i]);
        }
        for (size_t i = 0; i < s->n_images; i++)
                store_image_entry_free(s->images[i]);
        for (size_t i = 0; i < s->n_layers; i++) {
                free(s->layers[i]->dir);
                free(s->layers[i]);
        }
        free(s->tags);
        free(s->holds);
        free(s->images);
        free(s->layers);
        store_close_fds(s);
        pthread_rwlock_destroy(&s->lock);
        free(s->root);
        free(s);
}

void store_unref(struct image_store *s)
{
        if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
                store_destroy(s);
}

static int store_open_dirs(struct image_store *s, const char *data_root)
{
        _cleanup_free_ char *path = fs_path_join(data_root, "image");
        struct {
                const char *name;
                int *fd;
        } dirs[] = {
                { "layers", &s->layers_fd }, { "configs", &s->configs_fd }, { "meta", &s->meta_fd },
                { "holds", &s->holds_fd },   { "staging", &s->staging_fd }, { "tmp", &s->tmp_fd },
        };
        int r;

        if (!path)
                return -ENOMEM;
        r = fs_mkdir_p(path, 0700);
        if (r < 0)
                return r;

        /* Layer directories are handed out as absolute paths. */
        s->root = realpath(path, NULL);
        if (!s->root)
                return -errno;
        s->root_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0)
                return -errno;

        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                r = open_subdir(s->root_fd, dirs[i].name, dirs[i].fd);
                if (r < 0)
                        return r;
        }
        return 0;
}

int image_store_open(const char *data_root, struct image_store **ret, struct error *err)
{
        struct image_store *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -ENOMEM;
        s->refs = 1;
        s->root_fd = s->layers_fd = s->configs_fd = s->meta_fd = s->holds_fd = s->staging_fd = s->tmp_fd = -1;
        pthread_rwlock_init(&s->lock, NULL);

        r = store_open_dirs(s, data_root);
        if (r < 0) {
                error_set_errno(err, r, "failed to open the image store in '%s/image'", data_root);
                store_destroy(s);
                return r;
        }

        /* Recovery: what a crash left half done goes first, then the
         * index is rebuilt from what is complete. */
        store_staging_clean(s);
        r = store_layers_load(s);
        if (r >= 0)
                r = store_images_load(s);
        if (r >= 0)
                r = store_holds_load(s);
        if (r >= 0)
                r = store_tags_load(s);
        if (r < 0) {
                error_set_errno(err, r, "failed to read the image store in '%s'", s->root);
                store_destroy(s);
                return r;
        }
        store_layers_collect(s);

        *ret = s;
        return 0;
}

void image_store_free(struct image_store *s)
{
        store_unref(s);
}

void image_store_set_in_use_check(struct image_store *s, image_in_use_fn fn, void *userdata)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

        s->in_use = fn;
        s->in_use_userdata = userdata;
}

void image_store_set_running_check(struct image_store *s, image_in_use_fn fn, void *userdata)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

        s->running = fn;
        s->running_userdata = userdata;
}

void image_store_set_event_hook(struct image_store *s, image_event_fn fn, void *userdata)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

        s->event = fn;
        s->event_userdata = userdata;
}

json_object *store_image_labels(struct image_store *s, const char *id)
{
        struct image_entry *e = store_image_find(s, id);

        return e && !e->deleted ? json_field_object(e->container_config, "Labels") : NULL;
}

void store_event(struct image_store *s, const char *action, const char *id, const char *name)
{
        char full[80];

        if (!s->event)
                return;
        snprintf(full, sizeof(full), "sha256:%s", id);
        /* dockerd no longer finds a deleted image's labels. */
        s->event(action, full, name ?: full, streq(action, "delete") ? NULL : store_image_labels(s, id),
                 s->event_userdata);
}

size_t image_store_count(struct image_store *s)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);
        size_t n = 0;

        for (size_t i = 0; i < s->n_images; i++)
                if (!s->images[i]->deleted)
                        n++;
        return n;
}

/* Names as Docker's fsutils reports them for "Backing Filesystem". */
static const char *filesystem_name(long type)
{
        static const struct {
                long magic;
                const char *name;
        } names[] = {
                { 0xEF53, "extfs" },         { 0x58465342, "xfs" }, { 0x9123683E, "btrfs" }, { 0x01021994, "tmpfs" },
                { 0x794c7630, "overlayfs" }, { 0x2fc12fc1, "zfs" }, { 0x65735546, "fuse" },  { 0x6969, "nfs" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (names[i].magic == type)
                        return names[i].name;
        return "<unknown>";
}

/* Tells whether readdir reports file types here; overlayfs needs it. */
static bool supports_d_type(int dirfd)
{
        _cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        bool ok = true;

        if (!dir)
                return false;
        fd = -1;
        while ((de = readdir(dir)))
                if (de->d_type == DT_UNKNOWN)
                        ok = false;
        closedir(dir);
        return ok;
}

static void add_pair(json_object *array, const char *key, const char *value)
{
        json_object *pair = json_object_new_array();

        json_object_array_add(pair, json_object_new_string(key));
        json_object_array_add(pair, json_object_new_string(value));
        json_object_array_add(array, pair);
}

json_object *image_store_driver_status(struct image_store *s)
{
        json_object *status = json_object_new_array();
        struct statfs st;

        add_pair(status, "Backing Filesystem",
                 fstatfs(s->root_fd, &st) == 0 ? filesystem_name(st.f_type) : "<unknown>");
        add_pair(status, "Supports d_type", supports_d_type(s->root_fd) ? "true" : "false");
        /* Layers are extracted from tars, never diffed by overlayfs. */
        add_pair(status, "Native Overlay Diff", "true");
        add_pair(status, "userxattr", "false");
        return status;
}
