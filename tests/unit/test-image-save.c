/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker save archives: which images and tags names select, the members
 * and their order, manifest.json and repositories, layer tars whose
 * digests are the diff IDs, and a load of the saved archive that gives
 * back the same images. Needs root, as the layer tests do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "image-test-util.h"
#include "image/digest.h"
#include "image/image.h"
#include "image/save.h"
#include "jsonutil.h"
#include "strv.h"

struct fixture {
        char *root;
        struct image_store *store;
};

/* One member of a saved archive, as read back. */
struct member {
        char path[256];
        mode_t type;
        char link[256];
        char *data;
        size_t len;
};

struct saved {
        struct member members[64];
        size_t n;
};

static int fixture_setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        test_store_open("image-save", &f->root, &f->store);
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

static void load(struct image_store *s, const char *dir, const char *data, size_t len)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct image_load_callbacks cb = { 0 };
        int fd = test_write_file(dir, "archive.tar", data, len);

        if (image_store_load(s, fd, &cb, &err) < 0)
                fail_msg("load failed: %s", err.message);
        close(fd);
}

/* Two images sharing their base layer: a:1 and a:2 name the first, b:1
 * the second. */
static void load_images(struct fixture *f)
{
        static const char base[] = "base layer", top[] = "top layer";
        const struct test_layer layers_a[] = { { base, sizeof(base) } };
        const struct test_layer layers_b[] = { { base, sizeof(base) }, { top, sizeof(top) } };
        const char *const tags_a[] = { "example/a:1", "example/a:2", NULL };
        const char *const tags_b[] = { "example/b:1", NULL };
        struct test_image images[] = {
                { .layers = layers_a, .n_layers = 1, .tags = tags_a, .config = "\"Cmd\":[\"sh\",\"-c\",\"a && b\"]" },
                { .layers = layers_b, .n_layers = 2, .tags = tags_b },
        };
        struct tar *t[2] = { tar_new(""), tar_new("") };
        char *tars[2], *archive;
        size_t tar_len[2], len;
        struct test_layer real_a[1], real_b[2];

        /* Real tars, so that the layers extract. */
        tar_file(t[0], "base", "base content", 0644);
        tar_file(t[1], "top", "top content", 0644);
        for (size_t i = 0; i < 2; i++)
                tars[i] = tar_finish(t[i], &tar_len[i]);
        real_a[0] = (struct test_layer){ tars[0], tar_len[0] };
        real_b[0] = real_a[0];
        real_b[1] = (struct test_layer){ tars[1], tar_len[1] };
        images[0].layers = real_a;
        images[1].layers = real_b;

        archive = test_docker_archive(images, 2, &len);
        load(f->store, f->root, archive, len);
        free(archive);
        for (size_t i = 0; i < 2; i++)
                free(tars[i]);
}

static void read_saved(const struct test_buffer *b, struct saved *ret)
{
        struct archive *a = archive_read_new();
        struct archive_entry *e;

        archive_read_support_format_tar(a);
        assert_int_equal(archive_read_open_memory(a, b->data, b->len), ARCHIVE_OK);
        ret->n = 0;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                struct member *m = &ret->members[ret->n++];
                la_int64_t size = archive_entry_size(e);

                assert_true(ret->n < ARRAY_SIZE(ret->members));
                snprintf(m->path, sizeof(m->path), "%s", archive_entry_pathname(e));
                m->type = archive_entry_filetype(e);
                snprintf(m->link, sizeof(m->link), "%s", archive_entry_symlink(e) ?: "");
                m->len = (size_t)size;
                m->data = malloc(m->len + 1);
                assert_int_equal(archive_read_data(a, m->data, m->len), (la_ssize_t)m->len);
                m->data[m->len] = '\0';
        }
        archive_read_free(a);
}

static void saved_free(struct saved *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->members[i].data);
}

static const struct member *find(const struct saved *s, const char *path)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->members[i].path, path) == 0)
                        return &s->members[i];
        return NULL;
}

static int save(struct fixture *f, char *const *names, struct test_buffer *out, struct error *err)
{
        return image_store_save(f->store, names, test_buffer_write, out, err);
}

