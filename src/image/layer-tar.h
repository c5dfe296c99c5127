/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "image.h"

/*
 * A stored layer's tar, byte for byte as it was loaded, imported or pulled:
 * the stream whose sha256 is the layer's diff ID. It is rebuilt from the
 * layer's tar-split record (src/image/tar-split.h) and its extracted files.
 *
 * Errors of both functions:
 *  -ENOENT   no layer has chain_id;
 *  -ENODATA  the layer was stored without a record (by a version of
 *            Sockerless before records existed); the message says to load
 *            or pull the image again;
 *  -EBADMSG  the record is damaged;
 *  -EIO      a file of the layer changed since it was extracted (its size
 *            differs), or the rebuilt tar's sha256 is not the diff ID.
 */

/* Called with consecutive pieces of the tar; returns 0 or a negative errno,
 * which stops the writing and is returned. */
typedef int (*image_layer_write_fn)(void *userdata, const void *buf, size_t len);

/* Returns the length in bytes of the layer's tar, which
 * image_layer_write_tar writes (cheap: read from the record's header). */
int image_layer_tar_size(struct image_store *s, const char *chain_id, uint64_t *ret_size, struct error *err);

/* Writes the tar of the layer chain_id ("sha256:...") through write,
 * checking its sha256 against the layer's diff ID at the end. Payloads are
 * read from the layer's directory by fd, resolved inside it without
 * following symlinks. On an error after the first write, the bytes written
 * so far are not a valid tar: the caller aborts what it was sending. */
int image_layer_write_tar(struct image_store *s, const char *chain_id, image_layer_write_fn write, void *userdata,
                          struct error *err);
