/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lays out a docker save archive as dockerd 20.10's tarexporter does: which
 * images and tags the names select, each layer's v1 ID and v1 config, and
 * manifest.json and repositories.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "config.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "reference.h"
#include "save.h"
#include "store-internal.h"
#include "strv.h"
#include "timeutil.h"

#define GO_ZERO_TIME  "0001-01-01T00:00:00Z"
#define UNIX_EPOCH    "1970-01-01T00:00:00Z"
#define LAYER_VERSION "1.0"

/* An image to save and the tags ("name:tag") it is saved with. */
struct selected {
        struct image *img;
        char **tags;
};

struct selection {
        struct selected *items;
        size_t n;
};

static void selection_done(struct selection *sel)
{
        for (size_t i = 0; i < sel->n; i++) {
                image_unref(sel->items[i].img);
                strv_free(sel->items[i].tags);
        }
        free(sel->items);
}

/* Adds img (taking over the reference) with tag, which may be NULL;
 * an image selected twice keeps one entry with the tags of both. */
static int select_image(struct selection *sel, struct image *img, const char *tag)
{
        struct selected *grown;

        for (size_t i = 0; i < sel->n; i++) {
                if (!streq(sel->items[i].img->id, img->id))
                        continue;
                image_unref(img);
                if (!tag || strv_contains(sel->items[i].tags, tag))
                        return 0;
                return strv_append(&sel->items[i].tags, tag);
        }

        grown = realloc(sel->items, (sel->n + 1) * sizeof(*sel->items));
        if (!grown) {
                image_unref(img);
                return -ENOMEM;
        }
        sel->items = grown;
        sel->items[sel->n] = (struct selected){ .img = img };
        sel->n++;
        return tag ? strv_append(&sel->items[sel->n - 1].tags, tag) : 0;
}

/* A name without tag or digest selects every tag of its repository, as
 * dockerd's ReferencesByName; without any, it is an ID prefix. */
static int select_repository(struct image_store *s, const char *name, const struct reference *ref,
                             struct selection *sel, struct error *err)
{
        _cleanup_free_ char *repo = reference_familiar_name(ref);
        struct image **images = NULL;
        struct image *img = NULL;
        bool found = false;
        int r = 0;

        if (!repo)
                return -ENOMEM;
        r = image_store_list(s, &images);
        if (r < 0)
                return r;
        for (size_t i = 0; images[i] && r >= 0; i++)
                STRV_FOREACH (tag, images[i]->repo_tags) {
                        const char *colon = strrchr(*tag, ':');

                        if (!colon || strlen(repo) != (size_t)(colon - *tag) || strncmp(*tag, repo, strlen(repo)))
                                continue;
                        r = select_image(sel, image_ref(images[i]), *tag);
                        if (r < 0)
                                break;
                        found = true;
                }
        image_list_free(images);
        if (r < 0 || found)
                return r;

        /* dockerd's image store search names the term as given. */
        r = image_store_lookup(s, name, &img, NULL);
        if (r == -ENOENT)
                return error_set(err, r, "No such image: %s", name);
        if (r < 0)
                return error_set_errno(err, r, "failed to look up %s", name);
        return select_image(sel, img, NULL);
}

static int select_name(struct image_store *s, const char *name, struct selection *sel, struct error *err)
{
        _cleanup_reference_ struct reference ref = { 0 };
        _cleanup_free_ char *tag = NULL;
        struct image *img = NULL;
        int r;

        if (reference_is_identifier(name) || reference_digest_validate(name, NULL) >= 0) {
                r = image_store_lookup(s, name, &img, err);
                return r < 0 ? r : select_image(sel, img, NULL);
        }

        r = reference_parse_normalized(name, &ref, err);
        if (r < 0)
                return r;
        if (!ref.tag && !ref.digest)
                return select_repository(s, name, &ref, sel, err);

        /* dockerd 20.10's reference store replies this for a missing tag. */
        r = image_store_lookup(s, name, &img, NULL);
        if (r == -ENOENT)
                return error_set(err, r, "reference does not exist");
        if (r < 0)
                return error_set_errno(err, r, "failed to look up %s", name);
        /* Digest references select the image but name no tag. */
        if (ref.digest)
                return select_image(sel, img, NULL);
        tag = reference_familiar_string(&ref);
        if (!tag) {
                image_unref(img);
                return -ENOMEM;
        }
        return select_image(sel, img, tag);
}

/* ---- v1 IDs and configs ---- */

/* Serializes as Go's encoding/json does for these objects: compact, with
 * <, > and & escaped (its HTML-safe default). Those characters occur only
 * inside strings, so escaping them in the whole text is safe. */
