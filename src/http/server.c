/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>

#include "http-private.h"
#include "log.h"
#include "timeutil.h"
#include "unixsock.h"

/* The first fd systemd passes (SD_LISTEN_FDS_START). */
#define LISTEN_FDS_START 3

int thread_start_detached(void *(*fn)(void *), void *arg)
{
        pthread_attr_t attr;
        pthread_t thread;
        int r;

        r = pthread_attr_init(&attr);
        if (r != 0)
                return -r;
        r = pthread_attr_setstacksize(&attr, HTTP_THREAD_STACK_SIZE);
        if (r == 0)
                r = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (r == 0)
                r = pthread_create(&thread, &attr, fn, arg);
        pthread_attr_destroy(&attr);
        return -r;
}

/* free() returns to the kernel only the free memory at the top of an arena.
 * After a docker load of the Debian test image, malloc_trim took 0.5 MiB off
 * the daemon's RSS (glibc 2.36). */
void heap_trim(void)
{
        malloc_trim(0);
}

/* Handlers and libmicrohttpd write to sockets whose peer may be gone. */
static void ignore_sigpipe(void)
{
        struct sigaction old;

        if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
                signal(SIGPIPE, SIG_IGN);
}

static int routes_validate(const struct http_route *routes, size_t n_routes)
{
        for (size_t i = 0; i < n_routes; i++) {
                if (!routes[i].method || !routes[i].handler || http_pattern_validate(routes[i].pattern) < 0) {
                        log_debug("http: invalid route %zu: %s %s", i, routes[i].method ?: "(null)",
                                  routes[i].pattern ?: "(null)");
                        return -EINVAL;
                }
        }
        return 0;
}

int http_server_new(const struct http_route *routes, size_t n_routes, void *userdata, struct http_server **ret)
{
        struct http_server *s;
        pthread_condattr_t attr;
        int r;

        r = routes_validate(routes, n_routes);
        if (r < 0)
                return r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->stop_fd < 0) {
                r = negative_errno();
                free(s);
                return r;
        }

        pthread_mutex_init(&s->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&s->idle, &attr);
        pthread_condattr_destroy(&attr);

        s->n_refs = 1;
        s->routes = routes;
        s->n_routes = n_routes;
        s->userdata = userdata;
        s->idle_timeout_s = HTTP_IDLE_TIMEOUT_DEFAULT;
        ignore_sigpipe();

        *ret = s;
        return 0;
}

void http_server_set_idle_timeout(struct http_server *s, unsigned seconds)
{
        s->idle_timeout_s = seconds;
}

_printf_(2, 0) static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
        _cleanup_free_ char *message = NULL;
        size_t len;

        if (log_get_level() < LOG_LEVEL_DEBUG || vasprintf(&message, fmt, ap) < 0)
                return;
        len = strlen(message);
        while (len > 0 && message[len - 1] == '\n')
                message[--len] = '\0';
        log_debug("libmicrohttpd: %s", message);
}

static void listener_free(struct http_listener *l)
{
        if (!l)
                return;
        if (l->daemon)
                MHD_stop_daemon(l->daemon);
        if (l->fd >= 0)
                close(l->fd);
        free(l->path);
        free(l->pool);
        free(l);
}

static struct MHD_Daemon *daemon_start(struct http_listener *l)
{
        unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                         MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG | MHD_USE_SUPPRESS_DATE_NO_CLOCK;

        /* The reply code adds Date itself, after the sorted headers, where
         * Go puts it; MHD_USE_SUPPRESS_DATE_NO_CLOCK keeps a second one out. */
        return MHD_start_daemon(flags, 0, NULL, NULL, request_access_handler, l, MHD_OPTION_LISTEN_SOCKET, l->fd,
                                MHD_OPTION_URI_LOG_CALLBACK, request_uri_logger, l, MHD_OPTION_NOTIFY_COMPLETED,
                                request_completed, l, MHD_OPTION_CONNECTION_TIMEOUT, l->server->idle_timeout_s,
                                MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNECTIONS,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY,
                                MHD_OPTION_THREAD_STACK_SIZE, (size_t)HTTP_THREAD_STACK_SIZE,
                                MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_END);
}

/* Serves fd, which the listener owns on success; on failure fd stays open. */
static int listener_start(struct http_server *s, int fd, const char *path, const char *pool, struct error *err)
{
        struct http_listener *l = calloc(1, sizeof(*l));
        struct http_listener **grown;

        if (!l)
                return -ENOMEM;
        l->server = s;
        l->fd = -1;
        l->path = path ? strdup(path) : NULL;
        l->pool = pool ? strdup(pool) : NULL;
        if ((path && !l->path) || (pool && !l->pool)) {
                listener_free(l);
                return -ENOMEM;
        }

        grown = realloc(s->listeners, (s->n_listeners + 1) * sizeof(*grown));
        if (!grown) {
                listener_free(l);
                return -ENOMEM;
        }
        s->listeners = grown;

        l->fd = fd;
        l->daemon = daemon_start(l);
        if (!l->daemon) {
                l->fd = -1;
                listener_free(l);
                return error_set(err, -EIO, "failed to start the HTTP server on %s%s (libmicrohttpd refused it)",
                                 path ? "unix://" : "fd ", path ?: "");
        }
        s->listeners[s->n_listeners++] = l;
        return 0;
}

static int listen_unix(struct http_server *s, const char *path, const struct http_listener_config *config,
                       struct error *err)
{
        int fd, r;

        fd = unixsock_listen(path, SOCK_STREAM, config->mode ?: 0660, config->gid, SOMAXCONN);
        if (fd < 0)
                return error_set_errno(err, fd, "failed to listen on unix://%s", path);

