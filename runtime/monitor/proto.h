/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/*
 * The protocol between sockerlessd and a container's monitor.
 *
 * Transport: a SOCK_SEQPACKET unix socket, one JSON object per packet (at
 * most MONITOR_PROTO_MAX_PACKET bytes), fds attached with SCM_RIGHTS. The
 * daemon gets its first connection as fd 3 of the monitor it spawns; after
 * a daemon restart it connects to <state-dir>/monitor.sock instead. Every
 * packet has a "type" member.
 *
 * Daemon to monitor:
 *   {"type":"start"}                  let the created container execve
 *   {"type":"attach","stdin":B,"stdout":B,"stderr":B,"detach_keys":"ctrl-p,ctrl-q",
 *    "pending":"<base64>"}            + 1 fd: a client connection to serve;
 *                                     "pending" is stdin the client already sent
 *   {"type":"kill","signal":N}        send signal N to the container's init
 *   {"type":"resize","height":H,"width":W}   resize the pty
 *   {"type":"hello"}                  ask for a "state" reply (after reconnecting)
 *   {"type":"update","resources":{...}}
 *                                     apply an OCI linux.resources object to the
 *                                     container's cgroup; "updated" replies
 *   {"type":"exec","id":"<64 hex>","args":[...],"env":[...],"cwd":"/dir",
 *    "user":"name:group","tty":B,"raw":B,"privileged":B,"height":H,"width":W,
 *    "stdin":B,"stdout":B,"stderr":B,"detach_keys":"ctrl-p,ctrl-q",
 *    "pending":"<base64>"}             + 0 or 1 fd: start a process in the running
 *                                     container (struct monitor_exec_request);
 *                                     the fd is the client connection that gets
 *                                     its stdio, none for a detached exec
 *   {"type":"resize","exec":"<id>","height":H,"width":W}
 *                                     resize the pty of an exec
 *   {"type":"sync","seq":N}           ask for {"type":"synced","seq":N} on this
 *                                     connection, after every message queued
 *                                     before it
 *
 * Monitor to daemon:
 *   {"type":"created","pid":N}        the init is waiting for "start"
 *   {"type":"started","pid":N,"started_at":"RFC3339"}
 *   {"type":"updated"} or {"type":"updated","error":"...","exited":B}
 *                                     the reply to "update", on its connection;
 *                                     "exited" when the container has ended
 *   {"type":"state","status":"created|running","pid":N,"started_at":"...",
 *    "features":["exec"],"execs":N}
 *                                     "running" also while the output of an
 *                                     exited container drains; "exited" follows.
 *                                     An "exec-started" for each of the N running
 *                                     execs follows on the same connection.
 *   {"type":"exec-started","id":"...","pid":N,"args":[...],"user":"...","tty":B,
 *    "privileged":B,"stdin":B,"stdout":B,"stderr":B,"detach_keys":"..."}
 *                                     an exec runs; sent on every connection
 *   {"type":"exec-exited","id":"...","exit_code":N,"error":"..."}
 *                                     an exec has ended, or failed to start with
 *                                     "error" set to dockerd's text for it (exit
 *                                     code 127 for a missing command, else
 *                                     126); sent on every connection before
 *                                     the end of the exec's output reaches its
 *                                     client
 *   {"type":"synced","seq":N}         the reply to "sync"
 *   {"type":"error","message":"...","exit_code":N}
 *                                     create or start failed, exit.json written;
 *                                     the monitor exits
 *   {"type":"exited","exit_code":N,"finished_at":"RFC3339","oom_killed":B}
 *                                     the container is gone, exit.json written;
 *                                     sent on every open connection
 *
 * Attach: before "start", the daemon sends the attaches it holds for the
 * container, so output from the first instruction on reaches them. For a
 * container without a tty each chunk to a client is framed as Docker does:
 * 8 bytes [stream, 0, 0, 0, size as big-endian u32] then the data, stream 1
 * for stdout and 2 for stderr. With a tty the pty's output goes raw.
 *
 * The monitor follows dockerd's attach semantics:
 * - A client's input goes to the container only when the client requested
 *   stdin and the container has one (--stdin).
 * - Detach keys are honoured only with a tty.
 * - When a client's input ends (end of file, a shutdown of its writing
 *   side, or the detach keys), the container's stdin is closed under
 *   --stdin-once without a tty. Otherwise that client's attach ends.
 * - Once a client's buffer is full, a client that reads slower than the
 *   container writes holds the container's output back, so nothing is
 *   dropped and the log waits too. After the container has exited, a
 *   client that takes no data for 10 seconds is dropped.
 * - The monitor closes every client when the container's output has ended,
 *   which ends `docker run`'s stream.
 *
 * An exec follows dockerd's exec semantics instead:
 * - Its output never reaches the container's log or its attached clients,
 *   only the exec's own client, framed unless "raw". Without a client, or
 *   for a stream the client did not ask for, output is read and dropped.
 * - Its stdin is a pipe (or the pty) fed by the client only with "stdin";
 *   otherwise it reads /dev/null. Without a tty, the end of the client's
 *   input closes the exec's stdin. With a tty, the end of the client's
 *   input or the detach keys end the client's stream, and the process runs
 *   on.
 * - Once its process has exited, the output is drained until it ends, or
 *   for at most 2 seconds when another process keeps it open, as dockerd
 *   waits for it; then the client's stream ends.
 * - When the container ends, its execs are killed with it and reported
 *   before "exited".
 */