static char *go_json(json_object *obj)
{
        const char *text = json_to_string(obj);
        size_t n = 0;
        char *out, *p;

        for (const char *c = text; *c; c++)
                n += strchr("<>&", *c) ? 6 : 1;
        out = p = malloc(n + 1);
        if (!out)
                return NULL;
        for (const char *c = text; *c; c++) {
                if (strchr("<>&", *c))
                        p += sprintf(p, "\\u%04x", (unsigned)*c);
                else
                        *p++ = *c;
        }
        *p = '\0';
        return out;
}

static void add_string_omitempty(json_object *obj, const char *key, json_object *config)
{
        const char *value = json_field_string(config, key, NULL);

        if (!isempty(value))
                json_object_object_add(obj, key, json_object_new_string(value));
}

/* The fields of Go's image.V1Image after "id" and "parent", in its field
 * order: the image's own for the top layer, and for the layers below it
 * an empty image created at the epoch. dockerd 20.10.24 sets the image's
 * OS on those after it computed their v1 IDs, so with_os is set for the
 * json member only. */
static void add_v1_fields(json_object *obj, json_object *config, bool top, bool with_os)
{
        json_object *container_config = top ? json_field_object(config, "container_config") : NULL;
        json_object *run_config = top ? json_field_object(config, "config") : NULL;
        json_object *created = top ? json_object_object_get(config, "created") : NULL;
        int64_t size = top ? json_field_int(config, "Size", 0) : 0;

        if (top)
                add_string_omitempty(obj, "comment", config);
        if (!top)
                json_object_object_add(obj, "created", json_object_new_string(UNIX_EPOCH));
        else if (json_object_is_type(created, json_type_string))
                json_object_object_add(obj, "created", json_object_get(created));
        else
                json_object_object_add(obj, "created", json_object_new_string(GO_ZERO_TIME));
        if (top)
                add_string_omitempty(obj, "container", config);
        json_object_object_add(obj, "container_config", config_container_normalize(container_config));
        if (!top) {
                if (with_os)
                        add_string_omitempty(obj, "os", config);
                return;
        }

        add_string_omitempty(obj, "docker_version", config);
        add_string_omitempty(obj, "author", config);
        if (run_config)
                json_object_object_add(obj, "config", config_container_normalize(run_config));
        add_string_omitempty(obj, "architecture", config);
        add_string_omitempty(obj, "variant", config);
        add_string_omitempty(obj, "os", config);
        if (size != 0)
                json_object_object_add(obj, "Size", json_object_new_int64(size));
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Copies obj with its keys sorted, as Go marshals a map. */
static json_object *sorted_keys(json_object *obj)
{
        size_t n = (size_t)json_object_object_length(obj), i = 0;
        _cleanup_free_ const char **keys = calloc(n + 1, sizeof(*keys));
        json_object *out;

        if (!keys)
                return NULL;
        json_object_object_foreach (obj, key, unused) {
                (void)unused;
                keys[i++] = key;
        }
        qsort(keys, n, sizeof(*keys), compare_strings);
        out = json_object_new_object();
        for (i = 0; out && i < n; i++)
                json_object_object_add(out, keys[i], json_object_get(json_object_object_get(obj, keys[i])));
        return out;
}

/* dockerd's v1.CreateID: sha256 of the v1 config without its ID, as a map
 * with "layer_id" (the chain ID) and "parent" (the parent's v1 digest). */
static int v1_id(json_object *config, bool top, const char *chain_id, const char *parent, char *ret)
{
        _cleanup_json_ json_object *fields = json_object_new_object(), *sorted = NULL;
        _cleanup_free_ char *text = NULL;

        add_v1_fields(fields, config, top, false);
        json_object_object_add(fields, "layer_id", json_object_new_string(chain_id));
        if (parent)
                json_object_object_add(fields, "parent", json_object_new_string(parent));
        sorted = sorted_keys(fields);
        text = sorted ? go_json(sorted) : NULL;
        if (!text)
                return -ENOMEM;
        return digest_buffer(text, strlen(text), ret);
}

/* The json member: the v1 config with "id" and "parent" (hex). */
static char *v1_json(json_object *config, bool top, const char *id, const char *parent)
{
        _cleanup_json_ json_object *obj = json_object_new_object();

        json_object_object_add(obj, "id", json_object_new_string(digest_hex(id)));
        if (parent)
                json_object_object_add(obj, "parent", json_object_new_string(digest_hex(parent)));
        add_v1_fields(obj, config, top, true);
        return go_json(obj);
}

/* ---- Members ---- */

static struct save_member *add_member(struct save_plan *plan, const char *path, mode_t type, int64_t mtime)
{
        struct save_member *grown = realloc(plan->members, (plan->n_members + 1) * sizeof(*grown));

        if (!grown)
                return NULL;
        plan->members = grown;
        grown = &plan->members[plan->n_members];
        *grown = (struct save_member){ .path = strdup(path), .type = type, .mtime = mtime };
        if (!grown->path)
                return NULL;
        plan->n_members++;
        return grown;
}

static int add_file(struct save_plan *plan, const char *path, int64_t mtime, char *data, size_t len)
{
        struct save_member *m = add_member(plan, path, S_IFREG, mtime);

        if (!m) {
                free(data);
                return -ENOMEM;
        }
        m->data = data;
        m->len = len;
        return 0;
}

static const struct save_member *find_member(const struct save_plan *plan, const char *path)
{
        for (size_t i = 0; i < plan->n_members; i++)
                if (streq(plan->members[i].path, path))
                        return &plan->members[i];
        return NULL;
}

/* A layer tar already in the archive under another v1 ID, which dockerd
 * links to instead of writing the same tar twice. */
static const struct save_member *find_layer_tar(const struct save_plan *plan, const char *chain_id)
{
        for (size_t i = 0; i < plan->n_members; i++)
                if (plan->members[i].chain_id && streq(plan->members[i].chain_id, chain_id))
                        return &plan->members[i];
        return NULL;
}

/* Adds <v1 hex>/{VERSION,json,layer.tar} for one layer. */
static int add_layer(struct image_store *s, struct save_plan *plan, const char *hex, char *json, const char *chain_id,
                     int64_t mtime, struct error *err)
{
        const struct save_member *earlier = find_layer_tar(plan, chain_id);
        _cleanup_free_ char *link = NULL;
        char path[160];
        struct save_member *m;
        int r;

        /* add_member moves the members: take what we need of the earlier
         * one first. */
        if (earlier) {
                const char *slash = strchr(earlier->path, '/');

                if (asprintf(&link, "../%.*s/layer.tar", (int)(slash - earlier->path), earlier->path) < 0) {
                        link = NULL;
                        return -ENOMEM;
                }
        }

        /* dockerd sets the times of a linked layer's directory only when it
         * writes the tar; the link itself gets the time of the save. */
        if (link)
                mtime = timeutil_now_ns() / 1000000000;
        if (!add_member(plan, hex, S_IFDIR, mtime))
                return -ENOMEM;
        snprintf(path, sizeof(path), "%s/VERSION", hex);
        r = add_file(plan, path, mtime, strdup(LAYER_VERSION), strlen(LAYER_VERSION));
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "%s/json", hex);
        r = add_file(plan, path, mtime, json, strlen(json));
        if (r < 0)
                return r;

        snprintf(path, sizeof(path), "%s/layer.tar", hex);
        if (link) {
                m = add_member(plan, path, S_IFLNK, mtime);
                if (!m)
                        return -ENOMEM;
                m->link = TAKE_PTR(link);
                return 0;
        }
        m = add_member(plan, path, S_IFREG, mtime);
        if (!m || !(m->chain_id = strdup(chain_id)))
                return -ENOMEM;
        return image_layer_tar_size(s, chain_id, &m->size, err);
}

