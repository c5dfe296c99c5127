/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <fcntl.h>
#include <stdbool.h>

/*
 * Sealed copies of executables: a memfd holding a program's bytes that no
 * one can write, grow, shrink or unseal. A runtime that runs from such a
 * copy keeps a container from overwriting the host's binary through
 * /proc/PID/exe (CVE-2019-5736): the container reaches only the copy.
 */

/* The seals of a sealed copy. */
#define SEALED_COPY_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Copies what fd contains (from offset 0 to its size) into a new memfd
 * named name, close-on-exec and executable, and seals it. Returns the
 * memfd or a negative errno. */
int sealed_copy(int fd, const char *name);

/* Tells whether fd is a sealed copy. */
bool sealed_copy_is_sealed(int fd);
