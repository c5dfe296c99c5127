/* SPDX-License-Identifier: Apache-2.0 */
/* --userns-remap: from the setting to the maps and the data root, with
 * dockerd 20.10's rules and messages. */
#include "userns-remap.h"

#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "log.h"
#include "userns-adduser.h"

#define SUBUID_PATH    "/etc/subuid"
#define SUBGID_PATH    "/etc/subgid"
#define SUBID_FILE_MAX (16u << 20)

/* A number as Go's strconv.ParseInt(s, 10, 32) takes it, without sign. */
static bool parse_number(const char *s, unsigned *ret)
{
        unsigned long value;
        char *end;

        if (!*s || s[strspn(s, "0123456789")] != '\0')
                return false;
        errno = 0;
        value = strtoul(s, &end, 10);
        if (errno || value > INT32_MAX)
                return false;
        *ret = (unsigned)value;
        return true;
}

/* Looks a user up by name, or by uid when name is NULL. Returns 0 with
 * the name and uid, or -ENOENT. */
static int lookup_user(const char *name, uid_t uid, char **ret_name, uid_t *ret_uid)
{
        struct passwd pw, *found = NULL;
        char buf[16384];

        if (name)
                getpwnam_r(name, &pw, buf, sizeof(buf), &found);
        else
                getpwuid_r(uid, &pw, buf, sizeof(buf), &found);
        if (!found)
                return -ENOENT;
        if (ret_name && !(*ret_name = strdup(found->pw_name)))
                return -ENOMEM;
        if (ret_uid)
                *ret_uid = found->pw_uid;
        return 0;
}

/* Looks a group up by name, or by gid when name is NULL. */
static int lookup_group(const char *name, gid_t gid, char **ret_name)
{
        struct group gr, *found = NULL;
        char buf[65536];

        if (name)
                getgrnam_r(name, &gr, buf, sizeof(buf), &found);
        else
                getgrgid_r(gid, &gr, buf, sizeof(buf), &found);
        if (!found)
                return -ENOENT;
        *ret_name = strdup(found->gr_name);
        return *ret_name ? 0 : -ENOMEM;
}

/* Resolves the user part of the setting to a user name, and the group
 * when the setting has none: a uid's group is the gid of the same
 * number, a name's the group of the same name. *ret_created is set when
 * "default" made the daemon create dockremap. */
static int resolve_user(const char *user, bool has_group, char **ret_user, char **ret_group, bool *ret_created,
                        struct error *err)
{
        const char *name = streq(user, "default") ? USERNS_DEFAULT_USER : user;
        unsigned id;
        int r;

        *ret_created = false;
        if (parse_number(user, &id)) {
                if (lookup_user(NULL, id, ret_user, NULL) < 0)
                        return error_set(err, -EINVAL,
                                         "Uid %u has no entry in /etc/passwd: unable to find entry \"%u\" in the "
                                         "passwd database",
                                         id, id);
                if (!has_group && lookup_group(NULL, id, ret_group) < 0)
                        return error_set(err, -EINVAL,
                                         "Gid %u has no entry in /etc/group: unable to find entry \"%u\" in the "
                                         "group database",
                                         id, id);
                return 0;
        }

        r = lookup_user(name, 0, ret_user, NULL);
        if (r == -ENOENT && streq(user, "default")) {
                r = userns_adduser_create(USERNS_DEFAULT_USER, err);
                if (r < 0)
                        return error_prefix(err, r, "Error during \"%s\" user creation", USERNS_DEFAULT_USER);
                *ret_created = true;
                *ret_user = strdup(USERNS_DEFAULT_USER);
                *ret_group = strdup(USERNS_DEFAULT_USER);
                return *ret_user && *ret_group ? 0 : -ENOMEM;
        }
        if (r < 0)
                return error_set(
                        err, -EINVAL,
                        "Error during uid lookup for \"%s\": unable to find entry \"%s\" in the passwd database", name,
                        name);
        if (!has_group && lookup_group(name, 0, ret_group) < 0)
                return error_set(
                        err, -EINVAL,
                        "Error during gid lookup for \"%s\": unable to find entry \"%s\" in the group database", name,
                        name);
        return 0;
}

static int resolve_group(const char *group, char **ret_group, struct error *err)
{
        unsigned id;

        if (parse_number(group, &id)) {
                /* dockerd's message names /etc/passwd here too. */
                if (lookup_group(NULL, id, ret_group) < 0)
                        return error_set(err, -EINVAL,
                                         "Gid %u has no entry in /etc/passwd: unable to find entry \"%u\" in the "
                                         "group database",
                                         id, id);
                return 0;
        }
        if (lookup_group(group, 0, ret_group) < 0)
                return error_set(err, -EINVAL,
                                 "Error during groupname lookup for \"%s\": unable to find entry \"%s\" in the group "
                                 "database",
                                 group, group);
        return 0;
}

/* Reads the ranges of user (by name and by uid, as dockerd 20.10 does for
 * both files) from path into a map. */
static int read_map(const char *path, const char *kind, const char *user, uid_t uid, struct userns_idmap *ret,
                    struct error *err)
{
        _cleanup_free_ char *text = NULL;
        struct userns_range *ranges = NULL;
        char uid_text[16];
        size_t len, n;
        int r;

