/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer tars rebuilt from tar-split records: every archive is imported (or
 * loaded) into a store and written back, which must give the same bytes.
 * Archives come from libarchive (pax), from GNU tar in its gnu, ustar,
 * v7 and posix formats (long names, sparse files of every GNU sparse
 * version), and from $SOCKERLESS_TEST_IMAGES when it names the test
 * images. Needs root: whiteouts are device nodes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "image-test-util.h"
#include "image/image.h"
#include "image/digest.h"
#include "image/layer-tar.h"
#include "image/tar-split.h"

struct fixture {
        char *root;
        struct image_store *store;
};

static int fixture_setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        test_store_open("image-layer-tar", &f->root, &f->store);
        *state = f;
        return 0;
}

static int fixture_teardown(void **state)
{
        struct fixture *f = *state;

        test_store_close(f->root, f->store);
        free(f);
        return 0;
}

/* Imports data as a one-layer image; returns the layer's chain ID. */
static void import_layer(struct fixture *f, const void *data, size_t len, char *ret_chain_id)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_image_ struct image *img = NULL;
        struct image_import_options opts = { 0 };
        char id[80];
        int fd = test_write_file(f->root, "input", data, len);

        if (image_store_import(f->store, fd, &opts, id, &err) < 0)
                fail_msg("import failed: %s", err.message);
        close(fd);
        assert_int_equal(image_store_lookup(f->store, id, &img, NULL), 0);
        snprintf(ret_chain_id, DIGEST_STRING_MAX, "%s", img->chain_ids[0]);
}

static int write_tar(struct fixture *f, const char *chain_id, struct test_buffer *out, struct error *err)
{
        return image_layer_write_tar(f->store, chain_id, test_buffer_write, out, err);
}

static void layer_path(struct fixture *f, const char *chain_id, const char *rel, char *ret, size_t size)
{
        snprintf(ret, size, "%s/image/layers/%s/%s", f->root, chain_id + strlen("sha256:"), rel);
}

/* Imports tar (compressed as given) and checks that the rebuilt tar is
 * expected, the uncompressed bytes, and that the record is at most
 * max_record bytes (0: any size), which shows that file payloads were
 * referenced rather than copied. */
static void check_round_trip(struct fixture *f, const char *input, size_t input_len, const char *expected,
                             size_t expected_len, off_t max_record)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct test_buffer out = { 0 };
        char chain_id[DIGEST_STRING_MAX];
        uint64_t size;

        import_layer(f, input, input_len, chain_id);
        if (write_tar(f, chain_id, &out, &err) < 0)
                fail_msg("write failed: %s", err.message);
        assert_int_equal(out.len, expected_len);
        assert_memory_equal(out.data, expected, expected_len);
        assert_int_equal(image_layer_tar_size(f->store, chain_id, &size, NULL), 0);
        assert_int_equal(size, expected_len);
        free(out.data);

        if (max_record > 0) {
                char path[4096];
                struct stat st;

                layer_path(f, chain_id, TAR_SPLIT_FILE, path, sizeof(path));
                assert_int_equal(stat(path, &st), 0);
                if (st.st_size > max_record)
                        fail_msg("the record has %jd bytes, expected at most %jd", (intmax_t)st.st_size,
                                 (intmax_t)max_record);
        }
}

static void check_tar(struct fixture *f, const char *tar, size_t len, off_t max_record)
{
        check_round_trip(f, tar, len, tar, len, max_record);
}

static char *read_file(const char *path, size_t *ret_len)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        char *data;

        if (fd < 0)
                fail_msg("cannot open %s: %m", path);
        assert_int_equal(fstat(fd, &st), 0);
        data = malloc((size_t)st.st_size + 1);
        assert_int_equal(read(fd, data, (size_t)st.st_size), st.st_size);
        close(fd);
        *ret_len = (size_t)st.st_size;
        return data;
}

/* ---- Archives libarchive writes (pax) ---- */

static void whiteouts_and_links(void **state)
{
        struct tar *t = tar_new("");
        size_t len;
        char *tar;

        tar_dir(t, "etc", 0755);
        tar_file(t, "etc/hostname", "box\n", 0644);
        tar_file(t, "etc/.wh.passwd", "", 0644);
        tar_dir(t, "var", 0755);
        tar_file(t, "var/.wh..wh..opq", "", 0644);
        tar_hardlink(t, "etc/hostname-link", "etc/hostname");
        tar_symlink(t, "etc/localtime", "/usr/share/zoneinfo/UTC");
        tar_node(t, "fifo", S_IFIFO, 0, 0600);
        tar_next_xattr(t, "user.comment", "kept in a pax header");
        tar_file(t, "tagged", "x", 0644);
        tar_next_owner(t, 1234, 5678);
        tar_file(t, "owned", "y", 0600);
        tar = tar_finish(t, &len);

        check_tar(*state, tar, len, 0);
        free(tar);
}

