/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <linux/filter.h>
#include <stdint.h>

#include "error.h"
#include "runtime/spec.h"

/* A seccomp filter compiled to classic BPF, with the seccomp(2) flags it is
 * loaded with. */
struct runtime_seccomp_program {
        struct sock_filter *insns;
        size_t n_insns;
        unsigned flags; /* SECCOMP_FILTER_FLAG_* */
};

/* Compiles the filter with libseccomp, before clone, so that the init only
 * has to load it. Syscall names libseccomp does not know are skipped, as
 * runc does, so one profile serves older and newer kernels. With cache_dir
 * (may be NULL), an identical filter compiled before, by any process, is
 * read from there instead, and a new one is stored there. */
int runtime_seccomp_prepare(const struct runtime_seccomp *s, const char *cache_dir,
                            struct runtime_seccomp_program **ret, struct error *err);

/* Loads the program into the calling process with seccomp(2). Without
 * no_new_privs, loading needs CAP_SYS_ADMIN. */
int runtime_seccomp_program_load(const struct runtime_seccomp_program *p, struct error *err);

void runtime_seccomp_program_free(struct runtime_seccomp_program *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_seccomp_program *, runtime_seccomp_program_free)

/* The cache of compiled filters (seccomp-cache.c). A cache file is named
 * by a hash of the filter's key: a normalized text of everything the BPF
 * depends on (the filter's rules, libseccomp's version and API level, the
 * native architecture). The file contains the key itself, so a hash
 * collision is a miss, never a wrong filter. */

/* Builds the key of s. */
int seccomp_cache_key(const struct runtime_seccomp *s, char **ret, size_t *ret_len);

/* Reads the program for key from dirfd. Returns 1 with *ret_insns set on a
 * hit, 0 on a miss (no file, or one that fails a check: owner, mode,
 * size, key or checksum), or -errno. */
int seccomp_cache_read(int dirfd, const char *key, size_t key_len, struct sock_filter **ret_insns, size_t *ret_n);

/* Stores the program for key in dirfd, atomically. */
int seccomp_cache_write(int dirfd, const char *key, size_t key_len, const struct sock_filter *insns, size_t n);

/* Opens (and creates, mode 0700) the cache directory. Returns the fd, or
 * -EPERM when the directory is not the caller's alone (owned by another
 * user, or writable by group or others), since its files decide which
 * filter a container gets. */
int seccomp_cache_open_dir(const char *path);
