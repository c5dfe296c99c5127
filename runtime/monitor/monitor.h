/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Internals of sockerless-monitor, the per-container process described in
 * proto.h. One thread runs one epoll loop; every fd the loop serves is a
 * struct watch whose dispatch function handles its events.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "detachkeys.h"
#include "jsonlog.h"
#include "proto.h"

struct runtime_container;
struct monitor;

/* A client connection stops being fed the container's output while it has
 * this much unsent; the output waits for it (Docker's back-pressure). */
#define CLIENT_BUFFER_HIGH (64 * 1024)

/* Input for the container's stdin held while the container does not read;
 * clients are not read from meanwhile. */
#define STDIN_BUFFER_HIGH (64 * 1024)

/* After the container has exited, a client that takes no data for this long
 * is dropped, and output that stays silent this long is taken as ended (a
 * process outside the container may hold the pipe). */
#define EXIT_STALL_TIMEOUT_NS (INT64_C(10) * 1000000000)
#define EXIT_DRAIN_IDLE_NS    (INT64_C(2) * 1000000000)

/* How long an exec's output may stay open after its process has exited:
 * a process it started in the background may hold it. dockerd 20.10 waits
 * as long for an exec's streams. */
#define EXEC_DRAIN_NS (INT64_C(2) * 1000000000)

/* Bytes waiting to be written to a non-blocking fd. The memory is freed
 * whenever the buffer runs empty, so an idle connection costs none. */
struct buffer {
        char *data;
        size_t start, len, cap;
};

int buffer_append(struct buffer *b, const void *data, size_t len);
/* Writes what the buffer holds; returns the bytes written (0 when the fd
 * would block) or -errno. */
ssize_t buffer_flush(struct buffer *b, int fd);
void buffer_release(struct buffer *b);

struct watch {
        int fd;
        uint32_t events; /* registered with epoll; 0 when not registered */
        void (*dispatch)(struct monitor *m, struct watch *w, uint32_t events);
};

/* Registers fd (owned by the watch from then on) for events. */
int watch_add(struct monitor *m, struct watch *w, int fd, uint32_t events,
              void (*dispatch)(struct monitor *m, struct watch *w, uint32_t events));
/* Changes the events; 0 takes the fd out of epoll, because epoll reports a
 * hang-up even for an fd registered for no events. */
int watch_set(struct monitor *m, struct watch *w, uint32_t events);
/* Unregisters and closes the fd. */
void watch_close(struct monitor *m, struct watch *w);

struct monitor_options {
        const char *id;
        const char *bundle;
        const char *state_dir;
        const char *data_dir;
        const char *log_path;
        int64_t log_max_size;
        int log_max_files;
        bool log_compress; /* gzip rotated files */
        enum jsonlog_format log_format;
        const char *log_attrs; /* a JSON object added to every entry as "attrs", or NULL */
        const char *cgroup_parent;
        const char *seccomp_cache_dir;
        bool open_stdin;
        bool stdin_once;
        bool debug;
        /* Owner of the container's ends of stdio pipes (--stdio-owner), or
         * -1: the container's root when it runs in a user namespace, so
         * that it may open /dev/stdout (/proc/self/fd/1) again. */
        uid_t stdio_uid;
        gid_t stdio_gid;
};

enum container_phase {
        PHASE_SETUP,   /* before runtime_container_create has succeeded */
        PHASE_CREATED, /* the init waits for "start" */
        PHASE_RUNNING,
        PHASE_EXITED, /* reaped; remaining output is drained */
};

/* The read end of the container's stdout or stderr pipe, or the pty master. */
struct source {
        struct watch watch;
        int stream; /* JSONLOG_STDOUT or JSONLOG_STDERR */
        bool open;
};

struct client {
        struct watch watch;
        struct client *next;
        unsigned id;
        bool want_stdin, want_stdout, want_stderr;
        bool reading; /* its input is still read */
        bool closing; /* closed once out is flushed */
        bool dead;    /* freed after the current loop iteration */
        struct buffer out;
        struct monitor_detach_keys keys;
        size_t detach_pos;
        int64_t progress_ns; /* monotonic time of its last write or empty buffer */
};