/* Adds the layers and config of one image; its layers' paths in the
 * archive go to ret_layers and the top layer's v1 ID (hex) to ret_top. */
static int add_image(struct image_store *s, struct save_plan *plan, const struct image *img, char ***ret_layers,
                     char *ret_top, struct error *err)
{
        char parent[DIGEST_STRING_MAX] = "", id[DIGEST_STRING_MAX], path[160];
        int64_t created = img->created_ns / 1000000000;
        size_t n = strv_length(img->chain_ids);
        char *config = NULL;
        size_t config_len;
        int r;

        for (size_t i = 0; i < n; i++) {
                bool top = i == n - 1;
                char *json;

                r = v1_id(img->config, top, img->chain_ids[i], *parent ? parent : NULL, id);
                if (r < 0)
                        return r;
                snprintf(path, sizeof(path), "%s/layer.tar", digest_hex(id));
                if (!find_member(plan, digest_hex(id))) {
                        json = v1_json(img->config, top, id, *parent ? parent : NULL);
                        if (!json)
                                return -ENOMEM;
                        r = add_layer(s, plan, digest_hex(id), json, img->chain_ids[i], created, err);
                        if (r < 0)
                                return r;
                }
                r = strv_append(ret_layers, path);
                if (r < 0)
                        return r;
                snprintf(parent, sizeof(parent), "%s", id);
        }
        snprintf(ret_top, 65, "%s", n > 0 ? digest_hex(parent) : "");

        snprintf(path, sizeof(path), "%s.json", img->id);
        if (find_member(plan, path))
                return 0;
        r = fs_read_file_at(s->configs_fd, img->id, CONFIG_MAX_SIZE, &config, &config_len);
        if (r < 0)
                return error_set_errno(err, r, "failed to read the config of image %s", img->id);
        return add_file(plan, path, created, config, config_len);
}

