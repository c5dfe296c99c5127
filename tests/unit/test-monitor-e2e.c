/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives test-monitor-fake (the monitor's code over a runtime that runs
 * host programs without namespaces) the way sockerlessd drives the real
 * monitor: over fd 3, with attached clients on socketpairs.
 *
 * tests/integration/monitor-busybox.sh runs the same cases on the real
 * sockerless-monitor: MONITOR_E2E_PROGRAM names the program,
 * MONITOR_E2E_TEMPLATE a config.json the cases take everything but the
 * process from, and MONITOR_E2E_ROOTFS its root filesystem.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <endian.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base64.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "timeutil.h"
#include "unixsock.h"
#include "runtime/monitor/jsonlog.h"
#include "runtime/monitor/proto.h"

#define TIMEOUT_MS 10000

struct monitor_run {
        char id[64];
        char dir[64];
        char bundle[128];
        char state[128];
        char data[128];
        char log[160];
        int ctl;
        pid_t container_pid;
};

static int setup(void **state)
{
        struct monitor_run *m = calloc(1, sizeof(*m));

        if (!m)
                return -1;
        snprintf(m->dir, sizeof(m->dir), "/tmp/test-monitor-e2e.XXXXXX");
        if (!mkdtemp(m->dir))
                return -1;
        /* The real runtime names a cgroup after the ID. */
        snprintf(m->id, sizeof(m->id), "monitor-e2e-%s", strrchr(m->dir, '.') + 1);
        snprintf(m->bundle, sizeof(m->bundle), "%s/bundle", m->dir);
        snprintf(m->state, sizeof(m->state), "%s/state", m->dir);
        snprintf(m->data, sizeof(m->data), "%s/data", m->dir);
        snprintf(m->log, sizeof(m->log), "%s/data/c-json.log", m->dir);
        if (mkdir(m->bundle, 0700) < 0 || mkdir(m->state, 0700) < 0 || mkdir(m->data, 0700) < 0)
                return -1;
        m->ctl = -1;
        *state = m;
        return 0;
}

/* Fails when the monitor's diagnostics contain a sanitizer report, which a
 * build with --enable-sanitizers writes there (stderr is monitor.log). */
