/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "error.h"
#include "fsutil.h"
#include "runtime/container.h"
#include "runtime/exec.h"

/* Each test runs in a new directory holding:
 *   bin/tool       executable       bin/plain   no execute bit
 *   bin/dir/       a directory      sbin/tool   executable (shadowed)
 *   local          executable, in the working directory */
#define TMPDIR_TEMPLATE "/tmp/test-runtime-exec-XXXXXX"
static char tmpdir[sizeof(TMPDIR_TEMPLATE)];
static int saved_cwd = -1;

static void make_file(const char *path, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        assert_true(fd >= 0);
        assert_int_equal(fs_write_all(fd, "#!/bin/sh\n", 10), 0);
        close(fd);
        assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
        strcpy(tmpdir, TMPDIR_TEMPLATE);
        saved_cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (!mkdtemp(tmpdir) || chdir(tmpdir) < 0)
                return -1;
        mkdir("bin", 0755);
        mkdir("sbin", 0755);
        mkdir("bin/dir", 0755);
        make_file("bin/tool", 0755);
        make_file("bin/plain", 0644);
        make_file("sbin/tool", 0755);
        make_file("local", 0755);
        return 0;
}

static int teardown(void **state)
{
        if (fchdir(saved_cwd) < 0)
                return -1;
        close(saved_cwd);
        return fs_rm_rf_at(AT_FDCWD, tmpdir);
}

static void lookup_ok(const char *file, const char *path_env, const char *want)
{
        struct error err = ERROR_INIT;
        char *found = NULL;
        int r = runtime_exec_lookup(file, path_env, &found, &err);

        if (r < 0)
                fail_msg("lookup of \"%s\" failed: %s", file, error_message(&err, r));
        assert_string_equal(found, want);
        free(found);
}

static void lookup_fails(const char *file, const char *path_env, int code, const char *message)
{
        struct error err = ERROR_INIT;
        char *found = NULL;

        assert_int_equal(runtime_exec_lookup(file, path_env, &found, &err), code);
        assert_null(found);
        assert_string_equal(err.message, message);
        error_clear(&err);
}

static void exec_path_search(void **state)
{
        lookup_ok("tool", "bin:sbin", "bin/tool");
        lookup_ok("tool", "sbin:bin", "sbin/tool");
        /* A directory or a file without an execute bit is passed over. */
        lookup_ok("tool", "bin/dir:bin", "bin/tool");
        /* An empty PATH entry is the working directory. */
        lookup_ok("local", "bin::sbin", "./local");
        lookup_fails("plain", "bin", -ENOENT, "exec: \"plain\": executable file not found in $PATH");
        lookup_fails("dir", "bin", -ENOENT, "exec: \"dir\": executable file not found in $PATH");
        lookup_fails("nonexist", "bin:sbin", -ENOENT, "exec: \"nonexist\": executable file not found in $PATH");
        lookup_fails("tool", NULL, -ENOENT, "exec: \"tool\": executable file not found in $PATH");
        lookup_fails("", "bin", -ENOENT, "exec: \"\": executable file not found in $PATH");
}

static void exec_with_slash(void **state)
{
        lookup_ok("bin/tool", "", "bin/tool");
        lookup_ok("./local", "sbin", "./local");
        lookup_fails("bin/plain", "bin", -EACCES, "exec: \"bin/plain\": permission denied");
        lookup_fails("bin/dir", "bin", -EACCES, "exec: \"bin/dir\": permission denied");
        lookup_fails("./nonexist", "bin", -ENOENT, "exec: \"./nonexist\": stat ./nonexist: no such file or directory");
        lookup_fails("bin/tool/x", "bin", -ENOTDIR, "exec: \"bin/tool/x\": stat bin/tool/x: not a directory");
}

static void exec_env_last_wins(void **state)
{
        char *env[] = { "PATH=/a", "HOME=/h", "PATH=/b", "PATHX=/c", NULL };

        assert_string_equal(runtime_env_get(env, "PATH"), "/b");
        assert_string_equal(runtime_env_get(env, "HOME"), "/h");
        assert_null(runtime_env_get(env, "PAT"));
        assert_null(runtime_env_get(NULL, "PATH"));
}

static void exec_exit_codes(void **state)
{
        assert_int_equal(runtime_exec_error_exit_code(-ENOENT), 127);
        assert_int_equal(runtime_exec_error_exit_code(-EACCES), 126);
        assert_int_equal(runtime_exec_error_exit_code(-ENOEXEC), 126);
        assert_int_equal(runtime_exec_error_exit_code(-EISDIR), 126);
        assert_int_equal(runtime_exec_error_exit_code(-EINVAL), 128);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(exec_path_search, setup, teardown),
                cmocka_unit_test_setup_teardown(exec_with_slash, setup, teardown),
                cmocka_unit_test(exec_env_last_wins),
                cmocka_unit_test(exec_exit_codes),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
