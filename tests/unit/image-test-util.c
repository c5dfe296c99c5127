/* SPDX-License-Identifier: Apache-2.0 */
#include "image-test-util.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "image/digest.h"
#include "image/image.h"
#include "macro.h"

struct tar {
        struct archive *a;
        char *buf;
        size_t allocated;
        size_t used;
        uid_t uid;
        gid_t gid;
        int64_t mtime;
        char *xattr_name, *xattr_value;
};

struct tar *tar_new(const char *compression)
{
        struct tar *t = calloc(1, sizeof(*t));

        t->allocated = 64u << 20;
        t->buf = malloc(t->allocated);
        t->mtime = 1700000000;
        t->a = archive_write_new();
        archive_write_set_format_pax_restricted(t->a);
        if (streq(compression, "gzip"))
                archive_write_add_filter_gzip(t->a);
        else if (streq(compression, "zstd"))
                archive_write_add_filter_zstd(t->a);
        archive_write_set_bytes_in_last_block(t->a, 1);
        archive_write_open_memory(t->a, t->buf, t->allocated, &t->used);
        return t;
}

static void add(struct tar *t, const char *name, mode_t type, mode_t mode, const char *content, const char *link,
                bool hard, dev_t dev)
{
        struct archive_entry *e = archive_entry_new();
        size_t len = content ? strlen(content) : 0;

        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, mode);
        archive_entry_set_uid(e, t->uid);
        archive_entry_set_gid(e, t->gid);
        archive_entry_set_mtime(e, t->mtime, 0);
        archive_entry_set_size(e, (la_int64_t)len);
        if (link && hard)
                archive_entry_set_hardlink(e, link);
        else if (link)
                archive_entry_set_symlink(e, link);
        if (dev)
                archive_entry_set_rdev(e, dev);
        if (t->xattr_name)
                archive_entry_xattr_add_entry(e, t->xattr_name, t->xattr_value, strlen(t->xattr_value));

        archive_write_header(t->a, e);
        if (len)
                archive_write_data(t->a, content, len);
        archive_entry_free(e);

        t->uid = 0;
        t->gid = 0;
        t->mtime = 1700000000;
        free(t->xattr_name);
        free(t->xattr_value);
        t->xattr_name = t->xattr_value = NULL;
}

void tar_file(struct tar *t, const char *name, const char *content, mode_t mode)
{
        add(t, name, AE_IFREG, mode, content, NULL, false, 0);
}

void tar_dir(struct tar *t, const char *name, mode_t mode)
{
        add(t, name, AE_IFDIR, mode, NULL, NULL, false, 0);
}

void tar_symlink(struct tar *t, const char *name, const char *target)
{
        add(t, name, AE_IFLNK, 0777, NULL, target, false, 0);
}

void tar_hardlink(struct tar *t, const char *name, const char *target)
{
        add(t, name, AE_IFREG, 0644, NULL, target, true, 0);
}

void tar_node(struct tar *t, const char *name, mode_t type, dev_t dev, mode_t mode)
{
        add(t, name, type, mode, NULL, NULL, false, dev);
}

void tar_next_owner(struct tar *t, uid_t uid, gid_t gid)
{
        t->uid = uid;
        t->gid = gid;
}

void tar_next_mtime(struct tar *t, int64_t seconds)
{
        t->mtime = seconds;
}

void tar_next_xattr(struct tar *t, const char *name, const char *value)
{
        t->xattr_name = strdup(name);
        t->xattr_value = strdup(value);
}

char *tar_finish(struct tar *t, size_t *ret_len)
{
        char *buf;

        archive_write_close(t->a);
        archive_write_free(t->a);
        buf = t->buf;
        *ret_len = t->used;
        free(t);
        return buf;
}

static void add_member(struct archive *a, const char *name, const char *data, size_t len);

char *test_compress(const char *data, size_t len, const char *compression, size_t *ret_len)
{
        size_t allocated = len + 4096, used = 0;
        char *buf = malloc(allocated);
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();

        archive_write_set_format_raw(a);
        if (streq(compression, "zstd"))
                archive_write_add_filter_zstd(a);
        else
                archive_write_add_filter_gzip(a);
        archive_write_open_memory(a, buf, allocated, &used);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, (la_int64_t)len);
        archive_write_header(a, e);
        archive_write_data(a, data, len);
        archive_entry_free(e);
        archive_write_close(a);
        archive_write_free(a);
        *ret_len = used;
        return buf;
}

char *test_gzip(const char *data, size_t len, size_t *ret_len)
{
        return test_compress(data, len, "gzip", ret_len);
}

char *test_archive(const struct test_member *members, size_t n, size_t *ret_len)
{
        size_t allocated = 64u << 20, used = 0;
        char *buf = malloc(allocated);
        struct archive *a = archive_write_new();

        archive_write_set_format_pax_restricted(a);
        archive_write_open_memory(a, buf, allocated, &used);
        for (size_t i = 0; i < n; i++)
                add_member(a, members[i].name, members[i].data, members[i].len);
        archive_write_close(a);
        archive_write_free(a);
        *ret_len = used;
        return buf;
}