static void long_names_and_odd_sizes(void **state)
{
        static const size_t sizes[] = { 1, 511, 512, 513, 1023, 65536 + 7, 1 << 20 };
        struct tar *t = tar_new("");
        char name[600], *content;
        size_t len;
        char *tar;

        /* 300 characters: longer than ustar's name and prefix together. */
        memset(name, 'n', 300);
        name[300] = '\0';
        for (size_t i = 50; i < 300; i += 50)
                name[i] = '/';
        tar_file(t, name, "long", 0644);
        tar_file(t, "caf\xc3\xa9 \xe2\x98\x95", "utf-8 name", 0644);
        tar_file(t, "empty", "", 0644);

        content = malloc(sizes[ARRAY_SIZE(sizes) - 1] + 1);
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
                char file[32];

                for (size_t j = 0; j < sizes[i]; j++)
                        content[j] = (char)('a' + (i + j) % 26);
                content[sizes[i]] = '\0';
                snprintf(file, sizeof(file), "size-%zu", sizes[i]);
                tar_file(t, file, content, 0644);
        }
        free(content);
        tar = tar_finish(t, &len);

        /* Over 1 MiB of payload; each of the 11 entries costs a few dozen
         * bytes. */
        check_tar(*state, tar, len, 4096);
        free(tar);
}

static void gzip_layer(void **state)
{
        struct tar *t = tar_new("");
        size_t len, gz_len;
        char *tar, *gz;

        tar_file(t, "a", "compressed layer", 0644);
        tar = tar_finish(t, &len);
        gz = test_gzip(tar, len, &gz_len);

        /* The record holds the uncompressed stream, the diff ID's bytes. */
        check_round_trip(*state, gz, gz_len, tar, len, 0);
        free(tar);
        free(gz);
}

static void trailing_bytes(void **state)
{
        struct tar *t = tar_new("");
        size_t len;
        char *tar;

        tar_file(t, "a", "content", 0644);
        tar = tar_finish(t, &len);
        /* Bytes after the end-of-archive blocks are part of the diff ID. */
        tar = realloc(tar, len + 2000);
        memset(tar + len, 0, 1500);
        memcpy(tar + len + 1500, "not a tar header", 16);
        memset(tar + len + 1516, 'z', 484);

        check_tar(*state, tar, len + 2000, 0);
        free(tar);
}

static void empty_layers(void **state)
{
        char zeros[1024] = { 0 };

        check_tar(*state, zeros, sizeof(zeros), 0);
}

/* ---- Archives GNU tar writes ---- */

