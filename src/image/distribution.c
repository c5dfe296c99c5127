/* SPDX-License-Identifier: Apache-2.0 */
#include "distribution.h"

#include <fcntl.h>
#include <stdio.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "store-internal.h"

#define DISTRIBUTION_DIR "distribution"

/* Longest registry or repository name kept (a reference is at most 255
 * characters; the domain has no separate limit in Docker's grammar). */
#define NAME_MAX_LEN 512

static int open_dir(struct image_store *s, int *ret_fd)
{
        int r = fs_mkdir_at(s->root_fd, DISTRIBUTION_DIR, 0700);

        if (r < 0)
                return r;
        *ret_fd = openat(s->root_fd, DISTRIBUTION_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return *ret_fd < 0 ? -errno : 0;
}

static void file_name(const char *diff_id, char *ret, size_t size)
{
        snprintf(ret, size, "%s.json", digest_hex(diff_id));
}

static bool name_valid(const char *s)
{
        return !isempty(s) && strlen(s) <= NAME_MAX_LEN;
}

static bool same_place(json_object *blob, const char *digest, const char *registry, const char *repository)
{
        return streq(json_field_string(blob, "Digest", ""), digest) &&
               streq(json_field_string(blob, "Registry", ""), registry) &&
               streq(json_field_string(blob, "Repository", ""), repository);
}

/* Reads the entries of diff_id as a JSON array, empty when there is no
 * file or it cannot be used (metadata only saves work, so a damaged file
 * is dropped, not an error). */
static json_object *read_blobs(int dirfd, const char *diff_id)
{
        _cleanup_json_ json_object *root = NULL;
        char name[DIGEST_STRING_MAX + 8];
        json_object *blobs;

        file_name(diff_id, name, sizeof(name));
        if (json_file_read(dirfd, name, METADATA_MAX_SIZE, &root) < 0)
                return json_object_new_array();
        blobs = json_field_array(root, "Blobs");
        if (!blobs) {
                log_debug("Ignoring malformed distribution metadata of layer %s", diff_id);
                return json_object_new_array();
        }
        return json_object_get(blobs);
}

static int write_blobs(int dirfd, const char *diff_id, json_object *blobs)
{
        _cleanup_json_ json_object *root = json_object_new_object();
        char name[DIGEST_STRING_MAX + 8];

        if (!root)
                return -ENOMEM;
        file_name(diff_id, name, sizeof(name));
        if (json_object_array_length(blobs) == 0)
                return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        json_object_object_add(root, "Blobs", json_object_get(blobs));
        return json_file_write_atomic(dirfd, name, root, 0600);
}

/* Returns a copy of blobs without the entry for digest at registry/repository. */
static json_object *blobs_without(json_object *blobs, const char *digest, const char *registry, const char *repository)
{
        json_object *kept = json_object_new_array();

        for (size_t i = 0; kept && i < json_object_array_length(blobs); i++) {
                json_object *blob = json_object_array_get_idx(blobs, i);

                if (!same_place(blob, digest, registry, repository))
                        json_object_array_add(kept, json_object_get(blob));
        }
        return kept;
}

static json_object *blob_new(const struct distribution_entry *e)
{
        json_object *blob = json_object_new_object();

        if (!blob)
                return NULL;
        json_set_string(blob, "Digest", e->digest);
        json_set_string(blob, "MediaType", e->media_type);
        json_object_object_add(blob, "Size", json_object_new_int64(e->size));
        json_set_string(blob, "Registry", e->registry);
        json_set_string(blob, "Repository", e->repository);
        return blob;
}

int image_store_distribution_add(struct image_store *s, const char *diff_id, const struct distribution_entry *e)
{
        _cleanup_json_ json_object *blobs = NULL, *kept = NULL;
        _cleanup_close_ int dirfd = -1;
        json_object *blob;
        size_t n;
        int r;

        if (!digest_is_sha256(diff_id) || !digest_is_sha256(e->digest) || isempty(e->media_type) || e->size < 0 ||
            !name_valid(e->registry) || !name_valid(e->repository))
                return -EINVAL;

        _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

        r = open_dir(s, &dirfd);
        if (r < 0)
                return r;
        blobs = read_blobs(dirfd, diff_id);
        kept = blobs ? blobs_without(blobs, e->digest, e->registry, e->repository) : NULL;
        blob = blob_new(e);
        if (!kept || !blob) {
                json_object_put(blob);
                return -ENOMEM;
        }
        json_object_array_add(kept, blob);

        n = json_object_array_length(kept);
        if (n > DISTRIBUTION_ENTRIES_MAX)
                json_object_array_del_idx(kept, 0, n - DISTRIBUTION_ENTRIES_MAX);
        return write_blobs(dirfd, diff_id, kept);
}

static void entry_clear(struct distribution_entry *e)
{
        free(e->media_type);
        free(e->registry);
        free(e->repository);
        *e = (struct distribution_entry){ 0 };
}

void distribution_entries_free(struct distribution_entry *entries, size_t n)
{
        for (size_t i = 0; entries && i < n; i++)
                entry_clear(&entries[i]);
        free(entries);
}

/* Copies a stored entry; -EINVAL when it lacks a field push needs. */
static int entry_from_json(json_object *blob, struct distribution_entry *ret)
{
        const char *digest = json_field_string(blob, "Digest", "");
        const char *media_type = json_field_string(blob, "MediaType", "");
        const char *registry = json_field_string(blob, "Registry", "");
        const char *repository = json_field_string(blob, "Repository", "");

        if (!digest_is_sha256(digest) || isempty(media_type) || !name_valid(registry) || !name_valid(repository))
                return -EINVAL;

        snprintf(ret->digest, sizeof(ret->digest), "%s", digest);
        ret->size = json_field_int(blob, "Size", -1);
        ret->media_type = strdup(media_type);
        ret->registry = strdup(registry);
        ret->repository = strdup(repository);
        return ret->media_type && ret->registry && ret->repository ? 0 : -ENOMEM;
}

int image_store_distribution_get(struct image_store *s, const char *diff_id, struct distribution_entry **ret,
                                 size_t *ret_n)
{
        _cleanup_json_ json_object *blobs = NULL;
        _cleanup_close_ int dirfd = -1;
        struct distribution_entry *entries;
        size_t n = 0, total;
        int r;

        if (!digest_is_sha256(diff_id))
                return -EINVAL;

        {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);

                r = open_dir(s, &dirfd);
                if (r < 0)
                        return r;
                blobs = read_blobs(dirfd, diff_id);
        }
        if (!blobs)
                return -ENOMEM;

        total = json_object_array_length(blobs);
        entries = calloc(total + 1, sizeof(*entries));
        if (!entries)
                return -ENOMEM;
        for (size_t i = total; i > 0; i--) {
                r = entry_from_json(json_object_array_get_idx(blobs, i - 1), &entries[n]);
                if (r == -ENOMEM) {
                        distribution_entries_free(entries, n + 1);
                        return r;
                }
                if (r >= 0 && entries[n].size >= 0)
                        n++;
                else
                        entry_clear(&entries[n]);
        }
        *ret = entries;
        *ret_n = n;
        return 0;
}

int image_store_distribution_remove(struct image_store *s, const char *diff_id, const char *digest,
                                    const char *registry, const char *repository)
{
        _cleanup_json_ json_object *blobs = NULL, *kept = NULL;
        _cleanup_close_ int dirfd = -1;
        int r;

        if (!digest_is_sha256(diff_id))
                return -EINVAL;

        _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

        r = open_dir(s, &dirfd);
        if (r < 0)
                return r;
        blobs = read_blobs(dirfd, diff_id);
        kept = blobs ? blobs_without(blobs, digest, registry, repository) : NULL;
        if (!kept)
                return -ENOMEM;
        if (json_object_array_length(kept) == json_object_array_length(blobs))
                return 0;
        return write_blobs(dirfd, diff_id, kept);
}
