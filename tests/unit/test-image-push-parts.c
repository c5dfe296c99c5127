/* SPDX-License-Identifier: Apache-2.0 */
/* The parts of push that need no registry: the manifest it builds, the
 * gzip compression of layers, and the distribution metadata kept in the
 * image store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <zlib.h>

#include "fsutil.h"
#include "image-test-util.h"
#include "image/blob-compress.h"
#include "image/distribution.h"
#include "image/image.h"
#include "image/push-manifest.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* ---- Manifest ---- */

static void manifest_matches_dockerd(void **state)
{
        /* dockerd 20.10 pushed sockerless-test/busybox:1.35 with this
         * config and layer; the registry served the manifest below,
         * whose digest and size dockerd reported. */
        const struct blob_descriptor config = {
                .digest = "sha256:bb7d4caccfe7166852b7022eeeb0c78049399baad6f4904a807bd458be826eb1",
                .size = 897,
        };
        const struct blob_descriptor layer = {
                .digest = "sha256:9f0ed2c8e5b7adc7abfeda324dfe76ef6c8ca6a7516213539c1ec4c6221ce65d",
                .size = 1069313,
        };
        const char *expected =
                "{\n"
                "   \"schemaVersion\": 2,\n"
                "   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
                "   \"config\": {\n"
                "      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n"
                "      \"size\": 897,\n"
                "      \"digest\": \"sha256:bb7d4caccfe7166852b7022eeeb0c78049399baad6f4904a807bd458be826eb1\"\n"
                "   },\n"
                "   \"layers\": [\n"
                "      {\n"
                "         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n"
                "         \"size\": 1069313,\n"
                "         \"digest\": \"sha256:9f0ed2c8e5b7adc7abfeda324dfe76ef6c8ca6a7516213539c1ec4c6221ce65d\"\n"
                "      }\n"
                "   ]\n"
                "}";
        char *text = NULL, digest[DIGEST_STRING_MAX];
        size_t len = 0;

        assert_int_equal(push_manifest_build(&config, &layer, 1, &text, &len), 0);
        assert_string_equal(text, expected);
        assert_int_equal(len, 527);
        assert_int_equal(digest_buffer(text, len, digest), 0);
        assert_string_equal(digest, "sha256:32a03ad782854fc772a258cb759cf23cd0a3d25914e2a1fe7e5705e1e1a283fd");
        free(text);
}

static void manifest_layer_order(void **state)
{
        const struct blob_descriptor config = { .digest = "sha256:" HEX_A, .size = 10 };
        const struct blob_descriptor layers[] = {
                { .digest = "sha256:" HEX_B, .size = 20 },
                { .digest = "sha256:" HEX_C, .size = 30 },
        };
        char *text = NULL, *b, *c;
        size_t len = 0;

        assert_int_equal(push_manifest_build(&config, layers, 2, &text, &len), 0);
        assert_int_equal(strlen(text), len);
        b = strstr(text, HEX_B);
        c = strstr(text, HEX_C);
        assert_non_null(b);
        assert_non_null(c);
        assert_true(b < c);
        assert_non_null(strstr(text, "\"size\": 30,\n         \"digest\": \"sha256:" HEX_C "\"\n      }\n   ]\n}"));
        assert_non_null(strstr(text, "      },\n      {\n"));
        free(text);
}

static void manifest_no_layers(void **state)
{
        const struct blob_descriptor config = { .digest = "sha256:" HEX_A, .size = 10 };
        char *text = NULL;
        size_t len = 0;

        assert_int_equal(push_manifest_build(&config, NULL, 0, &text, &len), 0);
        assert_non_null(strstr(text, "   },\n   \"layers\": []\n}"));
        free(text);
}

static void manifest_invalid_descriptor(void **state)
{
        const struct blob_descriptor good = { .digest = "sha256:" HEX_A, .size = 10 };
        const struct blob_descriptor bad_digest = { .digest = "sha256:\"}", .size = 10 };
        const struct blob_descriptor bad_size = { .digest = "sha256:" HEX_A, .size = -1 };
        char *text = NULL;
        size_t len = 0;

        assert_int_equal(push_manifest_build(&bad_digest, &good, 1, &text, &len), -EINVAL);
        assert_int_equal(push_manifest_build(&good, &bad_digest, 1, &text, &len), -EINVAL);
        assert_int_equal(push_manifest_build(&good, &bad_size, 1, &text, &len), -EINVAL);
        assert_null(text);
}

/* ---- Compression ---- */

static char *inflate_all(const char *data, size_t len, size_t expected_len)
{
        char *out = malloc(expected_len + 1);
        z_stream zs = { 0 };

        assert_non_null(out);
        assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
        zs.next_in = (unsigned char *)data;
        zs.avail_in = (uInt)len;
        zs.next_out = (unsigned char *)out;
        zs.avail_out = (uInt)expected_len + 1;
        assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
        assert_int_equal(zs.total_out, expected_len);
        assert_int_equal(zs.avail_in, 0);
        inflateEnd(&zs);
        return out;
}

