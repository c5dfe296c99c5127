/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's events: Docker's attributes for container events, and the
 * hook that turns the image store's changes into image events. */
#include <stdarg.h>
#include <stdio.h>

#include "engine-internal.h"
#include "events.h"
#include "jsonutil.h"
#include "log.h"
#include "strv.h"

struct event_bus *engine_events(struct engine *e)
{
        return e->events;
}

void engine_end_streams(struct engine *e)
{
        __atomic_store_n(&e->streams_ended, true, __ATOMIC_RELEASE);
        event_bus_close(e->events);
}

bool engine_streams_ended(struct engine *e)
{
        return __atomic_load_n(&e->streams_ended, __ATOMIC_ACQUIRE);
}

void engine_event_emit(struct engine *e, const char *type, const char *action, const char *actor_id,
                       char *const *attributes)
{
        struct event *ev = event_new(type, action, actor_id, attributes);

        if (!ev) {
                log_error("Failed to record the %s event \"%s\" of %s: out of memory", type, action, actor_id);
                return;
        }
        event_bus_publish(e->events, ev);
}

/* Appends the container's labels, its image as the client named it and
 * its name without "/", in the order dockerd's
 * LogContainerEventWithAttributes assigns them, so that each overrides
 * what came before. */
static int append_container_attributes(struct container *c, char ***pairs)
{
        json_object *labels;
        const char *image;
        int r = 0;

        pthread_mutex_lock(&c->lock);
        labels = json_field_object(c->config, "Labels");
        if (labels) {
                json_object_object_foreach (labels, key, value) {
                        if (r >= 0)
                                r = strv_append(pairs, key);
                        if (r >= 0)
                                r = strv_append(pairs, json_object_get_string(value) ?: "");
                }
        }
        image = json_field_string(c->config, "Image", "");
        if (r >= 0 && *image) {
                r = strv_append(pairs, "image");
                if (r >= 0)
                        r = strv_append(pairs, image);
        }
        if (r >= 0)
                r = strv_append(pairs, "name");
        if (r >= 0)
                r = strv_append(pairs, c->name[0] == '/' ? c->name + 1 : c->name);
        pthread_mutex_unlock(&c->lock);
        return r;
}

void engine_event_container(struct engine *e, struct container *c, const char *action, ...)
{
        _cleanup_strv_free_ char **pairs = NULL;
        const char *key;
        va_list ap;
        int r = 0;

        va_start(ap, action);
        while (r >= 0 && (key = va_arg(ap, const char *))) {
                const char *value = va_arg(ap, const char *);

                r = strv_append(&pairs, key);
                if (r >= 0)
                        r = strv_append(&pairs, value ?: "");
        }
        va_end(ap);
        if (r >= 0)
                r = append_container_attributes(c, &pairs);
        if (r < 0) {
                log_error("Failed to record the event \"%s\" of container %s: out of memory", action, c->id);
                return;
        }
        engine_event_emit(e, "container", action, c->id, pairs);
}

void engine_event_exec(struct engine *e, struct container *c, const char *action, const char *exec_id, char *const *cmd,
                       const char *exit_code)
{
        _cleanup_free_ char *full = NULL;
        size_t len = 0;
        FILE *out;

        if (!cmd) {
                engine_event_container(e, c, action, "execID", exec_id, exit_code ? "exitCode" : NULL, exit_code, NULL);
                return;
        }
        /* dockerd writes the entrypoint, a space and the arguments joined
         * with spaces: "exec_create: true " for a bare "true". */
        out = open_memstream(&full, &len);
        if (!out) {
                log_error("Failed to record the event \"%s\" of container %s: out of memory", action, c->id);
                return;
        }
        fprintf(out, "%s: %s ", action, cmd[0]);
        for (size_t i = 1; cmd[i]; i++)
                fprintf(out, "%s%s", i > 1 ? " " : "", cmd[i]);
        if (fclose(out) != 0) {
                log_error("Failed to record the event \"%s\" of container %s: out of memory", action, c->id);
                return;
        }
        engine_event_container(e, c, full, "execID", exec_id, NULL);
}

void engine_image_event(const char *action, const char *id, const char *name, json_object *labels, void *userdata)
{
        _cleanup_strv_free_ char **pairs = NULL;
        int r = 0;

        /* The image's labels, then "name", as dockerd's LogImageEvent. */
        if (json_object_is_type(labels, json_type_object)) {
                json_object_object_foreach (labels, key, value) {
                        if (r >= 0)
                                r = strv_append(&pairs, key);
                        if (r >= 0)
                                r = strv_append(&pairs, json_object_get_string(value) ?: "");
                }
        }
        if (r >= 0)
                r = strv_append(&pairs, "name");
        if (r >= 0)
                r = strv_append(&pairs, name);
        if (r < 0) {
                log_error("Failed to record the image event \"%s\" of %s: out of memory", action, id);
                return;
        }
        engine_event_emit(userdata, "image", action, id, pairs);
}
