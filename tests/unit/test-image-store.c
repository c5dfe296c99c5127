/* SPDX-License-Identifier: Apache-2.0 */
/* The image store on archives the tests build themselves: load, lookup,
 * tag, delete with Docker's conflicts, holds, import, the list filters,
 * and recovery from what a crash leaves behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "image-test-util.h"
#include "image/config.h"
#include "image/digest.h"
#include "image/image.h"
#include "image/render.h"
#include "jsonutil.h"
#include "strv.h"

struct fixture {
        char *root;
        struct image_store *store;
        char messages[8192];
        struct test_layer base, top_a, top_b;
        char *bufs[3];
        char container[65];
        bool running;
};

static struct tar *layer_tar(void)
{
        return tar_new("");
}

static int fixture_setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct tar *t;

        f->root = test_mkdtemp("image-store");

        t = layer_tar();
        tar_dir(t, "etc/", 0755);
        tar_file(t, "etc/base", "base layer\n", 0644);
        f->bufs[0] = tar_finish(t, &f->base.len);
        f->base.data = f->bufs[0];

        t = layer_tar();
        tar_file(t, "etc/a", "image a\n", 0644);
        f->bufs[1] = tar_finish(t, &f->top_a.len);
        f->top_a.data = f->bufs[1];

        t = layer_tar();
        tar_file(t, "etc/b", "image b!\n", 0644);
        f->bufs[2] = tar_finish(t, &f->top_b.len);
        f->top_b.data = f->bufs[2];

        if (image_store_open(f->root, &f->store, NULL) < 0)
                fail_msg("cannot open the store");
        *state = f;
        return 0;
}

static int fixture_teardown(void **state)
{
        struct fixture *f = *state;

        image_store_free(f->store);
        test_rm_rf(f->root);
        for (size_t i = 0; i < 3; i++)
                free(f->bufs[i]);
        free(f->root);
        free(f);
        return 0;
}

static void collect_message(const char *text, void *userdata)
{
        struct fixture *f = userdata;

        strncat(f->messages, text, sizeof(f->messages) - strlen(f->messages) - 1);
}

/* Loads an archive from a file; returns the code, message in err. */
static int load_bytes(struct fixture *f, const char *data, size_t len, struct error *err)
{
        struct image_load_callbacks cb = { .message = collect_message, .userdata = f };
        int fd = test_write_file(f->root, "archive.tar", data, len);
        int r;

        f->messages[0] = '\0';
        r = image_store_load(f->store, fd, &cb, err);
        close(fd);
        return r;
}

static void load_images(struct fixture *f, const struct test_image *images, size_t n)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *archive = NULL;
        size_t len;

        archive = test_docker_archive(images, n, &len);
        if (load_bytes(f, archive, len, &err) < 0)
                fail_msg("load failed: %s", err.message);
}