static int check_monitor_log(struct monitor_run *m)
{
        _cleanup_close_ int dirfd = open(m->state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;

        if (dirfd < 0 || fs_read_file_at(dirfd, "monitor.log", 16 << 20, &text, NULL) < 0)
                return 0;
        if (!strstr(text, "Sanitizer") && !strstr(text, "runtime error:"))
                return 0;
        fprintf(stderr, "monitor.log of %s:\n%s\n", m->id, text);
        return -1;
}

static int teardown(void **state)
{
        struct monitor_run *m = *state;
        int r;

        if (m->container_pid > 0)
                kill(-m->container_pid, SIGKILL);
        if (m->ctl >= 0) {
                /* The monitor is done once it closes its end. */
                struct pollfd pfd = { .fd = m->ctl, .events = POLLIN };

                shutdown(m->ctl, SHUT_WR);
                while (poll(&pfd, 1, TIMEOUT_MS) == 1 && recv(m->ctl, (char[64]){ 0 }, 64, 0) > 0)
                        ;
                close(m->ctl);
        }
        r = check_monitor_log(m);
        fs_rm_rf_at(AT_FDCWD, m->dir);
        free(m);
        return r;
}

static bool real_runtime(void)
{
        return getenv("MONITOR_E2E_PROGRAM") != NULL;
}

static const char *monitor_path(void)
{
        static char path[4096];
        const char *builddir = getenv("abs_top_builddir");

        if (real_runtime())
                return getenv("MONITOR_E2E_PROGRAM");
        snprintf(path, sizeof(path), "%s/tests/unit/test-monitor-fake", builddir ? builddir : ".");
        return path;
}

/* Writes the template's config.json with the given process. */
static void write_config_from_template(struct monitor_run *m, const char *args_json, bool terminal)
{
        const char *template = getenv("MONITOR_E2E_TEMPLATE"), *rootfs = getenv("MONITOR_E2E_ROOTFS");
        _cleanup_close_ int dirfd = open(m->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_json_ json_object *config = NULL;
        json_object *args = NULL, *process, *root;

        assert_non_null(template);
        assert_non_null(rootfs);
        assert_int_equal(json_file_read(AT_FDCWD, template, 1 << 20, &config), 0);
        assert_int_equal(json_parse_buffer(args_json, strlen(args_json), &args, NULL), 0);
        process = json_field_object(config, "process");
        root = json_field_object(config, "root");
        assert_non_null(process);
        assert_non_null(root);
        json_object_object_add(process, "args", args);
        json_object_object_add(process, "terminal", json_object_new_boolean(terminal));
        json_object_object_add(root, "path", json_object_new_string(rootfs));
        assert_int_equal(json_file_write_atomic(dirfd, "config.json", config, 0644), 0);
}

static void write_config(struct monitor_run *m, const char *args_json, bool terminal)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dirfd = open(m->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int n;

        if (real_runtime()) {
                write_config_from_template(m, args_json, terminal);
                return;
        }
        n = asprintf(&text,
                     "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":%s,\"args\":%s,\"env\":[\"PATH=%s\"]}}",
                     terminal ? "true" : "false", args_json, "/usr/local/bin:/usr/bin:/bin");
        assert_true(n > 0);
        assert_int_equal(fs_write_atomic_at(dirfd, "config.json", text, (size_t)n, 0644), 0);
}

/* Runs the monitor with fd 3 on a socketpair and waits for its first
 * process, which exits at once. extra is a NULL-terminated option list. */
static void spawn_monitor(struct monitor_run *m, const char *const *extra)
{
        const char *argv[32] = { "test-monitor-fake", "--id",   m->id,        "--bundle", m->bundle,
                                 "--state-dir",       m->state, "--data-dir", m->data,    "--debug" };
        const char *cgroup_parent = getenv("MONITOR_E2E_CGROUP_PARENT");
        size_t argc = 10;
        int sv[2], status;
        pid_t pid;

        /* The real runtime creates cgroups: keep them under the test's own parent. */
        if (cgroup_parent) {
                argv[argc++] = "--cgroup-parent";
                argv[argc++] = cgroup_parent;
        }
        for (; extra && *extra; extra++)
                argv[argc++] = *extra;
        argv[argc] = NULL;

        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (dup2(sv[1], 3) < 0)
                        _exit(99);
                execv(monitor_path(), (char **)argv);
                _exit(98);
        }
        close(sv[1]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        m->ctl = sv[0];
}

static void wait_readable(int fd)
{
        struct pollfd pfd = { .fd = fd, .events = POLLIN };

        assert_int_equal(poll(&pfd, 1, TIMEOUT_MS), 1);
}

static json_object *recv_message(int fd)
{
        json_object *msg = NULL;

        wait_readable(fd);
        assert_int_equal(monitor_proto_recv(fd, &msg, NULL, 0, NULL), 1);
        return msg;
}

static json_object *expect_message(int fd, const char *type)
{
        json_object *msg = recv_message(fd);

        assert_string_equal(monitor_proto_type(msg), type);
        return msg;
}

static void send_message(int fd, const char *json)
{
        _cleanup_json_ json_object *msg = NULL;

        assert_int_equal(json_parse_buffer(json, strlen(json), &msg, NULL), 0);
        assert_int_equal(monitor_proto_send(fd, msg, NULL, 0), 0);
}

static void expect_created(struct monitor_run *m)
{
        _cleanup_json_ json_object *msg = expect_message(m->ctl, "created");

        m->container_pid = (pid_t)json_field_int(msg, "pid", 0);
        assert_true(m->container_pid > 0);
}

static void start_container(struct monitor_run *m)
{
        _cleanup_json_ json_object *msg = NULL;
        int64_t ns;

        send_message(m->ctl, "{\"type\":\"start\"}");
        msg = expect_message(m->ctl, "started");
        assert_int_equal(json_field_int(msg, "pid", 0), m->container_pid);
        assert_int_equal(timeutil_parse_rfc3339(json_field_string(msg, "started_at", ""), &ns), 0);
        assert_true(ns > 0);
}

/* Attaches a new client and returns our end of its connection. */
static int attach(struct monitor_run *m, bool in, bool out, bool err, const char *extra_json)
{
        _cleanup_json_ json_object *msg = NULL;
        _cleanup_free_ char *text = NULL;
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_true(asprintf(&text, "{\"type\":\"attach\",\"stdin\":%s,\"stdout\":%s,\"stderr\":%s%s}",
                             in ? "true" : "false", out ? "true" : "false", err ? "true" : "false",
                             extra_json ? extra_json : "") > 0);
        assert_int_equal(json_parse_buffer(text, strlen(text), &msg, NULL), 0);
        assert_int_equal(monitor_proto_send(m->ctl, msg, &sv[1], 1), 0);
        close(sv[1]);
        return sv[0];
}

/* Reads the client's stream to its end. */
static char *read_to_end(int fd, size_t *ret_len)
{
        size_t len = 0, cap = 4096;
        char *buf = malloc(cap);

        assert_non_null(buf);
        for (;;) {
                ssize_t n;

                if (len == cap) {
                        cap *= 2;
                        buf = realloc(buf, cap);
                        assert_non_null(buf);
                }
                wait_readable(fd);
                n = read(fd, buf + len, cap - len);
                assert_true(n >= 0);
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        *ret_len = len;
        return buf;
}

/* Splits a framed stream into what came on stdout and on stderr. */
static void unframe(const char *data, size_t len, char *out, size_t *out_len, char *err, size_t *err_len)
{
        *out_len = *err_len = 0;
        while (len > 0) {
                uint32_t size;

                assert_true(len >= 8);
                assert_true(data[0] == 1 || data[0] == 2);
                assert_memory_equal(data + 1, "\0\0\0", 3);
                memcpy(&size, data + 4, 4);
                size = be32toh(size);
                assert_true(len >= 8 + size);
                if (data[0] == 1) {
                        memcpy(out + *out_len, data + 8, size);
                        *out_len += size;
                } else {
                        memcpy(err + *err_len, data + 8, size);
                        *err_len += size;
                }
                data += 8 + size;
                len -= 8 + size;
        }
        out[*out_len] = err[*err_len] = '\0';
}

static void expect_exited(struct monitor_run *m, int fd, int code)
{
        _cleanup_json_ json_object *msg = expect_message(fd, "exited");
        int64_t ns;

        assert_int_equal(json_field_int(msg, "exit_code", -1), code);
        assert_false(json_field_bool(msg, "oom_killed", true));
        assert_int_equal(timeutil_parse_rfc3339(json_field_string(msg, "finished_at", ""), &ns), 0);
        assert_true(ns > 0);
}

static json_object *read_exit_file(struct monitor_run *m)
{
        _cleanup_close_ int dirfd = open(m->data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        json_object *obj = NULL;

        assert_int_equal(json_file_read(dirfd, MONITOR_EXIT_NAME, 4096, &obj), 0);
        return obj;
}

static bool state_file_exists(struct monitor_run *m, const char *name)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/%s", m->state, name);
        return access(path, F_OK) == 0;
}

static void exit_code_and_frames(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *exit_file = NULL;
        _cleanup_free_ char *stream = NULL;
        char out[256], err[256];
        size_t len, out_len, err_len;
        int client;

        write_config(m, "[\"sh\",\"-c\",\"echo out; echo err >&2; exit 3\"]", false);
        spawn_monitor(m, (const char *[]){ "--log-path", m->log, NULL });
        expect_created(m);
        assert_true(state_file_exists(m, MONITOR_SOCKET_NAME));
        assert_true(state_file_exists(m, MONITOR_PID_NAME));

        client = attach(m, false, true, true, NULL);
        start_container(m);
        stream = read_to_end(client, &len);
        close(client);
        unframe(stream, len, out, &out_len, err, &err_len);
        assert_string_equal(out, "out\n");
        assert_string_equal(err, "err\n");

        expect_exited(m, m->ctl, 3);
        exit_file = read_exit_file(m);
        assert_int_equal(json_field_int(exit_file, "exit_code", -1), 3);
        assert_string_equal(json_field_string(exit_file, "error", "x"), "");
        assert_false(json_field_bool(exit_file, "oom_killed", true));
        assert_non_null(json_field_string(exit_file, "started_at", NULL));
        assert_non_null(json_field_string(exit_file, "finished_at", NULL));

        /* The monitor closes the control connection as it exits. */
        wait_readable(m->ctl);
        assert_false(state_file_exists(m, MONITOR_SOCKET_NAME));
        assert_false(state_file_exists(m, MONITOR_PID_NAME));
        assert_true(state_file_exists(m, "monitor.log"));
}

static void log_gets_both_streams(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        _cleanup_json_ json_object *msg = NULL;
        struct jsonlog_entry e;
        bool seen_out = false, seen_err = false, seen_tail = false;

        write_config(m, "[\"sh\",\"-c\",\"echo out; echo err >&2; printf tail\"]", false);
        spawn_monitor(m,
                      (const char *[]){ "--log-path", m->log, "--log-max-size", "1000", "--log-max-file", "2", NULL });
        expect_created(m);
        start_container(m);
        expect_exited(m, m->ctl, 0);

        assert_int_equal(jsonlog_reader_open(m->log, &r), 0);
        while (jsonlog_reader_next(r, &e) == 1) {
                if (e.stream == JSONLOG_STDOUT && e.len == 4 && memcmp(e.data, "out\n", 4) == 0)
                        seen_out = true;
                if (e.stream == JSONLOG_STDERR && e.len == 4 && memcmp(e.data, "err\n", 4) == 0)
                        seen_err = true;
                /* Output without a final newline is flushed at the end. */
                if (e.stream == JSONLOG_STDOUT && e.len == 4 && memcmp(e.data, "tail", 4) == 0)
                        seen_tail = true;
        }
        assert_true(seen_out);
        assert_true(seen_err);
        assert_true(seen_tail);
}

static void stdin_once_half_close(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_free_ char *stream = NULL;
        char out[256], err[256];
        size_t len, out_len, err_len;
        int client;

        write_config(m, "[\"cat\"]", false);
        spawn_monitor(m, (const char *[]){ "--stdin", "--stdin-once", NULL });
        expect_created(m);
        client = attach(m, true, true, true, NULL);
        start_container(m);

        /* As `echo hi | docker run -i` does: the input, then a half-close. */
        assert_int_equal(write(client, "hello\n", 6), 6);
        assert_int_equal(shutdown(client, SHUT_WR), 0);

        stream = read_to_end(client, &len);
        close(client);
        unframe(stream, len, out, &out_len, err, &err_len);
        assert_string_equal(out, "hello\n");
        assert_int_equal(err_len, 0);
        expect_exited(m, m->ctl, 0);
}

static void pending_input_goes_first(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_free_ char *stream = NULL, *pending = base64_encode("first\n", 6), *extra = NULL;
        char out[256], err[256];
        size_t len, out_len, err_len;
        int client;

        write_config(m, "[\"cat\"]", false);
        spawn_monitor(m, (const char *[]){ "--stdin", "--stdin-once", NULL });
        expect_created(m);
        assert_true(asprintf(&extra, ",\"pending\":\"%s\"", pending) > 0);
        client = attach(m, true, true, false, extra);
        start_container(m);

        assert_int_equal(write(client, "second\n", 7), 7);
        assert_int_equal(shutdown(client, SHUT_WR), 0);
        stream = read_to_end(client, &len);
        close(client);
        unframe(stream, len, out, &out_len, err, &err_len);
        assert_string_equal(out, "first\nsecond\n");
        expect_exited(m, m->ctl, 0);
}

/* Without --stdin-once the end of a client's input ends its attach, and
 * the container goes on. */
static void half_close_ends_attach(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *st = NULL;
        _cleanup_free_ char *stream = NULL;
        size_t len;
        int client;

        write_config(m, "[\"cat\"]", false);
        spawn_monitor(m, (const char *[]){ "--stdin", NULL });
        expect_created(m);
        start_container(m);
        client = attach(m, true, true, true, NULL);
        assert_int_equal(shutdown(client, SHUT_WR), 0);
        stream = read_to_end(client, &len);
        close(client);
        assert_int_equal(len, 0);

        send_message(m->ctl, "{\"type\":\"hello\"}");
        st = expect_message(m->ctl, "state");
        assert_string_equal(json_field_string(st, "status", ""), "running");

        send_message(m->ctl, "{\"type\":\"kill\",\"signal\":9}");
        expect_exited(m, m->ctl, 137);
}

static void kill_reports_signal(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *exit_file = NULL;
        _cleanup_free_ char *kill = NULL;
        /* The init of a pid namespace ignores signals it has no handler
         * for, except SIGKILL from outside. */
        int sig = real_runtime() ? SIGKILL : SIGTERM;

        write_config(m, "[\"sleep\",\"100\"]", false);
        spawn_monitor(m, NULL);
        expect_created(m);
        start_container(m);
        assert_true(asprintf(&kill, "{\"type\":\"kill\",\"signal\":%d}", sig) > 0);
        send_message(m->ctl, kill);
        expect_exited(m, m->ctl, 128 + sig);
        exit_file = read_exit_file(m);
        assert_int_equal(json_field_int(exit_file, "exit_code", -1), 128 + sig);
}

static void reconnect_through_socket(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *st = NULL;
        char path[256];
        int ctl;

        write_config(m, "[\"sleep\",\"100\"]", false);
        spawn_monitor(m, NULL);
        expect_created(m);
        start_container(m);

        /* The daemon goes away and comes back. */
        close(m->ctl);
        m->ctl = -1;
        snprintf(path, sizeof(path), "%s/%s", m->state, MONITOR_SOCKET_NAME);
        ctl = unixsock_connect(path, SOCK_SEQPACKET);
        assert_true(ctl >= 0);
        m->ctl = ctl;

        send_message(ctl, "{\"type\":\"hello\"}");
        st = expect_message(ctl, "state");
        assert_string_equal(json_field_string(st, "status", ""), "running");
        assert_int_equal(json_field_int(st, "pid", 0), m->container_pid);

        /* Garbage and unknown messages do not end the connection. */
        assert_int_equal(send(ctl, "junk", 4, 0), 4);
        send_message(ctl, "{\"type\":\"future-feature\"}");
        send_message(ctl, "{\"type\":\"kill\",\"signal\":9}");
        expect_exited(m, ctl, 137);
}

/* "update" replies on its connection, with the runtime's error when the
 * new limits cannot be applied; the container runs on either way. */
static void update_replies(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *ok = NULL, *bad = NULL, *missing = NULL;

        write_config(m, "[\"sleep\",\"100\"]", false);
        spawn_monitor(m, NULL);
        expect_created(m);
        start_container(m);

        send_message(m->ctl, "{\"type\":\"update\",\"resources\":{\"pids\":{\"limit\":50}}}");
        ok = expect_message(m->ctl, "updated");
        assert_null(json_field_string(ok, "error", NULL));

        send_message(m->ctl, "{\"type\":\"update\",\"resources\":{\"pids\":{\"limit\":\"x\"}}}");
        bad = expect_message(m->ctl, "updated");
        assert_non_null(strstr(json_field_string(bad, "error", ""), "linux.resources.pids.limit must be an integer"));

        send_message(m->ctl, "{\"type\":\"update\"}");
        missing = expect_message(m->ctl, "updated");
        assert_string_equal(json_field_string(missing, "error", ""), "the update has no resources object");

        send_message(m->ctl, "{\"type\":\"kill\",\"signal\":9}");
        expect_exited(m, m->ctl, 137);
}

static void state_before_start(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *st = NULL;

        write_config(m, "[\"true\"]", false);
        spawn_monitor(m, NULL);
        expect_created(m);
        send_message(m->ctl, "{\"type\":\"hello\"}");
        st = expect_message(m->ctl, "state");
        assert_string_equal(json_field_string(st, "status", ""), "created");
        assert_string_equal(json_field_string(st, "started_at", ""), "0001-01-01T00:00:00Z");

        /* Killing a created container ends it without a start. */
        send_message(m->ctl, "{\"type\":\"kill\",\"signal\":9}");
        expect_exited(m, m->ctl, 137);
}

static void exec_failure_reported(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *msg = NULL, *exit_file = NULL;

        write_config(m, "[\"nonexistent-program\"]", false);
        spawn_monitor(m, NULL);

        /* The real runtime looks for the executable in create, the fake
         * one only when it runs it. */
        msg = recv_message(m->ctl);
        if (streq(monitor_proto_type(msg), "created")) {
                json_object_put(msg);
                send_message(m->ctl, "{\"type\":\"start\"}");
                msg = recv_message(m->ctl);
        }
        assert_string_equal(monitor_proto_type(msg), "error");
        assert_int_equal(json_field_int(msg, "exit_code", -1), 127);
        assert_string_equal(json_field_string(msg, "message", ""),
                            "exec: \"nonexistent-program\": executable file not found in $PATH");

        exit_file = read_exit_file(m);
        assert_int_equal(json_field_int(exit_file, "exit_code", -1), 127);
        assert_string_equal(json_field_string(exit_file, "error", ""),
                            "exec: \"nonexistent-program\": executable file not found in $PATH");
        wait_readable(m->ctl);
        assert_false(state_file_exists(m, MONITOR_SOCKET_NAME));
}

static void bad_config_reported(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *msg = NULL, *exit_file = NULL;

        write_config(m, "[]", false);
        spawn_monitor(m, NULL);
        msg = expect_message(m->ctl, "error");
        assert_int_equal(json_field_int(msg, "exit_code", -1), 128);
        if (real_runtime())
                assert_true(strlen(json_field_string(msg, "message", "")) > 0);
        else
                assert_string_equal(json_field_string(msg, "message", ""), "args must not be empty");
        exit_file = read_exit_file(m);
        assert_int_equal(json_field_int(exit_file, "exit_code", -1), 128);
}

static void bad_command_line_reported(void **state)
{
        _cleanup_json_ json_object *msg = NULL;
        int sv[2], status;
        pid_t pid;

        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(sv[1], 3);
                execl(monitor_path(), "test-monitor-fake", "--id", "c1", "--log-max-file", "zero", NULL);
                _exit(98);
        }
        close(sv[1]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(WEXITSTATUS(status), 2);
        msg = expect_message(sv[0], "error");
        assert_string_equal(json_field_string(msg, "message", ""),
                            "invalid --log-max-file 'zero': expected a count >= 1");
        close(sv[0]);
}

static void tty_resize_and_raw_output(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_free_ char *stream = NULL;
        size_t len;
        int client;

        write_config(m, "[\"sh\",\"-c\",\"stty size; printf 'a\\\\tb\\\\n' >&2\"]", true);
        spawn_monitor(m, (const char *[]){ "--log-path", m->log, NULL });
        expect_created(m);
        client = attach(m, false, true, true, NULL);
        send_message(m->ctl, "{\"type\":\"resize\",\"height\":30,\"width\":100}");
        start_container(m);

        /* No framing, and the terminal turns "\n" into "\r\n". */
        stream = read_to_end(client, &len);
        close(client);
        stream = realloc(stream, len + 1);
        stream[len] = '\0';
        assert_string_equal(stream, "30 100\r\na\tb\r\n");
        expect_exited(m, m->ctl, 0);

        /* The log has the terminal's output as stdout, split at "\n". */
        {
                _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
                struct jsonlog_entry e;

                assert_int_equal(jsonlog_reader_open(m->log, &r), 0);
                assert_int_equal(jsonlog_reader_next(r, &e), 1);
                assert_int_equal(e.stream, JSONLOG_STDOUT);
                assert_int_equal(e.len, 8);
                assert_memory_equal(e.data, "30 100\r\n", 8);
                assert_int_equal(jsonlog_reader_next(r, &e), 1);
                assert_int_equal(e.stream, JSONLOG_STDOUT);
                assert_memory_equal(e.data, "a\tb\r\n", 5);
                assert_int_equal(jsonlog_reader_next(r, &e), 0);
        }
}

/* Sends one byte, then waits so that the monitor reads it alone, as a key
 * press. */
static void press_key(int fd, char key)
{
        assert_int_equal(write(fd, &key, 1), 1);
        usleep(200 * 1000);
}

static void tty_detach_keys(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_free_ char *first = NULL, *second = NULL;
        _cleanup_json_ json_object *st = NULL;
        size_t len;
        int a, b;

        write_config(m, "[\"sh\",\"-c\",\"stty -echo; read x; echo got:$x\"]", true);
        spawn_monitor(m, (const char *[]){ "--stdin", "--stdin-once", NULL });
        expect_created(m);
        a = attach(m, true, true, false, ",\"detach_keys\":\"ctrl-a,x\"");
        start_container(m);

        /* "a" reaches the container; "ctrl-a" then "x" detaches without
         * sending either. */
        press_key(a, 'a');
        press_key(a, '\x01');
        press_key(a, 'x');
        first = read_to_end(a, &len);
        close(a);

        /* The container still runs, its stdin open for the next attach
         * (stdin-once closes nothing with a terminal). */
        send_message(m->ctl, "{\"type\":\"hello\"}");
        st = expect_message(m->ctl, "state");
        assert_string_equal(json_field_string(st, "status", ""), "running");

        b = attach(m, true, true, false, NULL);
        usleep(100 * 1000);
        assert_int_equal(write(b, "bc\r", 3), 3);
        second = read_to_end(b, &len);
        close(b);
        second = realloc(second, len + 1);
        second[len] = '\0';
        assert_non_null(strstr(second, "got:abc"));
        expect_exited(m, m->ctl, 0);
}

static void two_clients_get_output(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_free_ char *s1 = NULL, *s2 = NULL;
        char out[256], err[256];
        size_t len1, len2, out_len, err_len;
        int a, b;

        write_config(m, "[\"sh\",\"-c\",\"echo one; echo two >&2\"]", false);
        spawn_monitor(m, NULL);
        expect_created(m);
        a = attach(m, false, true, false, NULL);
        b = attach(m, false, false, true, NULL);
        start_container(m);
        s1 = read_to_end(a, &len1);
        s2 = read_to_end(b, &len2);
        close(a);
        close(b);

        unframe(s1, len1, out, &out_len, err, &err_len);
        assert_string_equal(out, "one\n");
        assert_int_equal(err_len, 0);
        unframe(s2, len2, out, &out_len, err, &err_len);
        assert_int_equal(out_len, 0);
        assert_string_equal(err, "two\n");
        expect_exited(m, m->ctl, 0);
}

static void client_gone_mid_stream(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_(jsonlog_reader_freep) struct jsonlog_reader *r = NULL;
        struct jsonlog_entry e;
        int client, lines = 0;

        write_config(m, "[\"sh\",\"-c\",\"i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done\"]", false);
        spawn_monitor(m, (const char *[]){ "--log-path", m->log, NULL });
        expect_created(m);
        client = attach(m, false, true, true, NULL);
        start_container(m);

        /* A client that hangs up takes nothing with it: the container runs
         * to its end and the log is complete. */
        close(client);
        expect_exited(m, m->ctl, 0);
        assert_int_equal(jsonlog_reader_open(m->log, &r), 0);
        while (jsonlog_reader_next(r, &e) == 1)
                lines++;
        assert_int_equal(lines, 3000);
}

/* Private memory of the monitor process, from smaps_rollup, in KiB. */
static long monitor_private_kib(struct monitor_run *m)
{
        _cleanup_free_ char *pid_text = NULL, *rollup = NULL;
        _cleanup_close_ int dirfd = open(m->state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char path[64];
        long total = 0;

        assert_int_equal(fs_read_file_at(dirfd, MONITOR_PID_NAME, 64, &pid_text, NULL), 0);
        snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", atoi(pid_text));
        assert_int_equal(fs_read_file_at(AT_FDCWD, path, 1 << 16, &rollup, NULL), 0);
        for (const char *p = rollup; (p = strstr(p, "Private_")); p++) {
                long kib = 0;

                if (sscanf(strchr(p, ':') + 1, "%ld", &kib) == 1)
                        total += kib;
        }
        return total;
}

static void slow_client_bounded(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *st = NULL;
        _cleanup_free_ char *stream = NULL, *out = NULL, *err = NULL;
        size_t len, out_len, err_len;
        long before, after;
        int client;

        write_config(m, "[\"sh\",\"-c\",\"head -c 8000000 /dev/zero\"]", false);
        spawn_monitor(m, NULL);
        expect_created(m);
        client = attach(m, false, true, false, NULL);
        start_container(m);

        /* The client reads nothing: the monitor's buffer for it fills, and
         * then the container waits instead of the memory growing. */
        usleep(300 * 1000);
        before = monitor_private_kib(m);
        usleep(700 * 1000);
        after = monitor_private_kib(m);
        assert_true(after - before < 256);

        send_message(m->ctl, "{\"type\":\"hello\"}");
        st = expect_message(m->ctl, "state");
        assert_string_equal(json_field_string(st, "status", ""), "running");

        /* Once the client reads, everything arrives. */
        stream = read_to_end(client, &len);
        close(client);
        out = malloc(len + 1);
        err = malloc(len + 1);
        unframe(stream, len, out, &out_len, err, &err_len);
        assert_int_equal(out_len, 8000000);
        expect_exited(m, m->ctl, 0);
}

/* ---- exec ---- */

#define EXEC_ID_1 "1111111111111111111111111111111111111111111111111111111111111111"
#define EXEC_ID_2 "2222222222222222222222222222222222222222222222222222222222222222"
#define EXEC_ENV  "[\"PATH=/usr/local/bin:/usr/bin:/bin\"]"

static void start_sleeping_container(struct monitor_run *m)
{
        write_config(m, "[\"sleep\",\"100\"]", false);
        spawn_monitor(m, NULL);
        expect_created(m);
        start_container(m);
}

/* Sends an "exec" with the given members after the ID, and a new client
 * unless detached; returns our end of the client's connection or -1. */
static int exec_request(struct monitor_run *m, const char *id, const char *members, bool detached)
{
        _cleanup_json_ json_object *msg = NULL;
        _cleanup_free_ char *text = NULL;
        int sv[2] = { -1, -1 };

        assert_true(asprintf(&text, "{\"type\":\"exec\",\"id\":\"%s\",\"env\":%s,%s}", id, EXEC_ENV, members) > 0);
        assert_int_equal(json_parse_buffer(text, strlen(text), &msg, NULL), 0);
        if (detached) {
                assert_int_equal(monitor_proto_send(m->ctl, msg, NULL, 0), 0);
                return -1;
        }
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(monitor_proto_send(m->ctl, msg, &sv[1], 1), 0);
        close(sv[1]);
        return sv[0];
}

static pid_t expect_exec_started(int fd, const char *id)
{
        _cleanup_json_ json_object *msg = expect_message(fd, "exec-started");
        pid_t pid = (pid_t)json_field_int(msg, "pid", 0);

        assert_string_equal(json_field_string(msg, "id", ""), id);
        assert_true(pid > 0);
        return pid;
}

static json_object *expect_exec_exited(int fd, const char *id, int code)
{
        json_object *msg = expect_message(fd, "exec-exited");

        assert_string_equal(json_field_string(msg, "id", ""), id);
        assert_int_equal(json_field_int(msg, "exit_code", -1), code);
        return msg;
}

/* The exec's output reaches its client alone, framed; its end reaches the
 * daemon before the client sees the end of its stream. */
static void exec_output_and_exit(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *exited = NULL, *started = NULL;
        _cleanup_free_ char *stream = NULL;
        struct pollfd pfd;
        char out[256], err[256];
        size_t len, out_len, err_len;
        int client;

        start_sleeping_container(m);
        client = exec_request(m, EXEC_ID_1,
                              "\"args\":[\"sh\",\"-c\",\"echo out; echo err >&2; exit 5\"],"
                              "\"stdout\":true,\"stderr\":true,\"user\":\"0\"",
                              false);
        started = expect_message(m->ctl, "exec-started");
        assert_string_equal(json_field_string(started, "id", ""), EXEC_ID_1);
        assert_string_equal(json_field_string(started, "user", ""), "0");
        assert_int_equal(json_object_array_length(json_field_array(started, "args")), 3);
        assert_true(json_field_bool(started, "stdout", false));
        assert_false(json_field_bool(started, "stdin", true));

        stream = read_to_end(client, &len);
        close(client);
        pfd = (struct pollfd){ .fd = m->ctl, .events = POLLIN };
        assert_int_equal(poll(&pfd, 1, 0), 1);
        exited = expect_exec_exited(m->ctl, EXEC_ID_1, 5);
        assert_null(json_field_string(exited, "error", NULL));
        unframe(stream, len, out, &out_len, err, &err_len);
        assert_string_equal(out, "out\n");
        assert_string_equal(err, "err\n");
}

/* Without a tty, the end of the client's input closes the exec's stdin and
 * its output still arrives; a raw client gets it unframed. */
static void exec_stdin_half_close(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *exited = NULL;
        _cleanup_free_ char *stream = NULL, *pending = base64_encode("first\n", 6), *members = NULL;
        size_t len;
        int client;

        start_sleeping_container(m);
        assert_true(asprintf(&members,
                             "\"args\":[\"sh\",\"-c\",\"cat; echo done\"],\"stdin\":true,\"stdout\":true,"
                             "\"raw\":true,\"pending\":\"%s\"",
                             pending) > 0);
        client = exec_request(m, EXEC_ID_1, members, false);
        expect_exec_started(m->ctl, EXEC_ID_1);
        assert_int_equal(write(client, "second\n", 7), 7);
        assert_int_equal(shutdown(client, SHUT_WR), 0);

        stream = read_to_end(client, &len);
        close(client);
        assert_int_equal(len, 18);
        assert_memory_equal(stream, "first\nsecond\ndone\n", 18);
        exited = expect_exec_exited(m->ctl, EXEC_ID_1, 0);
}

/* A command that does not exist: 127, dockerd's text in "error" and in the
 * client's stream, then the end of the stream. */
static void exec_missing_command(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *exited = NULL;
        _cleanup_free_ char *stream = NULL;
        char out[512], err[256];
        size_t len, out_len, err_len;
        int client;

        start_sleeping_container(m);
        client = exec_request(m, EXEC_ID_1, "\"args\":[\"nonexistent-program\"],\"stdout\":true", false);
        exited = expect_exec_exited(m->ctl, EXEC_ID_1, 127);
        assert_string_equal(json_field_string(exited, "error", ""),
                            "OCI runtime exec failed: exec failed: unable to start container process: exec: "
                            "\"nonexistent-program\": executable file not found in $PATH: unknown");

        stream = read_to_end(client, &len);
        close(client);
        unframe(stream, len, out, &out_len, err, &err_len);
        assert_non_null(strstr(out, "executable file not found in $PATH: unknown\r\n"));

        /* The container runs on and takes the next exec. */
        client = exec_request(m, EXEC_ID_2, "\"args\":[\"true\"]", false);
        expect_exec_started(m->ctl, EXEC_ID_2);
        json_object_put(expect_exec_exited(m->ctl, EXEC_ID_2, 0));
        close(client);
}

/* A reconnecting daemon learns the running execs after "state"; when the
 * container ends, its execs are reported ended first. */
static void exec_listed_after_hello(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *st = NULL, *synced = NULL;
        json_object *features;
        char path[256];
        pid_t pid;
        int ctl;

        start_sleeping_container(m);
        exec_request(m, EXEC_ID_1, "\"args\":[\"sleep\",\"100\"],\"tty\":true", true);
        pid = expect_exec_started(m->ctl, EXEC_ID_1);

        snprintf(path, sizeof(path), "%s/%s", m->state, MONITOR_SOCKET_NAME);
        ctl = unixsock_connect(path, SOCK_SEQPACKET);
        assert_true(ctl >= 0);
        close(m->ctl);
        m->ctl = ctl;
        send_message(ctl, "{\"type\":\"hello\"}");
        st = expect_message(ctl, "state");
        assert_int_equal(json_field_int(st, "execs", -1), 1);
        features = json_field_array(st, "features");
        assert_non_null(features);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(features, 0)), "exec");
        assert_int_equal(expect_exec_started(ctl, EXEC_ID_1), pid);

        send_message(ctl, "{\"type\":\"resize\",\"exec\":\"" EXEC_ID_1 "\",\"height\":30,\"width\":90}");
        send_message(ctl, "{\"type\":\"sync\",\"seq\":7}");
        synced = expect_message(ctl, "synced");
        assert_int_equal(json_field_int(synced, "seq", 0), 7);

        send_message(ctl, "{\"type\":\"kill\",\"signal\":9}");
        json_object_put(expect_exec_exited(ctl, EXEC_ID_1, 137));
        expect_exited(m, ctl, 137);
}

/* Requests the monitor cannot serve are answered, never dropped. */
static void exec_bad_requests(void **state)
{
        struct monitor_run *m = *state;
        _cleanup_json_ json_object *bad = NULL, *twice = NULL;
        int client;

        start_sleeping_container(m);
        client = exec_request(m, EXEC_ID_1, "\"args\":[]", false);
        bad = expect_exec_exited(m->ctl, EXEC_ID_1, 126);
        assert_non_null(strstr(json_field_string(bad, "error", ""), "args"));
        close(client);

        exec_request(m, EXEC_ID_2, "\"args\":[\"sleep\",\"100\"]", true);
        expect_exec_started(m->ctl, EXEC_ID_2);
        exec_request(m, EXEC_ID_2, "\"args\":[\"true\"]", true);
        twice = expect_exec_exited(m->ctl, EXEC_ID_2, 126);
        assert_non_null(strstr(json_field_string(twice, "error", ""), "exists"));

        send_message(m->ctl, "{\"type\":\"kill\",\"signal\":9}");
        json_object_put(expect_exec_exited(m->ctl, EXEC_ID_2, 137));
        expect_exited(m, m->ctl, 137);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(exit_code_and_frames, setup, teardown),
                cmocka_unit_test_setup_teardown(log_gets_both_streams, setup, teardown),
                cmocka_unit_test_setup_teardown(stdin_once_half_close, setup, teardown),
                cmocka_unit_test_setup_teardown(pending_input_goes_first, setup, teardown),
                cmocka_unit_test_setup_teardown(half_close_ends_attach, setup, teardown),
                cmocka_unit_test_setup_teardown(kill_reports_signal, setup, teardown),
                cmocka_unit_test_setup_teardown(reconnect_through_socket, setup, teardown),
                cmocka_unit_test_setup_teardown(update_replies, setup, teardown),
                cmocka_unit_test_setup_teardown(state_before_start, setup, teardown),
                cmocka_unit_test_setup_teardown(exec_failure_reported, setup, teardown),
                cmocka_unit_test_setup_teardown(bad_config_reported, setup, teardown),
                cmocka_unit_test_setup_teardown(bad_command_line_reported, setup, teardown),
                cmocka_unit_test_setup_teardown(tty_resize_and_raw_output, setup, teardown),
                cmocka_unit_test_setup_teardown(tty_detach_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(two_clients_get_output, setup, teardown),
                cmocka_unit_test_setup_teardown(client_gone_mid_stream, setup, teardown),
                cmocka_unit_test_setup_teardown(slow_client_bounded, setup, teardown),
                cmocka_unit_test_setup_teardown(exec_output_and_exit, setup, teardown),
                cmocka_unit_test_setup_teardown(exec_stdin_half_close, setup, teardown),
                cmocka_unit_test_setup_teardown(exec_missing_command, setup, teardown),
                cmocka_unit_test_setup_teardown(exec_listed_after_hello, setup, teardown),
                cmocka_unit_test_setup_teardown(exec_bad_requests, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
