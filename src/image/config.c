/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <strings.h>

#include "jsonutil.h"
#include "timeutil.h"

#if defined(__x86_64__)
#define HOST_ARCH    "amd64"
#define HOST_VARIANT NULL
#elif defined(__aarch64__)
#define HOST_ARCH    "arm64"
#define HOST_VARIANT NULL
#elif defined(__arm__)
#define HOST_ARCH    "arm"
#define HOST_VARIANT "v7"
#elif defined(__i386__)
#define HOST_ARCH    "386"
#define HOST_VARIANT NULL
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ARCH    "ppc64le"
#define HOST_VARIANT NULL
#elif defined(__s390x__)
#define HOST_ARCH    "s390x"
#define HOST_VARIANT NULL
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ARCH    "riscv64"
#define HOST_VARIANT NULL
#else
#error "unknown architecture: add its Go GOARCH name"
#endif

const char *config_host_architecture(void)
{
        return HOST_ARCH;
}

const char *config_host_variant(void)
{
        return HOST_VARIANT;
}

json_object *config_field(json_object *obj, const char *key)
{
        json_object *value = NULL;

        if (!obj || !json_object_is_type(obj, json_type_object))
                return NULL;
        if (json_object_object_get_ex(obj, key, &value))
                return value;
        json_object_object_foreach (obj, k, v) {
                if (strcasecmp(k, key) == 0)
                        return v;
        }
        return NULL;
}

enum field_kind {
        FIELD_STRING,
        FIELD_BOOL,
        FIELD_STRINGS,   /* []string: null stays null */
        FIELD_STR_SLICE, /* strslice.StrSlice: a string is a one-element array */
        FIELD_SET,       /* map[string]struct{}: values are always {} */
        FIELD_LABELS,    /* map[string]string */
        FIELD_HEALTH,
        FIELD_INT_POINTER,
};

struct field {
        const char *name;
        enum field_kind kind;
        bool omitempty;
};

/* Docker's container.Config (API 1.41) in declaration order. */
static const struct field container_fields[] = {
        { "Hostname", FIELD_STRING, false },     { "Domainname", FIELD_STRING, false },
        { "User", FIELD_STRING, false },         { "AttachStdin", FIELD_BOOL, false },
        { "AttachStdout", FIELD_BOOL, false },   { "AttachStderr", FIELD_BOOL, false },
        { "ExposedPorts", FIELD_SET, true },     { "Tty", FIELD_BOOL, false },
        { "OpenStdin", FIELD_BOOL, false },      { "StdinOnce", FIELD_BOOL, false },
        { "Env", FIELD_STRINGS, false },         { "Cmd", FIELD_STR_SLICE, false },
        { "Healthcheck", FIELD_HEALTH, true },   { "ArgsEscaped", FIELD_BOOL, true },
        { "Image", FIELD_STRING, false },        { "Volumes", FIELD_SET, false },
        { "WorkingDir", FIELD_STRING, false },   { "Entrypoint", FIELD_STR_SLICE, false },
        { "NetworkDisabled", FIELD_BOOL, true }, { "MacAddress", FIELD_STRING, true },
        { "OnBuild", FIELD_STRINGS, false },     { "Labels", FIELD_LABELS, false },
        { "StopSignal", FIELD_STRING, true },    { "StopTimeout", FIELD_INT_POINTER, true },
        { "Shell", FIELD_STR_SLICE, true },
};

static json_object *string_array(json_object *value)
{
        json_object *array;

        if (json_object_is_type(value, json_type_string)) {
                array = json_object_new_array();
                json_object_array_add(array, json_object_get(value));
                return array;
        }
        if (!json_object_is_type(value, json_type_array))
                return NULL;

        array = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(value); i++) {
                json_object *item = json_object_array_get_idx(value, i);

                if (json_object_is_type(item, json_type_string))
                        json_object_array_add(array, json_object_get(item));
        }
        return array;
}

