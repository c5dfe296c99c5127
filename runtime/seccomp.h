/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "runtime/spec.h"

/* Compiles the filter with libseccomp and loads it into the calling
 * process. Syscall names libseccomp does not know are skipped, as runc
 * does, so one profile serves older and newer kernels. Without
 * no_new_privs, loading needs CAP_SYS_ADMIN. */
int runtime_seccomp_load(const struct runtime_seccomp *s, struct error *err);