static void check_layers(const struct saved *s, json_object *item, json_object *config)
{
        json_object *layers = json_field_array(item, "Layers");
        json_object *diff_ids = json_field_array(json_field_object(config, "rootfs"), "diff_ids");

        assert_int_equal(json_object_array_length(layers), json_object_array_length(diff_ids));
        for (size_t i = 0; i < json_object_array_length(layers); i++) {
                const struct member *m = find(s, json_object_get_string(json_object_array_get_idx(layers, i)));
                char link[600];

                assert_non_null(m);
                /* A layer tar written earlier is linked as ../<v1 id>/layer.tar. */
                if (m->type == AE_IFLNK) {
                        snprintf(link, sizeof(link), "%s", m->link + strlen("../"));
                        m = find(s, link);
                        assert_non_null(m);
                }
                assert_string_equal(test_digest(m->data, m->len),
                                    json_object_get_string(json_object_array_get_idx(diff_ids, i)));
        }
}

static void members_ordered(const struct saved *s)
{
        for (size_t i = 1; i < s->n; i++) {
                const char *a = s->members[i - 1].path, *b = s->members[i].path;
                size_t an = strcspn(a, "/"), bn = strcspn(b, "/");
                int c = strncmp(a, b, an < bn ? an : bn);

                /* By top-level name, a directory before its members. */
                assert_true(c < 0 || (c == 0 && (an < bn || (an == bn && strcmp(a, b) < 0))));
        }
}

static void save_tags_and_layers(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *manifest = NULL, *repositories = NULL;
        struct fixture *f = *state;
        char *names[] = { "example/a:1", "example/b:1", NULL };
        struct test_buffer out = { 0 };
        struct saved saved;

        load_images(f);
        if (save(f, names, &out, &err) < 0)
                fail_msg("save failed: %s", err.message);
        read_saved(&out, &saved);
        members_ordered(&saved);

        assert_non_null(find(&saved, "manifest.json"));
        assert_int_equal(json_parse_buffer(find(&saved, "manifest.json")->data, find(&saved, "manifest.json")->len,
                                           &manifest, NULL),
                         0);
        assert_int_equal(json_object_array_length(manifest), 2);
        for (size_t i = 0; i < 2; i++) {
                json_object *item = json_object_array_get_idx(manifest, i);
                const struct member *config = find(&saved, json_field_string(item, "Config", ""));
                _cleanup_json_ json_object *parsed = NULL;
                char expected[80];

                assert_non_null(config);
                /* The config keeps its bytes, so the image keeps its ID. */
                snprintf(expected, sizeof(expected), "%s.json", digest_hex(test_digest(config->data, config->len)));
                assert_string_equal(json_field_string(item, "Config", ""), expected);
                assert_int_equal(json_parse_buffer(config->data, config->len, &parsed, NULL), 0);
                check_layers(&saved, item, parsed);
        }
        assert_string_equal(json_to_string(json_field_array(json_object_array_get_idx(manifest, 0), "RepoTags")),
                            "[\"example/a:1\"]");
        assert_string_equal(json_to_string(json_field_array(json_object_array_get_idx(manifest, 1), "RepoTags")),
                            "[\"example/b:1\"]");
        assert_int_equal(json_parse_buffer(find(&saved, "repositories")->data, find(&saved, "repositories")->len,
                                           &repositories, NULL),
                         0);
        assert_non_null(json_field_object(repositories, "example/a"));
        assert_non_null(json_field_object(repositories, "example/b"));
        assert_int_equal(find(&saved, "manifest.json")->data[find(&saved, "manifest.json")->len - 1], '\n');
        /* Go's encoder escapes & in strings. */
        assert_non_null(memmem(out.data, out.len, "a \\u0026\\u0026 b", 16));

        saved_free(&saved);
        free(out.data);
}

static void save_repository_selects_tags(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *manifest = NULL;
        struct fixture *f = *state;
        char *names[] = { "example/a", NULL };
        struct test_buffer out = { 0 };
        struct saved saved;

        load_images(f);
        if (save(f, names, &out, &err) < 0)
                fail_msg("save failed: %s", err.message);
        read_saved(&out, &saved);
        assert_int_equal(json_parse_buffer(find(&saved, "manifest.json")->data, find(&saved, "manifest.json")->len,
                                           &manifest, NULL),
                         0);
        assert_int_equal(json_object_array_length(manifest), 1);
        assert_string_equal(json_to_string(json_field_array(json_object_array_get_idx(manifest, 0), "RepoTags")),
                            "[\"example/a:1\",\"example/a:2\"]");
        saved_free(&saved);
        free(out.data);
}

static void save_by_id_has_no_tags(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_image_ struct image *img = NULL;
        struct fixture *f = *state;
        struct test_buffer out = { 0 };
        struct saved saved;
        char id[80], *names[] = { id, NULL };

        load_images(f);
        assert_int_equal(image_store_lookup(f->store, "example/b:1", &img, NULL), 0);
        snprintf(id, sizeof(id), "sha256:%s", img->id);
        if (save(f, names, &out, &err) < 0)
                fail_msg("save failed: %s", err.message);
        read_saved(&out, &saved);
        assert_non_null(strstr(find(&saved, "manifest.json")->data, "\"RepoTags\":null"));
        assert_null(find(&saved, "repositories"));
        saved_free(&saved);
        free(out.data);
}

