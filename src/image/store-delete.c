/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tagging and deleting, following Docker Engine 20.10's ImageService
 * (TagImage, ImageDelete, imageDeleteHelper): the same order of checks, the
 * same conflicts and the same list of Untagged/Deleted records.
 */
#include <stdio.h>

#include "idutil.h"
#include "jsonutil.h"
#include "store-internal.h"
#include "strv.h"

int image_store_tag(struct image_store *s, const char *name, const char *repo, const char *tag, struct error *err)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_unlock_ pthread_rwlock_t *lock = NULL;
        _cleanup_free_ char *familiar_name = NULL;
        struct image_entry *e;
        int r;

        lock = store_write_lock(s);
        r = store_image_resolve(s, name, &e, err);
        if (r < 0)
                return r;

        r = reference_parse_normalized(repo, &ref, err);
        if (r < 0)
                return r;
        if (!isempty(tag)) {
                r = reference_set_tag(&ref, tag, err);
                if (r < 0)
                        return r;
        }
        if (ref.digest)
                return error_set(err, -EINVAL, "refusing to create a tag with a digest reference");
        r = reference_tag_name_only(&ref);
        if (r < 0)
                return r;
        familiar_name = reference_familiar_name(&ref);
        if (!familiar_name)
                return -ENOMEM;
        if (streq(familiar_name, "sha256"))
                return error_set(err, -EINVAL, "refusing to create an ambiguous tag using digest algorithm as name");

        return store_tag_image(s, &ref, e, err);
}

/* Results of the daemon's container checks. They are gathered before the
 * store is locked, because the callbacks take the engine's locks and the
 * engine calls the store while holding them. */
struct users {
        bool running, any;
        char running_id[65], any_id[65];
};

static void check_users(struct image_store *s, const char *image_id, struct users *ret)
{
        image_in_use_fn in_use, running;
        void *in_use_data, *running_data;

        {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);

                in_use = s->in_use;
                in_use_data = s->in_use_userdata;
                running = s->running;
                running_data = s->running_userdata;
        }

        *ret = (struct users){ 0 };
        if (running)
                ret->running = running(image_id, ret->running_id, running_data);
        if (in_use)
                ret->any = in_use(image_id, ret->any_id, in_use_data);
}

/* An image the deletion may remove (the named one, or a parent that
 * pruning reaches) and its container users. */
struct candidate {
        char id[65];
        struct users users;
};

struct deletion {
        struct image_store *s;
        struct image_entry *e;
        const char *checked_id; /* the image the container checks were about */
        const char *name;       /* as the client wrote it */
        bool force;
        struct users users;
        json_object *records;
        struct error *err;
        struct candidate *chain; /* the named image and its ancestors */
        size_t n_chain;
};

static void add_record(struct deletion *d, const char *key, const char *value)
{
        json_object *record = json_object_new_object();

        json_object_object_add(record, key, json_object_new_string(value));
        json_object_array_add(d->records, record);
}

static bool same_name(const struct reference *a, const struct reference *b)
{
        return streq(a->domain, b->domain) && streq(a->path, b->path);
}

/* Docker's isSingleReference: one tag (or none) and digests only in the
 * tag's repository. */
static bool is_single_reference(struct tag_entry **refs, size_t n)
{
        struct tag_entry *single = NULL;

        if (n <= 1)
                return n == 1;
        for (size_t i = 0; i < n; i++) {
                if (refs[i]->ref.digest)
                        continue;
                if (single)
                        return false;
                single = refs[i];
        }
        if (!single)
                single = refs[0];
        for (size_t i = 0; i < n; i++)
                if (refs[i]->ref.digest && !same_name(&refs[i]->ref, &single->ref))
                        return false;
        for (size_t i = 0; i < n; i++)
                if (refs[i]->ref.digest && same_name(&refs[i]->ref, &single->ref))
                        return true;
        return false;
}

enum conflict {
        CONFLICT_RUNNING = 1 << 0,   /* hard */
        CONFLICT_REFERENCE = 1 << 1, /* soft */
        CONFLICT_STOPPED = 1 << 2,   /* soft */
        CONFLICT_CHILD = 1 << 3,     /* hard */
        CONFLICT_HARD = CONFLICT_CHILD | CONFLICT_RUNNING,
        CONFLICT_SOFT = CONFLICT_REFERENCE | CONFLICT_STOPPED,
};

/* Returns 0, or -EBUSY with Docker's message for the first conflict in
 * mask. *ret_used is set when a container is the reason. */
