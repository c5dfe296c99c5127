/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's life: directories, pid file, stores, listeners, signals. */
#include "daemon-run.h"

#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "api/api.h"
#include "api/images.h"
#include "crash-point.h"
#include "daemon-config.h"
#include "daemon-events.h"
#include "engine/engine.h"
#include "fsutil.h"
#include "http/http.h"
#include "idutil.h"
#include "image/image.h"
#include "image/registry.h"
#include "log.h"
#include "strv.h"
#include "timeutil.h"
#include "userns-remap.h"
#include "engine/container-volumes.h"
#include "engine/volumes.h"

/* How long running requests may take to finish at shutdown. */
#define SHUTDOWN_TIMEOUT_MS 10000

/* Finds a helper program such as sockerless-monitor: the path in the
 * environment variable env_name, next to this executable (a build tree),
 * or the installed libexec directory. */
static char *find_helper(const char *env_name, const char *name)
{
        const char *env = getenv(env_name);
        char self[4096];
        ssize_t n;

        if (!isempty(env))
                return strdup(env);
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                _cleanup_free_ char *candidate = NULL;

                self[n] = '\0';
                candidate = fs_path_join(dirname(self), name);
                if (candidate && access(candidate, X_OK) == 0)
                        return TAKE_PTR(candidate);
        }
        return fs_path_join(LIBEXECDIR, name);
}

/* Refuses to run a second daemon on the same data root: a lock held for
 * the daemon's lifetime (the fd is kept open on purpose). */
static int lock_data_root(const char *data_root)
{
        _cleanup_free_ char *path = fs_path_join(data_root, ".lock");
        int fd;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_error_errno(-errno, "Failed to open %s: %m", path);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = -errno;

                close(fd);
                if (r == -EWOULDBLOCK)
                        log_error("Another daemon is using the data root %s", data_root);
                return r;
        }
        return fd;
}

