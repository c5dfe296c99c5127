/* SPDX-License-Identifier: Apache-2.0 */
/* The container JSON of inspect and list, as dockerd shows it. */
#include <stdio.h>

#include "api.h"
#include "engine/mounts.h"
#include "engine/exec.h"
#include "engine/health.h"
#include "fsutil.h"
#include "engine/network.h"
#include "jsonutil.h"
#include "pool/backend.h"
#include "strv.h"
#include "timeutil.h"

static void add_string(json_object *obj, const char *key, const char *value)
{
        json_object_object_add(obj, key, json_object_new_string(value ? value : ""));
}

static void add_time(json_object *obj, const char *key, int64_t ns)
{
        char buf[TIMEUTIL_RFC3339_MAX];

        add_string(obj, key, timeutil_format_rfc3339(ns, buf, sizeof(buf)));
}

/* Docker's State.Running, which a container waiting for its restart has. */
static bool docker_running(const struct container_state *s)
{
        return s->status == CONTAINER_RUNNING || s->status == CONTAINER_PAUSED || s->status == CONTAINER_RESTARTING;
}

static json_object *state_json(const struct container_state *s)
{
        json_object *state = json_object_new_object();

        add_string(state, "Status", container_status_to_string(s->status));
        json_object_object_add(state, "Running", json_object_new_boolean(docker_running(s)));
        json_object_object_add(state, "Paused", json_object_new_boolean(s->status == CONTAINER_PAUSED));
        json_object_object_add(state, "Restarting", json_object_new_boolean(s->status == CONTAINER_RESTARTING));
        json_object_object_add(state, "OOMKilled", json_object_new_boolean(s->oom_killed));
        json_object_object_add(state, "Dead", json_object_new_boolean(s->status == CONTAINER_DEAD));
        json_object_object_add(state, "Pid", json_object_new_int(s->pid));
        json_object_object_add(state, "ExitCode", json_object_new_int(s->exit_code));
        add_string(state, "Error", s->error);
        add_time(state, "StartedAt", s->started_ns);
        add_time(state, "FinishedAt", s->finished_ns);
        if (s->health)
                json_object_object_add(state, "Health", health_to_json(s->health));
        return state;
}

static json_object *graph_driver_json(struct daemon *d, struct container *c)
{
        json_object *gd = json_object_new_object(), *data = json_object_new_object();
        _cleanup_free_ char *dir = engine_container_data_dir(d->engine, c);
        _cleanup_free_ char *upper = dir ? fs_path_join(dir, "upper") : NULL;
        _cleanup_free_ char *work = dir ? fs_path_join(dir, "work") : NULL;

        add_string(data, "UpperDir", upper);
        add_string(data, "WorkDir", work);
        json_object_object_add(gd, "Data", data);
        add_string(gd, "Name", "overlay2");
        return gd;
}

/* Returns dir/name as a JSON string, or "" before the first start (dockerd
 * creates these files at start). */
static json_object *path_or_empty(bool started, const char *dir, const char *name)
{
        _cleanup_free_ char *path = started && dir ? fs_path_join(dir, name) : NULL;

        return json_object_new_string(path ? path : "");
}

/* The execs of c that have not ended, or null without any, as dockerd
 * lists them. */
static json_object *exec_ids_json(struct daemon *d, struct container *c)
{
        _cleanup_strv_free_ char **ids = engine_exec_ids(d->engine, c);

        return json_array_from_strv(ids);
}

/* dockerd shows no LogPath for the local driver, whose files are its own
 * format, nor for the none driver, which has no file. */
static const char *shown_log_path(struct container *c, const char *log_path)
{
        const char *type = json_field_string(json_field_object(c->host_config, "LogConfig"), "Type", "json-file");

        return log_path && !streq(type, "local") ? log_path : "";
}

