/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The real test images, loaded from the directory that
 * $SOCKERLESS_TEST_IMAGES names (busybox.tar, layers.tar,
 * debian-family.tar.gz, busybox-multiarch.oci.tar). Exits 77 (skipped)
 * without it or without root. The expected IDs and sizes are what Docker Engine 20.10
 * shows for the same archives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "image-test-util.h"
#include "image/config.h"
#include "image/image.h"
#include "image/render.h"
#include "jsonutil.h"
#include "strv.h"

static const char *images_dir;

struct fixture {
        char *root;
        struct image_store *store;
        char messages[4096];
};

static int fixture_setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        test_store_open("image-archives", &f->root, &f->store);
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

static void collect_message(const char *text, void *userdata)
{
        struct fixture *f = userdata;

        strncat(f->messages, text, sizeof(f->messages) - strlen(f->messages) - 1);
}

static void load_file(struct fixture *f, const char *name)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct image_load_callbacks cb = { .message = collect_message, .userdata = f };
        char path[4096];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", images_dir, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                fail_msg("cannot open %s: %m", path);
        f->messages[0] = '\0';
        if (image_store_load(f->store, fd, &cb, &err) < 0)
                fail_msg("loading %s failed: %s", name, err.message);
        close(fd);
}

static struct image *lookup(struct fixture *f, const char *name)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct image *img = NULL;

        if (image_store_lookup(f->store, name, &img, &err) < 0)
                fail_msg("lookup of %s failed: %s", name, err.message);
        return img;
}

static void busybox_archive(void **state)
{
        struct fixture *f = *state;
        _cleanup_image_ struct image *img = NULL;
        char path[4200];
        struct stat st;

        load_file(f, "busybox.tar");
        assert_string_equal(f->messages, "Loaded image: sockerless-test/busybox:1.35\n");
        img = lookup(f, "sockerless-test/busybox:1.35");
        assert_string_equal(img->id, "bb7d4caccfe7166852b7022eeeb0c78049399baad6f4904a807bd458be826eb1");
        assert_int_equal(img->size, 1984241);
        assert_string_equal(json_to_string(json_field_array(image_container_config(img), "Cmd")), "[\"sh\"]");

        snprintf(path, sizeof(path), "%s/bin/sh", img->layer_dirs[0]);
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        snprintf(path, sizeof(path), "%s/tmp", img->layer_dirs[0]);
        assert_int_equal(lstat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 01777);
}

/* Lists a directory of the merged tree into a sorted, space-separated
 * string. */
static int list_dir(const char *path, char *ret, size_t size)
{
        struct dirent **entries = NULL;
        int n = scandir(path, &entries, NULL, alphasort);

        if (n < 0)
                return -1;
        ret[0] = '\0';
        for (int i = 0; i < n; i++) {
                if (entries[i]->d_name[0] != '.') {
                        if (ret[0])
                                strncat(ret, " ", size - strlen(ret) - 1);
                        strncat(ret, entries[i]->d_name, size - strlen(ret) - 1);
                }
                free(entries[i]);
        }
        free(entries);
        return 0;
}

/* Mounts the layers as a read-only overlay in a private mount namespace
 * (a child process, so nothing outlives it) and checks the tree a container
 * of this image gets. */
static int check_merged_view(char **layer_dirs, const char *mountpoint)
{
        char options[16384] = "lowerdir=", keep[4300], data[4300];
        size_t n = strv_length(layer_dirs);

        for (size_t i = n; i > 0; i--) {
                strncat(options, layer_dirs[i - 1], sizeof(options) - strlen(options) - 1);
                if (i > 1)
                        strncat(options, ":", sizeof(options) - strlen(options) - 1);
        }
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return 10;
        if (mount("overlay", mountpoint, "overlay", MS_RDONLY, options) < 0)
                return 11;

        snprintf(keep, sizeof(keep), "%s/keep", mountpoint);
        snprintf(data, sizeof(data), "%s/data", mountpoint);
        if (list_dir(keep, keep, sizeof(keep)) < 0 || strcmp(keep, "k") != 0)
                return 12;
        if (list_dir(data, data, sizeof(data)) < 0 || strcmp(data, "new") != 0)
                return 13;
        return 0;
}