static int compare_keys(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Copies an object with its keys sorted, as Go encodes maps. Set values
 * become {}; label values must be strings. */
static json_object *sorted_map(json_object *value, bool set)
{
        size_t n = 0, i = 0;
        const char **keys;
        json_object *out;

        if (!json_object_is_type(value, json_type_object))
                return NULL;

        n = (size_t)json_object_object_length(value);
        keys = calloc(n + 1, sizeof(*keys));
        if (!keys)
                return NULL;
        json_object_object_foreach (value, k, v) {
                if (set || json_object_is_type(v, json_type_string))
                        keys[i++] = k;
        }
        qsort(keys, i, sizeof(*keys), compare_keys);

        out = json_object_new_object();
        for (size_t j = 0; j < i; j++)
                json_object_object_add(out, keys[j],
                                       set ? json_object_new_object()
                                           : json_object_get(json_object_object_get(value, keys[j])));
        free(keys);
        return out;
}

/* container.HealthConfig: every field is omitempty. */
static json_object *health_config(json_object *value)
{
        static const char *const durations[] = { "Interval", "Timeout", "StartPeriod" };
        json_object *out, *test, *retries;

        if (!json_object_is_type(value, json_type_object))
                return NULL;

        out = json_object_new_object();
        test = string_array(config_field(value, "Test"));
        if (test && json_object_array_length(test) > 0)
                json_object_object_add(out, "Test", test);
        else
                json_object_put(test);

        for (size_t i = 0; i < ARRAY_SIZE(durations); i++) {
                int64_t ns = json_object_get_int64(config_field(value, durations[i]));

                if (ns != 0)
                        json_object_object_add(out, durations[i], json_object_new_int64(ns));
        }
        retries = config_field(value, "Retries");
        if (json_object_get_int64(retries) != 0)
                json_object_object_add(out, "Retries", json_object_new_int64(json_object_get_int64(retries)));
        return out;
}

static json_object *normalize_field(const struct field *f, json_object *value)
{
        switch (f->kind) {
        case FIELD_STRING:
                return json_object_new_string(
                        json_object_is_type(value, json_type_string) ? json_object_get_string(value) : "");
        case FIELD_BOOL:
                return json_object_new_boolean(json_object_is_type(value, json_type_boolean) &&
                                               json_object_get_boolean(value));
        case FIELD_STRINGS:
                return json_object_is_type(value, json_type_array) ? string_array(value) : NULL;
        case FIELD_STR_SLICE:
                return string_array(value);
        case FIELD_SET:
                return sorted_map(value, true);
        case FIELD_LABELS:
                return sorted_map(value, false);
        case FIELD_HEALTH:
                return health_config(value);
        case FIELD_INT_POINTER:
                return json_object_is_type(value, json_type_int) ? json_object_new_int64(json_object_get_int64(value))
                                                                 : NULL;
        }
        return NULL;
}

/* Go's omitempty: false, "", 0, nil and empty maps and slices. */
static bool is_empty(const struct field *f, json_object *value)
{
        switch (json_object_get_type(value)) {
        case json_type_null:
                return true;
        case json_type_boolean:
                return !json_object_get_boolean(value);
        case json_type_string:
                return json_object_get_string_len(value) == 0;
        case json_type_array:
                return json_object_array_length(value) == 0;
        case json_type_object:
                return f->kind != FIELD_HEALTH && json_object_object_length(value) == 0;
        default:
                return f->kind != FIELD_INT_POINTER && json_object_get_int64(value) == 0;
        }
}

json_object *config_container_normalize(json_object *raw)
{
        json_object *out = json_object_new_object();

        for (size_t i = 0; i < ARRAY_SIZE(container_fields); i++) {
                const struct field *f = &container_fields[i];
                json_object *value = normalize_field(f, config_field(raw, f->name));

                if (f->omitempty && is_empty(f, value)) {
                        json_object_put(value);
                        continue;
                }
                json_object_object_add(out, f->name, value);
        }
        return out;
}

bool config_container_has_fields(json_object *raw)
{
        for (size_t i = 0; i < ARRAY_SIZE(container_fields); i++)
                if (config_field(raw, container_fields[i].name))
                        return true;
        return false;
}

int64_t config_created_ns(json_object *config)
{
        const char *created = json_object_get_string(config_field(config, "created"));
        int64_t ns = 0;

        if (!created || timeutil_parse_rfc3339(created, &ns) < 0)
                return 0;
        return ns;
}

json_object *config_history(json_object *config)
{
        json_object *history = config_field(config, "history");

        return json_object_is_type(history, json_type_array) ? history : NULL;
}
