/* SPDX-License-Identifier: Apache-2.0 */
/* The copy of a directory of the merged layers into a new volume: what the
 * layers show there, with owners, modes, times and links, and nothing that
 * a whiteout hides. The layers use real overlayfs whiteouts, so the test
 * needs root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fsutil.h"
#include "image/layerstack.h"
#include "macro.h"

#define FIXED_MTIME 1700000000

struct fixture {
        char root[64];
        char lower0[128], lower1[128], dest[128];
        struct layerstack_layer layers[2];
        struct layerstack fs;
        int dest_fd;
};

static void make(const char *dir, const char *rel, mode_t type, mode_t mode, uid_t uid, gid_t gid)
{
        struct timespec times[2] = { { .tv_sec = FIXED_MTIME }, { .tv_sec = FIXED_MTIME } };
        char path[512];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        if (type == S_IFDIR) {
                assert_int_equal(mkdir(path, mode), 0);
        } else if (type == S_IFCHR) {
                /* An overlayfs whiteout. */
                assert_int_equal(mknod(path, S_IFCHR | 0600, makedev(0, 0)), 0);
        } else {
                fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
                assert_true(fd >= 0);
                assert_int_equal(write(fd, rel, strlen(rel)), (ssize_t)strlen(rel));
                close(fd);
        }
        assert_int_equal(lchown(path, uid, gid), 0);
        assert_int_equal(chmod(path, mode), 0);
        assert_int_equal(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW), 0);
}

/* lower0 has /data with a file of 1234:2345, a directory, a link and a
 * file that lower1 hides with a whiteout. lower1 adds a file to /data.
 * lower0 also has the file /etc/passwd. */
