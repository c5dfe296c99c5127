/* SPDX-License-Identifier: Apache-2.0 */
/* GET /images/json with Docker Engine 20.10's filters and rules. */
#include <stdio.h>

#include "config.h"
#include "jsonutil.h"
#include "reference.h"
#include "render.h"
#include "strv.h"

#define GO_ZERO_TIME_UNIX INT64_C(-62135596800)

static const char *const accepted_filters[] = { "dangling", "label", "before", "since", "reference" };

struct list_filters {
        json_object *filters;
        bool dangling_only, dangling_filter;
        bool all; /* also untagged images that are parents of others */
        int64_t before_ns, since_ns;
        bool has_before, has_since;
        json_object *labels;     /* array of "key" or "key=value", or NULL */
        json_object *references; /* array of patterns, or NULL */
};

static bool filter_has(json_object *values, const char *value)
{
        for (size_t i = 0; values && i < json_object_array_length(values); i++)
                if (streq_ptr(json_object_get_string(json_object_array_get_idx(values, i)), value))
                        return true;
        return false;
}

/* Docker's invalidFilter message: "Invalid filter 'dangling=[a b]'". */
static int invalid_filter(struct error *err, const char *key, json_object *values)
{
        char text[512] = "";
        size_t len = 0;

        for (size_t i = 0; values && i < json_object_array_length(values) && len < sizeof(text); i++)
                len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", i ? " " : "",
                                        json_object_get_string(json_object_array_get_idx(values, i)));
        if (!values)
                return error_set(err, -EINVAL, "Invalid filter '%s'", key);
        return error_set(err, -EINVAL, "Invalid filter '%s=[%s]'", key, text);
}

/* before= and since= name images; the last value wins, as in Docker. */
static int filter_time(struct image_store *s, json_object *values, int64_t *ret, bool *ret_set, struct error *err)
{
        for (size_t i = 0; values && i < json_object_array_length(values); i++) {
                _cleanup_image_ struct image *img = NULL;
                int r;

                r = image_store_lookup(s, json_object_get_string(json_object_array_get_idx(values, i)), &img, err);
                if (r < 0)
                        return r;
                *ret = img->created_ns;
                *ret_set = true;
        }
        return 0;
}

static int parse_filters(struct image_store *s, json_object *filters, struct list_filters *ret, struct error *err)
{
        json_object *dangling;
        int r;

        json_object_object_foreach (filters, key, value) {
                bool known = false;

                for (size_t i = 0; i < ARRAY_SIZE(accepted_filters); i++)
                        known = known || streq(key, accepted_filters[i]);
                if (!known)
                        return invalid_filter(err, key, NULL);
                (void)value;
        }

        *ret = (struct list_filters){ .filters = filters };
        if (json_object_object_get_ex(filters, "dangling", &dangling) && json_object_array_length(dangling) > 0) {
                ret->dangling_filter = true;
                if (filter_has(dangling, "true"))
                        ret->dangling_only = true;
                else if (!filter_has(dangling, "false"))
                        return invalid_filter(err, "dangling", dangling);
        }

        r = filter_time(s, json_field_array(filters, "before"), &ret->before_ns, &ret->has_before, err);
        if (r >= 0)
                r = filter_time(s, json_field_array(filters, "since"), &ret->since_ns, &ret->has_since, err);
        if (r < 0)
                return r;

        ret->labels = json_field_array(filters, "label");
        if (ret->labels && json_object_array_length(ret->labels) == 0)
                ret->labels = NULL;
        ret->references = json_field_array(filters, "reference");
        if (ret->references && json_object_array_length(ret->references) == 0)
                ret->references = NULL;
        return 0;
}

/* Keeps the references that match one of the patterns. A bad pattern is
 * -EIO, because Docker replies to it with status 500. */
