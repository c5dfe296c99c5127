/* SPDX-License-Identifier: Apache-2.0 */
/* A container's filesystem read from its layer directories: docker diff,
 * the layer tar of docker commit with its whiteout conversion, and the
 * merged tree of docker export. The layers are built on disk with real
 * overlayfs whiteouts and opaque directories, so the tests need root. */
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
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "image-test-util.h"
#include "image/layerstack.h"
#include "jsonutil.h"
#include "macro.h"

#define FIXED_MTIME 1700000000

/* lower0 and lower1 are the image's layers, upper the container's. */
struct fixture {
        char *root;
        char lower0[4096], lower1[4096], upper[4096];
        struct layerstack_layer layers[3];
        struct layerstack fs;
};

static void path_of(char *buf, size_t size, const char *dir, const char *rel)
{
        snprintf(buf, size, "%s/%s", dir, rel);
}

static void make_dir(const char *dir, const char *rel, mode_t mode)
{
        char path[8192];

        path_of(path, sizeof(path), dir, rel);
        assert_int_equal(mkdir(path, mode), 0);
        assert_int_equal(chmod(path, mode), 0);
}

static void make_file_at(const char *dir, const char *rel, const char *content, mode_t mode, int64_t mtime)
{
        struct timespec times[2] = { { .tv_sec = mtime }, { .tv_sec = mtime } };
        char path[8192];
        int fd;

        path_of(path, sizeof(path), dir, rel);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
        assert_int_equal(fchmod(fd, mode), 0);
        assert_int_equal(futimens(fd, times), 0);
        close(fd);
}

static void make_file(const char *dir, const char *rel, const char *content)
{
        make_file_at(dir, rel, content, 0644, FIXED_MTIME);
}

static void make_whiteout(const char *dir, const char *rel)
{
        char path[8192];

        path_of(path, sizeof(path), dir, rel);
        assert_int_equal(mknod(path, S_IFCHR | 0, makedev(0, 0)), 0);
}

static void make_opaque(const char *dir, const char *rel)
{
        char path[8192];

        path_of(path, sizeof(path), dir, rel);
        assert_int_equal(setxattr(path, "trusted.overlay.opaque", "y", 1, 0), 0);
}

static void make_symlink(const char *dir, const char *rel, const char *target)
{
        char path[8192];

        path_of(path, sizeof(path), dir, rel);
        assert_int_equal(symlink(target, path), 0);
}

/* The image: lower0 a base, lower1 deleting /keep/gone and replacing
 * /data with a new directory. */
static void build_image(struct fixture *f)
{
        make_dir(f->lower0, "bin", 0755);
        make_file_at(f->lower0, "bin/sh", "shell", 0755, FIXED_MTIME);
        make_dir(f->lower0, "etc", 0755);
        make_file(f->lower0, "etc/passwd", "root:x:0:0\n");
        make_file(f->lower0, "etc/group", "root:x:0:\n");
        make_dir(f->lower0, "data", 0755);
        make_dir(f->lower0, "data/old", 0755);
        make_file(f->lower0, "data/old/f", "v1");
        make_dir(f->lower0, "keep", 0755);
        make_file(f->lower0, "keep/k", "keep");
        make_file(f->lower0, "keep/gone", "gone");
        make_dir(f->lower0, "root", 0755);
        make_dir(f->lower0, "tmp", 01777);

        make_dir(f->lower1, "keep", 0755);
        make_whiteout(f->lower1, "keep/gone");
        make_dir(f->lower1, "data", 0755);
        make_opaque(f->lower1, "data");
        make_file(f->lower1, "data/new", "v2");
}

/* What a container does: the changes of the reference run against
 * dockerd (create, modify, delete, delete a directory, replace one). */
static void build_upper(struct fixture *f)
{
        char a[8192], b[8192];

        make_file(f->upper, "newfile", "new\n");
        path_of(a, sizeof(a), f->upper, "newfile");
        path_of(b, sizeof(b), f->upper, "hardlink");
        assert_int_equal(link(a, b), 0);
        make_dir(f->upper, "newdir", 0755);
        make_dir(f->upper, "newdir/sub", 0755);
        make_file(f->upper, "newdir/sub/f", "x\n");
        make_dir(f->upper, "etc", 0755);
        make_file(f->upper, "etc/passwd", "root:x:0:0\nmore\n");
        make_whiteout(f->upper, "etc/group");
        make_whiteout(f->upper, "data");
        make_dir(f->upper, "keep", 0755);
        make_opaque(f->upper, "keep");
        make_file(f->upper, "keep/y", "y\n");
        make_dir(f->upper, "root", 0700);
        make_symlink(f->upper, "link", "/newfile");
        path_of(a, sizeof(a), f->upper, "fifo");
        assert_int_equal(mkfifo(a, 0644), 0);
        make_dir(f->upper, "tmp", 01777);
        make_file(f->upper, "tmp/t", "");
        /* A copy-up that changed nothing. */
        make_dir(f->upper, "bin", 0755);
        make_file_at(f->upper, "bin/sh", "shell", 0755, FIXED_MTIME);
}

