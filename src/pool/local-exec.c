/* SPDX-License-Identifier: Apache-2.0 */
/* docker exec on the local backend: the container's monitor starts the
 * process and serves its client ("exec" in runtime/monitor/proto.h). */
#include <time.h>

#include "engine/engine.h"
#include "engine/exec.h"
#include "jsonutil.h"
#include "local-internal.h"
#include "log.h"
#include "runtime/monitor/proto.h"
#include "strv.h"
#include "timeutil.h"

/* How long a sync waits for the monitor's reply. A monitor that does not
 * reply within it is busy or gone; the caller then goes on with what the
 * engine has. */
#define SYNC_TIMEOUT_MS 2000

static int check_supported(struct container *c, struct error *err)
{
        struct local_container *lc;
        bool unsupported;

        pthread_mutex_lock(&c->lock);
        lc = c->backend_data;
        unsupported = lc && lc->exec_unsupported;
        pthread_mutex_unlock(&c->lock);
        if (unsupported)
                return error_set(err, -EOPNOTSUPP,
                                 "the monitor of container %s was started by an older sockerlessd without exec "
                                 "support; restart the container to exec in it",
                                 c->id);
        return 0;
}

static json_object *exec_message(const struct backend_exec *exec)
{
        struct attach_request *client = exec->client;
        struct monitor_exec_request r = {
                .id = (char *)exec->id,
                .args = (char **)exec->cmd,
                .env = (char **)exec->env,
                .cwd = (char *)exec->working_dir,
                .user = (char *)exec->user,
                .tty = exec->tty,
                .raw = exec->raw,
                .privileged = exec->privileged,
                .attach_stdin = exec->attach_stdin,
                .attach_stdout = exec->attach_stdout,
                .attach_stderr = exec->attach_stderr,
                .detach_keys = (char *)exec->detach_keys,
                .pending = client ? client->pending : NULL,
                .pending_len = client ? client->pending_len : 0,
        };

        return monitor_exec_request_to_json(&r);
}

int local_exec_start(struct backend *b, struct container *c, const struct backend_exec *exec, struct error *err)
{
        _cleanup_(attach_request_freep) struct attach_request *client = exec->client;
        _cleanup_json_ json_object *msg = NULL;
        int r;

        r = check_supported(c, err);
        if (r < 0)
                return r;
        msg = exec_message(exec);
        if (!msg)
                return -ENOMEM;

        /* The monitor receives its own copy of the client's fd; ours closes. */
        r = local_send(c, msg, client ? &client->fd : NULL, client ? 1 : 0);
        if (r == -ESRCH)
                return error_set(err, -EBUSY, "Container %s is not running", c->id);
        if (r == -EMSGSIZE)
                return error_set(err, -EINVAL,
                                 "the command and environment of the exec exceed the %d bytes a message to the "
                                 "container's monitor may have",
                                 MONITOR_PROTO_MAX_PACKET);
        if (r < 0)
                return error_set_errno(err, r, "passing exec %s to the monitor of container %s failed", exec->id,
                                       c->id);
        return 0;
}

int local_exec_resize(struct backend *b, struct container *c, const char *exec_id, unsigned height, unsigned width,
                      struct error *err)
{
        _cleanup_json_ json_object *msg = json_object_new_object();
        int r;

        if (!msg)
                return -ENOMEM;
        json_object_object_add(msg, "type", json_object_new_string("resize"));
        json_object_object_add(msg, "exec", json_object_new_string(exec_id));
        json_object_object_add(msg, "height", json_object_new_int((int)height));
        json_object_object_add(msg, "width", json_object_new_int((int)width));
        r = local_send(c, msg, NULL, 0);
        if (r == -ESRCH)
                return 0;
        if (r < 0)
                return error_set_errno(err, r, "resizing the terminal of exec %s failed", exec_id);
        return 0;
}

/* The monitor replies to "sync" on the connection the events thread reads,
 * after every message it sent before. So once the events thread has read
 * the reply, it has handled those too. A monitor that has exited sends no
 * reply, but then the events thread closing the connection means the same. */
