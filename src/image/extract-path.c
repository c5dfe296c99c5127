/* SPDX-License-Identifier: Apache-2.0 */
/* Entry names and the directories they are created in. */
#include "extract.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "strv.h"

#if HAVE_LINUX_OPENAT2_H && HAVE_DECL_SYS_OPENAT2
#include <linux/openat2.h>

static int openat2_dir(int rootfd, const char *rel)
{
        struct open_how how = {
                .flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
                /* RESOLVE_NO_SYMLINKS alone would keep the walk inside the
                 * root, because rel never holds ".."; RESOLVE_IN_ROOT is the
                 * second guard should that ever change. */
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV,
        };

        return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}
#else
static int openat2_dir(int rootfd, const char *rel)
{
        errno = ENOSYS;
        return -1;
}
#endif

static bool openat2_enabled = true;

void extract_set_openat2(bool enabled)
{
        __atomic_store_n(&openat2_enabled, enabled, __ATOMIC_RELAXED);
}

int extract_clean_path(const char *name, char **ret)
{
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ const char **kept = NULL;
        _cleanup_free_ char *out = NULL;
        size_t n = 0, len = 0;

        if (name[0] == '/')
                return -EINVAL;

        parts = strv_split(name, "/", false);
        if (!parts)
                return -ENOMEM;
        kept = calloc(strv_length(parts) + 1, sizeof(char *));
        if (!kept)
                return -ENOMEM;

        /* kept[0..n) is the cleaned path so far, a stack of components. */
        STRV_FOREACH (part, parts) {
                if (streq(*part, "."))
                        continue;
                if (streq(*part, "..")) {
                        if (n == 0)
                                return -EINVAL;
                        n--;
                        continue;
                }
                kept[n++] = *part;
        }

        for (size_t i = 0; i < n; i++)
                len += strlen(kept[i]) + 1;
        out = calloc(1, len + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        strcat(out, "/");
                strcat(out, kept[i]);
        }

        *ret = TAKE_PTR(out);
        return 0;
}

/* Walks rel one component at a time with O_NOFOLLOW, so a symlink on the
 * way fails with ELOOP (or ENOTDIR) instead of being followed. */
static int walk_open_dir(int rootfd, const char *rel, bool create, int *ret_fd)
{
        _cleanup_strv_free_ char **parts = strv_split(rel, "/", false);
        _cleanup_close_ int fd = -1;

        if (!parts)
                return -ENOMEM;

        fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;

        STRV_FOREACH (part, parts) {
                int next = openat(fd, *part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                if (next < 0 && errno == ENOENT && create) {
                        if (mkdirat(fd, *part, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        next = openat(fd, *part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (next < 0)
                        return -errno;
                close(fd);
                fd = next;
        }

        *ret_fd = TAKE_FD(fd);
        return 0;
}

int extract_open_dir(int rootfd, const char *rel, bool create, int *ret_fd)
{
        int fd;

        if (isempty(rel))
                rel = ".";

        if (__atomic_load_n(&openat2_enabled, __ATOMIC_RELAXED)) {
                fd = openat2_dir(rootfd, rel);
                if (fd >= 0) {
                        *ret_fd = fd;
                        return 0;
                }
                /* ENOSYS: an older kernel; EPERM: a seccomp filter. Both
                 * leave the walk below as the only way. */
                if (errno == ENOSYS || errno == EPERM)
                        extract_set_openat2(false);
                else if (errno != ENOENT || !create)
                        return -errno;
        }

        return walk_open_dir(rootfd, rel, create, ret_fd);
}