static int open_dir(const char *path)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

static int fixture_setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        if (geteuid() != 0)
                skip();
        umask(022);
        f->root = test_mkdtemp("image-layerstack");
        snprintf(f->lower0, sizeof(f->lower0), "%s/lower0", f->root);
        snprintf(f->lower1, sizeof(f->lower1), "%s/lower1", f->root);
        snprintf(f->upper, sizeof(f->upper), "%s/upper", f->root);
        assert_int_equal(mkdir(f->lower0, 0755), 0);
        assert_int_equal(mkdir(f->lower1, 0755), 0);
        assert_int_equal(mkdir(f->upper, 0755), 0);

        f->layers[0] = (struct layerstack_layer){ .fd = open_dir(f->upper) };
        f->layers[1] = (struct layerstack_layer){ .fd = open_dir(f->lower1) };
        f->layers[2] = (struct layerstack_layer){ .fd = open_dir(f->lower0) };
        f->fs = (struct layerstack){ .layers = f->layers, .n_layers = 3 };
        *state = f;
        return 0;
}

static int fixture_teardown(void **state)
{
        struct fixture *f = *state;

        for (size_t i = 0; i < ARRAY_SIZE(f->layers); i++)
                close(f->layers[i].fd);
        test_rm_rf(f->root);
        free(f->root);
        free(f);
        return 0;
}

/* Renders a changes array as "C /etc A /etc/x ..." for comparison. */
static char *changes_text(json_object *changes)
{
        static const char kinds[] = { 'C', 'A', 'D' };
        size_t len = 1, n = changes ? json_object_array_length(changes) : 0;
        char *text, *p;

        for (size_t i = 0; i < n; i++)
                len += strlen(json_field_string(json_object_array_get_idx(changes, i), "Path", "")) + 4;
        text = calloc(1, len);
        p = text;
        for (size_t i = 0; i < n; i++) {
                json_object *c = json_object_array_get_idx(changes, i);
                int64_t kind = json_field_int(c, "Kind", -1);

                assert_true(kind >= 0 && kind <= 2);
                p += sprintf(p, "%s%c %s", i ? " " : "", kinds[kind], json_field_string(c, "Path", ""));
        }
        return text;
}

static void changes_reference_run(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *changes = NULL;
        _cleanup_free_ char *text = NULL;

        build_image(f);
        build_upper(f);
        assert_int_equal(layerstack_changes(&f->fs, &changes, &err), 0);
        text = changes_text(changes);
        assert_string_equal(text, "C /etc C /etc/passwd D /etc/group A /fifo A /hardlink C /keep A /keep/y D /keep/k "
                                  "A /link A /newdir A /newdir/sub A /newdir/sub/f A /newfile C /root C /tmp A /tmp/t "
                                  "D /data");
}

static void changes_empty_upper(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *changes = (json_object *)1;

        build_image(f);
        assert_int_equal(layerstack_changes(&f->fs, &changes, &err), 0);
        assert_null(changes);
}

/* A file replaced by a directory is modified and its content added; a
 * directory replaced by a file is modified, its old content not listed. */
static void changes_type_replaced(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *changes = NULL;
        _cleanup_free_ char *text = NULL;

        build_image(f);
        make_dir(f->upper, "bin", 0755);
        make_whiteout(f->upper, "bin/sh");
        make_dir(f->upper, "etc", 0755);
        make_dir(f->upper, "etc/passwd", 0755);
        make_file(f->upper, "etc/passwd/inside", "i");
        make_file(f->upper, "keep", "now a file");
        assert_int_equal(layerstack_changes(&f->fs, &changes, &err), 0);
        text = changes_text(changes);
        assert_string_equal(text, "C /bin D /bin/sh C /etc C /etc/passwd A /etc/passwd/inside C /keep");
}

/* Metadata alone: a new mtime, mode or capability modifies a file; the
 * nanoseconds of an mtime count only when both sides have them. */
