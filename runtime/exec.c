/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "runtime/container.h"
#include "runtime/exec.h"
#include "strv.h"

const char *runtime_errno_text(int code, char *buf, size_t size)
{
        snprintf(buf, size, "%s", strerror(-code));
        if (buf[0])
                buf[0] = tolower((unsigned char)buf[0]);
        return buf;
}

const char *runtime_env_get(char *const *env, const char *name)
{
        const char *found = NULL;

        STRV_FOREACH (e, env) {
                const char *value = startswith(*e, name);

                if (value && *value == '=')
                        found = value + 1;
        }
        return found;
}

/* The test of Go's exec.LookPath: not a directory, some execute bit. */
static int check_executable(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
                return -EACCES;
        return 0;
}

static int lookup_path(const char *file, struct error *err)
{
        char text[128];
        int r;

        r = check_executable(file);
        if (r == -EACCES)
                return error_set(err, r, "exec: \"%s\": permission denied", file);
        if (r < 0)
                return error_set(err, r, "exec: \"%s\": stat %s: %s", file, file,
                                 runtime_errno_text(r, text, sizeof(text)));
        return 0;
}

static int lookup_in_path(const char *file, const char *path_env, char **ret, struct error *err)
{
        _cleanup_strv_free_ char **dirs = NULL;

        if (isempty(path_env))
                return error_set(err, -ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
        dirs = strv_split(path_env, ":", true);
        if (!dirs)
                return -ENOMEM;

        STRV_FOREACH (dir, dirs) {
                _cleanup_free_ char *candidate = NULL;

                if (asprintf(&candidate, "%s/%s", **dir ? *dir : ".", file) < 0)
                        return -ENOMEM;
                if (check_executable(candidate) == 0) {
                        *ret = TAKE_PTR(candidate);
                        return 0;
                }
        }
        return error_set(err, -ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
}

int runtime_exec_lookup(const char *file, const char *path_env, char **ret, struct error *err)
{
        _cleanup_free_ char *path = NULL;
        char text[128];
        int r;

        if (strchr(file, '/')) {
                r = lookup_path(file, err);
                if (r < 0)
                        return r;
                path = strdup(file);
                if (!path)
                        return -ENOMEM;
        } else {
                r = lookup_in_path(file, path_env, &path, err);
                if (r < 0)
                        return r;
        }

        /* The execute bits say nothing about the caller; ask the kernel. */
        if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0) {
                r = negative_errno();
                return error_set(err, r, "exec %s: %s", path, runtime_errno_text(r, text, sizeof(text)));
        }
        *ret = TAKE_PTR(path);
        return 0;
}

int runtime_exec_error_exit_code(int code)
{
        switch (code) {
        case -ENOENT:
                return 127;
        case -EACCES:
        case -ENOEXEC:
        case -EISDIR:
                return 126;
        default:
                return 128;
        }
}
