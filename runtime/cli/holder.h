/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

/*
 * Between `create` and `start`, a holder process keeps the container: it
 * is the init's parent and holds the init's end of the start handshake,
 * as runc's init waits on its exec FIFO. It listens on holder.sock in the
 * container's state directory (SOCK_SEQPACKET, mode 0600). `start` sends
 * HOLDER_START; the holder lets the init execve, records the container as
 * started, replies with the outcome and exits, so the init's parent
 * becomes the nearest subreaper, as with runc.
 */

#define HOLDER_SOCKET "holder.sock"
#define HOLDER_START  "start"

struct holder_reply {
        int32_t code; /* 0, or a negative errno */
        char message[4096];
};
