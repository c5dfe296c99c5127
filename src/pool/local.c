/* SPDX-License-Identifier: Apache-2.0 */
/* The local backend: containers on this machine, one monitor each. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include "base64.h"
#include "daemon.h"
#include "engine/engine.h"
#include "jsonutil.h"
#include "local-internal.h"
#include "local-log.h"
#include "log.h"
#include "runtime/monitor/proto.h"
#include "sealed.h"

void attach_request_free(struct attach_request *req)
{
        if (!req)
                return;
        if (req->fd >= 0)
                close(req->fd);
        free(req->detach_keys);
        free(req->pending);
        free(req);
}

struct local_container *local_container_get(struct container *c)
{
        struct local_container *lc = c->backend_data;

        if (lc)
                return lc;
        lc = calloc(1, sizeof(*lc));
        if (!lc)
                return NULL;
        lc->container = c;
        lc->control_fd = -1;
        c->backend_data = lc;
        return lc;
}

int local_send(struct container *c, json_object *msg, const int *fds, size_t n_fds)
{
        struct local_container *lc;
        _cleanup_close_ int fd = -1;

        /* A duplicate, so the events thread may close the original meanwhile. */
        pthread_mutex_lock(&c->lock);
        lc = c->backend_data;
        if (lc && lc->control_fd >= 0)
                fd = fcntl(lc->control_fd, F_DUPFD_CLOEXEC, 3);
        pthread_mutex_unlock(&c->lock);
        if (fd < 0)
                return -ESRCH;
        return monitor_proto_send(fd, msg, fds, n_fds);
}

static int local_create(struct backend *b, struct container *c, struct error *err)
{
        _cleanup_free_ char *data_dir = engine_container_data_dir(b->engine, c);
        _cleanup_close_ int dirfd = -1;

        if (!data_dir)
                return -ENOMEM;
        dirfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return error_set_errno(err, -errno, "opening %s failed", data_dir);
        /* The overlay's writable layer and its work directory. */
        if (mkdirat(dirfd, "upper", 0755) < 0 || mkdirat(dirfd, "work", 0700) < 0)
                return error_set_errno(err, -errno, "creating the writable layer of container %s failed", c->id);
        return local_init_layer_create(c, dirfd, err);
}

static int local_kill(struct backend *b, struct container *c, int signal, struct error *err)
{
        _cleanup_json_ json_object *msg = json_object_new_object();
        int r;

        json_object_object_add(msg, "type", json_object_new_string("kill"));
        json_object_object_add(msg, "signal", json_object_new_int(signal));
        r = local_send(c, msg, NULL, 0);
        /* The monitor closes its control socket once the container's process
         * has exited, which can happen before the daemon reads the exit. Such
         * a container has no process left to signal. */
        if (r == -EPIPE || r == -ECONNRESET)
                r = -ESRCH;
        if (r < 0 && r != -ESRCH)
                return error_set_errno(err, r, "sending signal %d to container %s failed", signal, c->id);
        return r;
}

static json_object *attach_message(const struct attach_request *req)
{
        json_object *msg = json_object_new_object();

        json_object_object_add(msg, "type", json_object_new_string("attach"));
        json_object_object_add(msg, "stdin", json_object_new_boolean(req->attach_stdin));
        json_object_object_add(msg, "stdout", json_object_new_boolean(req->attach_stdout));
        json_object_object_add(msg, "stderr", json_object_new_boolean(req->attach_stderr));
        if (req->detach_keys)
                json_object_object_add(msg, "detach_keys", json_object_new_string(req->detach_keys));
        if (req->pending_len > 0) {
                char *encoded = base64_encode(req->pending, req->pending_len);

                if (encoded)
                        json_object_object_add(msg, "pending", json_object_new_string(encoded));
                free(encoded);
        }
        return msg;
}

/* Sends an attach to the monitor; the monitor owns the client fd after this. */
int local_send_attach(struct container *c, struct attach_request *req);
int local_send_attach(struct container *c, struct attach_request *req)
{
        _cleanup_json_ json_object *msg = attach_message(req);

        return local_send(c, msg, &req->fd, 1);
}

static int local_attach(struct backend *b, struct container *c, struct attach_request *req, struct error *err)
{
        struct local_container *lc;
        bool running;
        int r;

        pthread_mutex_lock(&c->lock);
        running = c->state.status == CONTAINER_RUNNING;
        lc = local_container_get(c);
        if (!running && lc) {
                struct attach_request **grown = realloc(lc->pending, (lc->n_pending + 1) * sizeof(*grown));

                if (grown) {
                        grown[lc->n_pending++] = req;
                        lc->pending = grown;
                        req = NULL;
                }
        }
        pthread_mutex_unlock(&c->lock);

        if (!running) {
                attach_request_free(req);
                return req ? -ENOMEM : 0;
        }
        r = local_send_attach(c, req);
        attach_request_free(req);
        if (r < 0)
                return error_set_errno(err, r, "attaching to container %s failed", c->id);
        return 0;
}

