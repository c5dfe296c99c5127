/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's init, from clone to execve. The order of the steps
 * matters, and mostly follows runc:
 *
 *   - the init waits until its parent has moved it into its cgroups, so
 *     that a new cgroup namespace is rooted at the container's cgroup;
 *   - the working directory is created before the root may turn
 *     read-only, and as root, before the credentials change;
 *   - sysctls are written before /proc/sys turns read-only;
 *   - without no_new_privs, seccomp is loaded while CAP_SYS_ADMIN is still
 *     there; with it, just before execve;
 *   - every fd but stdio and the handshake is closed before the chdir into
 *     the working directory and the executable lookup, so neither can go
 *     through a /proc/self/fd entry of the runtime's.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <linux/keyctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "fsutil.h"
#include "netns/loopback.h"
#include "runtime/caps.h"
#include "runtime/container.h"
#include "runtime/devices.h"
#include "runtime/exec.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/mounts.h"
#include "runtime/mountutil.h"
#include "runtime/namespaces.h"
#include "runtime/procfs.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/user.h"
#include "strv.h"

/* /etc/passwd and /etc/group of real images are small; this bounds what a
 * hostile image can make the runtime read. */
#define USER_DB_MAX_SIZE (16u << 20)

/* The init's state, built up from one step to the next. */
struct init_state {
        const struct init_args *args;
        const struct runtime_spec *spec;
        int sock;
        int procfd;
        int console_master;
        int rootfs_fd; /* the root filesystem the parent built, or -1 */
        struct runtime_exec_user user;
        struct runtime_capabilities caps;
        char **env;
        char *executable;
};

/* Moves fd above 2, so that installing stdio cannot overwrite it. */
static int move_above_stdio(int fd)
{
        int moved;

        if (fd > 2)
                return fd;
        moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        return moved < 0 ? negative_errno() : moved;
}

static int install_stdio(const int fds[3], struct error *err)
{
        int high[3];

        /* Copy all three above 2 first: fds[1] may be 0, for instance. */
        for (int i = 0; i < 3; i++) {
                high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
                if (high[i] < 0)
                        return error_set_errno(err, negative_errno(), "failed to duplicate stdio fd %d", fds[i]);
        }
        for (int i = 0; i < 3; i++) {
                if (dup2(high[i], i) < 0)
                        return error_set_errno(err, negative_errno(), "failed to install stdio fd %d", i);
                close(high[i]);
        }
        return 0;
}

/* Closes every fd but stdio and the two given (-1 for none), so that no
 * fd of the caller reaches the container, where /proc/self/fd/N would
 * lead back out of it. */
static int close_other_fds(int keep_a, int keep_b, struct error *err)
{
        int keep[2] = { MIN(keep_a, keep_b), MAX(keep_a, keep_b) };
        unsigned from = 3;

        for (int i = 0; i < 2; i++) {
                if (keep[i] < (int)from)
                        continue;
                if ((unsigned)keep[i] > from && close_range(from, keep[i] - 1, 0) < 0)
                        return error_set_errno(err, negative_errno(), "failed to close inherited fds");
                from = keep[i] + 1;
        }
        if (close_range(from, ~0U, 0) < 0)
                return error_set_errno(err, negative_errno(), "failed to close inherited fds");
        return 0;
}

/* Becomes root of the container's user namespace: of a new one once the
 * parent has written its maps, or of the one the init was cloned in. The
 * init keeps the host's ids until then, which the namespace does not map. */
static int become_namespace_root(const struct runtime_spec *spec, struct error *err)
{
        if (!runtime_spec_has_namespace(spec, CLONE_NEWUSER, NULL))
                return 0;
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return error_set_errno(err, negative_errno(),
                                       "failed to become root in the user namespace (are uid 0 and gid 0 mapped?)");
        return 0;
}