json_object *api_container_inspect_json(struct daemon *d, struct container *c)
{
        json_object *obj = json_object_new_object();
        _cleanup_free_ char *etc_dir = engine_container_etc_dir(d->engine, c);
        _cleanup_free_ char *log_path = c->backend->ops->log_path(c->backend, c);
        char image[80];
        bool started = c->state.started_ns != 0 || c->state.status != CONTAINER_CREATED;

        snprintf(image, sizeof(image), "sha256:%s", c->image_id);
        add_string(obj, "Id", c->id);
        add_time(obj, "Created", c->created_ns);
        add_string(obj, "Path", c->path);
        json_object_object_add(obj, "Args", json_array_from_strv(c->args) ?: json_object_new_array());
        json_object_object_add(obj, "State", state_json(&c->state));
        add_string(obj, "Image", image);
        json_object_object_add(obj, "ResolvConfPath", path_or_empty(started, etc_dir, "resolv.conf"));
        json_object_object_add(obj, "HostnamePath", path_or_empty(started, etc_dir, "hostname"));
        json_object_object_add(obj, "HostsPath", path_or_empty(started, etc_dir, "hosts"));
        add_string(obj, "LogPath", started ? shown_log_path(c, log_path) : "");
        add_string(obj, "Name", c->name);
        json_object_object_add(obj, "RestartCount", json_object_new_int(c->state.restart_count));
        add_string(obj, "Driver", "overlay2");
        add_string(obj, "Platform", "linux");
        add_string(obj, "MountLabel", "");
        add_string(obj, "ProcessLabel", "");
        add_string(obj, "AppArmorProfile", "");
        json_object_object_add(obj, "ExecIDs", exec_ids_json(d, c));
        json_object_object_add(obj, "HostConfig", json_object_get(c->host_config));
        json_object_object_add(obj, "GraphDriver", graph_driver_json(d, c));
        json_object_object_add(obj, "Mounts", mounts_to_json(c->mounts));
        json_object_object_add(obj, "Config", json_object_get(c->config));
        json_object_object_add(obj, "NetworkSettings", network_container_settings_json(d->engine, c));
        return obj;
}

/* Docker's Command column: the path and arguments, an argument with a
 * space in single quotes. */
static char *command_string(struct container *c)
{
        size_t size = strlen(c->path) + 1;
        char *text, *end;

        STRV_FOREACH (a, c->args)
                size += strlen(*a) + 3;
        text = malloc(size);
        if (!text)
                return NULL;
        end = stpcpy(text, c->path);
        STRV_FOREACH (a, c->args) {
                bool quote = strchr(*a, ' ') != NULL;

                *end++ = ' ';
                if (quote)
                        *end++ = '\'';
                end = stpcpy(end, *a);
                if (quote)
                        *end++ = '\'';
        }
        *end = '\0';
        return text;
}

/* Docker's human-readable durations (go-units HumanDuration). */
static void human_duration(int64_t seconds, char *buf, size_t size)
{
        int64_t minutes = seconds / 60, hours = minutes / 60;

        if (seconds < 1)
                snprintf(buf, size, "Less than a second");
        else if (seconds == 1)
                snprintf(buf, size, "1 second");
        else if (seconds < 60)
                snprintf(buf, size, "%lld seconds", (long long)seconds);
        else if (minutes == 1)
                snprintf(buf, size, "About a minute");
        else if (minutes < 60)
                snprintf(buf, size, "%lld minutes", (long long)minutes);
        else if (hours < 2)
                snprintf(buf, size, "About an hour");
        else if (hours < 48)
                snprintf(buf, size, "%lld hours", (long long)hours);
        else if (hours < 24 * 7 * 2)
                snprintf(buf, size, "%lld days", (long long)(hours / 24));
        else if (hours < 24 * 30 * 2)
                snprintf(buf, size, "%lld weeks", (long long)(hours / 24 / 7));
        else if (hours < 24 * 365 * 2)
                snprintf(buf, size, "%lld months", (long long)(hours / 24 / 30));
        else
                snprintf(buf, size, "%lld years", (long long)(hours / 24 / 365));
}

