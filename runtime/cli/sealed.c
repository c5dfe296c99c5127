/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "runtime/cli/cli.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* The seals that make the copy immutable: no write, no resize, and no
 * removing of seals. */
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

bool cli_running_sealed(void)
{
        _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        int seals;

        if (fd < 0)
                return false;
        seals = fcntl(fd, F_GET_SEALS);
        return seals >= 0 && (seals & SEALS) == SEALS;
}

static int create_memfd(void)
{
        int fd;

        /* Kernels 6.3 and later want MFD_EXEC for a memfd to execute, and
         * older ones reject the flag. */
        fd = memfd_create("sockerless-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (fd < 0 && errno == EINVAL)
                fd = memfd_create("sockerless-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        return fd < 0 ? negative_errno() : fd;
}

static int copy_binary(int from, int to)
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

int cli_reexec_sealed(void)
{
        _cleanup_close_ int exe = -1, copy = -1;
        int r;

        exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (exe < 0)
                return negative_errno();
        copy = create_memfd();
        if (copy < 0)
                return copy;
        r = copy_binary(exe, copy);
        if (r < 0)
                return r;
        if (fcntl(copy, F_ADD_SEALS, SEALS) < 0)
                return negative_errno();

        cli_debug("re-executing from a sealed copy of the runtime binary");
        /* An ELF binary may run from a close-on-exec fd: the kernel has
         * loaded it by the time the fd closes. */
        execveat(copy, "", cli.argv, environ, AT_EMPTY_PATH);
        return negative_errno();
}

int cli_ensure_sealed(void)
{
        int r;

        if (cli_running_sealed())
                return 0;
        r = cli_reexec_sealed();
        cli_error("failed to re-execute from a sealed copy of the runtime binary: %s", strerror(-r));
        return 1;
}
