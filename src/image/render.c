/* SPDX-License-Identifier: Apache-2.0 */
#include "render.h"

#include <stdio.h>

#include "config.h"
#include "jsonutil.h"
#include "strv.h"
#include "timeutil.h"

/* Go's zero time.Time as Unix seconds, which Docker shows for images and
 * history entries without a creation time. */
#define GO_ZERO_TIME_UNIX INT64_C(-62135596800)

static const char *config_string(const struct image *img, const char *key)
{
        json_object *value = config_field(img->config, key);

        return json_object_is_type(value, json_type_string) ? json_object_get_string(value) : "";
}

static json_object *string_array(char **v)
{
        return json_array_from_strv(v) ?: json_object_new_array();
}

static char *sibling_dir(const char *content_dir, const char *name)
{
        const char *slash = strrchr(content_dir, '/');
        char *path = NULL;

        if (!slash || asprintf(&path, "%.*s/%s", (int)(slash - content_dir), content_dir, name) < 0)
                return NULL;
        return path;
}

/* overlay2's metadata: the top layer is UpperDir, the ones below it the
 * LowerDir stack (uppermost first). Images never mount MergedDir or
 * WorkDir themselves; they are named as Docker names them. */
static json_object *graph_driver(const struct image *img)
{
        json_object *driver = json_object_new_object(), *data = NULL;
        size_t n = strv_length(img->layer_dirs);

        if (n > 0) {
                _cleanup_free_ char *merged = sibling_dir(img->layer_dirs[n - 1], "merged");
                _cleanup_free_ char *work = sibling_dir(img->layer_dirs[n - 1], "work");
                _cleanup_free_ char *lower = NULL;
                size_t len = 0;

                data = json_object_new_object();
                for (size_t i = 0; i + 1 < n; i++)
                        len += strlen(img->layer_dirs[i]) + 1;
                if (n > 1) {
                        lower = calloc(1, len + 1);
                        for (size_t i = n - 1; lower && i > 0; i--) {
                                if (i < n - 1)
                                        strcat(lower, ":");
                                strcat(lower, img->layer_dirs[i - 1]);
                        }
                        json_set_string(data, "LowerDir", lower);
                }
                json_set_string(data, "MergedDir", merged);
                json_set_string(data, "UpperDir", img->layer_dirs[n - 1]);
                json_set_string(data, "WorkDir", work);
        }
        json_object_object_add(driver, "Data", data);
        json_object_object_add(driver, "Name", json_object_new_string("overlay2"));
        return driver;
}

static json_object *rootfs(const struct image *img)
{
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "Type", json_object_new_string("layers"));
        if (strv_length(img->diff_ids) > 0)
                json_object_object_add(obj, "Layers", json_array_from_strv(img->diff_ids));
        return obj;
}

/* The parent a commit recorded, else the config's legacy "parent". */
static json_object *parent_id(const struct image *img)
{
        char id[80];

        if (!*img->parent_id)
                return json_object_new_string(config_string(img, "parent"));
        snprintf(id, sizeof(id), "sha256:%s", img->parent_id);
        return json_object_new_string(id);
}

/* The config's comment, else that of its last history entry, which is
 * where a commit's message goes (dockerd's LookupImage). */
static json_object *comment(const struct image *img)
{
        json_object *history = config_history(img->config), *last;
        const char *text = config_string(img, "comment");

        if (!*text && history && json_object_array_length(history) > 0) {
                last = json_object_array_get_idx(history, json_object_array_length(history) - 1);
                if (json_object_is_type(config_field(last, "comment"), json_type_string))
                        text = json_object_get_string(config_field(last, "comment"));
        }
        return json_object_new_string(text);
}

