/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Control connections from the daemon: fd 3 from the start, and any number
 * accepted on monitor.sock later (after a daemon restart).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "monitor.h"
#include "proto.h"
#include "runtime/container.h"
#include "unixsock.h"

static void control_dispatch(struct monitor *m, struct watch *w, uint32_t events);

static void control_drop(struct monitor *m, struct control *ctl)
{
        if (ctl->dead)
                return;
        watch_close(m, &ctl->watch);
        ctl->dead = true;
        log_debug("Control connection %u closed", ctl->id);
}

int control_add(struct monitor *m, int fd)
{
        struct control *ctl;
        int flags, r;

        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
                r = -errno;
                close(fd);
                return r;
        }

        ctl = calloc(1, sizeof(*ctl));
        if (!ctl) {
                close(fd);
                return -ENOMEM;
        }
        ctl->id = ++m->next_id;
        r = watch_add(m, &ctl->watch, fd, EPOLLIN, control_dispatch);
        if (r < 0) {
                close(fd);
                free(ctl);
                return r;
        }
        ctl->next = m->controls;
        m->controls = ctl;
        log_debug("Control connection %u opened", ctl->id);
        return 0;
}

void control_send(struct monitor *m, struct control *ctl, json_object *msg)
{
        int r;

        if (ctl->dead)
                return;
        r = monitor_proto_send(ctl->watch.fd, msg, NULL, 0);
        if (r >= 0)
                return;

        /* A daemon that does not read (EAGAIN) is disconnected rather than
         * left to stall the container. It can reconnect and send "hello". */
        log_warn_errno(r, "Sending \"%s\" on control connection %u failed, closing it: %m", monitor_proto_type(msg),
                       ctl->id);
        control_drop(m, ctl);
}

void control_send_all(struct monitor *m, json_object *msg)
{
        for (struct control *ctl = m->controls; ctl; ctl = ctl->next)
                control_send(m, ctl, msg);
}

void control_send_error(struct monitor *m, int code, const char *message)
{
        _cleanup_json_ json_object *msg = json_object_new_object();

        if (!msg)
                return;
        json_object_object_add(msg, "type", json_object_new_string("error"));
        json_object_object_add(msg, "message", json_object_new_string(message));
        json_object_object_add(msg, "exit_code", json_object_new_int(code));
        control_send_all(m, msg);
}

void control_free_dead(struct monitor *m)
{
        struct control **p = &m->controls;

        while (*p) {
                struct control *ctl = *p;

                if (!ctl->dead) {
                        p = &ctl->next;
                        continue;
                }
                *p = ctl->next;
                free(ctl);
        }
}

static void close_fds(int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                close(fds[i]);
}

static void handle_attach(struct monitor *m, json_object *msg, int *fds, size_t n_fds)
{
        int r;

        if (n_fds != 1) {
                log_warn("Ignoring an attach with %zu fds instead of one", n_fds);
                close_fds(fds, n_fds);
                return;
        }
        r = client_add(m, fds[0], msg);
        if (r < 0)
                log_error_errno(r, "Adding an attached client failed: %m");
}

static void handle_kill(struct monitor *m, json_object *msg)
{
        int64_t sig = json_field_int(msg, "signal", 0);
        int r;

        if (sig <= 0 || sig > SIGRTMAX) {
                log_warn("Ignoring a kill with the invalid signal %" PRId64, sig);
                return;
        }
        if (!m->container || m->phase == PHASE_EXITED) {
                log_debug("Ignoring signal %" PRId64 " for a container that has exited", sig);
                return;
        }
        r = runtime_container_kill(m->container, (int)sig);
        if (r < 0)
                log_warn_errno(r, "Sending signal %" PRId64 " to the container failed: %m", sig);
        else
                log_info("Sent signal %" PRId64 " to the container", sig);
}

static void handle_resize(struct monitor *m, json_object *msg)
{
        int64_t height = json_field_int(msg, "height", -1), width = json_field_int(msg, "width", -1);
        const char *exec_id = json_field_string(msg, "exec", NULL);
        int r;

        if (height < 0 || height > UINT16_MAX || width < 0 || width > UINT16_MAX) {
                log_warn("Ignoring a resize to the invalid size %" PRId64 "x%" PRId64, height, width);
                return;
        }
        if (exec_id) {
                exec_resize(m, exec_id, (unsigned)height, (unsigned)width);
                return;
        }
        r = stdio_resize(m, (unsigned)height, (unsigned)width);
        if (r < 0)
                log_debug_errno(r, "Resizing the terminal failed: %m");
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_resources *, runtime_resources_free)

/* Applies new limits to the container's cgroup and replies on the same
 * connection, so the daemon learns whether they took effect. */