static int filter_references(char **refs, json_object *patterns, char ***ret, struct error *err)
{
        _cleanup_strv_free_ char **matching = calloc(1, sizeof(char *));

        if (!matching)
                return -ENOMEM;
        STRV_FOREACH (text, refs) {
                _cleanup_reference_ struct reference ref = { 0 };
                bool match = false;

                if (patterns && reference_parse_normalized(*text, &ref, NULL) >= 0) {
                        for (size_t i = 0; !match && i < json_object_array_length(patterns); i++) {
                                const char *pattern = json_object_get_string(json_object_array_get_idx(patterns, i));

                                if (reference_familiar_match(pattern, &ref, &match) < 0)
                                        return error_set(err, -EIO, "syntax error in pattern");
                        }
                } else
                        match = !patterns;
                if (match && strv_append(&matching, *text) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(matching);
        return 0;
}

static json_object *summary(const struct image *img, char **tags, char **digests)
{
        json_object *obj = json_object_new_object();
        json_object *config = config_field(img->config, "config");
        json_object *parent = config_field(img->config, "parent");
        json_object *labels = NULL;
        char id[80];

        if (config && !json_object_is_type(config, json_type_null)) {
                _cleanup_json_ json_object *normalized = config_container_normalize(config);

                labels = json_object_get(json_object_object_get(normalized, "Labels"));
        }
        snprintf(id, sizeof(id), "sha256:%s", img->id);

        json_object_object_add(obj, "Containers", json_object_new_int(-1));
        json_object_object_add(obj, "Created",
                               json_object_new_int64(img->created_ns == 0 ? GO_ZERO_TIME_UNIX
                                                                          : img->created_ns / INT64_C(1000000000)));
        json_object_object_add(obj, "Id", json_object_new_string(id));
        json_object_object_add(obj, "Labels", labels);
        json_object_object_add(obj, "ParentId",
                               json_object_new_string(json_object_is_type(parent, json_type_string)
                                                              ? json_object_get_string(parent)
                                                              : ""));
        json_object_object_add(obj, "RepoDigests", strv_length(digests) ? json_array_from_strv(digests) : NULL);
        json_object_object_add(obj, "RepoTags", strv_length(tags) ? json_array_from_strv(tags) : NULL);
        json_object_object_add(obj, "SharedSize", json_object_new_int(-1));
        json_object_object_add(obj, "Size", json_object_new_int64(img->size));
        json_object_object_add(obj, "VirtualSize", json_object_new_int64(img->size));
        return obj;
}

/* Applies the filters to one image; *ret stays NULL when it is left out. */
static int list_entry(const struct image *img, struct list_filters *f, json_object **ret, struct error *err)
{
        _cleanup_strv_free_ char **tags = NULL, **digests = NULL;
        int r;

        *ret = NULL;
        if (f->has_before && img->created_ns >= f->before_ns)
                return 0;
        if (f->has_since && img->created_ns <= f->since_ns)
                return 0;
        if (f->labels) {
                _cleanup_json_ json_object *normalized = NULL;
                json_object *config = config_field(img->config, "config");

                if (!config || json_object_is_type(config, json_type_null))
                        return 0;
                normalized = config_container_normalize(config);
                if (!json_labels_match(f->labels, json_object_object_get(normalized, "Labels"), false))
                        return 0;
        }

        r = filter_references(img->repo_tags, f->references, &tags, err);
        if (r >= 0)
                r = filter_references(img->repo_digests, f->references, &digests, err);
        if (r < 0)
                return r;

        /* dockerd lists only images without children (its Heads) for
         * dangling=true, and hides untagged parents of other images
         * unless all is set. */
        if (f->dangling_only && img->has_children)
                return 0;
        if (!tags[0] && !digests[0]) {
                /* No references left: a dangling image, shown as Docker does. */
                if ((f->dangling_filter && !f->dangling_only) || f->references)
                        return 0;
                if (!f->all && img->has_children)
                        return 0;
                if (strv_append(&tags, "<none>:<none>") < 0 || strv_append(&digests, "<none>@<none>") < 0)
                        return -ENOMEM;
        } else if (f->dangling_only && tags[0])
                return 0;

        *ret = summary(img, tags, digests);
        return 0;
}

static int compare_created(const void *a, const void *b)
{
        json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
        int64_t cx = json_field_int(x, "Created", 0), cy = json_field_int(y, "Created", 0);

        if (cx != cy)
                return cx > cy ? -1 : 1;
        return strcmp(json_field_string(x, "Id", ""), json_field_string(y, "Id", ""));
}

int image_render_list(struct image_store *s, json_object *filters, bool all, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *list = json_object_new_array();
        struct image **images = NULL;
        struct list_filters f;
        int r;

        r = parse_filters(s, filters, &f, err);
        if (r < 0)
                return r;
        f.all = all;
        r = image_store_list(s, &images);
        if (r < 0)
                return r;

        for (size_t i = 0; images[i] && r >= 0; i++) {
                json_object *entry = NULL;

                r = list_entry(images[i], &f, &entry, err);
                if (entry)
                        json_object_array_add(list, entry);
        }
        image_list_free(images);
        if (r < 0)
                return r;

        json_object_array_sort(list, compare_created);
        *ret = TAKE_PTR(list);
        return 0;
}
