/* SPDX-License-Identifier: Apache-2.0 */
/* One event and its JSON form, Docker's events.Message. */
#include "events.h"

#include "jsonutil.h"
#include "strv.h"
#include "timeutil.h"

#define NSEC_PER_SEC 1000000000LL

static int compare_keys(const void *a, const void *b)
{
        const char *const *x = a, *const *y = b;

        return strcmp(x[0], y[0]);
}

/* Copies the key, value pairs with the last value of each key, sorted by
 * key as Go's encoding/json writes a map. */
static char **copy_attributes(char *const *pairs)
{
        size_t n = strv_length(pairs) / 2, kept = 0;
        char **out = calloc(2 * n + 1, sizeof(*out));

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                const char *key = pairs[2 * i], *value = pairs[2 * i + 1];
                size_t j;

                for (j = 0; j < kept && !streq(out[2 * j], key); j++)
                        ;
                if (j == kept) {
                        out[2 * j] = strdup(key);
                        kept++;
                }
                free(out[2 * j + 1]);
                out[2 * j + 1] = strdup(value);
                if (!out[2 * j] || !out[2 * j + 1]) {
                        for (size_t k = 0; k < 2 * n; k++)
                                free(out[k]);
                        free(out);
                        return NULL;
                }
        }
        qsort(out, kept, 2 * sizeof(*out), compare_keys);
        return out;
}

const char *event_attribute(const struct event *ev, const char *key)
{
        for (size_t i = 0; ev->attributes[i]; i += 2)
                if (streq(ev->attributes[i], key))
                        return ev->attributes[i + 1];
        return NULL;
}

static json_object *actor_json(const struct event *ev)
{
        json_object *actor = json_object_new_object(), *attributes = json_object_new_object();

        for (size_t i = 0; ev->attributes[i]; i += 2)
                json_object_object_add(attributes, ev->attributes[i], json_object_new_string(ev->attributes[i + 1]));
        json_object_object_add(actor, "ID", json_object_new_string(ev->actor_id));
        json_object_object_add(actor, "Attributes", attributes);
        return actor;
}

/* dockerd 20.10 still fills the fields of API 1.21 and older (status, id,
 * from) for container and image events, and leaves each out when empty. */
static void add_deprecated_fields(json_object *msg, const struct event *ev)
{
        bool container = streq(ev->type, "container");
        const char *from;

        if (!container && !streq(ev->type, "image"))
                return;
        if (*ev->action)
                json_object_object_add(msg, "status", json_object_new_string(ev->action));
        if (*ev->actor_id)
                json_object_object_add(msg, "id", json_object_new_string(ev->actor_id));
        from = container ? event_attribute(ev, "image") : NULL;
        if (!isempty(from))
                json_object_object_add(msg, "from", json_object_new_string(from));
}

static int render(struct event *ev)
{
        _cleanup_json_ json_object *msg = json_object_new_object();
        const char *text;
        size_t len;

        if (!msg)
                return -ENOMEM;
        add_deprecated_fields(msg, ev);
        json_object_object_add(msg, "Type", json_object_new_string(ev->type));
        json_object_object_add(msg, "Action", json_object_new_string(ev->action));
        json_object_object_add(msg, "Actor", actor_json(ev));
        json_object_object_add(msg, "scope", json_object_new_string("local"));
        json_object_object_add(msg, "time", json_object_new_int64(ev->time_ns / NSEC_PER_SEC));
        json_object_object_add(msg, "timeNano", json_object_new_int64(ev->time_ns));

        text = json_to_string(msg);
        len = strlen(text);
        ev->line = malloc(len + 2);
        if (!ev->line)
                return -ENOMEM;
        memcpy(ev->line, text, len);
        ev->line[len] = '\n';
        ev->line[len + 1] = '\0';
        ev->line_len = len + 1;
        return 0;
}

struct event *event_new_at(const char *type, const char *action, const char *actor_id, char *const *attributes,
                           int64_t time_ns)
{
        struct event *ev = calloc(1, sizeof(*ev));

        if (!ev)
                return NULL;
        ev->refcount = 1;
        ev->time_ns = time_ns;
        ev->type = strdup(type);
        ev->action = strdup(action);
        ev->actor_id = strdup(actor_id ?: "");
        ev->attributes = copy_attributes(attributes);
        if (!ev->type || !ev->action || !ev->actor_id || !ev->attributes || render(ev) < 0) {
                event_unref(ev);
                return NULL;
        }
        return ev;
}

struct event *event_new(const char *type, const char *action, const char *actor_id, char *const *attributes)
{
        return event_new_at(type, action, actor_id, attributes, timeutil_now_ns());
}

struct event *event_ref(struct event *ev)
{
        __atomic_add_fetch(&ev->refcount, 1, __ATOMIC_RELAXED);
        return ev;
}

void event_unref(struct event *ev)
{
        if (!ev || __atomic_sub_fetch(&ev->refcount, 1, __ATOMIC_ACQ_REL) > 0)
                return;
        free(ev->type);
        free(ev->action);
        free(ev->actor_id);
        strv_free(ev->attributes);
        free(ev->line);
        free(ev);
}

void event_list_free(struct event **list)
{
        for (size_t i = 0; list && list[i]; i++)
                event_unref(list[i]);
        free(list);
}
