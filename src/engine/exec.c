/* SPDX-License-Identifier: Apache-2.0 */
/* Execs: the table of them, their start and resize through the
 * container's backend, and what backends report about them. */
#include "exec.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "base64.h"
#include "engine-internal.h"
#include "jsonutil.h"
#include "log.h"
#include "ocispec.h"
#include "pool/backend.h"
#include "runtime/monitor/detachkeys.h"
#include "strv.h"
#include "timeutil.h"

/* An ended exec stays inspectable this long. dockerd removes them in a
 * sweep every 5 minutes, so 5 to 10 minutes after their end. This table
 * removes them when an exec is created 5 minutes after their end. */
#define EXEC_KEEP_NS (INT64_C(300) * 1000000000)

/* How long a detached start waits for the backend to report the process
 * running, as long as a container start may take. */
#define EXEC_START_TIMEOUT_MS (120 * 1000)

/* How long a resize waits for a start in progress, as dockerd waits. */
#define EXEC_RESIZE_WAIT_MS (10 * 1000)

/* The exit code of an exec whose end the backend never reported (its
 * container's monitor was lost), as for such a container. */
#define EXEC_EXIT_LOST 255

/* The exit code dockerd gives an exec that failed to start for a reason
 * its backend did not report. */
#define EXEC_EXIT_FAILED 126

/* Every exec, and the lock that guards the table and each exec's status. */
struct exec_table {
        pthread_mutex_t lock;
        pthread_cond_t changed; /* broadcast on every change of an exec's status */
        struct exec **execs;
        size_t n;
        size_t allocated;
};

int exec_table_new(struct exec_table **ret)
{
        struct exec_table *t = calloc(1, sizeof(*t));
        pthread_condattr_t attr;

        if (!t)
                return -ENOMEM;
        pthread_mutex_init(&t->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&t->changed, &attr);
        pthread_condattr_destroy(&attr);
        *ret = t;
        return 0;
}

void exec_table_free(struct exec_table *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n; i++)
                exec_unref(t->execs[i]);
        free(t->execs);
        pthread_cond_destroy(&t->changed);
        pthread_mutex_destroy(&t->lock);
        free(t);
}

struct exec *exec_ref(struct exec *x)
{
        if (x)
                __atomic_add_fetch(&x->refcount, 1, __ATOMIC_SEQ_CST);
        return x;
}

void exec_unref(struct exec *x)
{
        if (!x || __atomic_sub_fetch(&x->refcount, 1, __ATOMIC_SEQ_CST) > 0)
                return;
        container_unref(x->container);
        exec_config_clear(&x->config);
        free(x->error);
        free(x);
}

/* ---- The table; call with its lock held ---- */

static int table_add(struct exec_table *t, struct exec *x)
{
        if (t->n == t->allocated) {
                size_t allocated = MAX(t->allocated * 2, (size_t)16);
                struct exec **grown = realloc(t->execs, allocated * sizeof(*grown));

                if (!grown)
                        return -ENOMEM;
                t->execs = grown;
                t->allocated = allocated;
        }
        t->execs[t->n++] = exec_ref(x);
        return 0;
}

static void table_remove_at(struct exec_table *t, size_t i)
{
        struct exec *x = t->execs[i];

        memmove(&t->execs[i], &t->execs[i + 1], (t->n - i - 1) * sizeof(*t->execs));
        t->n--;
        exec_unref(x);
}

static struct exec *table_find(struct exec_table *t, const char *id)
{
        for (size_t i = 0; i < t->n; i++)
                if (streq(t->execs[i]->id, id))
                        return t->execs[i];
        return NULL;
}

static void table_remove_expired(struct exec_table *t, int64_t now_mono)
{
        for (size_t i = 0; i < t->n;) {
                struct exec *x = t->execs[i];

                if (x->status == EXEC_EXITED && now_mono - x->exited_ns >= EXEC_KEEP_NS) {
                        table_remove_at(t, i);
                        continue;
                }
                i++;
        }
}

static void set_exited(struct exec_table *t, struct exec *x, int exit_code, const char *error)
{
        x->status = EXEC_EXITED;
        x->exit_code = exit_code;
        free(x->error);
        x->error = error ? strdup(error) : NULL;
        x->exited_ns = timeutil_monotonic_ns();
        pthread_cond_broadcast(&t->changed);
}