static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        char link_path[512];

        assert_non_null(f);
        snprintf(f->root, sizeof(f->root), "/tmp/test-layerstack-copy.XXXXXX");
        assert_non_null(mkdtemp(f->root));
        snprintf(f->lower0, sizeof(f->lower0), "%s/lower0", f->root);
        snprintf(f->lower1, sizeof(f->lower1), "%s/lower1", f->root);
        snprintf(f->dest, sizeof(f->dest), "%s/dest", f->root);
        assert_int_equal(mkdir(f->lower0, 0755), 0);
        assert_int_equal(mkdir(f->lower1, 0755), 0);
        assert_int_equal(mkdir(f->dest, 0755), 0);

        make(f->lower0, "data", S_IFDIR, 0750, 1234, 2345);
        make(f->lower0, "data/file", S_IFREG, 0640, 1234, 2345);
        make(f->lower0, "data/gone", S_IFREG, 0644, 0, 0);
        make(f->lower0, "data/sub", S_IFDIR, 0700, 0, 0);
        make(f->lower0, "data/sub/inner", S_IFREG, 04755, 0, 0);
        snprintf(link_path, sizeof(link_path), "%s/data/link", f->lower0);
        assert_int_equal(symlink("file", link_path), 0);
        make(f->lower0, "etc", S_IFDIR, 0755, 0, 0);
        make(f->lower0, "etc/passwd", S_IFREG, 0644, 0, 0);
        make(f->lower1, "data", S_IFDIR, 0750, 1234, 2345);
        make(f->lower1, "data/gone", S_IFCHR, 0, 0, 0);
        make(f->lower1, "data/new", S_IFREG, 0600, 7, 8);

        f->layers[0] = (struct layerstack_layer){ .fd = open(f->lower1, O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
        f->layers[1] = (struct layerstack_layer){ .fd = open(f->lower0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
        f->fs = (struct layerstack){ .layers = f->layers, .n_layers = 2 };
        f->dest_fd = open(f->dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->layers[0].fd >= 0 && f->layers[1].fd >= 0 && f->dest_fd >= 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        close(f->layers[0].fd);
        close(f->layers[1].fd);
        close(f->dest_fd);
        fs_rm_rf_at(AT_FDCWD, f->root);
        free(f);
        return 0;
}

static void stat_dest(struct fixture *f, const char *rel, struct stat *st)
{
        assert_int_equal(fstatat(f->dest_fd, rel, st, AT_SYMLINK_NOFOLLOW), 0);
}

static void shift_owner(uid_t *uid, gid_t *gid, void *userdata)
{
        *uid += *(unsigned *)userdata;
        *gid += *(unsigned *)userdata;
}

static void copy_merged_directory(void **state)
{
        struct fixture *f = *state;
        char target[16] = "", lower_sub[512];
        struct stat st, lower_st;

        assert_int_equal(layerstack_copy_dir(&f->fs, "/data", f->dest_fd, NULL, NULL, NULL), 0);

        stat_dest(f, ".", &st);
        assert_int_equal(st.st_mode & 07777, 0750);
        assert_int_equal(st.st_uid, 1234);
        assert_int_equal(st.st_gid, 2345);
        stat_dest(f, "file", &st);
        assert_int_equal(st.st_mode & 07777, 0640);
        assert_int_equal(st.st_uid, 1234);
        assert_int_equal(st.st_mtim.tv_sec, FIXED_MTIME);
        stat_dest(f, "sub/inner", &st);
        assert_int_equal(st.st_mode & 07777, 04755);
        /* A directory keeps its time, set after its entries were copied. */
        snprintf(lower_sub, sizeof(lower_sub), "%s/data/sub", f->lower0);
        assert_int_equal(stat(lower_sub, &lower_st), 0);
        stat_dest(f, "sub", &st);
        assert_int_equal(st.st_mtim.tv_sec, lower_st.st_mtim.tv_sec);
        assert_int_equal(st.st_mtim.tv_nsec, lower_st.st_mtim.tv_nsec);
        stat_dest(f, "new", &st);
        assert_int_equal(st.st_uid, 7);
        assert_int_equal(readlinkat(f->dest_fd, "link", target, sizeof(target) - 1), 4);
        assert_string_equal(target, "file");
        assert_int_not_equal(faccessat(f->dest_fd, "gone", F_OK, AT_SYMLINK_NOFOLLOW), 0);
}

static void copy_maps_owners(void **state)
{
        struct fixture *f = *state;
        unsigned offset = 100000;
        struct stat st;

        assert_int_equal(layerstack_copy_dir(&f->fs, "data/", f->dest_fd, shift_owner, &offset, NULL), 0);
        stat_dest(f, "file", &st);
        assert_int_equal(st.st_uid, 101234);
        assert_int_equal(st.st_gid, 102345);
        stat_dest(f, ".", &st);
        assert_int_equal(st.st_uid, 101234);
}

static void copy_path_errors(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(layerstack_copy_dir(&f->fs, "/missing", f->dest_fd, NULL, NULL, NULL), -ENOENT);
        assert_int_equal(layerstack_copy_dir(&f->fs, "/data/gone", f->dest_fd, NULL, NULL, NULL), -ENOENT);
        assert_int_equal(layerstack_copy_dir(&f->fs, "/etc/passwd", f->dest_fd, NULL, NULL, NULL), -ENOTDIR);
        assert_int_equal(layerstack_copy_dir(&f->fs, "/data/link/x", f->dest_fd, NULL, NULL, NULL), -ENOENT);
        /* Without a destination, only the path is checked. */
        assert_int_equal(layerstack_copy_dir(&f->fs, "/data", -1, NULL, NULL, NULL), 0);
        assert_int_not_equal(faccessat(f->dest_fd, "file", F_OK, AT_SYMLINK_NOFOLLOW), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(copy_merged_directory, setup, teardown),
                cmocka_unit_test_setup_teardown(copy_maps_owners, setup, teardown),
                cmocka_unit_test_setup_teardown(copy_path_errors, setup, teardown),
        };

        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root for overlayfs whiteouts\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
