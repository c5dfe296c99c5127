/* SPDX-License-Identifier: Apache-2.0 */
/* Request paths of docker cp and the stat dockerd reports for them. */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>

#include "copy.h"
#include "jsonutil.h"
#include "strv.h"
#include "timeutil.h"

/* Go's os.FileMode type bits. */
#define GO_MODE_DIR         (1u << 31)
#define GO_MODE_SYMLINK     (1u << 27)
#define GO_MODE_DEVICE      (1u << 26)
#define GO_MODE_NAMED_PIPE  (1u << 25)
#define GO_MODE_SOCKET      (1u << 24)
#define GO_MODE_SETUID      (1u << 23)
#define GO_MODE_SETGID      (1u << 22)
#define GO_MODE_CHAR_DEVICE (1u << 21)
#define GO_MODE_STICKY      (1u << 20)

void copy_path_stat_clear(struct copy_path_stat *s)
{
        free(s->name);
        free(s->link_target);
        *s = (struct copy_path_stat){ 0 };
}

uint32_t copy_go_file_mode(mode_t mode)
{
        uint32_t m = mode & 0777;

        switch (mode & S_IFMT) {
        case S_IFDIR:
                m |= GO_MODE_DIR;
                break;
        case S_IFLNK:
                m |= GO_MODE_SYMLINK;
                break;
        case S_IFBLK:
                m |= GO_MODE_DEVICE;
                break;
        case S_IFCHR:
                m |= GO_MODE_DEVICE | GO_MODE_CHAR_DEVICE;
                break;
        case S_IFIFO:
                m |= GO_MODE_NAMED_PIPE;
                break;
        case S_IFSOCK:
                m |= GO_MODE_SOCKET;
                break;
        }
        if (mode & S_ISUID)
                m |= GO_MODE_SETUID;
        if (mode & S_ISGID)
                m |= GO_MODE_SETGID;
        if (mode & S_ISVTX)
                m |= GO_MODE_STICKY;
        return m;
}

char *copy_path_stat_to_json(const struct copy_path_stat *s)
{
        _cleanup_json_ json_object *obj = json_object_new_object();
        char mtime[TIMEUTIL_RFC3339_MAX];

        if (!obj)
                return NULL;
        timeutil_format_rfc3339(s->mtime_ns, mtime, sizeof(mtime));
        /* dockerd's field order, which clients do not depend on. */
        json_object_object_add(obj, "name", json_object_new_string(s->name));
        json_object_object_add(obj, "size", json_object_new_int64(s->size));
        json_object_object_add(obj, "mode", json_object_new_uint64(s->mode));
        json_object_object_add(obj, "mtime", json_object_new_string(mtime));
        json_object_object_add(obj, "linkTarget", json_object_new_string(s->link_target ?: ""));
        return strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* Returns the last element of path as Go's filepath.Base does. */
static const char *go_base(const char *path, char *buf, size_t size)
{
        size_t len = strlen(path);
        const char *slash;

        while (len > 1 && path[len - 1] == '/')
                len--;
        if (len == 1 && path[0] == '/')
                return "/";
        snprintf(buf, size, "%.*s", (int)len, path);
        slash = strrchr(buf, '/');
        return slash ? slash + 1 : buf;
}

int copy_clean_path(const char *path, char **ret)
{
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ const char **kept = NULL;
        _cleanup_free_ char *base_buf = NULL, *clean = NULL;
        size_t n = 0, len;
        char *p;

        if (isempty(path))
                return -EINVAL;
        parts = strv_split(path, "/", false);
        len = strlen(path);
        clean = malloc(len + 4);
        base_buf = malloc(len + 1);
        kept = parts ? calloc(strv_length(parts) + 1, sizeof(*kept)) : NULL;
        if (!kept || !clean || !base_buf)
                return -ENOMEM;

        /* Go's filepath.Clean of "/" + path: ".." stops at the root. */
        STRV_FOREACH (part, parts) {
                if (streq(*part, "."))
                        continue;
                if (streq(*part, "..")) {
                        if (n > 0)
                                n--;
                        continue;
                }
                kept[n++] = *part;
        }
        p = clean;
        *p = '\0';
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "/%s", kept[i]);
        if (p == clean)
                strcpy(clean, "/");

        /* Docker's PreserveTrailingDotOrSeparator. */
        if (streq(go_base(path, base_buf, len + 1), ".")) {
                if (!endswith(clean, "/"))
                        strcat(clean, "/");
                strcat(clean, ".");
        }
        if (!endswith(clean, "/") && endswith(path, "/"))
                strcat(clean, "/");
        *ret = TAKE_PTR(clean);
        return 0;
}

/* Tells whether the last component is followed: the path ends with "/"
 * or "/.", so its last element names the directory a link points to. */
static bool follows_final(const char *abs_path)
{
        return endswith(abs_path, "/") || endswith(abs_path, "/.");
}

static int fill_stat(int root_fd, const char *abs_path, const struct copy_target *t, struct copy_path_stat *ret)
{
        struct copy_path_stat s = { 0 };
        _cleanup_free_ char *base_buf = malloc(strlen(abs_path) + 1);
        struct stat st;
        int r;

        if (!base_buf)
                return -ENOMEM;
        if (fstatat(t->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (follows_final(abs_path) && !S_ISDIR(st.st_mode))
                return -ENOTDIR;

        s.name = strdup(go_base(abs_path, base_buf, strlen(abs_path) + 1));
        s.size = st.st_size;
        s.mode = copy_go_file_mode(st.st_mode);
        s.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        if (S_ISLNK(st.st_mode)) {
                struct copy_target followed = { .parent_fd = -1, .fd = -1 };

                /* dockerd reports where the link leads in the container,
                 * resolved all the way, whether it exists or not. */
                r = copy_resolve(root_fd, abs_path, COPY_FOLLOW_FINAL, 0, 0, &followed);
                if (r >= 0)
                        s.link_target = TAKE_PTR(followed.path);
                copy_target_clear(&followed);
        } else
                s.link_target = strdup("");
        if (!s.name || !s.link_target) {
                copy_path_stat_clear(&s);
                return -ENOMEM;
        }
        *ret = s;
        return 0;
}

int copy_stat_path(int root_fd, const char *path, struct copy_target *ret_target, struct copy_path_stat *ret_stat)
{
        _cleanup_free_ char *abs_path = NULL;
        struct copy_target t = { .parent_fd = -1, .fd = -1 };
        int r;

        r = copy_clean_path(path, &abs_path);
        if (r < 0)
                return r;
        r = copy_resolve(root_fd, abs_path, follows_final(abs_path) ? COPY_FOLLOW_FINAL : 0, 0, 0, &t);
        if (r >= 0 && t.fd < 0)
                r = -ENOENT;
        if (r >= 0)
                r = fill_stat(root_fd, abs_path, &t, ret_stat);
        if (r < 0 || !ret_target)
                copy_target_clear(&t);
        else
                *ret_target = t;
        return r;
}