/* Serializes obj as Go's json.Encoder writes it, with a newline. */
static char *encoder_line(json_object *obj)
{
        _cleanup_free_ char *text = go_json(obj);
        char *line = NULL;

        if (!text || asprintf(&line, "%s\n", text) < 0)
                return NULL;
        return line;
}

/* Sorts the repositories map and each repository's tags, as Go writes the
 * map[string]map[string]string dockerd builds. */
static json_object *sorted_repositories(json_object *repositories)
{
        _cleanup_json_ json_object *inner_sorted = json_object_new_object();

        json_object_object_foreach (repositories, name, tags)
                json_object_object_add(inner_sorted, name, sorted_keys(tags));
        return sorted_keys(inner_sorted);
}

/* manifest.json, and repositories when some image has a tag. */
static int add_indexes(struct save_plan *plan, json_object *manifest, json_object *repositories)
{
        _cleanup_json_ json_object *sorted = sorted_repositories(repositories);
        char *text;
        int r;

        if (!sorted)
                return -ENOMEM;
        if (json_object_object_length(repositories) > 0) {
                text = encoder_line(sorted);
                if (!text)
                        return -ENOMEM;
                r = add_file(plan, "repositories", 0, text, strlen(text));
                if (r < 0)
                        return r;
        }
        text = encoder_line(manifest);
        if (!text)
                return -ENOMEM;
        return add_file(plan, "manifest.json", 0, text, strlen(text));
}

/* Records the image's tags in repositories: name -> tag -> top v1 ID. */
static int add_repositories(json_object *repositories, char *const *tags, const char *top)
{
        STRV_FOREACH (tag, tags) {
                const char *colon = strrchr(*tag, ':');
                _cleanup_free_ char *name = strndup(*tag, (size_t)(colon - *tag));
                json_object *entry;

                if (!name)
                        return -ENOMEM;
                if (!json_object_object_get_ex(repositories, name, &entry)) {
                        entry = json_object_new_object();
                        json_object_object_add(repositories, name, entry);
                }
                json_object_object_add(entry, colon + 1, json_object_new_string(top));
        }
        return 0;
}

static json_object *manifest_item(const struct image *img, char *const *tags, char *const *layers)
{
        json_object *item = json_object_new_object();
        char config[80];

        snprintf(config, sizeof(config), "%s.json", img->id);
        json_object_object_add(item, "Config", json_object_new_string(config));
        json_object_object_add(item, "RepoTags", tags ? json_array_from_strv(tags) : NULL);
        json_object_object_add(item, "Layers", json_array_from_strv(layers));
        return item;
}

/* Orders members as dockerd's filepath.Walk of its export directory:
 * names at the top level sorted, each directory followed by its members
 * (added in sorted order already). */
static int compare_members(const void *a, const void *b)
{
        const struct save_member *x = a, *y = b;
        size_t xn = strcspn(x->path, "/"), yn = strcspn(y->path, "/");
        int c = strncmp(x->path, y->path, MIN(xn, yn));

        if (c != 0)
                return c;
        if (xn != yn)
                return xn < yn ? -1 : 1;
        /* The same directory: the directory first, then its members. */
        return strcmp(x->path, y->path);
}

static int plan_images(struct image_store *s, const struct selection *sel, struct save_plan *plan, struct error *err)
{
        _cleanup_json_ json_object *manifest = json_object_new_array(), *repositories = json_object_new_object();
        int r;

        for (size_t i = 0; i < sel->n; i++) {
                _cleanup_strv_free_ char **layers = calloc(1, sizeof(char *));
                char top[65];

                if (!layers)
                        return -ENOMEM;
                r = add_image(s, plan, sel->items[i].img, &layers, top, err);
                if (r >= 0)
                        r = add_repositories(repositories, sel->items[i].tags, top);
                if (r < 0)
                        return r;
                json_object_array_add(manifest, manifest_item(sel->items[i].img, sel->items[i].tags, layers));
        }
        r = add_indexes(plan, manifest, repositories);
        if (r < 0)
                return r;
        qsort(plan->members, plan->n_members, sizeof(*plan->members), compare_members);
        return 0;
}

int save_plan_build(struct image_store *s, char *const *names, struct save_plan *ret, struct error *err)
{
        struct selection sel = { 0 };
        struct save_plan plan = { 0 };
        int r = 0;

        STRV_FOREACH (name, names) {
                r = select_name(s, *name, &sel, err);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = plan_images(s, &sel, &plan, err);
        selection_done(&sel);
        if (r < 0) {
                save_plan_done(&plan);
                return r;
        }
        *ret = plan;
        return 0;
}

void save_plan_done(struct save_plan *plan)
{
        for (size_t i = 0; i < plan->n_members; i++) {
                free(plan->members[i].path);
                free(plan->members[i].data);
                free(plan->members[i].chain_id);
                free(plan->members[i].link);
        }
        free(plan->members);
        *plan = (struct save_plan){ 0 };
}
