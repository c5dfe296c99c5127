/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of volumes and mount points: the -v and --mount parsers, the
 * mount points of a create, and the volume store on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/binds.h"
#include "engine/mounts.h"
#include "engine/volumes.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "strv.h"

#define DATA_ROOT "/var/lib/sockerless"

/* Builds the mount points of a request's Config and HostConfig (JSON). */
static int build(const char *config, const char *host_config, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *c = json_tokener_parse(config), *hc = json_tokener_parse(host_config);

        assert_non_null(c);
        assert_non_null(hc);
        return mounts_build(c, hc, NULL, 0, DATA_ROOT, ret, err);
}

static json_object *point(json_object *points, size_t i)
{
        assert_true(i < json_object_array_length(points));
        return json_object_array_get_idx(points, i);
}

static void bind_named_volume(void **state)
{
        struct bind b;

        assert_int_equal(bind_parse("data:/srv:ro,nocopy", &b, NULL), 0);
        assert_true(b.volume);
        assert_string_equal(b.source, "data");
        assert_string_equal(b.destination, "/srv");
        assert_true(b.read_only);
        assert_true(b.nocopy);
        bind_clear(&b);

        assert_int_equal(bind_parse("/anon", &b, NULL), 0);
        assert_true(b.volume);
        assert_null(b.source);
        assert_string_equal(b.destination, "/anon");
        bind_clear(&b);
}