#define MONITOR_PROTO_MAX_PACKET (64 * 1024)

/* Sends msg with up to n_fds fds attached. Does not consume msg. */
int monitor_proto_send(int sock, json_object *msg, const int *fds, size_t n_fds);

/* Receives one packet. Returns 1 with *ret set, 0 at end of stream, or
 * -errno (-EBADMSG for a packet that is not a JSON object with a "type").
 * Received fds beyond max_fds are closed. */
int monitor_proto_recv(int sock, json_object **ret, int *fds, size_t max_fds, size_t *ret_n_fds);

/* Returns the packet's "type" member, or "" when missing. */
const char *monitor_proto_type(json_object *msg);

/* Parses the text of one packet: 0 with *ret, or -EBADMSG when it is not a
 * JSON object with a string "type". */
int monitor_proto_parse(const char *buf, size_t len, json_object **ret);

/* The "exec" request. */
struct monitor_exec_request {
        char *id;        /* 64 lowercase hex characters */
        char **args;     /* the command and its arguments; at least one */
        char **env;      /* the whole environment, "NAME=value" */
        char *cwd;       /* an absolute path, or NULL for the container's */
        char *user;      /* Docker's user string, or NULL for the container's */
        bool tty;        /* the process gets a pty */
        bool raw;        /* output goes to the client without stream framing */
        bool privileged; /* every capability of the monitor's bounding set */
        unsigned height; /* initial pty size; 0 leaves the size unset */
        unsigned width;
        bool attach_stdin; /* the client feeds the process's stdin */
        bool attach_stdout;
        bool attach_stderr;
        char *detach_keys; /* NULL for MONITOR_DETACH_KEYS_DEFAULT */
        void *pending;     /* stdin the client sent with its request */
        size_t pending_len;
};

/* Parses an "exec" message. Returns 0, or -EINVAL with the reason in err
 * for a missing or malformed member. */
int monitor_exec_request_parse(json_object *msg, struct monitor_exec_request *ret, struct error *err);

/* Builds the "exec" message for r, or returns NULL when out of memory. */
json_object *monitor_exec_request_to_json(const struct monitor_exec_request *r);

/* Frees the members of r and zeroes it. */
void monitor_exec_request_clear(struct monitor_exec_request *r);

/*
 * The monitor's files.
 *
 * In its state directory (under the exec root):
 *   monitor.sock   the listening socket described above
 *   monitor.pid    the monitor's pid, written once it is listening
 * In the container's data directory (under the data root, so it survives a
 * reboot):
 *   exit.json      {"exit_code":N,"finished_at":"RFC3339","oom_killed":B,
 *                   "started_at":"RFC3339","error":"..."}
 *                  written atomically when the container ends
 */
#define MONITOR_SOCKET_NAME "monitor.sock"
#define MONITOR_PID_NAME    "monitor.pid"
#define MONITOR_EXIT_NAME   "exit.json"

/*
 * The monitor's command line, as sockerlessd runs it:
 *
 *   sockerless-monitor --id ID --bundle DIR --state-dir DIR --data-dir DIR
 *                      [--log-path FILE [--log-max-size BYTES] [--log-max-file N]]
 *                      [--stdin] [--stdin-once] [--cgroup-parent DIR]
 *                      [--seccomp-cache DIR] [--debug]
 *
 * with fd 3 the daemon's end of a SOCK_SEQPACKET socketpair. The monitor
 * forks once and the first process exits at once, so the daemon reaps it and
 * the monitor is not the daemon's child. The monitor then calls setsid and
 * serves until its container ends. --stdin gives the container a stdin pipe fed by
 * attached clients (Docker's OpenStdin); without it stdin is /dev/null.
 * --stdin-once closes that pipe when the first client with stdin ends its
 * input (Docker's StdinOnce); as in dockerd it applies only without a
 * terminal, because a terminal container's stdin stays open for the next
 * attach after a detach. Without --log-path nothing is logged.
 * --cgroup-parent and --seccomp-cache set the cgroup_parent and
 * seccomp_cache_dir of runtime_create_options. The monitor writes its own
 * diagnostics to <state-dir>/monitor.log, with debug detail only under
 * --debug.
 */
