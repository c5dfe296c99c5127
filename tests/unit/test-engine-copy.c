/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the docker cp paths: cleaning as dockerd cleans request
 * paths, resolution in the scope of a root, and the stat dockerd reports. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/copy.h"
#include "fsutil.h"

struct tree {
        char dir[64];
        int fd;
};

/* A root with /d/f, /d/sub, /lnk -> /d, /d/rel -> f, /up -> ../../.., and
 * /loop -> loop. */
static int tree_setup(void **state)
{
        struct tree *t = calloc(1, sizeof(*t));

        assert_non_null(t);
        snprintf(t->dir, sizeof(t->dir), "/tmp/test-engine-copy.XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        t->fd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(t->fd >= 0);
        assert_return_code(mkdirat(t->fd, "d", 0755), errno);
        assert_return_code(mkdirat(t->fd, "d/sub", 0755), errno);
        close(openat(t->fd, "d/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
        assert_return_code(symlinkat("/d", t->fd, "lnk"), errno);
        assert_return_code(symlinkat("f", t->fd, "d/rel"), errno);
        assert_return_code(symlinkat("../../..", t->fd, "up"), errno);
        assert_return_code(symlinkat("loop", t->fd, "loop"), errno);
        *state = t;
        return 0;
}

static int tree_teardown(void **state)
{
        struct tree *t = *state;

        close(t->fd);
        fs_rm_rf_at(AT_FDCWD, t->dir);
        free(t);
        return 0;
}

static void check_clean(const char *path, const char *expected)
{
        char *clean = NULL;

        assert_return_code(copy_clean_path(path, &clean), 0);
        assert_string_equal(clean, expected);
        free(clean);
}

static void test_clean_path(void **state)
{
        char *clean = NULL;

        (void)state;
        check_clean("d/f", "/d/f");
        check_clean("/d/../../f", "/f");
        check_clean("/d/", "/d/");
        check_clean("/d/.", "/d/.");
        check_clean(".", "/.");
        check_clean("/", "/");
        check_clean("//d//sub/", "/d/sub/");
        assert_int_equal(copy_clean_path("", &clean), -EINVAL);
}

static void check_resolve(struct tree *t, const char *path, unsigned flags, const char *expected, bool exists)
{
        struct copy_target target = { .parent_fd = -1, .fd = -1 };

        assert_return_code(copy_resolve(t->fd, path, flags, 0, 0, &target), 0);
        assert_string_equal(target.path, expected);
        assert_int_equal(target.fd >= 0, exists);
        copy_target_clear(&target);
}

static void test_resolve_links(void **state)
{
        struct tree *t = *state;

        check_resolve(t, "/lnk", 0, "/lnk", true);
        check_resolve(t, "/lnk", COPY_FOLLOW_FINAL, "/d", true);
        check_resolve(t, "/lnk/rel", COPY_FOLLOW_FINAL, "/d/f", true);
        check_resolve(t, "/lnk/rel", 0, "/d/rel", true);
        /* A link above the root stops at the root. */
        check_resolve(t, "/up/d/f", 0, "/d/f", true);
        check_resolve(t, "/missing/../d", 0, "/d", true);
        check_resolve(t, "/missing/x", 0, "/missing/x", false);
}

static void test_resolve_errors(void **state)
{
        struct tree *t = *state;
        struct copy_target target = { .parent_fd = -1, .fd = -1 };

        assert_int_equal(copy_resolve(t->fd, "/loop", COPY_FOLLOW_FINAL, 0, 0, &target), -ELOOP);
        assert_int_equal(copy_resolve(t->fd, "/d/f/x", 0, 0, 0, &target), -ENOTDIR);
}

static void test_resolve_create(void **state)
{
        struct tree *t = *state;
        struct copy_target target = { .parent_fd = -1, .fd = -1 };
        struct stat st;

        assert_return_code(copy_resolve(t->fd, "/lnk/new/deeper", COPY_FOLLOW_FINAL | COPY_CREATE_DIRS, 0, 0, &target),
                           0);
        assert_string_equal(target.path, "/d/new/deeper");
        assert_return_code(fstatat(target.fd, "", &st, AT_EMPTY_PATH), errno);
        assert_true(S_ISDIR(st.st_mode));
        copy_target_clear(&target);
}

static void test_stat_path(void **state)
{
        struct tree *t = *state;
        struct copy_path_stat st = { 0 };

        assert_return_code(copy_stat_path(t->fd, "/lnk", NULL, &st), 0);
        assert_string_equal(st.name, "lnk");
        assert_string_equal(st.link_target, "/d");
        assert_int_equal(st.mode, (1u << 27) | 0777);
        copy_path_stat_clear(&st);

        assert_return_code(copy_stat_path(t->fd, "/lnk/.", NULL, &st), 0);
        assert_string_equal(st.name, ".");
        assert_int_equal(st.mode & (1u << 31), 1u << 31);
        copy_path_stat_clear(&st);

        assert_int_equal(copy_stat_path(t->fd, "/d/f/", NULL, &st), -ENOTDIR);
        assert_int_equal(copy_stat_path(t->fd, "/nonexistent", NULL, &st), -ENOENT);
}

static void test_go_file_mode(void **state)
{
        (void)state;
        assert_int_equal(copy_go_file_mode(S_IFDIR | 0755), 2147484141u);
        assert_int_equal(copy_go_file_mode(S_IFREG | S_ISUID | 0755), (1u << 23) | 0755);
        assert_int_equal(copy_go_file_mode(S_IFCHR | 0666), (1u << 26) | (1u << 21) | 0666);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_clean_path),
                cmocka_unit_test(test_go_file_mode),
                cmocka_unit_test_setup_teardown(test_resolve_links, tree_setup, tree_teardown),
                cmocka_unit_test_setup_teardown(test_resolve_errors, tree_setup, tree_teardown),
                cmocka_unit_test_setup_teardown(test_resolve_create, tree_setup, tree_teardown),
                cmocka_unit_test_setup_teardown(test_stat_path, tree_setup, tree_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