static void make_tree(const char *dir)
{
        static char noise[100000];
        char path[8192], target[8192], name[200];
        uint64_t seed = 42;
        int fd;

        snprintf(path, sizeof(path), "%s/sparse", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        /* Data at 0, at 1 MiB and ending 8000 bytes before 4 MiB, holes
         * between and a hole at the end. The data does not compress, so a
         * record that copied it would be larger than check_tar allows. */
        for (size_t i = 0; i < sizeof(noise); i++) {
                seed = seed * 6364136223846793005u + 1442695040888963407u;
                noise[i] = (char)(seed >> 56);
        }
        assert_int_equal(pwrite(fd, noise, 5000, 0), 5000);
        assert_int_equal(pwrite(fd, noise, sizeof(noise), 1 << 20), sizeof(noise));
        assert_int_equal(pwrite(fd, noise, 10001, (4 << 20) - 18001), 10001);
        assert_int_equal(ftruncate(fd, 6 << 20), 0);
        close(fd);

        snprintf(path, sizeof(path), "%s/all-hole", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_int_equal(ftruncate(fd, 3 << 20), 0);
        close(fd);

        memset(name, 'q', 150);
        name[150] = '\0';
        close(test_write_file(dir, name, "long gnu name", 13));
        close(test_write_file(dir, "plain", "plain file\n", 11));
        snprintf(path, sizeof(path), "%s/plain-link", dir);
        snprintf(target, sizeof(target), "%s/plain", dir);
        assert_int_equal(link(target, path), 0);
}

static void gnu_tar_formats(void **state)
{
        static const char *const options[] = {
                "--format=gnu --sparse",
                "--format=posix --sparse --sparse-version=1.0",
                "--format=posix --sparse --sparse-version=0.1",
                "--format=posix --sparse --sparse-version=0.0",
                "--format=posix",
                "--format=pax --pax-option=exthdr.name=%d/PaxHeaders/%f",
                "--format=oldgnu --sparse",
                "--format=ustar",
                "--format=v7",
        };
        struct fixture *f = *state;
        char tree[4096], out[8192], command[20000];

        snprintf(tree, sizeof(tree), "%s/tree", f->root);
        assert_int_equal(mkdir(tree, 0755), 0);
        make_tree(tree);

        for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
                size_t len;
                char *tar;
                int status;

                /* ustar and v7 cannot hold the 150-character name: tar
                 * leaves it out and exits with 2. */
                snprintf(out, sizeof(out), "%s/gnu-%zu.tar", f->root, i);
                snprintf(command, sizeof(command),
                         "tar %s --numeric-owner --mtime=@1700000000 -cf '%s' -C '%s' . 2>/dev/null", options[i], out,
                         tree);
                status = system(command);
                if (status != 0 && !strstr(options[i], "ustar") && !strstr(options[i], "v7"))
                        fail_msg("%s failed with status %d", command, status);

                tar = read_file(out, &len);
                check_tar(f, tar, len, 16384);
                free(tar);
        }
}

/* ---- Failures ---- */

static void record_missing(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct fixture *f = *state;
        struct test_buffer out = { 0 };
        struct tar *t = tar_new("");
        char chain_id[DIGEST_STRING_MAX], path[4096];
        uint64_t size;
        size_t len;
        char *tar;

        tar_file(t, "a", "b", 0644);
        tar = tar_finish(t, &len);
        import_layer(f, tar, len, chain_id);
        free(tar);

        layer_path(f, chain_id, TAR_SPLIT_FILE, path, sizeof(path));
        assert_int_equal(unlink(path), 0);
        assert_int_equal(write_tar(f, chain_id, &out, &err), -ENODATA);
        assert_non_null(strstr(err.message, "load or pull it again"));
        assert_int_equal(out.len, 0);
        assert_int_equal(image_layer_tar_size(f->store, chain_id, &size, NULL), -ENODATA);
}

static void unknown_layer(void **state)
{
        struct fixture *f = *state;
        struct test_buffer out = { 0 };

        assert_int_equal(
                write_tar(f, "sha256:0000000000000000000000000000000000000000000000000000000000000000", &out, NULL),
                -ENOENT);
        assert_int_equal(write_tar(f, "not-a-digest", &out, NULL), -ENOENT);
}

/* Imports a layer with one file "data" of content and returns the path of
 * that file in the store. */
static void import_one_file(struct fixture *f, const char *content, char *ret_chain_id, char *ret_path)
{
        struct tar *t = tar_new("");
        size_t len;
        char *tar;

        tar_file(t, "data", content, 0644);
        tar = tar_finish(t, &len);
        import_layer(f, tar, len, ret_chain_id);
        free(tar);
        layer_path(f, ret_chain_id, "diff/data", ret_path, 4096);
}

static void file_size_changed(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct fixture *f = *state;
        struct test_buffer out = { 0 };
        char chain_id[DIGEST_STRING_MAX], path[4096];

        import_one_file(f, "twelve bytes", chain_id, path);
        assert_int_equal(truncate(path, 5), 0);
        assert_int_equal(write_tar(f, chain_id, &out, &err), -EIO);
        assert_non_null(strstr(err.message, "\"data\" changed"));
        free(out.data);
}

static void file_content_changed(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct fixture *f = *state;
        struct test_buffer out = { 0 };
        char chain_id[DIGEST_STRING_MAX], path[4096];
        int fd;

        import_one_file(f, "twelve bytes", chain_id, path);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        assert_int_equal(pwrite(fd, "TWELVE", 6, 0), 6);
        close(fd);
        assert_int_equal(write_tar(f, chain_id, &out, &err), -EIO);
        assert_non_null(strstr(err.message, "expected the diff ID"));
        free(out.data);
}

static void file_replaced_by_symlink(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct fixture *f = *state;
        struct test_buffer out = { 0 };
        char chain_id[DIGEST_STRING_MAX], path[4096];

        import_one_file(f, "secret", chain_id, path);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(symlink("/etc/hostname", path), 0);
        assert_int_equal(write_tar(f, chain_id, &out, &err), -EIO);
        assert_non_null(strstr(err.message, "changed"));
        free(out.data);
}

static void record_damaged(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct fixture *f = *state;
        struct test_buffer out = { 0 };
        char chain_id[DIGEST_STRING_MAX], path[4096], record[4096];
        int fd;

        import_one_file(f, "content", chain_id, path);
        layer_path(f, chain_id, TAR_SPLIT_FILE, record, sizeof(record));
        fd = open(record, O_WRONLY | O_CLOEXEC);
        assert_int_equal(pwrite(fd, "garbage!", 8, TAR_SPLIT_HEADER_SIZE), 8);
        close(fd);
        assert_int_equal(write_tar(f, chain_id, &out, &err), -EBADMSG);
        free(out.data);

        fd = open(record, O_WRONLY | O_CLOEXEC);
        assert_int_equal(pwrite(fd, "NOTSPLIT", 8, 0), 8);
        close(fd);
        error_clear(&err);
        assert_int_equal(write_tar(f, chain_id, &out, &err), -EBADMSG);
}

/* A name given twice loses the first payload on extraction: the rebuild
 * fails instead of writing a different tar. */
static void duplicate_entries(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct fixture *f = *state;
        struct test_buffer out = { 0 };
        struct tar *t = tar_new("");
        char chain_id[DIGEST_STRING_MAX];
        size_t len;
        char *tar;

        tar_file(t, "twice", "first version", 0644);
        tar_file(t, "twice", "second", 0644);
        tar = tar_finish(t, &len);
        import_layer(f, tar, len, chain_id);
        free(tar);

        assert_int_equal(write_tar(f, chain_id, &out, &err), -EIO);
        free(out.data);
}

static void writer_error_stops(void **state)
{
        struct fixture *f = *state;
        struct test_buffer out = { .fail_after = 700 };
        char chain_id[DIGEST_STRING_MAX], path[4096];

        import_one_file(f, "content", chain_id, path);
        assert_int_equal(write_tar(f, chain_id, &out, NULL), -EPIPE);
        assert_true(out.len <= 700);
        free(out.data);
}

/* ---- The test images ---- */

static void test_images(void **state)
{
        static const char *const files[] = { "busybox.tar", "layers.tar", "debian-family.tar.gz" };
        struct fixture *f = *state;
        const char *dir = getenv("SOCKERLESS_TEST_IMAGES");
        struct image **images = NULL;
        size_t n_layers = 0;

        if (!dir || access(dir, R_OK) < 0)
                skip();
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                struct image_load_callbacks cb = { 0 };
                char path[4096];
                int fd;

                snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        skip();
                if (image_store_load(f->store, fd, &cb, &err) < 0)
                        fail_msg("loading %s failed: %s", files[i], err.message);
                close(fd);
        }

        /* Each write checks the rebuilt tar's sha256 against the diff ID. */
        assert_int_equal(image_store_list(f->store, &images), 0);
        for (size_t i = 0; images[i]; i++)
                for (size_t j = 0; images[i]->chain_ids[j]; j++) {
                        _cleanup_error_ struct error err = ERROR_INIT;
                        struct test_buffer out = { 0 };

                        if (write_tar(f, images[i]->chain_ids[j], &out, &err) < 0)
                                fail_msg("layer %s: %s", images[i]->chain_ids[j], err.message);
                        free(out.data);
                        n_layers++;
                }
        image_list_free(images);
        assert_true(n_layers >= 8);
}

#define LAYER_TEST(test) cmocka_unit_test_setup_teardown(test, fixture_setup, fixture_teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
                LAYER_TEST(whiteouts_and_links),
                LAYER_TEST(long_names_and_odd_sizes),
                LAYER_TEST(gzip_layer),
                LAYER_TEST(trailing_bytes),
                LAYER_TEST(empty_layers),
                LAYER_TEST(gnu_tar_formats),
                LAYER_TEST(record_missing),
                LAYER_TEST(unknown_layer),
                LAYER_TEST(file_size_changed),
                LAYER_TEST(file_content_changed),
                LAYER_TEST(file_replaced_by_symlink),
                LAYER_TEST(record_damaged),
                LAYER_TEST(duplicate_entries),
                LAYER_TEST(writer_error_stops),
                LAYER_TEST(test_images),
        };

        if (geteuid() != 0) {
                fprintf(stderr, "layers with whiteouts need root to extract; skipping\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
