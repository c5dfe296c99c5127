/* SPDX-License-Identifier: Apache-2.0 */
/* Layers: one directory per chain ID, shared by every image that has it. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "store-internal.h"
#include "strv.h"
#include "tar-split.h"

#define LAYER_METADATA "layer.json"
#define LAYER_CONTENT  "diff"

struct layer *store_layer_find(struct image_store *s, const char *chain_id)
{
        for (size_t i = 0; i < s->n_layers; i++)
                if (streq(s->layers[i]->chain_id, chain_id))
                        return s->layers[i];
        return NULL;
}

void store_layer_ref(struct layer *l)
{
        /* Snapshots take references under the read lock. */
        __atomic_add_fetch(&l->refs, 1, __ATOMIC_RELAXED);
}

static void layer_free(struct layer *l)
{
        if (l) {
                free(l->dir);
                free(l);
        }
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct layer *, layer_free)

static int index_add(struct image_store *s, struct layer *l)
{
        struct layer **grown = realloc(s->layers, (s->n_layers + 1) * sizeof(*s->layers));

        if (!grown)
                return -ENOMEM;
        s->layers = grown;
        s->layers[s->n_layers++] = l;
        return 0;
}

bool store_layer_unref(struct image_store *s, struct layer *l)
{
        char staged[32];
        size_t i;

        if (__atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) > 0)
                return false;

        for (i = 0; i < s->n_layers && s->layers[i] != l; i++)
                ;
        if (i < s->n_layers)
                s->layers[i] = s->layers[--s->n_layers];

        /* The rename is quick and makes the removal crash-safe: open
         * empties staging/. The slow part runs after the lock is dropped. */
        if (store_staging_name(staged, sizeof(staged)) >= 0 &&
            renameat(s->layers_fd, digest_hex(l->chain_id), s->staging_fd, staged) >= 0) {
                if (strv_append(&s->pending_removals, staged) < 0)
                        fs_rm_rf_at(s->staging_fd, staged);
        } else
                fs_rm_rf_at(s->layers_fd, digest_hex(l->chain_id));

        layer_free(l);
        return true;
}

void store_flush_removals(struct image_store *s)
{
        _cleanup_strv_free_ char **names = NULL;

        {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

                names = TAKE_PTR(s->pending_removals);
        }

        STRV_FOREACH (name, names) {
                int r = fs_rm_rf_at(s->staging_fd, *name);

                if (r < 0)
                        log_debug_errno(r, "Failed to remove the layer staged as '%s': %m", *name);
        }
}

static char *content_dir(struct image_store *s, const char *chain_id)
{
        char *path = NULL;

        if (asprintf(&path, "%s/layers/%s/" LAYER_CONTENT, s->root, digest_hex(chain_id)) < 0)
                return NULL;
        return path;
}

/* Reads layers/<name>/layer.json; -EINVAL for anything that is not a
 * complete layer. */
