/* SPDX-License-Identifier: Apache-2.0 */
#include "fsutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>

int fs_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

ssize_t fs_read_all(int fd, void *buf, size_t len)
{
        char *p = buf;
        size_t done = 0;

        while (done < len) {
                ssize_t n = read(fd, p + done, len - done);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

int fs_copy_fd(int in_fd, int out_fd)
{
        char buf[65536];

        for (;;) {
                ssize_t n = read(in_fd, buf, sizeof(buf));
                int r;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return 0;
                r = fs_write_all(out_fd, buf, (size_t)n);
                if (r < 0)
                        return r;
        }
}

/* Writes data to a new temporary file in dirfd and renames it over name.
 * With durable, the file is synced before the rename and the directory
 * after it. */
static int write_and_rename(int dirfd, const char *name, const void *data, size_t len, mode_t mode, bool durable)
{
        char tmp[512];
        uint64_t nonce = 0;
        _cleanup_close_ int fd = -1;
        int r;

        if (getrandom(&nonce, sizeof(nonce), 0) < 0)
                nonce = (uint64_t)getpid();
        r = snprintf(tmp, sizeof(tmp), ".%s.%016llx.tmp", name, (unsigned long long)nonce);
        if (r < 0 || (size_t)r >= sizeof(tmp))
                return -ENAMETOOLONG;

        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;

        r = fs_write_all(fd, data, len);
        if (r >= 0 && durable && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(dirfd, tmp, 0);
                return r;
        }
        if (!durable)
                return 0;

        /* The rename is durable only once the directory itself is synced. */
        if (dirfd == AT_FDCWD) {
                _cleanup_close_ int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (cwd < 0 || fsync(cwd) < 0)
                        return -errno;
                return 0;
        }
        if (fsync(dirfd) < 0)
                return -errno;
        return 0;
}

int fs_write_atomic_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
        return write_and_rename(dirfd, name, data, len, mode, true);
}

int fs_replace_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
        return write_and_rename(dirfd, name, data, len, mode, false);
}

int fs_read_file_at(int dirfd, const char *name, size_t max_len, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, cap = 4096;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;

        buf = malloc(cap);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                ssize_t n;

                if (size + 1 >= cap) {
                        char *grown;

                        if (cap > max_len + 1)
                                return -EFBIG;
                        grown = realloc(buf, cap * 2);
                        if (!grown)
                                return -ENOMEM;
                        buf = grown;
                        cap *= 2;
                }
                n = read(fd, buf + size, cap - size - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t)n;
                if (size > max_len)
                        return -EFBIG;
        }

        buf[size] = '\0';
        if (ret_len)
                *ret_len = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

int fs_mkdir_at(int dirfd, const char *name, mode_t mode)
{
        if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int fs_mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *copy = strdup(path);
        char *p;

        if (!copy)
                return -ENOMEM;

        for (p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(copy, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int rm_rf_children(int fd, dev_t dev);

static int rm_rf_entry(int dirfd, const char *name, dev_t dev)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;

        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return -errno;
                return 0;
        }
        if (st.st_dev != dev)
                return -EBUSY;

        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        r = rm_rf_children(TAKE_FD(fd), dev);
        if (r < 0)
                return r;
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

/* Takes ownership of fd. */
static int rm_rf_children(int fd, dev_t dev)
{
        DIR *dir = fdopendir(fd);
        struct dirent *de;
        int r = 0;

        if (!dir) {
                r = -errno;
                close(fd);
                return r;
        }
        while ((de = readdir(dir))) {
                int q;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                q = rm_rf_entry(dirfd(dir), de->d_name, dev);
                if (q < 0 && r == 0)
                        r = q;
        }
        closedir(dir);
        return r;
}

int fs_rm_rf_at(int dirfd, const char *name)
{
        struct stat st;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        return rm_rf_entry(dirfd, name, st.st_dev);
}

char *fs_path_join(const char *a, const char *b)
{
        char *out = NULL;
        size_t la = strlen(a);

        while (*b == '/')
                b++;
        if (asprintf(&out, "%s%s%s", a, (la > 0 && a[la - 1] == '/') ? "" : "/", b) < 0)
                return NULL;
        return out;
}