/* Waits on the table's condition until pred is true or timeout_ms passes. */
static bool wait_until(struct exec_table *t, bool (*pred)(const struct exec *x), const struct exec *x, int timeout_ms)
{
        struct timespec deadline;
        int64_t ns;

        ns = timeutil_monotonic_ns() + (int64_t)timeout_ms * 1000000;
        deadline = (struct timespec){ .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
        while (!pred(x))
                if (pthread_cond_timedwait(&t->changed, &t->lock, &deadline) == ETIMEDOUT)
                        return pred(x);
        return true;
}

/* ---- Create and find ---- */

/* dockerd's checks of getActiveContainer. Call with c->lock held. */
static int check_active(struct container *c, const char *name, struct error *err)
{
        switch (c->state.status) {
        case CONTAINER_RUNNING:
                return 0;
        case CONTAINER_PAUSED:
                return error_set(err, -EBUSY, "Container %s is paused, unpause the container before exec", name);
        case CONTAINER_RESTARTING:
                return error_set(err, -EBUSY, "Container %s is restarting, wait until the container is running", c->id);
        default:
                return error_set(err, -EBUSY, "Container %s is not running", c->id);
        }
}

static int strdup_nonempty(const char *s, char **ret)
{
        if (isempty(s))
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* The container's User and WorkingDir when the request gives none, as
 * dockerd records them at create. Call with c->lock held. */
static int apply_defaults(struct container *c, struct exec_config *config)
{
        int r = 0;

        if (!config->user)
                r = strdup_nonempty(json_field_string(c->config, "User", NULL), &config->user);
        if (r >= 0 && !config->working_dir)
                r = strdup_nonempty(json_field_string(c->config, "WorkingDir", NULL), &config->working_dir);
        return r;
}

int engine_exec_create(struct engine *e, struct container *c, const char *name, struct exec_config *config,
                       struct exec **ret, struct error *err)
{
        _cleanup_exec_ struct exec *x = NULL;
        struct monitor_detach_keys keys;
        int r;

        pthread_mutex_lock(&c->lock);
        r = check_active(c, name, err);
        if (r >= 0)
                r = apply_defaults(c, config);
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;
        if (monitor_detach_keys_parse(config->detach_keys, &keys, NULL) < 0)
                return error_set(err, -EIO, "Invalid escape keys (%s) provided", config->detach_keys);

        x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        x->refcount = 1;
        r = id_generate(x->id);
        if (r < 0)
                return error_set_errno(err, r, "generating an exec ID failed");
        x->container = container_ref(c);
        x->config = *config;
        *config = (struct exec_config){};
        x->status = EXEC_CREATED;

        pthread_mutex_lock(&e->execs->lock);
        table_remove_expired(e->execs, timeutil_monotonic_ns());
        r = table_add(e->execs, x);
        pthread_mutex_unlock(&e->execs->lock);
        if (r < 0)
                return r;
        engine_event_exec(e, c, "exec_create", x->id, x->config.cmd, NULL);
        log_debug("Exec %s created in container %s: %s", x->id, c->id, x->config.cmd[0]);
        *ret = TAKE_PTR(x);
        return 0;
}

int engine_exec_find(struct engine *e, const char *id, struct exec **ret, struct error *err)
{
        struct exec *x;

        pthread_mutex_lock(&e->execs->lock);
        x = exec_ref(table_find(e->execs, id));
        pthread_mutex_unlock(&e->execs->lock);
        if (!x)
                return error_set(err, -ENOENT, "No such exec instance: %s", id);
        *ret = x;
        return 0;
}

/* ---- Start ---- */

static int claim_start(struct exec_table *t, struct exec *x, struct error *err)
{
        int r = 0;

        pthread_mutex_lock(&t->lock);
        if (x->status == EXEC_EXITED)
                r = error_set(err, -EBUSY, "Error: Exec command %s has already run", x->id);
        else if (x->status != EXEC_CREATED)
                r = error_set(err, -EBUSY, "Error: Exec command %s is already running", x->id);
        else
                x->status = EXEC_STARTING;
        pthread_mutex_unlock(&t->lock);
        return r;
}

/* Fills what the backend runs, from x and its container. Call with the
 * container's lock held. */
static int build_request(struct exec *x, const struct exec_start_options *options, struct backend_exec *ret,
                         char ***ret_env, struct error *err)
{
        struct container *c = x->container;
        const char *cwd = x->config.working_dir;
        int r;

        r = check_active(c, c->id, err);
        if (r < 0)
                return r;
        /* The container's environment as dockerd builds it for an exec,
         * with TERM set for the exec's tty, then the exec's own. */
        *ret_env = ocispec_environment(c, x->config.tty);
        if (!*ret_env || exec_env_apply(ret_env, x->config.env) < 0)
                return -ENOMEM;
        *ret = (struct backend_exec){
                .id = x->id,
                .cmd = x->config.cmd,
                .env = *ret_env,
                .working_dir = cwd ? cwd : "/",
                .user = x->config.user,
                .tty = x->config.tty,
                .raw = options->tty,
                .privileged = x->config.privileged,
                .attach_stdin = x->config.attach_stdin,
                .attach_stdout = x->config.attach_stdout,
                .attach_stderr = x->config.attach_stderr,
                .detach_keys = x->config.detach_keys,
        };
        return 0;
}

static bool start_settled(const struct exec *x)
{
        return x->status != EXEC_STARTING;
}

/* dockerd returns 400 for a command that is missing or cannot be run,
 * which it recognizes by runc's texts, and 500 for any other failure. */
static int start_failure_code(const char *message)
{
        if (strstr(message, "executable file not found") || strstr(message, "no such file or directory") ||
            strstr(message, "permission denied"))
                return -EINVAL;
        return -EIO;
}

/* A detached start returns once the process runs, or with its failure. */
static int wait_started(struct exec_table *t, struct exec *x, struct error *err)
{
        int r = 0;

        pthread_mutex_lock(&t->lock);
        if (!wait_until(t, start_settled, x, EXEC_START_TIMEOUT_MS))
                r = error_set(err, -ETIMEDOUT, "exec %s did not start within %d s", x->id,
                              EXEC_START_TIMEOUT_MS / 1000);
        else if (x->status == EXEC_EXITED && x->error)
                r = error_set(err, start_failure_code(x->error), "%s", x->error);
        pthread_mutex_unlock(&t->lock);
        return r;
}

int engine_exec_start(struct engine *e, struct exec *x, const struct exec_start_options *options,
                      struct attach_request *client, struct error *err)
{
        _cleanup_(attach_request_freep) struct attach_request *owned = client;
        _cleanup_strv_free_ char **env = NULL;
        struct container *c = x->container;
        struct backend_exec request;
        int r;

        r = claim_start(e->execs, x, err);
        if (r < 0)
                return r;

        pthread_mutex_lock(&c->lock);
        r = build_request(x, options, &request, &env, err);
        pthread_mutex_unlock(&c->lock);
        if (r >= 0) {
                /* Before the start, as in dockerd, so it precedes exec_die. */
                engine_event_exec(e, c, "exec_start", x->id, x->config.cmd, NULL);
                request.client = TAKE_PTR(owned);
                r = c->backend->ops->exec_start(c->backend, c, &request, err);
        }

        pthread_mutex_lock(&e->execs->lock);
        if (r < 0 && x->status == EXEC_STARTING)
                set_exited(e->execs, x, EXEC_EXIT_FAILED, error_message(err, r));
        x->sent = r >= 0;
        pthread_cond_broadcast(&e->execs->changed);
        pthread_mutex_unlock(&e->execs->lock);
        if (r < 0)
                return r;

        log_info("Exec %s started in container %s: %s", x->id, c->id, x->config.cmd[0]);
        return options->detach ? wait_started(e->execs, x, err) : 0;
}

/* ---- Resize and sync ---- */

static bool resize_ready(const struct exec *x)
{
        return x->status == EXEC_EXITED || (x->status != EXEC_CREATED && x->sent);
}

int engine_exec_resize(struct engine *e, struct exec *x, unsigned height, unsigned width, struct error *err)
{
        struct container *c = x->container;
        bool ready, running;

        pthread_mutex_lock(&e->execs->lock);
        ready = wait_until(e->execs, resize_ready, x, EXEC_RESIZE_WAIT_MS);
        running = x->status != EXEC_EXITED;
        pthread_mutex_unlock(&e->execs->lock);

        if (!ready)
                return error_set(err, -EIO, "timeout waiting for exec session ready");
        if (!running || !x->config.tty)
                return 0;
        return c->backend->ops->exec_resize(c->backend, c, x->id, height, width, err);
}

void engine_exec_sync(struct engine *e, struct exec *x)
{
        bool active;

        pthread_mutex_lock(&e->execs->lock);
        active = x->status == EXEC_STARTING || x->status == EXEC_RUNNING;
        pthread_mutex_unlock(&e->execs->lock);
        if (active)
                x->container->backend->ops->sync(x->container->backend, x->container);
}

/* ---- Inspect ---- */

char **engine_exec_ids(struct engine *e, struct container *c)
{
        _cleanup_strv_free_ char **ids = NULL;
        int r = 0;

        pthread_mutex_lock(&e->execs->lock);
        for (size_t i = 0; i < e->execs->n && r >= 0; i++) {
                struct exec *x = e->execs->execs[i];

                if (x->container == c && x->status != EXEC_EXITED)
                        r = strv_append(&ids, x->id);
        }
        pthread_mutex_unlock(&e->execs->lock);
        return r < 0 ? NULL : TAKE_PTR(ids);
}

/* Docker's DetachKeys: the bytes of the keys, base64 as Go encodes a
 * []byte, "" without keys. */
static json_object *detach_keys_json(const char *spec)
{
        struct monitor_detach_keys keys;
        _cleanup_free_ char *encoded = NULL;

        if (isempty(spec) || monitor_detach_keys_parse(spec, &keys, NULL) < 0)
                return json_object_new_string("");
        encoded = base64_encode(keys.keys, keys.n);
        return json_object_new_string(encoded ? encoded : "");
}

static json_object *process_config_json(const struct exec *x)
{
        json_object *obj = json_object_new_object(), *args = json_object_new_array();

        for (size_t i = 1; x->config.cmd[i]; i++)
                json_object_array_add(args, json_object_new_string(x->config.cmd[i]));
        json_object_object_add(obj, "tty", json_object_new_boolean(x->config.tty));
        json_object_object_add(obj, "entrypoint", json_object_new_string(x->config.cmd[0]));
        json_object_object_add(obj, "arguments", args);
        json_object_object_add(obj, "privileged", json_object_new_boolean(x->config.privileged));
        if (x->config.user)
                json_object_object_add(obj, "user", json_object_new_string(x->config.user));
        return obj;
}

json_object *engine_exec_inspect_json(struct engine *e, struct exec *x)
{
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "ID", json_object_new_string(x->id));
        pthread_mutex_lock(&e->execs->lock);
        json_object_object_add(obj, "Running",
                               json_object_new_boolean(x->status == EXEC_STARTING || x->status == EXEC_RUNNING));
        json_object_object_add(obj, "ExitCode", x->status == EXEC_EXITED ? json_object_new_int(x->exit_code) : NULL);
        json_object_object_add(obj, "ProcessConfig", process_config_json(x));
        json_object_object_add(obj, "OpenStdin", json_object_new_boolean(x->config.attach_stdin));
        json_object_object_add(obj, "OpenStderr", json_object_new_boolean(x->config.attach_stderr));
        json_object_object_add(obj, "OpenStdout", json_object_new_boolean(x->config.attach_stdout));
        json_object_object_add(obj, "CanRemove", json_object_new_boolean(false));
        json_object_object_add(obj, "ContainerID", json_object_new_string(x->container->id));
        json_object_object_add(obj, "DetachKeys", detach_keys_json(x->config.detach_keys));
        json_object_object_add(obj, "Pid", json_object_new_int(x->pid));
        pthread_mutex_unlock(&e->execs->lock);
        return obj;
}

/* ---- Reports of backends ---- */

/* Records an exec the engine did not know, which runs since before the
 * daemon started. Call with the table's lock held. */
static void learn(struct exec_table *t, struct container *c, const char *id, pid_t pid, struct exec_config *learned)
{
        _cleanup_exec_ struct exec *x = calloc(1, sizeof(*x));

        if (!x || strlen(id) != ID_LENGTH || !learned->cmd || !learned->cmd[0])
                return;
        x->refcount = 1;
        memcpy(x->id, id, ID_LENGTH + 1);
        x->container = container_ref(c);
        x->config = *learned;
        *learned = (struct exec_config){};
        x->status = EXEC_RUNNING;
        x->sent = true;
        x->pid = pid;
        if (table_add(t, x) >= 0)
                log_info("Exec %s of container %s runs (pid %d)", id, c->id, (int)pid);
}

void engine_exec_started(struct engine *e, struct container *c, const char *id, pid_t pid, struct exec_config *learned)
{
        struct exec_table *t = e->execs;
        struct exec *x;

        pthread_mutex_lock(&t->lock);
        x = table_find(t, id);
        if (x && x->container == c && x->status != EXEC_EXITED) {
                x->status = EXEC_RUNNING;
                x->pid = pid;
                pthread_cond_broadcast(&t->changed);
        } else if (!x && learned)
                learn(t, c, id, pid, learned);
        pthread_mutex_unlock(&t->lock);
        if (learned)
                exec_config_clear(learned);
}

void engine_exec_exited(struct engine *e, struct container *c, const char *id, int exit_code, const char *error)
{
        struct exec_table *t = e->execs;
        struct exec *x;
        bool recorded = false;
        char code[16];

        pthread_mutex_lock(&t->lock);
        x = table_find(t, id);
        if (x && x->container == c && x->status != EXEC_EXITED) {
                set_exited(t, x, exit_code, error);
                recorded = true;
        }
        pthread_mutex_unlock(&t->lock);
        if (!recorded)
                return;
        if (error) {
                log_info("Exec %s in container %s failed to start: %s", id, c->id, error);
                return;
        }
        snprintf(code, sizeof(code), "%d", exit_code);
        engine_event_exec(e, c, "exec_die", id, NULL, code);
        log_info("Exec %s in container %s exited with code %d", id, c->id, exit_code);
}

/* ---- Container events ---- */

void engine_exec_container_exited(struct engine *e, struct container *c)
{
        struct exec_table *t = e->execs;

        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < t->n;) {
                struct exec *x = t->execs[i];

                if (x->container != c) {
                        i++;
                        continue;
                }
                if (x->status == EXEC_CREATED) {
                        table_remove_at(t, i);
                        continue;
                }
                if (x->status != EXEC_EXITED) {
                        log_warn("Exec %s ended with container %s without a report; recording exit code %d", x->id,
                                 c->id, EXEC_EXIT_LOST);
                        set_exited(t, x, EXEC_EXIT_LOST, NULL);
                }
                i++;
        }
        pthread_cond_broadcast(&t->changed);
        pthread_mutex_unlock(&t->lock);
}

