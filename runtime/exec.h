/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

/*
 * Finds the executable for args[0] as runc does before it reports a
 * container created, so that a bad command fails at create with runc's
 * message:
 *
 *   - a name with a '/' is used as a path (relative to the working
 *     directory): it must exist, not be a directory and have an execute
 *     bit, else `exec: "x": stat x: no such file or directory` or
 *     `exec: "x": permission denied`;
 *   - any other name is looked up in path_env (the PATH of process.env;
 *     an empty entry is the working directory), taking the first file that
 *     is not a directory and has an execute bit, else
 *     `exec: "x": executable file not found in $PATH`;
 *   - the result must be executable with the caller's credentials, else
 *     `exec /path: permission denied`.
 *
 * Returns the path in *ret, or -ENOENT, -EACCES and other codes of stat(2)
 * with the message in err.
 */
int runtime_exec_lookup(const char *file, const char *path_env, char **ret, struct error *err);

/* Returns the value of name in env ("NAME=value" strings); the last entry
 * wins, as it does when runc sets them one by one. */
const char *runtime_env_get(char *const *env, const char *name);

/* Returns the lowercase text Go gives errno code (a negative errno), which
 * runc's messages carry: "no such file or directory". */
const char *runtime_errno_text(int code, char *buf, size_t size);
