/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "runtime/user.h"
#include "strv.h"

/* Parses a decimal id in 0..INT32_MAX, the range runc accepts. */
static bool parse_id(const char *s, long long *ret)
{
        char *end;
        long long v;

        if (isempty(s) || *s == '-' || *s == '+')
                return false;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno || *end || v < 0 || v > INT32_MAX)
                return false;
        *ret = v;
        return true;
}

/* Splits one line of a passwd or group file at ':' into at most max
 * fields; returns the field count. */
static size_t split_fields(char *line, char **fields, size_t max)
{
        size_t n = 0;

        while (n < max) {
                fields[n++] = line;
                line = strchr(line, ':');
                if (!line)
                        break;
                *line++ = '\0';
        }
        return n;
}

struct passwd_entry {
        char *name;
        long long uid;
        long long gid;
        char *home;
};

/* Finds the first passwd line with the name, or with the uid when by_uid
 * is set. On a match, *ret points into a copy of text that *ret_copy
 * owns. */
static bool find_passwd(const char *text, const char *name, long long uid, bool by_uid, struct passwd_entry *ret,
                        char **ret_copy)
{
        _cleanup_free_ char *copy = text ? strdup(text) : NULL;
        char *saveptr = NULL;

        if (!copy)
                return false;
        for (char *line = strtok_r(copy, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                char *f[7] = {};
                long long id, gid;

                line[strcspn(line, "\r")] = '\0';
                if (split_fields(line, f, 7) < 4 || !parse_id(f[2], &id) || !parse_id(f[3], &gid))
                        continue;
                if (by_uid ? id != uid : !streq(f[0], name))
                        continue;
                *ret = (struct passwd_entry){ .name = f[0], .uid = id, .gid = gid, .home = f[5] };
                *ret_copy = TAKE_PTR(copy);
                return true;
        }
        return false;
}

static int add_group(struct runtime_exec_user *u, gid_t gid)
{
        gid_t *groups = realloc(u->groups, (u->n_groups + 1) * sizeof(gid_t));

        if (!groups)
                return -ENOMEM;
        u->groups = groups;
        u->groups[u->n_groups++] = gid;
        return 0;
}

static bool member_of(char *members, const char *user)
{
        char *saveptr = NULL;

        for (char *m = strtok_r(members, ",", &saveptr); m; m = strtok_r(NULL, ",", &saveptr))
                if (streq(m, user))
                        return true;
        return false;
}

/* With group_arg, sets *ret_gid to the first group matching it; without,
 * adds every group listing user as a member to u->groups. Returns whether
 * a group matched. */
static int scan_groups(const char *text, const char *group_arg, const char *user, struct runtime_exec_user *u,
                       gid_t *ret_gid)
{
        _cleanup_free_ char *copy = text ? strdup(text) : NULL;
        char *saveptr = NULL;
        long long want = -1;
        bool numeric = group_arg && parse_id(group_arg, &want);

        if (!copy)
                return text ? -ENOMEM : 0;
        for (char *line = strtok_r(copy, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                char *f[4] = {};
                long long gid;
                int r;

                line[strcspn(line, "\r")] = '\0';
                if (split_fields(line, f, 4) < 3 || !parse_id(f[2], &gid))
                        continue;
                if (group_arg) {
                        if (numeric ? gid == want : streq(f[0], group_arg)) {
                                *ret_gid = gid;
                                return 1;
                        }
                        continue;
                }
                if (f[3] && member_of(f[3], user)) {
                        r = add_group(u, gid);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int resolve_user(const char *user_arg, const char *passwd, struct runtime_exec_user *u, char **ret_name,
                        struct error *err)
{
        _cleanup_free_ char *copy = NULL;
        struct passwd_entry e;
        long long uid = 0;
        bool numeric = parse_id(user_arg, &uid);
        bool found;

        if (*user_arg && !numeric && strspn(user_arg, "0123456789") == strlen(user_arg))
                return error_set(err, -EINVAL, "uids and gids must be in range 0-%d", INT32_MAX);

        found = find_passwd(passwd, user_arg, uid, numeric || !*user_arg, &e, &copy);
        if (!found) {
                if (*user_arg && !numeric)
                        return error_set(err, -ENOENT, "unable to find user %s: no matching entries in passwd file",
                                         user_arg);
                u->uid = uid;
                return 0;
        }

        u->uid = e.uid;
        u->gid = e.gid;
        if (!isempty(e.home)) {
                free(u->home);
                u->home = strdup(e.home);
                if (!u->home)
                        return -ENOMEM;
        }
        *ret_name = strdup(e.name);
        return *ret_name ? 1 : -ENOMEM;
}

static int resolve(const char *spec, const char *passwd, const char *group, struct runtime_exec_user *u,
                   struct error *err)
{
        _cleanup_free_ char *user_arg = strdup(spec ?: ""), *name = NULL;
        char *group_arg;
        gid_t gid = 0;
        int r;

        if (!user_arg)
                return -ENOMEM;
        group_arg = strchr(user_arg, ':');
        if (group_arg)
                *group_arg++ = '\0';
        if (group_arg && !*group_arg)
                group_arg = NULL;

        r = resolve_user(user_arg, passwd, u, &name, err);
        if (r < 0)
                return r;

        if (!group_arg && !name)
                return 0;
        r = scan_groups(group, group_arg, name, u, &gid);
        if (r < 0)
                return r;
        if (!group_arg)
                return 0;
        if (r > 0) {
                u->gid = gid;
                return 0;
        }

        long long id;
        if (!parse_id(group_arg, &id)) {
                if (strspn(group_arg, "0123456789") == strlen(group_arg))
                        return error_set(err, -EINVAL, "uids and gids must be in range 0-%d", INT32_MAX);
                return error_set(err, -ENOENT, "unable to find group %s: no matching entries in group file", group_arg);
        }
        u->gid = id;
        return 0;
}

int runtime_user_resolve(const char *spec, const char *passwd, const char *group, struct runtime_exec_user *ret,
                         struct error *err)
{
        struct runtime_exec_user u = {};
        int r;

        u.home = strdup("/");
        if (!u.home)
                return -ENOMEM;
        r = resolve(spec, passwd, group, &u, err);
        if (r < 0) {
                runtime_exec_user_done(&u);
                return r;
        }
        *ret = u;
        return 0;
}

/* Finds the first group of the group file text named value, or whose gid
 * is written as value. */
static int find_group(const char *text, const char *value, gid_t *ret)
{
        _cleanup_free_ char *copy = text ? strdup(text) : NULL;
        char *saveptr = NULL;

        if (!copy)
                return text ? -ENOMEM : 0;
        for (char *line = strtok_r(copy, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                char *f[4] = {};
                long long gid;

                line[strcspn(line, "\r")] = '\0';
                if (split_fields(line, f, 4) < 3 || !parse_id(f[2], &gid))
                        continue;
                if (streq(f[0], value) || streq(f[2], value)) {
                        *ret = gid;
                        return 1;
                }
        }
        return 0;
}

/* A value without a group entry as a number, with the sign Go's
 * strconv.ParseInt takes, so that "-5" is out of range, not unknown. */
static int parse_group_number(const char *value, gid_t *ret, struct error *err)
{
        char *end;
        long long v;

        if (!value[0] || !(isdigit((unsigned char)value[0]) || value[0] == '-' || value[0] == '+'))
                return error_set(err, -ENOENT, "Unable to find group %s: no matching entries in group file", value);
        errno = 0;
        v = strtoll(value, &end, 10);
        if (errno || end == value || *end)
                return error_set(err, -ENOENT, "Unable to find group %s: no matching entries in group file", value);
        if (v < 0 || v > INT32_MAX)
                return error_set(err, -EINVAL, "uids and gids must be in range 0-%d", INT32_MAX);
        *ret = v;
        return 0;
}

static bool has_group(const struct runtime_exec_user *u, gid_t gid)
{
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == gid)
                        return true;
        return false;
}

int runtime_user_add_groups(struct runtime_exec_user *u, char *const *values, const char *group, struct error *err)
{
        for (char *const *v = values; v && *v; v++) {
                gid_t gid = 0;
                int r;

                r = find_group(group, *v, &gid);
                if (r == 0)
                        r = parse_group_number(*v, &gid, err);
                if (r < 0)
                        return r;
                if (has_group(u, gid))
                        continue;
                r = add_group(u, gid);
                if (r < 0)
                        return r;
        }
        return 0;
}

void runtime_exec_user_done(struct runtime_exec_user *u)
{
        free(u->groups);
        free(u->home);
        *u = (struct runtime_exec_user){};
}

int user_switch(const struct runtime_exec_user *u, struct error *err)
{
        /* Keep the permitted set across the uid change; the capability
         * step sets the final sets right after. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return error_set_errno(err, negative_errno(), "failed to keep capabilities");
        if (setgroups(u->n_groups, u->groups) < 0)
                return error_set_errno(err, negative_errno(), "failed to set the supplementary groups");
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return error_set_errno(err, negative_errno(), "failed to set gid %u", (unsigned)u->gid);
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return error_set_errno(err, negative_errno(), "failed to set uid %u", (unsigned)u->uid);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return error_set_errno(err, negative_errno(), "failed to reset keep-capabilities");
        return 0;
}