void local_sync(struct backend *b, struct container *c)
{
        _cleanup_json_ json_object *msg = json_object_new_object();
        struct local_container *lc;
        struct timespec deadline;
        uint64_t seq;
        bool sent;

        pthread_mutex_lock(&c->lock);
        lc = c->backend_data;
        seq = lc ? ++lc->sync_sent : 0;
        pthread_mutex_unlock(&c->lock);
        if (!lc || !msg)
                return;

        json_object_object_add(msg, "type", json_object_new_string("sync"));
        json_object_object_add(msg, "seq", json_object_new_int64((int64_t)seq));
        sent = local_send(c, msg, NULL, 0) >= 0;

        timeutil_monotonic_deadline(&deadline, SYNC_TIMEOUT_MS);
        pthread_mutex_lock(&c->lock);
        for (;;) {
                lc = c->backend_data;
                if (!lc || lc->control_fd < 0 || (sent && lc->sync_done >= seq))
                        break;
                if (pthread_cond_timedwait(&c->changed, &c->lock, &deadline) == ETIMEDOUT) {
                        log_warn("The monitor of container %s did not reply to a sync within %d ms", c->id,
                                 SYNC_TIMEOUT_MS);
                        break;
                }
        }
        pthread_mutex_unlock(&c->lock);
}

/* The settings an "exec-started" carries, for an exec the daemon does not
 * know yet (it ran before the daemon started). */
static int learned_config(json_object *msg, struct exec_config *ret)
{
        struct exec_config config = {
                .tty = json_field_bool(msg, "tty", false),
                .privileged = json_field_bool(msg, "privileged", false),
                .attach_stdin = json_field_bool(msg, "stdin", false),
                .attach_stdout = json_field_bool(msg, "stdout", false),
                .attach_stderr = json_field_bool(msg, "stderr", false),
        };
        const char *user = json_field_string(msg, "user", NULL);
        const char *keys = json_field_string(msg, "detach_keys", NULL);

        if (json_array_to_strv(json_field_array(msg, "args"), &config.cmd) < 0 || !config.cmd || !config.cmd[0] ||
            (!isempty(user) && !(config.user = strdup(user))) ||
            (!isempty(keys) && !(config.detach_keys = strdup(keys)))) {
                exec_config_clear(&config);
                return -EINVAL;
        }
        *ret = config;
        return 0;
}

static void handle_started(struct local_backend *lb, struct container *c, json_object *msg)
{
        struct exec_config learned = {};
        const char *id = json_field_string(msg, "id", "");
        pid_t pid = (pid_t)json_field_int(msg, "pid", 0);

        if (learned_config(msg, &learned) < 0) {
                log_warn("Ignoring a malformed \"exec-started\" from the monitor of container %s", c->id);
                return;
        }
        engine_exec_started(lb->base.engine, c, id, pid, &learned);
}

static void handle_exited(struct local_backend *lb, struct container *c, json_object *msg)
{
        const char *id = json_field_string(msg, "id", "");
        const char *error = json_field_string(msg, "error", NULL);
        int exit_code = (int)json_field_int(msg, "exit_code", 126);

        engine_exec_exited(lb->base.engine, c, id, exit_code, isempty(error) ? NULL : error);
}

static void handle_synced(struct container *c, json_object *msg)
{
        int64_t seq = json_field_int(msg, "seq", 0);
        struct local_container *lc;

        pthread_mutex_lock(&c->lock);
        lc = c->backend_data;
        if (lc && seq > 0 && (uint64_t)seq > lc->sync_done)
                lc->sync_done = (uint64_t)seq;
        engine_container_notify(c);
        pthread_mutex_unlock(&c->lock);
}

bool local_exec_handle_message(struct local_backend *lb, struct container *c, json_object *msg)
{
        const char *type = monitor_proto_type(msg);

        if (streq(type, "exec-started"))
                handle_started(lb, c, msg);
        else if (streq(type, "exec-exited"))
                handle_exited(lb, c, msg);
        else if (streq(type, "synced"))
                handle_synced(c, msg);
        else
                return false;
        return true;
}
