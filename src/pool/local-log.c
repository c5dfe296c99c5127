/* SPDX-License-Identifier: Apache-2.0 */
/* The log driver settings the local backend gives a container's monitor. */
#include "local-log.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container.h"
#include "engine/create-options.h"
#include "jsonutil.h"
#include "macro.h"
#include "runtime/monitor/jsonlog.h"
#include "strv.h"

/* dockerd 20.10's local driver: 20 MiB files, five of them, compressed. */
#define LOCAL_DEFAULT_MAX_SIZE  (INT64_C(20) * 1024 * 1024)
#define LOCAL_DEFAULT_MAX_FILES 5

static const char *log_type(struct container *c)
{
        return json_field_string(json_field_object(c->host_config, "LogConfig"), "Type", "json-file");
}

char *local_log_file(const char *data_root, struct container *c)
{
        const char *type = log_type(c);
        char *path = NULL;
        int r;

        if (streq(type, "none"))
                return NULL;
        if (streq(type, "local"))
                r = asprintf(&path, "%s/containers/%s/local-logs/container.log", data_root, c->id);
        else
                r = asprintf(&path, "%s/containers/%s/%s-json.log", data_root, c->id, c->id);
        return r < 0 ? NULL : path;
}

/* Adds the entries of pairs (name to value) whose name is listed in
 * names (comma-separated) or matches pattern to attrs. */
static int add_matching(json_object *attrs, json_object *pairs, const char *names, const char *pattern)
{
        _cleanup_strv_free_ char **listed = names && *names ? strv_split(names, ",", false) : NULL;
        regex_t re;

        if (names && *names && !listed)
                return -ENOMEM;
        /* NOTE: POSIX extended expressions, where dockerd uses Go's RE2
         * syntax; the common subset behaves alike. */
        if (pattern && *pattern && regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
                pattern = NULL;
        json_object_object_foreach (pairs, name, value) {
                bool wanted =
                        strv_contains(listed, name) || (pattern && *pattern && regexec(&re, name, 0, NULL, 0) == 0);

                if (wanted)
                        json_object_object_add(attrs, name, json_object_get(value));
        }
        if (pattern && *pattern)
                regfree(&re);
        return 0;
}

static json_object *env_pairs(json_object *env)
{
        json_object *pairs = json_object_new_object();
        size_t n = env && json_object_is_type(env, json_type_array) ? json_object_array_length(env) : 0;

        for (size_t i = 0; i < n; i++) {
                const char *entry = json_object_get_string(json_object_array_get_idx(env, i));
                const char *eq = entry ? strchr(entry, '=') : NULL;
                _cleanup_free_ char *name = NULL;

                if (!eq)
                        continue;
                name = strndup(entry, (size_t)(eq - entry));
                if (name)
                        json_object_object_add(pairs, name, json_object_new_string(eq + 1));
        }
        return pairs;
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Writes attrs as dockerd's json-file does: keys sorted, strings escaped
 * as its encoder escapes them. */
static char *attrs_text(json_object *attrs)
{
        _cleanup_strv_free_ char **keys = NULL;
        size_t size = 3, n, o = 0;
        char *out;

        json_object_object_foreach (attrs, key, value) {
                if (strv_append(&keys, key) < 0)
                        return NULL;
                size += jsonlog_quoted_max(strlen(key)) + jsonlog_quoted_max(strlen(json_object_get_string(value))) + 2;
        }
        n = strv_length(keys);
        if (n == 0)
                return NULL;
        qsort(keys, n, sizeof(*keys), compare_strings);
        out = malloc(size);
        if (!out)
                return NULL;
        out[o++] = '{';
        for (size_t i = 0; i < n; i++) {
                const char *text = json_field_string(attrs, keys[i], "");

                if (i > 0)
                        out[o++] = ',';
                o += jsonlog_quote(keys[i], strlen(keys[i]), out + o);
                out[o++] = ':';
                o += jsonlog_quote(text, strlen(text), out + o);
        }
        out[o++] = '}';
        out[o] = '\0';
        return out;
}

char *local_log_attrs(json_object *options, json_object *labels, json_object *env)
{
        _cleanup_json_ json_object *attrs = json_object_new_object();
        _cleanup_json_ json_object *env_map = env_pairs(env);
        _cleanup_json_ json_object *no_labels = json_object_new_object();

        if (!labels || !json_object_is_type(labels, json_type_object))
                labels = no_labels;
        if (add_matching(attrs, labels, json_field_string(options, "labels", NULL),
                         json_field_string(options, "labels-regex", NULL)) < 0 ||
            add_matching(attrs, env_map, json_field_string(options, "env", NULL),
                         json_field_string(options, "env-regex", NULL)) < 0)
                return NULL;
        return attrs_text(attrs);
}

int local_log_settings(struct container *c, struct local_log_settings *ret)
{
        json_object *options = json_field_object(json_field_object(c->host_config, "LogConfig"), "Config");
        const char *type = log_type(c);
        const char *max_size = json_field_string(options, "max-size", NULL);
        const char *max_file = json_field_string(options, "max-file", NULL);
        const char *compress = json_field_string(options, "compress", NULL);
        bool local = streq(type, "local");

        *ret = (struct local_log_settings){
                .enabled = !streq(type, "none"),
                .local = local,
                .max_size = local ? LOCAL_DEFAULT_MAX_SIZE : 0,
                .max_files = local ? LOCAL_DEFAULT_MAX_FILES : 1,
                .compress = local,
        };
        if (!ret->enabled)
                return 0;
        /* Create checked the values. */
        if (max_size && create_parse_size(max_size, &ret->max_size) < 0)
                ret->max_size = 0;
        if (max_file && atoi(max_file) >= 1)
                ret->max_files = atoi(max_file);
        if (compress)
                ret->compress = create_parse_bool(compress) == 1;
        if (!local) {
                ret->attrs = local_log_attrs(options, json_field_object(c->config, "Labels"),
                                             json_field_array(c->config, "Env"));
        }
        return 0;
}

void local_log_settings_clear(struct local_log_settings *settings)
{
        free(settings->attrs);
        settings->attrs = NULL;
}
