/* SPDX-License-Identifier: Apache-2.0 */
#include "container.h"

#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "health.h"
#include "image/image.h"
#include "jsonutil.h"
#include "mounts.h"
#include "signals.h"
#include "strv.h"
#include "timeutil.h"

static const char *const status_names[_CONTAINER_STATUS_MAX] = {
        [CONTAINER_CREATED] = "created",   [CONTAINER_RUNNING] = "running",
        [CONTAINER_PAUSED] = "paused",     [CONTAINER_RESTARTING] = "restarting",
        [CONTAINER_REMOVING] = "removing", [CONTAINER_EXITED] = "exited",
        [CONTAINER_DEAD] = "dead",
};

const char *container_status_to_string(enum container_status status)
{
        if (status < 0 || status >= _CONTAINER_STATUS_MAX)
                return "dead";
        return status_names[status];
}

int container_status_from_string(const char *s)
{
        for (int i = 0; i < _CONTAINER_STATUS_MAX; i++)
                if (streq(s, status_names[i]))
                        return i;
        return -EINVAL;
}

struct container *container_new(void)
{
        struct container *c = calloc(1, sizeof(*c));
        pthread_condattr_t attr;

        if (!c)
                return NULL;
        pthread_mutex_init(&c->op_lock, NULL);
        pthread_mutex_init(&c->lock, NULL);
        /* Waits compute their deadlines on the monotonic clock. */
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&c->changed, &attr);
        pthread_condattr_destroy(&attr);
        c->refcount = 1;
        return c;
}

struct container *container_ref(struct container *c)
{
        if (c)
                __atomic_add_fetch(&c->refcount, 1, __ATOMIC_SEQ_CST);
        return c;
}

void container_unref(struct container *c)
{
        if (!c || __atomic_sub_fetch(&c->refcount, 1, __ATOMIC_SEQ_CST) > 0)
                return;

        free(c->image_id);
        free(c->name);
        json_object_put(c->config);
        json_object_put(c->host_config);
        json_object_put(c->mounts);
        json_object_put(c->networks);
        free(c->path);
        strv_free(c->args);
        free(c->pool);
        free(c->state.error);
        health_free(c->state.health);
        image_unref(c->image);
        pthread_mutex_destroy(&c->op_lock);
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->changed);
        free(c);
}

bool container_is_running(const struct container *c)
{
        return c->state.status == CONTAINER_RUNNING || c->state.status == CONTAINER_PAUSED;
}

const char *container_short_id(const struct container *c, char *buf)
{
        memcpy(buf, c->id, ID_SHORT_LENGTH);
        buf[ID_SHORT_LENGTH] = '\0';
        return buf;
}

void container_state_set_error(struct container_state *state, const char *message)
{
        free(state->error);
        state->error = message && *message ? strdup(message) : NULL;
}

static void add_time(json_object *obj, const char *key, int64_t ns)
{
        char buf[TIMEUTIL_RFC3339_MAX];

        json_object_object_add(obj, key, json_object_new_string(timeutil_format_rfc3339(ns, buf, sizeof(buf))));
}

json_object *container_definition_to_json(const struct container *c)
{
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "Id", json_object_new_string(c->id));
        add_time(obj, "Created", c->created_ns);
        json_object_object_add(obj, "Name", json_object_new_string(c->name));
        json_object_object_add(obj, "ImageID", json_object_new_string(c->image_id));
        json_object_object_add(obj, "Path", json_object_new_string(c->path ? c->path : ""));
        json_object_object_add(obj, "Args", json_array_from_strv(c->args) ?: json_object_new_array());
        json_object_object_add(obj, "Pool", json_string_or_null(c->pool));
        json_object_object_add(obj, "Config", json_object_get(c->config));
        json_object_object_add(obj, "HostConfig", json_object_get(c->host_config));
        json_object_object_add(obj, "MountPoints", json_object_get(c->mounts));
        json_object_object_add(obj, "Networks", json_object_get(c->networks));
        return obj;
}

