/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of --userns-remap: the setting's parts, /etc/subuid
 * parsing, the maps, the create checks, the spec and the files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "engine/userns.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "userns-adduser.h"

static void split_spec_valid(void **state)
{
        static const struct {
                const char *spec, *user, *group;
        } cases[] = {
                { "default", "default", NULL },
                { "dockremap", "dockremap", NULL },
                { "alice:staff", "alice", "staff" },
                { "1000:1000", "1000", "1000" },
                { "1000", "1000", NULL },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *user = NULL, *group = NULL;

                assert_int_equal(userns_split_spec(cases[i].spec, &user, &group, NULL), 0);
                assert_string_equal(user, cases[i].user);
                if (cases[i].group)
                        assert_string_equal(group, cases[i].group);
                else
                        assert_null(group);
                free(user);
                free(group);
        }
}

static void split_spec_invalid(void **state)
{
        static const char *const specs[] = { "a:b:c", ":", "alice:", ":staff", "", "a::b" };

        for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
                struct error err = ERROR_INIT;
                char *user = NULL, *group = NULL;
                char expected[128];

                assert_int_equal(userns_split_spec(specs[i], &user, &group, &err), -EINVAL);
                snprintf(expected, sizeof(expected), "Invalid user/group specification in --userns-remap: \"%s\"",
                         specs[i]);
                assert_string_equal(err.message, expected);
                assert_null(user);
                assert_null(group);
                error_clear(&err);
        }
}

static void subid_parse_selects_owner(void **state)
{
        static const char text[] = "# comment line\n"
                                   "\n"
                                   "alice:100000:65536\n"
                                   "  bob:165536:65536  \n"
                                   "alice:300000:10\n"
                                   "1001:400000:5\n"
                                   "alicex:500000:1\n"
                                   "\t# indented comment\n"
                                   "bob:600000:7";
        struct userns_range *ranges = NULL;
        size_t n = 0;

        assert_int_equal(userns_subid_parse(text, strlen(text), "/etc/subuid", "alice", "1001", &ranges, &n, NULL), 0);
        assert_int_equal(n, 3);
        assert_int_equal(ranges[0].host_id, 100000);
        assert_int_equal(ranges[0].size, 65536);
        assert_int_equal(ranges[1].host_id, 300000);
        assert_int_equal(ranges[1].size, 10);
        assert_int_equal(ranges[2].host_id, 400000);
        assert_int_equal(ranges[2].size, 5);
        free(ranges);

        /* The last line needs no newline, and NULL selects every range. */
        assert_int_equal(userns_subid_parse(text, strlen(text), "/etc/subuid", "bob", NULL, &ranges, &n, NULL), 0);
        assert_int_equal(n, 2);
        assert_int_equal(ranges[1].host_id, 600000);
        free(ranges);
        assert_int_equal(userns_subid_parse(text, strlen(text), "/etc/subuid", NULL, NULL, &ranges, &n, NULL), 0);
        assert_int_equal(n, 6);
        free(ranges);

        assert_int_equal(userns_subid_parse("", 0, "/etc/subuid", "alice", NULL, &ranges, &n, NULL), 0);
        assert_int_equal(n, 0);
        free(ranges);
}

