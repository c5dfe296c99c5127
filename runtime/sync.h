/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

/*
 * The handshake between the caller of runtime_container_create (the
 * parent) and the container's init, over a SOCK_SEQPACKET socketpair. The
 * init's end is close-on-exec, so a successful execve shows up in the
 * parent as the end of the stream.
 *
 *   parent                              init
 *   clone ---------------------------->  (waits)
 *   joins the init to its cgroups
 *   SYNC_CGROUPS_JOINED -------------->  namespaces, mounts
 *                       <--------------  SYNC_HOOKS, only with prestart or
 *   runs prestart and createRuntime       createRuntime hooks in the spec
 *   hooks
 *   SYNC_HOOKS_DONE ------------------>  createContainer hooks, pivot_root,
 *                                        user, capabilities, executable lookup
 *                       <--------------  SYNC_CREATED (+ pty master)
 *   (create returns; start is called)
 *   SYNC_START ----------------------->  startContainer hooks, execve
 *                       <--------------  end of stream, or SYNC_ERROR
 *
 * Either side may get SYNC_ERROR instead of the next step: the init sends
 * it with the errno and message of what failed, then exits.
 */
enum sync_step {
        SYNC_CGROUPS_JOINED = 1,
        SYNC_CREATED,
        SYNC_START,
        SYNC_ERROR,
        SYNC_HOOKS,
        SYNC_HOOKS_DONE,
};

/* Sends step with an optional fd (-1 for none). */
int sync_send(int sock, enum sync_step step, int fd);

/* Sends SYNC_ERROR with code (a negative errno) and message. */
int sync_send_error(int sock, int code, const char *message);

/* Waits for step. Returns 0 with *ret_fd set to the attached fd (or -1;
 * ret_fd may be NULL), 1 at the end of the stream, or a negative errno:
 * the init's code with its message in err for SYNC_ERROR, -EPROTO for any
 * other step. */
int sync_recv(int sock, enum sync_step step, int *ret_fd, struct error *err);
