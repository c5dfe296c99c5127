/* SPDX-License-Identifier: Apache-2.0 */
/* Tags and digest references, kept in Docker's repositories.json format. */
#include <stdio.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "store-internal.h"
#include "timeutil.h"

#define REPOSITORIES_FILE "repositories.json"

static void tag_free(struct tag_entry *t)
{
        if (!t)
                return;
        reference_done(&t->ref);
        free(t->full);
        free(t->familiar);
        free(t);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct tag_entry *, tag_free)

struct tag_entry *store_tag_find(struct image_store *s, const char *full)
{
        for (size_t i = 0; i < s->n_tags; i++)
                if (streq(s->tags[i]->full, full))
                        return s->tags[i];
        return NULL;
}

int store_tag_set(struct image_store *s, const struct reference *ref, const char *image_id)
{
        _cleanup_(tag_freep) struct tag_entry *t = NULL;
        _cleanup_free_ char *full = reference_string(ref);
        struct tag_entry *existing, **grown;
        int r;

        if (!full)
                return -ENOMEM;
        existing = store_tag_find(s, full);
        if (existing) {
                snprintf(existing->image_id, sizeof(existing->image_id), "%s", image_id);
                return 0;
        }

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        r = reference_copy(ref, &t->ref);
        if (r < 0)
                return r;
        t->full = TAKE_PTR(full);
        t->familiar = reference_familiar_string(ref);
        if (!t->familiar)
                return -ENOMEM;
        snprintf(t->image_id, sizeof(t->image_id), "%s", image_id);

        grown = realloc(s->tags, (s->n_tags + 1) * sizeof(*s->tags));
        if (!grown)
                return -ENOMEM;
        s->tags = grown;
        s->tags[s->n_tags++] = TAKE_PTR(t);
        return 0;
}

int store_tag_image(struct image_store *s, const struct reference *ref, struct image_entry *e, struct error *err)
{
        _cleanup_free_ char *familiar = NULL;
        int r;

        r = store_tag_set(s, ref, e->id);
        if (r >= 0)
                r = store_tags_save(s);
        if (r < 0)
                return error_set_errno(err, r, "failed to save the tag");

        e->last_tag_ns = timeutil_now_ns();
        r = store_meta_write(s, e);
        if (r < 0)
                return error_set_errno(err, r, "failed to save the image metadata");

        familiar = reference_familiar_string(ref);
        store_event(s, "tag", e->id, familiar);
        return 0;
}

int store_tag_remove(struct image_store *s, struct tag_entry *t)
{
        for (size_t i = 0; i < s->n_tags; i++)
                if (s->tags[i] == t) {
                        memmove(s->tags + i, s->tags + i + 1, (s->n_tags - i - 1) * sizeof(*s->tags));
                        s->n_tags--;
                        tag_free(t);
                        return 0;
                }
        return -ENOENT;
}

static int compare_full(const void *a, const void *b)
{
        return strcmp((*(struct tag_entry *const *)a)->full, (*(struct tag_entry *const *)b)->full);
}

struct tag_entry **store_tags_of(struct image_store *s, const char *image_id, size_t *ret_n)
{
        struct tag_entry **list = calloc(s->n_tags + 1, sizeof(*list));
        size_t n = 0;

        if (!list)
                return NULL;
        for (size_t i = 0; i < s->n_tags; i++)
                if (streq(s->tags[i]->image_id, image_id))
                        list[n++] = s->tags[i];

        /* Docker lists references sorted by their full string. */
        qsort(list, n, sizeof(*list), compare_full);
        *ret_n = n;
        return list;
}

bool store_image_has_tags(struct image_store *s, const char *image_id)
{
        for (size_t i = 0; i < s->n_tags; i++)
                if (streq(s->tags[i]->image_id, image_id))
                        return true;
        return false;
}

int store_tags_save(struct image_store *s)
{
        _cleanup_json_ json_object *root = json_object_new_object();
        json_object *repositories = json_object_new_object();

        json_object_object_add(root, "Repositories", repositories);
        for (size_t i = 0; i < s->n_tags; i++) {
                struct tag_entry *t = s->tags[i];
                _cleanup_free_ char *name = reference_familiar_name(&t->ref);
                char id[DIGEST_STRING_MAX];
                json_object *repo;

                if (!name)
                        return -ENOMEM;
                if (!json_object_object_get_ex(repositories, name, &repo)) {
                        repo = json_object_new_object();
                        json_object_object_add(repositories, name, repo);
                }
                snprintf(id, sizeof(id), DIGEST_PREFIX "%s", t->image_id);
                json_object_object_add(repo, t->familiar, json_object_new_string(id));
        }
        return json_file_write_atomic(s->root_fd, REPOSITORIES_FILE, root, 0600);
}

static int load_reference(struct image_store *s, const char *text, json_object *value)
{
        _cleanup_reference_ struct reference ref = { 0 };
        const char *id = json_object_get_string(value);
        struct image_entry *e;

        if (!id || !digest_is_sha256(id) || reference_parse_normalized(text, &ref, NULL) < 0 ||
            (!ref.tag && !ref.digest)) {
                log_debug("Ignoring invalid reference '%s' in the image store", text);
                return 0;
        }
        e = store_image_find(s, digest_hex(id));
        if (!e || e->deleted) {
                log_debug("Dropping reference '%s' to missing image %s", text, id);
                return 0;
        }
        return store_tag_set(s, &ref, e->id);
}

int store_tags_load(struct image_store *s)
{
        _cleanup_json_ json_object *root = NULL;
        json_object *repositories;
        int r;

        r = json_file_read(s->root_fd, REPOSITORIES_FILE, METADATA_MAX_SIZE, &root);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                log_debug_errno(r, "Ignoring unreadable %s in the image store: %m", REPOSITORIES_FILE);
                return 0;
        }

        repositories = json_field_object(root, "Repositories");
        /* The keys of the outer object (repository names) repeat the names
         * inside the references, so only the references are read. */
        json_object_object_foreach (repositories, unused_name, refs) {
                (void)unused_name;
                if (!json_object_is_type(refs, json_type_object))
                        continue;
                json_object_object_foreach (refs, text, value) {
                        r = load_reference(s, text, value);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}
