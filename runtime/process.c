/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>

#include "fsutil.h"
#include "runtime/procfs.h"
#include "runtime/process.h"
#include "strv.h"

int process_set_hostname(const struct runtime_spec *spec, struct error *err)
{
        bool uts = runtime_spec_has_namespace(spec, CLONE_NEWUTS, NULL);

        if ((!isempty(spec->hostname) || !isempty(spec->domainname)) && !uts)
                return error_set(err, -EINVAL, "setting the hostname needs a UTS namespace");
        if (!isempty(spec->hostname) && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                return error_set_errno(err, negative_errno(), "failed to set hostname %s", spec->hostname);
        if (!isempty(spec->domainname) && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
                return error_set_errno(err, negative_errno(), "failed to set domain name %s", spec->domainname);
        return 0;
}

int process_sysctl_path(const char *name, char **ret, struct error *err)
{
        _cleanup_free_ char *path = strdup(name);
        _cleanup_strv_free_ char **parts = NULL;

        if (!path)
                return -ENOMEM;
        /* "net/ipv4/conf/eth0.100/forwarding" names an interface with a dot;
         * with no slash, dots separate the components. */
        if (!strchr(path, '/'))
                for (char *p = path; *p; p++)
                        if (*p == '.')
                                *p = '/';

        parts = strv_split(path, "/", true);
        if (!parts)
                return -ENOMEM;
        if (!parts[0] || isempty(path))
                return error_set(err, -EINVAL, "invalid sysctl name \"%s\"", name);
        STRV_FOREACH (p, parts)
                if (!**p || streq(*p, ".") || streq(*p, ".."))
                        return error_set(err, -EINVAL, "invalid sysctl name \"%s\"", name);

        *ret = TAKE_PTR(path);
        return 0;
}

/* Tells which namespace a sysctl belongs to (0 for none), with runc's
 * list of namespaced sysctls. */
static int sysctl_namespace(const char *path)
{
        static const char *const ipc[] = {
                "kernel/msgmax", "kernel/msgmnb", "kernel/msgmni", "kernel/sem",
                "kernel/shmall", "kernel/shmmax", "kernel/shmmni", "kernel/shm_rmid_forced",
        };

        for (size_t i = 0; i < ARRAY_SIZE(ipc); i++)
                if (streq(path, ipc[i]))
                        return CLONE_NEWIPC;
        if (startswith(path, "fs/mqueue/"))
                return CLONE_NEWIPC;
        if (startswith(path, "net/"))
                return CLONE_NEWNET;
        if (streq(path, "kernel/hostname") || streq(path, "kernel/domainname"))
                return CLONE_NEWUTS;
        return 0;
}

int process_set_sysctls(const struct runtime_spec *spec, int procfd, struct error *err)
{
        const struct runtime_linux *l = &spec->linux_config;

        for (size_t i = 0; l->sysctl_keys && l->sysctl_keys[i]; i++) {
                _cleanup_free_ char *path = NULL, *full = NULL;
                int ns, r;

                r = process_sysctl_path(l->sysctl_keys[i], &path, err);
                if (r < 0)
                        return r;
                ns = sysctl_namespace(path);
                if (ns == 0 || !runtime_spec_has_namespace(spec, ns, NULL))
                        return error_set(err, -EPERM, "sysctl %s is not in a separate kernel namespace",
                                         l->sysctl_keys[i]);
                if (asprintf(&full, "sys/%s", path) < 0)
                        return -ENOMEM;
                r = procfs_write(procfd, full, l->sysctl_values[i], err);
                if (r < 0)
                        return error_prefix(err, r, "failed to set sysctl %s", l->sysctl_keys[i]);
        }
        return 0;
}

static int set_rlimit(const struct runtime_rlimit *rl, struct error *err)
{
        struct rlimit limit = { .rlim_cur = rl->soft, .rlim_max = rl->hard };
        struct rlimit current;

        if (setrlimit(rl->resource, &limit) == 0)
                return 0;
        if (errno == EPERM && getrlimit(rl->resource, &current) == 0 && rl->hard > current.rlim_max)
                return error_set(err, -EPERM,
                                 "resource limit %d: hard limit %" PRIu64 " is above the host's hard limit %" PRIu64,
                                 rl->resource, rl->hard, (uint64_t)current.rlim_max);
        return error_set_errno(err, negative_errno(), "failed to set resource limit %d to %" PRIu64 ":%" PRIu64,
                               rl->resource, rl->soft, rl->hard);
}

int process_set_oom_score_adj_of(const struct runtime_spec *spec, pid_t pid, struct error *err)
{
        _cleanup_close_ int fd = -1;
        char path[64], text[16];
        int r;

        if (!spec->process.has_oom_score_adj || !runtime_spec_has_namespace(spec, CLONE_NEWUSER, NULL))
                return 0;
        /* pid is the caller's unreaped child, so it cannot name another
         * process. */
        snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open %s", path);
        snprintf(text, sizeof(text), "%d", spec->process.oom_score_adj);
        r = fs_write_all(fd, text, strlen(text));
        if (r < 0)
                return error_set_errno(err, r, "failed to set the OOM score adjustment to %s", text);
        return 0;
}

static int set_oom_score_adj(int value, int procfd, struct error *err)
{
        _cleanup_free_ char *current = NULL;
        _cleanup_close_ int self_fd = -1;
        char text[16];

        snprintf(text, sizeof(text), "%d", value);
        /* Lowering the score needs CAP_SYS_RESOURCE; writing the value the
         * process inherited changes nothing and must not fail for it. */
        self_fd = openat(procfd, "self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (self_fd >= 0 && fs_read_file_at(self_fd, "oom_score_adj", 64, &current, NULL) >= 0 &&
            atoi(current) == value)
                return 0;
        return procfs_write(procfd, "self/oom_score_adj", text, err);
}

int process_set_limits(const struct runtime_spec *spec, int procfd, struct error *err)
{
        const struct runtime_process *p = &spec->process;
        int r;

        for (size_t i = 0; i < p->n_rlimits; i++) {
                r = set_rlimit(&p->rlimits[i], err);
                if (r < 0)
                        return r;
        }
        if (p->has_oom_score_adj)
                return set_oom_score_adj(p->oom_score_adj, procfd, err);
        return 0;
}