static int write_pidfile(const char *path)
{
        _cleanup_free_ char *old = NULL, *dir = strdup(path), *base = strdup(path);
        _cleanup_close_ int dirfd = -1;
        char text[32];
        long pid;
        int r;

        if (!dir || !base)
                return -ENOMEM;
        if (fs_read_file_at(AT_FDCWD, path, 64, &old, NULL) >= 0 && sscanf(old, "%ld", &pid) == 1 && pid != getpid() &&
            kill((pid_t)pid, 0) == 0) {
                log_error("pid file %s names running process %ld: ensure no other daemon runs, or delete the file",
                          path, pid);
                return -EEXIST;
        }
        r = fs_mkdir_p(dirname(dir), 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create the directory of pid file %s: %m", path);
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return log_error_errno(-errno, "Failed to open the directory of pid file %s: %m", path);
        snprintf(text, sizeof(text), "%d", getpid());
        r = fs_write_atomic_at(dirfd, basename(base), text, strlen(text), 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write pid file %s: %m", path);
        return 0;
}

static int load_engine_id(struct daemon *d)
{
        _cleanup_close_ int dirfd = open(d->config.data_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        char id[ID_LENGTH + 1];
        int r;

        if (dirfd < 0)
                return -errno;
        if (fs_read_file_at(dirfd, "engine-id", sizeof(d->engine_id) - 1, &text, NULL) >= 0 && *text) {
                snprintf(d->engine_id, sizeof(d->engine_id), "%s", text);
                return 0;
        }
        r = id_generate(id);
        if (r < 0)
                return r;
        /* Docker shows its ID in groups; the exact form is not parsed by clients. */
        snprintf(d->engine_id, sizeof(d->engine_id), "%.8s-%.4s-%.4s-%.4s-%.12s", id, id + 8, id + 12, id + 16,
                 id + 20);
        return fs_write_atomic_at(dirfd, "engine-id", d->engine_id, strlen(d->engine_id), 0600);
}

static int prepare_directories(struct daemon_config *config)
{
        _cleanup_free_ char *exec_containers = fs_path_join(config->exec_root, "containers");
        int r;

        r = fs_mkdir_p(config->data_root, 0710);
        if (r < 0)
                return log_error_errno(r, "Failed to create the data root %s: %m", config->data_root);
        if (!exec_containers)
                return -ENOMEM;
        r = fs_mkdir_p(exec_containers, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create the exec root %s: %m", config->exec_root);
        return 0;
}

static gid_t socket_group(const char *name)
{
        struct group *g = isempty(name) ? NULL : getgrnam(name);

        return g ? g->gr_gid : (gid_t)-1;
}

static int build_routes(struct http_route **ret, size_t *ret_count)
{
        const struct {
                const struct http_route *routes;
                size_t count;
        } tables[] = {
                { api_system_routes, api_system_routes_count },
                { api_container_routes, api_container_routes_count },
                { api_exec_routes, api_exec_routes_count },
                { api_image_routes, api_image_routes_count },
                { api_distribution_routes, api_distribution_routes_count },
                { api_volume_routes, api_volume_routes_count },
                { api_network_routes, api_network_routes_count },
                { api_unimplemented_routes, api_unimplemented_routes_count },
        };
        struct http_route *all;
        size_t n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
                n += tables[i].count;
        all = calloc(n, sizeof(*all));
        if (!all)
                return -ENOMEM;
        n = 0;
        for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
                memcpy(all + n, tables[i].routes, tables[i].count * sizeof(*all));
                n += tables[i].count;
        }
        *ret = all;
        *ret_count = n;
        return 0;
}

static int start_listeners(struct daemon *d)
{
        gid_t gid = socket_group(d->config.group);

        STRV_FOREACH (host, d->config.hosts) {
                _cleanup_error_ struct error err = ERROR_INIT;
                struct http_listener_config lc = { .address = *host, .mode = 0660, .gid = gid };
                int r = http_server_listen(d->server, &lc, &err);

                if (r < 0) {
                        log_error("Failed to listen on %s: %s", *host, error_message(&err, r));
                        return r;
                }
                log_info("API listen on %s", *host);
        }
        return 0;
}

/* Tells systemd (Type=notify) that the daemon is ready, when it runs under it. */
static void notify_ready(void)
{
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        socklen_t len;

        if (isempty(path) || strlen(path) >= sizeof(addr.sun_path))
                return;
        memcpy(addr.sun_path, path, strlen(path));
        if (addr.sun_path[0] == '@')
                addr.sun_path[0] = '\0';
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&addr, len) < 0)
                log_warn_errno(-errno, "Failed to notify systemd of readiness: %m");
}

/* Waits for signals on the main thread: SIGHUP reloads, SIGTERM and SIGINT end. */
static void wait_for_shutdown(struct daemon *d, const sigset_t *set)
{
        for (;;) {
                _cleanup_error_ struct error err = ERROR_INIT;
                int sig, r;

                if (sigwait(set, &sig) != 0)
                        continue;
                if (sig != SIGHUP) {
                        log_info("Processing signal '%s'", sig == SIGINT ? "interrupt" : "terminated");
                        return;
                }
                r = config_reload(&d->config, &err);
                if (r < 0) {
                        log_error("Reloading %s failed, keeping the running configuration: %s", d->config.config_file,
                                  error_message(&err, r));
                        continue;
                }
                log_set_level(d->config.log_level);
                log_info("Reloaded configuration from %s", d->config.config_file);
                daemon_event_reload(d);
        }
}

/* Resolves --userns-remap and moves the data root to the remapped root's
 * subdirectory. Runs after the data root is locked, so the lock covers
 * every mapping's state. */
static int setup_userns_remap(struct daemon *d)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = userns_remap_load(d->config.userns_remap, &d->userns_remap, &err);
        if (r >= 0 && d->userns_remap)
                r = userns_remap_setup_dirs(&d->config, d->userns_remap, &err);
        if (r < 0)
                log_error("%s", error_message(&err, r));
        return r;
}

