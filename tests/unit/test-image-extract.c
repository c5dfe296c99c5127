/* SPDX-License-Identifier: Apache-2.0 */
/* Layer extraction: entry paths, metadata, whiteouts, hard links, and
 * archives that try to write outside the layer directory. Every test runs
 * twice: with openat2 and with the fallback walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "image-test-util.h"
#include "image/extract.h"

/* A sandbox: layer/ to extract into and outside/ holding one file, which
 * must be all that outside/ ever holds. */
struct sandbox {
        char *root;
        char layer[4096], outside[4096];
        int layer_fd;
};

static int sandbox_setup(void **state)
{
        struct sandbox *sb = calloc(1, sizeof(*sb));
        int fd;

        sb->root = test_mkdtemp("image-extract");
        snprintf(sb->layer, sizeof(sb->layer), "%s/layer", sb->root);
        snprintf(sb->outside, sizeof(sb->outside), "%s/outside", sb->root);
        assert_int_equal(mkdir(sb->layer, 0755), 0);
        assert_int_equal(mkdir(sb->outside, 0755), 0);
        fd = test_write_file(sb->outside, "secret", "s", 1);
        close(fd);
        sb->layer_fd = open(sb->layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(sb->layer_fd >= 0);
        *state = sb;
        return 0;
}

static int sandbox_teardown(void **state)
{
        struct sandbox *sb = *state;

        close(sb->layer_fd);
        test_rm_rf(sb->root);
        free(sb->root);
        free(sb);
        extract_set_openat2(true);
        return 0;
}

static int walk_setup(void **state)
{
        extract_set_openat2(false);
        return sandbox_setup(state);
}

/* Counts the entries of a directory (without "." and ".."). */
static int count_entries(const char *path)
{
        DIR *dir = opendir(path);
        struct dirent *de;
        int n = 0;

        assert_non_null(dir);
        while ((de = readdir(dir)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        closedir(dir);
        return n;
}

static void assert_outside_untouched(struct sandbox *sb)
{
        char path[4200];
        struct stat st;

        assert_int_equal(count_entries(sb->outside), 1);
        snprintf(path, sizeof(path), "%s/secret", sb->outside);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, 1);
        /* Nothing may appear next to the layer either. */
        assert_int_equal(count_entries(sb->root), 2);
}

/* Extracts an in-memory tar; returns the error code, message in err. */
static int extract(struct sandbox *sb, const char *tar, size_t len, struct error *err)
{
        struct archive *a = archive_read_new();
        int r;

        archive_read_support_format_tar(a);
        assert_int_equal(archive_read_open_memory(a, tar, len), ARCHIVE_OK);
        r = extract_archive(a, sb->layer_fd, err);
        archive_read_free(a);
        return r;
}

static void lstat_at(struct sandbox *sb, const char *rel, struct stat *st)
{
        char path[4200];

        snprintf(path, sizeof(path), "%s/%s", sb->layer, rel);
        if (lstat(path, st) < 0)
                fail_msg("%s is missing: %m", rel);
}

static bool exists_at(struct sandbox *sb, const char *rel)
{
        char path[4200];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", sb->layer, rel);
        return lstat(path, &st) == 0;
}

static void clean_path_table(void **state)
{
        static const struct {
                const char *name, *clean;
        } ok[] = {
                { "a/b", "a/b" }, { "./a//b/", "a/b" }, { "a/../b", "b" },   { ".", "" },
                { "./", "" },     { "", "" },           { "a/./b/..", "a" },
        };
        static const char *const bad[] = { "/etc/passwd", "../x", "a/../../x", "..", "/" };

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                _cleanup_free_ char *clean = NULL;

                assert_int_equal(extract_clean_path(ok[i].name, &clean), 0);
                assert_string_equal(clean, ok[i].clean);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                _cleanup_free_ char *clean = NULL;

                if (extract_clean_path(bad[i], &clean) != -EINVAL)
                        fail_msg("\"%s\" was accepted", bad[i]);
        }
}

static void open_dir_refuses_symlinks(void **state)
{
        struct sandbox *sb = *state;
        char path[4200];
        int fd = -1;

        snprintf(path, sizeof(path), "%s/l", sb->layer);
        assert_int_equal(symlink(sb->outside, path), 0);
        snprintf(path, sizeof(path), "%s/d/e", sb->layer);
        assert_int_equal(extract_open_dir(sb->layer_fd, "d/e", true, &fd), 0);
        close(fd);
        assert_true(exists_at(sb, "d/e"));

        assert_true(extract_open_dir(sb->layer_fd, "l", false, &fd) < 0);
        assert_true(extract_open_dir(sb->layer_fd, "l/new", true, &fd) < 0);
        assert_outside_untouched(sb);
}

static void extract_keeps_metadata(void **state)
{
        struct sandbox *sb = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *buf = NULL;
        struct tar *t = tar_new("");
        bool root = geteuid() == 0;
        char value[16] = "";
        struct stat st, st2;
        size_t len;

        tar_dir(t, "./", 0755);
        tar_next_mtime(t, 1600000000);
        tar_dir(t, "bin/", 0750);
        tar_next_owner(t, 1234, 5678);
        tar_file(t, "bin/suid", "#!/bin/sh\n", 04755);
        tar_next_xattr(t, "user.sockerless", "yes");
        tar_file(t, "bin/x", "x", 0600);
        tar_next_xattr(t, "trusted.overlay.redirect", "/elsewhere");
        tar_dir(t, "redirected/", 0755);
        tar_symlink(t, "bin/link", "/bin/suid");
        tar_hardlink(t, "bin/hard", "bin/suid");
        tar_node(t, "fifo", AE_IFIFO, 0, 0640);
        if (root)
                tar_node(t, "null", AE_IFCHR, makedev(1, 3), 0666);
        buf = tar_finish(t, &len);

        if (extract(sb, buf, len, &err) < 0)
                fail_msg("extraction failed: %s", err.message);

        lstat_at(sb, "bin/suid", &st);
        assert_int_equal(st.st_mode & 07777, 04755);
        if (root) {
                assert_int_equal(st.st_uid, 1234);
                assert_int_equal(st.st_gid, 5678);
        }
        lstat_at(sb, "bin/hard", &st2);
        assert_int_equal(st.st_ino, st2.st_ino);
        assert_int_equal(st.st_nlink, 2);

        lstat_at(sb, "bin", &st);
        assert_int_equal(st.st_mode & 07777, 0750);
        /* Set after the entries below it were written. */
        assert_int_equal(st.st_mtime, 1600000000);

        lstat_at(sb, "bin/link", &st);
        assert_true(S_ISLNK(st.st_mode));
        lstat_at(sb, "fifo", &st);
        assert_true(S_ISFIFO(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0640);
        if (root) {
                lstat_at(sb, "null", &st);
                assert_true(S_ISCHR(st.st_mode));
                assert_int_equal(st.st_rdev, makedev(1, 3));
        }

        {
                char path[4200];
                ssize_t n;

                snprintf(path, sizeof(path), "%s/bin/x", sb->layer);
                n = getxattr(path, "user.sockerless", value, sizeof(value) - 1);
                if (n >= 0 || errno != ENOTSUP) {
                        assert_int_equal(n, 3);
                        assert_memory_equal(value, "yes", 3);
                }
                snprintf(path, sizeof(path), "%s/redirected", sb->layer);
                assert_true(getxattr(path, "trusted.overlay.redirect", value, sizeof(value)) < 0);
        }
}

static void extract_whiteouts(void **state)
{
        struct sandbox *sb = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *buf = NULL;
        struct tar *t = tar_new("");
        char path[4200], value[4];
        struct stat st;
        size_t len;

        if (geteuid() != 0)
                skip();

        tar_dir(t, "keep/", 0755);
        tar_file(t, "keep/.wh.gone", "", 0644);
        tar_dir(t, "data/", 0755);
        tar_file(t, "data/.wh..wh..opq", "", 0644);
        tar_file(t, "data/new", "v2\n", 0644);
        tar_file(t, ".wh..wh.plnk", "", 0644);
        buf = tar_finish(t, &len);

        if (extract(sb, buf, len, &err) < 0)
                fail_msg("extraction failed: %s", err.message);

        lstat_at(sb, "keep/gone", &st);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(st.st_rdev, makedev(0, 0));
        assert_false(exists_at(sb, "keep/.wh.gone"));
        assert_false(exists_at(sb, "data/.wh..wh..opq"));
        assert_false(exists_at(sb, ".wh..wh.plnk"));
        assert_true(exists_at(sb, "data/new"));

        snprintf(path, sizeof(path), "%s/data", sb->layer);
        assert_int_equal(getxattr(path, "trusted.overlay.opaque", value, sizeof(value)), 1);
        assert_int_equal(value[0], 'y');
}

static void extract_rejects_bad_whiteout(void **state)
{
        struct sandbox *sb = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *buf = NULL;
        struct tar *t = tar_new("");
        size_t len;

        tar_file(t, "a/.wh.", "", 0644);
        buf = tar_finish(t, &len);
        assert_int_equal(extract(sb, buf, len, &err), -EINVAL);
        assert_non_null(strstr(err.message, "a/.wh."));
}

static void extract_replaces_earlier_entries(void **state)
{
        struct sandbox *sb = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *buf = NULL, *target = NULL;
        struct tar *t = tar_new("");
        struct stat st;
        size_t len;

        /* Symlinks to the outside, then entries of the same names: the
         * links are replaced, never followed. */
        assert_true(asprintf(&target, "%s/secret", sb->outside) > 0);
        tar_symlink(t, "f", target);
        tar_file(t, "f", "inside", 0644);
        tar_symlink(t, "d", sb->outside);
        tar_dir(t, "d/", 0755);
        tar_file(t, "d/x", "x", 0644);
        tar_file(t, "g", "file", 0644);
        tar_dir(t, "g/", 0755);
        buf = tar_finish(t, &len);

        if (extract(sb, buf, len, &err) < 0)
                fail_msg("extraction failed: %s", err.message);
        lstat_at(sb, "f", &st);
        assert_true(S_ISREG(st.st_mode));
        lstat_at(sb, "d", &st);
        assert_true(S_ISDIR(st.st_mode));
        lstat_at(sb, "g", &st);
        assert_true(S_ISDIR(st.st_mode));
        assert_outside_untouched(sb);
}

struct malicious_case {
        const char *what;
        void (*build)(struct tar *t, struct sandbox *sb);
        const char *entry; /* the entry the message must name */
};

static void build_dotdot(struct tar *t, struct sandbox *sb)
{
        tar_file(t, "a/../../outside/pwned", "x", 0644);
}

static void build_absolute(struct tar *t, struct sandbox *sb)
{
        char name[4200];

        snprintf(name, sizeof(name), "%s/pwned", sb->outside);
        tar_file(t, name, "x", 0644);
}

static void build_symlink_root(struct tar *t, struct sandbox *sb)
{
        char name[4200];

        tar_symlink(t, "evil", "/");
        snprintf(name, sizeof(name), "evil%s/pwned", sb->outside);
        tar_file(t, name, "x", 0644);
}

static void build_symlink_relative(struct tar *t, struct sandbox *sb)
{
        tar_symlink(t, "evil", "../outside");
        tar_file(t, "evil/pwned", "x", 0644);
}

static void build_symlink_chain(struct tar *t, struct sandbox *sb)
{
        tar_dir(t, "a/", 0755);
        tar_symlink(t, "a/b", "../../outside");
        tar_dir(t, "a/b/c/", 0755);
}

static void build_hardlink_outside(struct tar *t, struct sandbox *sb)
{
        tar_hardlink(t, "h", "../outside/secret");
}

static void build_hardlink_absolute(struct tar *t, struct sandbox *sb)
{
        char target[4200];

        snprintf(target, sizeof(target), "%s/secret", sb->outside);
        tar_hardlink(t, "h", target);
}

static void build_hardlink_through_symlink(struct tar *t, struct sandbox *sb)
{
        tar_symlink(t, "out", "../outside");
        tar_hardlink(t, "h", "out/secret");
}

static const struct malicious_case malicious_cases[] = {
        { "dot-dot", build_dotdot, "a/../../outside/pwned" },
        { "absolute path", build_absolute, "/outside/pwned" },
        { "symlink to /", build_symlink_root, "evil/" },
        { "relative symlink", build_symlink_relative, "evil/pwned" },
        { "symlink in a chain", build_symlink_chain, "a/b/c/" },
        { "hard link outside", build_hardlink_outside, "\"h\"" },
        { "hard link absolute", build_hardlink_absolute, "\"h\"" },
        { "hard link via symlink", build_hardlink_through_symlink, "\"h\"" },
};

static void extract_rejects_malicious(void **state)
{
        struct sandbox *sb = *state;

        for (size_t i = 0; i < sizeof(malicious_cases) / sizeof(malicious_cases[0]); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_free_ char *buf = NULL;
                struct tar *t = tar_new("");
                size_t len;
                int r;

                malicious_cases[i].build(t, sb);
                buf = tar_finish(t, &len);
                r = extract(sb, buf, len, &err);
                if (r >= 0)
                        fail_msg("%s: the archive was accepted", malicious_cases[i].what);
                if (r != -EINVAL)
                        fail_msg("%s: failed with %d instead of -EINVAL: %s", malicious_cases[i].what, r, err.message);
                if (!strstr(err.message, malicious_cases[i].entry))
                        fail_msg("%s: message does not name the entry: %s", malicious_cases[i].what, err.message);
                assert_outside_untouched(sb);
        }
}

static void extract_layer_digests(void **state)
{
        static const char *const compressions[] = { "", "gzip", "zstd" };
        struct sandbox *sb = *state;

        for (size_t i = 0; i < sizeof(compressions) / sizeof(compressions[0]); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_free_ char *plain = NULL, *packed = NULL;
                struct extract_layer_result result;
                struct tar *t;
                size_t plain_len, packed_len;
                char expected_diff[DIGEST_STRING_MAX], name[32], dir[4200];
                int fd, dirfd;

                t = tar_new("");
                tar_file(t, "hello", "hello world\n", 0644);
                plain = tar_finish(t, &plain_len);
                t = tar_new(compressions[i]);
                tar_file(t, "hello", "hello world\n", 0644);
                packed = tar_finish(t, &packed_len);

                snprintf(expected_diff, sizeof(expected_diff), "%s", test_digest(plain, plain_len));
                snprintf(name, sizeof(name), "blob%zu", i);
                fd = test_write_file(sb->root, name, packed, packed_len);
                snprintf(dir, sizeof(dir), "%s/layer%zu", sb->root, i);
                assert_int_equal(mkdir(dir, 0755), 0);
                dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (extract_layer(fd, dirfd, NULL, NULL, &result, &err) < 0)
                        fail_msg("%s layer: %s", compressions[i], err.message);
                assert_string_equal(result.diff_id, expected_diff);
                assert_string_equal(result.blob_digest, test_digest(packed, packed_len));
                assert_int_equal(result.size, 12);
                close(fd);
                close(dirfd);
        }
}

static void extract_layer_rejects_garbage(void **state)
{
        struct sandbox *sb = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct extract_layer_result result;
        int fd = test_write_file(sb->root, "garbage", "this is no tar archive at all, not even close", 46);

        assert_true(extract_layer(fd, sb->layer_fd, NULL, NULL, &result, &err) < 0);
        assert_non_null(err.message);
        close(fd);
}

static void dir_size_counts_hard_links_once(void **state)
{
        struct sandbox *sb = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *buf = NULL;
        struct tar *t = tar_new("");
        int64_t size = 0;
        size_t len;

        tar_dir(t, "d/", 0755);
        tar_file(t, "d/a", "12345", 0644);
        tar_hardlink(t, "d/b", "d/a");
        tar_symlink(t, "s", "abc");
        buf = tar_finish(t, &len);
        if (extract(sb, buf, len, &err) < 0)
                fail_msg("extraction failed: %s", err.message);

        /* 5 bytes once, plus the symlink's 3 bytes of target. */
        assert_int_equal(extract_dir_size(sb->layer_fd, &size), 0);
        assert_int_equal(size, 8);
}

#define BOTH(test)                                                              \
        cmocka_unit_test_setup_teardown(test, sandbox_setup, sandbox_teardown), \
                cmocka_unit_test_setup_teardown(test, walk_setup, sandbox_teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(clean_path_table),  BOTH(open_dir_refuses_symlinks),
                BOTH(extract_keeps_metadata),        BOTH(extract_whiteouts),
                BOTH(extract_rejects_bad_whiteout),  BOTH(extract_replaces_earlier_entries),
                BOTH(extract_rejects_malicious),     BOTH(extract_layer_digests),
                BOTH(extract_layer_rejects_garbage), BOTH(dir_size_counts_hard_links_once),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