json_object *image_render_inspect(const struct image *img)
{
        json_object *obj = json_object_new_object(), *meta = json_object_new_object(), *config;
        char id[80], created[TIMEUTIL_RFC3339_MAX], tagged[TIMEUTIL_RFC3339_MAX];

        snprintf(id, sizeof(id), "sha256:%s", img->id);
        json_object_object_add(obj, "Id", json_object_new_string(id));
        json_object_object_add(obj, "RepoTags", string_array(img->repo_tags));
        json_object_object_add(obj, "RepoDigests", string_array(img->repo_digests));
        json_object_object_add(obj, "Parent", parent_id(img));
        json_object_object_add(obj, "Comment", comment(img));
        json_object_object_add(
                obj, "Created",
                json_object_new_string(timeutil_format_rfc3339(img->created_ns, created, sizeof(created))));
        json_object_object_add(obj, "Container", json_object_new_string(config_string(img, "container")));
        json_object_object_add(obj, "ContainerConfig",
                               config_container_normalize(config_field(img->config, "container_config")));
        json_object_object_add(obj, "DockerVersion", json_object_new_string(config_string(img, "docker_version")));
        json_object_object_add(obj, "Author", json_object_new_string(config_string(img, "author")));

        config = config_field(img->config, "config");
        json_object_object_add(
                obj, "Config",
                config && !json_object_is_type(config, json_type_null) ? config_container_normalize(config) : NULL);
        json_object_object_add(obj, "Architecture", json_object_new_string(config_string(img, "architecture")));
        if (*config_string(img, "variant"))
                json_object_object_add(obj, "Variant", json_object_new_string(config_string(img, "variant")));
        json_object_object_add(obj, "Os", json_object_new_string(config_string(img, "os")));
        if (*config_string(img, "os.version"))
                json_object_object_add(obj, "OsVersion", json_object_new_string(config_string(img, "os.version")));
        json_object_object_add(obj, "Size", json_object_new_int64(img->size));
        json_object_object_add(obj, "VirtualSize", json_object_new_int64(img->size));
        json_object_object_add(obj, "GraphDriver", graph_driver(img));
        json_object_object_add(obj, "RootFS", rootfs(img));

        json_object_object_add(
                meta, "LastTagTime",
                json_object_new_string(timeutil_format_rfc3339(img->last_tag_ns, tagged, sizeof(tagged))));
        json_object_object_add(obj, "Metadata", meta);
        return obj;
}

static int64_t unix_seconds(int64_t ns)
{
        return ns == 0 ? GO_ZERO_TIME_UNIX : ns / INT64_C(1000000000);
}

static json_object *history_item(json_object *entry, int64_t size)
{
        json_object *item = json_object_new_object();
        const char *created = json_object_get_string(config_field(entry, "created"));
        int64_t ns = 0;

        if (!created || timeutil_parse_rfc3339(created, &ns) < 0)
                ns = 0;
        json_object_object_add(item, "Comment",
                               json_object_new_string(json_object_get_string(config_field(entry, "comment")) ?: ""));
        json_object_object_add(item, "Created", json_object_new_int64(unix_seconds(ns)));
        json_object_object_add(item, "CreatedBy",
                               json_object_new_string(json_object_get_string(config_field(entry, "created_by")) ?: ""));
        json_object_object_add(item, "Id", json_object_new_string("<missing>"));
        json_object_object_add(item, "Size", json_object_new_int64(size));
        json_object_object_add(item, "Tags", NULL);
        return item;
}

int image_render_history(const struct image *img, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *list = json_object_new_array();
        json_object *history = config_history(img->config);
        size_t n = history ? json_object_array_length(history) : 0, layer = 0;
        char id[80];

        for (size_t i = n; i > 0; i--) {
                json_object *entry = json_object_array_get_idx(history, i - 1);

                if (!json_object_get_boolean(config_field(entry, "empty_layer")))
                        layer++;
        }
        if (layer > img->n_layers)
                return error_set(err, -EINVAL, "too many non-empty layers in History section");

        /* Newest first; sizes are those of the layers the entries made. */
        for (size_t i = n; i > 0; i--) {
                json_object *entry = json_object_array_get_idx(history, i - 1);
                int64_t size = 0;

                if (!json_object_get_boolean(config_field(entry, "empty_layer")))
                        size = img->layer_sizes[--layer];
                json_object_array_add(list, history_item(entry, size));
        }

        /* Only the image itself has an ID here; image_render_history_parents
         * adds those of the images it was committed from. */
        if (n > 0) {
                json_object *top = json_object_array_get_idx(list, 0);

                snprintf(id, sizeof(id), "sha256:%s", img->id);
                json_object_object_add(top, "Id", json_object_new_string(id));
                json_object_object_add(top, "Tags",
                                       json_array_from_strv(strv_length(img->repo_tags) ? img->repo_tags : NULL));
        }
        *ret = TAKE_PTR(list);
        return 0;
}

void image_render_history_parents(struct image_store *s, const struct image *img, json_object *history)
{
        _cleanup_image_ struct image *current = image_ref((struct image *)img);
        size_t n = json_object_array_length(history);

        /* Row i shows the i-th parent, as dockerd walks them: one image
         * per row, whatever number of entries each image added. */
        for (size_t i = 1; i < n && *current->parent_id; i++) {
                struct image *parent = NULL;
                json_object *row = json_object_array_get_idx(history, i);
                char id[80];

                snprintf(id, sizeof(id), "sha256:%s", current->parent_id);
                if (image_store_lookup(s, id, &parent, NULL) < 0)
                        return;
                image_unref(current);
                current = parent;
                json_object_object_add(row, "Id", json_object_new_string(id));
                json_object_object_add(
                        row, "Tags", json_array_from_strv(strv_length(current->repo_tags) ? current->repo_tags : NULL));
        }
}