json_object *container_state_to_json(const struct container_state *state)
{
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "Status", json_object_new_string(container_status_to_string(state->status)));
        json_object_object_add(obj, "Pid", json_object_new_int(state->pid));
        json_object_object_add(obj, "ExitCode", json_object_new_int(state->exit_code));
        json_object_object_add(obj, "Error", json_object_new_string(state->error ? state->error : ""));
        add_time(obj, "StartedAt", state->started_ns);
        add_time(obj, "FinishedAt", state->finished_ns);
        json_object_object_add(obj, "OOMKilled", json_object_new_boolean(state->oom_killed));
        json_object_object_add(obj, "RestartCount", json_object_new_int(state->restart_count));
        json_object_object_add(obj, "StoppedByUser", json_object_new_boolean(state->stopped_by_user));
        if (state->health)
                json_object_object_add(obj, "Health", health_to_json(state->health));
        return obj;
}

static int64_t parse_time_field(json_object *obj, const char *key)
{
        int64_t ns = 0;

        if (timeutil_parse_rfc3339(json_field_string(obj, key, ""), &ns) < 0)
                return 0;
        return ns;
}

int container_state_from_json(json_object *obj, struct container_state *state)
{
        int status = container_status_from_string(json_field_string(obj, "Status", ""));

        if (status < 0)
                return -EINVAL;
        state->status = status;
        state->pid = (pid_t)json_field_int(obj, "Pid", 0);
        state->exit_code = (int)json_field_int(obj, "ExitCode", 0);
        container_state_set_error(state, json_field_string(obj, "Error", NULL));
        state->started_ns = parse_time_field(obj, "StartedAt");
        state->finished_ns = parse_time_field(obj, "FinishedAt");
        state->oom_killed = json_field_bool(obj, "OOMKilled", false);
        state->restart_count = (int)json_field_int(obj, "RestartCount", 0);
        state->stopped_by_user = json_field_bool(obj, "StoppedByUser", false);
        health_free(state->health);
        state->health = health_from_json(json_field_object(obj, "Health"));
        return 0;
}

static int copy_string_field(json_object *obj, const char *key, char **ret)
{
        const char *value = json_field_string(obj, key, NULL);

        if (!value)
                return -EINVAL;
        *ret = strdup(value);
        return *ret ? 0 : -ENOMEM;
}

int container_from_json(json_object *definition, json_object *state, struct container **ret)
{
        _cleanup_container_ struct container *c = container_new();
        const char *id = json_field_string(definition, "Id", "");
        const char *pool = json_field_string(definition, "Pool", NULL);
        int r;

        if (!c)
                return -ENOMEM;
        if (!id_is_hex(id, ID_LENGTH))
                return -EINVAL;
        memcpy(c->id, id, ID_LENGTH + 1);

        c->created_ns = parse_time_field(definition, "Created");
        r = copy_string_field(definition, "Name", &c->name);
        if (r < 0)
                return r;
        r = copy_string_field(definition, "ImageID", &c->image_id);
        if (r < 0)
                return r;
        r = copy_string_field(definition, "Path", &c->path);
        if (r < 0)
                return r;
        r = json_array_to_strv(json_field_array(definition, "Args"), &c->args);
        if (r < 0)
                return r;
        if (pool && !(c->pool = strdup(pool)))
                return -ENOMEM;

        c->config = json_object_get(json_field_object(definition, "Config"));
        c->host_config = json_object_get(json_field_object(definition, "HostConfig"));
        if (!c->config || !c->host_config)
                return -EINVAL;
        /* Containers stored before mount points were kept have the binds
         * of HostConfig.Binds only. */
        c->mounts = json_object_get(json_field_array(definition, "MountPoints"));
        if (!c->mounts)
                c->mounts = mounts_from_legacy_binds(c->host_config);
        /* Containers stored before networks were kept have none; their
         * start connects them as the network mode says. */
        c->networks = json_object_get(json_field_object(definition, "Networks"));

        if (state) {
                r = container_state_from_json(state, &c->state);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

bool container_tty(const struct container *c)
{
        return json_field_bool(c->config, "Tty", false);
}

bool container_open_stdin(const struct container *c)
{
        return json_field_bool(c->config, "OpenStdin", false);
}

bool container_auto_remove(const struct container *c)
{
        return json_field_bool(c->host_config, "AutoRemove", false);
}

int container_stop_signal(const struct container *c)
{
        const char *name = json_field_string(c->config, "StopSignal", NULL);
        int sig;

        if (isempty(name))
                return SIGTERM;
        sig = signal_from_string(name);
        return sig > 0 ? sig : SIGTERM;
}

int container_stop_timeout(const struct container *c)
{
        return (int)json_field_int(c->config, "StopTimeout", -1);
}