static int setup_namespaces(struct init_state *s, struct error *err)
{
        const char *path = NULL;
        int r;

        /* Joined first, while the init still has the host's ids, which
         * may open namespace files in directories only host root reaches. */
        r = namespaces_join(s->spec, err);
        if (r < 0)
                return r;
        r = become_namespace_root(s->spec, err);
        if (r < 0)
                return r;
        if (runtime_spec_has_namespace(s->spec, CLONE_NEWNET, &path) && !path) {
                r = netns_loopback_up(err);
                if (r < 0)
                        return r;
        }
        /* Only now that the init is in its cgroup, which the namespace then
         * shows as its root. */
        path = NULL;
        if (runtime_spec_has_namespace(s->spec, CLONE_NEWCGROUP, &path) && !path && unshare(CLONE_NEWCGROUP) < 0)
                return error_set_errno(err, negative_errno(), "failed to create the cgroup namespace");
        return 0;
}

/* Runs the hooks of kind from inside the container's namespaces. */
static int run_hooks(struct init_state *s, enum runtime_hook_kind kind, const char *status, struct error *err)
{
        struct runtime_state st = {
                .id = s->args->id,
                .status = status,
                .pid = getpid(),
                .bundle = s->args->bundle,
                .annotations = s->spec->annotations,
        };

        return runtime_hooks_run(s->spec, kind, &st, err);
}

/* Has the parent run the prestart and createRuntime hooks, then runs the
 * createContainer hooks: all once the mounts exist, before pivot_root,
 * so that the hooks still see the host's filesystem. */
static int run_create_hooks(struct init_state *s, struct error *err)
{
        int r;

        if (init_has_runtime_hooks(s->spec)) {
                r = sync_send(s->sock, SYNC_HOOKS, -1);
                if (r < 0)
                        return r;
                r = sync_recv(s->sock, SYNC_HOOKS_DONE, NULL, err);
                if (r != 0)
                        return r < 0 ? r : -EPIPE;
        }
        return run_hooks(s, RUNTIME_HOOK_CREATE_CONTAINER, "creating", err);
}

bool init_has_runtime_hooks(const struct runtime_spec *spec)
{
        return runtime_hooks_any(spec, RUNTIME_HOOK_PRESTART) || runtime_hooks_any(spec, RUNTIME_HOOK_CREATE_RUNTIME);
}

/* Builds the container's filesystem and moves into it. */
static int setup_rootfs(struct init_state *s, struct error *err)
{
        const struct runtime_spec *spec = s->spec;
        _cleanup_close_ int root_fd = -1, cwd_fd = -1;
        bool cgroupns = runtime_spec_has_namespace(spec, CLONE_NEWCGROUP, NULL);
        int r;

        root_fd = rootfs_prepare(spec, s->args->bundle, TAKE_FD(s->rootfs_fd), err);
        if (root_fd < 0)
                return root_fd;
        r = mounts_apply(spec, s->args->bundle, root_fd, s->args->cg, cgroupns, err);
        if (r < 0)
                return r;
        r = devices_create(spec, root_fd, err);
        if (r < 0)
                return r;
        /* The working directory is created as root, before a read-only
         * root or the user's credentials could prevent it, as runc does. */
        cwd_fd = mountutil_open_target(root_fd, spec->process.cwd, false, false, err);
        if (cwd_fd < 0)
                return error_prefix(err, cwd_fd, "working directory %s", spec->process.cwd);
        r = run_create_hooks(s, err);
        if (r < 0)
                return r;
        return rootfs_pivot(root_fd, err);
}

static int setup_terminal(struct init_state *s, struct error *err)
{
        _cleanup_close_ int slave = -1;
        int fds[3];

        if (!s->spec->process.terminal)
                return 0;
        s->console_master = terminal_setup(s->spec, &slave, err);
        if (s->console_master < 0)
                return s->console_master;
        fds[0] = fds[1] = fds[2] = slave;
        return install_stdio(fds, err);
}