static void subid_parse_invalid(void **state)
{
        static const struct {
                const char *text, *message;
        } cases[] = {
                { "alice:100000\n", "Cannot parse subuid/gid information: Format not correct for /etc/subgid file" },
                { "alice:1:2:3\n", "Cannot parse subuid/gid information: Format not correct for /etc/subgid file" },
                { "other:x\n", "Cannot parse subuid/gid information: Format not correct for /etc/subgid file" },
                { "alice:-1:10\n",
                  "String to int conversion failed during subuid/gid parsing of /etc/subgid: invalid number \"-1\"" },
                { "alice:1:4294967296\n",
                  "String to int conversion failed during subuid/gid parsing of /etc/subgid: invalid number "
                  "\"4294967296\"" },
                { "alice: 5:10\n",
                  "String to int conversion failed during subuid/gid parsing of /etc/subgid: invalid number \" 5\"" },
                { "alice::10\n",
                  "String to int conversion failed during subuid/gid parsing of /etc/subgid: invalid number \"\"" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct userns_range *ranges = NULL;
                struct error err = ERROR_INIT;
                size_t n = 0;

                assert_int_equal(userns_subid_parse(cases[i].text, strlen(cases[i].text), "/etc/subgid", "alice", NULL,
                                                    &ranges, &n, &err),
                                 -EINVAL);
                assert_string_equal(err.message, cases[i].message);
                assert_null(ranges);
                error_clear(&err);
        }
}

static void subid_parse_stops_at_nul(void **state)
{
        static const char text[] = "alice:10:5\0garbage\nalice:20:5\n";
        struct userns_range *ranges = NULL;
        size_t n = 0;

        assert_int_equal(userns_subid_parse(text, sizeof(text) - 1, "/etc/subuid", "alice", NULL, &ranges, &n, NULL),
                         0);
        assert_int_equal(n, 2);
        assert_int_equal(ranges[0].host_id, 10);
        assert_int_equal(ranges[1].host_id, 20);
        free(ranges);
}

static struct userns_range *ranges_of(const uint32_t (*pairs)[2], size_t n)
{
        struct userns_range *ranges = calloc(n ? n : 1, sizeof(*ranges));

        assert_non_null(ranges);
        for (size_t i = 0; i < n; i++)
                ranges[i] = (struct userns_range){ .host_id = pairs[i][0], .size = pairs[i][1] };
        return ranges;
}

static void idmap_build_sorts_and_numbers(void **state)
{
        static const uint32_t pairs[][2] = { { 300000, 10 }, { 100000, 65536 }, { 200000, 5 } };
        struct userns_idmap map = { 0 };

        assert_int_equal(userns_idmap_build(ranges_of(pairs, 3), 3, "subuid", &map, NULL), 0);
        assert_int_equal(map.n_ranges, 3);
        assert_int_equal(map.ranges[0].container_id, 0);
        assert_int_equal(map.ranges[0].host_id, 100000);
        assert_int_equal(map.ranges[1].container_id, 65536);
        assert_int_equal(map.ranges[1].host_id, 200000);
        assert_int_equal(map.ranges[2].container_id, 65541);
        assert_int_equal(map.ranges[2].host_id, 300000);

        assert_int_equal(userns_idmap_to_host(&map, 0), 100000);
        assert_int_equal(userns_idmap_to_host(&map, 65535), 165535);
        assert_int_equal(userns_idmap_to_host(&map, 65536), 200000);
        assert_int_equal(userns_idmap_to_host(&map, 65550), 300009);
        assert_int_equal(userns_idmap_to_host(&map, 65551), -1);
        userns_idmap_clear(&map);
        assert_null(map.ranges);
}

static void idmap_build_invalid(void **state)
{
        static const struct {
                uint32_t pairs[2][2];
                size_t n;
                const char *message;
        } cases[] = {
                { { { 100000, 0 } }, 1, "invalid subgid range 100000:0: the count must not be 0" },
                { { { 4294967000u, 296 } }, 1, "invalid subgid range 4294967000:296: it ends beyond id 4294967294" },
                { { { 100000, 65536 }, { 165535, 10 } },
                  2,
                  "invalid subgid ranges 100000:65536 and 165535:10 overlap" },
                { { { 5, 10 }, { 5, 1 } }, 2, "invalid subgid ranges 5:1 and 5:10 overlap" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct userns_idmap map = { 0 };
                struct error err = ERROR_INIT;

                assert_int_equal(
                        userns_idmap_build(ranges_of(cases[i].pairs, cases[i].n), cases[i].n, "subgid", &map, &err),
                        -EINVAL);
                assert_string_equal(err.message, cases[i].message);
                assert_null(map.ranges);
                error_clear(&err);
        }
}

static void idmap_build_limits(void **state)
{
        uint32_t pairs[USERNS_MAX_RANGES + 1][2];
        struct userns_idmap map = { 0 };
        struct error err = ERROR_INIT;

        for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
                pairs[i][0] = (uint32_t)(100000 + i * 10);
                pairs[i][1] = 10;
        }
        assert_int_equal(
                userns_idmap_build(ranges_of(pairs, USERNS_MAX_RANGES), USERNS_MAX_RANGES, "subuid", &map, NULL), 0);
        assert_int_equal(map.n_ranges, USERNS_MAX_RANGES);
        userns_idmap_clear(&map);

        assert_int_equal(userns_idmap_build(ranges_of(pairs, USERNS_MAX_RANGES + 1), USERNS_MAX_RANGES + 1, "subuid",
                                            &map, &err),
                         -EINVAL);
        assert_string_equal(err.message, "too many subuid ranges: a user namespace takes at most 340");
        error_clear(&err);

        /* The largest range there is: every id but 4294967295. */
        pairs[0][0] = 0;
        pairs[0][1] = UINT32_MAX;
        assert_int_equal(userns_idmap_build(ranges_of(pairs, 1), 1, "subuid", &map, NULL), 0);
        assert_int_equal(userns_idmap_to_host(&map, UINT32_MAX - 1), UINT32_MAX - 1);
        assert_int_equal(userns_idmap_to_host(&map, UINT32_MAX), -1);
        userns_idmap_clear(&map);
}

static struct userns_remap *test_remap(void)
{
        static const uint32_t uids[][2] = { { 100000, 65536 } };
        static const uint32_t gids[][2] = { { 200000, 1000 }, { 300000, 64536 } };
        struct userns_remap *remap = calloc(1, sizeof(*remap));

        assert_non_null(remap);
        remap->user = strdup("alice");
        remap->group = strdup("staff");
        assert_int_equal(userns_idmap_build(ranges_of(uids, 1), 1, "subuid", &remap->uids, NULL), 0);
        assert_int_equal(userns_idmap_build(ranges_of(gids, 2), 2, "subgid", &remap->gids, NULL), 0);
        remap->root_uid = 100000;
        remap->root_gid = 200000;
        return remap;
}

static void check_host_config_rules(void **state)
{
        static const struct {
                const char *host_config;
                bool remapping;
                int code;
                const char *message;
        } cases[] = {
                { "{}", true, 0, NULL },
                { "{\"UsernsMode\": \"host\", \"Privileged\": true, \"NetworkMode\": \"host\"}", true, 0, NULL },
                { "{\"UsernsMode\": \"host\"}", false, 0, NULL },
                { "{\"UsernsMode\": \"private\"}", true, 0, NULL },
                { "{\"UsernsMode\": \"bogus\"}", false, -EINVAL,
                  "invalid UsernsMode \"bogus\": use \"host\" or leave it empty" },
                { "{\"Privileged\": true, \"NetworkMode\": \"host\"}", true, -EINVAL,
                  "privileged mode is incompatible with user namespaces.  You must run the container in the host "
                  "namespace when running privileged mode" },
                { "{\"Privileged\": true}", false, 0, NULL },
                { "{\"NetworkMode\": \"host\", \"PidMode\": \"host\"}", true, -EINVAL,
                  "cannot share the host's network namespace when user namespaces are enabled" },
                { "{\"PidMode\": \"host\"}", true, -EINVAL,
                  "cannot share the host PID namespace when user namespaces are enabled" },
                { "{\"IpcMode\": \"container:abc\"}", true, 0, NULL },
                { "{\"NetworkMode\": \"container:abc\", \"PidMode\": \"container:abc\"}", true, 0, NULL },
                { "{\"NetworkMode\": \"container:abc\"}", false, 0, NULL },
        };
        struct userns_remap *remap = test_remap();

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                json_object *hc = json_tokener_parse(cases[i].host_config);
                struct error err = ERROR_INIT;

                assert_non_null(hc);
                assert_int_equal(userns_check_host_config(cases[i].remapping ? remap : NULL, hc, &err), cases[i].code);
                if (cases[i].message)
                        assert_string_equal(err.message, cases[i].message);
                error_clear(&err);
                json_object_put(hc);
        }
        userns_remap_free(remap);
}

