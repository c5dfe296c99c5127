/* SPDX-License-Identifier: Apache-2.0 */
/* docker update of a running container: the monitor applies the limits. */
#include <poll.h>
#include <sys/socket.h>

#include "engine/engine.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "local-internal.h"
#include "runtime/monitor/proto.h"
#include "timeutil.h"
#include "unixsock.h"

/* Writing a lower memory limit makes the kernel reclaim memory first,
 * which can take seconds under load. */
#define UPDATE_TIMEOUT_MS 30000

/* Waits for the "updated" reply and skips other messages. "exited", which
 * the monitor sends on every connection, means the container no longer
 * runs (-ESRCH). */
static int receive_reply(int fd, json_object **ret)
{
        int64_t deadline = timeutil_monotonic_ns() + (int64_t)UPDATE_TIMEOUT_MS * 1000000;

        for (;;) {
                _cleanup_json_ json_object *msg = NULL;
                int64_t left_ms = (deadline - timeutil_monotonic_ns()) / 1000000;
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                int r;

                if (left_ms <= 0)
                        return -ETIMEDOUT;
                r = poll(&pfd, 1, (int)left_ms);
                if (r < 0 && errno != EINTR)
                        return -errno;
                if (r <= 0)
                        continue;
                r = monitor_proto_recv(fd, &msg, NULL, 0, NULL);
                if (r == 0 || r == -ECONNRESET)
                        return -ESRCH;
                if (r < 0)
                        return r;
                if (streq(monitor_proto_type(msg), "exited"))
                        return -ESRCH;
                if (streq(monitor_proto_type(msg), "updated")) {
                        *ret = TAKE_PTR(msg);
                        return 0;
                }
        }
}

/* The update goes over a connection of its own to monitor.sock, so that
 * the reply does not mix with the events thread's messages. */
int local_update(struct backend *b, struct container *c, json_object *resources, struct error *err)
{
        _cleanup_free_ char *exec_dir = engine_container_exec_dir(b->engine, c);
        _cleanup_free_ char *path = exec_dir ? fs_path_join(exec_dir, MONITOR_SOCKET_NAME) : NULL;
        _cleanup_json_ json_object *msg = json_object_new_object(), *reply = NULL;
        _cleanup_close_ int fd = -1;
        const char *error;
        int r;

        if (!path || !msg)
                return -ENOMEM;
        fd = unixsock_connect(path, SOCK_SEQPACKET);
        if (fd == -ENOENT || fd == -ECONNREFUSED)
                return -ESRCH;
        if (fd < 0)
                return error_set_errno(err, fd, "connecting to the monitor of container %s failed", c->id);

        json_object_object_add(msg, "type", json_object_new_string("update"));
        json_object_object_add(msg, "resources", json_object_get(resources));
        r = monitor_proto_send(fd, msg, NULL, 0);
        if (r >= 0)
                r = receive_reply(fd, &reply);
        if (r == -ESRCH)
                return r;
        if (r < 0)
                return error_set_errno(err, r, "updating the limits of container %s failed", c->id);

        /* The runtime's error (such as a limit below the memory in use) is
         * the daemon's failure to apply the update, 500 as in dockerd. */
        error = json_field_string(reply, "error", NULL);
        if (json_field_bool(reply, "exited", false))
                return -ESRCH;
        if (error)
                return error_set(err, -EIO, "%s", error);
        return 0;
}