static int check_conflict(struct deletion *d, unsigned mask, bool *ret_used)
{
        char short_id[ID_SHORT_LENGTH + 1];
        const char *reason = NULL;
        char container[ID_SHORT_LENGTH + 1];
        bool hard = false;

        snprintf(short_id, sizeof(short_id), "%.12s", d->e->id);
        *ret_used = false;

        if ((mask & CONFLICT_CHILD) && store_image_has_children(d->s, d->e->id))
                return error_set(d->err, -EBUSY,
                                 "conflict: unable to delete %s (cannot be forced) - image has dependent child images",
                                 short_id);
        if ((mask & CONFLICT_RUNNING) && d->users.running) {
                snprintf(container, sizeof(container), "%.12s", d->users.running_id);
                reason = "image is being used by running container";
                hard = *ret_used = true;
        } else if ((mask & CONFLICT_REFERENCE) && store_image_has_tags(d->s, d->e->id)) {
                return error_set(d->err, -EBUSY,
                                 "conflict: unable to delete %s (must be forced) - image is referenced in multiple "
                                 "repositories",
                                 short_id);
        } else if ((mask & CONFLICT_STOPPED) && d->users.any) {
                snprintf(container, sizeof(container), "%.12s", d->users.any_id);
                reason = "image is being used by stopped container";
                *ret_used = true;
        }
        if (!reason)
                return 0;
        return error_set(d->err, -EBUSY, "conflict: unable to delete %s (%s) - %s %s", short_id,
                         hard ? "cannot be forced" : "must be forced", reason, container);
}

static void untag(struct deletion *d, struct tag_entry *t)
{
        add_record(d, "Untagged", t->familiar);
        store_event(d->s, "untag", t->image_id, NULL);
        store_tag_remove(d->s, t);
}

static int remove_image(struct deletion *d, bool quiet)
{
        _cleanup_strv_free_ char **removed = NULL;
        _cleanup_free_ struct tag_entry **refs = NULL;
        char id[DIGEST_STRING_MAX];
        bool used;
        size_t n = 0;
        int r;

        r = check_conflict(d, d->force ? CONFLICT_HARD : CONFLICT_HARD | CONFLICT_SOFT, &used);
        if (r < 0) {
                /* After untagging by name, a conflict only matters when the
                 * image is now dangling (no tags, no children) and no
                 * container is the reason. */
                if (quiet &&
                    (store_image_has_tags(d->s, d->e->id) || store_image_has_children(d->s, d->e->id) || used)) {
                        error_clear(d->err);
                        return 0;
                }
                return r;
        }

        refs = store_tags_of(d->s, d->e->id, &n);
        if (!refs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                untag(d, refs[i]);

        snprintf(id, sizeof(id), DIGEST_PREFIX "%s", d->e->id);
        store_event(d->s, "delete", d->e->id, NULL);
        r = store_image_remove(d->s, d->e, &removed);
        if (r < 0)
                return error_set_errno(d->err, r, "failed to remove image %s", id);
        d->e = NULL;

        add_record(d, "Deleted", id);
        STRV_FOREACH (chain, removed)
                add_record(d, "Deleted", *chain);
        return 0;
}

/* When a tag went and only digests of its repository remain, they go too. */
static void untag_orphan_digests(struct deletion *d, const struct reference *removed)
{
        _cleanup_free_ struct tag_entry **refs = NULL;
        size_t n = 0;

        refs = store_tags_of(d->s, d->e->id, &n);
        if (!refs)
                return;
        for (size_t i = 0; i < n; i++)
                if (!refs[i]->ref.digest && same_name(&refs[i]->ref, removed))
                        return;
        for (size_t i = 0; i < n; i++)
                if (refs[i]->ref.digest && same_name(&refs[i]->ref, removed))
                        untag(d, refs[i]);
}

/* The client named a tag or digest: that reference goes first. Returns 1
 * when other references remain and the image stays. */
static int delete_by_reference(struct deletion *d, struct tag_entry **refs, size_t n)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_free_ char *full = NULL;
        char short_image[ID_SHORT_LENGTH + 1], short_container[ID_SHORT_LENGTH + 1];
        struct tag_entry *t;
        int r;

        if (!d->force && is_single_reference(refs, n) && d->users.any) {
                snprintf(short_image, sizeof(short_image), "%.12s", d->e->id);
                snprintf(short_container, sizeof(short_container), "%.12s", d->users.any_id);
                return error_set(d->err, -EBUSY,
                                 "conflict: unable to remove repository reference \"%s\" (must force) - container %s "
                                 "is using its referenced image %s",
                                 d->name, short_container, short_image);
        }

        r = reference_parse_normalized(d->name, &ref, d->err);
        if (r < 0)
                return r;
        r = reference_tag_name_only(&ref);
        if (r < 0)
                return r;
        full = reference_string(&ref);
        if (!full)
                return -ENOMEM;
        t = store_tag_find(d->s, full);
        if (!t) {
                _cleanup_free_ char *familiar = reference_familiar_string(&ref);

                return error_set(d->err, -ENOENT, "No such image: %s", familiar ?: d->name);
        }
        untag(d, t);

        if (!ref.digest)
                untag_orphan_digests(d, &ref);
        return store_image_has_tags(d->s, d->e->id) ? 1 : 0;
}

