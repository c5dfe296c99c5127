/* SPDX-License-Identifier: Apache-2.0 */
#include "sealed.h"

#include <linux/memfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "macro.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static int create_memfd(const char *name)
{
        int fd;

        /* Kernels 6.3 and later want MFD_EXEC for a memfd to execute, and
         * older ones reject the flag. */
        fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (fd < 0 && errno == EINVAL)
                fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        return fd < 0 ? negative_errno() : fd;
}

static int copy_all(int from, int to)
{
        struct stat st;
        off_t offset = 0;

        if (fstat(from, &st) < 0)
                return negative_errno();
        while (offset < st.st_size) {
                ssize_t n = sendfile(to, from, &offset, st.st_size - offset);

                if (n < 0 && errno != EINTR)
                        return negative_errno();
                if (n == 0)
                        return -EIO;
        }
        return 0;
}

int sealed_copy(int fd, const char *name)
{
        _cleanup_close_ int copy = create_memfd(name);
        int r;

        if (copy < 0)
                return copy;
        r = copy_all(fd, copy);
        if (r < 0)
                return r;
        if (fcntl(copy, F_ADD_SEALS, SEALED_COPY_SEALS) < 0)
                return negative_errno();
        return TAKE_FD(copy);
}

bool sealed_copy_is_sealed(int fd)
{
        int seals = fcntl(fd, F_GET_SEALS);

        return seals >= 0 && (seals & SEALED_COPY_SEALS) == SEALED_COPY_SEALS;
}