static void changes_metadata(void **state)
{
        const struct timespec nanosecond_times[2] = { { .tv_sec = FIXED_MTIME, .tv_nsec = 123 },
                                                      { .tv_sec = FIXED_MTIME, .tv_nsec = 123 } };
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *changes = NULL;
        _cleanup_free_ char *text = NULL;
        char path[8192];

        build_image(f);
        make_dir(f->upper, "etc", 0755);
        make_file_at(f->upper, "etc/passwd", "root:x:0:0\n", 0644, FIXED_MTIME + 1);
        make_file_at(f->upper, "etc/group", "root:x:0:\n", 0600, FIXED_MTIME);
        make_dir(f->upper, "bin", 0755);
        make_file_at(f->upper, "bin/sh", "shell", 0755, FIXED_MTIME);
        path_of(path, sizeof(path), f->upper, "bin/sh");
        assert_int_equal(setxattr(path, "security.capability",
                                  "\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                                  20, 0),
                         0);
        /* The image's mtime has no nanoseconds: the same second matches. */
        make_dir(f->upper, "keep", 0755);
        make_file(f->upper, "keep/k", "keep");
        path_of(path, sizeof(path), f->upper, "keep/k");
        assert_int_equal(utimensat(AT_FDCWD, path, nanosecond_times, 0), 0);

        assert_int_equal(layerstack_changes(&f->fs, &changes, &err), 0);
        text = changes_text(changes);
        assert_string_equal(text, "C /bin C /bin/sh C /etc C /etc/group C /etc/passwd");
}

static int64_t map_offset(uint32_t host_id, bool group, void *userdata)
{
        (void)group;
        (void)userdata;
        return host_id >= 100000 && host_id < 165536 ? (int64_t)host_id - 100000 : -1;
}

/* Under a user namespace the upper directory's files are owned by host
 * ids: mapped back, a copy-up by the container's root is no change. */
static void changes_mapped_owner(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *changes = NULL;
        _cleanup_free_ char *text = NULL;
        char path[8192];

        build_image(f);
        make_dir(f->upper, "etc", 0755);
        make_file(f->upper, "etc/passwd", "root:x:0:0\n");
        make_file(f->upper, "etc/group", "root:x:0:\n");
        path_of(path, sizeof(path), f->upper, "etc");
        assert_int_equal(lchown(path, 100000, 100000), 0);
        path_of(path, sizeof(path), f->upper, "etc/passwd");
        assert_int_equal(lchown(path, 100000, 100000), 0);
        path_of(path, sizeof(path), f->upper, "etc/group");
        assert_int_equal(lchown(path, 101000, 100000), 0);
        f->layers[0].host_ids = true;
        f->fs.map_id = map_offset;

        assert_int_equal(layerstack_changes(&f->fs, &changes, &err), 0);
        text = changes_text(changes);
        assert_string_equal(text, "C /etc C /etc/group");
}

/* ---- tars ---- */

struct buffer {
        char *data;
        size_t len;
        int fail_after; /* writes to accept before failing, or -1 */
};

static int buffer_write(void *userdata, const void *data, size_t len)
{
        struct buffer *b = userdata;

        if (b->fail_after == 0)
                return -EPIPE;
        if (b->fail_after > 0)
                b->fail_after--;
        b->data = realloc(b->data, b->len + len);
        memcpy(b->data + b->len, data, len);
        b->len += len;
        return 0;
}

/* One tar entry, as read back. */
struct member {
        char name[512];
        char link[512];
        mode_t mode;
        uid_t uid;
        gid_t gid;
        int64_t size, mtime;
        char content[64];
        bool capability;
};

static size_t read_tar(const struct buffer *b, struct member *members, size_t max)
{
        struct archive *a = archive_read_new();
        struct archive_entry *e;
        size_t n = 0;

        archive_read_support_format_tar(a);
        assert_int_equal(archive_read_open_memory(a, b->data, b->len), ARCHIVE_OK);
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                struct member *m = &members[n++];
                const char *link = archive_entry_hardlink(e) ?: archive_entry_symlink(e);
                const char *xattr_name, *xattr_value;
                size_t xattr_size;

                assert_true(n <= max);
                memset(m, 0, sizeof(*m));
                snprintf(m->name, sizeof(m->name), "%s", archive_entry_pathname(e));
                snprintf(m->link, sizeof(m->link), "%s", link ?: "");
                m->mode = archive_entry_mode(e);
                m->uid = (uid_t)archive_entry_uid(e);
                m->gid = (gid_t)archive_entry_gid(e);
                m->size = archive_entry_size(e);
                m->mtime = archive_entry_mtime(e);
                if (archive_read_data(a, m->content, sizeof(m->content) - 1) < 0)
                        fail();
                archive_entry_xattr_reset(e);
                while (archive_entry_xattr_next(e, &xattr_name, (const void **)&xattr_value, &xattr_size) == ARCHIVE_OK)
                        m->capability = m->capability || strcmp(xattr_name, "security.capability") == 0;
        }
        assert_int_equal(archive_read_free(a), ARCHIVE_OK);
        return n;
}