static void bind_volume_errors(void **state)
{
        static const struct {
                const char *spec, *message;
        } cases[] = {
                { "v1:data", "invalid volume specification: 'v1:data': invalid mount config for type \"volume\": "
                             "invalid mount path: 'data' mount path must be absolute" },
                { "v1:/data:xx", "invalid mode: xx" },
                { "v1:/data:nocopy,nocopy", "invalid mode: nocopy,nocopy" },
                { "v1:/", "invalid volume specification: 'v1:/': invalid mount config for type \"volume\": invalid "
                          "specification: destination can't be '/'" },
                { "/h:/d:nocopy", "invalid volume specification: '/h:/d:nocopy': invalid mount config for type "
                                  "\"bind\": field VolumeOptions must not be specified" },
                { ":/d", "invalid volume specification: ':/d'" },
                { "v1", "invalid volume specification: 'v1': invalid mount config for type \"volume\": invalid "
                        "mount path: 'v1' mount path must be absolute" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                struct bind b;

                assert_int_equal(bind_parse(cases[i].spec, &b, &err), -EINVAL);
                assert_string_equal(err.message, cases[i].message);
        }
}

static void volumes_from_modes(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        char *name = NULL;
        bool rw = false;

        assert_int_equal(volumes_from_parse("src", &name, &rw, NULL), 0);
        assert_string_equal(name, "src");
        assert_true(rw);
        free(name);
        assert_int_equal(volumes_from_parse("src:ro,z", &name, &rw, NULL), 0);
        assert_string_equal(name, "src");
        assert_false(rw);
        free(name);
        assert_int_equal(volumes_from_parse("src:xx", &name, &rw, &err), -EINVAL);
        assert_string_equal(err.message, "invalid mode: xx");
}

static void mounts_modes_as_dockerd(void **state)
{
        _cleanup_json_ json_object *points = NULL;

        assert_int_equal(build("{\"Volumes\":{\"/anon\":{}}}",
                               "{\"Binds\":[\"v1:/a\",\"v2:/b:ro\",\"/h:/c\"],\"Mounts\":[{\"Type\":\"volume\","
                               "\"Target\":\"/d\"}]}",
                               &points, NULL),
                         0);
        assert_int_equal(json_object_array_length(points), 5);
        assert_string_equal(json_field_string(point(points, 0), "Mode", ""), "z");
        assert_string_equal(json_field_string(point(points, 0), "Name", ""), "v1");
        assert_false(json_field_bool(point(points, 0), "Anonymous", true));
        assert_string_equal(json_field_string(point(points, 1), "Mode", ""), "ro");
        assert_false(json_field_bool(point(points, 1), "RW", true));
        assert_string_equal(json_field_string(point(points, 2), "Type", ""), "bind");
        assert_string_equal(json_field_string(point(points, 2), "Propagation", ""), "rprivate");
        assert_true(json_field_bool(point(points, 2), "CreateSource", false));
        assert_string_equal(json_field_string(point(points, 3), "Mode", ""), "z");
        assert_true(json_field_bool(point(points, 3), "Anonymous", false));
        assert_string_equal(json_field_string(point(points, 4), "Destination", ""), "/anon");
        assert_string_equal(json_field_string(point(points, 4), "Mode", ""), "");
        assert_true(json_field_bool(point(points, 4), "CopyData", false));
}

static void mounts_data_root_is_rslave(void **state)
{
        _cleanup_json_ json_object *points = NULL;

        assert_int_equal(
                build("{}", "{\"Binds\":[\"/var/lib:/a\",\"" DATA_ROOT "/x:/b\",\"/var/lib2:/c\"]}", &points, NULL), 0);
        assert_string_equal(json_field_string(point(points, 0), "Propagation", ""), "rslave");
        assert_string_equal(json_field_string(point(points, 1), "Propagation", ""), "rslave");
        assert_string_equal(json_field_string(point(points, 2), "Propagation", ""), "rprivate");
}

static void mounts_duplicates(void **state)
{
        static const char *const host_configs[] = {
                "{\"Binds\":[\"v1:/data\",\"/tmp:/data\"]}",
                "{\"Binds\":[\"v1:/data\"],\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/data/\"}]}",
                "{\"Binds\":[\"v1:/data\"],\"Tmpfs\":{\"/data\":\"\"}}",
        };

        for (size_t i = 0; i < ARRAY_SIZE(host_configs); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                json_object *points = NULL;

                assert_int_equal(build("{}", host_configs[i], &points, &err), -EINVAL);
                assert_string_equal(err.message, "Duplicate mount point: /data");
        }
}

static void mounts_anonymous_yields(void **state)
{
        _cleanup_json_ json_object *points = NULL;

        /* An image's VOLUME under a -v of the same path or a --tmpfs is not made. */
        assert_int_equal(build("{\"Volumes\":{\"/data\":{},\"/t\":{}}}",
                               "{\"Binds\":[\"v1:/data\"],\"Tmpfs\":{\"/t\":\"\"}}", &points, NULL),
                         0);
        assert_int_equal(json_object_array_length(points), 1);
        assert_string_equal(json_field_string(point(points, 0), "Name", ""), "v1");
}

static void mounts_spec_errors(void **state)
{
        static const struct {
                const char *mounts, *message;
        } cases[] = {
                { "[{\"Type\":\"volume\"}]", "invalid mount config for type \"volume\": field Target must not be "
                                             "empty" },
                { "[{\"Type\":\"volume\",\"Target\":\"/\"}]",
                  "invalid mount config for type \"volume\": invalid specification: destination can't be '/'" },
                { "[{\"Type\":\"foo\",\"Target\":\"/d\"}]", "invalid mount config for type \"foo\": mount type "
                                                            "unknown" },
                { "[{\"Type\":\"bind\",\"Target\":\"/d\"}]", "invalid mount config for type \"bind\": field "
                                                             "Source must not be empty" },
                { "[{\"Type\":\"bind\",\"Source\":\"/nonexistent/x\",\"Target\":\"/d\"}]",
                  "invalid mount config for type \"bind\": bind source path does not exist: /nonexistent/x" },
                { "[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/d\",\"BindOptions\":{\"Propagation\":"
                  "\"bogus\"}}]",
                  "invalid mount config for type \"bind\": invalid propagation mode: bogus" },
                { "[{\"Type\":\"volume\",\"Target\":\"/d\",\"BindOptions\":{}}]",
                  "invalid mount config for type \"volume\": field BindOptions must not be specified" },
                { "[{\"Type\":\"tmpfs\",\"Source\":\"x\",\"Target\":\"/d\"}]",
                  "invalid mount config for type \"tmpfs\": field Source must not be specified" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_free_ char *hc = NULL;
                json_object *points = NULL;

                assert_true(asprintf(&hc, "{\"Mounts\":%s}", cases[i].mounts) > 0);
                assert_int_equal(build("{}", hc, &points, &err), -EINVAL);
                assert_string_equal(err.message, cases[i].message);
        }
}

static void mounts_volumes_from_copies(void **state)
{
        _cleanup_json_ json_object *theirs = NULL, *points = NULL, *c = json_object_new_object();
        _cleanup_json_ json_object *hc = json_tokener_parse("{\"Binds\":[\"/h:/b\"]}");
        _cleanup_json_ json_object *inspect = NULL;
        struct mounts_from from;

        assert_int_equal(build("{}", "{\"Binds\":[\"v1:/a:rw\",\"/x:/b\"]}", &theirs, NULL), 0);
        from = (struct mounts_from){ .mount_points = theirs, .rw = false };
        assert_int_equal(mounts_build(c, hc, &from, 1, DATA_ROOT, &points, NULL), 0);
        assert_int_equal(json_object_array_length(points), 2);
        /* The copy has no mode and follows ":ro"; the -v replaces /b. */
        assert_string_equal(json_field_string(point(points, 0), "Name", ""), "v1");
        assert_string_equal(json_field_string(point(points, 0), "Mode", ""), "");
        assert_false(json_field_bool(point(points, 0), "RW", true));
        assert_false(json_field_bool(point(points, 0), "CopyData", true));
        assert_string_equal(json_field_string(point(points, 1), "Source", ""), "/h");

        inspect = mounts_to_json(points);
        assert_string_equal(json_to_string(json_object_array_get_idx(inspect, 1)),
                            "{\"Type\":\"bind\",\"Source\":\"/h\",\"Destination\":\"/b\",\"Mode\":\"\",\"RW\":true,"
                            "\"Propagation\":\"rprivate\"}");
        assert_string_equal(json_to_string(json_object_array_get_idx(inspect, 0)),
                            "{\"Type\":\"volume\",\"Name\":\"v1\",\"Source\":\"\",\"Destination\":\"/a\","
                            "\"Driver\":\"local\",\"Mode\":\"\",\"RW\":false,\"Propagation\":\"\"}");
}

/* Shared and slave binds against a made-up mount table in which /tmp is a
 * mount of its own (the paths must exist, as the check resolves them). */
static void mounts_propagation_check(void **state)
{
        static const char private_tmp[] = "22 1 254:0 / / rw - ext4 /dev/vda rw\n"
                                          "30 22 0:5 / /tmp rw - tmpfs tmpfs rw\n";
        static const char shared_tmp[] = "22 1 254:0 / / rw - ext4 /dev/vda rw\n"
                                         "30 22 0:5 / /tmp rw shared:7 - tmpfs tmpfs rw\n";
        static const char slave_tmp[] = "22 1 254:0 / / rw shared:1 - ext4 /dev/vda rw\n"
                                        "30 22 0:5 / /tmp rw master:7 - tmpfs tmpfs rw\n";
        static const struct {
                const char *binds, *mountinfo, *message;
        } cases[] = {
                { "[\"/tmp:/a:rshared\"]", shared_tmp, NULL },
                { "[\"/tmp:/a:rshared\"]", private_tmp, "path /tmp is mounted on /tmp but it is not a shared mount" },
                { "[\"/tmp:/a:rshared\"]", slave_tmp, "path /tmp is mounted on /tmp but it is not a shared mount" },
                { "[\"/tmp:/a:rslave\"]", slave_tmp, NULL },
                { "[\"/tmp:/a:rslave\"]", private_tmp,
                  "path /tmp is mounted on /tmp but it is not a shared or slave mount" },
                { "[\"/:/a:rslave\"]", slave_tmp, NULL },
                { "[\"/tmp:/a:rprivate\"]", private_tmp, NULL },
                /* The default rslave of a bind near the data root falls back. */
                { "[\"/var:/a\"]", private_tmp, NULL },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                _cleanup_json_ json_object *points = NULL;
                _cleanup_free_ char *hc = NULL;

                assert_true(asprintf(&hc, "{\"Binds\":%s}", cases[i].binds) > 0);
                assert_int_equal(build("{}", hc, &points, NULL), 0);
                if (!cases[i].message) {
                        assert_int_equal(mounts_check_propagation(points, cases[i].mountinfo, &err), 0);
                        continue;
                }
                assert_int_equal(mounts_check_propagation(points, cases[i].mountinfo, &err), -EINVAL);
                assert_string_equal(err.message, cases[i].message);
        }
}

/* Containers stored before mount points were kept get them from their
 * binds, even when a --mount source has gone since. */
static void mounts_legacy_binds(void **state)
{
        _cleanup_json_ json_object *hc = json_tokener_parse(
                "{\"Binds\":[\"/var/lib:/a:ro\"],\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/nonexistent/x\","
                "\"Target\":\"/b\"}]}");
        _cleanup_json_ json_object *points = mounts_from_legacy_binds(hc);

        assert_non_null(points);
        assert_int_equal(json_object_array_length(points), 2);
        assert_string_equal(json_field_string(point(points, 0), "Propagation", ""), "rprivate");
        assert_false(json_field_bool(point(points, 0), "RW", true));
        assert_string_equal(json_field_string(point(points, 1), "Source", ""), "/nonexistent/x");
}

static void volume_names(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT, err2 = ERROR_INIT;

        assert_int_equal(volume_name_check("ok", NULL), 0);
        assert_int_equal(volume_name_check("a.b-c_d", NULL), 0);
        assert_int_equal(volume_name_check("a", &err), -EINVAL);
        assert_string_equal(err.message,
                            "create a: volume name is too short, names should be at least two alphanumeric characters");
        assert_int_equal(volume_name_check("bad/name", &err2), -EINVAL);
        assert_non_null(strstr(err2.message, "\"bad/name\" includes invalid characters for a local volume name"));
        assert_int_equal(volume_name_check("-ab", NULL), -EINVAL);
        assert_int_equal(volume_name_check("", NULL), -EINVAL);
}

static void volume_options_rules(void **state)
{
        static const struct {
                const char *options, *message;
        } cases[] = {
                { "{\"foo\":\"bar\"}", "invalid option: \"foo\"" },
                { "{\"o\":\"bind\"}", "missing required option: \"device\"" },
                { "{\"type\":\"tmpfs\"}", "missing required option: \"device\"" },
                { "{\"device\":\"x\",\"o\":\"y\"}", "missing required option: \"type\"" },
                { "{\"size\":\"10m\"}", "quota size requested but no quota support" },
                { "{\"size\":\"lots\"}", "invalid size: 'lots'" },
                { "{\"type\":\"tmpfs\",\"device\":\"tmpfs\",\"o\":\"size=1m\"}", NULL },
                { "{}", NULL },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_json_ json_object *options = json_tokener_parse(cases[i].options);
                _cleanup_error_ struct error err = ERROR_INIT;
                int r = volume_options_check(options, &err);

                if (!cases[i].message) {
                        assert_int_equal(r, 0);
                        continue;
                }
                assert_int_equal(r, -EINVAL);
                assert_string_equal(err.message, cases[i].message);
        }
}

/* ---- The store, in a temporary data root ---- */

static int store_setup(void **state)
{
        char *dir = strdup("/tmp/test-volumes.XXXXXX");

        assert_non_null(mkdtemp(dir));
        *state = dir;
        return 0;
}

static int store_teardown(void **state)
{
        char *dir = *state;

        fs_rm_rf_at(AT_FDCWD, dir);
        free(dir);
        return 0;
}

static struct volume_store *open_store(const char *root)
{
        struct volume_store *s = NULL;

        assert_int_equal(volume_store_open(root, 0, 0, &s, NULL), 0);
        return s;
}

static size_t list_count(struct volume_store *s, const char *filters)
{
        _cleanup_json_ json_object *f = json_tokener_parse(filters), *list = NULL;
        size_t n;

        assert_int_equal(volume_store_list(s, f, &list, NULL), 0);
        n = json_object_array_length(list);
        return n;
}

static void store_create_and_reload(void **state)
{
        const char *root = *state;
        _cleanup_json_ json_object *labels = json_tokener_parse("{\"a\":\"b\"}"), *inspect = NULL;
        _cleanup_free_ char *name = NULL, *generated = NULL, *data = NULL;
        struct volume_create create = { .name = "v1", .labels = labels };
        struct volume_create anonymous = { 0 };
        struct volume_store *s = open_store(root);
        struct stat st;

        assert_int_equal(volume_store_create(s, &create, &name, NULL), 0);
        assert_string_equal(name, "v1");
        assert_int_equal(volume_store_create(s, &anonymous, &generated, NULL), 0);
        assert_int_equal(strlen(generated), 64);
        /* A second create finds the first, whose labels stay. */
        create.labels = NULL;
        assert_int_equal(volume_store_create(s, &create, NULL, NULL), 0);
        volume_store_free(s);

        s = open_store(root);
        assert_int_equal(volume_store_inspect(s, "v1", &inspect, NULL), 0);
        assert_string_equal(json_field_string(json_field_object(inspect, "Labels"), "a", ""), "b");
        assert_string_equal(json_field_string(inspect, "Scope", ""), "local");
        assert_string_equal(json_field_string(inspect, "Driver", ""), "local");
        data = volume_store_data_path(s, "v1");
        assert_string_equal(json_field_string(inspect, "Mountpoint", ""), data);
        assert_int_equal(stat(data, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_int_equal(list_count(s, "{}"), 2);
        assert_int_equal(list_count(s, "{\"label\":[\"a=b\"]}"), 1);
        assert_int_equal(list_count(s, "{\"name\":[\"^v\"]}"), 1);
        assert_int_equal(list_count(s, "{\"driver\":[\"loc\"]}"), 0);
        volume_store_free(s);
}

static void store_removes_unfinished(void **state)
{
        const char *root = *state;
        _cleanup_free_ char *staging = NULL, *half = NULL;
        struct volume_store *s;

        assert_true(asprintf(&staging, "%s/volumes/.staging-abcdef/_data", root) > 0);
        assert_true(asprintf(&half, "%s/volumes/half/_data", root) > 0);
        assert_int_equal(fs_mkdir_p(staging, 0755), 0);
        assert_int_equal(fs_mkdir_p(half, 0755), 0);
        s = open_store(root);
        assert_int_equal(list_count(s, "{}"), 0);
        assert_int_not_equal(access(staging, F_OK), 0);
        volume_store_free(s);
}

static void store_in_use_and_prune(void **state)
{
        const char *root = *state;
        _cleanup_error_ struct error err = ERROR_INIT, filter_err = ERROR_INIT;
        _cleanup_json_ json_object *deleted = json_object_new_array(), *bad = json_tokener_parse("{\"x\":[\"1\"]}");
        _cleanup_json_ json_object *opts = json_tokener_parse("{\"type\":\"tmpfs\",\"device\":\"tmpfs\"}");
        struct volume_create used = { .name = "used", .container = "c1" };
        struct volume_create idle = { .name = "idle" }, mounted = { .name = "tmp", .options = opts };
        struct volume_store *s = open_store(root);
        _cleanup_free_ char *file = NULL;
        int64_t space = -1;
        int fd;

        assert_int_equal(volume_store_create(s, &used, NULL, NULL), 0);
        assert_int_equal(volume_store_create(s, &idle, NULL, NULL), 0);
        assert_int_equal(volume_store_create(s, &mounted, NULL, NULL), 0);
        assert_true(asprintf(&file, "%s/volumes/idle/_data/f", root) > 0);
        fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "12345", 5), 5);
        close(fd);

        assert_int_equal(volume_store_remove(s, "used", false, &err), -EBUSY);
        assert_string_equal(err.message, "remove used: volume is in use - [c1]");
        assert_int_equal(list_count(s, "{\"dangling\":[\"true\"]}"), 2);
        assert_int_equal(list_count(s, "{\"dangling\":[\"0\"]}"), 1);
        assert_int_equal(volume_store_list(s, bad, &deleted, &filter_err), -EINVAL);
        assert_string_equal(filter_err.message, "Invalid filter 'x'");

        /* Volumes with options stay, as in dockerd 20.10. */
        assert_int_equal(volume_store_prune(s, NULL, deleted, &space, NULL), 0);
        assert_int_equal(json_object_array_length(deleted), 1);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(deleted, 0)), "idle");
        assert_int_equal(space, 5);

        volume_store_release(s, "used", "c1");
        assert_int_equal(volume_store_remove(s, "used", false, NULL), 0);
        assert_int_equal(volume_store_remove(s, "used", false, NULL), -ENOENT);
        assert_int_equal(volume_store_remove(s, "used", true, NULL), 0);
        assert_int_equal(list_count(s, "{}"), 1);
        volume_store_free(s);
}