/* Sets what belongs to the container as a whole, after pivot_root. */
static int setup_system(struct init_state *s, struct error *err)
{
        int r;

        r = process_set_hostname(s->spec, err);
        if (r < 0)
                return r;
        r = process_set_sysctls(s->spec, s->procfd, err);
        if (r < 0)
                return r;
        r = mounts_apply_masks(s->spec, err);
        if (r < 0)
                return r;
        if (s->spec->root_readonly) {
                r = rootfs_set_readonly(err);
                if (r < 0)
                        return r;
        }
        return process_set_limits(s->spec, s->procfd, err);
}

/* Reads a file of the container's user database. After pivot_root every
 * path resolves inside the container, and no container process runs yet
 * that could change the file meanwhile. A missing file gives NULL. */
static int read_user_db(const char *path, char **ret, struct error *err)
{
        struct stat st;
        int r;

        if (stat(path, &st) < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                return error_set_errno(err, negative_errno(), "failed to inspect %s", path);
        }
        /* A FIFO or a device there would block or never end. */
        if (!S_ISREG(st.st_mode))
                return error_set(err, -EINVAL, "%s is not a regular file", path);
        r = fs_read_file_at(AT_FDCWD, path, USER_DB_MAX_SIZE, ret, NULL);
        if (r < 0)
                return error_set_errno(err, r, "failed to read %s", path);
        return 0;
}

static int prepend_group(struct runtime_exec_user *u, gid_t gid)
{
        gid_t *groups = malloc((u->n_groups + 1) * sizeof(gid_t));
        size_t n = 0;

        if (!groups)
                return -ENOMEM;
        groups[n++] = gid;
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] != gid)
                        groups[n++] = u->groups[i];
        free(u->groups);
        u->groups = groups;
        u->n_groups = n;
        return 0;
}

static int append_groups(struct runtime_exec_user *u, const struct runtime_user *spec_user)
{
        size_t n = u->n_groups + spec_user->n_additional_gids;
        gid_t *groups;

        if (spec_user->n_additional_gids == 0)
                return 0;
        groups = realloc(u->groups, (n ?: 1) * sizeof(gid_t));
        if (!groups)
                return -ENOMEM;
        memcpy(groups + u->n_groups, spec_user->additional_gids, spec_user->n_additional_gids * sizeof(gid_t));
        u->groups = groups;
        u->n_groups = n;
        return 0;
}

/* Finds the process's credentials: Docker's user string when the spec has
 * the annotation, process.user otherwise. Either way passwd gives HOME. */
static int resolve_user(struct init_state *s, struct error *err)
{
        const struct runtime_user *spec_user = &s->spec->process.user;
        _cleanup_free_ char *passwd = NULL, *group = NULL, *numeric = NULL;
        int r;

        r = read_user_db("/etc/passwd", &passwd, err);
        if (r >= 0)
                r = read_user_db("/etc/group", &group, err);
        if (r < 0)
                return r;

        s->caps = s->spec->process.capabilities;
        if (s->spec->user) {
                r = runtime_user_resolve(s->spec->user, passwd, group, &s->user, err);
                /* Docker (20.10.18 and later) lists the primary group among
                 * the supplementary ones too, so that a file denying that
                 * group stays denied whatever the process does with setgroups. */
                if (r >= 0)
                        r = prepend_group(&s->user, s->user.gid);
                /* dockerd gives a user other than root only the bounding
                 * set. With the annotation, only the runtime learns the uid. */
                if (r >= 0 && s->user.uid != 0)
                        s->caps = (struct runtime_capabilities){ .bounding = s->caps.bounding };
        } else {
                /* "uid:gid" finds the home directory and keeps both ids. */
                if (asprintf(&numeric, "%u:%u", (unsigned)spec_user->uid, (unsigned)spec_user->gid) < 0)
                        return -ENOMEM;
                r = runtime_user_resolve(numeric, passwd, group, &s->user, err);
        }
        if (r < 0)
                return r;
        r = append_groups(&s->user, spec_user);
        if (r < 0)
                return r;
        return runtime_user_add_groups(&s->user, s->spec->group_add, group, err);
}

