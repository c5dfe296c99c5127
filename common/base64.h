/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

/* Encodes len bytes as standard base64 with padding. Returns a new
 * NUL-terminated string, or NULL when out of memory. */
char *base64_encode(const void *data, size_t len);

/* Decodes standard base64 (padding optional, no whitespace). Returns 0 with
 * a new buffer in *ret (NUL-terminated for convenience) and its length, or
 * -EINVAL for malformed input, -ENOMEM. */
int base64_decode(const char *text, void **ret, size_t *ret_len);
