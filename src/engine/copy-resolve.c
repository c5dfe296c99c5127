/* SPDX-License-Identifier: Apache-2.0 */
/* Resolving docker cp paths in the scope of a container's root, one
 * component at a time by file descriptor. */
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "copy.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif
#ifndef CONFIGFS_MAGIC
#define CONFIGFS_MAGIC 0x62656570
#endif

/* One resolved component; fd is -1 for a component that does not exist. */
struct walk_entry {
        int fd;
        char *name;
        bool pseudo;
};

struct walker {
        struct walk_entry *stack; /* stack[0] is the root */
        size_t depth;
        size_t allocated;
};

void copy_target_clear(struct copy_target *t)
{
        if (t->parent_fd >= 0)
                close(t->parent_fd);
        if (t->fd >= 0)
                close(t->fd);
        free(t->name);
        free(t->path);
        *t = (struct copy_target){ .parent_fd = -1, .fd = -1 };
}

/* dockerd reads the directories these filesystems are mounted on as the
 * empty directories of the image, so docker cp treats them that way. */
bool copy_on_pseudo_fs(int fd)
{
        struct statfs sf;

        if (fd < 0 || fstatfs(fd, &sf) < 0)
                return false;
        switch ((unsigned long)sf.f_type) {
        case PROC_SUPER_MAGIC:
        case SYSFS_MAGIC:
        case CGROUP_SUPER_MAGIC:
        case CGROUP2_SUPER_MAGIC:
        case DEVPTS_SUPER_MAGIC:
        case MQUEUE_MAGIC:
        case SECURITYFS_MAGIC:
        case DEBUGFS_MAGIC:
        case TRACEFS_MAGIC:
        case BPF_FS_MAGIC:
        case PSTOREFS_MAGIC:
        case EFIVARFS_MAGIC:
        case SELINUX_MAGIC:
        case BINFMTFS_MAGIC:
        case CONFIGFS_MAGIC:
                return true;
        default:
                return false;
        }
}

static void walker_pop(struct walker *w)
{
        struct walk_entry *top;

        /* ".." of the root is the root. */
        if (w->depth <= 1)
                return;
        top = &w->stack[--w->depth];
        if (top->fd >= 0)
                close(top->fd);
        free(top->name);
}

static void walker_clear(struct walker *w)
{
        while (w->depth > 1)
                walker_pop(w);
        if (w->depth == 1) {
                if (w->stack[0].fd >= 0)
                        close(w->stack[0].fd);
                free(w->stack[0].name);
        }
        free(w->stack);
}

/* Pushes fd (taken over) as the next component. */
static int walker_push(struct walker *w, int fd, const char *name)
{
        _cleanup_close_ int owned = fd;
        _cleanup_free_ char *copy = strdup(name);

        if (!copy)
                return -ENOMEM;
        if (w->depth == w->allocated) {
                size_t n = w->allocated ? w->allocated * 2 : 16;
                struct walk_entry *grown = realloc(w->stack, n * sizeof(*grown));

                if (!grown)
                        return -ENOMEM;
                w->stack = grown;
                w->allocated = n;
        }
        w->stack[w->depth++] = (struct walk_entry){
                .fd = TAKE_FD(owned),
                .name = TAKE_PTR(copy),
                .pseudo = copy_on_pseudo_fs(fd),
        };
        return 0;
}

/* Opens name below the top of the stack without following it, creating
 * a directory first when asked. Returns the fd, -1 for a missing
 * component, or a negative errno. */