static void container_remapped_modes(void **state)
{
        struct userns_remap *remap = test_remap();
        json_object *host = json_tokener_parse("{\"UsernsMode\": \"host\"}");
        json_object *empty = json_tokener_parse("{}");

        assert_true(userns_container_remapped(remap, empty));
        assert_true(userns_container_remapped(remap, NULL));
        assert_false(userns_container_remapped(remap, host));
        assert_false(userns_container_remapped(NULL, empty));
        json_object_put(host);
        json_object_put(empty);
        userns_remap_free(remap);
}

static void spec_add_maps(void **state)
{
        struct userns_remap *remap = test_remap();
        json_object *linux_obj = json_tokener_parse("{\"namespaces\": [{\"type\": \"mount\"}]}");

        userns_spec_add(remap, linux_obj);
        assert_string_equal(json_to_string(json_field_array(linux_obj, "namespaces")),
                            "[{\"type\":\"mount\"},{\"type\":\"user\"}]");
        assert_string_equal(json_to_string(json_field_array(linux_obj, "uidMappings")),
                            "[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]");
        assert_string_equal(json_to_string(json_field_array(linux_obj, "gidMappings")),
                            "[{\"containerID\":0,\"hostID\":200000,\"size\":1000},"
                            "{\"containerID\":1000,\"hostID\":300000,\"size\":64536}]");
        json_object_put(linux_obj);
        userns_remap_free(remap);
}

