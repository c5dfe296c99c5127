/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * Detach keys: the key sequence that ends an attach to a container with a
 * terminal while the container goes on running. The syntax is Docker's: a
 * comma-separated list of keys, each a single character, "ctrl-X" for X in
 * a-z, @, [, \, ], ^ and _, or "DEL". The default is "ctrl-p,ctrl-q".
 */

#define MONITOR_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
#define MONITOR_DETACH_KEYS_MAX     64

struct monitor_detach_keys {
        uint8_t keys[MONITOR_DETACH_KEYS_MAX];
        size_t n;
};

/* Parses spec; NULL or "" gives the default. On error, err contains Docker's
 * message, "Invalid detach keys (SPEC) provided", and -EINVAL is returned. */
int monitor_detach_keys_parse(const char *spec, struct monitor_detach_keys *ret, struct error *err);

enum monitor_detach_action {
        MONITOR_DETACH_FORWARD, /* pass on the held keys, then the bytes read */
        MONITOR_DETACH_HOLD,    /* the bytes are the start of the sequence: keep them back */
        MONITOR_DETACH_DETACH,  /* the sequence is complete: end the attach */
};

/*
 * Matches one read of a client's input against the keys, as dockerd does:
 * only a read of a single byte (a key press) advances the match, so that
 * pasted or piped input passes through whole. *pos is the match state,
 * 0 at first. On MONITOR_DETACH_FORWARD, *ret_held is the number of bytes of
 * keys->keys held back by earlier reads that go before this read's bytes.
 */
enum monitor_detach_action monitor_detach_match(const struct monitor_detach_keys *keys, size_t *pos, const void *data,
                                                size_t len, size_t *ret_held);