void api_container_status_text(const struct container_state *s, char *buf, size_t size)
{
        int64_t now = timeutil_now_ns();
        char duration[64];

        switch (s->status) {
        case CONTAINER_RUNNING:
        case CONTAINER_PAUSED:
                human_duration((now - s->started_ns) / 1000000000, duration, sizeof(duration));
                if (s->status == CONTAINER_PAUSED)
                        snprintf(buf, size, "Up %s (Paused)", duration);
                else if (s->health)
                        snprintf(buf, size, "Up %s (%s)", duration, health_status_text(s->health->status));
                else
                        snprintf(buf, size, "Up %s", duration);
                return;
        case CONTAINER_RESTARTING:
                human_duration((now - s->finished_ns) / 1000000000, duration, sizeof(duration));
                snprintf(buf, size, "Restarting (%d) %s ago", s->exit_code, duration);
                return;
        case CONTAINER_REMOVING:
                snprintf(buf, size, "Removal In Progress");
                return;
        case CONTAINER_DEAD:
                snprintf(buf, size, "Dead");
                return;
        case CONTAINER_CREATED:
                snprintf(buf, size, "Created");
                return;
        default:
                if (s->finished_ns == 0) {
                        snprintf(buf, size, "Exited (%d)", s->exit_code);
                        return;
                }
                human_duration((now - s->finished_ns) / 1000000000, duration, sizeof(duration));
                snprintf(buf, size, "Exited (%d) %s ago", s->exit_code, duration);
        }
}

/* The Ports of docker ps from NetworkSettings.Ports: one entry per host
 * binding, or one without IP and PublicPort for a port only exposed. */
static json_object *summary_ports(json_object *ports)
{
        json_object *list = json_object_new_array();

        if (!ports)
                return list;
        json_object_object_foreach (ports, key, bindings) {
                unsigned port = 0;
                char proto[16] = "tcp";

                if (sscanf(key, "%u/%15s", &port, proto) < 1)
                        continue;
                for (size_t i = 0; i == 0 || i < (bindings ? json_object_array_length(bindings) : 0); i++) {
                        json_object *b = bindings ? json_object_array_get_idx(bindings, i) : NULL;
                        json_object *entry = json_object_new_object();

                        if (b) {
                                add_string(entry, "IP", json_field_string(b, "HostIp", ""));
                                json_object_object_add(entry, "PrivatePort", json_object_new_int((int)port));
                                json_object_object_add(
                                        entry, "PublicPort",
                                        json_object_new_int(atoi(json_field_string(b, "HostPort", "0"))));
                        } else {
                                json_object_object_add(entry, "PrivatePort", json_object_new_int((int)port));
                        }
                        add_string(entry, "Type", proto);
                        json_object_array_add(list, entry);
                        if (!bindings)
                                break;
                }
        }
        return list;
}

json_object *api_container_summary_json(struct daemon *d, struct container *c)
{
        json_object *obj = json_object_new_object(), *names = json_object_new_array();
        json_object *host_config = json_object_new_object(), *network_settings = json_object_new_object();
        _cleanup_free_ char *command = command_string(c);
        json_object *labels = json_field_object(c->config, "Labels");
        json_object *settings;
        char image_id[80], status[128];

        snprintf(image_id, sizeof(image_id), "sha256:%s", c->image_id);
        api_container_status_text(&c->state, status, sizeof(status));
        json_object_array_add(names, json_object_new_string(c->name));
        add_string(host_config, "NetworkMode", json_field_string(c->host_config, "NetworkMode", "default"));
        settings = network_container_settings_json(d->engine, c);
        json_object_object_add(network_settings, "Networks",
                               json_object_get(json_object_object_get(settings, "Networks")));

        add_string(obj, "Id", c->id);
        json_object_object_add(obj, "Names", names);
        add_string(obj, "Image", json_field_string(c->config, "Image", ""));
        add_string(obj, "ImageID", image_id);
        add_string(obj, "Command", command);
        json_object_object_add(obj, "Created", json_object_new_int64(c->created_ns / 1000000000));
        json_object_object_add(obj, "Ports", summary_ports(json_object_object_get(settings, "Ports")));
        json_object_put(settings);
        json_object_object_add(obj, "Labels", labels ? json_object_get(labels) : json_object_new_object());
        add_string(obj, "State", container_status_to_string(c->state.status));
        add_string(obj, "Status", status);
        json_object_object_add(obj, "HostConfig", host_config);
        json_object_object_add(obj, "NetworkSettings", network_settings);
        json_object_object_add(obj, "Mounts", mounts_to_json(c->mounts));
        return obj;
}