static int count_dir(struct fixture *f, const char *sub)
{
        char path[4096];
        struct dirent *de;
        DIR *dir;
        int n = 0;

        snprintf(path, sizeof(path), "%s/image/%s", f->root, sub);
        dir = opendir(path);
        assert_non_null(dir);
        while ((de = readdir(dir)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(dir);
        return n;
}

static bool path_exists(const char *path)
{
        struct stat st;

        return lstat(path, &st) == 0;
}

static struct image *lookup(struct fixture *f, const char *name)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct image *img = NULL;

        if (image_store_lookup(f->store, name, &img, &err) < 0)
                fail_msg("lookup of %s failed: %s", name, err.message);
        return img;
}

static const char *const tags_a[] = { "image-test/a:1", NULL };
static const char *const tags_b[] = { "image-test/b:1", NULL };

static void image_a(struct fixture *f, struct test_layer layers[2], struct test_image *ret)
{
        layers[0] = f->base;
        layers[1] = f->top_a;
        *ret = (struct test_image){ .layers = layers, .n_layers = 2, .tags = tags_a, .config = "\"Cmd\":\"sh\"" };
}

static void load_and_lookup(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[2];
        struct test_image img;
        _cleanup_image_ struct image *by_tag = NULL, *by_id = NULL, *by_prefix = NULL, *by_digest = NULL;
        char name[128], path[4200];

        image_a(f, layers, &img);
        load_images(f, &img, 1);
        assert_string_equal(f->messages, "Loaded image: image-test/a:1\n");
        assert_int_equal(image_store_count(f->store), 1);

        by_tag = lookup(f, "image-test/a:1");
        by_id = lookup(f, by_tag->id);
        snprintf(name, sizeof(name), "%.8s", by_tag->id);
        by_prefix = lookup(f, name);
        snprintf(name, sizeof(name), "sha256:%.10s", by_tag->id);
        by_digest = lookup(f, name);
        assert_string_equal(by_id->id, by_tag->id);
        assert_string_equal(by_prefix->id, by_tag->id);
        assert_string_equal(by_digest->id, by_tag->id);

        assert_int_equal(strv_length(by_tag->layer_dirs), 2);
        snprintf(path, sizeof(path), "%s/etc/base", by_tag->layer_dirs[0]);
        assert_true(path_exists(path));
        snprintf(path, sizeof(path), "%s/etc/a", by_tag->layer_dirs[1]);
        assert_true(path_exists(path));
        assert_int_equal(by_tag->size, strlen("base layer\n") + strlen("image a\n"));
        assert_string_equal(by_tag->repo_tags[0], "image-test/a:1");
        assert_string_equal(by_tag->diff_ids[0], test_digest(f->base.data, f->base.len));

        /* The normalized container config turns a string Cmd into an array. */
        assert_string_equal(json_to_string(json_field_array(image_container_config(by_tag), "Cmd")), "[\"sh\"]");
}

static void lookup_errors(void **state)
{
        struct fixture *f = *state;
        static const struct {
                const char *name;
                int code;
                const char *message;
        } cases[] = {
                { "nosuch", -ENOENT, "No such image: nosuch:latest" },
                { "NoSuch", -EINVAL, "invalid reference format: repository name must be lowercase" },
                { "a@sha256:abc", -EINVAL, "invalid reference format" },
                { "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", -ENOENT,
                  "No such image: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
                { "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", -ENOENT,
                  "No such image: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
                { "sha256:abc", -ENOENT, "No such image: sha256:abc" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                struct image *img = NULL;

                assert_int_equal(image_store_lookup(f->store, cases[i].name, &img, &err), cases[i].code);
                assert_string_equal(err.message, cases[i].message);
        }
}

static void shared_base_stored_once(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers_a[2] = { f->base, f->top_a }, layers_b[2] = { f->base, f->top_b };
        struct test_image images[] = {
                { .layers = layers_a, .n_layers = 2, .tags = tags_a },
                { .layers = layers_b, .n_layers = 2, .tags = tags_b },
        };
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *records = NULL;

        load_images(f, images, 2);
        assert_string_equal(f->messages, "Loaded image: image-test/a:1\nLoaded image: image-test/b:1\n");
        assert_int_equal(count_dir(f, "layers"), 3);

        if (image_store_delete(f->store, "image-test/b:1", false, true, &records, &err) < 0)
                fail_msg("delete failed: %s", err.message);
        /* Untagged, the image, then only its own top layer. */
        assert_int_equal(json_object_array_length(records), 3);
        assert_string_equal(json_field_string(json_object_array_get_idx(records, 0), "Untagged", ""), "image-test/b:1");
        assert_int_equal(count_dir(f, "layers"), 2);
        assert_int_equal(image_store_count(f->store), 1);
}

static void load_untagged_and_retag(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers_a[1] = { f->base }, layers_b[1] = { f->top_b };
        struct test_image untagged = { .layers = layers_a, .n_layers = 1 };
        struct test_image first = { .layers = layers_a, .n_layers = 1, .tags = tags_a };
        struct test_image second = { .layers = layers_b, .n_layers = 1, .tags = tags_a };
        _cleanup_image_ struct image *a = NULL, *b = NULL;
        char expected[512];

        load_images(f, &untagged, 1);
        assert_true(startswith(f->messages, "Loaded image ID: sha256:") != NULL);

        load_images(f, &first, 1);
        a = lookup(f, "image-test/a:1");
        load_images(f, &second, 1);
        b = lookup(f, "image-test/a:1");
        snprintf(expected, sizeof(expected),
                 "The image image-test/a:1 already exists, renaming the old one with ID sha256:%s to empty string\n"
                 "Loaded image: image-test/a:1\n",
                 a->id);
        assert_string_equal(f->messages, expected);
        assert_string_not_equal(a->id, b->id);
        assert_int_equal(image_store_count(f->store), 2);
}

static void assert_store_clean(struct fixture *f)
{
        assert_int_equal(count_dir(f, "staging"), 0);
        assert_int_equal(count_dir(f, "tmp"), 0);
}

static void load_rejects_digest_mismatch(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[1] = { f->base };
        struct test_image img = {
                .layers = layers,
                .n_layers = 1,
                .tags = tags_a,
                .bad_diff_id = "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        };
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *archive = NULL;
        char expected[512];
        size_t len;

        archive = test_docker_archive(&img, 1, &len);
        assert_int_equal(load_bytes(f, archive, len, &err), -EBADMSG);
        snprintf(expected, sizeof(expected), "invalid diffID for layer 0: expected \"%s\", got \"%s\"", img.bad_diff_id,
                 test_digest(f->base.data, f->base.len));
        assert_string_equal(err.message, expected);
        assert_int_equal(image_store_count(f->store), 0);
        assert_int_equal(count_dir(f, "layers"), 0);
        assert_int_equal(count_dir(f, "configs"), 0);
        assert_store_clean(f);
}

static void load_rejects_escaping_layer(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *archive = NULL, *evil = NULL, *sentinel = NULL;
        struct test_layer layer;
        struct test_image img = { .layers = &layer, .n_layers = 1, .tags = tags_a };
        struct tar *t = tar_new("");
        size_t len;

        assert_true(asprintf(&sentinel, "%s/sentinel", f->root) > 0);
        assert_int_equal(mkdir(sentinel, 0755), 0);
        tar_symlink(t, "escape", "../../../../../sentinel");
        tar_file(t, "escape/pwned", "x", 0644);
        evil = tar_finish(t, &layer.len);
        layer.data = evil;

        archive = test_docker_archive(&img, 1, &len);
        assert_int_equal(load_bytes(f, archive, len, &err), -EINVAL);
        assert_non_null(strstr(err.message, "\"escape/pwned\""));
        assert_int_equal(rmdir(sentinel), 0); /* still empty */
        assert_int_equal(count_dir(f, "layers"), 0);
        assert_store_clean(f);
}

static void load_rejects_bad_archives(void **state)
{
        struct fixture *f = *state;
        static const char garbage[] = "this is not an archive at all\n";
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *empty = NULL, *no_config = NULL;
        struct tar *t;
        size_t len;

        assert_true(load_bytes(f, garbage, sizeof(garbage) - 1, &err) < 0);
        assert_true(startswith(err.message, "Error processing tar file: ") != NULL);
        error_clear(&err);

        t = tar_new("");
        empty = tar_finish(t, &len);
        assert_int_equal(load_bytes(f, empty, len, &err), -EINVAL);
        assert_true(startswith(err.message, "invalid image archive: ") != NULL);
        error_clear(&err);

        t = tar_new("");
        tar_file(t, "manifest.json", "[{\"Config\":\"missing.json\",\"RepoTags\":null,\"Layers\":[]}]", 0644);
        no_config = tar_finish(t, &len);
        assert_int_equal(load_bytes(f, no_config, len, &err), -ENOENT);
        assert_string_equal(err.message, "invalid archive: file \"missing.json\" is missing");
        assert_store_clean(f);
}

static void load_gzip_archive(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[2];
        struct test_image img;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *plain = NULL, *packed = NULL;
        size_t len, packed_len;

        /* A docker-archive inside gzip, as debian-family.tar.gz is. */
        image_a(f, layers, &img);
        plain = test_docker_archive(&img, 1, &len);
        packed = test_gzip(plain, len, &packed_len);
        if (load_bytes(f, packed, packed_len, &err) < 0)
                fail_msg("gzip'd archive: %s", err.message);
        assert_string_equal(f->messages, "Loaded image: image-test/a:1\n");
}

static void tag_and_untag(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[2];
        struct test_image img;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *records = NULL;
        _cleanup_image_ struct image *tagged = NULL;

        image_a(f, layers, &img);
        load_images(f, &img, 1);

        assert_int_equal(image_store_tag(f->store, "image-test/a:1", "image-test/x:3", "4", &err), 0);
        assert_int_equal(image_store_tag(f->store, "image-test/a:1", "localhost:5000/x", "", &err), 0);
        assert_int_equal(image_store_tag(f->store, "image-test/a:1", "sha256", "x", &err), -EINVAL);
        assert_string_equal(err.message, "refusing to create an ambiguous tag using digest algorithm as name");
        error_clear(&err);
        assert_int_equal(image_store_tag(f->store, "image-test/a:1",
                                         "x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                         "", &err),
                         -EINVAL);
        assert_string_equal(err.message, "refusing to create a tag with a digest reference");
        error_clear(&err);

        tagged = lookup(f, "image-test/x:4");
        assert_int_equal(strv_length(tagged->repo_tags), 3);
        /* Sorted by the full name: docker.io/... before localhost:5000/... */
        assert_string_equal(tagged->repo_tags[0], "image-test/a:1");
        assert_string_equal(tagged->repo_tags[1], "image-test/x:4");
        assert_string_equal(tagged->repo_tags[2], "localhost:5000/x:latest");
        assert_true(tagged->last_tag_ns > 0);

        assert_int_equal(image_store_delete(f->store, tagged->id, false, true, &records, &err), -EBUSY);
        {
                char expected[256];

                snprintf(expected, sizeof(expected),
                         "conflict: unable to delete %.12s (must be forced) - image is referenced in multiple "
                         "repositories",
                         tagged->id);
                assert_string_equal(err.message, expected);
        }
        error_clear(&err);

        assert_int_equal(image_store_delete(f->store, "image-test/x:4", false, true, &records, &err), 0);
        assert_string_equal(json_to_string(records), "[{\"Untagged\":\"image-test/x:4\"}]");
        json_object_put(TAKE_PTR(records));

        assert_int_equal(image_store_delete(f->store, "image-test/x:4", false, true, &records, &err), -ENOENT);
        assert_string_equal(err.message, "No such image: image-test/x:4");
        error_clear(&err);

        assert_int_equal(image_store_delete(f->store, tagged->id, true, true, &records, &err), 0);
        assert_int_equal(json_object_array_length(records), 3);
        assert_string_equal(json_field_string(json_object_array_get_idx(records, 0), "Untagged", ""), "image-test/a:1");
        assert_string_equal(json_field_string(json_object_array_get_idx(records, 1), "Untagged", ""),
                            "localhost:5000/x:latest");
        assert_true(startswith(json_field_string(json_object_array_get_idx(records, 2), "Deleted", ""), "sha256:"));
        /* The snapshot in tagged keeps the layers until it goes. */
        assert_int_equal(count_dir(f, "layers"), 2);
        image_unref(TAKE_PTR(tagged));
        assert_int_equal(count_dir(f, "layers"), 0);
}

static bool fake_in_use(const char *image_id, char *ret_container, void *userdata)
{
        struct fixture *f = userdata;

        if (!*f->container)
                return false;
        snprintf(ret_container, 65, "%s", f->container);
        return true;
}

static bool fake_running(const char *image_id, char *ret_container, void *userdata)
{
        struct fixture *f = userdata;

        return f->running && fake_in_use(image_id, ret_container, userdata);
}

static void delete_conflicts_with_containers(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[2];
        struct test_image img;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *records = NULL;
        _cleanup_image_ struct image *a = NULL;
        char expected[512];

        image_a(f, layers, &img);
        load_images(f, &img, 1);
        a = lookup(f, "image-test/a:1");
        snprintf(f->container, sizeof(f->container), "c0ffee%058d", 0);
        image_store_set_in_use_check(f->store, fake_in_use, f);
        image_store_set_running_check(f->store, fake_running, f);

        assert_int_equal(image_store_delete(f->store, "image-test/a:1", false, true, &records, &err), -EBUSY);
        snprintf(expected, sizeof(expected),
                 "conflict: unable to remove repository reference \"image-test/a:1\" (must force) - container "
                 "c0ffee000000 is using its referenced image %.12s",
                 a->id);
        assert_string_equal(err.message, expected);
        error_clear(&err);

        assert_int_equal(image_store_delete(f->store, a->id, false, true, &records, &err), -EBUSY);
        snprintf(expected, sizeof(expected),
                 "conflict: unable to delete %.12s (must be forced) - image is being used by stopped container "
                 "c0ffee000000",
                 a->id);
        assert_string_equal(err.message, expected);
        error_clear(&err);

        f->running = true;
        assert_int_equal(image_store_delete(f->store, a->id, true, true, &records, &err), -EBUSY);
        snprintf(expected, sizeof(expected),
                 "conflict: unable to delete %.12s (cannot be forced) - image is being used by running container "
                 "c0ffee000000",
                 a->id);
        assert_string_equal(err.message, expected);
        error_clear(&err);

        /* A stopped container: force untags and deletes the image, but the
         * container's hold keeps the layers, which are not reported. */
        f->running = false;
        assert_int_equal(image_store_hold(f->store, a, f->container, &err), 0);
        image_unref(TAKE_PTR(a));
        assert_int_equal(image_store_delete(f->store, "image-test/a:1", true, true, &records, &err), 0);
        assert_int_equal(json_object_array_length(records), 2);
        assert_string_equal(json_field_string(json_object_array_get_idx(records, 0), "Untagged", ""), "image-test/a:1");
        assert_int_equal(image_store_count(f->store), 0);
        assert_int_equal(count_dir(f, "layers"), 2);
}

static void holds_survive_reopen(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[2];
        struct test_image img;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *records = NULL;
        _cleanup_strv_free_ char **holders = NULL;
        struct image *a, *held = NULL;
        char dir[4096];

        image_a(f, layers, &img);
        load_images(f, &img, 1);
        a = lookup(f, "image-test/a:1");
        assert_int_equal(image_store_hold(f->store, a, "container-1", &err), 0);
        snprintf(dir, sizeof(dir), "%s", a->layer_dirs[1]);
        image_unref(a);

        assert_int_equal(image_store_delete(f->store, "image-test/a:1", true, true, &records, &err), 0);
        assert_true(path_exists(dir));

        /* A restart: the hold still finds the deleted image and its layers. */
        image_store_free(f->store);
        assert_int_equal(image_store_open(f->root, &f->store, &err), 0);
        assert_int_equal(image_store_count(f->store), 0);
        assert_true(path_exists(dir));
        assert_int_equal(image_store_hold_lookup(f->store, "container-1", &held), 0);
        assert_true(held->deleted);
        assert_int_equal(strv_length(held->repo_tags), 0);
        assert_string_equal(held->layer_dirs[1], dir);
        image_unref(held);

        assert_int_equal(image_store_holders(f->store, &holders), 0);
        assert_int_equal(strv_length(holders), 1);
        assert_string_equal(holders[0], "container-1");

        assert_int_equal(image_store_release(f->store, "container-1"), 0);
        assert_false(path_exists(dir));
        assert_int_equal(count_dir(f, "layers"), 0);
        assert_int_equal(count_dir(f, "configs"), 0);
        assert_int_equal(image_store_hold_lookup(f->store, "container-1", &held), -ENOENT);
        assert_int_equal(image_store_release(f->store, "container-1"), 0);
        assert_int_equal(image_store_release(f->store, "../evil"), -EINVAL);
}

static void write_at(const char *root, const char *rel, const char *content)
{
        char path[4200];
        int fd;

        snprintf(path, sizeof(path), "%s/image/%s", root, rel);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(fs_write_all(fd, content, strlen(content)), 0);
        close(fd);
}

static void mkdir_at(const char *root, const char *rel)
{
        char path[4200];

        snprintf(path, sizeof(path), "%s/image/%s", root, rel);
        assert_int_equal(fs_mkdir_p(path, 0700), 0);
}

static void reopen_after_crash(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[2];
        struct test_image img;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_image_ struct image *a = NULL;
        _cleanup_free_ char *orphan_config = NULL;
        char name[128];

        image_a(f, layers, &img);
        load_images(f, &img, 1);
        image_store_free(f->store);
        f->store = NULL;

        /* What a crash can leave: a half-extracted layer, a spooled
         * archive, a layer directory without metadata, a config whose
         * layers never arrived, a tag to it, a hold on nothing, and the
         * temporary file of an interrupted atomic write. */
        mkdir_at(f->root, "staging/0123456789abcdef/diff/usr/bin");
        write_at(f->root, "staging/0123456789abcdef/diff/usr/bin/half", "partial");
        mkdir_at(f->root, "tmp/load-0123456789abcdef");
        write_at(f->root, "tmp/load-0123456789abcdef/0", "spooled");
        mkdir_at(f->root, "layers/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/diff");
        orphan_config = strdup("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:"
                               "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"]}}");
        snprintf(name, sizeof(name), "configs/%s", digest_hex(test_digest(orphan_config, strlen(orphan_config))));
        write_at(f->root, name, orphan_config);
        write_at(f->root, "configs/.tmp-file.0123.tmp", "{");
        write_at(f->root, "holds/broken.json", "{not json");

        assert_int_equal(image_store_open(f->root, &f->store, &err), 0);
        assert_int_equal(image_store_count(f->store), 1);
        a = lookup(f, "image-test/a:1");
        assert_int_equal(count_dir(f, "layers"), 2);
        assert_int_equal(count_dir(f, "configs"), 1);
        assert_int_equal(count_dir(f, "holds"), 0);
        assert_store_clean(f);
}

static void reopen_drops_tags_of_missing_images(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct image *img = NULL;

        image_store_free(f->store);
        f->store = NULL;
        write_at(f->root, "repositories.json",
                 "{\"Repositories\":{\"gone\":{\"gone:latest\":\"sha256:"
                 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"}}}");
        assert_int_equal(image_store_open(f->root, &f->store, &err), 0);
        assert_int_equal(image_store_lookup(f->store, "gone", &img, NULL), -ENOENT);
}

static void import_with_changes(void **state)
{
        struct fixture *f = *state;
        char *changes[] = { "CMD [\"/bin/sh\"]", "ENV A=b", NULL };
        struct image_import_options opts = {
                .repo = "image-test/imp", .tag = "1", .message = "msg1", .changes = changes
        };
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *inspect = NULL, *history = NULL;
        _cleanup_image_ struct image *img = NULL;
        _cleanup_free_ char *rootfs = NULL;
        struct tar *t = tar_new("gzip");
        char id[DIGEST_STRING_MAX];
        size_t len;
        int fd;

        tar_file(t, "hello", "hello12345", 0644);
        rootfs = tar_finish(t, &len);
        fd = test_write_file(f->root, "rootfs.tar.gz", rootfs, len);
        assert_int_equal(image_import_validate(&opts, &err), 0);
        if (image_store_import(f->store, fd, &opts, id, &err) < 0)
                fail_msg("import failed: %s", err.message);
        close(fd);

        img = lookup(f, "image-test/imp:1");
        assert_string_equal(id + strlen("sha256:"), img->id);
        inspect = image_render_inspect(img);
        assert_string_equal(json_field_string(inspect, "Comment", ""), "msg1");
        assert_int_equal(json_field_int(inspect, "Size", 0), 10);
        assert_string_equal(json_to_string(json_field_array(json_field_object(inspect, "Config"), "Cmd")),
                            "[\"/bin/sh\"]");
        assert_string_equal(json_to_string(json_field_array(json_field_object(inspect, "Config"), "Env")), "[\"A=b\"]");
        assert_string_not_equal(json_field_string(json_field_object(inspect, "Metadata"), "LastTagTime", ""),
                                "0001-01-01T00:00:00Z");
        /* One layer: no LowerDir. */
        assert_non_null(json_field_object(json_field_object(inspect, "GraphDriver"), "Data"));
        assert_false(json_object_object_get_ex(json_field_object(json_field_object(inspect, "GraphDriver"), "Data"),
                                               "LowerDir", NULL));

        assert_int_equal(image_render_history(img, &history, &err), 0);
        assert_int_equal(json_object_array_length(history), 1);
        assert_string_equal(json_field_string(json_object_array_get_idx(history, 0), "Comment", ""), "msg1");
        assert_int_equal(json_field_int(json_object_array_get_idx(history, 0), "Size", -1), 10);
        assert_string_equal(json_to_string(json_field_array(json_object_array_get_idx(history, 0), "Tags")),
                            "[\"image-test/imp:1\"]");
}

static void import_validation(void **state)
{
        char *bad_changes[] = { "RUN x", NULL };
        const struct {
                struct image_import_options opts;
                const char *message;
        } cases[] = {
                { { .repo = "Abc" }, "invalid reference format: repository name must be lowercase" },
                { { .repo = "abc@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
                  "cannot import digest reference" },
                { { .repo = "abc", .tag = "+x" }, "invalid tag format" },
                { { .changes = bad_changes }, "run is not a valid change command" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;

                assert_int_equal(image_import_validate(&cases[i].opts, &err), -EINVAL);
                assert_string_equal(err.message, cases[i].message);
        }
}

/* Lists with filters and returns "id-prefix:tags..." for each image. */
static char *list(struct fixture *f, const char *filters_json, int *ret_code, struct error *err)
{
        _cleanup_json_ json_object *filters = json_tokener_parse(filters_json), *result = NULL;
        char *out = calloc(1, 4096);

        *ret_code = image_render_list(f->store, filters, false, &result, err);
        for (size_t i = 0; result && i < json_object_array_length(result); i++) {
                json_object *entry = json_object_array_get_idx(result, i);

                json_object *tags = json_field_array(entry, "RepoTags");

                strcat(out, tags ? json_to_string(tags) : "null");
        }
        return out;
}

static void list_filters(void **state)
{
        struct fixture *f = *state;
        struct test_layer la[1] = { f->base }, lb[1] = { f->top_a }, lc[1] = { f->top_b };
        static const char *const tags_old[] = { "image-test/old:1", NULL };
        static const char *const tags_new[] = { "image-test/new:1", "other/new:2", NULL };
        struct test_image images[] = {
                { .layers = la,
                  .n_layers = 1,
                  .tags = tags_old,
                  .created = "2020-01-01T00:00:00Z",
                  .config = "\"Labels\":{\"suite\":\"sockerless\",\"b\":\"2\"}" },
                { .layers = lb, .n_layers = 1, .tags = tags_new, .created = "2021-01-01T00:00:00Z" },
                { .layers = lc, .n_layers = 1, .created = "2022-01-01T00:00:00Z" },
        };
        static const struct {
                const char *filters, *result;
                int code;
                const char *message;
        } cases[] = {
                { "{}", "[\"<none>:<none>\"][\"image-test/new:1\",\"other/new:2\"][\"image-test/old:1\"]", 0, NULL },
                { "{\"dangling\":[\"true\"]}", "[\"<none>:<none>\"]", 0, NULL },
                { "{\"dangling\":[\"false\"]}", "[\"image-test/new:1\",\"other/new:2\"][\"image-test/old:1\"]", 0,
                  NULL },
                { "{\"dangling\":[\"x\"]}", "", -EINVAL, "Invalid filter 'dangling=[x]'" },
                { "{\"bogus\":[\"x\"]}", "", -EINVAL, "Invalid filter 'bogus'" },
                { "{\"label\":[\"suite\"]}", "[\"image-test/old:1\"]", 0, NULL },
                { "{\"label\":[\"suite=sockerless\",\"b=2\"]}", "[\"image-test/old:1\"]", 0, NULL },
                { "{\"label\":[\"suite=x\"]}", "", 0, NULL },
                { "{\"reference\":[\"image-test/*\"]}", "[\"image-test/new:1\"][\"image-test/old:1\"]", 0, NULL },
                { "{\"reference\":[\"*/new\"]}", "[\"image-test/new:1\",\"other/new:2\"]", 0, NULL },
                { "{\"reference\":[\"[bad\"]}", "", -EIO, "syntax error in pattern" },
                { "{\"before\":[\"image-test/new:1\"]}", "[\"image-test/old:1\"]", 0, NULL },
                { "{\"since\":[\"image-test/old:1\"]}", "[\"<none>:<none>\"][\"image-test/new:1\",\"other/new:2\"]", 0,
                  NULL },
                { "{\"since\":[\"nosuch\"]}", "", -ENOENT, "No such image: nosuch:latest" },
        };

        load_images(f, images, 3);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_free_ char *got = NULL;
                int code;

                got = list(f, cases[i].filters, &code, &err);
                if (code != cases[i].code)
                        fail_msg("%s: code %d, want %d", cases[i].filters, code, cases[i].code);
                if (cases[i].message)
                        assert_string_equal(err.message, cases[i].message);
                else if (strcmp(got, cases[i].result) != 0)
                        fail_msg("%s:\n got %s\nwant %s", cases[i].filters, got, cases[i].result);
        }
}

static void inspect_graph_driver(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[2];
        struct test_image img;
        _cleanup_image_ struct image *a = NULL;
        _cleanup_json_ json_object *inspect = NULL;
        json_object *data;
        char expected[8300];

        image_a(f, layers, &img);
        load_images(f, &img, 1);
        a = lookup(f, "image-test/a:1");
        inspect = image_render_inspect(a);
        data = json_field_object(json_field_object(inspect, "GraphDriver"), "Data");
        assert_string_equal(json_field_string(data, "UpperDir", ""), a->layer_dirs[1]);
        assert_string_equal(json_field_string(data, "LowerDir", ""), a->layer_dirs[0]);
        snprintf(expected, sizeof(expected), "%.*s/merged", (int)(strlen(a->layer_dirs[1]) - strlen("/diff")),
                 a->layer_dirs[1]);
        assert_string_equal(json_field_string(data, "MergedDir", ""), expected);
        assert_string_equal(json_field_string(json_field_object(inspect, "GraphDriver"), "Name", ""), "overlay2");
        assert_string_equal(json_field_string(json_field_object(inspect, "Metadata"), "LastTagTime", ""),
                            "0001-01-01T00:00:00Z");
        assert_int_equal(json_object_array_length(json_field_array(json_field_object(inspect, "RootFS"), "Layers")), 2);
}

struct load_thread {
        struct fixture *f;
        const char *archive;
        size_t len;
        int result;
        char file[64];
};

static void *load_thread_main(void *userdata)
{
        struct load_thread *lt = userdata;
        _cleanup_error_ struct error err = ERROR_INIT;
        int fd = test_write_file(lt->f->root, lt->file, lt->archive, lt->len);

        lt->result = image_store_load(lt->f->store, fd, NULL, &err);
        close(fd);
        return NULL;
}

static void concurrent_loads(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[2];
        struct test_image img;
        _cleanup_free_ char *archive = NULL;
        struct load_thread threads[4];
        pthread_t ids[4];
        size_t len;

        image_a(f, layers, &img);
        archive = test_docker_archive(&img, 1, &len);
        for (size_t i = 0; i < 4; i++) {
                threads[i] = (struct load_thread){ .f = f, .archive = archive, .len = len };
                snprintf(threads[i].file, sizeof(threads[i].file), "archive%zu.tar", i);
                assert_int_equal(pthread_create(&ids[i], NULL, load_thread_main, &threads[i]), 0);
        }
        for (size_t i = 0; i < 4; i++) {
                pthread_join(ids[i], NULL);
                assert_int_equal(threads[i].result, 0);
        }
        assert_int_equal(image_store_count(f->store), 1);
        assert_int_equal(count_dir(f, "layers"), 2);
        assert_store_clean(f);
}

/* Builds an OCI image layout: index.json naming a nested index of two
 * platforms, of which only this host's has its blobs in the archive. */
struct oci_options {
        const char *compression;  /* of the layer blob */
        const char *architecture; /* of the manifest with blobs */
        const char *ref_name;     /* org.opencontainers.image.ref.name */
        bool tamper_layer;        /* store other bytes under the layer's digest */
};

static char *hex_name(const char *data, size_t len)
{
        char *name = NULL;

        assert_true(asprintf(&name, "blobs/sha256/%s", digest_hex(test_digest(data, len))) > 0);
        return name;
}

static char *oci_archive(struct fixture *f, const struct oci_options *o, char *ret_index_digest, size_t *ret_len)
{
        _cleanup_free_ char *blob = NULL, *config = NULL, *manifest = NULL, *index = NULL, *top = NULL;
        _cleanup_free_ char *blob_name = NULL, *config_name = NULL, *manifest_name = NULL, *index_name = NULL;
        _cleanup_free_ char *tampered = NULL;
        char blob_digest[DIGEST_STRING_MAX], config_digest[DIGEST_STRING_MAX], manifest_digest[DIGEST_STRING_MAX];
        size_t blob_len;

        blob = test_compress(f->base.data, f->base.len, o->compression, &blob_len);
        snprintf(blob_digest, sizeof(blob_digest), "%s", test_digest(blob, blob_len));
        blob_name = hex_name(blob, blob_len);

        assert_true(asprintf(&config,
                             "{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},"
                             "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
                             o->architecture, test_digest(f->base.data, f->base.len)) > 0);
        snprintf(config_digest, sizeof(config_digest), "%s", test_digest(config, strlen(config)));
        config_name = hex_name(config, strlen(config));

        assert_true(asprintf(&manifest,
                             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                             "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
                             "\"size\":%zu},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+%s\","
                             "\"digest\":\"%s\",\"size\":%zu}]}",
                             config_digest, strlen(config), o->compression, blob_digest, blob_len) > 0);
        snprintf(manifest_digest, sizeof(manifest_digest), "%s", test_digest(manifest, strlen(manifest)));
        manifest_name = hex_name(manifest, strlen(manifest));

        /* The other platform's manifest is not in the archive at all. */
        assert_true(
                asprintf(&index,
                         "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                         "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                         "\"digest\":\"sha256:%064d\",\"size\":1,\"platform\":{\"architecture\":\"s390x\","
                         "\"os\":\"linux\"}},{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                         "\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"architecture\":\"%s\",\"os\":\"linux\"}}]}",
                         0, manifest_digest, strlen(manifest), o->architecture) > 0);
        snprintf(ret_index_digest, DIGEST_STRING_MAX, "%s", test_digest(index, strlen(index)));
        index_name = hex_name(index, strlen(index));

        assert_true(asprintf(&top,
                             "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/"
                             "vnd.oci.image.index.v1+json\","
                             "\"digest\":\"%s\",\"size\":%zu,\"annotations\":{\"org.opencontainers.image.ref.name\":"
                             "\"%s\"}}]}",
                             ret_index_digest, strlen(index), o->ref_name) > 0);

        /* Another valid layer under the digest: only the digest check can
         * tell. */
        if (o->tamper_layer) {
                tampered = test_compress(f->top_a.data, f->top_a.len, o->compression, &blob_len);
                free(blob);
                blob = TAKE_PTR(tampered);
        }

        {
                const struct test_member members[] = {
                        { "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30 },
                        { blob_name, blob, blob_len },
                        { config_name, config, strlen(config) },
                        { manifest_name, manifest, strlen(manifest) },
                        { index_name, index, strlen(index) },
                        { "index.json", top, strlen(top) },
                };

                return test_archive(members, sizeof(members) / sizeof(members[0]), ret_len);
        }
}

static void oci_layout_loads(void **state)
{
        static const char *const compressions[] = { "gzip", "zstd" };
        struct fixture *f = *state;

        for (size_t i = 0; i < 2; i++) {
                struct oci_options o = { .compression = compressions[i],
                                         .architecture = config_host_architecture(),
                                         .ref_name = "image-test/oci:1" };
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_free_ char *archive = NULL, *expected_digest = NULL;
                _cleanup_image_ struct image *img = NULL;
                char index_digest[DIGEST_STRING_MAX];
                size_t len;

                archive = oci_archive(f, &o, index_digest, &len);
                if (load_bytes(f, archive, len, &err) < 0)
                        fail_msg("%s layout: %s", compressions[i], err.message);
                assert_string_equal(f->messages, "Loaded image: image-test/oci:1\n");
                img = lookup(f, "image-test/oci:1");
                assert_true(asprintf(&expected_digest, "image-test/oci@%s", index_digest) > 0);
                /* Both layouts hold the same image under different indexes. */
                assert_int_equal(strv_length(img->repo_digests), i + 1);
                assert_true(strv_contains(img->repo_digests, expected_digest));
                assert_int_equal(img->size, strlen("base layer\n"));
                assert_int_equal(strv_length(img->layer_dirs), 1);
        }
}

static void oci_layout_errors(void **state)
{
        struct fixture *f = *state;
        const struct {
                struct oci_options o;
                int code;
                const char *message_start;
        } cases[] = {
                { { "gzip", "s390x", "image-test/oci:1", false }, -ENOENT, "no matching manifest for linux/" },
                { { "gzip", config_host_architecture(), "image-test/oci:1", true },
                  -EBADMSG,
                  "invalid digest for layer 0: expected \"sha256:" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_free_ char *archive = NULL;
                char index_digest[DIGEST_STRING_MAX];
                size_t len;

                archive = oci_archive(f, &cases[i].o, index_digest, &len);
                assert_int_equal(load_bytes(f, archive, len, &err), cases[i].code);
                if (!startswith(err.message, cases[i].message_start))
                        fail_msg("case %zu: %s", i, err.message);
        }
        assert_int_equal(image_store_count(f->store), 0);
        assert_int_equal(count_dir(f, "layers"), 0);
        assert_store_clean(f);
}

static void oci_layout_bare_tag(void **state)
{
        struct fixture *f = *state;
        struct oci_options o = { .compression = "gzip",
                                 .architecture = config_host_architecture(),
                                 .ref_name = "1.35" };
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *archive = NULL;
        char index_digest[DIGEST_STRING_MAX];
        size_t len;

        /* A bare tag names no repository, so the image stays untagged. */
        archive = oci_archive(f, &o, index_digest, &len);
        assert_int_equal(load_bytes(f, archive, len, &err), 0);
        assert_true(startswith(f->messages, "Loaded image ID: sha256:") != NULL);
}

/* Docker 25+ names layers and configs by digest in manifest.json and adds
 * an OCI layout; manifest.json is what counts. */
static void docker25_archive(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[1] = { f->base };
        struct test_image img = { .layers = layers, .n_layers = 1, .tags = tags_a };
        _cleanup_free_ char *config = test_image_config(&img), *manifest = NULL, *archive = NULL;
        _cleanup_free_ char *layer_name = hex_name(f->base.data, f->base.len), *config_name = NULL;

        config_name = hex_name(config, strlen(config));
        assert_true(asprintf(&manifest, "[{\"Config\":\"%s\",\"RepoTags\":[\"image-test/a:1\"],\"Layers\":[\"%s\"]}]",
                             config_name, layer_name) > 0);

        /* The real layer, another valid layer under its name, then bytes
         * that are no archive at all under its name. */
        const struct test_layer contents[] = { f->base, f->top_a, { "garbage", 7 } };

        for (size_t i = 0; i < 3; i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                const struct test_member members[] = {
                        { "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30 },
                        { "index.json", "{\"schemaVersion\":2,\"manifests\":[]}", 34 },
                        { layer_name, contents[i].data, contents[i].len },
                        { config_name, config, strlen(config) },
                        { "manifest.json", manifest, strlen(manifest) },
                };
                size_t len;

                free(archive);
                archive = test_archive(members, sizeof(members) / sizeof(members[0]), &len);
                if (i == 0) {
                        if (load_bytes(f, archive, len, &err) < 0)
                                fail_msg("Docker 25 archive: %s", err.message);
                        assert_string_equal(f->messages, "Loaded image: image-test/a:1\n");
                        continue;
                }
                /* Other bytes under the layer's name: caught by the name. */
                if (i == 1) {
                        _cleanup_json_ json_object *records = NULL;

                        assert_int_equal(image_store_delete(f->store, "image-test/a:1", true, true, &records, &err), 0);
                }
                assert_int_equal(load_bytes(f, archive, len, &err), -EBADMSG);
                assert_true(startswith(err.message, "invalid digest for layer 0") != NULL);
        }

        /* A config stored under another config's digest. */
        {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_free_ char *wrong = NULL, *bad_manifest = NULL;
                const char *other = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
                size_t len;

                wrong = hex_name(other, strlen(other));
                assert_true(asprintf(&bad_manifest, "[{\"Config\":\"%s\",\"RepoTags\":[],\"Layers\":[]}]", wrong) > 0);
                const struct test_member members[] = {
                        { wrong, config, strlen(config) },
                        { "manifest.json", bad_manifest, strlen(bad_manifest) },
                };

                free(archive);
                archive = test_archive(members, 2, &len);
                assert_int_equal(load_bytes(f, archive, len, &err), -EBADMSG);
                assert_true(startswith(err.message, "invalid archive: blobs/sha256/") != NULL);
        }
}

static void record_event(const char *action, const char *id, const char *name, json_object *labels, void *userdata)
{
        struct fixture *f = userdata;
        char line[256];

        /* IDs vary, names do not: keep the name unless it is the ID. */
        snprintf(line, sizeof(line), "%s %s\n", action, streq(id, name) ? "ID" : name);
        strncat(f->messages, line, sizeof(f->messages) - strlen(f->messages) - 1);
}

static void image_events(void **state)
{
        struct fixture *f = *state;
        struct test_layer layers[2];
        struct test_image img;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *records = NULL;

        image_a(f, layers, &img);
        image_store_set_event_hook(f->store, record_event, f);
        load_images(f, &img, 1);
        assert_string_equal(f->messages, "Loaded image: image-test/a:1\nload ID\n");

        f->messages[0] = '\0';
        assert_int_equal(image_store_tag(f->store, "image-test/a:1", "image-test/b", "2", &err), 0);
        assert_int_equal(image_store_delete(f->store, "image-test/a:1", true, true, &records, &err), 0);
        json_object_put(TAKE_PTR(records));
        assert_int_equal(image_store_delete(f->store, "image-test/b:2", true, true, &records, &err), 0);
        assert_string_equal(f->messages, "tag image-test/b:2\nuntag ID\nuntag ID\ndelete ID\n");
}

static void prune_images(void **state)
{
        struct fixture *f = *state;
        struct test_layer la[1] = { f->base }, lb[1] = { f->top_a }, lc[1] = { f->top_b };
        static const char *const tags_kept[] = { "image-test/kept:1", NULL };
        struct test_image images[] = {
                { .layers = la, .n_layers = 1, .tags = tags_a, .config = "\"Labels\":{\"keep\":\"yes\"}" },
                { .layers = lb, .n_layers = 1 },
                { .layers = lc, .n_layers = 1, .tags = tags_kept, .created = "2030-01-01T00:00:00Z" },
        };
        _cleanup_json_ json_object *deleted = NULL, *not_labels = json_tokener_parse("[\"keep\"]");
        struct image_prune_options dangling = { .dangling_only = true };
        struct image_prune_options all = { .has_until = true,
                                           .until_ns = INT64_C(1800000000000000000),
                                           .not_labels = not_labels };
        uint64_t reclaimed = 0;

        load_images(f, images, 3);
        assert_int_equal(image_store_count(f->store), 3);

        /* The default: only the untagged image, with its layer. */
        assert_int_equal(image_store_prune(f->store, &dangling, &deleted, &reclaimed), 0);
        assert_int_equal(json_object_array_length(deleted), 2);
        assert_int_equal(reclaimed, strlen("image a\n"));
        assert_int_equal(image_store_count(f->store), 2);
        json_object_put(TAKE_PTR(deleted));

        /* All unused images, but not the labelled one nor the one created
         * after until. */
        assert_int_equal(image_store_prune(f->store, &all, &deleted, &reclaimed), 0);
        assert_int_equal(json_object_array_length(deleted), 0);
        assert_int_equal(reclaimed, 0);
        json_object_put(TAKE_PTR(deleted));

        /* A container's image stays: its deletion conflicts and is skipped. */
        snprintf(f->container, sizeof(f->container), "c0ffee%058d", 0);
        image_store_set_in_use_check(f->store, fake_in_use, f);
        all = (struct image_prune_options){ 0 };
        assert_int_equal(image_store_prune(f->store, &all, &deleted, &reclaimed), 0);
        assert_int_equal(json_object_array_length(deleted), 0);
        assert_int_equal(image_store_count(f->store), 2);
        json_object_put(TAKE_PTR(deleted));

        f->container[0] = '\0';
        assert_int_equal(image_store_prune(f->store, &all, &deleted, &reclaimed), 0);
        assert_int_equal(image_store_count(f->store), 0);
        assert_int_equal(reclaimed, strlen("base layer\n") + strlen("image b!\n"));
}

/* Three unused images for the label filters of prune: a:1 has the labels
 * keep=yes and team=x, kept:1 only keep=yes, and the third, untagged,
 * has no labels. */
static void load_labelled_images(struct fixture *f)
{
        struct test_layer la[1] = { f->base }, lb[1] = { f->top_a }, lc[1] = { f->top_b };
        static const char *const tags_kept[] = { "image-test/kept:1", NULL };
        struct test_image images[] = {
                { .layers = la,
                  .n_layers = 1,
                  .tags = tags_a,
                  .config = "\"Labels\":{\"keep\":\"yes\",\"team\":\"x\"}" },
                { .layers = lb, .n_layers = 1, .tags = tags_kept, .config = "\"Labels\":{\"keep\":\"yes\"}" },
                { .layers = lc, .n_layers = 1 },
        };

        load_images(f, images, 3);
        assert_int_equal(image_store_count(f->store), 3);
}

static void prune_label_matches_all(void **state)
{
        struct fixture *f = *state;
        _cleanup_json_ json_object *deleted = NULL, *labels = json_tokener_parse("[\"keep=yes\", \"team\"]");
        struct image_prune_options opts = { .labels = labels };
        _cleanup_image_ struct image *remaining = NULL, *pruned = NULL;
        uint64_t reclaimed = 0;

        load_labelled_images(f);

        /* Only a:1 has every label the filter names, so it alone is pruned. */
        assert_int_equal(image_store_prune(f->store, &opts, &deleted, &reclaimed), 0);
        assert_int_equal(image_store_count(f->store), 2);
        assert_int_equal(image_store_lookup(f->store, "image-test/a:1", &pruned, NULL), -ENOENT);
        remaining = lookup(f, "image-test/kept:1");
        assert_non_null(remaining);
}

static void prune_not_label_matches_all(void **state)
{
        struct fixture *f = *state;
        _cleanup_json_ json_object *deleted = NULL, *not_labels = json_tokener_parse("[\"keep\", \"team=x\"]");
        struct image_prune_options opts = { .not_labels = not_labels };
        _cleanup_image_ struct image *remaining = NULL, *pruned = NULL;
        uint64_t reclaimed = 0;

        load_labelled_images(f);

        /* label! keeps out only a:1, which matches both entries. kept:1
         * matches one of them, so it is pruned with the untagged image. */
        assert_int_equal(image_store_prune(f->store, &opts, &deleted, &reclaimed), 0);
        assert_int_equal(image_store_count(f->store), 1);
        remaining = lookup(f, "image-test/a:1");
        assert_non_null(remaining);
        assert_int_equal(image_store_lookup(f->store, "image-test/kept:1", &pruned, NULL), -ENOENT);
}

#define STORE_TEST(test) cmocka_unit_test_setup_teardown(test, fixture_setup, fixture_teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
                STORE_TEST(load_and_lookup),
                STORE_TEST(lookup_errors),
                STORE_TEST(shared_base_stored_once),
                STORE_TEST(load_untagged_and_retag),
                STORE_TEST(load_rejects_digest_mismatch),
                STORE_TEST(load_rejects_escaping_layer),
                STORE_TEST(load_rejects_bad_archives),
                STORE_TEST(load_gzip_archive),
                STORE_TEST(tag_and_untag),
                STORE_TEST(delete_conflicts_with_containers),
                STORE_TEST(holds_survive_reopen),
                STORE_TEST(reopen_after_crash),
                STORE_TEST(reopen_drops_tags_of_missing_images),
                STORE_TEST(import_with_changes),
                STORE_TEST(import_validation),
                STORE_TEST(list_filters),
                STORE_TEST(inspect_graph_driver),
                STORE_TEST(concurrent_loads),
                STORE_TEST(oci_layout_loads),
                STORE_TEST(oci_layout_errors),
                STORE_TEST(oci_layout_bare_tag),
                STORE_TEST(docker25_archive),
                STORE_TEST(image_events),
                STORE_TEST(prune_images),
                STORE_TEST(prune_label_matches_all),
                STORE_TEST(prune_not_label_matches_all),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
