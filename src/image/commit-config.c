/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "config" of a committed image, as dockerd 20.10's
 * CreateImageFromContainer builds it: the --change instructions applied
 * to the request's config or else the container's (BuildFromConfig), then
 * what the result leaves empty filled from the container's config (its
 * merge function).
 */
#include "changes.h"
#include "config.h"
#include "image.h"
#include "jsonutil.h"
#include "strv.h"

static size_t array_length(json_object *array)
{
        return json_object_is_type(array, json_type_array) ? json_object_array_length(array) : 0;
}

static bool string_empty(json_object *config, const char *key)
{
        return !*json_field_string(config, key, "");
}

static void copy_field(json_object *to, json_object *from, const char *key)
{
        json_object *value = NULL;

        json_object_object_get_ex(from, key, &value);
        json_object_object_add(to, key, json_object_get(value));
}

/* Adds the keys of from's map key that to's lacks (sets and labels). */
static void merge_map(json_object *to, json_object *from, const char *key, bool overwrite)
{
        json_object *into = json_field_object(to, key), *source = json_field_object(from, key);

        if (!source)
                return;
        if (!into) {
                into = json_object_new_object();
                json_object_object_add(to, key, into);
        }
        json_object_object_foreach (source, k, v) {
                if (overwrite || !json_object_object_get_ex(into, k, NULL))
                        json_object_object_add(into, k, json_object_get(v));
        }
}

static size_t key_length(const char *entry)
{
        return strcspn(entry, "=");
}

/* Env: the image's variables whose names the new config lacks go last. */
static void merge_env(json_object *to, json_object *from)
{
        json_object *env = json_field_array(to, "Env"), *image_env = json_field_array(from, "Env");

        if (array_length(env) == 0) {
                copy_field(to, from, "Env");
                return;
        }
        for (size_t i = 0; i < array_length(image_env); i++) {
                const char *entry = json_object_get_string(json_object_array_get_idx(image_env, i));
                bool found = false;

                for (size_t j = 0; j < json_object_array_length(env) && !found; j++) {
                        const char *own = json_object_get_string(json_object_array_get_idx(env, j));

                        found = key_length(own) == key_length(entry) && strncmp(own, entry, key_length(entry)) == 0;
                }
                if (!found)
                        json_object_array_add(env, json_object_new_string(entry));
        }
}

static void merge_command(json_object *to, json_object *from)
{
        json_object *entrypoint = NULL;

        if (array_length(json_field_array(to, "Entrypoint")) > 0)
                return;
        if (array_length(json_field_array(to, "Cmd")) == 0) {
                copy_field(to, from, "Cmd");
                copy_field(to, from, "ArgsEscaped");
        }
        /* An empty Entrypoint ([]) stays; only a missing one is filled. */
        if (!json_object_object_get_ex(to, "Entrypoint", &entrypoint) || !entrypoint)
                copy_field(to, from, "Entrypoint");
}

static void merge_healthcheck(json_object *to, json_object *from)
{
        static const char *const numbers[] = { "Interval", "Timeout", "StartPeriod", "Retries" };
        json_object *image = json_field_object(from, "Healthcheck"), *own = json_field_object(to, "Healthcheck");

        if (!image)
                return;
        if (!own) {
                copy_field(to, from, "Healthcheck");
                return;
        }
        if (array_length(json_field_array(own, "Test")) == 0)
                copy_field(own, image, "Test");
        for (size_t i = 0; i < ARRAY_SIZE(numbers); i++)
                if (json_field_int(own, numbers[i], 0) == 0)
                        copy_field(own, image, numbers[i]);
}

/* dockerd's merge(userConf, imageConf), with the container's config as
 * imageConf. */
static void merge(json_object *to, json_object *from)
{
        if (string_empty(to, "User"))
                copy_field(to, from, "User");
        if (!json_field_object(to, "ExposedPorts") ||
            json_object_object_length(json_field_object(to, "ExposedPorts")) == 0)
                copy_field(to, from, "ExposedPorts");
        else
                merge_map(to, from, "ExposedPorts", false);
        merge_env(to, from);
        merge_map(to, from, "Labels", false);
        if (!json_field_object(to, "Labels"))
                json_object_object_add(to, "Labels", json_object_new_object());
        merge_command(to, from);
        merge_healthcheck(to, from);
        if (string_empty(to, "WorkingDir"))
                copy_field(to, from, "WorkingDir");
        if (!json_field_object(to, "Volumes") || json_object_object_length(json_field_object(to, "Volumes")) == 0)
                copy_field(to, from, "Volumes");
        else
                merge_map(to, from, "Volumes", true);
        if (string_empty(to, "StopSignal"))
                copy_field(to, from, "StopSignal");
}

int image_commit_config(const struct image_commit_options *opts, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *container = config_container_normalize(opts->container_config);
        _cleanup_json_ json_object *config = NULL;
        int r;

        r = changes_apply_to(opts->config ?: container, opts->changes, &config, err);
        if (r < 0)
                return r;
        merge(config, container);

        /* The merge may have filled fields out of Go's order. */
        *ret = config_container_normalize(config);
        return 0;
}
