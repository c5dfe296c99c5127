/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/mount.h>

#include "error.h"
#include "runtime/mountopts.h"

static struct runtime_mount_options parse_ok(char **options)
{
        struct runtime_mount_options o;
        struct error err = ERROR_INIT;
        int r = runtime_mount_options_parse(options, &o, &err);

        if (r < 0)
                fail_msg("parse failed: %s", error_message(&err, r));
        return o;
}

static void mountopts_docker_defaults(void **state)
{
        char *dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
        char *pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
        struct runtime_mount_options o;

        o = parse_ok(dev);
        assert_int_equal(o.attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME);
        assert_int_equal(o.attr_clr, MOUNT_ATTR__ATIME);
        assert_false(o.bind);
        assert_string_equal(o.data[0], "mode=755");
        assert_string_equal(o.data[1], "size=65536k");
        assert_null(o.data[2]);
        runtime_mount_options_done(&o);

        o = parse_ok(pts);
        assert_int_equal(o.attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
        assert_string_equal(o.data[0], "newinstance");
        assert_string_equal(o.data[3], "gid=5");
        runtime_mount_options_done(&o);
}

static void mountopts_bind(void **state)
{
        char *volume[] = { "rbind", "ro", "rprivate", NULL };
        char *plain[] = { "bind", "rro", "rslave", "nosuid", NULL };
        struct runtime_mount_options o;

        o = parse_ok(volume);
        assert_true(o.bind);
        assert_true(o.recursive_bind);
        assert_int_equal(o.attr_set, MOUNT_ATTR_RDONLY);
        assert_int_equal(o.recursive_attr_set, 0);
        assert_int_equal(o.propagation, MS_PRIVATE | MS_REC);
        assert_null(o.data);
        runtime_mount_options_done(&o);

        o = parse_ok(plain);
        assert_true(o.bind);
        assert_false(o.recursive_bind);
        assert_int_equal(o.attr_set, MOUNT_ATTR_NOSUID);
        assert_int_equal(o.recursive_attr_set, MOUNT_ATTR_RDONLY);
        assert_int_equal(o.propagation, MS_SLAVE | MS_REC);
        runtime_mount_options_done(&o);
}

static void mountopts_last_wins(void **state)
{
        char *ro_rw[] = { "ro", "rw", "noexec", "exec", "noatime", "relatime", NULL };
        char *rw_ro[] = { "rw", "ro", "private", "shared", NULL };
        struct runtime_mount_options o;

        o = parse_ok(ro_rw);
        assert_int_equal(o.attr_set, MOUNT_ATTR_RELATIME);
        assert_int_equal(o.attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC | MOUNT_ATTR__ATIME);
        runtime_mount_options_done(&o);

        o = parse_ok(rw_ro);
        assert_int_equal(o.attr_set, MOUNT_ATTR_RDONLY);
        assert_int_equal(o.attr_clr, 0);
        assert_int_equal(o.propagation, MS_SHARED);
        runtime_mount_options_done(&o);
}

static void mountopts_empty(void **state)
{
        struct runtime_mount_options o = parse_ok(NULL);

        assert_int_equal(o.attr_set | o.attr_clr | o.recursive_attr_set | o.propagation, 0);
        assert_null(o.data);
}

static void mountopts_rejected(void **state)
{
        static const struct {
                const char *option;
                int code;
                const char *message;
        } cases[] = {
                { "remount", -EOPNOTSUPP, "mount option remount is not supported" },
                { "idmap", -EOPNOTSUPP, "mount option idmap is not supported" },
                { "", -EINVAL, "invalid mount option \"\"" },
                { "=value", -EINVAL, "invalid mount option \"=value\"" },
                { "a,b", -EINVAL, "invalid mount option \"a,b\"" },
                { "mode=7\n55", -EINVAL, "invalid mount option \"mode=7\n55\"" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *options[] = { "nosuid", (char *)cases[i].option, NULL };
                struct runtime_mount_options o = {};
                struct error err = ERROR_INIT;

                assert_int_equal(runtime_mount_options_parse(options, &o, &err), cases[i].code);
                assert_string_equal(err.message, cases[i].message);
                assert_null(o.data);
                error_clear(&err);
        }
}

static void mountopts_readonly_superblock(void **state)
{
        char *sysfs[] = { "nosuid", "noexec", "nodev", "ro", NULL };
        char *recursive[] = { "rro", NULL };
        char *writable[] = { "nosuid", "mode=755", NULL };
        struct runtime_mount_options o;

        o = parse_ok(sysfs);
        assert_int_equal(runtime_mount_options_readonly_superblock(&o, "sysfs"), 0);
        assert_string_equal(o.data[0], "ro");
        assert_null(o.data[1]);
        assert_int_equal(runtime_mount_options_readonly_superblock(&o, "sysfs"), 0);
        assert_null(o.data[1]);
        runtime_mount_options_done(&o);

        o = parse_ok(recursive);
        assert_int_equal(runtime_mount_options_readonly_superblock(&o, "mqueue"), 0);
        assert_string_equal(o.data[0], "ro");
        runtime_mount_options_done(&o);

        o = parse_ok(sysfs);
        assert_int_equal(runtime_mount_options_readonly_superblock(&o, "tmpfs"), 0);
        assert_null(o.data);
        runtime_mount_options_done(&o);

        o = parse_ok(writable);
        assert_int_equal(runtime_mount_options_readonly_superblock(&o, "proc"), 0);
        assert_string_equal(o.data[0], "mode=755");
        assert_null(o.data[1]);
        runtime_mount_options_done(&o);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(mountopts_docker_defaults), cmocka_unit_test(mountopts_bind),
                cmocka_unit_test(mountopts_last_wins),       cmocka_unit_test(mountopts_empty),
                cmocka_unit_test(mountopts_rejected),        cmocka_unit_test(mountopts_readonly_superblock),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