static int local_resize(struct backend *b, struct container *c, unsigned height, unsigned width, struct error *err)
{
        _cleanup_json_ json_object *msg = json_object_new_object();
        int r;

        json_object_object_add(msg, "type", json_object_new_string("resize"));
        json_object_object_add(msg, "height", json_object_new_int((int)height));
        json_object_object_add(msg, "width", json_object_new_int((int)width));
        r = local_send(c, msg, NULL, 0);
        if (r < 0)
                return error_set_errno(err, r, "resizing the terminal of container %s failed", c->id);
        return 0;
}

static void local_forget(struct backend *b, struct container *c)
{
        struct local_container *lc;

        pthread_mutex_lock(&c->lock);
        lc = c->backend_data;
        c->backend_data = NULL;
        pthread_mutex_unlock(&c->lock);
        if (!lc)
                return;

        for (size_t i = 0; i < lc->n_pending; i++)
                attach_request_free(lc->pending[i]);
        free(lc->pending);
        /* The events thread owns control_fd while it watches it and closes it
         * at the monitor's end; a removed container's monitor has ended. */
        if (lc->control_fd >= 0)
                log_debug("Container %s removed while its monitor connection was open", c->id);
        free(lc);
}

static int local_remove(struct backend *b, struct container *c, struct error *err)
{
        local_forget(b, c);
        return 0;
}

/* LogConfig never changes after create, so reading it needs no lock. */
static char *local_log_path(struct backend *b, struct container *c)
{
        return local_log_file(((struct local_backend *)b)->data_root, c);
}

static void local_free(struct backend *b)
{
        struct local_backend *lb = (struct local_backend *)b;

        local_events_stop(lb);
        if (lb->epoll_fd >= 0)
                close(lb->epoll_fd);
        if (lb->wake_fd >= 0)
                close(lb->wake_fd);
        if (lb->monitor_fd >= 0)
                close(lb->monitor_fd);
        pthread_mutex_destroy(&lb->watches_lock);
        free(lb);
}

static const struct backend_ops local_ops = {
        .name = "local",
        .create = local_create,
        .start = local_start,
        .kill = local_kill,
        .attach = local_attach,
        .update = local_update,
        .resize = local_resize,
        .exec_start = local_exec_start,
        .exec_resize = local_exec_resize,
        .sync = local_sync,
        .remove = local_remove,
        .forget = local_forget,
        .restore = local_restore,
        .open_rootfs = local_open_rootfs,
        .changes = local_changes,
        .write_diff = local_write_diff,
        .write_export = local_write_export,
        .freeze = local_freeze,
        .list_pids = local_list_pids,
        .stats = local_stats,
        .log_path = local_log_path,
        .free = local_free,
};

/* Makes the sealed copy of the monitor's binary that every monitor runs
 * from. Without one (a kernel without memfd sealing) monitors run from
 * the file, which is then safe only while it is busy as a running
 * executable. */
static int seal_monitor(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        int copy;

        if (fd < 0) {
                log_warn_errno(-errno, "Opening the monitor %s failed: %m", path);
                return -1;
        }
        copy = sealed_copy(fd, "sockerless-monitor");
        if (copy < 0) {
                log_warn_errno(copy, "Making a sealed copy of the monitor %s failed, running it from the file: %m",
                               path);
                return -1;
        }
        return copy;
}

int local_backend_new(struct engine *engine, struct backend **ret, struct error *err)
{
        struct daemon *d = engine_daemon(engine);
        struct local_backend *lb = calloc(1, sizeof(*lb));
        int r;

        if (!lb)
                return -ENOMEM;
        lb->base.ops = &local_ops;
        lb->base.engine = engine;
        lb->monitor_path = d->monitor_path;
        lb->monitor_fd = seal_monitor(d->monitor_path);
        lb->data_root = d->config.data_root;
        lb->exec_root = d->config.exec_root;
        pthread_mutex_init(&lb->watches_lock, NULL);
        lb->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        lb->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (lb->epoll_fd < 0 || lb->wake_fd < 0) {
                r = error_set_errno(err, -errno, "setting up the local backend failed");
                local_free(&lb->base);
                return r;
        }
        r = local_events_start(lb);
        if (r < 0) {
                local_free(&lb->base);
                return error_set_errno(err, r, "starting the local backend's events thread failed");
        }
        *ret = &lb->base;
        return 0;
}
