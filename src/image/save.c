/* SPDX-License-Identifier: Apache-2.0 */
/* Writes a save plan (save.h) as a tar stream. */
#include "save.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include "idutil.h"
#include "store-internal.h"

#define HOLD_MAX (64 * 1024)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_write_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive_entry *, archive_entry_free)

struct save_output {
        image_layer_write_fn write;
        void *userdata;
        int error;   /* the first error of write */
        bool failed; /* drop all further output */
};

/* Passes a layer's bytes on, one write behind: the last piece of a layer
 * goes out only once its digest is verified, so a layer that fails the
 * check leaves its member short instead of complete but different. */
struct held_writer {
        struct archive *a;
        char buf[HOLD_MAX];
        size_t len;
};

static la_ssize_t output_write(struct archive *a, void *userdata, const void *buf, size_t len)
{
        struct save_output *out = userdata;
        int r;

        /* After a failure, libarchive would still pad the current member
         * and end the archive, which would make it look complete. */
        if (out->failed)
                return -1;
        r = out->write(out->userdata, buf, len);
        if (r < 0) {
                out->error = r;
                archive_set_error(a, -r, "writing the archive failed");
                return -1;
        }
        return (la_ssize_t)len;
}

static int archive_result(struct archive *a, struct save_output *out, struct error *err)
{
        if (out->error < 0)
                return out->error;
        return error_set(err, -EIO, "failed to write the archive: %s", archive_error_string(a) ?: "unknown error");
}

static int held_flush(struct held_writer *h)
{
        if (h->len > 0 && archive_write_data(h->a, h->buf, h->len) < 0)
                return -EIO;
        h->len = 0;
        return 0;
}

static int held_write(void *userdata, const void *buf, size_t len)
{
        struct held_writer *h = userdata;
        const char *p = buf;

        while (len > 0) {
                size_t n;

                if (h->len == sizeof(h->buf) && held_flush(h) < 0)
                        return -EIO;
                n = MIN(len, sizeof(h->buf) - h->len);
                memcpy(h->buf + h->len, p, n);
                h->len += n;
                p += n;
                len -= n;
        }
        return 0;
}

static int write_layer(struct image_store *s, struct archive *a, const struct save_member *m, struct error *err)
{
        _cleanup_free_ struct held_writer *h = calloc(1, sizeof(*h));
        int r;

        if (!h)
                return -ENOMEM;
        h->a = a;
        r = image_layer_write_tar(s, m->chain_id, held_write, h, err);
        if (r < 0)
                return r;
        return held_flush(h);
}

static int write_member(struct image_store *s, struct archive *a, const struct save_member *m, struct error *err)
{
        _cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();

        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, m->path);
        archive_entry_set_filetype(e, m->type);
        if (m->type == S_IFDIR)
                archive_entry_set_perm(e, 0755);
        else if (m->type == S_IFLNK)
                archive_entry_set_perm(e, 0777);
        else
                archive_entry_set_perm(e, 0644);
        archive_entry_set_mtime(e, m->mtime, 0);
        archive_entry_set_uname(e, "root");
        archive_entry_set_gname(e, "root");
        if (m->type == S_IFLNK)
                archive_entry_set_symlink(e, m->link);
        if (m->type == S_IFREG)
                archive_entry_set_size(e, m->chain_id ? (la_int64_t)m->size : (la_int64_t)m->len);
        if (archive_write_header(a, e) != ARCHIVE_OK)
                return -EIO;

        if (m->chain_id)
                return write_layer(s, a, m, err);
        if (m->len > 0 && archive_write_data(a, m->data, m->len) < 0)
                return -EIO;
        return 0;
}

static int write_plan(struct image_store *s, const struct save_plan *plan, struct save_output *out, struct error *err)
{
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        int r;

        if (!a)
                return -ENOMEM;
        /* ustar where it fits and pax beyond (long names, 8 GiB layers),
         * as Go's archive/tar chooses for dockerd. */
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
            archive_write_open(a, out, NULL, output_write, NULL) != ARCHIVE_OK)
                return archive_result(a, out, err);

        for (size_t i = 0; i < plan->n_members; i++) {
                r = write_member(s, a, &plan->members[i], err);
                out->failed = r < 0;
                if (r == -EIO)
                        return archive_result(a, out, err);
                if (r < 0)
                        return out->error < 0 ? out->error : r;
        }
        if (archive_write_close(a) != ARCHIVE_OK)
                return archive_result(a, out, err);
        return 0;
}

/* Sends a "save" event for each image of the archive, named by its ID as
 * dockerd 20.10 names it. The images are the configs, <hex>.json, at the
 * top of the archive. dockerd sends them while it prepares the archive, so
 * a client has them before the archive ends. */
static void report_events(struct image_store *s, const struct save_plan *plan)
{
        _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);

        for (size_t i = 0; i < plan->n_members; i++) {
                const char *path = plan->members[i].path;
                char id[ID_LENGTH + 1];

                if (strlen(path) != ID_LENGTH + 5 || !streq(path + ID_LENGTH, ".json"))
                        continue;
                memcpy(id, path, ID_LENGTH);
                id[ID_LENGTH] = '\0';
                if (id_is_hex(id, ID_LENGTH))
                        store_event(s, "save", id, NULL);
        }
}

int save_plan_write(struct image_store *s, const struct save_plan *plan, image_layer_write_fn write, void *userdata,
                    struct error *err)
{
        struct save_output out = { .write = write, .userdata = userdata };

        report_events(s, plan);
        return write_plan(s, plan, &out, err);
}

int image_store_save(struct image_store *s, char *const *names, image_layer_write_fn write, void *userdata,
                     struct error *err)
{
        struct save_plan plan = { 0 };
        int r;

        r = save_plan_build(s, names, &plan, err);
        if (r < 0)
                return r;
        r = save_plan_write(s, &plan, write, userdata, err);
        save_plan_done(&plan);
        return r;
}
