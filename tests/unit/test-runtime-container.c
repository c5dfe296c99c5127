/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives runtime/container.h the way the monitor does: create, start,
 * wait on the pidfd, then destroy, on a busybox root filesystem built in a
 * temporary directory. Needs root and a static busybox (SOCKERLESS_BUSYBOX,
 * default /bin/busybox); each test is skipped without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"

#define TMPDIR_TEMPLATE "/tmp/test-runtime-container-XXXXXX"

static char bundle[sizeof(TMPDIR_TEMPLATE)];
static char cgroup_parent[64];

static const char *const applets[] = { "sh", "true", "sleep", "dd", "cat", NULL };

static int copy_busybox(const char *dest)
{
        const char *source = getenv("SOCKERLESS_BUSYBOX") ?: "/bin/busybox";
        _cleanup_close_ int in = open(source, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int out = -1;

        if (in < 0)
                return -1;
        out = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (out < 0 || fs_copy_fd(in, out) < 0)
                return -1;
        return 0;
}

static int setup(void **state)
{
        char path[256];

        if (geteuid() != 0 || access(getenv("SOCKERLESS_BUSYBOX") ?: "/bin/busybox", X_OK) < 0)
                return 0;
        strcpy(bundle, TMPDIR_TEMPLATE);
        snprintf(cgroup_parent, sizeof(cgroup_parent), "sockerless-unit-%d", (int)getpid());
        if (!mkdtemp(bundle))
                return -1;
        snprintf(path, sizeof(path), "%s/rootfs/bin", bundle);
        if (fs_mkdir_p(path, 0755) < 0)
                return -1;
        snprintf(path, sizeof(path), "%s/rootfs/bin/busybox", bundle);
        if (copy_busybox(path) < 0)
                return -1;
        for (const char *const *a = applets; *a; a++) {
                snprintf(path, sizeof(path), "%s/rootfs/bin/%s", bundle, *a);
                if (symlink("busybox", path) < 0)
                        return -1;
        }
        snprintf(path, sizeof(path), "%s/rootfs/bin/bad", bundle);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
        if (fd < 0 || fs_write_all(fd, "\177ELFnot really", 15) < 0)
                return -1;
        close(fd);
        return 0;
}

static int teardown(void **state)
{
        char path[256];
        static const char *const controllers[] = { "memory",  "pids",  "cpu",     "cpuacct", "cpuset", "devices",
                                                   "freezer", "blkio", "systemd", "unified", NULL };

        if (!*bundle)
                return 0;
        for (const char *const *c = controllers; *c; c++) {
                snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", *c, cgroup_parent);
                rmdir(path);
        }
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", cgroup_parent);
        rmdir(path);
        return fs_rm_rf_at(AT_FDCWD, bundle);
}

static void require_environment(void)
{
        if (!*bundle)
                skip();
}

static struct runtime_spec *make_spec(const char *args, bool terminal, const char *extra)
{
        char text[4096];
        struct runtime_spec *spec = NULL;
        struct error err = ERROR_INIT;
        int r;

        snprintf(text, sizeof(text),
                 "{\"root\":{\"path\":\"rootfs\"},\"process\":{\"terminal\":%s,\"args\":%s,"
                 "\"env\":[\"PATH=/bin\"],\"cwd\":\"/\"},"
                 "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                 "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"mode=755\"]},"
                 "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
                 "\"options\":[\"newinstance\",\"ptmxmode=0666\"]}],"
                 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"},{\"type\":\"ipc\"}]%s}}",
                 terminal ? "true" : "false", args, extra ?: "");
        r = runtime_spec_parse(text, strlen(text), &spec, &err);
        if (r < 0)
                fail_msg("spec: %s", error_message(&err, r));
        return spec;
}

static struct runtime_create_options options(const char *id)
{
        return (struct runtime_create_options){
                .id = id,
                .bundle = bundle,
                .stdin_fd = -1,
                .stdout_fd = -1,
                .stderr_fd = -1,
                .cgroup_parent = cgroup_parent,
        };
}

static bool cgroup_exists(const char *id)
{
        char path[256];
        struct stat st;

        snprintf(path, sizeof(path), "/sys/fs/cgroup/pids/%s/%s", cgroup_parent, id);
        if (stat(path, &st) == 0)
                return true;
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", cgroup_parent, id);
        return stat(path, &st) == 0;
}

static siginfo_t wait_exit(struct runtime_container *c)
{
        siginfo_t info = {};

        assert_int_equal(waitid(P_PIDFD, runtime_container_pidfd(c), &info, WEXITED), 0);
        return info;
}

static void container_runs_and_exits(void **state)
{
        struct runtime_spec *spec = NULL;
        struct runtime_container *c = NULL;
        struct runtime_create_options o = options("exits");
        struct error err = ERROR_INIT;
        siginfo_t info;
        int r;

        require_environment();
        spec = make_spec("[\"sh\",\"-c\",\"exit 7\"]", false, NULL);
        r = runtime_container_create(spec, &o, &c, &err);
        if (r < 0)
                fail_msg("create: %s", error_message(&err, r));
        assert_true(runtime_container_pid(c) > 0);
        assert_true(runtime_container_pidfd(c) >= 0);
        assert_int_equal(runtime_container_take_console(c), -1);
        assert_true(cgroup_exists("exits"));

        assert_int_equal(runtime_container_start(c, &err), 0);
        assert_int_equal(runtime_container_start(c, &err), -EALREADY);
        error_clear(&err);
        info = wait_exit(c);
        assert_int_equal(info.si_code, CLD_EXITED);
        assert_int_equal(info.si_status, 7);
        assert_false(runtime_container_oom_killed(c));

        assert_int_equal(runtime_container_destroy(c), 0);
        assert_false(cgroup_exists("exits"));
        runtime_container_free(c);
        runtime_spec_free(spec);
}

static void container_kill(void **state)
{
        struct runtime_spec *spec = NULL;
        struct runtime_container *c = NULL;
        struct runtime_create_options o = options("killed");
        siginfo_t info;

        require_environment();
        spec = make_spec("[\"sleep\",\"60\"]", false, NULL);
        assert_int_equal(runtime_container_create(spec, &o, &c, NULL), 0);
        assert_int_equal(runtime_container_start(c, NULL), 0);
        assert_int_equal(runtime_container_kill(c, SIGKILL), 0);
        info = wait_exit(c);
        assert_int_equal(info.si_code, CLD_KILLED);
        assert_int_equal(info.si_status, SIGKILL);
        assert_int_equal(runtime_container_destroy(c), 0);
        runtime_container_free(c);
        runtime_spec_free(spec);
}

static void container_create_failure_leaves_nothing(void **state)
{
        struct runtime_spec *spec = NULL;
        struct runtime_container *c = NULL;
        struct runtime_create_options o = options("notfound");
        struct error err = ERROR_INIT;

        require_environment();
        spec = make_spec("[\"nonexist\"]", false, NULL);
        assert_int_equal(runtime_container_create(spec, &o, &c, &err), -ENOENT);
        assert_null(c);
        assert_string_equal(err.message, "exec: \"nonexist\": executable file not found in $PATH");
        assert_false(cgroup_exists("notfound"));
        /* The init was reaped by create itself. */
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
        error_clear(&err);
        runtime_spec_free(spec);
}

static void container_start_failure(void **state)
{
        struct runtime_spec *spec = NULL;
        struct runtime_container *c = NULL;
        struct runtime_create_options o = options("badexec");
        struct error err = ERROR_INIT;
        siginfo_t info;

        require_environment();
        spec = make_spec("[\"/bin/bad\"]", false, NULL);
        assert_int_equal(runtime_container_create(spec, &o, &c, NULL), 0);
        assert_int_equal(runtime_container_start(c, &err), -ENOEXEC);
        assert_string_equal(err.message, "exec /bin/bad: exec format error");
        assert_int_equal(runtime_exec_error_exit_code(err.code), 126);
        info = wait_exit(c);
        assert_int_equal(info.si_code, CLD_EXITED);
        assert_int_equal(runtime_container_destroy(c), 0);
        runtime_container_free(c);
        runtime_spec_free(spec);
        error_clear(&err);
}

static void container_console(void **state)
{
        struct runtime_spec *spec = NULL;
        struct runtime_container *c = NULL;
        struct runtime_create_options o = options("console");
        char buf[256] = "";
        size_t len = 0;
        int console;

        require_environment();
        spec = make_spec("[\"sh\",\"-c\",\"test -t 0 && test -t 1 && echo is-a-tty\"]", true, NULL);
        assert_int_equal(runtime_container_create(spec, &o, &c, NULL), 0);
        console = runtime_container_take_console(c);
        assert_true(console >= 0);
        assert_int_equal(runtime_container_take_console(c), -1);
        assert_true(isatty(console));
        assert_int_equal(runtime_container_start(c, NULL), 0);

        /* Read until the slave side closes (EIO on Linux). */
        for (;;) {
                ssize_t n = read(console, buf + len, sizeof(buf) - 1 - len);

                if (n <= 0)
                        break;
                len += n;
        }
        buf[len] = '\0';
        assert_non_null(strstr(buf, "is-a-tty"));
        wait_exit(c);
        close(console);
        assert_int_equal(runtime_container_destroy(c), 0);
        runtime_container_free(c);
        runtime_spec_free(spec);
}

static void container_oom_killed(void **state)
{
        struct runtime_spec *spec = NULL;
        struct runtime_container *c = NULL;
        struct runtime_create_options o = options("oom");
        struct error err = ERROR_INIT;
        siginfo_t info;
        int r;

        require_environment();
        /* dd allocates its block in one go, far above the 16 MiB limit. */
        spec = make_spec("[\"dd\",\"if=/dev/zero\",\"of=/dev/null\",\"bs=256M\",\"count=1\"]", false,
                         ",\"resources\":{\"memory\":{\"limit\":16777216}}");
        r = runtime_container_create(spec, &o, &c, &err);
        if (r == -EOPNOTSUPP)
                skip();
        assert_int_equal(r, 0);
        assert_int_equal(runtime_container_start(c, NULL), 0);
        info = wait_exit(c);
        assert_int_equal(info.si_code, CLD_KILLED);
        assert_true(runtime_container_oom_killed(c));
        assert_int_equal(runtime_container_destroy(c), 0);
        runtime_container_free(c);
        runtime_spec_free(spec);
}

/* Returns the mount point of the cgroup2 hierarchy, or NULL. */
static const char *cgroup2_mount(void)
{
        static const char *const candidates[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
        struct statfs st;

        for (size_t i = 0; i < 2; i++)
                if (statfs(candidates[i], &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
                        return candidates[i];
        return NULL;
}

/* Opens path in a child moved into the cgroup dir; returns errno or 0. */
static int open_in_cgroup(const char *dir, const char *path)
{
        char procs[300], pid[32];
        pid_t child;
        int status;

        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                int fd;

                snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
                snprintf(pid, sizeof(pid), "%d", (int)getpid());
                fd = open(procs, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
                        _exit(255);
                close(fd);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                _exit(fd >= 0 ? 0 : errno);
        }
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFEXITED(status));
        assert_int_not_equal(WEXITSTATUS(status), 255);
        return WEXITSTATUS(status);
}

static void cgroup_bpf_device_filter(void **state)
{
        struct runtime_device_rule rules[] = {
                { .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm" },
                { .allow = true, .type = 'c', .major = 10, .minor = -1, .access = "rwm" },
                { .allow = false, .type = 'c', .major = 10, .minor = 229, .access = "rwm" },
        };
        struct runtime_resources res = { .devices = rules, .n_devices = 3 };
        const char *mnt = cgroup2_mount();
        char dir[256], node[300];
        struct error err = ERROR_INIT;
        int dir_fd, r;

        require_environment();
        if (!mnt)
                skip();
        snprintf(dir, sizeof(dir), "%s/%s-bpf", mnt, cgroup_parent);
        assert_int_equal(mkdir(dir, 0755), 0);
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dir_fd >= 0);
        r = cgroup_bpf_devices_attach(dir_fd, &res, &err);
        if (r < 0) {
                rmdir(dir);
                fail_msg("attach: %s", error_message(&err, r));
        }
        close(dir_fd);

        static const struct {
                const char *name;
                unsigned major, minor;
                bool allowed;
        } nodes[] = {
                { "null", 1, 3, true },     /* default rule */
                { "kmsg", 1, 11, false },   /* no rule after deny-all */
                { "fuse", 10, 229, false }, /* the later deny rule wins */
                { "misc", 10, 228, true },  /* the wildcard allow rule */
        };
        for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
                snprintf(node, sizeof(node), "%s/rootfs/%s", bundle, nodes[i].name);
                assert_int_equal(mknod(node, S_IFCHR | 0600, makedev(nodes[i].major, nodes[i].minor)), 0);
                r = open_in_cgroup(dir, node);
                if (nodes[i].allowed)
                        assert_int_not_equal(r, EPERM);
                else
                        assert_int_equal(r, EPERM);
                unlink(node);
        }
        assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(container_runs_and_exits),
                cmocka_unit_test(container_kill),
                cmocka_unit_test(container_create_failure_leaves_nothing),
                cmocka_unit_test(container_start_failure),
                cmocka_unit_test(container_console),
                cmocka_unit_test(container_oom_killed),
                cmocka_unit_test(cgroup_bpf_device_filter),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