static void handle_update(struct monitor *m, struct control *ctl, json_object *msg)
{
        _cleanup_(runtime_resources_freep) struct runtime_resources *res = NULL;
        _cleanup_json_ json_object *reply = json_object_new_object();
        _cleanup_error_ struct error err = ERROR_INIT;
        json_object *resources = json_field_object(msg, "resources");
        const char *text;
        size_t len;
        int r;

        if (!reply)
                return;
        if (!resources)
                r = error_set(&err, -EINVAL, "the update has no resources object");
        else if (!m->container || (m->phase != PHASE_CREATED && m->phase != PHASE_RUNNING))
                r = error_set(&err, -ESRCH, "the container is not running");
        else {
                text = json_object_to_json_string_length(resources, JSON_C_TO_STRING_PLAIN, &len);
                r = runtime_resources_parse(text, len, &res, &err);
                if (r >= 0)
                        r = runtime_container_update(m->container, res, &err);
        }
        if (r < 0)
                log_warn("Updating the container's limits failed: %s", error_message(&err, r));
        else
                log_info("Updated the container's limits");

        json_object_object_add(reply, "type", json_object_new_string("updated"));
        if (r < 0)
                json_object_object_add(reply, "error", json_object_new_string(error_message(&err, r)));
        if (r == -ESRCH)
                json_object_object_add(reply, "exited", json_object_new_boolean(true));
        control_send(m, ctl, reply);
}

static void handle_exec(struct monitor *m, json_object *msg, int *fds, size_t n_fds)
{
        if (n_fds > 1) {
                log_warn("Ignoring an exec with %zu fds instead of one at most", n_fds);
                close_fds(fds, n_fds);
                return;
        }
        exec_start(m, msg, n_fds == 1 ? fds[0] : -1);
}

/* Replies on the same connection after everything sent before: a daemon
 * that waits for "synced" has read the messages queued ahead of it. */
static void handle_sync(struct monitor *m, struct control *ctl, json_object *msg)
{
        _cleanup_json_ json_object *reply = json_object_new_object();

        if (!reply)
                return;
        json_object_object_add(reply, "type", json_object_new_string("synced"));
        json_object_object_add(reply, "seq", json_object_new_int64(json_field_int(msg, "seq", 0)));
        control_send(m, ctl, reply);
}

static void handle_hello(struct monitor *m, struct control *ctl)
{
        _cleanup_json_ json_object *state = lifecycle_state_message(m);

        if (!state)
                return;
        control_send(m, ctl, state);
        execs_send_running(m, ctl);
}

static void handle_message(struct monitor *m, struct control *ctl, json_object *msg, int *fds, size_t n_fds)
{
        const char *type = monitor_proto_type(msg);

        log_debug("Control connection %u: \"%s\"", ctl->id, type);
        if (streq(type, "attach")) {
                handle_attach(m, msg, fds, n_fds);
                return;
        }
        if (streq(type, "exec")) {
                handle_exec(m, msg, fds, n_fds);
                return;
        }
        close_fds(fds, n_fds);

        if (streq(type, "start"))
                lifecycle_start(m);
        else if (streq(type, "kill"))
                handle_kill(m, msg);
        else if (streq(type, "resize"))
                handle_resize(m, msg);
        else if (streq(type, "update"))
                handle_update(m, ctl, msg);
        else if (streq(type, "sync"))
                handle_sync(m, ctl, msg);
        else if (streq(type, "hello"))
                handle_hello(m, ctl);
        else
                log_warn("Ignoring the unknown message type \"%s\"", type);
}

static void control_dispatch(struct monitor *m, struct watch *w, uint32_t events)
{
        struct control *ctl = (struct control *)w;
        _cleanup_json_ json_object *msg = NULL;
        int fds[4];
        size_t n_fds = 0;
        int r;

        r = monitor_proto_recv(w->fd, &msg, fds, ARRAY_SIZE(fds), &n_fds);
        if (r == -EAGAIN || r == -EINTR)
                return;
        if (r == -EBADMSG) {
                log_warn("Ignoring a malformed packet on control connection %u", ctl->id);
                return;
        }
        if (r <= 0) {
                if (r < 0)
                        log_warn_errno(r, "Reading control connection %u failed: %m", ctl->id);
                control_drop(m, ctl);
                return;
        }
        handle_message(m, ctl, msg, fds, n_fds);
}

/* Accepts connections from the daemon's user (or root) only. The socket's
 * mode 0600 does too, but this check also holds when others can enter the
 * state directory. */
static bool peer_allowed(int fd)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return false;
        return cred.uid == 0 || cred.uid == geteuid();
}

static void listener_dispatch(struct monitor *m, struct watch *w, uint32_t events)
{
        int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        int r;

        if (fd < 0) {
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                        log_warn_errno(-errno, "Accepting a control connection failed: %m");
                return;
        }
        if (!peer_allowed(fd)) {
                log_warn("Rejected a control connection from another user");
                close(fd);
                return;
        }
        r = control_add(m, fd);
        if (r < 0)
                log_error_errno(r, "Adding a control connection failed: %m");
}

int listener_open(struct monitor *m)
{
        _cleanup_free_ char *path = fs_path_join(m->opt.state_dir, MONITOR_SOCKET_NAME);
        int fd, r;

        if (!path)
                return -ENOMEM;
        fd = unixsock_listen(path, SOCK_SEQPACKET | SOCK_NONBLOCK, 0600, (gid_t)-1, 16);
        if (fd < 0)
                return fd;
        r = watch_add(m, &m->listener, fd, EPOLLIN, listener_dispatch);
        if (r < 0)
                close(fd);
        return r;
}
