/* SPDX-License-Identifier: Apache-2.0 */
/* The disk usage of a container, as Docker reports it with size=true. */
#include <fcntl.h>
#include <stdio.h>

#include "engine-internal.h"
#include "image/extract.h"
#include "image/image.h"

int engine_container_size(struct engine *e, struct container *c, int64_t *ret_rw, int64_t *ret_root_fs)
{
        _cleanup_close_ int fd = -1;
        char upper[ID_LENGTH + 8];
        int64_t rw = 0;
        int r;

        /* The writable layer, counted as overlay2 counts a layer's size. */
        snprintf(upper, sizeof(upper), "%s/upper", c->id);
        fd = openat(e->containers_dirfd, upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = extract_dir_size(fd, &rw);
        if (r < 0)
                return r;

        /* dockerd adds the image's layers below it. */
        *ret_rw = rw;
        *ret_root_fs = rw + (c->image ? c->image->size : 0);
        return 0;
}
