/* SPDX-License-Identifier: Apache-2.0 */
/* docker diff, export and commit: the backend reads the container's
 * layers, the image store turns a commit's layer into an image. */
#include <fcntl.h>
#include <pthread.h>

#include "commit.h"
#include "daemon.h"
#include "engine-internal.h"
#include "fsutil.h"
#include "image/image.h"
#include "jsonutil.h"
#include "log.h"

/* dockerd's checks before export and commit, with its messages. */
static int check_state(struct container *c, const char *verb, struct error *err)
{
        enum container_status status;

        pthread_mutex_lock(&c->lock);
        status = c->state.status;
        pthread_mutex_unlock(&c->lock);

        if (status == CONTAINER_DEAD)
                return error_set(err, -EBUSY, "You cannot %s container %s which is Dead", verb, c->id);
        if (status == CONTAINER_REMOVING)
                return error_set(err, -EBUSY, "You cannot %s container %s which is being removed", verb, c->id);
        return 0;
}

static int unsupported(struct container *c, const char *operation, struct error *err)
{
        return error_set(err, -EOPNOTSUPP, "%s is not supported for containers of the %s backend", operation,
                         c->backend->ops->name);
}

int engine_container_changes(struct engine *e, struct container *c, json_object **ret, struct error *err)
{
        (void)e;
        if (!c->backend->ops->changes)
                return unsupported(c, "docker diff", err);
        return c->backend->ops->changes(c->backend, c, ret, err);
}

int engine_container_export_check(struct engine *e, struct container *c, struct error *err)
{
        (void)e;
        if (!c->backend->ops->write_export)
                return unsupported(c, "docker export", err);
        return check_state(c, "export", err);
}

int engine_container_export(struct engine *e, struct container *c, backend_write_fn write, void *userdata,
                            struct error *err)
{
        int r = engine_container_export_check(e, c, err);

        if (r < 0)
                return r;
        r = c->backend->ops->write_export(c->backend, c, write, userdata, err);
        if (r >= 0)
                engine_event_container(e, c, "export", NULL);
        return r;
}

/* The thread that writes the container's changes into a pipe, which the
 * image store reads as the new layer. */
struct diff_writer {
        struct container *container;
        int read_fd, write_fd;
        pthread_t thread;
        bool started;
        int result;
        struct error err;
};

static int write_to_fd(void *userdata, const void *buf, size_t len)
{
        return fs_write_all(*(int *)userdata, buf, len);
}

static void *diff_writer_run(void *userdata)
{
        struct diff_writer *w = userdata;
        struct container *c = w->container;

        w->result = c->backend->ops->write_diff(c->backend, c, write_to_fd, &w->write_fd, &w->err);
        /* End of file for the reader, also after a failure. */
        close(w->write_fd);
        w->write_fd = -1;
        return NULL;
}

static int diff_writer_finish(void *userdata, struct error *err)
{
        struct diff_writer *w = userdata;

        /* Closing first unblocks a writer whose reader stopped early. */
        if (w->read_fd >= 0) {
                close(w->read_fd);
                w->read_fd = -1;
        }
        if (w->started) {
                pthread_join(w->thread, NULL);
                w->started = false;
        }
        if (w->result < 0)
                return error_set(err, w->result, "%s", error_message(&w->err, w->result));
        return 0;
}

static void diff_writer_clear(struct diff_writer *w)
{
        diff_writer_finish(w, NULL);
        if (w->write_fd >= 0)
                close(w->write_fd);
        error_clear(&w->err);
}

static int diff_writer_start(struct diff_writer *w, struct container *c)
{
        int fds[2], r;

        *w = (struct diff_writer){ .container = c, .read_fd = -1, .write_fd = -1 };
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        w->read_fd = fds[0];
        w->write_fd = fds[1];
        /* The default stack: the walk recurses once per directory level. */
        r = -pthread_create(&w->thread, NULL, diff_writer_run, w);
        if (r < 0)
                return r;
        w->started = true;
        return 0;
}

static int commit_layer(struct engine *e, struct container *c, const struct image *parent,
                        const struct image_commit_options *opts, json_object *config, char *ret_id, struct error *err)
{
        struct diff_writer w;
        struct image_layer_stream stream;
        int r;

        r = diff_writer_start(&w, c);
        if (r < 0) {
                diff_writer_clear(&w);
                return error_set_errno(err, r, "starting to read the changes of container %s failed", c->id);
        }
        stream = (struct image_layer_stream){ .fd = w.read_fd, .finish = diff_writer_finish, .userdata = &w };
        r = image_store_commit(e->daemon->images, parent, &stream, opts, config, ret_id, err);
        diff_writer_clear(&w);
        return r;
}

/* Pauses a running container for the commit as docker pause does, with
 * its state and events. dockerd ignores a failed pause too: the commit
 * then reads a container that keeps running. */
static bool pause_for_commit(struct engine *e, struct container *c, bool running)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        if (!running || !c->backend->ops->freeze)
                return false;
        r = engine_container_pause(e, c, &err);
        if (r < 0)
                log_warn("Failed to pause container %s for the commit: %s", c->id, error_message(&err, r));
        return r >= 0;
}

static void unpause_after_commit(struct engine *e, struct container *c)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r = engine_container_unpause(e, c, &err);

        if (r < 0 && r != -EALREADY)
                log_error("Failed to unpause container %s after the commit: %s", c->id, error_message(&err, r));
}

int engine_container_commit(struct engine *e, struct container *c, const struct engine_commit_request *req,
                            char *ret_id, struct error *err)
{
        _cleanup_json_ json_object *container_config = NULL, *config = NULL;
        _cleanup_image_ struct image *parent = NULL;
        struct image_commit_options opts = {
                .author = req->author,
                .comment = req->comment,
                .changes = req->changes,
                .config = req->config,
                .container_id = c->id,
                .docker_version = SOCKERLESS_VERSION,
        };
        bool running, frozen;
        int r;

        if (!c->backend->ops->write_diff)
                return unsupported(c, "docker commit", err);
        r = check_state(c, "commit", err);
        if (r < 0)
                return r;

        pthread_mutex_lock(&c->lock);
        parent = image_ref(c->image);
        container_config = json_object_get(c->config);
        /* A container paused through the API stays as it is. */
        running = c->state.status == CONTAINER_RUNNING;
        pthread_mutex_unlock(&c->lock);
        if (!parent)
                return error_set(err, -ENOENT, "No such image: sha256:%s", c->image_id);
        opts.container_config = container_config;

        r = image_commit_config(&opts, &config, err);
        if (r < 0)
                return r;

        frozen = req->pause && pause_for_commit(e, c, running);
        r = commit_layer(e, c, parent, &opts, config, ret_id, err);
        if (frozen)
                unpause_after_commit(e, c);
        if (r >= 0)
                log_info("Container %s committed as image %s", c->id, ret_id);
        return r;
}
