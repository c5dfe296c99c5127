/* SPDX-License-Identifier: Apache-2.0 */
/* The gzip'd rotated files of the compress option: written by the
 * monitor's rotation, read back by the daemon for docker logs. A separate
 * file, so that only the programs that call these link zlib. */
#include "jsonlog.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "fsutil.h"

#define GZIP_CHUNK (64 * 1024)

/* Copies src_fd into a gzip stream on dst_fd, which it closes. */
static int gzip_fd(int src_fd, int dst_fd)
{
        char buf[GZIP_CHUNK];
        gzFile gz = gzdopen(dst_fd, "wb");
        ssize_t n;
        int r = 0;

        if (!gz) {
                close(dst_fd);
                return -ENOMEM;
        }
        while ((n = read(src_fd, buf, sizeof(buf))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        break;
                }
                if (gzwrite(gz, buf, (unsigned)n) != (int)n) {
                        r = -EIO;
                        break;
                }
        }
        if (gzclose(gz) != Z_OK && r == 0)
                r = -EIO;
        return r;
}

int jsonlog_compress_rotated(const char *path)
{
        char src[4096], dst[4096], tmp[4096];
        int src_fd, dst_fd, r;

        if (strlen(path) + 16 > sizeof(src))
                return -ENAMETOOLONG;
        snprintf(src, sizeof(src), "%s.1", path);
        snprintf(dst, sizeof(dst), "%s.1.gz", path);
        snprintf(tmp, sizeof(tmp), "%s.1.gz.tmp", path);

        src_fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (src_fd < 0)
                return errno == ENOENT ? 0 : -errno;
        dst_fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (dst_fd < 0) {
                r = -errno;
                close(src_fd);
                return r;
        }
        r = gzip_fd(src_fd, dst_fd);
        close(src_fd);
        /* Renamed into place whole, then the plain file goes, so a reader
         * finds one of the two complete. */
        if (r == 0 && rename(tmp, dst) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        if (unlink(src) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int jsonlog_open_gzip(const char *path)
{
        char buf[GZIP_CHUNK];
        gzFile gz;
        int fd, out, n;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? -1 : -errno;
        out = memfd_create("jsonlog", MFD_CLOEXEC);
        if (out < 0) {
                n = -errno;
                close(fd);
                return n;
        }
        gz = gzdopen(fd, "rb");
        if (!gz) {
                close(fd);
                close(out);
                return -ENOMEM;
        }
        while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
                int r = fs_write_all(out, buf, (size_t)n);

                if (r < 0) {
                        gzclose(gz);
                        close(out);
                        return r;
                }
        }
        gzclose(gz);
        if (n < 0) {
                close(out);
                return -EBADMSG;
        }
        if (lseek(out, 0, SEEK_SET) < 0) {
                n = -errno;
                close(out);
                return n;
        }
        return out;
}