int test_write_file(const char *dir, const char *name, const void *data, size_t len)
{
        char path[4096];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || fs_write_all(fd, data, len) < 0 || lseek(fd, 0, SEEK_SET) < 0)
                abort();
        return fd;
}

const char *test_digest(const void *data, size_t len)
{
        static char digest[DIGEST_STRING_MAX];

        if (digest_buffer(data, len, digest) < 0)
                abort();
        return digest;
}

char *test_image_config(const struct test_image *img)
{
        char *config = NULL, *diff_ids = strdup("");

        for (size_t i = 0; i < img->n_layers; i++) {
                char *grown = NULL;
                const char *id = i == 0 && img->bad_diff_id ? img->bad_diff_id
                                                            : test_digest(img->layers[i].data, img->layers[i].len);

                if (asprintf(&grown, "%s%s\"%s\"", diff_ids, i ? "," : "", id) < 0)
                        abort();
                free(diff_ids);
                diff_ids = grown;
        }
        if (asprintf(&config,
                     "{\"architecture\":\"amd64\",\"config\":{%s},\"created\":\"%s\",\"history\":[],\"os\":\"linux\","
                     "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}}",
                     img->config ?: "", img->created ?: "2023-11-14T22:13:20Z", diff_ids) < 0)
                abort();
        free(diff_ids);
        return config;
}

static void add_member(struct archive *a, const char *name, const char *data, size_t len)
{
        struct archive_entry *e = archive_entry_new();

        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)len);
        archive_write_header(a, e);
        archive_write_data(a, data, len);
        archive_entry_free(e);
}

char *test_docker_archive(const struct test_image *images, size_t n_images, size_t *ret_len)
{
        size_t allocated = 256u << 20, used = 0;
        char *buf = malloc(allocated), *manifest = strdup("[");
        struct archive *a = archive_write_new();

        archive_write_set_format_pax_restricted(a);
        archive_write_open_memory(a, buf, allocated, &used);

        for (size_t i = 0; i < n_images; i++) {
                const struct test_image *img = &images[i];
                char *config = test_image_config(img), *layers = strdup(""), *tags = strdup(""), *grown = NULL;
                char config_name[80];

                for (size_t j = 0; j < img->n_layers; j++) {
                        char name[128];

                        snprintf(name, sizeof(name), "%s/layer.tar",
                                 digest_hex(test_digest(img->layers[j].data, img->layers[j].len)));
                        add_member(a, name, img->layers[j].data, img->layers[j].len);
                        if (asprintf(&grown, "%s%s\"%s\"", layers, j ? "," : "", name) < 0)
                                abort();
                        free(layers);
                        layers = grown;
                }
                for (size_t j = 0; img->tags && img->tags[j]; j++) {
                        if (asprintf(&grown, "%s%s\"%s\"", tags, j ? "," : "", img->tags[j]) < 0)
                                abort();
                        free(tags);
                        tags = grown;
                }

                snprintf(config_name, sizeof(config_name), "%s.json", digest_hex(test_digest(config, strlen(config))));
                add_member(a, config_name, config, strlen(config));
                if (asprintf(&grown, "%s%s{\"Config\":\"%s\",\"RepoTags\":[%s],\"Layers\":[%s]}", manifest,
                             i ? "," : "", config_name, tags, layers) < 0)
                        abort();
                free(manifest);
                manifest = grown;
                free(config);
                free(layers);
                free(tags);
        }

        {
                char *closed = NULL;

                if (asprintf(&closed, "%s]", manifest) < 0)
                        abort();
                add_member(a, "manifest.json", closed, strlen(closed));
                free(closed);
        }
        free(manifest);
        archive_write_close(a);
        archive_write_free(a);
        *ret_len = used;
        return buf;
}

char *test_mkdtemp(const char *prefix)
{
        const char *tmp = getenv("TMPDIR");
        char *path = NULL;

        if (asprintf(&path, "%s/%s.XXXXXX", tmp ? tmp : "/tmp", prefix) < 0 || !mkdtemp(path))
                abort();
        return path;
}

void test_rm_rf(const char *path)
{
        fs_rm_rf_at(AT_FDCWD, path);
}

int test_buffer_write(void *userdata, const void *buf, size_t len)
{
        struct test_buffer *b = userdata;

        if (b->fail_after && b->len + len > b->fail_after)
                return -EPIPE;
        if (b->len + len > b->allocated) {
                b->allocated = (b->len + len) * 2;
                b->data = realloc(b->data, b->allocated);
                if (!b->data)
                        abort();
        }
        memcpy(b->data + b->len, buf, len);
        b->len += len;
        return 0;
}

void test_store_open(const char *prefix, char **ret_root, struct image_store **ret_store)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        char *root = test_mkdtemp(prefix);
        int r;

        r = image_store_open(root, ret_store, &err);
        if (r < 0) {
                fprintf(stderr, "failed to open the image store in %s: %s\n", root, error_message(&err, r));
                abort();
        }
        *ret_root = root;
}

void test_store_close(char *root, struct image_store *store)
{
        image_store_free(store);
        test_rm_rf(root);
        free(root);
}