static int build_env(struct init_state *s)
{
        int r;

        STRV_FOREACH (e, s->spec->process.env) {
                r = strv_append(&s->env, *e);
                if (r < 0)
                        return r;
        }
        if (!isempty(runtime_env_get(s->env, "HOME")))
                return 0;

        _cleanup_free_ char *home = NULL;
        if (asprintf(&home, "HOME=%s", s->user.home) < 0)
                return -ENOMEM;
        return strv_consume(&s->env, TAKE_PTR(home));
}

/* Becomes the container's process: credentials, working directory and
 * capabilities, in runc's order. */
static int setup_process(struct init_state *s, struct error *err)
{
        const struct runtime_process *p = &s->spec->process;
        int r;

        r = resolve_user(s, err);
        if (r < 0)
                return r;
        r = build_env(s);
        if (r < 0)
                return r;
        umask(p->user.has_umask ? p->user.umask : 022);

        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return error_set_errno(err, negative_errno(), "failed to set no_new_privs");
        /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN,
         * which the process is about to lose. With no_new_privs, the filter
         * waits until just before execve, so it covers less of the runtime. */
        if (s->args->seccomp && !p->no_new_privileges) {
                r = runtime_seccomp_program_load(s->args->seccomp, err);
                if (r < 0)
                        return r;
        }

        if (s->procfd >= 0) {
                close(s->procfd);
                s->procfd = -1;
        }
        r = close_other_fds(s->sock, s->console_master, err);
        if (r < 0)
                return r;
        r = caps_drop_bounding(&s->caps, err);
        if (r < 0)
                return r;
        r = user_switch(&s->user, err);
        if (r < 0)
                return r;
        if (chdir(p->cwd) < 0) {
                char text[128];

                r = negative_errno();
                return error_set(err, r, "chdir to cwd (\"%s\") set in config.json failed: %s", p->cwd,
                                 runtime_errno_text(r, text, sizeof(text)));
        }
        return caps_apply(&s->caps, err);
}

/* Gives the process a new, anonymous session keyring, as runc does unless
 * --no-new-keyring: the caller's would hand the container the caller's
 * keys. Runs after the user namespace is joined, so that the keyring
 * belongs to the container's root. Kernels without keyrings are fine. */
static int join_new_keyring(const struct init_args *args, struct error *err)
{
        if (args->no_new_keyring)
                return 0;
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
                return error_set_errno(err, negative_errno(), "failed to join a new session keyring");
        return 0;
}

/* Sets up an exec'd process in a running container: its namespaces (the
 * parent entered the PID namespace for it), a pty and its limits. */
static int setup_joined(struct init_state *s, struct error *err)
{
        _cleanup_close_ int slave = -1;
        int r;

        /* Opened while the host's mount namespace is still there. The
         * process only writes its own files, under "self", which the host's
         * /proc shows too (the PID namespace is a child of the host's). */
        s->procfd = procfs_open_host(err);
        if (s->procfd < 0)
                return s->procfd;
        r = namespaces_join_process(s->spec, s->args->join_pidfd, err);
        if (r < 0)
                return r;
        r = join_new_keyring(s->args, err);
        if (r < 0)
                return r;

        if (s->spec->process.terminal) {
                s->console_master = terminal_open(&s->spec->process, &slave, err);
                if (s->console_master < 0)
                        return s->console_master;
                r = install_stdio((int[]){ slave, slave, slave }, err);
                if (r < 0)
                        return r;
        }
        return process_set_limits(s->spec, s->procfd, err);
}