        r = listener_start(s, fd, path, config->pool, err);
        if (r < 0) {
                close(fd);
                unlink(path);
        }
        return r;
}

static bool is_served(struct http_server *s, int fd)
{
        for (size_t i = 0; i < s->n_listeners; i++)
                if (s->listeners[i]->fd == fd)
                        return true;
        return false;
}

int http_server_listen_fd(struct http_server *s, int fd, const char *pool, struct error *err)
{
        int listening = 0, type = 0;
        socklen_t len = sizeof(int);

        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
                return error_set_errno(err, negative_errno(), "fd %d is not a usable socket", fd);
        len = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
                return error_set_errno(err, negative_errno(), "fd %d is not a usable socket", fd);
        if (!listening || type != SOCK_STREAM)
                return error_set(err, -EINVAL, "fd %d is not a listening stream socket", fd);
        if (is_served(s, fd))
                return error_set(err, -EBUSY, "fd %d is served already", fd);

        /* systemd passes its sockets without FD_CLOEXEC. */
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
                return error_set_errno(err, negative_errno(), "failed to set FD_CLOEXEC on fd %d", fd);

        return listener_start(s, fd, NULL, pool, err);
}

/* Reads the sockets systemd passed: LISTEN_PID must be this process and
 * LISTEN_FDS their number, starting at fd 3. Returns the count or -ENOENT. */
static int activated_fds(void)
{
        const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
        char *end = NULL;
        long n;

        if (!pid || !fds || strtol(pid, &end, 10) != (long)getpid() || *end != '\0')
                return -ENOENT;
        n = strtol(fds, &end, 10);
        if (*end != '\0' || n <= 0 || n > 4096)
                return -ENOENT;
        return (int)n;
}

static int listen_activated(struct http_server *s, const char *spec, const char *pool, struct error *err)
{
        int n = activated_fds(), r;
        char *end = NULL;
        long fd;

        if (n < 0)
                return error_set(
                        err, -ENOENT,
                        "no sockets found via socket activation: make sure the service was started by systemd");

        if (*spec == '\0') {
                for (int i = 0; i < n; i++) {
                        r = http_server_listen_fd(s, LISTEN_FDS_START + i, pool, err);
                        if (r < 0)
                                return r;
                }
                return 0;
        }

        fd = strtol(spec, &end, 10);
        if (*end != '\0' || end == spec || fd < LISTEN_FDS_START || fd >= LISTEN_FDS_START + n)
                return error_set(err, -EINVAL, "invalid listen address fd://%s: systemd passed fds %d to %d", spec,
                                 LISTEN_FDS_START, LISTEN_FDS_START + n - 1);
        return http_server_listen_fd(s, (int)fd, pool, err);
}

int http_server_listen(struct http_server *s, const struct http_listener_config *config, struct error *err)
{
        const char *address = config->address ?: "", *rest;

        if ((rest = startswith(address, "unix://")))
                return listen_unix(s, *rest ? rest : HTTP_DEFAULT_UNIX_PATH, config, err);
        if ((rest = startswith(address, "fd://")))
                return listen_activated(s, rest, config->pool, err);
        if (startswith(address, "tcp://"))
                return error_set(err, -EOPNOTSUPP,
                                 "listening on %s is not supported yet: TCP needs TLS, which is missing; "
                                 "use a unix:// or fd:// address",
                                 address);
        return error_set(err, -EINVAL, "invalid listen address \"%s\": expected unix://PATH, fd:// or fd://N", address);
}

static void wait_idle(struct http_server *s, int timeout_ms)
{
        struct timespec deadline;

        timeutil_monotonic_deadline(&deadline, timeout_ms);

        pthread_mutex_lock(&s->lock);
        while (s->n_active > 0)
                if (pthread_cond_timedwait(&s->idle, &s->lock, &deadline) != 0)
                        break;
        if (s->n_active > 0)
                log_debug("http: stopping with %u requests still running", s->n_active);
        pthread_mutex_unlock(&s->lock);
}

void http_server_stop(struct http_server *s, int timeout_ms)
{
        pthread_mutex_lock(&s->lock);
        if (s->stopping) {
                pthread_mutex_unlock(&s->lock);
                return;
        }
        s->stopping = true;
        pthread_mutex_unlock(&s->lock);

        for (size_t i = 0; i < s->n_listeners; i++) {
                struct http_listener *l = s->listeners[i];

                /* MHD_quiesce_daemon hands the listening socket back. */
                MHD_quiesce_daemon(l->daemon);
                close(l->fd);
                l->fd = -1;
                if (l->path && unlink(l->path) < 0 && errno != ENOENT)
                        log_debug("http: failed to remove %s: %m", l->path);
        }

        if (timeout_ms > 0)
                wait_idle(s, timeout_ms);

        /* Streams that are still running end now; then libmicrohttpd
         * closes the connections and joins their threads. */
        if (eventfd_write(s->stop_fd, 1) < 0)
                log_debug("http: failed to signal the streams to stop: %m");
        for (size_t i = 0; i < s->n_listeners; i++) {
                MHD_stop_daemon(s->listeners[i]->daemon);
                s->listeners[i]->daemon = NULL;
        }
}

void server_unref(struct http_server *s)
{
        bool last;

        pthread_mutex_lock(&s->lock);
        last = --s->n_refs == 0;
        pthread_mutex_unlock(&s->lock);
        if (!last)
                return;

        for (size_t i = 0; i < s->n_listeners; i++)
                listener_free(s->listeners[i]);
        free(s->listeners);
        close(s->stop_fd);
        pthread_cond_destroy(&s->idle);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

void http_server_free(struct http_server *s)
{
        if (!s)
                return;
        http_server_stop(s, 0);
        server_unref(s);
}
