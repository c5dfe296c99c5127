/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "error.h"
#include "runtime/user.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                             "broken line without fields\n"
                             "app:x:1000:1000:App User:/home/app:/bin/sh\n"
                             "nohome:x:1001:1001::\n"
                             "app:x:2000:2000:second app:/home/app2:/bin/sh\n"
                             "shadow:x:1000:3000:same uid:/home/shadow:/bin/sh\n";

static const char group[] = "root:x:0:root\n"
                            "daemon:x:1:\n"
                            "app:x:1000:\n"
                            "staff:x:50:app,other\n"
                            "wheel:x:10:other,app\n"
                            "nobody:x:65534:\n";

struct expected {
        const char *spec;
        uid_t uid;
        gid_t gid;
        const char *home;
        size_t n_groups;
        gid_t groups[4];
};

static void check(const struct expected *e, const char *pw, const char *gr)
{
        struct runtime_exec_user u;
        struct error err = ERROR_INIT;
        int r = runtime_user_resolve(e->spec, pw, gr, &u, &err);

        if (r < 0)
                fail_msg("\"%s\": %s", e->spec, error_message(&err, r));
        assert_int_equal(u.uid, e->uid);
        assert_int_equal(u.gid, e->gid);
        assert_string_equal(u.home, e->home);
        assert_int_equal(u.n_groups, e->n_groups);
        for (size_t i = 0; i < e->n_groups; i++)
                assert_int_equal(u.groups[i], e->groups[i]);
        runtime_exec_user_done(&u);
}

static void fails(const char *spec, const char *pw, const char *gr, int code, const char *message)
{
        struct runtime_exec_user u = {};
        struct error err = ERROR_INIT;

        assert_int_equal(runtime_user_resolve(spec, pw, gr, &u, &err), code);
        assert_string_equal(err.message, message);
        error_clear(&err);
}

static void user_by_name(void **state)
{
        static const struct expected cases[] = {
                { "app", 1000, 1000, "/home/app", 2, { 50, 10 } },
                { "root", 0, 0, "/root", 1, { 0 } },
                { "daemon", 1, 1, "/usr/sbin", 0, {} },
                { "nohome", 1001, 1001, "/", 0, {} },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                check(&cases[i], passwd, group);
}

static void user_by_uid(void **state)
{
        static const struct expected cases[] = {
                /* The first entry with the uid wins, and brings its groups. */
                { "1000", 1000, 1000, "/home/app", 2, { 50, 10 } },
                /* A uid without an entry keeps gid 0 and HOME "/". */
                { "4242", 4242, 0, "/", 0, {} },
                { "", 0, 0, "/root", 1, { 0 } },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                check(&cases[i], passwd, group);
}

static void user_with_group(void **state)
{
        static const struct expected cases[] = {
                /* An explicit group replaces the primary one and drops the
                 * membership groups. */
                { "app:staff", 1000, 50, "/home/app", 0, {} },
                { "app:10", 1000, 10, "/home/app", 0, {} },
                { "app:777", 1000, 777, "/home/app", 0, {} },
                { "4242:4343", 4242, 4343, "/", 0, {} },
                { "0:0", 0, 0, "/root", 0, {} },
                { ":staff", 0, 50, "/root", 0, {} },
                { "app:", 1000, 1000, "/home/app", 2, { 50, 10 } },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                check(&cases[i], passwd, group);
}

static void user_missing_files(void **state)
{
        static const struct expected numeric = { "1000:1000", 1000, 1000, "/", 0, {} };
        static const struct expected empty = { "", 0, 0, "/", 0, {} };

        check(&numeric, NULL, NULL);
        check(&empty, NULL, NULL);
        fails("app", NULL, NULL, -ENOENT, "unable to find user app: no matching entries in passwd file");
        fails("app:staff", passwd, NULL, -ENOENT, "unable to find group staff: no matching entries in group file");
}

static void user_errors(void **state)
{
        fails("nosuch", passwd, group, -ENOENT, "unable to find user nosuch: no matching entries in passwd file");
        fails("app:nogroup", passwd, group, -ENOENT, "unable to find group nogroup: no matching entries in group file");
        fails("99999999999", passwd, group, -EINVAL, "uids and gids must be in range 0-2147483647");
        fails("app:99999999999", passwd, group, -EINVAL, "uids and gids must be in range 0-2147483647");
        fails("-1", passwd, group, -ENOENT, "unable to find user -1: no matching entries in passwd file");
}

/* --group-add as runc resolves it for dockerd: names and gids of the group
 * file, numbers without an entry as they are, no gid twice. */
static void group_add_values(void **state)
{
        char *values[] = { (char *)"wheel", (char *)"50", (char *)"4321", (char *)"+7", (char *)"0", NULL };
        static const gid_t expected[] = { 0, 10, 50, 4321, 7 };
        struct runtime_exec_user u = {};
        struct error err = ERROR_INIT;

        assert_int_equal(runtime_user_resolve("root", passwd, group, &u, &err), 0);
        assert_int_equal(runtime_user_add_groups(&u, values, group, &err), 0);
        assert_int_equal(u.n_groups, sizeof(expected) / sizeof(expected[0]));
        for (size_t i = 0; i < u.n_groups; i++)
                assert_int_equal(u.groups[i], expected[i]);
        runtime_exec_user_done(&u);

        /* Without a group file, only numbers resolve. */
        assert_int_equal(runtime_user_add_groups(&u, values + 1, NULL, &err), 0);
        assert_int_equal(u.n_groups, 4);
        runtime_exec_user_done(&u);
}

static void group_add_errors(void **state)
{
        static const struct {
                const char *value;
                int code;
                const char *message;
        } cases[] = {
                { "nosuch", -ENOENT, "Unable to find group nosuch: no matching entries in group file" },
                { "0x10", -ENOENT, "Unable to find group 0x10: no matching entries in group file" },
                { " 5", -ENOENT, "Unable to find group  5: no matching entries in group file" },
                { "99999999999999999999", -ENOENT,
                  "Unable to find group 99999999999999999999: no matching entries in group file" },
                { "-5", -EINVAL, "uids and gids must be in range 0-2147483647" },
                { "4000000000", -EINVAL, "uids and gids must be in range 0-2147483647" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *values[] = { (char *)cases[i].value, NULL };
                struct runtime_exec_user u = {};
                struct error err = ERROR_INIT;

                assert_int_equal(runtime_user_add_groups(&u, values, group, &err), cases[i].code);
                assert_string_equal(err.message, cases[i].message);
                error_clear(&err);
                runtime_exec_user_done(&u);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(user_by_name),       cmocka_unit_test(user_by_uid), cmocka_unit_test(user_with_group),
                cmocka_unit_test(user_missing_files), cmocka_unit_test(user_errors), cmocka_unit_test(group_add_values),
                cmocka_unit_test(group_add_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
