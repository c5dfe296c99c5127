/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Helpers of the image tests: tar archives built in memory with libarchive,
 * docker-archive and OCI layout archives around them, and scratch
 * directories.
 */

struct tar;

/* Starts an archive: "" for plain tar, "gzip" or "zstd" for compressed. */
struct tar *tar_new(const char *compression);
void tar_file(struct tar *t, const char *name, const char *content, mode_t mode);
void tar_dir(struct tar *t, const char *name, mode_t mode);
void tar_symlink(struct tar *t, const char *name, const char *target);
void tar_hardlink(struct tar *t, const char *name, const char *target);
void tar_node(struct tar *t, const char *name, mode_t type, dev_t dev, mode_t mode);
/* Sets owner, mtime and an xattr on the next entry only. */
void tar_next_owner(struct tar *t, uid_t uid, gid_t gid);
void tar_next_mtime(struct tar *t, int64_t seconds);
void tar_next_xattr(struct tar *t, const char *name, const char *value);
/* Finishes the archive; returns its bytes (free them) and length. */
char *tar_finish(struct tar *t, size_t *ret_len);

/* Compresses data with gzip; returns the new bytes (free them). */
char *test_gzip(const char *data, size_t len, size_t *ret_len);

/* Compresses data with "gzip" or "zstd"; returns the new bytes. */
char *test_compress(const char *data, size_t len, const char *compression, size_t *ret_len);

/* One member of an archive built by test_archive. */
struct test_member {
        const char *name;
        const char *data;
        size_t len;
};

/* Builds a plain tar archive of the members. */
char *test_archive(const struct test_member *members, size_t n, size_t *ret_len);

/* Writes len bytes to a new file in dir and returns an fd open for reading
 * from its start. */
int test_write_file(const char *dir, const char *name, const void *data, size_t len);

/* "sha256:<hex>" of data, in a static buffer overwritten by each call. */
const char *test_digest(const void *data, size_t len);

struct test_layer {
        const char *data;
        size_t len;
};

/* One image for test_docker_archive. */
struct test_image {
        const struct test_layer *layers; /* lowest first */
        size_t n_layers;
        const char *const *tags; /* NULL-terminated, or NULL */
        const char *config;      /* members of the config's "config" object, or NULL */
        const char *created;     /* RFC 3339, or NULL for a fixed time */
        const char *bad_diff_id; /* replaces the first layer's diff ID */
};

/* Builds a docker-archive ("docker save" layout) holding the images. */
char *test_docker_archive(const struct test_image *images, size_t n_images, size_t *ret_len);

/* Returns the config JSON test_docker_archive writes for img (free it). */
char *test_image_config(const struct test_image *img);

/* A buffer in memory that the store's write callbacks append to. */
struct test_buffer {
        char *data;
        size_t len, allocated;
        size_t fail_after; /* fail the write that passes this many bytes, 0 for never */
};

/* Appends len bytes of buf to the test_buffer userdata. Returns 0, or
 * -EPIPE for the write that would pass fail_after. */
int test_buffer_write(void *userdata, const void *buf, size_t len);

/* Opens an image store in a new scratch directory named after prefix,
 * and aborts when that fails. */
struct image_store;
void test_store_open(const char *prefix, char **ret_root, struct image_store **ret_store);

/* Frees the store, removes its scratch directory and frees root. */
void test_store_close(char *root, struct image_store *store);

/* Creates a fresh scratch directory below $TMPDIR; free the result. */
char *test_mkdtemp(const char *prefix);

/* Removes a scratch directory tree. */
void test_rm_rf(const char *path);
