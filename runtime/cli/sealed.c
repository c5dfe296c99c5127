/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>

#include "runtime/cli/cli.h"
#include "sealed.h"

extern char **environ;

bool cli_running_sealed(void)
{
        _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

        return fd >= 0 && sealed_copy_is_sealed(fd);
}

int cli_reexec_sealed(void)
{
        _cleanup_close_ int exe = -1, copy = -1;

        exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (exe < 0)
                return negative_errno();
        copy = sealed_copy(exe, "sockerless-runtime");
        if (copy < 0)
                return copy;

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