/* The client named the image by ID: with a single reference, that goes
 * too, unless a container needs the image. */
static int delete_by_id(struct deletion *d, struct tag_entry **refs, size_t n)
{
        bool used;
        int r;

        if (!is_single_reference(refs, n))
                return 0;
        r = check_conflict(d, d->force ? CONFLICT_HARD : CONFLICT_HARD | CONFLICT_STOPPED, &used);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                untag(d, refs[i]);
        return 0;
}

/* Docker's isImageIDPrefix: name is a prefix of "sha256:<id>" or of <id>. */
static bool is_id_prefix(const char *id, const char *name)
{
        char full[DIGEST_STRING_MAX];

        snprintf(full, sizeof(full), DIGEST_PREFIX "%s", id);
        return startswith(full, name) || startswith(id, name);
}

static const struct candidate *find_candidate(const struct deletion *d, const char *id)
{
        for (size_t i = 0; i < d->n_chain; i++)
                if (streq(d->chain[i].id, id))
                        return &d->chain[i];
        return NULL;
}

/* After a deletion with pruning, removes the parents that are left
 * dangling and unused, as dockerd's imageDeleteHelper does: quietly,
 * stopping at the first one that stays. */
static int prune_parents(struct deletion *d, const char *first_parent)
{
        char parent[65];

        snprintf(parent, sizeof(parent), "%s", first_parent);
        while (*parent) {
                struct image_entry *e = store_image_find(d->s, parent);
                const struct candidate *c = find_candidate(d, parent);
                int r;

                /* A parent unknown to the container checks is left alone. */
                if (!e || e->deleted || !c)
                        return 0;
                d->e = e;
                d->users = c->users;
                d->force = false;
                snprintf(parent, sizeof(parent), "%s", e->parent);
                r = remove_image(d, true);
                if (r < 0 || d->e)
                        return r;
        }
        return 0;
}

static int delete_locked(struct deletion *d, bool prune)
{
        char parent[65];
        _cleanup_free_ struct tag_entry **refs = NULL;
        bool by_reference;
        size_t n = 0;
        int r;

        r = store_image_resolve(d->s, d->name, &d->e, d->err);
        if (r < 0)
                return r;
        if (!streq(d->e->id, d->checked_id))
                return error_set(d->err, -EBUSY, "conflict: \"%s\" was retagged while it was being deleted, try again",
                                 d->name);
        refs = store_tags_of(d->s, d->e->id, &n);
        if (!refs)
                return -ENOMEM;

        by_reference = !is_id_prefix(d->e->id, d->name);
        r = by_reference ? delete_by_reference(d, refs, n) : delete_by_id(d, refs, n);
        if (r != 0)
                return r < 0 ? r : 0;
        snprintf(parent, sizeof(parent), "%s", d->e->parent);
        r = remove_image(d, by_reference);
        if (r < 0 || d->e || !prune)
                return r;
        return prune_parents(d, parent);
}

/* Finds the named image and its ancestors, then queries the daemon for the
 * containers that use each. The callbacks run without the store's lock. */
static int collect_chain(struct image_store *s, const char *name, struct deletion *d, struct error *err)
{
        struct image_entry *e;
        int r;

        {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_read_lock(s);

                r = store_image_resolve(s, name, &e, err);
                if (r < 0)
                        return r;
                d->chain = calloc(s->n_images + 1, sizeof(*d->chain));
                if (!d->chain)
                        return -ENOMEM;
                /* At most every image once, should the parents loop. */
                while (e && d->n_chain < s->n_images) {
                        snprintf(d->chain[d->n_chain++].id, sizeof(d->chain->id), "%s", e->id);
                        e = *e->parent ? store_image_find(s, e->parent) : NULL;
                }
        }
        for (size_t i = 0; i < d->n_chain; i++)
                check_users(s, d->chain[i].id, &d->chain[i].users);
        return 0;
}

int image_store_delete(struct image_store *s, const char *name, bool force, bool prune, json_object **ret,
                       struct error *err)
{
        _cleanup_json_ json_object *records = json_object_new_array();
        struct deletion d = { .s = s, .name = name, .force = force, .records = records, .err = err };
        _cleanup_free_ struct candidate *chain = NULL;
        int r;

        /* Find the image first, for the container checks that must run
         * unlocked; the deletion resolves the name again under the lock. */
        r = collect_chain(s, name, &d, err);
        chain = d.chain;
        if (r < 0)
                return r;
        d.users = chain[0].users;
        d.checked_id = chain[0].id;

        {
                _cleanup_unlock_ pthread_rwlock_t *lock = store_write_lock(s);

                r = delete_locked(&d, prune);
                if (r >= 0 && json_object_array_length(records) > 0) {
                        r = store_tags_save(s);
                        if (r < 0)
                                error_set_errno(err, r, "failed to save the tags");
                }
        }
        store_flush_removals(s);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(records);
        return 0;
}