static void save_load_round_trip(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct fixture *f = *state;
        char *names[] = { "example/a:1", "example/b:1", NULL };
        struct image_store *other = NULL;
        struct test_buffer out = { 0 };
        char *dir = test_mkdtemp("image-save-load");

        load_images(f);
        if (save(f, names, &out, &err) < 0)
                fail_msg("save failed: %s", err.message);
        assert_int_equal(image_store_open(dir, &other, NULL), 0);
        load(other, dir, out.data, out.len);

        for (size_t i = 0; names[i]; i++) {
                _cleanup_image_ struct image *before = NULL, *after = NULL;

                assert_int_equal(image_store_lookup(f->store, names[i], &before, NULL), 0);
                assert_int_equal(image_store_lookup(other, names[i], &after, NULL), 0);
                assert_string_equal(before->id, after->id);
                assert_int_equal(strv_length(after->chain_ids), strv_length(before->chain_ids));
        }
        image_store_free(other);
        test_rm_rf(dir);
        free(dir);
        free(out.data);
}

static void save_errors(void **state)
{
        struct fixture *f = *state;
        char *missing_name[] = { "example/none", NULL }, *missing_tag[] = { "example/a:3", NULL };
        struct test_buffer out = { 0 };

        load_images(f);
        {
                _cleanup_error_ struct error err = ERROR_INIT;

                assert_int_equal(save(f, missing_name, &out, &err), -ENOENT);
                assert_non_null(strstr(err.message, "No such image"));
        }
        {
                _cleanup_error_ struct error err = ERROR_INIT;

                assert_int_equal(save(f, missing_tag, &out, &err), -ENOENT);
                assert_string_equal(err.message, "reference does not exist");
        }
        assert_int_equal(out.len, 0);
}

static void save_without_record(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_image_ struct image *img = NULL;
        struct fixture *f = *state;
        char *names[] = { "example/a:1", NULL }, path[4096];
        struct test_buffer out = { 0 };

        load_images(f);
        assert_int_equal(image_store_lookup(f->store, "example/a:1", &img, NULL), 0);
        snprintf(path, sizeof(path), "%s/image/layers/%s/tar-split", f->root, digest_hex(img->chain_ids[0]));
        assert_int_equal(unlink(path), 0);
        assert_int_equal(save(f, names, &out, &err), -ENODATA);
        assert_int_equal(out.len, 0);
}

/* A layer that no longer rebuilds to its diff ID cuts the archive inside
 * its layer.tar, which tar readers report. */
static void save_changed_layer_truncates(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_image_ struct image *img = NULL;
        struct fixture *f = *state;
        char *names[] = { "example/a:1", NULL }, path[4096];
        struct test_buffer out = { 0 };
        struct archive *a;
        struct archive_entry *e;
        int fd, k = ARCHIVE_OK;
        char buf[4096];

        load_images(f);
        assert_int_equal(image_store_lookup(f->store, "example/a:1", &img, NULL), 0);
        snprintf(path, sizeof(path), "%s/base", img->layer_dirs[0]);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        assert_int_equal(pwrite(fd, "BASE", 4, 0), 4);
        close(fd);

        assert_int_equal(save(f, names, &out, &err), -EIO);
        a = archive_read_new();
        archive_read_support_format_tar(a);
        assert_int_equal(archive_read_open_memory(a, out.data, out.len), ARCHIVE_OK);
        while (k == ARCHIVE_OK && (k = archive_read_next_header(a, &e)) == ARCHIVE_OK)
                while ((k = (int)archive_read_data(a, buf, sizeof(buf))) > 0)
                        k = ARCHIVE_OK;
        assert_true(k < 0);
        archive_read_free(a);
        free(out.data);
}

#define SAVE_TEST(test) cmocka_unit_test_setup_teardown(test, fixture_setup, fixture_teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
                SAVE_TEST(save_tags_and_layers),
                SAVE_TEST(save_repository_selects_tags),
                SAVE_TEST(save_by_id_has_no_tags),
                SAVE_TEST(save_load_round_trip),
                SAVE_TEST(save_errors),
                SAVE_TEST(save_without_record),
                SAVE_TEST(save_changed_layer_truncates),
        };

        if (geteuid() != 0) {
                fprintf(stderr, "extracting layers as the store does needs root; skipping\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