        r = fs_read_file_at(AT_FDCWD, path, SUBID_FILE_MAX, &text, &len);
        if (r < 0)
                return error_set_errno(err, r, "Can't create ID mappings: reading %s failed", path);
        snprintf(uid_text, sizeof(uid_text), "%u", (unsigned)uid);
        r = userns_subid_parse(text, len, path, user, uid_text, &ranges, &n, err);
        if (r < 0)
                return error_prefix(err, r, "Can't create ID mappings");
        if (n == 0) {
                free(ranges);
                return error_set(err, -EINVAL, "Can't create ID mappings: no %s ranges found for user \"%s\"", kind,
                                 user);
        }
        r = userns_idmap_build(ranges, n, kind, ret, err);
        if (r < 0)
                return error_prefix(err, r, "Can't create ID mappings");
        return 0;
}

static int build_remap(char *user, char *group, struct userns_remap **ret, struct error *err)
{
        _cleanup_(userns_remap_freep) struct userns_remap *remap = calloc(1, sizeof(*remap));
        uid_t uid;
        int r;

        if (!remap) {
                free(user);
                free(group);
                return -ENOMEM;
        }
        remap->user = user;
        remap->group = group;
        if (lookup_user(user, 0, NULL, &uid) < 0)
                return error_set(err, -EINVAL, "Can't create ID mappings: could not get user for username %s", user);
        r = read_map(SUBUID_PATH, "subuid", user, uid, &remap->uids, err);
        if (r >= 0)
                r = read_map(SUBGID_PATH, "subgid", user, uid, &remap->gids, err);
        if (r < 0)
                return r;
        /* Sorted maps start at container id 0, so root is always mapped. */
        remap->root_uid = remap->uids.ranges[0].host_id;
        remap->root_gid = remap->gids.ranges[0].host_id;
        *ret = TAKE_PTR(remap);
        return 0;
}

int userns_remap_load(const char *spec, struct userns_remap **ret, struct error *err)
{
        _cleanup_free_ char *user_part = NULL, *group_part = NULL, *user = NULL, *group = NULL;
        bool created;
        int r;

        *ret = NULL;
        if (isempty(spec))
                return 0;
        r = userns_split_spec(spec, &user_part, &group_part, err);
        if (r < 0)
                return r;
        r = resolve_user(user_part, group_part != NULL, &user, &group, &created, err);
        if (r >= 0 && group_part && !created)
                r = resolve_group(group_part, &group, err);
        if (r < 0)
                return r;

        if (streq(user, "root")) {
                log_warn("User namespaces: root cannot be remapped with itself; user namespaces are OFF");
                return 0;
        }
        log_info("User namespaces: ID ranges will be mapped to subuid/subgid ranges of: %s", user);
        return build_remap(TAKE_PTR(user), TAKE_PTR(group), ret, err);
}

/* Tells whether the remapped root may search the directory st describes. */
static bool searchable(const struct stat *st, const struct userns_remap *remap)
{
        if (st->st_uid == remap->root_uid)
                return st->st_mode & S_IXUSR;
        if (st->st_gid == remap->root_gid)
                return st->st_mode & S_IXGRP;
        return st->st_mode & S_IXOTH;
}

/* Checks every directory above path, path's own parent up to "/". */
static int check_parents(const char *path, const struct userns_remap *remap, const char *what, struct error *err)
{
        _cleanup_free_ char *copy = strdup(path);
        char *dir = copy;

        if (!copy)
                return -ENOMEM;
        for (;;) {
                struct stat st;

                dir = dirname(dir);
                if (streq(dir, "/") || streq(dir, "."))
                        return 0;
                if (stat(dir, &st) < 0)
                        return error_set_errno(err, -errno, "checking %s failed", dir);
                if (!searchable(&st, remap))
                        return error_set(err, -EACCES,
                                         "a subdirectory in your %s path (%s) restricts access to the remapped root "
                                         "uid/gid; please fix by allowing 'o+x' permissions on existing directories",
                                         what, path);
        }
}

/* Creates dir (and its parents) and gives it to group remapped root, mode 0710. */
static int make_shared_dir(const char *dir, const struct userns_remap *remap, struct error *err)
{
        int r = fs_mkdir_p(dir, 0710);

        if (r < 0)
                return error_set_errno(err, r, "creating %s failed", dir);
        if (chown(dir, 0, remap->root_gid) < 0 || chmod(dir, 0710) < 0)
                return error_set_errno(err, -errno, "setting the owner of %s failed", dir);
        return 0;
}

int userns_remap_setup_dirs(struct daemon_config *config, const struct userns_remap *remap, struct error *err)
{
        _cleanup_free_ char *root = NULL, *containers = NULL, *exec_containers = NULL;
        int r;

        if (asprintf(&root, "%s/%u.%u", config->data_root, (unsigned)remap->root_uid, (unsigned)remap->root_gid) < 0)
                return -ENOMEM;
        containers = fs_path_join(root, "containers");
        exec_containers = fs_path_join(config->exec_root, "containers");
        if (!containers || !exec_containers)
                return -ENOMEM;

        const char *const dirs[] = { config->data_root, root, containers, config->exec_root, exec_containers };
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                r = make_shared_dir(dirs[i], remap, err);
                if (r < 0)
                        return r;
        }
        r = check_parents(root, remap, "graphroot", err);
        if (r >= 0)
                r = check_parents(exec_containers, remap, "exec root", err);
        if (r < 0)
                return r;

        log_debug("Creating user namespaced daemon root: %s", root);
        free(config->data_root);
        config->data_root = TAKE_PTR(root);
        return 0;
}