static int open_stores(struct daemon *d)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r;

        r = image_store_open(d->config.data_root, &d->images, &err);
        if (r < 0) {
                log_error("Failed to open the image store: %s", error_message(&err, r));
                return r;
        }
        r = volume_store_open(d->config.data_root, d->userns_remap ? d->userns_remap->root_uid : 0,
                              d->userns_remap ? d->userns_remap->root_gid : 0, &d->volumes, &err);
        if (r < 0) {
                log_error("Failed to open the volume store: %s", error_message(&err, r));
                return r;
        }
        r = engine_new(d, &d->engine, &err);
        if (r < 0) {
                log_error("Failed to start the engine: %s", error_message(&err, r));
                return r;
        }
        image_store_set_in_use_check(d->images, engine_image_in_use, d->engine);
        image_store_set_running_check(d->images, engine_image_running, d->engine);
        image_store_set_event_hook(d->images, engine_image_event, d->engine);
        volume_store_set_event_hook(d->volumes, engine_volume_event, d->engine);
        return engine_restore(d->engine);
}

static int open_registries(struct daemon *d)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct registry_options opts = {
                .insecure_registries = d->config.insecure_registries,
                .mirrors = d->config.registry_mirrors,
                .certs_dir = REGISTRY_CERTS_DIR,
        };
        int r;

        r = registry_context_new(&opts, &d->registries, &err);
        if (r < 0)
                log_error("Failed to set up the registry client: %s", error_message(&err, r));
        return r;
}

static int serve(struct daemon *d, const sigset_t *signals)
{
        _cleanup_free_ struct http_route *routes = NULL;
        size_t n_routes;
        int r;

        r = build_routes(&routes, &n_routes);
        if (r < 0)
                return r;
        r = http_server_new(routes, n_routes, d, &d->server);
        if (r < 0)
                return log_error_errno(r, "Failed to create the API server: %m");
        r = start_listeners(d);
        if (r >= 0) {
                log_info("Daemon has completed initialization");
                notify_ready();
                wait_for_shutdown(d, signals);
        }
        /* Streams of events and stats would hold the stop for its whole timeout. */
        engine_end_streams(d->engine);
        http_server_stop(d->server, SHUTDOWN_TIMEOUT_MS);
        http_server_free(d->server);
        d->server = NULL;
        return r;
}

int daemon_run(struct daemon_config *config)
{
        struct daemon d = { .config = *config, .started_ns = timeutil_now_ns() };
        _cleanup_close_ int lock_fd = -1;
        sigset_t signals;
        int r;

        if (geteuid() != 0) {
                log_error("sockerlessd needs to be started with root privileges");
                return -EPERM;
        }
        /* Every thread inherits this mask; the main thread takes the signals with sigwait. */
        sigemptyset(&signals);
        sigaddset(&signals, SIGTERM);
        sigaddset(&signals, SIGINT);
        sigaddset(&signals, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &signals, NULL);
        signal(SIGPIPE, SIG_IGN);
        umask(022);

        log_info("Starting up Sockerless %s (data root %s, exec root %s)", SOCKERLESS_VERSION, config->data_root,
                 config->exec_root);
        crash_point_arm(config->crash_at);
        r = prepare_directories(config);
        if (r < 0)
                return r;
        lock_fd = lock_data_root(config->data_root);
        if (lock_fd < 0)
                return lock_fd;
        r = write_pidfile(config->pidfile);
        if (r < 0)
                return r;
        d.monitor_path = find_helper("SOCKERLESS_MONITOR", "sockerless-monitor");
        d.init_path = find_helper("SOCKERLESS_INIT", "sockerless-init");
        r = d.monitor_path && d.init_path ? load_engine_id(&d) : -ENOMEM;
        if (r < 0)
                log_error_errno(r, "Failed to set up the daemon ID: %m");
        if (r >= 0)
                r = setup_userns_remap(&d);
        if (r >= 0)
                r = open_registries(&d);
        if (r >= 0)
                r = open_stores(&d);
        if (r >= 0)
                r = serve(&d, &signals);

        /* As dockerd, the daemon stops its containers unless live restore is on. */
        if (d.engine && !d.config.live_restore)
                engine_shutdown(d.engine);
        engine_free(d.engine);
        image_store_free(d.images);
        volume_store_free(d.volumes);
        registry_context_free(d.registries);
        userns_remap_free(d.userns_remap);
        free(d.monitor_path);
        free(d.init_path);
        unlink(config->pidfile);
        *config = d.config;
        log_info("Daemon shutdown complete");
        return r;
}
