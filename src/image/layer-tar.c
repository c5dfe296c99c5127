/* SPDX-License-Identifier: Apache-2.0 */
/* Rebuilds a stored layer's tar from its tar-split record (layer-tar.h). */
#include "layer-tar.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "store-internal.h"
#include "tar-split.h"

#define CONTENT_DIR "diff"

/* A reference on a layer for as long as its files are read, so that a
 * concurrent rmi leaves them in place. */
struct layer_handle {
        struct image_store *store;
        struct layer *layer;
        int dir_fd;
};

static void layer_handle_done(struct layer_handle *h)
{
        if (h->dir_fd >= 0)
                close(h->dir_fd);
        if (h->layer)
                store_layer_put(h->store, h->layer);
}

static int layer_handle_open(struct image_store *s, const char *chain_id, struct layer_handle *ret, struct error *err)
{
        struct layer_handle h = { .store = s, .dir_fd = -1 };
        int r;

        if (!digest_is_sha256(chain_id))
                return error_set(err, -ENOENT, "No such layer: %s", chain_id);
        r = store_layer_get(s, chain_id, &h.layer);
        if (r < 0)
                return error_set(err, r, "No such layer: %s", chain_id);

        h.dir_fd = openat(s->layers_fd, digest_hex(chain_id), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (h.dir_fd < 0) {
                r = error_set_errno(err, -errno, "failed to open layer %s", chain_id);
                layer_handle_done(&h);
                return r;
        }
        *ret = h;
        return 0;
}

/* Opens the record and checks its header; -ENODATA when the layer has none. */
static int record_open(int dir_fd, const char *chain_id, int *ret_fd, uint64_t *ret_tar_size, struct error *err)
{
        _cleanup_close_ int fd = openat(dir_fd, TAR_SPLIT_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        unsigned char header[TAR_SPLIT_HEADER_SIZE];
        ssize_t n;

        if (fd < 0 && errno == ENOENT)
                return error_set(err, -ENODATA,
                                 "layer %s has no tar-split record, so its original tar cannot be rebuilt "
                                 "(it was stored by an older version of sockerless); remove the image and "
                                 "load or pull it again",
                                 chain_id);
        if (fd < 0)
                return error_set_errno(err, -errno, "failed to open the tar-split record of layer %s", chain_id);

        n = pread(fd, header, sizeof(header), 0);
        if (n < 0)
                return error_set_errno(err, -errno, "failed to read the tar-split record of layer %s", chain_id);
        if (tar_split_header_parse(header, (size_t)n, ret_tar_size) < 0)
                return error_set(err, -EBADMSG, "invalid tar-split record of layer %s: bad header", chain_id);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int image_layer_tar_size(struct image_store *s, const char *chain_id, uint64_t *ret_size, struct error *err)
{
        struct layer_handle h;
        int fd = -1, r;

        r = layer_handle_open(s, chain_id, &h, err);
        if (r < 0)
                return r;
        r = record_open(h.dir_fd, chain_id, &fd, ret_size, err);
        if (fd >= 0)
                close(fd);
        layer_handle_done(&h);
        return r;
}

int image_layer_write_tar(struct image_store *s, const char *chain_id, image_layer_write_fn write, void *userdata,
                          struct error *err)
{
        _cleanup_close_ int content_fd = -1, record_fd = -1;
        char digest[DIGEST_STRING_MAX];
        struct layer_handle h;
        uint64_t tar_size;
        int r;

        r = layer_handle_open(s, chain_id, &h, err);
        if (r < 0)
                return r;

        content_fd = openat(h.dir_fd, CONTENT_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (content_fd < 0)
                r = error_set_errno(err, -errno, "failed to open the content of layer %s", chain_id);
        if (r >= 0)
                r = record_open(h.dir_fd, chain_id, &record_fd, &tar_size, err);
        if (r >= 0)
                r = tar_split_write(record_fd, content_fd, chain_id, write, userdata, digest, err);
        if (r >= 0 && !streq(digest, h.layer->diff_id))
                r = error_set(err, -EIO, "layer %s: the rebuilt tar has digest %s, expected the diff ID %s", chain_id,
                              digest, h.layer->diff_id);

        layer_handle_done(&h);
        return r;
}