static void layers_archive(void **state)
{
        struct fixture *f = *state;
        _cleanup_image_ struct image *img = NULL;
        _cleanup_json_ json_object *history = NULL;
        char mountpoint[4200], path[4200], value[4];
        struct stat st;
        int status;
        pid_t pid;

        load_file(f, "layers.tar");
        img = lookup(f, "sockerless-test/layers:1");
        assert_string_equal(img->id, "4a0f6e7308093fbfcdf77c81f156c393f737a02f28ab4503da900d02d4aec949");
        assert_int_equal(img->size, 1984413);
        assert_int_equal(strv_length(img->layer_dirs), 4);
        assert_string_equal(json_field_string(image_container_config(img), "User", ""), "app");
        assert_string_equal(json_field_string(image_container_config(img), "StopSignal", ""), "SIGUSR1");

        /* The layer that deleted /keep/gone and recreated /data. */
        snprintf(path, sizeof(path), "%s/keep/gone", img->layer_dirs[2]);
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(st.st_rdev, 0);
        snprintf(path, sizeof(path), "%s/data", img->layer_dirs[2]);
        assert_int_equal(getxattr(path, "trusted.overlay.opaque", value, sizeof(value)), 1);

        /* Docker's history sizes for the four layers. */
        assert_int_equal(image_render_history(img, &history, NULL), 0);
        assert_int_equal(json_object_array_length(history), 14);
        assert_int_equal(json_field_int(json_object_array_get_idx(history, 10), "Size", -1), 156);
        assert_int_equal(json_field_int(json_object_array_get_idx(history, 11), "Size", -1), 3);
        assert_int_equal(json_field_int(json_object_array_get_idx(history, 12), "Size", -1), 13);
        assert_int_equal(json_field_int(json_object_array_get_idx(history, 13), "Size", -1), 1984241);

        if (geteuid() != 0)
                skip();
        snprintf(mountpoint, sizeof(mountpoint), "%s/merged", f->root);
        assert_int_equal(mkdir(mountpoint, 0755), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(check_merged_view(img->layer_dirs, mountpoint));
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) != 0)
                fail_msg("the merged view is wrong (check %d)", WEXITSTATUS(status));
}

static void debian_family_archive(void **state)
{
        struct fixture *f = *state;
        _cleanup_image_ struct image *debian = NULL, *nginx = NULL, *redis = NULL;
        char path[4200];
        struct stat st;

        load_file(f, "debian-family.tar.gz");
        assert_string_equal(f->messages, "Loaded image: sockerless-test/debian:bookworm\n"
                                         "Loaded image: sockerless-test/nginx:1.22\n"
                                         "Loaded image: sockerless-test/redis:7.0\n");
        debian = lookup(f, "sockerless-test/debian:bookworm");
        nginx = lookup(f, "sockerless-test/nginx:1.22");
        redis = lookup(f, "sockerless-test/redis:7.0");
        assert_int_equal(debian->size, 116667527);
        assert_int_equal(nginx->size, 133890978);
        assert_int_equal(redis->size, 130869251);

        /* One base layer, shared by all three. */
        assert_string_equal(nginx->layer_dirs[0], debian->layer_dirs[0]);
        assert_string_equal(redis->layer_dirs[0], debian->layer_dirs[0]);
        snprintf(path, sizeof(path), "%s/image/layers", f->root);
        {
                DIR *dir = opendir(path);
                struct dirent *de;
                int n = 0;

                assert_non_null(dir);
                while ((de = readdir(dir)))
                        n += de->d_name[0] != '.';
                closedir(dir);
                assert_int_equal(n, 4);
        }
        snprintf(path, sizeof(path), "%s/etc/debian_version", debian->layer_dirs[0]);
        assert_int_equal(stat(path, &st), 0);
}

static void multiarch_oci_archive(void **state)
{
        struct fixture *f = *state;
        _cleanup_image_ struct image *img = NULL;
        _cleanup_json_ json_object *inspect = NULL;

        load_file(f, "busybox-multiarch.oci.tar");
        assert_string_equal(f->messages, "Loaded image: sockerless-test/busybox:1.35\n");
        img = lookup(f, "sockerless-test/busybox:1.35");
        inspect = image_render_inspect(img);
        assert_string_equal(json_field_string(inspect, "Architecture", ""), config_host_architecture());
        assert_int_equal(strv_length(img->repo_digests), 1);
        assert_string_equal(img->repo_digests[0], "sockerless-test/busybox@sha256:"
                                                  "ece9a30bf1ca7289693b1226a0758f03e45a705d9570a4b1f88179acfb6f95bc");
        assert_string_equal(json_to_string(json_field_array(image_container_config(img), "Cmd")), "[\"sh\"]");
}

#define ARCHIVE_TEST(test) cmocka_unit_test_setup_teardown(test, fixture_setup, fixture_teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
                ARCHIVE_TEST(busybox_archive),
                ARCHIVE_TEST(layers_archive),
                ARCHIVE_TEST(debian_family_archive),
                ARCHIVE_TEST(multiarch_oci_archive),
        };
        struct stat st;

        /* The images hold device nodes and whiteouts, which only root
         * creates. */
        if (geteuid() != 0) {
                fprintf(stderr, "the test images need root to extract; skipping\n");
                return 77;
        }
        images_dir = getenv("SOCKERLESS_TEST_IMAGES");
        if (!images_dir || stat(images_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                fprintf(stderr, "SOCKERLESS_TEST_IMAGES does not name a directory of test images; skipping\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
