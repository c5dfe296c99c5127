/* SPDX-License-Identifier: Apache-2.0 */
#include "namespace-modes.h"

#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "create-options.h"
#include "daemon.h"
#include "engine-internal.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "network.h"
#include "userns.h"

/* How many containers a chain of IpcMode "container:X" may pass through
 * to find the /dev/shm it shares. */
#define MAX_IPC_CHAIN 16

int namespace_modes_resolve_donors(struct engine *e, json_object *hc, struct error *err)
{
        static const char *const keys[] = { "IpcMode", "PidMode" };

        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                const char *ref = create_mode_container(json_field_string(hc, keys[i], ""));
                _cleanup_error_ struct error lookup = ERROR_INIT;
                struct container *donor = NULL;
                char mode[sizeof("container:") + ID_LENGTH];
                int r;

                if (!ref)
                        continue;
                r = engine_container_find(e, ref, &donor, &lookup);
                /* 400, as dockerd returns: the docker CLI takes a 404 from
                 * create for a missing image and tries to pull it. */
                if (r < 0)
                        return error_set(err, r == -ENOENT ? -EINVAL : r, "%s", error_message(&lookup, r));
                snprintf(mode, sizeof(mode), "container:%s", donor->id);
                container_unref(donor);
                json_set_string(hc, keys[i], mode);
        }
        return 0;
}

/* The host directory of the shareable /dev/shm of container id. */
static char *shm_path(struct engine *e, const char *id)
{
        char *path = NULL;

        if (asprintf(&path, "%s/containers/%s/mounts/shm", e->daemon->config.data_root, id) < 0)
                return NULL;
        return path;
}

/* The state of a container that another one joins, as start needs it. */
struct donor {
        char id[ID_LENGTH + 1];
        pid_t pid;
        char *ipc_mode;
        bool remapped; /* runs in a user namespace of --userns-remap */
};

/* Finds the running container id (a full ID, as create stored it). The
 * messages are dockerd's. */
static int find_donor(struct engine *e, const char *id, struct donor *ret, struct error *err)
{
        struct container *c = NULL;
        bool running;
        int r;

        r = engine_container_find(e, id, &c, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&c->lock);
        running = container_is_running(c);
        ret->pid = c->state.pid;
        ret->ipc_mode = strdup(json_field_string(c->host_config, "IpcMode", ""));
        ret->remapped = userns_container_remapped(e->daemon->userns_remap, c->host_config);
        pthread_mutex_unlock(&c->lock);
        memcpy(ret->id, c->id, sizeof(ret->id));
        container_unref(c);

        if (!ret->ipc_mode)
                return -ENOMEM;
        if (!running || ret->pid <= 0) {
                free(ret->ipc_mode);
                return error_set(err, -EBUSY, "container %s is not running", ret->id);
        }
        return 0;
}

/* Finds the /dev/shm of the IPC namespace of container id: its own
 * shareable one, the host's, or that of the container it joined itself. */
static int join_ipc(struct engine *e, const char *id, struct namespace_shares *ret, struct error *err)
{
        struct donor d = {};
        const char *next;
        int r;

        for (unsigned depth = 0; depth < MAX_IPC_CHAIN; depth++) {
                r = find_donor(e, id, &d, err);
                if (r < 0)
                        return error_prefix(err, r, "can't join IPC of container %s", id);
                if (!ret->ipc_pid)
                        ret->ipc_pid = d.pid;

                if (streq(d.ipc_mode, "host")) {
                        ret->shm_source = strdup("/dev/shm");
                } else if (streq(d.ipc_mode, "shareable")) {
                        ret->shm_source = shm_path(e, d.id);
                } else if ((next = create_mode_container(d.ipc_mode))) {
                        id = strdupa(next);
                        free(d.ipc_mode);
                        continue;
                } else {
                        r = error_set(err, -EINVAL,
                                      "can't join IPC of container %s: non-shareable IPC (hint: use IpcMode:shareable "
                                      "for the donor container)",
                                      d.id);
                        free(d.ipc_mode);
                        return r;
                }
                free(d.ipc_mode);
                return ret->shm_source ? 0 : -ENOMEM;
        }
        return error_set(err, -ELOOP, "can't join IPC of container %s: too many containers joined in a row", id);
}

/* Mounts a new tmpfs for a shareable /dev/shm on the host, private so that
 * no other mount namespace receives it. */