static const struct member *find_member(const struct member *members, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(members[i].name, name) == 0)
                        return &members[i];
        fail_msg("no tar entry %s", name);
        return NULL;
}

static char *member_names(const struct member *members, size_t n)
{
        size_t len = 1;
        char *text;

        for (size_t i = 0; i < n; i++)
                len += strlen(members[i].name) + 1;
        text = calloc(1, len);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        strcat(text, " ");
                strcat(text, members[i].name);
        }
        return text;
}

static void diff_reference_run(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct buffer b = { .fail_after = -1 };
        _cleanup_free_ char *names = NULL;
        struct member members[64];
        const struct member *m;
        size_t n;

        build_image(f);
        build_upper(f);
        assert_int_equal(layerstack_write_diff(&f->fs, buffer_write, &b, &err), 0);
        n = read_tar(&b, members, ARRAY_SIZE(members));
        names = member_names(members, n);
        assert_string_equal(names, "bin/ bin/sh .wh.data etc/ etc/.wh.group etc/passwd fifo hardlink keep/ "
                                   "keep/.wh..wh..opq keep/y link newdir/ newdir/sub/ newdir/sub/f newfile root/ tmp/ "
                                   "tmp/t");

        m = find_member(members, n, ".wh.data");
        assert_int_equal(m->mode, S_IFREG | 0600);
        assert_int_equal(m->size, 0);
        m = find_member(members, n, "keep/.wh..wh..opq");
        assert_int_equal(m->mode, S_IFREG | 0755);
        assert_int_equal(m->mtime, 0);
        m = find_member(members, n, "etc/passwd");
        assert_string_equal(m->content, "root:x:0:0\nmore\n");
        assert_int_equal(m->mtime, FIXED_MTIME);
        m = find_member(members, n, "newfile");
        assert_string_equal(m->link, "hardlink");
        assert_int_equal(m->size, 0);
        m = find_member(members, n, "link");
        assert_true(S_ISLNK(m->mode));
        assert_string_equal(m->link, "/newfile");
        m = find_member(members, n, "fifo");
        assert_true(S_ISFIFO(m->mode));
        m = find_member(members, n, "root/");
        assert_int_equal(m->mode, S_IFDIR | 0700);
        m = find_member(members, n, "tmp/");
        assert_int_equal(m->mode, S_IFDIR | 01777);
        free(b.data);
}

/* An unchanged container commits Docker's empty layer: two zero blocks. */
static void diff_empty_is_two_blocks(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct buffer b = { .fail_after = -1 };
        char zeros[1024] = { 0 };

        build_image(f);
        assert_int_equal(layerstack_write_diff(&f->fs, buffer_write, &b, &err), 0);
        assert_int_equal(b.len, 1024);
        assert_memory_equal(b.data, zeros, sizeof(zeros));
        assert_string_equal(test_digest(b.data, b.len),
                            "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");
        free(b.data);
}