/* Compresses input in writes of step bytes into a new file in dir. */
static char *compress_to_file(const char *dir, const char *input, size_t len, size_t step,
                              struct blob_compress_result *ret, size_t *ret_len)
{
        _cleanup_free_ char *path = fs_path_join(dir, "blob");
        struct blob_compressor *c = NULL;
        char *output = NULL;
        int fd;

        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(blob_compressor_new(fd, &c), 0);
        for (size_t done = 0; done < len; done += step)
                assert_int_equal(blob_compressor_write(c, input + done, done + step > len ? len - done : step), 0);
        assert_int_equal(blob_compressor_input_bytes(c), len);
        assert_int_equal(blob_compressor_finish(c, ret), 0);
        assert_int_equal(blob_compressor_write(c, "x", 1), -EINVAL);
        blob_compressor_free(c);
        close(fd);

        assert_int_equal(fs_read_file_at(AT_FDCWD, path, 64 * 1024 * 1024, &output, ret_len), 0);
        return output;
}

static void compress_round_trip(void **state)
{
        _cleanup_free_ char *dir = test_mkdtemp("blob-compress");
        size_t len = 3 * 1024 * 1024 + 17, out_len = 0;
        _cleanup_free_ char *input = malloc(len), *output = NULL, *back = NULL;
        struct blob_compress_result result;
        char digest[DIGEST_STRING_MAX];

        /* Text that compresses, with some noise so deflate has work. */
        for (size_t i = 0; i < len; i++)
                input[i] = (char)((i * 7 + (i >> 10)) % 61 + ' ');

        output = compress_to_file(dir, input, len, 65536 + 3, &result, &out_len);
        assert_int_equal(result.size, out_len);
        assert_int_equal(result.tar_size, len);
        assert_true(out_len < len);

        /* A gzip member with no name and a zero time (RFC 1952). */
        assert_int_equal((unsigned char)output[0], 0x1f);
        assert_int_equal((unsigned char)output[1], 0x8b);
        assert_int_equal(output[3] & 0x08, 0);
        assert_memory_equal(output + 4, "\0\0\0\0", 4);

        assert_int_equal(digest_buffer(output, out_len, digest), 0);
        assert_string_equal(result.blob_digest, digest);
        assert_int_equal(digest_buffer(input, len, digest), 0);
        assert_string_equal(result.diff_id, digest);

        back = inflate_all(output, out_len, len);
        assert_memory_equal(back, input, len);
        test_rm_rf(dir);
}

static void compress_same_output(void **state)
{
        _cleanup_free_ char *dir = test_mkdtemp("blob-compress");
        const char input[] = "the same tar stream gives the same blob";
        _cleanup_free_ char *one = NULL, *two = NULL;
        struct blob_compress_result a, b;
        size_t len_a = 0, len_b = 0;

        /* However the stream is cut into writes. */
        one = compress_to_file(dir, input, sizeof(input), 1, &a, &len_a);
        two = compress_to_file(dir, input, sizeof(input), sizeof(input), &b, &len_b);
        assert_string_equal(a.blob_digest, b.blob_digest);
        assert_int_equal(len_a, len_b);
        assert_memory_equal(one, two, len_a);
        test_rm_rf(dir);
}

