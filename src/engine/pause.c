/* SPDX-License-Identifier: Apache-2.0 */
/* docker pause and unpause: freezing a container's processes. */
#include <signal.h>

#include "engine-internal.h"
#include "log.h"
#include "pool/backend.h"

/* Sets the status after a freeze or thaw, unless the container ended
 * meanwhile. Returns whether it did. */
static bool set_paused(struct engine *e, struct container *c, bool paused)
{
        bool changed = false;

        pthread_mutex_lock(&c->lock);
        if (container_is_running(c)) {
                c->state.status = paused ? CONTAINER_PAUSED : CONTAINER_RUNNING;
                engine_container_save_state(e, c);
                engine_container_notify(c);
                changed = true;
        }
        pthread_mutex_unlock(&c->lock);
        return changed;
}

static int freeze(struct container *c, bool frozen, struct error *err)
{
        if (!c->backend->ops->freeze)
                return error_set(err, -EOPNOTSUPP, "the %s backend cannot %s containers", c->backend->ops->name,
                                 frozen ? "pause" : "unpause");
        return c->backend->ops->freeze(c->backend, c, frozen, err);
}

static int check_pausable(struct container *c, struct error *err)
{
        int r = 0;

        pthread_mutex_lock(&c->lock);
        switch (c->state.status) {
        case CONTAINER_RUNNING:
                break;
        case CONTAINER_PAUSED:
                r = error_set(err, -EBUSY, "Container %s is already paused", c->id);
                break;
        case CONTAINER_RESTARTING:
                r = error_set(err, -EBUSY, "Container %s is restarting, wait until the container is running", c->id);
                break;
        default:
                r = error_set(err, -EBUSY, "Container %s is not running", c->id);
                break;
        }
        pthread_mutex_unlock(&c->lock);
        return r;
}

int engine_container_pause(struct engine *e, struct container *c, struct error *err)
{
        int r;

        pthread_mutex_lock(&c->op_lock);
        r = check_pausable(c, err);
        if (r >= 0) {
                r = freeze(c, true, err);
                if (r == -ESRCH || (r >= 0 && !set_paused(e, c, true)))
                        r = error_set(err, -EBUSY, "Container %s is not running", c->id);
                else if (r < 0)
                        r = error_prefix(err, r, "Cannot pause container %s", c->id);
        }
        pthread_mutex_unlock(&c->op_lock);
        if (r < 0)
                return r;

        engine_event_container(e, c, "pause", NULL);
        log_info("Container %s paused", c->id);
        return 0;
}

int engine_container_unpause(struct engine *e, struct container *c, struct error *err)
{
        bool paused;
        int r;

        pthread_mutex_lock(&c->op_lock);
        pthread_mutex_lock(&c->lock);
        paused = c->state.status == CONTAINER_PAUSED;
        pthread_mutex_unlock(&c->lock);

        /* dockerd 20.10 replies to this one with a 500 (an untyped error),
         * which the API layer reproduces for -EALREADY. */
        r = paused ? freeze(c, false, err) : error_set(err, -EALREADY, "Container %s is not paused", c->id);
        if (r < 0 && r != -EALREADY && r != -ESRCH)
                r = error_prefix(err, r, "Cannot unpause container %s", c->id);
        if (r == -ESRCH)
                r = error_set(err, -EALREADY, "Container %s is not paused", c->id);
        if (r >= 0)
                set_paused(e, c, false);
        pthread_mutex_unlock(&c->op_lock);
        if (r < 0)
                return r;

        engine_event_container(e, c, "unpause", NULL);
        log_info("Container %s unpaused", c->id);
        return 0;
}

void engine_container_thaw_after_kill(struct engine *e, struct container *c, int signal)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = freeze(c, false, &err);
        if (r < 0) {
                if (r != -ESRCH)
                        log_warn("Failed to unpause container %s after signal %d: %s", c->id, signal,
                                 error_message(&err, r));
                return;
        }
        /* dockerd reports the thaw as "unpause", but a SIGKILL usually ends
         * the container before its runtime reports it, so no event then. */
        if (set_paused(e, c, false) && signal != SIGKILL)
                engine_event_container(e, c, "unpause", NULL);
}