static int open_component(struct walker *w, const char *name, unsigned flags, uid_t uid, gid_t gid)
{
        struct walk_entry *top = &w->stack[w->depth - 1];
        int fd;

        if (top->fd < 0)
                return (flags & COPY_CREATE_DIRS) ? -ENOENT : -1;
        if (top->pseudo)
                return (flags & COPY_CREATE_DIRS) ? -EROFS : -1;

        fd = openat(top->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 || errno != ENOENT)
                return fd >= 0 ? fd : -errno;
        if (!(flags & COPY_CREATE_DIRS))
                return -1;

        /* Another writer may create it meanwhile; then it is used as is. */
        if (mkdirat(top->fd, name, 0755) < 0) {
                if (errno != EEXIST)
                        return -errno;
        } else if (fchownat(top->fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        fd = openat(top->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        return fd >= 0 ? fd : -errno;
}

/* Returns the next component of *cursor (NUL-terminated in place), or NULL
 * at the end. */
static char *next_component(char **cursor)
{
        char *p = *cursor, *start;

        while (*p == '/')
                p++;
        if (!*p)
                return NULL;
        start = p;
        while (*p && *p != '/')
                p++;
        if (*p)
                *p++ = '\0';
        *cursor = p;
        return start;
}

/* Tells whether nothing but "." components are left. */
static bool only_dots_left(const char *p)
{
        for (;;) {
                while (*p == '/')
                        p++;
                if (!*p)
                        return true;
                if (p[0] != '.' || (p[1] && p[1] != '/'))
                        return false;
                p++;
        }
}

static int read_link(int fd, char **ret)
{
        char buf[PATH_MAX];
        ssize_t n = readlinkat(fd, "", buf, sizeof(buf) - 1);

        if (n < 0)
                return -errno;
        buf[n] = '\0';
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

/* Replaces the rest of the walk with target followed by what was left. */
static int expand_link(struct walker *w, const char *target, char **rest, char **cursor)
{
        _cleanup_free_ char *old = *rest;
        char *expanded;

        if (target[0] == '/')
                while (w->depth > 1)
                        walker_pop(w);
        if (asprintf(&expanded, "%s/%s", target, *cursor) < 0) {
                *rest = TAKE_PTR(old);
                return -ENOMEM;
        }
        *rest = *cursor = expanded;
        return 0;
}

/* Handles one component: opens it and, when it is a symbolic link to
 * follow, expands it into the rest of the walk. */
static int walk_component(struct walker *w, const char *name, bool last, unsigned flags, uid_t uid, gid_t gid,
                          char **rest, char **cursor, unsigned *links)
{
        _cleanup_free_ char *target = NULL;
        struct stat st;
        int fd, r;

        fd = open_component(w, name, flags, uid, gid);
        if (fd < -1)
                return fd;
        if (fd < 0 || (last && !(flags & COPY_FOLLOW_FINAL)))
                return walker_push(w, fd, name);

        if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        if (!S_ISLNK(st.st_mode))
                return walker_push(w, fd, name);

        r = read_link(fd, &target);
        close(fd);
        if (r < 0)
                return r;
        if (++*links > COPY_MAX_SYMLINKS)
                return -ELOOP;
        return expand_link(w, target, rest, cursor);
}

static char *walker_path(const struct walker *w)
{
        size_t len = 2;
        char *path, *p;

        for (size_t i = 1; i < w->depth; i++)
                len += strlen(w->stack[i].name) + 1;
        path = malloc(len);
        if (!path)
                return NULL;
        p = path;
        *p = '\0';
        for (size_t i = 1; i < w->depth; i++)
                p += sprintf(p, "/%s", w->stack[i].name);
        if (p == path)
                strcpy(path, "/");
        return path;
}

static int walker_result(struct walker *w, struct copy_target *ret)
{
        struct walk_entry *top = &w->stack[w->depth - 1];
        struct copy_target t = { .parent_fd = -1, .fd = -1 };

        t.path = walker_path(w);
        t.name = strdup(w->depth == 1 ? "." : top->name);
        if (!t.path || !t.name) {
                copy_target_clear(&t);
                return -ENOMEM;
        }
        if (w->depth > 1 && w->stack[w->depth - 2].fd >= 0)
                t.parent_fd = fcntl(w->stack[w->depth - 2].fd, F_DUPFD_CLOEXEC, 3);
        else if (w->depth == 1)
                t.parent_fd = fcntl(top->fd, F_DUPFD_CLOEXEC, 3);
        t.fd = top->fd >= 0 ? fcntl(top->fd, F_DUPFD_CLOEXEC, 3) : -1;
        t.pseudo = top->pseudo;
        if ((top->fd >= 0 && t.fd < 0) || (w->depth == 1 && t.parent_fd < 0)) {
                copy_target_clear(&t);
                return -errno;
        }
        *ret = t;
        return 0;
}

int copy_resolve(int root_fd, const char *path, unsigned flags, uid_t uid, gid_t gid, struct copy_target *ret)
{
        _cleanup_(walker_clear) struct walker w = { 0 };
        _cleanup_free_ char *rest = strdup(path);
        char *cursor = rest, *name;
        unsigned links = 0;
        int r;

        if (!rest)
                return -ENOMEM;
        r = walker_push(&w, fcntl(root_fd, F_DUPFD_CLOEXEC, 3), "");
        if (r < 0)
                return r;
        if (w.stack[0].fd < 0)
                return -errno;

        while ((name = next_component(&cursor))) {
                if (streq(name, "."))
                        continue;
                if (streq(name, "..")) {
                        walker_pop(&w);
                        continue;
                }
                r = walk_component(&w, name, only_dots_left(cursor), flags, uid, gid, &rest, &cursor, &links);
                if (r < 0)
                        return r;
        }
        return walker_result(&w, ret);
}
