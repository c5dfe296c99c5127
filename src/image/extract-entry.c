/* SPDX-License-Identifier: Apache-2.0 */
/* Steps of extracting one tar entry that the layer extractor (extract.c)
 * and docker cp (src/engine/copy-extract.c) share. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "extract.h"
#include "macro.h"

int extract_entry_data(struct archive *a, int fd, int64_t size, enum extract_data_step *ret_step)
{
        const void *buf;
        size_t len;
        la_int64_t offset;

        for (;;) {
                int r = archive_read_data_block(a, &buf, &len, &offset);

                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN) {
                        *ret_step = EXTRACT_DATA_READ;
                        return -EIO;
                }
                for (size_t done = 0; done < len;) {
                        ssize_t n = pwrite(fd, (const char *)buf + done, len - done, offset + (off_t)done);

                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0) {
                                *ret_step = EXTRACT_DATA_WRITE;
                                return -errno;
                        }
                        done += (size_t)n;
                }
        }

        /* A sparse file may end in a hole that no data block covers. */
        if (ftruncate(fd, size) < 0) {
                *ret_step = EXTRACT_DATA_TRUNCATE;
                return -errno;
        }
        return 0;
}

int extract_entry_xattrs(struct archive_entry *e, int fd, int parent_fd, const char *base)
{
        char proc_path[PATH_MAX];
        const char *name;
        const void *value;
        size_t size;

        if (archive_entry_xattr_reset(e) == 0)
                return 0;
        /* parent_fd was resolved safely and base is one component, which
         * lsetxattr does not follow. */
        if (fd < 0 &&
            snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d/%s", parent_fd, base) >= (int)sizeof(proc_path))
                return -ENAMETOOLONG;

        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                int r;

                /* The overlay namespaces are the kernel's: an archive must
                 * not carry redirects or opaque markers of its own making. */
                if (startswith(name, "trusted.overlay.") || startswith(name, "user.overlay."))
                        continue;
                r = fd >= 0 ? fsetxattr(fd, name, value, size, 0) : lsetxattr(proc_path, name, value, size, 0);
                if (r < 0 && errno != ENOTSUP && errno != EPERM)
                        return -errno;
        }
        return 0;
}

int extract_dir_times_add(struct extract_dir_times *list, const char *path, const struct timespec times[2])
{
        struct extract_dir_time *grown = realloc(list->items, (list->n_items + 1) * sizeof(*grown));
        struct extract_dir_time *item;

        if (!grown)
                return -ENOMEM;
        list->items = grown;
        item = &list->items[list->n_items];
        item->path = strdup(path);
        if (!item->path)
                return -ENOMEM;
        item->times[0] = times[0];
        item->times[1] = times[1];
        list->n_items++;
        return 0;
}

void extract_dir_times_free(struct extract_dir_times *list)
{
        for (size_t i = 0; i < list->n_items; i++)
                free(list->items[i].path);
        free(list->items);
        *list = (struct extract_dir_times){};
}