void engine_exec_container_removed(struct engine *e, struct container *c)
{
        struct exec_table *t = e->execs;

        pthread_mutex_lock(&t->lock);
        for (size_t i = 0; i < t->n;) {
                if (t->execs[i]->container == c) {
                        table_remove_at(t, i);
                        continue;
                }
                i++;
        }
        pthread_cond_broadcast(&t->changed);
        pthread_mutex_unlock(&t->lock);
}

/* ---- Health probes ---- */

static bool exec_ended(const struct exec *x)
{
        return x->status == EXEC_EXITED;
}

bool engine_exec_wait_exited(struct engine *e, struct exec *x, int timeout_ms, int *ret_exit_code)
{
        bool ended;

        pthread_mutex_lock(&e->execs->lock);
        ended = wait_until(e->execs, exec_ended, x, timeout_ms);
        *ret_exit_code = x->exit_code;
        pthread_mutex_unlock(&e->execs->lock);
        return ended;
}

void engine_exec_signal(struct engine *e, struct exec *x, int signal)
{
        pthread_mutex_lock(&e->execs->lock);
        /* NOTE: the pid is the monitor's child until the monitor reaps it
         * and reports the exit, so it is not reused while this lock shows
         * the exec running, except in the short time between the reap and
         * the report. */
        if (x->status == EXEC_RUNNING && x->pid > 0 && kill(x->pid, signal) < 0)
                log_warn("Failed to signal exec %s (pid %d): %m", x->id, (int)x->pid);
        pthread_mutex_unlock(&e->execs->lock);
}
