/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A probe that tests/integration/seccomp.sh builds statically and runs in
 * containers: it makes one system call and prints "ok" or the name of the
 * errno it failed with, so that the test can tell a seccomp denial (EPERM,
 * or ENOSYS for clone3) from the kernel's own result.
 *
 *   seccomp-probe add_key | keyctl | clone3 | unshare-user | mount
 *   seccomp-probe personality VALUE | socket FAMILY | mkdir PATH
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* From <linux/keyctl.h>, which static builds may lack. */
#define KEY_SPEC_SESSION_KEYRING (-3)
#define KEY_SPEC_PROCESS_KEYRING (-2)
#define KEYCTL_GET_KEYRING_ID    0

static long call(int argc, char **argv)
{
        const char *name = argv[1];

        if (strcmp(name, "add_key") == 0)
                return syscall(SYS_add_key, "user", "sl-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
        if (strcmp(name, "keyctl") == 0)
                return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
        /* With no arguments clone3 creates nothing: the kernel returns
         * EINVAL, and a filter that hides clone3 returns ENOSYS. */
        if (strcmp(name, "clone3") == 0)
                return syscall(SYS_clone3, NULL, 0);
        if (strcmp(name, "unshare-user") == 0)
                return unshare(CLONE_NEWUSER);
        /* A file system type that does not exist: ENODEV once the call
         * reaches the kernel with CAP_SYS_ADMIN. */
        if (strcmp(name, "mount") == 0)
                return mount("none", "/", "sl-no-such-fs", 0, NULL);
        if (strcmp(name, "personality") == 0 && argc == 3)
                return personality(strtoul(argv[2], NULL, 0));
        if (strcmp(name, "socket") == 0 && argc == 3) {
                int fd = socket(atoi(argv[2]), SOCK_STREAM, 0);

                if (fd >= 0)
                        close(fd);
                return fd;
        }
        if (strcmp(name, "mkdir") == 0 && argc == 3)
                return mkdir(argv[2], 0755);
        fprintf(stderr, "usage: seccomp-probe add_key|keyctl|clone3|unshare-user|mount|personality VALUE|"
                        "socket FAMILY|mkdir PATH\n");
        exit(2);
}

int main(int argc, char **argv)
{
        long r;

        if (argc < 2)
                return 2;
        errno = 0;
        r = call(argc, argv);
        if (r == -1 && errno != 0) {
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        printf("ok\n");
        return 0;
}