static void compress_empty(void **state)
{
        _cleanup_free_ char *dir = test_mkdtemp("blob-compress");
        _cleanup_free_ char *output = NULL;
        struct blob_compress_result result;
        size_t len = 0;

        output = compress_to_file(dir, "", 0, 1, &result, &len);
        assert_true(len > 0);
        assert_int_equal(result.tar_size, 0);
        assert_string_equal(result.diff_id, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        test_rm_rf(dir);
}

static void compress_write_error(void **state)
{
        struct blob_compressor *c = NULL;
        char big[256 * 1024];
        int fds[2];

        /* A pipe whose reader is gone: the file write fails. */
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        close(fds[0]);
        signal(SIGPIPE, SIG_IGN);
        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (char)(i * 2654435761u >> 24);

        assert_int_equal(blob_compressor_new(fds[1], &c), 0);
        assert_int_equal(blob_compressor_write(c, big, sizeof(big)), -EPIPE);
        blob_compressor_free(c);
        close(fds[1]);
}

/* ---- Distribution metadata ---- */

struct store_fixture {
        char *root;
        struct image_store *store;
};

static int store_setup(void **state)
{
        struct store_fixture *f = calloc(1, sizeof(*f));
        struct error err = ERROR_INIT;

        f->root = test_mkdtemp("distribution");
        assert_int_equal(image_store_open(f->root, &f->store, &err), 0);
        *state = f;
        return 0;
}

static int store_teardown(void **state)
{
        struct store_fixture *f = *state;

        image_store_free(f->store);
        test_rm_rf(f->root);
        free(f->root);
        free(f);
        return 0;
}

#define DIFF_ID "sha256:" HEX_C

static void add_entry(struct image_store *s, const char *digest, const char *registry, const char *repository,
                      int64_t size)
{
        struct distribution_entry e = {
                .media_type = (char *)MEDIA_TYPE_DOCKER_LAYER,
                .size = size,
                .registry = (char *)registry,
                .repository = (char *)repository,
        };

        snprintf(e.digest, sizeof(e.digest), "%s", digest);
        assert_int_equal(image_store_distribution_add(s, DIFF_ID, &e), 0);
}

static void distribution_newest_first(void **state)
{
        struct store_fixture *f = *state;
        struct distribution_entry *entries = NULL;
        size_t n = 0;

        assert_int_equal(image_store_distribution_get(f->store, DIFF_ID, &entries, &n), 0);
        assert_int_equal(n, 0);
        distribution_entries_free(entries, n);

        add_entry(f->store, "sha256:" HEX_A, "127.0.0.1:5000", "a", 100);
        add_entry(f->store, "sha256:" HEX_B, "127.0.0.1:5000", "b", 200);
        assert_int_equal(image_store_distribution_get(f->store, DIFF_ID, &entries, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(entries[0].digest, "sha256:" HEX_B);
        assert_string_equal(entries[0].repository, "b");
        assert_int_equal(entries[0].size, 200);
        assert_string_equal(entries[0].media_type, MEDIA_TYPE_DOCKER_LAYER);
        assert_string_equal(entries[1].registry, "127.0.0.1:5000");
        assert_string_equal(entries[1].repository, "a");
        distribution_entries_free(entries, n);
}

static void distribution_replace_same_place(void **state)
{
        struct store_fixture *f = *state;
        struct distribution_entry *entries = NULL;
        size_t n = 0;

        add_entry(f->store, "sha256:" HEX_A, "127.0.0.1:5000", "a", 100);
        add_entry(f->store, "sha256:" HEX_B, "127.0.0.1:5000", "b", 200);
        add_entry(f->store, "sha256:" HEX_A, "127.0.0.1:5000", "a", 100);

        assert_int_equal(image_store_distribution_get(f->store, DIFF_ID, &entries, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(entries[0].repository, "a");
        assert_string_equal(entries[1].repository, "b");
        distribution_entries_free(entries, n);
}

static void distribution_remove(void **state)
{
        struct store_fixture *f = *state;
        struct distribution_entry *entries = NULL;
        size_t n = 0;

        add_entry(f->store, "sha256:" HEX_A, "127.0.0.1:5000", "a", 100);
        add_entry(f->store, "sha256:" HEX_A, "127.0.0.1:5000", "b", 100);
        assert_int_equal(image_store_distribution_remove(f->store, DIFF_ID, "sha256:" HEX_A, "127.0.0.1:5000", "a"), 0);
        assert_int_equal(image_store_distribution_remove(f->store, DIFF_ID, "sha256:" HEX_A, "127.0.0.1:5000", "zz"),
                         0);

        assert_int_equal(image_store_distribution_get(f->store, DIFF_ID, &entries, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(entries[0].repository, "b");
        distribution_entries_free(entries, n);

        /* The last entry takes its file with it. */
        assert_int_equal(image_store_distribution_remove(f->store, DIFF_ID, "sha256:" HEX_A, "127.0.0.1:5000", "b"), 0);
        {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                assert_true(asprintf(&path, "%s/image/distribution/%s.json", f->root, HEX_C) > 0);
                assert_int_equal(stat(path, &st), -1);
                assert_int_equal(errno, ENOENT);
        }
}

static void distribution_keeps_newest_max(void **state)
{
        struct store_fixture *f = *state;
        struct distribution_entry *entries = NULL;
        size_t n = 0;

        for (int i = 0; i < DISTRIBUTION_ENTRIES_MAX + 5; i++) {
                char repository[32];

                snprintf(repository, sizeof(repository), "r%d", i);
                add_entry(f->store, "sha256:" HEX_A, "127.0.0.1:5000", repository, 1);
        }
        assert_int_equal(image_store_distribution_get(f->store, DIFF_ID, &entries, &n), 0);
        assert_int_equal(n, DISTRIBUTION_ENTRIES_MAX);
        assert_string_equal(entries[0].repository, "r54");
        assert_string_equal(entries[n - 1].repository, "r5");
        distribution_entries_free(entries, n);
}

static void distribution_survives_reopen(void **state)
{
        struct store_fixture *f = *state;
        struct distribution_entry *entries = NULL;
        struct error err = ERROR_INIT;
        size_t n = 0;

        add_entry(f->store, "sha256:" HEX_A, "docker.io", "library/busybox", 100);
        image_store_free(f->store);
        assert_int_equal(image_store_open(f->root, &f->store, &err), 0);

        assert_int_equal(image_store_distribution_get(f->store, DIFF_ID, &entries, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(entries[0].repository, "library/busybox");
        distribution_entries_free(entries, n);
}

static void distribution_damaged_file(void **state)
{
        struct store_fixture *f = *state;
        struct distribution_entry *entries = NULL;
        _cleanup_free_ char *dir = NULL;
        size_t n = 0;
        int fd;

        assert_true(asprintf(&dir, "%s/image/distribution", f->root) > 0);
        assert_int_equal(fs_mkdir_p(dir, 0700), 0);
        fd = test_write_file(dir, HEX_C ".json", "{\"Blobs\": [1, {\"Digest\": \"x\"}, {}", 33);
        close(fd);

        /* A damaged file counts as none, and the next add replaces it. */
        assert_int_equal(image_store_distribution_get(f->store, DIFF_ID, &entries, &n), 0);
        assert_int_equal(n, 0);
        distribution_entries_free(entries, n);

        add_entry(f->store, "sha256:" HEX_A, "127.0.0.1:5000", "a", 100);
        assert_int_equal(image_store_distribution_get(f->store, DIFF_ID, &entries, &n), 0);
        assert_int_equal(n, 1);
        distribution_entries_free(entries, n);
}

static void distribution_skips_invalid_entries(void **state)
{
        struct store_fixture *f = *state;
        struct distribution_entry *entries = NULL;
        _cleanup_free_ char *dir = NULL;
        const char *text =
                "{\"Blobs\":[{\"Digest\":\"sha256:" HEX_A "\",\"MediaType\":\"m\",\"Size\":1,"
                "\"Registry\":\"r\",\"Repository\":\"a\"},"
                "{\"Digest\":\"md5:x\",\"MediaType\":\"m\",\"Size\":1,\"Registry\":\"r\",\"Repository\":\"b\"},"
                "{\"Digest\":\"sha256:" HEX_A "\",\"MediaType\":\"m\",\"Registry\":\"r\",\"Repository\":\"c\"},"
                "{\"Digest\":\"sha256:" HEX_A "\",\"MediaType\":\"m\",\"Size\":1,\"Repository\":\"d\"}]}";
        size_t n = 0;
        int fd;

        assert_true(asprintf(&dir, "%s/image/distribution", f->root) > 0);
        assert_int_equal(fs_mkdir_p(dir, 0700), 0);
        fd = test_write_file(dir, HEX_C ".json", text, strlen(text));
        close(fd);

        assert_int_equal(image_store_distribution_get(f->store, DIFF_ID, &entries, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(entries[0].repository, "a");
        distribution_entries_free(entries, n);
}

static void distribution_invalid_input(void **state)
{
        struct store_fixture *f = *state;
        struct distribution_entry e = { .digest = "sha256:" HEX_A,
                                        .media_type = (char *)MEDIA_TYPE_DOCKER_LAYER,
                                        .size = 1,
                                        .registry = (char *)"r",
                                        .repository = (char *)"a" };
        struct distribution_entry *entries = NULL;
        size_t n = 0;

        assert_int_equal(image_store_distribution_add(f->store, "sha256:xyz", &e), -EINVAL);
        assert_int_equal(image_store_distribution_get(f->store, "../../etc/passwd", &entries, &n), -EINVAL);
        e.repository = (char *)"";
        assert_int_equal(image_store_distribution_add(f->store, DIFF_ID, &e), -EINVAL);
        e.repository = (char *)"a";
        e.size = -1;
        assert_int_equal(image_store_distribution_add(f->store, DIFF_ID, &e), -EINVAL);
}

#define STORE_TEST(test) cmocka_unit_test_setup_teardown(test, store_setup, store_teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(manifest_matches_dockerd),
                cmocka_unit_test(manifest_layer_order),
                cmocka_unit_test(manifest_no_layers),
                cmocka_unit_test(manifest_invalid_descriptor),
                cmocka_unit_test(compress_round_trip),
                cmocka_unit_test(compress_same_output),
                cmocka_unit_test(compress_empty),
                cmocka_unit_test(compress_write_error),
                STORE_TEST(distribution_newest_first),
                STORE_TEST(distribution_replace_same_place),
                STORE_TEST(distribution_remove),
                STORE_TEST(distribution_keeps_newest_max),
                STORE_TEST(distribution_survives_reopen),
                STORE_TEST(distribution_damaged_file),
                STORE_TEST(distribution_skips_invalid_entries),
                STORE_TEST(distribution_invalid_input),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