/* A bind volume's _data shows a host directory, whose files must survive
 * the volume's removal, even when a mount is left on _data. */
static void store_bind_volume_keeps_host_files(void **state)
{
        const char *root = *state;
        _cleanup_free_ char *host = NULL, *host_file = NULL, *options_text = NULL, *data = NULL, *data_file = NULL;
        _cleanup_json_ json_object *options = NULL;
        struct volume_create create = { .name = "bv" };
        struct volume_store *s = open_store(root);
        struct stat st;
        int fd;

        assert_true(asprintf(&host, "%s/host", root) > 0);
        assert_true(asprintf(&host_file, "%s/keep", host) > 0);
        assert_int_equal(mkdir(host, 0755), 0);
        fd = open(host_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        assert_true(asprintf(&options_text, "{\"type\":\"none\",\"o\":\"bind\",\"device\":\"%s\"}", host) > 0);
        options = json_tokener_parse(options_text);
        create.options = options;
        assert_int_equal(volume_store_create(s, &create, NULL, NULL), 0);
        data = volume_store_data_path(s, "bv");
        assert_true(asprintf(&data_file, "%s/keep", data) > 0);

        /* Mounted for its first user, unmounted after its last. */
        assert_int_equal(volume_store_mount(s, "bv", "c1", NULL), 0);
        assert_int_equal(volume_store_mount(s, "bv", "c2", NULL), 0);
        assert_int_equal(stat(data_file, &st), 0);
        volume_store_unmount(s, "bv", "c1");
        assert_int_equal(stat(data_file, &st), 0);
        volume_store_unmount(s, "bv", "c2");
        assert_int_not_equal(stat(data_file, &st), 0);

        /* A mount left by a previous store goes when no container uses it. */
        assert_int_equal(volume_store_mount(s, "bv", "c1", NULL), 0);
        volume_store_free(s);
        s = open_store(root);
        volume_store_unmount_unused(s);
        assert_int_not_equal(stat(data_file, &st), 0);

        /* A removal unmounts _data before it deletes anything. */
        assert_int_equal(volume_store_mount(s, "bv", "c1", NULL), 0);
        assert_int_equal(volume_store_remove(s, "bv", false, NULL), 0);
        assert_int_equal(stat(host_file, &st), 0);
        volume_store_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(bind_named_volume),
                cmocka_unit_test(bind_volume_errors),
                cmocka_unit_test(volumes_from_modes),
                cmocka_unit_test(mounts_modes_as_dockerd),
                cmocka_unit_test(mounts_data_root_is_rslave),
                cmocka_unit_test(mounts_duplicates),
                cmocka_unit_test(mounts_anonymous_yields),
                cmocka_unit_test(mounts_spec_errors),
                cmocka_unit_test(mounts_volumes_from_copies),
                cmocka_unit_test(mounts_propagation_check),
                cmocka_unit_test(mounts_legacy_binds),
                cmocka_unit_test(volume_names),
                cmocka_unit_test(volume_options_rules),
                cmocka_unit_test_setup_teardown(store_create_and_reload, store_setup, store_teardown),
                cmocka_unit_test_setup_teardown(store_removes_unfinished, store_setup, store_teardown),
                cmocka_unit_test_setup_teardown(store_in_use_and_prune, store_setup, store_teardown),
                cmocka_unit_test_setup_teardown(store_bind_volume_keeps_host_files, store_setup, store_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
