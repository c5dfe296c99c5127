/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the runtime's seccomp filters: compilation, the cache of
 * compiled filters and loading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fsutil.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

#define SPEC_HEAD \
        "{\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":{\"seccomp\":"
#define SPEC_TAIL "}}"

/* Denies mkdir and mkdirat with EPERM, allows the rest. */
#define DENY_MKDIR                                                                                           \
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":" \
        "\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}"
#define DENY_RMDIR                                                                                                  \
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"rmdir\"],\"action\":\"SCMP_ACT_ERRNO\"," \
        "\"errnoRet\":1}]}"

struct fixture {
        char dir[64];
        struct runtime_spec *spec;
};

static struct runtime_spec *parse_spec(const char *seccomp)
{
        _cleanup_free_ char *text = NULL;
        struct runtime_spec *spec = NULL;
        struct error err = ERROR_INIT;
        int r;

        assert_true(asprintf(&text, SPEC_HEAD "%s" SPEC_TAIL, seccomp) > 0);
        r = runtime_spec_parse(text, strlen(text), &spec, &err);
        if (r < 0)
                fail_msg("parse failed: %s", error_message(&err, r));
        return spec;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        snprintf(f->dir, sizeof(f->dir), "/tmp/test-runtime-seccomp.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        f->spec = parse_spec(DENY_MKDIR);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(fs_rm_rf_at(AT_FDCWD, f->dir), 0);
        runtime_spec_free(f->spec);
        free(f);
        return 0;
}

static char *cache_dir(struct fixture *f)
{
        return fs_path_join(f->dir, "cache");
}

static struct runtime_seccomp_program *prepare(const struct runtime_spec *spec, const char *dir)
{
        struct runtime_seccomp_program *p = NULL;
        struct error err = ERROR_INIT;
        int r = runtime_seccomp_prepare(spec->linux_config.seccomp, dir, &p, &err);

        if (r < 0)
                fail_msg("prepare failed: %s", error_message(&err, r));
        assert_non_null(p);
        assert_true(p->n_insns > 0);
        return p;
}

static bool same_program(const struct runtime_seccomp_program *a, const struct runtime_seccomp_program *b)
{
        return a->n_insns == b->n_insns && memcmp(a->insns, b->insns, a->n_insns * sizeof(*a->insns)) == 0;
}

/* The one cache file in dir, or NULL. */
static char *only_file(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        char *found = NULL;
        int n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.') {
                        n++;
                        free(found);
                        found = fs_path_join(dir, de->d_name);
                }
        closedir(d);
        assert_int_equal(n, 1);
        return found;
}

static size_t count_files(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        closedir(d);
        return n;
}

static void cache_hit_same_program(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *dir = cache_dir(f), *file = NULL;
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *fresh = prepare(f->spec, NULL);
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *first = prepare(f->spec, dir);
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *second = NULL;
        struct stat st, again;

        assert_true(same_program(fresh, first));
        file = only_file(dir);
        assert_true(endswith(file, ".bpf"));
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);

        /* A hit reads the file and leaves it alone. */
        second = prepare(f->spec, dir);
        assert_true(same_program(fresh, second));
        assert_int_equal(stat(file, &again), 0);
        assert_int_equal(again.st_ino, st.st_ino);
        assert_int_equal(again.st_mtim.tv_nsec, st.st_mtim.tv_nsec);

        assert_int_equal(stat(dir, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
}

static void cache_separates_filters(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *dir = cache_dir(f);
        struct runtime_spec *other = parse_spec(DENY_RMDIR);
        struct runtime_seccomp_program *a = prepare(f->spec, dir), *b = prepare(other, dir);

        assert_false(same_program(a, b));
        assert_int_equal(count_files(dir), 2);
        runtime_seccomp_program_free(a);
        runtime_seccomp_program_free(b);
        runtime_spec_free(other);
}

/* Rewrites the cache file with fn applied to its content. */
static void tamper(const char *file, void (*fn)(char *data, size_t *len))
{
        _cleanup_free_ char *data = NULL, *dir = strdup(file);
        _cleanup_close_ int dirfd = -1;
        char *slash = strrchr(dir, '/');
        size_t len;

        assert_int_equal(fs_read_file_at(AT_FDCWD, file, 1 << 20, &data, &len), 0);
        fn(data, &len);
        *slash = '\0';
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dirfd >= 0);
        assert_int_equal(fs_write_atomic_at(dirfd, slash + 1, data, len, 0600), 0);
}

static void flip_last_byte(char *data, size_t *len)
{
        data[*len - 1] ^= 0x55;
}

static void truncate_one_insn(char *data, size_t *len)
{
        *len -= sizeof(struct sock_filter);
}

static void flip_key_byte(char *data, size_t *len)
{
        data[24 + 20] ^= 0x01;
}

static void cache_rejects_damaged_files(void **state)
{
        static void (*const damages[])(char *, size_t *) = { flip_last_byte, truncate_one_insn, flip_key_byte };
        struct fixture *f = *state;
        _cleanup_free_ char *dir = cache_dir(f), *file = NULL;
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *fresh = prepare(f->spec, NULL);

        runtime_seccomp_program_free(prepare(f->spec, dir));
        file = only_file(dir);
        for (size_t i = 0; i < ARRAY_SIZE(damages); i++) {
                _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *p = NULL;
                _cleanup_free_ char *data = NULL;
                _cleanup_free_ char *fixed = NULL;
                size_t len, fixed_len;

                tamper(file, damages[i]);
                assert_int_equal(fs_read_file_at(AT_FDCWD, file, 1 << 20, &data, &len), 0);
                /* The damaged file is a miss: the filter is compiled and the
                 * file written anew. */
                p = prepare(f->spec, dir);
                assert_true(same_program(fresh, p));
                assert_int_equal(fs_read_file_at(AT_FDCWD, file, 1 << 20, &fixed, &fixed_len), 0);
                assert_true(len != fixed_len || memcmp(data, fixed, len) != 0);
        }
}

static void cache_ignores_foreign_files(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *dir = cache_dir(f), *file = NULL;
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *fresh = prepare(f->spec, NULL);
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *p = NULL;
        struct stat st;

        runtime_seccomp_program_free(prepare(f->spec, dir));
        file = only_file(dir);

        /* A file others could have written is not used, but replaced. */
        assert_int_equal(chmod(file, 0666), 0);
        p = prepare(f->spec, dir);
        assert_true(same_program(fresh, p));
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
}

static void cache_directory_checks(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *dir = cache_dir(f);
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *p = NULL;
        int fd;

        fd = seccomp_cache_open_dir(dir);
        assert_true(fd >= 0);
        close(fd);

        /* A directory that others may write to is not used at all. */
        assert_int_equal(chmod(dir, 0777), 0);
        assert_int_equal(seccomp_cache_open_dir(dir), -EPERM);
        p = prepare(f->spec, dir);
        assert_int_equal(count_files(dir), 0);
}

static void cache_key_normalized(void **state)
{
        struct fixture *f = *state;
        struct runtime_spec *spaced = parse_spec(
                "{ \"syscalls\" : [ { \"errnoRet\": 1, \"action\" : \"SCMP_ACT_ERRNO\", \"names\" : [ \"mkdir\", "
                "\"mkdirat\" ] } ], \"defaultAction\": \"SCMP_ACT_ALLOW\" }");
        _cleanup_free_ char *a = NULL, *b = NULL;
        size_t a_len, b_len;

        /* Key order and spaces of the JSON do not matter. */
        assert_int_equal(seccomp_cache_key(f->spec->linux_config.seccomp, &a, &a_len), 0);
        assert_int_equal(seccomp_cache_key(spaced->linux_config.seccomp, &b, &b_len), 0);
        assert_int_equal(a_len, b_len);
        assert_memory_equal(a, b, a_len);
        runtime_spec_free(spaced);
}

static void load_flags(void **state)
{
        static const struct {
                const char *flags; /* NULL: no "flags" member */
                int code;
        } cases[] = {
                { NULL, 0 },
                { "[]", 0 },
                { "[\"SECCOMP_FILTER_FLAG_LOG\"]", 0 },
                { "[\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]", 0 },
                { "[\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]", -EOPNOTSUPP },
        };
        static const unsigned expected[] = {
                SECCOMP_FILTER_FLAG_SPEC_ALLOW, 0, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, 0,
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *seccomp = NULL;
                struct runtime_seccomp_program *p = NULL;
                struct error err = ERROR_INIT;
                struct runtime_spec *spec;
                int r;

                if (cases[i].flags)
                        assert_true(asprintf(&seccomp, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":%s}",
                                             cases[i].flags) > 0);
                else
                        seccomp = strdup("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
                spec = parse_spec(seccomp);
                r = runtime_seccomp_prepare(spec->linux_config.seccomp, NULL, &p, &err);
                assert_int_equal(r, cases[i].code);
                /* SPEC_ALLOW needs a kernel of 4.17 or later; libseccomp
                 * reports it as API level 4. */
                if (r >= 0 && seccomp_api_get() >= 4)
                        assert_int_equal(p->flags, expected[i]);
                runtime_seccomp_program_free(p);
                error_clear(&err);
                runtime_spec_free(spec);
        }
}

static void load_denies_mkdir(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *dir = cache_dir(f), *target = fs_path_join(f->dir, "denied");
        /* Loaded from the cache file, not compiled. */
        struct runtime_seccomp_program *compiled = prepare(f->spec, dir);
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *p = prepare(f->spec, dir);
        int status;
        pid_t pid;

        runtime_seccomp_program_free(compiled);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || runtime_seccomp_program_load(p, NULL) < 0)
                        _exit(2);
                _exit(mkdir(target, 0755) < 0 && errno == EPERM ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(access(target, F_OK), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(cache_hit_same_program, setup, teardown),
                cmocka_unit_test_setup_teardown(cache_separates_filters, setup, teardown),
                cmocka_unit_test_setup_teardown(cache_rejects_damaged_files, setup, teardown),
                cmocka_unit_test_setup_teardown(cache_ignores_foreign_files, setup, teardown),
                cmocka_unit_test_setup_teardown(cache_directory_checks, setup, teardown),
                cmocka_unit_test_setup_teardown(cache_key_normalized, setup, teardown),
                cmocka_unit_test(load_flags),
                cmocka_unit_test_setup_teardown(load_denies_mkdir, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