static void diff_keeps_capability(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct buffer b = { .fail_after = -1 };
        struct member members[8];
        char path[8192];
        size_t n;

        make_file_at(f->upper, "ping", "binary", 0755, FIXED_MTIME);
        path_of(path, sizeof(path), f->upper, "ping");
        assert_int_equal(setxattr(path, "security.capability",
                                  "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                                  20, 0),
                         0);
        assert_int_equal(setxattr(path, "user.other", "x", 1, 0), 0);
        assert_int_equal(layerstack_write_diff(&f->fs, buffer_write, &b, &err), 0);
        n = read_tar(&b, members, ARRAY_SIZE(members));
        assert_int_equal(n, 1);
        assert_true(members[0].capability);
        free(b.data);
}

static void diff_maps_owners(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct buffer b = { .fail_after = -1 };
        struct member members[8];
        const struct member *m;
        char path[8192];
        size_t n;

        make_file(f->upper, "mine", "m");
        path_of(path, sizeof(path), f->upper, "mine");
        assert_int_equal(lchown(path, 101234, 101234), 0);
        make_file(f->upper, "unmapped", "u");
        path_of(path, sizeof(path), f->upper, "unmapped");
        assert_int_equal(lchown(path, 5, 5), 0);
        make_whiteout(f->upper, "gone");
        f->layers[0].host_ids = true;
        f->fs.map_id = map_offset;

        assert_int_equal(layerstack_write_diff(&f->fs, buffer_write, &b, &err), 0);
        n = read_tar(&b, members, ARRAY_SIZE(members));
        assert_int_equal(n, 3);
        m = find_member(members, n, "mine");
        assert_int_equal(m->uid, 1234);
        assert_int_equal(m->gid, 1234);
        m = find_member(members, n, "unmapped");
        assert_int_equal(m->uid, LAYERSTACK_OVERFLOW_ID);
        /* Whiteouts are the kernel's, owned by host root: left as they are. */
        m = find_member(members, n, ".wh.gone");
        assert_int_equal(m->uid, 0);
        free(b.data);
}

static void diff_write_error(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct buffer b = { .fail_after = 0 };

        build_image(f);
        build_upper(f);
        assert_int_equal(layerstack_write_diff(&f->fs, buffer_write, &b, &err), -EPIPE);
        free(b.data);
}

static void diff_too_deep(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct buffer b = { .fail_after = -1 };
        char rel[8192] = "d";

        make_dir(f->upper, rel, 0755);
        for (int i = 0; i < 300; i++) {
                strcat(rel, "/d");
                make_dir(f->upper, rel, 0755);
        }
        assert_int_equal(layerstack_write_diff(&f->fs, buffer_write, &b, &err), -ELOOP);
        assert_non_null(strstr(error_message(&err, -ELOOP), "nested deeper than"));
        free(b.data);
}

static void export_merged_tree(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct buffer b = { .fail_after = -1 };
        _cleanup_free_ char *names = NULL;
        struct member members[64];
        const struct member *m;
        size_t n;

        build_image(f);
        build_upper(f);
        assert_int_equal(layerstack_write_export(&f->fs, buffer_write, &b, &err), 0);
        n = read_tar(&b, members, ARRAY_SIZE(members));
        names = member_names(members, n);
        assert_string_equal(names, "bin/ bin/sh etc/ etc/passwd fifo hardlink keep/ keep/y link newdir/ newdir/sub/ "
                                   "newdir/sub/f newfile root/ tmp/ tmp/t");
        m = find_member(members, n, "etc/passwd");
        assert_string_equal(m->content, "root:x:0:0\nmore\n");
        m = find_member(members, n, "bin/sh");
        assert_string_equal(m->content, "shell");
        free(b.data);
}

/* Without an upper change the export is the image: lower1's whiteout and
 * opaque directory applied to lower0. */
static void export_applies_image_whiteouts(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct buffer b = { .fail_after = -1 };
        _cleanup_free_ char *names = NULL;
        struct member members[64];
        size_t n;

        build_image(f);
        assert_int_equal(layerstack_write_export(&f->fs, buffer_write, &b, &err), 0);
        n = read_tar(&b, members, ARRAY_SIZE(members));
        names = member_names(members, n);
        assert_string_equal(names, "bin/ bin/sh data/ data/new etc/ etc/group etc/passwd keep/ keep/k root/ tmp/");
        free(b.data);
}

/* A symlink the container made where the image has a directory is
 * exported as the symlink, never followed into the host. */
static void export_does_not_follow_symlinks(void **state)
{
        struct fixture *f = *state;
        _cleanup_error_ struct error err = ERROR_INIT;
        struct buffer b = { .fail_after = -1 };
        struct member members[64];
        const struct member *m;
        char outside[8192];
        size_t n;

        build_image(f);
        snprintf(outside, sizeof(outside), "%s/outside", f->root);
        assert_int_equal(mkdir(outside, 0755), 0);
        make_file(outside, "secret", "host file");
        make_symlink(f->upper, "etc", outside);
        make_dir(f->upper, "tmp", 01777);
        make_symlink(f->upper, "tmp/secret", "../../outside/secret");

        assert_int_equal(layerstack_write_export(&f->fs, buffer_write, &b, &err), 0);
        n = read_tar(&b, members, ARRAY_SIZE(members));
        m = find_member(members, n, "etc");
        assert_true(S_ISLNK(m->mode));
        m = find_member(members, n, "tmp/secret");
        assert_true(S_ISLNK(m->mode));
        for (size_t i = 0; i < n; i++)
                assert_null(strstr(members[i].content, "host file"));
        free(b.data);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(changes_reference_run, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(changes_empty_upper, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(changes_type_replaced, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(changes_metadata, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(changes_mapped_owner, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(diff_reference_run, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(diff_empty_is_two_blocks, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(diff_keeps_capability, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(diff_maps_owners, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(diff_write_error, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(diff_too_deep, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(export_merged_tree, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(export_applies_image_whiteouts, fixture_setup, fixture_teardown),
                cmocka_unit_test_setup_teardown(export_does_not_follow_symlinks, fixture_setup, fixture_teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
