/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
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
 *
 * Monitor to daemon:
 *   {"type":"created","pid":N}        the init is waiting for "start"
 *   {"type":"started","pid":N,"started_at":"RFC3339"}
 *   {"type":"updated"} or {"type":"updated","error":"...","exited":B}
 *                                     the reply to "update", on its connection;
 *                                     "exited" when the container has ended
 *   {"type":"state","status":"created|running","pid":N,"started_at":"..."}
 *                                     "running" also while the output of an
 *                                     exited container drains; "exited" follows
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