static int setup_container(struct init_state *s, struct error *err)
{
        int r;

        r = setup_namespaces(s, err);
        if (r < 0)
                return r;
        r = join_new_keyring(s->args, err);
        if (r < 0)
                return r;
        s->procfd = procfs_open_private(err);
        if (s->procfd < 0)
                return s->procfd;
        r = setup_rootfs(s, err);
        if (r < 0)
                return r;
        r = setup_terminal(s, err);
        if (r < 0)
                return r;
        return setup_system(s, err);
}

static int setup(struct init_state *s, struct error *err)
{
        int r;

        r = sync_recv(s->sock, SYNC_CGROUPS_JOINED, &s->rootfs_fd, err);
        if (r != 0)
                return r < 0 ? r : -EPIPE;
        r = s->args->join_pidfd >= 0 ? setup_joined(s, err) : setup_container(s, err);
        if (r < 0)
                return r;
        r = setup_process(s, err);
        if (r < 0)
                return r;
        return runtime_exec_lookup(s->spec->process.args[0], runtime_env_get(s->env, "PATH"), &s->executable, err);
}

/* Resets every signal to its default disposition: the handlers are the
 * caller's, and execve would keep the ignored ones. */
static void reset_signal_handlers(void)
{
        struct sigaction sa = { .sa_handler = SIG_DFL };

        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)sigaction(sig, &sa, NULL);
}

/* Unblocks every signal, which the init got blocked from clone_init,
 * because execve keeps the blocked mask. */
static void unblock_signals(void)
{
        sigset_t none;

        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
}

static int start(struct init_state *s, struct error *err)
{
        char text[128];
        int r;

        r = sync_recv(s->sock, SYNC_START, NULL, err);
        if (r != 0)
                return r < 0 ? r : -EPIPE;
        /* The death signal only guarded the setup; the container must not
         * die with the process that created it. */
        (void)prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);

        if (s->args->join_pidfd < 0) {
                r = run_hooks(s, RUNTIME_HOOK_START_CONTAINER, "created", err);
                if (r < 0)
                        return r;
        }

        if (s->args->seccomp && s->spec->process.no_new_privileges) {
                r = runtime_seccomp_program_load(s->args->seccomp, err);
                if (r < 0)
                        return r;
        }
        unblock_signals();
        execve(s->executable, s->spec->process.args, s->env);

        r = negative_errno();
        return error_set(err, r, "exec %s: %s", s->executable, runtime_errno_text(r, text, sizeof(text)));
}

_noreturn_ static void fail(struct init_state *s, int r, struct error *err)
{
        if (r != -EPIPE)
                (void)sync_send_error(s->sock, r, error_message(err, r));
        _exit(runtime_exec_error_exit_code(r));
}

_noreturn_ void init_main(const struct init_args *args)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        struct init_state s = {
                .args = args,
                .spec = args->spec,
                .sock = args->sock,
                .procfd = -1,
                .console_master = -1,
                .rootfs_fd = -1,
        };
        int r;

        /* Only the parent may hold its end, so that the init sees the end
         * of the stream when the parent goes away. */
        close(args->parent_sock);
        reset_signal_handlers();
        /* Nothing the container does may read this process's memory or
         * open its /proc files until it runs the container's own program. */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (setsid() < 0) {
                r = error_set_errno(&err, negative_errno(), "failed to create a session");
                fail(&s, r, &err);
        }

        s.sock = move_above_stdio(s.sock);
        if (s.sock < 0)
                _exit(1);
        r = install_stdio(args->stdio, &err);
        if (r < 0)
                fail(&s, r, &err);

        r = setup(&s, &err);
        if (r < 0)
                fail(&s, r, &err);
        r = sync_send(s.sock, SYNC_CREATED, s.console_master);
        if (r < 0)
                _exit(1);
        if (s.console_master >= 0) {
                close(s.console_master);
                s.console_master = -1;
        }

        r = start(&s, &err);
        fail(&s, r, &err);
}