static int mount_shm(const char *path, int64_t size, struct error *err)
{
        char options[64];
        int r;

        r = fs_mkdir_p(path, 0700);
        if (r < 0)
                return error_set_errno(err, r, "creating %s failed", path);
        /* One left by a daemon that crashed would hide under the new one. */
        (void)umount2(path, MNT_DETACH);
        snprintf(options, sizeof(options), "mode=1777,size=%lld", (long long)size);
        if (mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options) < 0)
                return error_set_errno(err, -errno, "mounting the shareable /dev/shm on %s failed", path);
        if (mount(NULL, path, NULL, MS_PRIVATE, NULL) < 0) {
                r = -errno;
                (void)umount2(path, MNT_DETACH);
                return error_set_errno(err, r, "making the shareable /dev/shm on %s private failed", path);
        }
        return 0;
}

/* Finds the user namespace a remapped container joins, as dockerd 20.10
 * does: that of the container whose network, IPC or PID namespace it
 * joins, the last of these in that order. The kernel lets a process
 * administer only the namespaces its own user namespace owns. */
static int find_user_donor(struct engine *e, const char *const modes[3], struct namespace_shares *shares,
                           struct error *err)
{
        static const char *const kinds[3] = { "network", "IPC", "PID" };

        for (size_t i = 0; i < 3; i++) {
                const char *ref = create_mode_container(modes[i]);
                struct donor d;
                int r;

                if (!ref)
                        continue;
                r = find_donor(e, ref, &d, err);
                if (r < 0)
                        return error_prefix(err, r, "can't join the %s namespace of container %s", kinds[i], ref);
                free(d.ipc_mode);
                if (!d.remapped)
                        return error_set(err, -EINVAL,
                                         "can't join the %s namespace of container %s: it runs with --userns host, so "
                                         "this container needs --userns host too",
                                         kinds[i], d.id);
                shares->user_pid = d.pid;
        }
        return 0;
}

int namespace_shares_prepare(struct engine *e, struct container *c, struct namespace_shares *ret, struct error *err)
{
        _cleanup_free_ char *ipc = NULL, *pid = NULL, *net = NULL;
        struct namespace_shares shares = {};
        struct donor d;
        int64_t shm_size;
        bool remapped;
        int r = 0;

        pthread_mutex_lock(&c->lock);
        ipc = strdup(json_field_string(c->host_config, "IpcMode", ""));
        pid = strdup(json_field_string(c->host_config, "PidMode", ""));
        net = strdup(json_field_string(c->host_config, "NetworkMode", ""));
        shm_size = json_field_int(c->host_config, "ShmSize", 64 << 20);
        remapped = userns_container_remapped(e->daemon->userns_remap, c->host_config);
        pthread_mutex_unlock(&c->lock);
        if (!ipc || !pid || !net)
                return -ENOMEM;

        if (create_mode_container(pid)) {
                r = find_donor(e, create_mode_container(pid), &d, err);
                if (r < 0)
                        return r;
                shares.pid_pid = d.pid;
                free(d.ipc_mode);
        }

        if (create_mode_container(ipc)) {
                r = join_ipc(e, create_mode_container(ipc), &shares, err);
        } else if (streq(ipc, "host")) {
                if (access("/dev/shm", F_OK) < 0)
                        r = error_set(err, -ENOENT, "/dev/shm is not mounted, but must be for --ipc=host");
                else if (!(shares.shm_source = strdup("/dev/shm")))
                        r = -ENOMEM;
        } else if (streq(ipc, "shareable")) {
                shares.shm_source = shm_path(e, c->id);
                r = shares.shm_source ? mount_shm(shares.shm_source, shm_size, err) : -ENOMEM;
        }
        if (r >= 0 && remapped)
                r = find_user_donor(e, (const char *const[3]){ net, ipc, pid }, &shares, err);
        if (r >= 0)
                shares.net_path = network_container_netns_path(e, c);
        if (r < 0) {
                namespace_shares_clear(&shares);
                return r;
        }
        *ret = shares;
        return 0;
}

void namespace_shares_clear(struct namespace_shares *s)
{
        free(s->shm_source);
        free(s->net_path);
        *s = (struct namespace_shares){};
}

void namespace_shares_release(struct engine *e, struct container *c)
{
        _cleanup_free_ char *path = shm_path(e, c->id);

        if (!path)
                return;
        if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                log_warn_errno(-errno, "Failed to unmount the shareable /dev/shm of container %s: %m", c->id);
        if (rmdir(path) < 0 && errno != ENOENT)
                log_warn_errno(-errno, "Failed to remove %s: %m", path);
}
