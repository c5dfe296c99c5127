/* SPDX-License-Identifier: Apache-2.0 */
/* The pages of a repository's tag list (GET /v2/<name>/tags/list), which a
 * pull without a tag or digest reads to pull every tag, as dockerd 20.10
 * does for docker pull --all-tags. */
#include <string.h>
#include <strings.h>

#include "jsonutil.h"
#include "pull-internal.h"
#include "strv.h"

int pull_tags_parse_page(const char *body, size_t len, char ***tags, struct error *err)
{
        _cleanup_json_ json_object *root = NULL;
        json_object *list;
        int r;

        r = json_parse_buffer(body, len, &root, NULL);
        if (r < 0 || !json_object_is_type(root, json_type_object))
                return error_set(err, -EBADMSG, "invalid tag list from the registry: not a JSON object");
        list = json_object_object_get(root, "tags");
        /* A registry may return "tags": null, or leave it out, when the
         * repository has no tags. */
        if (!list)
                return 0;
        if (!json_object_is_type(list, json_type_array))
                return error_set(err, -EBADMSG, "invalid tag list from the registry: \"tags\" is not an array");
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *tag = json_object_array_get_idx(list, i);

                if (!json_object_is_type(tag, json_type_string))
                        return error_set(err, -EBADMSG, "invalid tag list from the registry: a tag is not a string");
                r = strv_append(tags, json_object_get_string(tag));
                if (r < 0)
                        return r;
        }
        return 0;
}

int pull_tags_next_link(const char *header, char **ret)
{
        const char *start, *end, *rel;

        *ret = NULL;
        if (!header)
                return 0;
        start = header + strspn(header, " \t");
        if (*start != '<')
                return -EBADMSG;
        end = strchr(start, '>');
        if (!end || end == start + 1)
                return -EBADMSG;
        /* The parameters after "<url>;" must name the next page. */
        rel = end + 1 + strspn(end + 1, " \t");
        if (*rel != ';')
                return -EBADMSG;
        rel++;
        rel += strspn(rel, " \t");
        if (strncasecmp(rel, "rel=\"next\"", 10) == 0)
                rel += 10;
        else if (strncasecmp(rel, "rel=next", 8) == 0)
                rel += 8;
        else
                return 0;
        if (*rel && !strchr(" \t;,", *rel))
                return 0;
        *ret = strndup(start + 1, (size_t)(end - start - 1));
        return *ret ? 0 : -ENOMEM;
}