static int layer_read(struct image_store *s, const char *name, struct layer **ret)
{
        _cleanup_(layer_freep) struct layer *l = NULL;
        _cleanup_json_ json_object *meta = NULL;
        _cleanup_close_ int fd = -1;
        const char *chain_id, *diff_id;
        struct stat st;
        int r;

        fd = openat(s->layers_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -EINVAL;
        r = json_file_read(fd, LAYER_METADATA, METADATA_MAX_SIZE, &meta);
        if (r < 0)
                return -EINVAL;

        chain_id = json_field_string(meta, "ChainID", "");
        diff_id = json_field_string(meta, "DiffID", "");
        if (!digest_is_sha256(chain_id) || !streq(digest_hex(chain_id), name) || !digest_is_sha256(diff_id))
                return -EINVAL;
        if (fstatat(fd, LAYER_CONTENT, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                return -EINVAL;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        snprintf(l->chain_id, sizeof(l->chain_id), "%s", chain_id);
        snprintf(l->diff_id, sizeof(l->diff_id), "%s", diff_id);
        l->size = json_field_int(meta, "Size", 0);
        l->dir = content_dir(s, chain_id);
        if (!l->dir)
                return -ENOMEM;

        *ret = TAKE_PTR(l);
        return 0;
}

static int layer_load_one(struct image_store *s, const char *name)
{
        struct layer *l = NULL;
        int r;

        r = layer_read(s, name, &l);
        if (r == -EINVAL) {
                log_debug("Removing incomplete layer '%s' from the image store", name);
                store_remove_tree(s, s->layers_fd, name);
                return 0;
        }
        if (r < 0)
                return r;

        r = index_add(s, l);
        if (r < 0)
                layer_free(l);
        return r;
}

int store_layers_load(struct image_store *s)
{
        return store_load_each(s, s->layers_fd, layer_load_one);
}

void store_layers_collect(struct image_store *s)
{
        /* store_layer_unref removes from the array, so walk backwards. */
        for (size_t i = s->n_layers; i > 0; i--) {
                struct layer *l = s->layers[i - 1];

                if (l->refs == 0) {
                        l->refs = 1;
                        log_debug("Removing unused layer %s from the image store", l->chain_id);
                        store_layer_unref(s, l);
                }
        }
        store_flush_removals(s);
}

int store_layer_get(struct image_store *s, const char *chain_id, struct layer **ret)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);
        struct layer *l = store_layer_find(s, chain_id);

        if (!l)
                return -ENOENT;
        store_layer_ref(l);
        *ret = l;
        return 0;
}

void store_layer_put(struct image_store *s, struct layer *l)
{
        {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

                store_layer_unref(s, l);
        }
        store_flush_removals(s);
}

static int write_layer_json(int dirfd, const char *chain_id, const char *diff_id, const char *parent, int64_t size)
{
        _cleanup_json_ json_object *meta = json_object_new_object();

        json_object_object_add(meta, "ChainID", json_object_new_string(chain_id));
        json_object_object_add(meta, "DiffID", json_object_new_string(diff_id));
        if (parent)
                json_object_object_add(meta, "Parent", json_object_new_string(parent));
        json_object_object_add(meta, "Size", json_object_new_int64(size));
        return json_file_write_atomic(dirfd, LAYER_METADATA, meta, 0600);
}

/* After a failed extraction, reports a blob that is not the one its digest
 * names as that, the likelier cause than a broken archive. Blobs with an
 * expected digest come from a spooled file, which can be read again. */
static int blame_digest(const struct layer_source *src, int code, struct error *err)
{
        _cleanup_digester_ struct digester d = { 0 };
        char actual[DIGEST_STRING_MAX], buf[16384];
        ssize_t n;

        if (!src->expected_blob || lseek(src->fd, 0, SEEK_SET) < 0 || digester_init(&d) < 0)
                return code;
        while ((n = read(src->fd, buf, sizeof(buf))) > 0)
                digester_update(&d, buf, (size_t)n);
        if (n < 0 || digester_final(&d, actual) < 0 || streq(actual, src->expected_blob))
                return code;

        error_clear(err);
        return error_set(err, -EBADMSG, "invalid digest for layer %zu: expected \"%s\", got \"%s\"", src->index,
                         src->expected_blob, actual);
}

/* Extracts the blob into dirfd/diff, recording its tar-split next to it. */
static int extract_recorded(int dirfd, int contentfd, const struct layer_source *src, struct extract_layer_result *ret,
                            struct error *err)
{
        _cleanup_(tar_split_recorder_freep) struct tar_split_recorder *recorder = NULL;
        int r;

        r = tar_split_recorder_new(dirfd, TAR_SPLIT_FILE, &recorder);
        if (r < 0)
                return error_set_errno(err, r, "failed to create the layer's tar-split record");
        r = extract_layer_recorded(src->fd, contentfd, recorder, src->progress, src->userdata, ret, err);
        if (r < 0)
                return r;
        r = tar_split_recorder_finish(recorder);
        if (r < 0)
                return error_set_errno(err, r, "failed to write the layer's tar-split record");
        return 0;
}

/* Extracts and verifies the blob into staging/<staged>/diff and writes
 * layer.json next to it. */
static int stage_layer(struct image_store *s, const char *staged, char *chain_id, const char *parent,
                       const struct layer_source *src, char *ret_diff_id, int64_t *ret_size, struct error *err)
{
        _cleanup_close_ int dirfd = -1, contentfd = -1;
        struct extract_layer_result result;
        int r;

        if (mkdirat(s->staging_fd, staged, 0700) < 0)
                return error_set_errno(err, -errno, "failed to create a layer directory");
        dirfd = openat(s->staging_fd, staged, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dirfd < 0 || mkdirat(dirfd, LAYER_CONTENT, 0755) < 0)
                return error_set_errno(err, -errno, "failed to create a layer directory");
        contentfd = openat(dirfd, LAYER_CONTENT, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (contentfd < 0)
                return error_set_errno(err, -errno, "failed to open a layer directory");

        r = extract_recorded(dirfd, contentfd, src, &result, err);
        if (r < 0)
                return blame_digest(src, r, err);

        if (src->expected_blob && !streq(result.blob_digest, src->expected_blob))
                return error_set(err, -EBADMSG, "invalid digest for layer %zu: expected \"%s\", got \"%s\"", src->index,
                                 src->expected_blob, result.blob_digest);
        if (src->expected_diff_id && !streq(result.diff_id, src->expected_diff_id))
                return error_set(err, -EBADMSG, "invalid diffID for layer %zu: expected \"%s\", got \"%s\"", src->index,
                                 src->expected_diff_id, result.diff_id);

        /* The content must be on disk before layer.json and the rename
         * make the layer count as complete. */
        if (syncfs(contentfd) < 0)
                return error_set_errno(err, -errno, "failed to write the layer to disk");

        /* An import learns its diff ID, and so its chain ID, only now. */
        if (!src->expected_diff_id) {
                r = digest_chain_id(parent, result.diff_id, chain_id);
                if (r < 0)
                        return r;
        }
        r = write_layer_json(dirfd, chain_id, result.diff_id, parent, result.size);
        if (r < 0)
                return error_set_errno(err, r, "failed to write the layer metadata");
        snprintf(ret_diff_id, DIGEST_STRING_MAX, "%s", result.diff_id);
        *ret_size = result.size;
        return 0;
}

/* Moves the staged layer into layers/ and indexes it, unless another load
 * committed the same chain meanwhile. Write lock held. */
static int commit_layer(struct image_store *s, const char *staged, const char *chain_id, const char *diff_id,
                        int64_t size, struct layer **ret)
{
        _cleanup_(layer_freep) struct layer *l = NULL;
        struct layer *existing = store_layer_find(s, chain_id);
        int r;

        if (existing) {
                store_layer_ref(existing);
                *ret = existing;
                return 1;
        }

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        snprintf(l->chain_id, sizeof(l->chain_id), "%s", chain_id);
        snprintf(l->diff_id, sizeof(l->diff_id), "%s", diff_id);
        l->size = size;
        l->refs = 1;
        l->dir = content_dir(s, chain_id);
        if (!l->dir)
                return -ENOMEM;

        if (renameat(s->staging_fd, staged, s->layers_fd, digest_hex(chain_id)) < 0)
                return -errno;
        if (fsync(s->layers_fd) < 0)
                log_debug_errno(-errno, "Failed to sync the layers directory: %m");

        r = index_add(s, l);
        if (r < 0) {
                /* Not indexed means unreachable: put it back for removal. */
                renameat(s->layers_fd, digest_hex(chain_id), s->staging_fd, staged);
                return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int store_layer_create(struct image_store *s, const char *parent_chain, const struct layer_source *src,
                       struct layer **ret, struct error *err)
{
        char chain_id[DIGEST_STRING_MAX] = "", diff_id[DIGEST_STRING_MAX], staged[32];
        int64_t size = 0;
        int r;

        if (src->expected_diff_id) {
                r = digest_chain_id(parent_chain, src->expected_diff_id, chain_id);
                if (r < 0)
                        return r;
                if (store_layer_get(s, chain_id, ret) >= 0)
                        return 0;
        }

        r = store_staging_name(staged, sizeof(staged));
        if (r < 0)
                return r;

        /* The slow part runs without the lock. */
        r = stage_layer(s, staged, chain_id, parent_chain, src, diff_id, &size, err);
        if (r >= 0) {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

                r = commit_layer(s, staged, chain_id, diff_id, size, ret);
                if (r < 0)
                        error_set_errno(err, r, "failed to store layer %s", chain_id);
        }
        if (r != 0)
                fs_rm_rf_at(s->staging_fd, staged);
        return r < 0 ? r : 0;
}