static void prepare_container_files_owners(void **state)
{
        char dir[] = "/tmp/test-userns.XXXXXX";
        struct userns_remap *remap = test_remap();
        json_object *hc = json_object_new_object();
        int data_fd, exec_fd;
        struct stat st;

        if (geteuid() != 0) {
                userns_remap_free(remap);
                json_object_put(hc);
                skip();
        }
        assert_non_null(mkdtemp(dir));
        data_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(data_fd >= 0);
        assert_int_equal(mkdirat(data_fd, "exec", 0700), 0);
        assert_int_equal(mkdirat(data_fd, "upper", 0755), 0);
        assert_int_equal(fs_write_atomic_at(data_fd, "hosts", "x\n", 2, 0644), 0);
        assert_int_equal(fs_write_atomic_at(data_fd, "container.json", "{}", 2, 0600), 0);
        exec_fd = openat(data_fd, "exec", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(exec_fd >= 0);

        /* "work", "hostname" and "resolv.conf" are missing and skipped. */
        assert_int_equal(userns_prepare_container_files(remap, hc, data_fd, exec_fd, NULL), 0);
        assert_int_equal(fstat(data_fd, &st), 0);
        assert_int_equal(st.st_uid, 0);
        assert_int_equal(st.st_gid, 200000);
        assert_int_equal(st.st_mode & 07777, 0710);
        assert_int_equal(fstat(exec_fd, &st), 0);
        assert_int_equal(st.st_gid, 200000);
        assert_int_equal(st.st_mode & 07777, 0710);
        assert_int_equal(fstatat(data_fd, "upper", &st, 0), 0);
        assert_int_equal(st.st_uid, 100000);
        assert_int_equal(st.st_gid, 200000);
        assert_int_equal(fstatat(data_fd, "hosts", &st, 0), 0);
        assert_int_equal(st.st_uid, 100000);
        assert_int_equal(fstatat(data_fd, "container.json", &st, 0), 0);
        assert_int_equal(st.st_uid, 0);
        assert_int_equal(st.st_gid, 0);

        /* A container with --userns host keeps its files as they are. */
        json_object_object_add(hc, "UsernsMode", json_object_new_string("host"));
        assert_int_equal(fchmod(exec_fd, 0700), 0);
        assert_int_equal(userns_prepare_container_files(remap, hc, data_fd, exec_fd, NULL), 0);
        assert_int_equal(fstat(exec_fd, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);

        close(exec_fd);
        assert_int_equal(fs_rm_rf_at(AT_FDCWD, dir), 0);
        close(data_fd);
        json_object_put(hc);
        userns_remap_free(remap);
}

static void mkdir_bind_source_owners(void **state)
{
        char dir[] = "/tmp/test-userns.XXXXXX", path[128];
        struct userns_remap *remap = test_remap();
        struct stat st;
        int dir_fd;

        if (geteuid() != 0) {
                userns_remap_free(remap);
                skip();
        }
        assert_non_null(mkdtemp(dir));

        /* Only the directories it creates go to the remapped root. */
        snprintf(path, sizeof(path), "%s/a/b", dir);
        assert_int_equal(userns_mkdir_bind_source(remap, path), 0);
        assert_int_equal(stat(dir, &st), 0);
        assert_int_equal(st.st_uid, 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, 100000);
        assert_int_equal(st.st_gid, 200000);
        assert_int_equal(st.st_mode & 07777, 0755);
        snprintf(path, sizeof(path), "%s/a", dir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, 100000);

        /* Without remapping they stay root's; an existing path is fine. */
        snprintf(path, sizeof(path), "%s/c/", dir);
        assert_int_equal(userns_mkdir_bind_source(NULL, path), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, 0);
        assert_int_equal(userns_mkdir_bind_source(remap, path), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, 0);

        /* A file on the way is an error. */
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dir_fd >= 0);
        assert_int_equal(fs_write_atomic_at(dir_fd, "file", "x", 1, 0644), 0);
        close(dir_fd);
        snprintf(path, sizeof(path), "%s/file/sub", dir);
        assert_int_equal(userns_mkdir_bind_source(remap, path), -ENOTDIR);

        assert_int_equal(fs_rm_rf_at(AT_FDCWD, dir), 0);
        userns_remap_free(remap);
}

static void free_range_search(void **state)
{
        static const struct {
                const char *text;
                int64_t start;
        } cases[] = {
                { "", 100000 },
                { "# nothing\n", 100000 },
                { "alice:100000:65536\n", 165536 },
                { "alice:0:1000\n", 100000 },
                { "alice:165536:65536\nbob:100000:65536\n", 231072 },
                { "alice:150000:10\n", 150010 },
                { "alice:99999:2\nbob:200000:5\n", 100001 },
                { "alice:165535:1\n", 165536 },
                { "alice:165536:1\n", 100000 },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                assert_int_equal(userns_adduser_free_range(cases[i].text, strlen(cases[i].text), "/etc/subuid", NULL),
                                 cases[i].start);
}

static void free_range_exhausted(void **state)
{
        static const char text[] = "alice:100000:4294867295\n";
        struct error err = ERROR_INIT;

        assert_int_equal(userns_adduser_free_range(text, strlen(text), "/etc/subuid", &err), -ERANGE);
        assert_string_equal(err.message, "no free range of 65536 ids is left in /etc/subuid");
        error_clear(&err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(split_spec_valid),
                cmocka_unit_test(split_spec_invalid),
                cmocka_unit_test(subid_parse_selects_owner),
                cmocka_unit_test(subid_parse_invalid),
                cmocka_unit_test(subid_parse_stops_at_nul),
                cmocka_unit_test(idmap_build_sorts_and_numbers),
                cmocka_unit_test(idmap_build_invalid),
                cmocka_unit_test(idmap_build_limits),
                cmocka_unit_test(check_host_config_rules),
                cmocka_unit_test(container_remapped_modes),
                cmocka_unit_test(spec_add_maps),
                cmocka_unit_test(prepare_container_files_owners),
                cmocka_unit_test(mkdir_bind_source_owners),
                cmocka_unit_test(free_range_search),
                cmocka_unit_test(free_range_exhausted),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