struct control {
        struct watch watch;
        struct control *next;
        unsigned id;
        bool dead;
};

struct exec_session;

/* A watched fd of an exec: an output pipe or its pty master, its stdin, or
 * its client connection. */
struct exec_watch {
        struct watch watch;
        struct exec_session *exec;
        int stream; /* for output: JSONLOG_STDOUT or JSONLOG_STDERR */
};

/* A process started in the container by "exec" (exec.c), with its stdio
 * (exec-io.c). Freed after the loop iteration in which it became dead. */
struct exec_session {
        struct exec_session *next;
        struct monitor_exec_request request; /* env and pending are freed once it runs */
        struct runtime_container *process;
        pid_t pid;
        bool running; /* exec-started was sent */
        bool exited;  /* reaped, or it failed to start */
        int exit_code;
        int64_t exited_mono_ns;
        bool dead;

        int console_fd; /* the pty master with a tty, for resizing */
        struct exec_watch sources[2];
        size_t n_sources;
        bool output_paused;

        struct exec_watch stdin_watch; /* registered for EPOLLOUT only while input is queued */
        struct buffer stdin_buffer;
        bool stdin_open;
        bool stdin_closing;

        struct exec_watch client; /* fd -1 without a client */
        struct buffer out;
        bool client_reading;
        bool client_closing; /* closed once out is flushed */
        struct monitor_detach_keys keys;
        size_t detach_pos;
        int64_t progress_ns; /* monotonic time of its last write or empty buffer */
};

struct monitor {
        struct monitor_options opt;
        int epoll_fd;
        int state_dir_fd;
        int data_dir_fd;
        struct watch signals;
        struct watch listener;

        struct runtime_container *container;
        bool tty;
        int console_fd;
        enum container_phase phase;
        pid_t pid;
        int64_t started_at_ns;
        int64_t finished_at_ns;
        int exit_code;
        bool oom_killed;
        int64_t exited_mono_ns;
        int64_t output_mono_ns; /* last output read */

        struct source sources[2];
        size_t n_sources;
        bool output_paused;

        struct watch stdin_watch; /* write end of the container's stdin */
        struct buffer stdin_buffer;
        bool stdin_open;
        bool stdin_closing;
        bool input_paused;

        struct jsonlog_writer *log;
        bool log_failing;

        struct control *controls;
        struct client *clients;
        struct exec_session *execs;
        unsigned next_id;
        bool finishing;
        bool done;
        int status; /* the monitor's exit status */
};

/* loop.c */
int monitor_loop_run(struct monitor *m);

/* Returns the heap's free pages to the kernel. A create, start or exec
 * through the runtime (parsing the spec, compiling a seccomp filter)
 * leaves up to about 1 MiB free on the heap, which would otherwise stay
 * in the monitor's RSS for the container's whole life. */
void monitor_trim_heap(void);
/* Closes and frees everything but the container. */
void monitor_release(struct monitor *m);

/* control.c */
int control_add(struct monitor *m, int fd);
void control_send(struct monitor *m, struct control *ctl, json_object *msg);
void control_send_all(struct monitor *m, json_object *msg);
void control_send_error(struct monitor *m, int code, const char *message);
void control_free_dead(struct monitor *m);
int listener_open(struct monitor *m);

/* attach.c */
int client_add(struct monitor *m, int fd, json_object *request);
void client_send_output(struct monitor *m, struct client *c, int stream, const void *data, size_t len);
/* Ends the attach once what is buffered for the client has been sent. */
void client_close(struct monitor *m, struct client *c);
/* Ends the connection at once, dropping what is buffered. */
void client_drop(struct monitor *m, struct client *c);
void clients_update(struct monitor *m);
void clients_check_stalled(struct monitor *m, int64_t now_mono);
void clients_free_dead(struct monitor *m);
int64_t clients_next_deadline(struct monitor *m);

