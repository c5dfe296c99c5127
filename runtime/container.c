/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/namespaces.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/sync.h"

struct runtime_container {
        pid_t pid;
        int pidfd;
        int sock; /* the parent's end of the handshake, -1 once started */
        int console;
        struct cgroup *cg;
        int join_pidfd;  /* exec: the init of the container joined (borrowed), else -1 */
        bool in_unified; /* cloned into its cgroup2 cgroup */
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct runtime_container *, runtime_container_free)

/* Counts the threads of the calling process: clone from a multi-threaded
 * process would leave locks held by the other threads in the child. */
static int count_threads(void)
{
        DIR *dir = opendir("/proc/self/task");
        struct dirent *de;
        int n = 0;

        if (!dir)
                return negative_errno();
        while ((de = readdir(dir)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(dir);
        return n;
}

static int open_stdio(const struct runtime_spec *spec, const struct runtime_create_options *opts, int fds[3],
                      struct error *err)
{
        const int given[3] = { opts->stdin_fd, opts->stdout_fd, opts->stderr_fd };

        for (int i = 0; i < 3; i++) {
                /* With a terminal, the pty replaces stdio in the init. */
                if (given[i] >= 0 && !runtime_spec_terminal(spec)) {
                        fds[i] = fcntl(given[i], F_DUPFD_CLOEXEC, 3);
                        if (fds[i] < 0)
                                return error_set_errno(err, negative_errno(), "invalid stdio fd %d", given[i]);
                        continue;
                }
                fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
                if (fds[i] < 0)
                        return error_set_errno(err, negative_errno(), "failed to open /dev/null");
        }
        return 0;
}

static void close_stdio(int fds[3])
{
        for (int i = 0; i < 3; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
}

/* Calls clone3(2) for the init, again without CLONE_INTO_CGROUP where
 * the kernel lacks it (before 5.7), and runs init_main in the child. */
static long clone3_init(struct clone_args *ca, const struct init_args *args)
{
        long pid = syscall(SYS_clone3, ca, sizeof(*ca));

        if (pid < 0 && (ca->flags & CLONE_INTO_CGROUP) && (errno == EINVAL || errno == E2BIG || errno == EOPNOTSUPP)) {
                ca->flags &= ~(uint64_t)CLONE_INTO_CGROUP;
                ca->cgroup = 0;
                pid = syscall(SYS_clone3, ca, sizeof(*ca));
        }
        if (pid == 0)
                init_main(args);
        return pid;
}

/* The step at which the helper of clone_in_userns stopped. */
enum userns_helper_step {
        HELPER_ENTER_PID,
        HELPER_JOIN_USER,
        HELPER_CLONE,
};

/* The report the helper of clone_in_userns writes to its pipe. */
struct userns_helper_report {
        int error; /* negative errno, or 0 */
        enum userns_helper_step step;
        bool in_cgroup; /* CLONE_INTO_CGROUP worked */
        pid_t pid;      /* the init, when error is 0 */
};

/* Runs in the helper process: enters the PID namespace the spec joins,
 * joins the user namespace and clones the init as a sibling, the
 * caller's child. */
static _noreturn_ void run_userns_helper(struct clone_args ca, int userns_fd, const struct init_args *args,
                                         int report_fd)
{
        struct userns_helper_report report = { .step = HELPER_ENTER_PID };
        _cleanup_error_ struct error ignored = ERROR_INIT;
        int saved_pid_ns = -1;
        long pid;

        report.error = namespaces_enter_pid(args->spec, &saved_pid_ns, &ignored);
        if (report.error >= 0) {
                report.step = HELPER_JOIN_USER;
                report.error = setns(userns_fd, CLONE_NEWUSER) < 0 ? negative_errno() : 0;
        }
        if (report.error >= 0) {
                report.step = HELPER_CLONE;
                /* clone3(2) takes no exit signal with CLONE_PARENT: the
                 * init gets the helper's, SIGCHLD. */
                ca.flags = (ca.flags & ~(uint64_t)CLONE_PIDFD) | CLONE_PARENT;
                ca.pidfd = 0;
                ca.exit_signal = 0;
                pid = clone3_init(&ca, args);
                report.error = pid < 0 ? negative_errno() : 0;
                report.pid = (pid_t)pid;
                report.in_cgroup = ca.flags & CLONE_INTO_CGROUP;
        }
        (void)!write(report_fd, &report, sizeof(report));
        _exit(0);
}

/* Clones the init in the user namespace userns_fd. The namespaces a
 * process creates belong to its user namespace, and the container's root
 * has capabilities only over those. So a helper joins the user namespace
 * first and clones the init from there, with CLONE_PARENT so that the init
 * is still the caller's child. Returns the pid with *ret_pidfd set. */
static pid_t clone_in_userns(struct clone_args *ca, int userns_fd, const struct init_args *args, int *ret_pidfd,
                             bool *ret_in_cgroup, struct error *err)
{
        struct userns_helper_report report = { .error = -EPIPE };
        _cleanup_close_ int read_fd = -1;
        int fds[2], pidfd;
        ssize_t n;
        pid_t helper;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return error_set_errno(err, negative_errno(), "failed to create a pipe for the user namespace helper");
        read_fd = fds[0];
        helper = fork();
        if (helper == 0) {
                close(fds[0]);
                run_userns_helper(*ca, userns_fd, args, fds[1]);
        }
        close(fds[1]);
        if (helper < 0)
                return error_set_errno(err, negative_errno(), "failed to start the user namespace helper");
        do
                n = read(read_fd, &report, sizeof(report));
        while (n < 0 && errno == EINTR);
        while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
                ;
        if (n != (ssize_t)sizeof(report))
                return error_set(err, -EPIPE, "the user namespace helper ended without a report");
        if (report.error < 0 && report.step == HELPER_ENTER_PID)
                return error_set_errno(err, report.error, "failed to join the PID namespace");
        if (report.error < 0 && report.step == HELPER_JOIN_USER)
                return error_set_errno(err, report.error, "failed to join the user namespace");
        if (report.error < 0)
                return error_set_errno(err, report.error, "failed to clone the container's init in the user namespace");

        /* The init is the caller's unreaped child, so its pid cannot name
         * another process. */
        pidfd = pidfd_open(report.pid, 0);
        if (pidfd < 0) {
                int r = negative_errno();

                (void)kill(report.pid, SIGKILL);
                while (waitpid(report.pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                return error_set_errno(err, r, "failed to open a pidfd for the container's init");
        }
        *ret_pidfd = pidfd;
        *ret_in_cgroup = report.in_cgroup;
        return report.pid;
}

/* Clones the init like fork, into new namespaces, and runs init_main in
 * it. With cgroup_fd (a cgroup2 directory, else -1) the init starts in
 * that cgroup: moving a process there later costs the kernel an RCU grace
 * period, milliseconds of every container start. *ret_in_cgroup tells
 * whether that worked; kernels before 5.7 lack CLONE_INTO_CGROUP. With
 * userns_fd (else -1) the init starts in that user namespace and the new
 * namespaces belong to it. Returns the pid with *ret_pidfd set. */
static pid_t clone_init(uint64_t flags, int cgroup_fd, int userns_fd, const struct init_args *args, int *ret_pidfd,
                        bool *ret_in_cgroup, struct error *err)
{
        int pidfd = -1;
        struct clone_args ca = {
                .flags = flags | CLONE_PIDFD | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
                .pidfd = (uint64_t)(uintptr_t)&pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0,
        };
        sigset_t all, saved;
        long pid;

        /* The init starts with every signal blocked, so none of the
         * caller's handlers runs in it before init_main resets them. */
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, &saved);
        if (userns_fd >= 0) {
                pid = clone_in_userns(&ca, userns_fd, args, ret_pidfd, ret_in_cgroup, err);
                sigprocmask(SIG_SETMASK, &saved, NULL);
                return pid;
        }
        pid = clone3_init(&ca, args);
        if (pid < 0)
                pid = error_set_errno(err, negative_errno(), "failed to clone the container's init");
        sigprocmask(SIG_SETMASK, &saved, NULL);
        if (pid < 0)
                return pid;

        *ret_pidfd = pidfd;
        *ret_in_cgroup = ca.flags & CLONE_INTO_CGROUP;
        return pid;
}

/* Kills and reaps an init that did not make it to "created". */
static void abort_init(struct runtime_container *c)
{
        siginfo_t info;

        if (c->pidfd < 0)
                return;
        (void)pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0);
        while (waitid(P_PIDFD, c->pidfd, &info, WEXITED) < 0 && errno == EINTR)
                ;
}

/* Reaps an init that ended the handshake without a message (a crash, or
 * a kill from outside) and says how it ended. */
static int report_early_exit(struct runtime_container *c, struct error *err)
{
        siginfo_t info = {};

        while (waitid(P_PIDFD, c->pidfd, &info, WEXITED) < 0 && errno == EINTR)
                ;
        if (info.si_code == CLD_EXITED)
                return error_set(err, -ECHILD, "the container's init exited with status %d during setup",
                                 info.si_status);
        return error_set(err, -ECHILD, "the container's init was killed by signal %d (%s) during setup", info.si_status,
                         strsignal(info.si_status));
}

/* Lets the init go on, with the root filesystem the parent built for it
 * (rootfs_fd, or -1), and waits until it is ready to execve. */
/* Runs the prestart and createRuntime hooks when the init requests them,
 * once the container's namespaces and mounts exist. */
static int run_runtime_hooks(struct runtime_container *c, const struct runtime_spec *spec,
                             const struct runtime_create_options *opts, struct error *err)
{
        struct runtime_state st = {
                .id = opts->id,
                .status = "creating",
                .pid = c->pid,
                .bundle = opts->bundle,
                .annotations = spec->annotations,
        };
        int r;

        r = sync_recv(c->sock, SYNC_HOOKS, NULL, err);
        if (r == 1)
                return report_early_exit(c, err);
        if (r < 0)
                return r == -EPROTO ? error_set(err, r, "unexpected message from the container's init") : r;
        r = runtime_hooks_run(spec, RUNTIME_HOOK_PRESTART, &st, err);
        if (r >= 0)
                r = runtime_hooks_run(spec, RUNTIME_HOOK_CREATE_RUNTIME, &st, err);
        if (r < 0)
                return r;
        r = sync_send(c->sock, SYNC_HOOKS_DONE, -1);
        if (r < 0)
                return error_set_errno(err, r, "failed to signal the container's init");
        return 0;
}

static int wait_created(struct runtime_container *c, const struct runtime_spec *spec,
                        const struct runtime_create_options *opts, int rootfs_fd, struct error *err)
{
        int console = -1;
        int r;

        r = sync_send(c->sock, SYNC_CGROUPS_JOINED, rootfs_fd);
        if (r < 0)
                return error_set_errno(err, r, "failed to signal the container's init");
        if (c->join_pidfd < 0 && init_has_runtime_hooks(spec)) {
                r = run_runtime_hooks(c, spec, opts, err);
                if (r < 0)
                        return r;
        }
        r = sync_recv(c->sock, SYNC_CREATED, &console, err);
        if (r == 1)
                return report_early_exit(c, err);
        if (r < 0)
                return r == -EPROTO ? error_set(err, r, "unexpected message from the container's init") : r;
        c->console = console;
        return 0;
}

static int spawn(struct runtime_container *c, const struct runtime_spec *spec,
                 const struct runtime_create_options *opts, uint64_t flags, int userns_fd,
                 const struct runtime_seccomp_program *seccomp, struct error *err)
{
        struct init_args args = {
                .spec = spec, .bundle = opts->bundle, .cg = c->cg, .seccomp = seccomp, .stdio = { -1, -1, -1 }
        };
        _cleanup_close_ int child_sock = -1;
        _cleanup_close_ int cgroup_fd = -1;
        int socks[2], saved_pid_ns = -1;
        pid_t pid;
        int r;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0)
                return error_set_errno(err, negative_errno(), "failed to create the handshake socket");
        c->sock = args.parent_sock = socks[0];
        child_sock = args.sock = socks[1];
        args.id = opts->id;
        args.join_pidfd = c->join_pidfd;
        args.no_new_keyring = opts->no_new_keyring;

        r = open_stdio(spec, opts, args.stdio, err);
        /* With a user namespace to join, the helper that clones the init
         * enters the PID namespace. Forked after the parent entered it,
         * the helper would get the init's pid in the container's numbers. */
        if (r >= 0 && userns_fd < 0)
                r = namespaces_enter_pid(spec, &saved_pid_ns, err);
        if (r < 0) {
                close_stdio(args.stdio);
                return r;
        }
        cgroup_fd = cgroup_open_unified(c->cg);
        pid = clone_init(flags, cgroup_fd, userns_fd, &args, &c->pidfd, &c->in_unified, err);
        namespaces_leave_pid(saved_pid_ns);
        close_stdio(args.stdio);
        if (pid < 0)
                return pid;
        c->pid = pid;
        return 0;
}

int runtime_container_create(const struct runtime_spec *spec, const struct runtime_create_options *opts,
                             struct runtime_container **ret, struct error *err)
{
        _cleanup_(runtime_container_freep) struct runtime_container *c = NULL;
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *seccomp = NULL;
        _cleanup_free_ char *cgroup_path = NULL;
        _cleanup_close_ int rootfs_fd = -1, userns_fd = -1;
        uint64_t flags;
        int r;

        if (isempty(opts->id) || isempty(opts->bundle))
                return error_set(err, -EINVAL, "a container needs an ID and a bundle directory");
        if (!spec->has_process)
                return error_set(err, -EINVAL, "invalid config.json: process is missing");
        if (count_threads() != 1)
                return error_set(err, -EINVAL, "the container must be created from a single-threaded process");
        r = namespaces_clone_flags(spec, &flags, err);
        if (r < 0)
                return r;
        r = namespaces_open_user(spec, &userns_fd, err);
        if (r < 0)
                return r;
        r = cgroup_path_for(spec->linux_config.cgroups_path, opts->cgroup_parent, opts->id, &cgroup_path, err);
        if (r < 0)
                return r;
        /* Compiled here, in the host's mount namespace where the cache is,
         * and before anything exists that a failure would have to undo. */
        if (spec->linux_config.seccomp) {
                r = runtime_seccomp_prepare(spec->linux_config.seccomp, opts->seccomp_cache_dir, &seccomp, err);
                if (r < 0)
                        return r;
        }

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (struct runtime_container){ .pidfd = -1, .sock = -1, .console = -1, .join_pidfd = -1 };

        r = cgroup_create(cgroup_path, &spec->linux_config.resources, &c->cg, err);
        if (r < 0)
                return r;
        r = spawn(c, spec, opts, flags, userns_fd, seccomp, err);
        if (r < 0)
                goto undo_cgroup;
        r = cgroup_join(c->cg, c->pid, c->in_unified, err);
        if (r < 0)
                goto undo_init;
        r = namespaces_write_id_maps(spec, c->pid, err);
        if (r < 0)
                goto undo_init;
        r = process_set_oom_score_adj_of(spec, c->pid, err);
        if (r < 0)
                goto undo_init;
        r = rootfs_build_idmapped(spec, c->pid, &rootfs_fd, err);
        if (r < 0)
                goto undo_init;
        r = wait_created(c, spec, opts, rootfs_fd, err);
        if (r < 0)
                goto undo_init;

        *ret = TAKE_PTR(c);
        return 0;

undo_init:
        abort_init(c);
undo_cgroup:
        cgroup_destroy(c->cg);
        return r;
}

int runtime_container_exec(const struct runtime_spec *spec, const struct runtime_create_options *opts, int init_pidfd,
                           const char *cgroup_path, struct runtime_container **ret, struct error *err)
{
        _cleanup_(runtime_container_freep) struct runtime_container *c = NULL;
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *seccomp = NULL;
        int saved_pid_ns = -1;
        int r;

        if (!spec->has_process)
                return error_set(err, -EINVAL, "the process to execute is missing");
        if (count_threads() != 1)
                return error_set(err, -EINVAL, "the process must be started from a single-threaded process");
        if (spec->linux_config.seccomp) {
                r = runtime_seccomp_prepare(spec->linux_config.seccomp, opts->seccomp_cache_dir, &seccomp, err);
                if (r < 0)
                        return r;
        }

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (struct runtime_container){ .pidfd = -1, .sock = -1, .console = -1, .join_pidfd = init_pidfd };
        r = cgroup_open(cgroup_path, false, &c->cg, err);
        if (r < 0)
                return r;

        r = namespaces_enter_pid_of(spec, init_pidfd, &saved_pid_ns, err);
        if (r < 0)
                return r;
        r = spawn(c, spec, opts, 0, -1, seccomp, err);
        namespaces_leave_pid(saved_pid_ns);
        if (r < 0)
                return r;
        r = cgroup_join(c->cg, c->pid, c->in_unified, err);
        if (r >= 0)
                r = wait_created(c, spec, opts, -1, err);
        if (r < 0) {
                abort_init(c);
                return r;
        }

        *ret = TAKE_PTR(c);
        return 0;
}

int runtime_container_exec_in(struct runtime_container *c, const struct runtime_spec *spec,
                              const struct runtime_create_options *opts, struct runtime_container **ret,
                              struct error *err)
{
        if (c->join_pidfd >= 0)
                return error_set(err, -EINVAL, "a process can only be executed in a container, not in an exec");
        return runtime_container_exec(spec, opts, c->pidfd, c->cg->path, ret, err);
}

int runtime_container_start(struct runtime_container *c, struct error *err)
{
        int r;

        if (c->sock < 0)
                return error_set(err, -EALREADY, "the container was started already");
        r = sync_send(c->sock, SYNC_START, -1);
        if (r < 0)
                return error_set_errno(err, r, "failed to start the container's init");

        /* The init's end of the socket closes on execve, so success is the
         * end of the stream; the init only ever sends SYNC_ERROR here. */
        r = sync_recv(c->sock, SYNC_START, NULL, err);
        c->sock = (close(c->sock), -1);
        if (r == 1)
                return 0;
        if (r == -EPROTO)
                return error_set(err, r, "unexpected message from the container's init");
        return r < 0 ? r : error_set(err, -EPROTO, "unexpected message from the container's init");
}

pid_t runtime_container_pid(const struct runtime_container *c)
{
        return c->pid;
}

int runtime_container_pidfd(const struct runtime_container *c)
{
        return c->pidfd;
}

int runtime_container_take_console(struct runtime_container *c)
{
        return TAKE_FD(c->console);
}

int runtime_container_kill(struct runtime_container *c, int sig)
{
        if (pidfd_send_signal(c->pidfd, sig, NULL, 0) < 0)
                return negative_errno();
        return 0;
}

bool runtime_container_oom_killed(const struct runtime_container *c)
{
        return cgroup_oom_killed(c->cg);
}

int runtime_container_update(struct runtime_container *c, const struct runtime_resources *res, struct error *err)
{
        return cgroup_update(c->cg, res, err);
}

int runtime_container_destroy(struct runtime_container *c)
{
        return cgroup_destroy(c->cg);
}

void runtime_container_free(struct runtime_container *c)
{
        if (!c)
                return;
        if (c->pidfd >= 0)
                close(c->pidfd);
        if (c->sock >= 0)
                close(c->sock);
        if (c->console >= 0)
                close(c->console);
        cgroup_free(c->cg);
        free(c);
}