/* stdio.c */

/* The pipes of a process without a terminal, each {read end, write end}
 * and -1 where absent. The exec's stdio (exec-io.c) uses them too. */
struct stdio_pipes {
        int out[2], err[2], in[2];
};
/* Creates the stdout and stderr pipes, and the stdin pipe when with_stdin.
 * On failure closes what it created and returns a negative errno. */
int stdio_pipes_open(struct stdio_pipes *p, bool with_stdin);

/* Gives the container's ends of the pipes to --stdio-owner, if set. */
int stdio_pipes_chown(const struct monitor *m, const struct stdio_pipes *p);
void stdio_pipes_close(struct stdio_pipes *p);
int stdio_set_nonblocking(int fd);

int stdio_prepare(struct monitor *m, int ret_container_fds[3]);
int stdio_attach_console(struct monitor *m, int console_fd);
void stdio_deliver(struct monitor *m, int stream, const void *data, size_t len);
void stdio_update_output(struct monitor *m);
bool stdio_output_open(struct monitor *m);
void stdio_close_output(struct monitor *m);
void stdin_write(struct monitor *m, const void *data, size_t len);
void stdin_close(struct monitor *m);
void stdin_close_now(struct monitor *m);
int stdio_resize(struct monitor *m, unsigned height, unsigned width);

/* exec.c */
/* Starts the exec that msg requests; client_fd (owned from then on) is its
 * client connection, or -1 for a detached exec. */
void exec_start(struct monitor *m, json_object *msg, int client_fd);
/* Records the end of an exec's process; false when pid is no exec's. */
bool exec_reaped(struct monitor *m, pid_t pid, int status);
void exec_resize(struct monitor *m, const char *id, unsigned height, unsigned width);
/* Sends "exec-started" for every running exec on ctl (after "state"). */
void execs_send_running(struct monitor *m, struct control *ctl);
size_t execs_running(struct monitor *m);
/* Tells whether an exec still has a process, output or a client. */
bool execs_left(struct monitor *m);
void execs_tick(struct monitor *m, int64_t now_mono);
int64_t execs_next_deadline(struct monitor *m);
void execs_free_dead(struct monitor *m);
/* Ends every exec at once and frees it (the monitor is leaving). */
void execs_release(struct monitor *m);

/* exec-io.c */
int exec_io_prepare(struct monitor *m, struct exec_session *x, int ret_process_fds[3]);
int exec_io_attach_console(struct monitor *m, struct exec_session *x, int console_fd);
/* Takes fd as x's client; exec_io_start_client starts serving it. */
int exec_io_add_client(struct monitor *m, struct exec_session *x, int fd);
void exec_io_start_client(struct monitor *m, struct exec_session *x);
/* Sends text to the client as stdout (framed unless raw), then ends its stream. */
void exec_io_send_error(struct monitor *m, struct exec_session *x, const char *text);
bool exec_io_output_open(const struct exec_session *x);
void exec_io_close_output(struct monitor *m, struct exec_session *x);
void exec_io_close_client(struct monitor *m, struct exec_session *x);
void exec_io_drop_client(struct monitor *m, struct exec_session *x);
void exec_io_close_stdin_now(struct monitor *m, struct exec_session *x);
int64_t exec_io_client_deadline(const struct exec_session *x);
/* Closes every fd and frees every buffer of x. */
void exec_io_release(struct monitor *m, struct exec_session *x);

/* lifecycle.c */
int lifecycle_create(struct monitor *m);
void lifecycle_start(struct monitor *m);
void lifecycle_reap(struct monitor *m);
void lifecycle_fail(struct monitor *m, int code, const char *message);
void lifecycle_tick(struct monitor *m, int64_t now_mono);
json_object *lifecycle_state_message(struct monitor *m);
/* Docker's exit code for a wait status: the code, or 128 + the signal. */
int lifecycle_exit_code(int status);
